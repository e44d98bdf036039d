#include "protocols/core/codec.hpp"

#include <algorithm>
#include <bitset>
#include <cstdio>
#include <string>
#include <string_view>

namespace mtc {

namespace {

constexpr std::size_t kOffVersion = 2;
constexpr std::size_t kOffProtocol = 3;
constexpr std::size_t kOffType = 4;
constexpr std::size_t kOffFlags = 5;
constexpr std::size_t kOffSession = 6;
constexpr std::size_t kOffBodyLength = 14;
constexpr std::size_t kMaxValue = 0xffff;
constexpr std::size_t kMaxBody = 0xffff;

std::string hex8(std::uint8_t v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02x", v);
    return buf;
}

std::string hex16(std::uint16_t v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%04x", v);
    return buf;
}

std::string num(std::size_t v) {
    return std::to_string(v);
}

// A decoder's refusal, written into `why`: the reason built in at most one allocation, none
// when `why` has held a reason as long (under ASan an allocation costs more than the check
// that failed, and a fuzzer's inputs are mostly refused). Returns false, the refusal.
template <typename... Parts>
bool fail(Error& why, std::size_t offset, const Parts&... parts) {
    why.reason.clear();
    why.reason.reserve((std::string_view(parts).size() + ...));
    (why.reason.append(std::string_view(parts)), ...);
    why.offset = offset;
    return false;
}

std::string bounds(const FieldSpec& f) {
    // Built with append: gcc 12 at -O3 warns falsely (-Wrestrict, GCC bug 105329) on
    // "literal" + std::string.
    std::string s = "[";
    s.append(num(f.min_len)).append(", ").append(num(f.max_len)).append("]");
    return s;
}

void write_header(Bytes& out, const Message& msg, std::uint16_t body_length) {
    put_u16(out, kFrameMagic);
    out.push_back(kFrameVersion);
    out.push_back(msg.protocol);
    out.push_back(msg.type);
    out.push_back(0);  // flags
    put_u64(out, msg.session);
    put_u16(out, body_length);
}

// Checks `msg` against `schema`; the reasons match the decoder's where the rule is the same.
std::optional<std::string> check_message(const Schema& schema, const Message& msg) {
    if (msg.protocol != schema.protocol_id) {
        return "protocol id " + num(msg.protocol) + " is not " + schema.protocol + " (" +
               num(schema.protocol_id) + ")";
    }
    const MessageSpec* spec = schema.message(msg.type);
    if (spec == nullptr) {
        return "unknown message type " + num(msg.type) + " for protocol " + schema.protocol;
    }
    const std::string& name = spec->name;
    std::size_t body = 0;
    for (std::size_t i = 0; i < msg.fields.size(); ++i) {
        const Field& field = msg.fields[i];
        if (i > 0) {
            const std::uint8_t prev = msg.fields[i - 1].tag;
            if (field.tag == prev) return name + ": duplicate tag " + num(field.tag);
            if (field.tag < prev) {
                return name + ": tags out of order (tag " + num(field.tag) + " after tag " +
                       num(prev) + ")";
            }
        }
        const FieldSpec* fs = spec->field(field.tag);
        if (fs == nullptr) return name + ": unknown tag " + num(field.tag);
        if (field.value.size() < fs->min_len || field.value.size() > fs->max_len) {
            return name + ": field " + fs->name + " length " + num(field.value.size()) +
                   " outside " + bounds(*fs);
        }
        body += kTlvHeaderSize + field.value.size();
    }
    for (const FieldSpec& fs : spec->fields) {
        if (fs.required && !msg.has(fs.tag)) {
            return name + ": required field " + fs.name + " (tag " + num(fs.tag) + ") missing";
        }
    }
    if (body > kMaxBody) {
        return name + ": body of " + num(body) + " bytes exceeds the 65535-byte maximum";
    }
    return std::nullopt;
}

bool printable_text(BytesView v) {
    return std::all_of(v.begin(), v.end(), [](std::uint8_t c) {
        return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
    });
}

bool read_header(BytesView frame, FrameHeader& h, Error& why) {
    if (frame.size() < kFrameHeaderSize) {
        return fail(why, frame.size(), "frame of ", num(frame.size()),
                    " bytes is shorter than the ", num(kFrameHeaderSize), "-byte header");
    }
    const std::uint16_t magic = get_u16(frame, 0);
    if (magic != kFrameMagic) {
        return fail(why, 0, "bad magic ", hex16(magic), " (expected ", hex16(kFrameMagic), ")");
    }
    h.version = frame[kOffVersion];
    h.protocol = frame[kOffProtocol];
    h.type = frame[kOffType];
    h.flags = frame[kOffFlags];
    h.session = get_u64(frame, kOffSession);
    h.body_length = get_u16(frame, kOffBodyLength);
    if (h.version != kFrameVersion) {
        return fail(why, kOffVersion, "unsupported version ", num(h.version), " (expected ",
                    num(kFrameVersion), ")");
    }
    if (h.flags != 0) {
        return fail(why, kOffFlags, "nonzero flags ", hex8(h.flags), " (reserved, must be 0)");
    }
    const std::size_t remaining = frame.size() - kFrameHeaderSize;
    if (h.body_length > remaining) {
        return fail(why, kOffBodyLength, "truncated frame: body length ", num(h.body_length),
                    " but only ", num(remaining), " bytes follow the header");
    }
    return true;
}

}  // namespace

Result<FrameHeader> peek_header(BytesView frame) {
    FrameHeader h;
    Error why;
    if (!read_header(frame, h, why)) return why;
    return h;
}

Result<Message> decode(const Schema& schema, BytesView frame) {
    Message msg;
    if (Status s = decode_into(schema, frame, msg); !s) return s.error();
    return msg;
}

Status decode_into(const Schema& schema, BytesView frame, Message& out) {
    Error why;
    if (!decode_into(schema, frame, out, why)) return why;
    return Ok{};
}

bool decode_into(const Schema& schema, BytesView frame, Message& out, Error& why) {
    FrameHeader h;
    if (!read_header(frame, h, why)) return false;
    const std::size_t end = kFrameHeaderSize + h.body_length;
    if (frame.size() > end) {
        return fail(why, end, "trailing bytes after frame: ", num(frame.size() - end),
                    " bytes after a body of ", num(h.body_length));
    }
    if (h.protocol != schema.protocol_id) {
        return fail(why, kOffProtocol, "protocol id ", num(h.protocol), " is not ", schema.protocol,
                    " (", num(schema.protocol_id), ")");
    }
    const MessageSpec* spec = schema.message(h.type);
    if (spec == nullptr) {
        return fail(why, kOffType, "unknown message type ", num(h.type), " for protocol ",
                    schema.protocol);
    }
    const std::string& name = spec->name;

    // First every TLV is checked, building nothing, so a refused frame (most of what a fuzzer
    // or an attacker sends) costs at most one allocation, its reason; then the message is built.
    std::bitset<256> present;
    std::size_t count = 0;
    int prev = -1;
    std::size_t pos = kFrameHeaderSize;
    while (pos < end) {
        if (end - pos < kTlvHeaderSize) {
            return fail(why, pos, name, ": truncated TLV header (", num(end - pos),
                        " bytes left in body, need 3)");
        }
        const std::uint8_t tag = frame[pos];
        const std::size_t len = get_u16(frame, pos + 1);
        if (tag == prev) return fail(why, pos, name, ": duplicate tag ", num(tag));
        if (tag < prev) {
            return fail(why, pos, name, ": tags out of order (tag ", num(tag), " after tag ",
                        num(static_cast<std::size_t>(prev)), ")");
        }
        const FieldSpec* fs = spec->field(tag);
        if (fs == nullptr) return fail(why, pos, name, ": unknown tag ", num(tag));
        const std::size_t value_at = pos + kTlvHeaderSize;
        if (len > end - value_at) {
            return fail(why, pos + 1, name, ": field ", fs->name, " length ", num(len),
                        " runs past the end of the body (", num(end - value_at), " bytes left)");
        }
        if (len < fs->min_len || len > fs->max_len) {
            return fail(why, pos + 1, name, ": field ", fs->name, " length ", num(len), " outside ",
                        bounds(*fs));
        }
        present.set(tag);
        ++count;
        prev = tag;
        pos = value_at + len;
    }
    for (const FieldSpec& fs : spec->fields) {
        if (fs.required && !present.test(fs.tag)) {
            return fail(why, end, name, ": required field ", fs.name, " (tag ", num(fs.tag),
                        ") missing");
        }
    }

    out.protocol = h.protocol;
    out.type = h.type;
    out.session = h.session;
    out.fields.resize(count);  // keeps the storage of fields (and values) already there
    std::size_t i = 0;
    for (pos = kFrameHeaderSize; pos < end; ++i) {
        const std::size_t len = get_u16(frame, pos + 1);
        const auto value = frame.subspan(pos + kTlvHeaderSize, len);
        out.fields[i].tag = frame[pos];
        out.fields[i].value.assign(value.begin(), value.end());
        pos += kTlvHeaderSize + len;
    }
    return true;
}

Result<Bytes> encode(const Schema& schema, const Message& msg) {
    Bytes out;
    if (Status s = encode_into(schema, msg, out); !s) return s.error();
    return out;
}

Status encode_into(const Schema& schema, const Message& msg, Bytes& out) {
    if (auto problem = check_message(schema, msg)) return make_error(std::move(*problem));
    encode_unchecked_into(msg, out);
    return Ok{};
}

Bytes encode_unchecked(const Message& msg) {
    Bytes out;
    encode_unchecked_into(msg, out);
    return out;
}

void encode_unchecked_into(const Message& msg, Bytes& out) {
    // The body's size first, so the frame is written into one allocation (fuzz targets and the
    // attack engine encode on every input).
    std::size_t body = 0;
    for (const Field& f : msg.fields) {
        if (body >= kMaxBody) break;
        body += kTlvHeaderSize + std::min(f.value.size(), kMaxValue);
    }
    body = std::min(body, kMaxBody);
    out.clear();
    out.reserve(kFrameHeaderSize + body);
    write_header(out, msg, static_cast<std::uint16_t>(body));
    for (const Field& f : msg.fields) {
        if (out.size() - kFrameHeaderSize >= kMaxBody) break;
        const std::size_t len = std::min(f.value.size(), kMaxValue);
        out.push_back(f.tag);
        put_u16(out, static_cast<std::uint16_t>(len));
        out.insert(out.end(), f.value.begin(), f.value.begin() + static_cast<std::ptrdiff_t>(len));
    }
    out.resize(kFrameHeaderSize + body);  // a body over the maximum is cut, possibly mid-TLV
}

std::string describe(const Schema& schema, const Message& msg) {
    const MessageSpec* spec = schema.message(msg.type);
    std::string out = spec != nullptr ? spec->name : "type" + num(msg.type);
    char session[24];
    std::snprintf(session, sizeof session, "%016llx", static_cast<unsigned long long>(msg.session));
    out += " session=";
    out += session;
    for (const Field& f : msg.fields) {
        const FieldSpec* fs = spec != nullptr ? spec->field(f.tag) : nullptr;
        out += ' ';
        out += fs != nullptr ? fs->name : "tag" + num(f.tag);
        out += '=';
        const BytesView v = view(f.value);
        if (v.empty() || (fs != nullptr && fs->kind == FieldKind::identity && printable_text(v))) {
            out += '"';
            out += to_string(v);
            out += '"';
        } else {
            out += to_hex(v);
        }
    }
    return out;
}

}  // namespace mtc
