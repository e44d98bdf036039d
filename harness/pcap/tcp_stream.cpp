#include "harness/pcap/tcp_stream.hpp"

namespace mtc::pcap {

bool TcpDirection::syn(std::uint32_t isn) {
    if (started_) return false;
    started_ = true;
    has_syn_ = true;
    isn_ = isn;
    next_seq_ = isn + 1;  // the SYN occupies one sequence number
    return true;
}

TcpDirection::Verdict TcpDirection::data(std::uint32_t seq, BytesView payload, Bytes& out) {
    if (payload.empty()) return Verdict::empty;
    if (!started_) {
        started_ = true;
        isn_ = seq - 1;
        next_seq_ = seq;
    }
    // Offset relative to the next expected byte, modulo 2^32.
    const auto rel = static_cast<std::int32_t>(seq - next_seq_);
    const std::int64_t end =
        static_cast<std::int64_t>(rel) + static_cast<std::int64_t>(payload.size());
    if (end <= 0) {
        // Entirely before the next expected byte. Before the stream's first byte at all, it
        // belongs to the part of a stream seen mid-way that the capture missed.
        const std::int64_t from_start = static_cast<std::int64_t>(delivered_) + end;
        return !has_syn_ && from_start <= 0 ? Verdict::before_start : Verdict::retransmitted;
    }
    if (rel > 0) {
        pending_.insert(delivered_ + static_cast<std::uint64_t>(rel), payload);
        return Verdict::buffered;
    }
    const auto skip = static_cast<std::size_t>(-static_cast<std::int64_t>(rel));
    std::uint64_t reached = 0;
    if (pending_.empty()) {
        out.insert(out.end(), payload.begin() + static_cast<std::ptrdiff_t>(skip), payload.end());
        reached = delivered_ + (payload.size() - skip);
    } else {
        // Buffered bytes this segment overlaps arrived first: they win.
        pending_.insert(delivered_, payload.subspan(skip));
        reached = pending_.take_contiguous(delivered_, out);
    }
    next_seq_ += static_cast<std::uint32_t>(reached - delivered_);
    delivered_ = reached;
    return Verdict::delivered;
}

std::optional<TcpDirection::Gap> TcpDirection::skip_gap(bool force, Bytes& out) {
    if (pending_.empty()) return std::nullopt;
    if (!force && pending_.bytes() <= kMaxBuffered) return std::nullopt;
    const std::uint64_t first = pending_.first();
    const Gap gap{delivered_, first - delivered_};
    const std::uint64_t reached = pending_.take_contiguous(first, out);
    next_seq_ += static_cast<std::uint32_t>(reached - delivered_);
    delivered_ = reached;
    return gap;
}

}  // namespace mtc::pcap
