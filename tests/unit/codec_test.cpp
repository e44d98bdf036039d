// Wire codec, schema and message tests (protocols/core/{codec,schema,message}.cpp).
#include "protocols/core/codec.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "protocols/core/bytes.hpp"
#include "protocols/core/message.hpp"
#include "protocols/core/schema.hpp"

namespace mtc {
namespace {

constexpr std::uint8_t kProto = 0x7a;
constexpr std::uint8_t kHello = 1;
constexpr std::uint8_t kReply = 2;

// Hello(1): ClientID identity [1,32] req, Nonce nonce [16,16] req, AlgId alg-id [1,1] opt,
//           Note opaque [0,64] opt.
// Reply(2): ServerID identity [1,32] req, Element group-element [32,64] req, Mac mac [32,32]
//           req, Extra ciphertext [0,65535] opt.
Schema test_schema() {
    Schema s;
    s.protocol = "test";
    s.protocol_id = kProto;
    s.messages = {
        MessageSpec{kHello,
                    "Hello",
                    {
                        {1, "ClientID", FieldKind::identity, 1, 32, true},
                        {2, "Nonce", FieldKind::nonce, 16, 16, true},
                        {5, "AlgId", FieldKind::alg_id, 1, 1, false},
                        {9, "Note", FieldKind::opaque, 0, 64, false},
                    }},
        MessageSpec{kReply,
                    "Reply",
                    {
                        {1, "ServerID", FieldKind::identity, 1, 32, true},
                        {3, "Element", FieldKind::group_element, 32, 64, true},
                        {4, "Mac", FieldKind::mac, 32, 32, true},
                        {200, "Extra", FieldKind::ciphertext, 0, 65535, false},
                    }},
    };
    return s;
}

Bytes seq(std::size_t n, std::uint8_t start = 0) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(start + i);
    return b;
}

// A TLV with an explicit length field (which may disagree with the value's size).
Bytes tlv(std::uint8_t tag, std::uint16_t len, const Bytes& value) {
    Bytes out{tag};
    put_u16(out, len);
    out.insert(out.end(), value.begin(), value.end());
    return out;
}
Bytes tlv(std::uint8_t tag, const Bytes& value) {
    return tlv(tag, static_cast<std::uint16_t>(value.size()), value);
}

Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

struct RawHeader {
    std::uint16_t magic = kFrameMagic;
    std::uint8_t version = kFrameVersion;
    std::uint8_t protocol = kProto;
    std::uint8_t type = kHello;
    std::uint8_t flags = 0;
    std::uint64_t session = 0xab;
    int body_length = -1;  // -1: the body's real size
};

Bytes frame(const Bytes& body, RawHeader h = {}) {
    Bytes out;
    put_u16(out, h.magic);
    out.push_back(h.version);
    out.push_back(h.protocol);
    out.push_back(h.type);
    out.push_back(h.flags);
    put_u64(out, h.session);
    put_u16(out, static_cast<std::uint16_t>(h.body_length < 0 ? static_cast<int>(body.size())
                                                              : h.body_length));
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

const Bytes kClient = to_bytes("alice");  // TLV of 8 bytes
const Bytes kNonce = seq(16);             // TLV of 19 bytes

Message hello(bool with_optional = true) {
    Message m;
    m.protocol = kProto;
    m.type = kHello;
    m.session = 0xab;
    m.set(1, kClient);
    m.set(2, kNonce);
    if (with_optional) {
        m.set(5, Bytes{0x01});
        m.set(9, to_bytes("hi"));
    }
    return m;
}

Message reply() {
    Message m;
    m.protocol = kProto;
    m.type = kReply;
    m.session = 0x0123456789abcdefULL;
    m.set(1, to_bytes("server.example"));
    m.set(3, seq(48, 0x40));
    m.set(4, seq(32, 0x90));
    m.set(200, Bytes{});
    return m;
}

Bytes hello_body() {
    return cat({tlv(1, kClient), tlv(2, kNonce)});
}

void expect_error(const Result<Message>& r, const std::string& substr, std::size_t offset) {
    ASSERT_FALSE(r.ok()) << "decoded although expected: " << substr;
    EXPECT_NE(r.error().reason.find(substr), std::string::npos)
        << "reason '" << r.error().reason << "' lacks '" << substr << "'";
    EXPECT_EQ(r.error().offset, offset) << r.error().describe();
}

void expect_encode_error(const Result<Bytes>& r, const std::string& substr) {
    ASSERT_FALSE(r.ok()) << "encoded although expected: " << substr;
    EXPECT_NE(r.error().reason.find(substr), std::string::npos)
        << "reason '" << r.error().reason << "' lacks '" << substr << "'";
    EXPECT_EQ(r.error().offset, Error::npos);
}

// The core property: an input either fails, or decodes to a message that encodes back to
// exactly the same bytes (and that message survives another round).
void check_total(const Schema& s, const Bytes& input) {
    Result<Message> d = decode(s, view(input));
    if (!d.ok()) {
        EXPECT_FALSE(d.error().reason.empty());
        EXPECT_LE(d.error().offset, input.size()) << d.error().describe();
        return;
    }
    Result<Bytes> e = encode(s, *d);
    ASSERT_TRUE(e.ok()) << e.error().describe();
    ASSERT_EQ(*e, input);
    Result<Message> again = decode(s, view(*e));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *d);
    EXPECT_FALSE(describe(s, *d).empty());
}

// ---------------------------------------------------------------- schema

TEST(SchemaTest, FieldKindNamesRoundTrip) {
    const std::vector<std::pair<FieldKind, std::string>> all = {
        {FieldKind::identity, "identity"},
        {FieldKind::nonce, "nonce"},
        {FieldKind::group_element, "group-element"},
        {FieldKind::scalar, "scalar"},
        {FieldKind::mac, "mac"},
        {FieldKind::ciphertext, "ciphertext"},
        {FieldKind::key, "key"},
        {FieldKind::timestamp, "timestamp"},
        {FieldKind::alg_id, "alg-id"},
        {FieldKind::opaque, "opaque"},
    };
    for (const auto& [kind, name] : all) {
        EXPECT_EQ(to_string(kind), name);
        EXPECT_EQ(field_kind_from_string(name), kind);
    }
    EXPECT_EQ(field_kind_from_string("group_element"), std::nullopt);
    EXPECT_EQ(field_kind_from_string("Identity"), std::nullopt);
    EXPECT_EQ(field_kind_from_string(""), std::nullopt);
}

TEST(SchemaTest, Lookups) {
    const Schema s = test_schema();
    ASSERT_NE(s.message(kHello), nullptr);
    EXPECT_EQ(s.message(kHello)->name, "Hello");
    EXPECT_EQ(s.message("Reply"), s.message(kReply));
    EXPECT_EQ(s.message(3), nullptr);
    EXPECT_EQ(s.message("Nope"), nullptr);
    const MessageSpec& r = *s.message(kReply);
    ASSERT_NE(r.field(200), nullptr);
    EXPECT_EQ(r.field(200)->name, "Extra");
    EXPECT_EQ(r.field("Mac"), r.field(4));
    EXPECT_EQ(r.field(2), nullptr);
    EXPECT_EQ(r.field("Nonce"), nullptr);
}

TEST(SchemaTest, ValidSchemaPasses) {
    EXPECT_EQ(validate_schema(test_schema()), std::nullopt);
}

void expect_schema_error(const Schema& s, std::initializer_list<const char*> substrs) {
    const auto problem = validate_schema(s);
    ASSERT_TRUE(problem.has_value());
    for (const char* sub : substrs) {
        EXPECT_NE(problem->find(sub), std::string::npos) << *problem << " lacks " << sub;
    }
}

TEST(SchemaTest, DuplicateMessageType) {
    Schema s = test_schema();
    s.messages[1].type = kHello;
    expect_schema_error(s, {"duplicate message type 1", "Hello", "Reply"});
}

TEST(SchemaTest, DuplicateMessageName) {
    Schema s = test_schema();
    s.messages[1].name = "Hello";
    expect_schema_error(s, {"duplicate message name Hello"});
}

TEST(SchemaTest, DuplicateFieldTag) {
    Schema s = test_schema();
    s.messages[0].fields[1].tag = 1;
    expect_schema_error(s, {"Hello", "duplicate field tag 1", "ClientID", "Nonce"});
}

TEST(SchemaTest, FieldTagsOutOfOrder) {
    Schema s = test_schema();
    std::swap(s.messages[1].fields[1], s.messages[1].fields[2]);
    expect_schema_error(s, {"Reply", "out of order", "Element", "Mac"});
}

TEST(SchemaTest, DuplicateFieldName) {
    Schema s = test_schema();
    s.messages[0].fields[3].name = "ClientID";
    expect_schema_error(s, {"Hello", "duplicate field name ClientID"});
}

TEST(SchemaTest, MinAboveMax) {
    Schema s = test_schema();
    s.messages[1].fields[2].min_len = 33;
    expect_schema_error(s, {"Reply", "Mac", "min_len 33 > max_len 32"});
}

TEST(SchemaTest, MaxLenZero) {
    Schema s = test_schema();
    s.messages[0].fields[3].max_len = 0;
    expect_schema_error(s, {"Hello", "Note", "max_len"});
}

// ---------------------------------------------------------------- message

TEST(MessageTest, SetKeepsTagOrderAndReplaces) {
    Message m;
    m.set(9, Bytes{9});
    m.set(1, Bytes{1});
    m.set(5, Bytes{5});
    m.set(5, Bytes{55});
    ASSERT_EQ(m.fields.size(), 3u);
    EXPECT_EQ(m.fields[0].tag, 1);
    EXPECT_EQ(m.fields[1].tag, 5);
    EXPECT_EQ(m.fields[2].tag, 9);
    EXPECT_EQ(*m.get(5), Bytes{55});
    EXPECT_TRUE(m.has(9));
    EXPECT_EQ(m.get(2), nullptr);
    EXPECT_TRUE(m.get_or_empty(2).empty());
    EXPECT_EQ(m.get_or_empty(1).size(), 1u);
    m.erase(5);
    m.erase(42);
    EXPECT_FALSE(m.has(5));
    EXPECT_EQ(m.fields.size(), 2u);
}

// ---------------------------------------------------------------- round trips

TEST(CodecTest, RoundTripMessages) {
    const Schema s = test_schema();
    for (const Message& m : {hello(), hello(false), reply()}) {
        Result<Bytes> e = encode(s, m);
        ASSERT_TRUE(e.ok()) << e.error().describe();
        EXPECT_EQ(*e, encode_unchecked(m));
        Result<Message> d = decode(s, view(*e));
        ASSERT_TRUE(d.ok()) << d.error().describe();
        EXPECT_EQ(*d, m);
    }
}

TEST(CodecTest, RoundTripBytes) {
    const Schema s = test_schema();
    const Bytes b = frame(cat({tlv(1, kClient), tlv(2, kNonce), tlv(9, Bytes{})}));
    Result<Message> d = decode(s, view(b));
    ASSERT_TRUE(d.ok()) << d.error().describe();
    EXPECT_TRUE(d->has(9));
    EXPECT_TRUE(d->get(9)->empty());
    Result<Bytes> e = encode(s, *d);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(*e, b);
}

TEST(CodecTest, ExactEncoding) {
    Message m = hello(false);
    m.fields.resize(1);  // ClientID only, for a short frame
    const Bytes expect = {0x4d, 0x46, 0x01, 0x7a, 0x01, 0x00, 0,    0,   0,   0,   0,   0,
                          0,    0xab, 0x00, 0x08, 0x01, 0x00, 0x05, 'a', 'l', 'i', 'c', 'e'};
    EXPECT_EQ(encode_unchecked(m), expect);
}

TEST(CodecTest, LargestFieldRoundTrips) {
    const Schema s = test_schema();
    Message m = reply();
    // Body: ServerID 3+14, Element 3+48, Mac 3+32, Extra 3+n; fill to exactly 65535.
    m.set(200, seq(65535 - (3 + 14) - (3 + 48) - (3 + 32) - 3));
    Result<Bytes> e = encode(s, m);
    ASSERT_TRUE(e.ok()) << e.error().describe();
    EXPECT_EQ(e->size(), kMaxFrameSize);
    Result<Message> d = decode(s, view(*e));
    ASSERT_TRUE(d.ok()) << d.error().describe();
    EXPECT_EQ(*d, m);
}

// The *_into calls reuse the caller's storage: a message that held more fields, longer values
// or another type gives exactly what a fresh decode gives, and a buffer that held a longer
// frame gives exactly the new frame.
TEST(CodecTest, IntoCallsReuseStorageAndGiveWhatTheFreshCallsGive) {
    const Schema s = test_schema();
    Message reused;
    Bytes checked, unchecked;
    const Message big = reply();
    ASSERT_TRUE(decode_into(s, view(*encode(s, big)), reused).ok());
    EXPECT_EQ(reused, big);
    for (const Message& m : {hello(false), hello(), reply(), hello(false)}) {
        const Bytes e = *encode(s, m);
        ASSERT_TRUE(decode_into(s, view(e), reused).ok());
        EXPECT_EQ(reused, *decode(s, view(e)));
        ASSERT_TRUE(encode_into(s, reused, checked).ok());
        EXPECT_EQ(checked, e);
        encode_unchecked_into(reused, unchecked);
        EXPECT_EQ(unchecked, e);
    }
    // Refusals are the fresh calls' refusals.
    Bytes bad = *encode(s, hello());
    bad[5] = 1;  // reserved flags
    const Status refused = decode_into(s, view(bad), reused);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().describe(), decode(s, view(bad)).error().describe());
    // ... also when written into a kept Error, whose reason's storage is reused: a shorter
    // reason after a longer one fits where the longer one was.
    Error why;
    Bytes trailing = *encode(s, hello());
    trailing.push_back(0);
    ASSERT_FALSE(decode_into(s, view(trailing), reused, why));
    EXPECT_EQ(why.describe(), decode(s, view(trailing)).error().describe());
    const char* storage = why.reason.data();
    ASSERT_FALSE(decode_into(s, view(bad), reused, why));
    EXPECT_EQ(why.describe(), decode(s, view(bad)).error().describe());
    EXPECT_EQ(why.offset, decode(s, view(bad)).error().offset);
    EXPECT_EQ(why.reason.data(), storage);
    ASSERT_TRUE(decode_into(s, view(*encode(s, hello())), reused, why));
    EXPECT_EQ(reused, hello());
    Message unknown = hello();
    unknown.type = 99;
    EXPECT_FALSE(encode_into(s, unknown, checked).ok());
}

