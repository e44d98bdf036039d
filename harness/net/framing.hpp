// Stream framing: every frame on a TCP (or TLS) stream is prefixed by its length as a u32,
// big-endian. A frame is at most kMaxStreamFrame = 16 + 65535 bytes (one protocol frame:
// header plus the largest body); a larger announced length means the stream is garbage.
// Pure functions over bytes, no I/O, so that the parser can be fuzzed on its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "protocols/core/bytes.hpp"
#include "protocols/core/result.hpp"

namespace mtc::net {

inline constexpr std::size_t kLengthPrefixSize = 4;
inline constexpr std::size_t kMaxStreamFrame = 16 + 0xffff;  // 65551

// Appends the length prefix and the frame. The caller checks size <= kMaxStreamFrame.
void append_frame(Bytes& out, BytesView frame);

// Reassembles frames from arbitrary chunks of a stream.
class FrameDecoder {
public:
    explicit FrameDecoder(std::size_t max_frame = kMaxStreamFrame) : max_frame_(max_frame) {}

    void feed(BytesView chunk);
    // The next complete frame; nullopt when more bytes are needed. An announced length over
    // the maximum is an Error (with the offset of the prefix in the stream), and every
    // later call returns it again: the stream cannot be resynchronised.
    Result<std::optional<Bytes>> next();
    // True when part of a frame (or of its prefix) is buffered.
    [[nodiscard]] bool mid_frame() const { return buf_.size() > off_; }
    [[nodiscard]] std::size_t buffered() const { return buf_.size() - off_; }

private:
    std::size_t max_frame_;
    Bytes buf_;
    std::size_t off_ = 0;         // start of unconsumed bytes in buf_
    std::uint64_t consumed_ = 0;  // stream offset of buf_[off_]
    std::optional<Error> error_;
};

}  // namespace mtc::net
