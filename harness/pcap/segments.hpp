// Byte ranges that arrived out of order (IP fragments, TCP segments), kept disjoint. When
// ranges overlap, the bytes that arrived first win: a later overlapping range only adds the
// bytes nobody had yet (the "first" policy of IDS reassemblers; see docs/pcap.md).
#pragma once

#include <cstdint>
#include <map>

#include "protocols/core/bytes.hpp"

namespace mtc::pcap {

class SegmentStore {
public:
    // Stores the parts of [start, start + data.size()) not stored already; returns how many
    // bytes were new.
    std::size_t insert(std::uint64_t start, BytesView data);
    // Moves the bytes contiguous from `from` to the end of `out` (ranges wholly before `from`
    // are discarded); returns the offset just past the last byte moved (`from` if none).
    std::uint64_t take_contiguous(std::uint64_t from, Bytes& out);

    [[nodiscard]] bool empty() const { return ranges_.empty(); }
    [[nodiscard]] std::size_t bytes() const { return bytes_; }
    [[nodiscard]] std::size_t ranges() const { return ranges_.size(); }
    [[nodiscard]] std::uint64_t first() const { return ranges_.begin()->first; }
    [[nodiscard]] std::uint64_t end() const;  // one past the last stored byte
    void clear();

private:
    std::map<std::uint64_t, Bytes> ranges_;
    std::size_t bytes_ = 0;
};

}  // namespace mtc::pcap