// ---------------------------------------------------------------- peek_header

TEST(PeekHeaderTest, ReadsHeaderAndToleratesFollowingBytes) {
    Bytes b = frame(hello_body(), {.type = 7, .session = 0x1122334455667788ULL});
    b.push_back(0xee);  // the start of the next frame in a stream
    Result<FrameHeader> h = peek_header(view(b));
    ASSERT_TRUE(h.ok()) << h.error().describe();
    EXPECT_EQ(h->version, kFrameVersion);
    EXPECT_EQ(h->protocol, kProto);
    EXPECT_EQ(h->type, 7);
    EXPECT_EQ(h->flags, 0);
    EXPECT_EQ(h->session, 0x1122334455667788ULL);
    EXPECT_EQ(h->body_length, 27);
}

TEST(PeekHeaderTest, Rejections) {
    const Bytes b = frame(hello_body(), {.magic = 0x4d47});
    EXPECT_EQ(peek_header(view(b)).error().offset, 0u);
    EXPECT_EQ(peek_header(view(frame({}, {.version = 0}))).error().offset, 2u);
    EXPECT_EQ(peek_header(view(frame({}, {.flags = 0x80}))).error().offset, 5u);
    EXPECT_EQ(peek_header(view(frame({}, {.body_length = 1}))).error().offset, 14u);
    EXPECT_EQ(peek_header(view(seq(15))).error().offset, 15u);
}

