#include "harness/net/framing.hpp"

#include <string>

namespace mtc::net {

void append_frame(Bytes& out, BytesView frame) {
    put_u32(out, static_cast<std::uint32_t>(frame.size()));
    out.insert(out.end(), frame.begin(), frame.end());
}

void FrameDecoder::feed(BytesView chunk) {
    if (error_) return;
    // Compact before growing, so a long-lived stream does not keep consumed bytes around.
    if (off_ > 0 && (off_ == buf_.size() || off_ >= buf_.size() / 2)) {
        buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(off_));
        off_ = 0;
    }
    buf_.insert(buf_.end(), chunk.begin(), chunk.end());
}

Result<std::optional<Bytes>> FrameDecoder::next() {
    if (error_) return *error_;
    const std::size_t have = buf_.size() - off_;
    if (have < kLengthPrefixSize) return std::optional<Bytes>{};
    const std::uint32_t len = get_u32(view(buf_), off_);
    if (len > max_frame_) {
        error_ =
            make_error("bad length prefix: " + std::to_string(len) + " bytes announced, at most " +
                           std::to_string(max_frame_) + " allowed",
                       static_cast<std::size_t>(consumed_));
        return *error_;
    }
    if (have < kLengthPrefixSize + len) return std::optional<Bytes>{};
    const auto begin = buf_.begin() + static_cast<std::ptrdiff_t>(off_ + kLengthPrefixSize);
    Bytes frame(begin, begin + len);
    off_ += kLengthPrefixSize + len;
    consumed_ += kLengthPrefixSize + len;
    return std::optional<Bytes>{std::move(frame)};
}

}  // namespace mtc::net
