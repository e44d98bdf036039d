#include "harness/pcap/segments.hpp"

#include <algorithm>
#include <iterator>

namespace mtc::pcap {

std::size_t SegmentStore::insert(std::uint64_t start, BytesView data) {
    const std::uint64_t end = start + data.size();
    std::uint64_t at = start;
    std::size_t added = 0;
    const auto store = [&](std::uint64_t from, std::uint64_t to) {
        if (from >= to) return;
        const auto piece = data.subspan(from - start, to - from);
        ranges_.emplace(from, Bytes(piece.begin(), piece.end()));
        added += piece.size();
    };
    // A range starting before `start` may cover its beginning.
    auto it = ranges_.upper_bound(start);
    if (it != ranges_.begin()) {
        const auto prev = std::prev(it);
        at = std::max(at, prev->first + prev->second.size());
    }
    for (; it != ranges_.end() && it->first < end && at < end; ++it) {
        store(at, std::min(it->first, end));
        at = std::max(at, it->first + it->second.size());
    }
    if (at < end) store(at, end);
    bytes_ += added;
    return added;
}

std::uint64_t SegmentStore::take_contiguous(std::uint64_t from, Bytes& out) {
    auto it = ranges_.begin();
    while (it != ranges_.end() && it->first <= from) {
        const std::uint64_t range_end = it->first + it->second.size();
        if (range_end > from) {
            out.insert(out.end(),
                       it->second.begin() + static_cast<std::ptrdiff_t>(from - it->first),
                       it->second.end());
            from = range_end;
        }
        bytes_ -= it->second.size();
        it = ranges_.erase(it);
    }
    return from;
}

std::uint64_t SegmentStore::end() const {
    if (ranges_.empty()) return 0;
    const auto& last = *ranges_.rbegin();
    return last.first + last.second.size();
}

void SegmentStore::clear() {
    ranges_.clear();
    bytes_ = 0;
}

}  // namespace mtc::pcap