// ---------------------------------------------------------------- decode rejections

TEST(DecodeRejectTest, EmptyInput) {
    expect_error(decode(test_schema(), BytesView{}), "shorter than the 16-byte header", 0);
}

TEST(DecodeRejectTest, ShorterThanHeader) {
    const Bytes b = frame({});
    expect_error(decode(test_schema(), view(b).first(15)), "15 bytes is shorter than", 15);
}

TEST(DecodeRejectTest, BadMagic) {
    expect_error(decode(test_schema(), view(frame(hello_body(), {.magic = 0x464d}))),
                 "bad magic 0x464d (expected 0x4d46)", 0);
}

TEST(DecodeRejectTest, UnsupportedVersion) {
    expect_error(decode(test_schema(), view(frame(hello_body(), {.version = 2}))),
                 "unsupported version 2", 2);
}

TEST(DecodeRejectTest, NonzeroFlags) {
    expect_error(decode(test_schema(), view(frame(hello_body(), {.flags = 0x01}))),
                 "nonzero flags 0x01", 5);
}

TEST(DecodeRejectTest, BodyLengthPastInput) {
    expect_error(decode(test_schema(), view(frame(hello_body(), {.body_length = 28}))),
                 "truncated frame: body length 28 but only 27 bytes follow", 14);
}

