// The one frame format shared by every protocol (see docs/wire-format.md):
//
//   offset size field
//   0      2    magic 0x4D46 ("MF")
//   2      1    version (1)
//   3      1    protocol id
//   4      1    message type
//   5      1    flags (reserved, must be 0)
//   6      8    session id
//   14     2    body length (bytes of TLV that follow)
//   16     ...  TLVs: tag u8, length u16, value; tags strictly ascending
//
// All integers big-endian. Decoding is strict and total: any deviation is an Error carrying a
// reason and the byte offset, never an exception or a partially filled message. Because tags
// must ascend and lengths are exact, every accepted frame has exactly one encoding, so
// decode(encode(m)) == m and encode(decode(b)) == b.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "protocols/core/bytes.hpp"
#include "protocols/core/message.hpp"
#include "protocols/core/result.hpp"
#include "protocols/core/schema.hpp"

namespace mtc {

inline constexpr std::uint16_t kFrameMagic = 0x4D46;
inline constexpr std::uint8_t kFrameVersion = 1;
inline constexpr std::size_t kFrameHeaderSize = 16;
inline constexpr std::size_t kTlvHeaderSize = 3;
inline constexpr std::size_t kMaxFrameSize = kFrameHeaderSize + 0xffff;

struct FrameHeader {
    std::uint8_t version = 0;
    std::uint8_t protocol = 0;
    std::uint8_t type = 0;
    std::uint8_t flags = 0;
    std::uint64_t session = 0;
    std::uint16_t body_length = 0;
};

// Reads and checks only the fixed header (magic, version, flags, that the body length fits
// in `frame`); used to pick the protocol schema before a full decode, and by stream framing.
Result<FrameHeader> peek_header(BytesView frame);

// Full strict decode against `schema`; the frame's protocol id must be the schema's.
Result<Message> decode(const Schema& schema, BytesView frame);

// Encodes `msg`, checking it against the schema first (protocol id is the schema's, known
// type, known tags, tags strictly ascending, lengths in bounds, required fields present, body
// at most 65535 bytes) so that a role can never emit a frame its peer rejects. Errors carry
// offset npos.
Result<Bytes> encode(const Schema& schema, const Message& msg);

// Encodes without schema checks, for attack strategies and fuzzers that must be able to
// produce malformed frames on purpose. Fields are written in the order given, duplicates and
// all. Never fails: a value longer than 65535 bytes is cut to its first 65535 bytes (its
// length field always matches what is written), and the body is cut to its first 65535
// bytes (possibly mid-TLV), with the body length field set to what is written.
Bytes encode_unchecked(const Message& msg);

// The same three into storage the caller keeps: `out`'s fields, values and bytes are reused,
// so a loop over many frames (a fuzz target's inputs) allocates only when a frame outgrows the
// last. After an error `out` holds nothing meaningful.
Status decode_into(const Schema& schema, BytesView frame, Message& out);
Status encode_into(const Schema& schema, const Message& msg, Bytes& out);
void encode_unchecked_into(const Message& msg, Bytes& out);
// And with the refusal written into `why`, whose reason's storage is reused too: false when
// the frame is refused (`why` then holds the same reason and offset the call above returns).
// A fuzzer's frames are mostly refused, and a reason is the one allocation such a frame
// would cost.
bool decode_into(const Schema& schema, BytesView frame, Message& out, Error& why);

// One-line rendering for logs and pcap listings, e.g.
//   M1 session=00000000000000ab MTCdID="alice" MTCdNonce=00112233...
// Field names come from the schema (unknown types and tags are shown by number); identities
// that are printable ASCII are shown quoted, every other value in hex.
std::string describe(const Schema& schema, const Message& msg);

}  // namespace mtc
