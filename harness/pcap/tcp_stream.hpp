// One direction of a TCP connection, reassembled into a byte stream.
//
// Rules (docs/pcap.md): a SYN sets the initial sequence number; a direction first seen
// without its SYN starts at its first segment that carries data (or FIN). Sequence numbers
// are compared modulo 2^32 relative to the next expected byte. A segment wholly before it is
// a retransmission (counted, its bytes already delivered); one that straddles it delivers only
// its new tail; one after it waits in a SegmentStore (first arrival wins where buffered
// segments overlap) until the hole before it is filled. When more than kMaxBuffered bytes
// wait, or at the end of the capture, the hole is declared lost: the caller reports it and
// delivery resumes after it with a gap mark.
#pragma once

#include <cstdint>
#include <optional>

#include "harness/pcap/segments.hpp"
#include "protocols/core/bytes.hpp"

namespace mtc::pcap {

class TcpDirection {
public:
    static constexpr std::size_t kMaxBuffered = 16u << 20;

    enum class Verdict {
        delivered,      // new contiguous bytes were appended to `out`
        buffered,       // held until a hole before it is filled
        retransmitted,  // every byte was delivered already
        before_start,   // bytes before the first segment of a stream seen mid-way
        empty,          // no payload (pure ACK, SYN, FIN...)
    };

    // A SYN from this direction (seq is the ISN). Returns false for a repeated SYN with the
    // same ISN (a retransmission) after the direction started.
    bool syn(std::uint32_t isn);
    // A segment's payload at `seq`: appends newly contiguous bytes to `out`.
    Verdict data(std::uint32_t seq, BytesView payload, Bytes& out);
    void fin() { fin_ = true; }

    // A hole that blocks buffered bytes: its stream offset and length.
    struct Gap {
        std::uint64_t at = 0;
        std::uint64_t length = 0;
    };
    // When bytes wait behind a hole and `force` or more than kMaxBuffered bytes wait: skips
    // the hole, appends what becomes contiguous to `out` and returns the hole.
    std::optional<Gap> skip_gap(bool force, Bytes& out);

    [[nodiscard]] bool started() const { return started_; }
    [[nodiscard]] bool has_syn() const { return has_syn_; }
    [[nodiscard]] std::uint32_t isn() const { return isn_; }
    [[nodiscard]] bool fin_seen() const { return fin_; }
    [[nodiscard]] std::uint64_t delivered() const { return delivered_; }
    [[nodiscard]] std::size_t buffered() const { return pending_.bytes(); }

private:
    bool started_ = false;
    bool has_syn_ = false;
    bool fin_ = false;
    std::uint32_t isn_ = 0;
    std::uint32_t next_seq_ = 0;   // sequence number of stream offset delivered_
    std::uint64_t delivered_ = 0;  // bytes delivered so far (stream offset of next byte)
    SegmentStore pending_;         // keyed by stream offset
};

}  // namespace mtc::pcap