TEST(DecodeRejectTest, TrailingBytes) {
    Bytes b = frame(hello_body());
    b.push_back(0);
    b.push_back(0);
    expect_error(decode(test_schema(), view(b)), "trailing bytes after frame: 2 bytes", 43);
    // Equivalently, a body length smaller than what follows.
    expect_error(decode(test_schema(), view(frame(hello_body(), {.body_length = 8}))),
                 "trailing bytes after frame", 24);
}

TEST(DecodeRejectTest, WrongProtocol) {
    expect_error(decode(test_schema(), view(frame(hello_body(), {.protocol = 0x01}))),
                 "protocol id 1 is not test (122)", 3);
}

TEST(DecodeRejectTest, UnknownMessageType) {
    expect_error(decode(test_schema(), view(frame(hello_body(), {.type = 3}))),
                 "unknown message type 3 for protocol test", 4);
}

TEST(DecodeRejectTest, TruncatedTlvHeader) {
    // Two bytes left where a 3-byte TLV header should start.
    expect_error(decode(test_schema(), view(frame(cat({hello_body(), Bytes{9, 0}})))),
                 "Hello: truncated TLV header (2 bytes left in body, need 3)", 43);
    expect_error(decode(test_schema(), view(frame(Bytes{1}))), "truncated TLV header", 16);
}

TEST(DecodeRejectTest, TlvLengthPastBody) {
    const Bytes body = cat({tlv(1, 6, kClient)});  // says 6, carries 5
    expect_error(decode(test_schema(), view(frame(body))),
                 "Hello: field ClientID length 6 runs past the end of the body (5 bytes left)", 17);
    // A last TLV whose header fits but whose value is missing altogether.
    const Bytes b = frame(cat({hello_body(), tlv(9, 4, Bytes{})}));
    ASSERT_EQ(b.size(), 46u);
    expect_error(decode(test_schema(), view(b)),
                 "Hello: field Note length 4 runs past the end of the body (0 bytes left)", 44);
}

TEST(DecodeRejectTest, UnknownTag) {
    const Bytes body = cat({hello_body(), tlv(3, Bytes{1})});
    expect_error(decode(test_schema(), view(frame(body))), "Hello: unknown tag 3", 43);
    // A Reply tag is unknown in a Hello.
    const Bytes body2 = cat({hello_body(), tlv(200, Bytes{})});
    expect_error(decode(test_schema(), view(frame(body2))), "Hello: unknown tag 200", 43);
}

TEST(DecodeRejectTest, DuplicateTag) {
    const Bytes body = cat({hello_body(), tlv(2, kNonce)});
    expect_error(decode(test_schema(), view(frame(body))), "Hello: duplicate tag 2", 43);
}

TEST(DecodeRejectTest, TagsOutOfOrder) {
    const Bytes body = cat({tlv(1, kClient), tlv(5, Bytes{1}), tlv(2, kNonce)});
    expect_error(decode(test_schema(), view(frame(body))),
                 "Hello: tags out of order (tag 2 after tag 5)", 28);
}

TEST(DecodeRejectTest, FieldBelowMin) {
    const Bytes body = cat({tlv(1, kClient), tlv(2, seq(3))});
    expect_error(decode(test_schema(), view(frame(body))),
                 "Hello: field Nonce length 3 outside [16, 16]", 25);
    const Bytes body2 = cat({tlv(1, Bytes{}), tlv(2, kNonce)});
    expect_error(decode(test_schema(), view(frame(body2))),
                 "Hello: field ClientID length 0 outside [1, 32]", 17);
}

TEST(DecodeRejectTest, FieldAboveMax) {
    const Bytes body = cat({tlv(1, seq(33)), tlv(2, kNonce)});
    expect_error(decode(test_schema(), view(frame(body))),
                 "Hello: field ClientID length 33 outside [1, 32]", 17);
}

TEST(DecodeRejectTest, RequiredFieldMissing) {
    expect_error(decode(test_schema(), view(frame(tlv(1, kClient)))),
                 "Hello: required field Nonce (tag 2) missing", 24);
    expect_error(decode(test_schema(), view(frame({}))),
                 "Hello: required field ClientID (tag 1) missing", 16);
    const Bytes r = frame(cat({tlv(1, Bytes{'s'}), tlv(3, seq(32))}), {.type = kReply});
    expect_error(decode(test_schema(), view(r)), "Reply: required field Mac (tag 4) missing",
                 r.size());
}

TEST(DecodeRejectTest, ErrorDescribeCarriesOffset) {
    const Result<Message> r = decode(test_schema(), view(frame(hello_body(), {.version = 9})));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().describe(), "unsupported version 9 (expected 1) at offset 2");
}

// ---------------------------------------------------------------- encode

TEST(EncodeTest, RejectsWhatThePeerWouldReject) {
    const Schema s = test_schema();
    Message m = hello();
    m.protocol = 1;
    expect_encode_error(encode(s, m), "protocol id 1 is not test");

    m = hello();
    m.type = 3;
    expect_encode_error(encode(s, m), "unknown message type 3");

    m = hello();
    m.set(3, Bytes{1});
    expect_encode_error(encode(s, m), "Hello: unknown tag 3");

    m = hello();
    m.fields.push_back(Field{9, Bytes{}});
    expect_encode_error(encode(s, m), "Hello: duplicate tag 9");

    m = hello();
    std::swap(m.fields[0], m.fields[1]);
    expect_encode_error(encode(s, m), "Hello: tags out of order (tag 1 after tag 2)");

    m = hello();
    m.set(2, seq(17));
    expect_encode_error(encode(s, m), "Hello: field Nonce length 17 outside [16, 16]");

    m = hello();
    m.set(9, seq(65));
    expect_encode_error(encode(s, m), "Hello: field Note length 65 outside [0, 64]");

    m = hello();
    m.erase(1);
    expect_encode_error(encode(s, m), "Hello: required field ClientID (tag 1) missing");

    m = reply();
    m.set(200, seq(65535));
    expect_encode_error(encode(s, m), "Reply: body of 65641 bytes exceeds the 65535-byte");
}

TEST(EncodeTest, UncheckedWritesFieldsAsGiven) {
    Message m = hello();
    std::swap(m.fields[0], m.fields[1]);
    m.fields.push_back(Field{2, Bytes{}});
    m.type = 0xee;
    const Bytes b = encode_unchecked(m);
    EXPECT_EQ(b[4], 0xee);
    EXPECT_EQ(b[16], 2);  // Nonce first, as given
    EXPECT_EQ(b[16 + 19], 1);
    EXPECT_EQ(b.size(), 16u + 19 + 8 + 4 + 5 + 3);
    EXPECT_FALSE(decode(test_schema(), view(b)).ok());
}

TEST(EncodeTest, UncheckedCapsValueAt65535) {
    Message m;
    m.protocol = kProto;
    m.fields.push_back(Field{1, Bytes(70000, 0x55)});
    const Bytes b = encode_unchecked(m);
    // TLV would be 3 + 65535; the body is capped at 65535 too.
    ASSERT_EQ(b.size(), kMaxFrameSize);
    EXPECT_EQ(get_u16(view(b), 14), 0xffff);
    EXPECT_EQ(get_u16(view(b), 17), 0xffff);  // capped value length, not 70000 mod 65536
    EXPECT_TRUE(peek_header(view(b)).ok());
}

TEST(EncodeTest, UncheckedCapsBodyAt65535) {
    Message m;
    m.protocol = kProto;
    m.fields.push_back(Field{1, Bytes(40000, 0x11)});
    m.fields.push_back(Field{2, Bytes(40000, 0x22)});
    m.fields.push_back(Field{3, Bytes(10, 0x33)});
    const Bytes b = encode_unchecked(m);
    ASSERT_EQ(b.size(), kMaxFrameSize);
    EXPECT_EQ(get_u16(view(b), 14), 0xffff);
    EXPECT_EQ(get_u16(view(b), 17), 40000);
    EXPECT_EQ(b[16 + 40003], 2);
    EXPECT_EQ(get_u16(view(b), 16 + 40003 + 1), 40000);  // the cut TLV keeps its length
    const Result<Message> d = decode(test_schema(), view(b));
    ASSERT_FALSE(d.ok());
}

// ---------------------------------------------------------------- describe

TEST(DescribeTest, RendersIdentitiesAsTextAndTheRestAsHex) {
    const Schema s = test_schema();
    EXPECT_EQ(describe(s, hello()),
              "Hello session=00000000000000ab ClientID=\"alice\" "
              "Nonce=000102030405060708090a0b0c0d0e0f AlgId=01 Note=6869");
    Message m = hello(false);
    m.set(1, Bytes{'a', 0x00, 'b'});
    m.set(9, Bytes{});
    EXPECT_EQ(describe(s, m),
              "Hello session=00000000000000ab ClientID=610062 "
              "Nonce=000102030405060708090a0b0c0d0e0f Note=\"\"");
    m.set(1, to_bytes("a\"b"));  // a quote would make the text ambiguous: hex instead
    EXPECT_NE(describe(s, m).find("ClientID=612262"), std::string::npos);
}

TEST(DescribeTest, UnknownTypeAndTagsByNumber) {
    const Schema s = test_schema();
    Message m;
    m.type = 42;
    m.session = 0xffffffffffffffffULL;
    m.set(7, Bytes{0xde, 0xad});
    EXPECT_EQ(describe(s, m), "type42 session=ffffffffffffffff tag7=dead");
    m = hello(false);
    m.set(3, Bytes{0xbe});
    EXPECT_NE(describe(s, m).find(" tag3=be"), std::string::npos);
}

// ---------------------------------------------------------------- robustness

std::vector<Bytes> valid_frames() {
    const Schema s = test_schema();
    std::vector<Bytes> out;
    for (const Message& m : {hello(), hello(false), reply()}) out.push_back(*encode(s, m));
    Message r = reply();
    r.set(200, seq(5, 0xf0));
    out.push_back(*encode(s, r));
    return out;
}

TEST(RobustnessTest, EveryTruncationIsAnError) {
    const Schema s = test_schema();
    for (const Bytes& b : valid_frames()) {
        for (std::size_t n = 0; n < b.size(); ++n) {
            const Result<Message> d = decode(s, view(b).first(n));
            ASSERT_FALSE(d.ok()) << "prefix of " << n << " bytes decoded";
            EXPECT_EQ(d.error().offset, n < kFrameHeaderSize ? n : 14u) << d.error().describe();
        }
        // A separately allocated copy, so ASan sees any read past the prefix.
        for (std::size_t n = 0; n < b.size(); ++n) {
            const Bytes copy(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
            EXPECT_FALSE(decode(s, view(copy)).ok());
        }
    }
}

TEST(RobustnessTest, ByteFlipSweep) {
    const Schema s = test_schema();
    int accepted = 0;
    for (const Bytes& b : valid_frames()) {
        for (std::size_t i = 0; i < b.size(); ++i) {
            Bytes flipped = b;
            flipped[i] ^= 0xff;
            check_total(s, flipped);
            if (decode(s, view(flipped)).ok()) ++accepted;
        }
    }
    // Flipping a value byte (e.g. inside a nonce) must still decode.
    EXPECT_GT(accepted, 0);
}

Bytes random_bytes(std::mt19937& rng, std::size_t n) {
    Bytes out(n);
    for (auto& b : out) b = static_cast<std::uint8_t>(rng());
    return out;
}

// A frame with a plausible header and TLVs from the schema's tag set, lengths near bounds.
Bytes structured_random(std::mt19937& rng, const Schema& s) {
    const std::uint8_t type = static_cast<std::uint8_t>(1 + rng() % 3);
    const MessageSpec* spec = s.message(type);
    Bytes body;
    const unsigned nfields = rng() % 6;
    std::uint8_t tag = 0;
    for (unsigned i = 0; i < nfields; ++i) {
        if (spec != nullptr && rng() % 4 != 0) {
            const FieldSpec& f = spec->fields[rng() % spec->fields.size()];
            tag = rng() % 8 == 0 ? tag : f.tag;
            std::size_t len = rng() % 2 == 0 ? f.min_len : std::min<std::size_t>(f.max_len, 70);
            if (rng() % 5 == 0) len += rng() % 3;
            if (rng() % 5 == 0 && len > 0) len -= 1;
            Bytes t = tlv(tag, static_cast<std::uint16_t>(len), random_bytes(rng, len));
            body.insert(body.end(), t.begin(), t.end());
        } else {
            Bytes junk = random_bytes(rng, rng() % 6);
            body.insert(body.end(), junk.begin(), junk.end());
        }
    }
    if (spec != nullptr && rng() % 2 == 0) {
        // Often emit a fully valid, sorted field set so acceptance paths get exercised.
        body.clear();
        for (const FieldSpec& f : spec->fields) {
            if (!f.required && rng() % 2 == 0) continue;
            const std::size_t len =
                f.min_len + rng() % (std::min<std::size_t>(f.max_len, 40) - f.min_len + 1);
            Bytes t = tlv(f.tag, random_bytes(rng, len));
            body.insert(body.end(), t.begin(), t.end());
        }
    }
    RawHeader h;
    h.type = type;
    h.session = (static_cast<std::uint64_t>(rng()) << 32) | rng();
    return frame(body, h);
}

void mutate(std::mt19937& rng, Bytes& b) {
    const unsigned n = 1 + rng() % 4;
    for (unsigned k = 0; k < n; ++k) {
        const std::size_t at = b.empty() ? 0 : rng() % b.size();
        switch (rng() % 7) {
            case 0:
                if (!b.empty()) b[at] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
                break;
            case 1:
                if (!b.empty()) b[at] = static_cast<std::uint8_t>(rng());
                break;
            case 2:
                b.insert(b.begin() + static_cast<std::ptrdiff_t>(at),
                         static_cast<std::uint8_t>(rng()));
                break;
            case 3:
                if (!b.empty()) b.erase(b.begin() + static_cast<std::ptrdiff_t>(at));
                break;
            case 4:
                b.resize(at);
                break;
            case 5: {
                static constexpr std::uint8_t kInteresting[] = {0, 1, 0x7f, 0x80, 0xff, 16, 32};
                if (!b.empty()) b[at] = kInteresting[rng() % std::size(kInteresting)];
                break;
            }
            default:
                // Fix up the body length so the mutation reaches the TLV parser.
                if (b.size() >= kFrameHeaderSize) {
                    const std::size_t body = std::min<std::size_t>(b.size() - 16, 0xffff);
                    b[14] = static_cast<std::uint8_t>(body >> 8);
                    b[15] = static_cast<std::uint8_t>(body);
                }
                break;
        }
    }
}

TEST(RobustnessTest, RandomInputsErrorOrRoundTrip) {
    const Schema s = test_schema();
    const std::vector<Bytes> seeds = valid_frames();
    std::mt19937 rng(0x6d7463u);
    int accepted = 0;
    int rejected = 0;
    for (int i = 0; i < 100000; ++i) {
        Bytes input;
        switch (i % 4) {
            case 0:
                input = random_bytes(rng, rng() % 80);
                if (rng() % 2 == 0) {
                    // Give pure noise a valid header prefix now and then.
                    const Bytes h = frame({});
                    const std::size_t n = std::min(input.size(), h.size() - 2);
                    std::copy_n(h.begin(), n, input.begin());
                }
                break;
            case 1:
                input = seeds[rng() % seeds.size()];
                mutate(rng, input);
                break;
            case 2:
                input = structured_random(rng, s);
                break;
            default:
                input = structured_random(rng, s);
                mutate(rng, input);
                break;
        }
        const Result<Message> d = decode(s, view(input));
        d.ok() ? ++accepted : ++rejected;
        check_total(s, input);
        if (HasFatalFailure()) {
            FAIL() << "input " << i << ": " << to_hex(view(input));
        }
    }
    // The generator must exercise both outcomes, or the test proves nothing.
    EXPECT_GT(accepted, 5000);
    EXPECT_GT(rejected, 5000);
}

}  // namespace
}  // namespace mtc
