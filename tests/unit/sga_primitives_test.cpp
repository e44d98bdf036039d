// SGA primitives and schema (protocols/sga/{primitives,schema}.hpp): the cipher set C and its
// negotiation, k_d (random and from a PIN) and the xor / expansion, E^G and the trapdoor F_G
// under two separate server keys, every inner-plaintext encoding (round trip, exact layout,
// strict rejection, random and mutated garbage), and the key exchange B1-B7 over both groups.
//
// RSA keys: two 2048-bit keys (E^G's PK/PR and F_G's trapdoor), generated once per test binary
// run (function-local statics) and shared by every test here: A1 / A3 need the 190-byte OAEP
// block of a 2048-bit key, and generating them once keeps ASan runs short. No test needs 1024.
#include <cstdint>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "protocols/core/bytes.hpp"
#include "protocols/core/codec.hpp"
#include "protocols/core/crypto/aead.hpp"
#include "protocols/core/crypto/dl_group.hpp"
#include "protocols/core/crypto/kdf.hpp"
#include "protocols/core/crypto/rsa.hpp"
#include "protocols/core/message.hpp"
#include "protocols/core/rng.hpp"
#include "protocols/core/schema.hpp"
#include "protocols/sga/primitives.hpp"
#include "protocols/sga/schema.hpp"

namespace {

using mtc::Bytes;
using mtc::BytesView;
using mtc::SecretBytes;
using mtc::to_bytes;
using mtc::view;
using mtc::crypto::BigNum;
using mtc::crypto::DlGroup;
using mtc::crypto::GroupId;
using mtc::crypto::RsaKey;
using namespace mtc::sga;
using ::testing::StartsWith;

// OAEP's random seed, fixed: these tests look at what is encrypted, not at its randomness.
const Bytes kOaepTestSeed(mtc::crypto::kOaepSeedLen, 0x33);

constexpr CipherId kAllCids[] = {CipherId::aes_128_gcm, CipherId::chacha20_poly1305,
                                 CipherId::aes_128_ccm, CipherId::aes_256_gcm};

const RsaKey& server_key() {  // E^G: (PK, PR)
    static const RsaKey k = [] {
        auto r = RsaKey::generate(2048);
        if (!r) throw std::runtime_error(r.error().describe());
        return std::move(r).value();
    }();
    return k;
}

const RsaKey& trapdoor_key() {  // F_G
    static const RsaKey k = [] {
        auto r = RsaKey::generate(2048);
        if (!r) throw std::runtime_error(r.error().describe());
        return std::move(r).value();
    }();
    return k;
}

DlGroup load(GroupId id) {
    auto g = DlGroup::named(id);
    EXPECT_TRUE(g.ok()) << g.error().describe();
    return std::move(g).value();
}

const Bytes& id_i() {
    static const Bytes b = to_bytes("sensor-17");
    return b;
}
const Bytes& id_j() {
    static const Bytes b = to_bytes("actuator-4");
    return b;
}
const Bytes& id_g() {
    static const Bytes b = to_bytes("SGA-1");
    return b;
}

template <typename T>
std::string reason(const mtc::Result<T>& r) {
    return r.ok() ? std::string("<ok>") : r.error().reason;
}

SecretBytes secret(std::initializer_list<std::uint8_t> b) {
    return SecretBytes(b);
}

SecretBytes filled(std::size_t n, std::uint8_t v) {
    return SecretBytes(n, v);
}

BigNum p_minus_1(const DlGroup& G) {
    Bytes pb = G.p().to_bytes();
    pb.back() = static_cast<std::uint8_t>(pb.back() - 1);
    return BigNum::from_bytes(view(pb));
}

BigNum outside_subgroup(const DlGroup& G) {
    for (unsigned long y = 2; y < 100; ++y) {
        if (!G.exp(BigNum(y), G.q()).is_one()) return BigNum(y);
    }
    ADD_FAILURE() << "no non-subgroup element below 100";
    return BigNum(0);
}

const std::string kElementRange = "element out of range (must satisfy 1 < y < p-1)";
const std::string kElementSubgroup = "element not in the order-q subgroup";

// ---------------------------------------------------------------------------------------------
// Sample inner plaintexts (also the seeds of the mutation fuzzing).

NegotiationRequest sample_a1() {
    return NegotiationRequest{filled(kKeyLen, 0xa1), id_i(), id_g(), id_j(),
                              CipherId::chacha20_poly1305};
}
NegotiationResponse sample_a3() {
    return NegotiationResponse{filled(kKeyLen, 0xa3), id_g(), id_j(), id_i(),
                               CipherId::aes_256_gcm};
}
KeyExchangeRequest sample_b1() {
    KeyExchangeRequest r;
    r.n = Bytes(256, 0x11);
    r.k_s = filled(256, 0x22);
    r.id_di = id_i();
    r.id_dj = id_j();
    r.id_g = id_g();
    r.enc_masked_n = Bytes(kAeadOverhead + 256, 0x33);
    r.f_r = Bytes(256, 0x44);
    r.mac = Bytes(kMacLen, 0x55);
    return r;
}
KeyExchangeInvitation sample_b2() {
    return KeyExchangeInvitation{id_i(), id_g(), 0x0102030405060708ULL};
}
KeyDistribution sample_b6() {
    return KeyDistribution{id_i(), id_j(), Bytes(128, 0x66), Bytes(kMacLen, 0x77)};
}

// Every decoder, with its name, as one callable that reports only success / the reason.
struct Decoder {
    const char* name;
    std::string (*run)(BytesView);
};

template <typename F>
std::string run_decoder(F f, BytesView in) {
    return reason(f(in));
}

const std::vector<Decoder>& decoders() {
    static const std::vector<Decoder> d = {
        {"Reg key", [](BytesView in) { return run_decoder(decode_reg_key, in); }},
        {"Reg id", [](BytesView in) { return run_decoder(decode_reg_id, in); }},
        {"A1", [](BytesView in) { return run_decoder(decode_a1, in); }},
        {"A2", [](BytesView in) { return run_decoder(decode_a2, in); }},
        {"A3", [](BytesView in) { return run_decoder(decode_a3, in); }},
        {"A4", [](BytesView in) { return run_decoder(decode_a4, in); }},
        {"B1", [](BytesView in) { return run_decoder(decode_b1, in); }},
        {"B2", [](BytesView in) { return run_decoder(decode_b2, in); }},
        {"B3", [](BytesView in) { return run_decoder(decode_b3, in); }},
        {"B6", [](BytesView in) { return run_decoder(decode_b6, in); }},
        {"Data", [](BytesView in) { return run_decoder(decode_data, in); }},
        {"CidSet", [](BytesView in) { return run_decoder(decode_cid_set, in); }},
    };
    return d;
}

// Valid encodings, one per decoder above (same order).
std::vector<Bytes> valid_encodings() {
    auto pub = [](const SecretBytes& s) { return Bytes(s.begin(), s.end()); };
    return {
        pub(RegKeyPlain{filled(kKeyLen, 0x01)}.encode()),
        RegIdPlain{id_i()}.encode(),
        pub(sample_a1().encode()),
        pub(sample_a1().encode()),
        pub(sample_a3().encode()),
        pub(sample_a3().encode()),
        pub(sample_b1().encode()),
        sample_b2().encode(),
        pub(sample_b1().encode()),
        sample_b6().encode(),
        pub(DataPlain{filled(40, 0x5a)}.encode()),
        Bytes{1, 2, 3, 4},
    };
}

// ---------------------------------------------------------------------------------------------
// Schema.

TEST(SgaSchema, ValidatesAndNamesEveryMessage) {
    EXPECT_EQ(mtc::validate_schema(schema()), std::nullopt);
    EXPECT_EQ(schema().protocol, "sga");
    EXPECT_EQ(schema().protocol_id, 3);
    for (const char* name : {"Reg", "RegAck", "Reject", "A1", "A2", "A3", "A4", "B1", "B2", "B3",
                             "B6i", "B6j", "Data"}) {
        EXPECT_NE(schema().message(name), nullptr) << name;
    }
    EXPECT_EQ(schema().message(B6i)->fields.size(), schema().message(B6j)->fields.size());
}

TEST(SgaSchema, FieldKindsAttackerRelies) {
    using mtc::FieldKind;
    EXPECT_EQ(schema().message(Reg)->field(EncKd)->kind, FieldKind::ciphertext);
    EXPECT_EQ(schema().message(Reg)->field(CidSet)->kind, FieldKind::alg_id);
    EXPECT_EQ(schema().message(A1)->field(CtPK)->kind, FieldKind::ciphertext);
    EXPECT_EQ(schema().message(A2)->field(Cid)->kind, FieldKind::alg_id);
    EXPECT_EQ(schema().message(B1)->field(ID_d)->kind, FieldKind::identity);
    EXPECT_EQ(schema().message(B6i)->field(NRs)->kind, FieldKind::group_element);
    EXPECT_EQ(schema().message(B6j)->field(MacS)->kind, FieldKind::mac);
    EXPECT_EQ(schema().message(Data)->field(Ct)->kind, FieldKind::ciphertext);
}

// The largest honest messages (2048-bit group, 2048-bit RSA, longest identities) encode.
TEST(SgaSchema, BoundsHoldRealMessages) {
    const DlGroup G = load(GroupId::dh_2048_256);
    auto rng = mtc::make_rng(1, "sga-schema-test");
    const Bytes long_i(kMaxId, 'i');
    const Bytes long_j(kMaxId, 'j');
    const Bytes long_g(kMaxId, 'g');
    const SecretBytes k_d = generate_kd(*rng);
    const SecretBytes kt = generate_kt(*rng);

    auto a1_pt = NegotiationRequest{kt, long_i, long_g, long_j, CipherId::aes_256_gcm}.encode();
    EXPECT_EQ(a1_pt.size(), kMaxNegPlain);
    auto a1_ct = eg_encrypt(server_key(), view(a1_pt), view(kOaepTestSeed));
    ASSERT_TRUE(a1_ct.ok()) << a1_ct.error().describe();

    const KeyShare share = make_key_share(G, *rng);
    auto b1 = make_key_exchange(G, CipherId::aes_256_gcm, view(k_d), trapdoor_key(), share,
                                view(long_i), view(long_j), view(long_g), *rng);
    ASSERT_TRUE(b1.ok()) << b1.error().describe();
    auto b1_ct = sym_seal(CipherId::aes_256_gcm, view(kt), {}, view(b1->encode()), *rng);
    ASSERT_TRUE(b1_ct.ok());

    auto reg_key_ct =
        eg_encrypt(server_key(), view(RegKeyPlain{k_d}.encode()), view(kOaepTestSeed));
    ASSERT_TRUE(reg_key_ct.ok());
    auto reg_id_ct =
        sym_seal(CipherId::aes_128_gcm, view(k_d), {}, view(RegIdPlain{long_i}.encode()), *rng);
    ASSERT_TRUE(reg_id_ct.ok());

    const auto check = [](std::uint8_t type, std::vector<mtc::Field> fields) {
        mtc::Message m;
        m.protocol = kProtocolId;
        m.type = type;
        m.session = 7;
        m.fields = std::move(fields);
        auto enc = mtc::encode(schema(), m);
        EXPECT_TRUE(enc.ok()) << schema().message(type)->name << ": "
                              << (enc.ok() ? "" : enc.error().describe());
    };
    check(Reg, {{EncKd, *reg_key_ct},
                {RegCid, {1}},
                {EncId, *reg_id_ct},
                {CidSet, encode_cid_set({CipherId::aes_128_gcm, CipherId::aes_256_gcm})}});
    check(A1, {{CtPK, *a1_ct}});
    check(B1, {{ID_d, long_i}, {Cid, {4}}, {Ct, *b1_ct}});
    const KeyDistribution b6 = sample_b6();
    check(B6i, {{ID_di, b6.id_di}, {ID_dj, b6.id_dj}, {NRs, Bytes(256, 1)}, {MacS, b6.mac}});
    Bytes seq;
    mtc::put_u64(seq, 1);
    auto data_ct = sym_seal(CipherId::aes_128_gcm, view(k_d), {},
                            view(DataPlain{filled(kMaxData, 0x61)}.encode()), *rng);
    ASSERT_TRUE(data_ct.ok());
    check(Data, {{ID_src, id_i()}, {ID_dst, id_j()}, {Seq, seq}, {Cid, {1}}, {Ct, *data_ct}});
}

// ---------------------------------------------------------------------------------------------
// The cipher set C and its negotiation.

TEST(SgaCid, SetRoundTripAndStrictDecode) {
    const CipherIdSet set = {CipherId::aes_256_gcm, CipherId::aes_128_gcm};
    EXPECT_EQ(encode_cid_set(set), (Bytes{4, 1}));
    auto back = decode_cid_set(view(encode_cid_set(set)));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, set);
    EXPECT_EQ(reason(decode_cid_set(BytesView{})), "CidSet: empty");
    EXPECT_EQ(reason(decode_cid_set(view(Bytes{1, 2, 3, 4, 1}))), "CidSet: more than 4 entries");
    EXPECT_EQ(reason(decode_cid_set(view(Bytes{1, 5}))), "CidSet: unknown cid 5");
    EXPECT_EQ(reason(decode_cid_set(view(Bytes{0}))), "CidSet: unknown cid 0");
    EXPECT_EQ(reason(decode_cid_set(view(Bytes{2, 3, 2}))), "CidSet: duplicate cid 2");
    for (std::uint8_t b = 1; b <= 4; ++b) EXPECT_TRUE(cid_from_byte(b).has_value());
    EXPECT_FALSE(cid_from_byte(0).has_value());
    EXPECT_FALSE(cid_from_byte(5).has_value());
}

TEST(SgaCid, NegotiationPicksInitiatorsFirstCommonChoice) {
    const CipherIdSet set_i = {CipherId::aes_128_ccm, CipherId::chacha20_poly1305,
                               CipherId::aes_128_gcm};
    const CipherIdSet set_j = {CipherId::aes_128_gcm, CipherId::chacha20_poly1305};
    auto c = negotiate_cid(set_i, set_j);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(*c, CipherId::chacha20_poly1305);  // i's order wins over j's
    auto c2 = negotiate_cid({CipherId::aes_128_gcm, CipherId::chacha20_poly1305}, set_i, set_j);
    ASSERT_TRUE(c2.ok());
    EXPECT_EQ(*c2, CipherId::aes_128_gcm);
    EXPECT_TRUE(check_cid_common(CipherId::aes_128_gcm, set_i, set_j).ok());
    EXPECT_EQ(reason(check_cid_common(CipherId::aes_128_ccm, set_i, set_j)),
              "cid 3 not in CidSet_j");
    EXPECT_EQ(reason(check_cid_common(CipherId::aes_256_gcm, set_i, set_j)),
              "cid 4 not in CidSet_i");
}

TEST(SgaCid, NegotiationFailsWithoutCommonCid) {
    const CipherIdSet set_i = {CipherId::aes_128_gcm, CipherId::chacha20_poly1305};
    const CipherIdSet set_j = {CipherId::aes_128_ccm, CipherId::aes_256_gcm};
    EXPECT_EQ(reason(negotiate_cid(set_i, set_j)),
              "no common cid: preference {1,2}, CidSet_i {1,2}, CidSet_j {3,4}");
    // A preference outside the initiator's own set is not chosen either.
    EXPECT_FALSE(negotiate_cid({CipherId::aes_128_ccm}, set_i, set_j).ok());
}

// ---------------------------------------------------------------------------------------------
// E^x / D^x per cid.

class SgaAeadTest : public ::testing::TestWithParam<CipherId> {
protected:
    std::unique_ptr<mtc::Rng> rng_ = mtc::make_rng(3, "sga-aead-test");
};

TEST_P(SgaAeadTest, SealOpenAndRejections) {
    const CipherId cid = GetParam();
    const SecretBytes k = generate_kt(*rng_);
    const Bytes aad = to_bytes("A2");
    const Bytes pt = to_bytes("kt_i xor k_dj || ID_di || ID_G || ID_dj || cid");
    auto key = sym_key(cid, view(k));
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(key->size(), mtc::crypto::aead_key_len(cid));

    auto ct = sym_seal(cid, view(k), view(aad), view(pt), *rng_);
    ASSERT_TRUE(ct.ok()) << ct.error().describe();
    EXPECT_EQ(ct->size(), kAeadOverhead + pt.size());
    auto back = sym_open(cid, view(k), view(aad), view(*ct));
    ASSERT_TRUE(back.ok()) << back.error().describe();
    EXPECT_EQ(Bytes(back->begin(), back->end()), pt);

    // Fresh nonce per seal.
    auto ct2 = sym_seal(cid, view(k), view(aad), view(pt), *rng_);
    ASSERT_TRUE(ct2.ok());
    EXPECT_NE(*ct, *ct2);

    const std::string kAuth = "E^x: aead: authentication failed";
    const SecretBytes other = generate_kt(*rng_);
    EXPECT_EQ(reason(sym_open(cid, view(other), view(aad), view(*ct))), kAuth);
    EXPECT_EQ(reason(sym_open(cid, view(k), view(to_bytes("A4")), view(*ct))), kAuth);
    Bytes tampered = *ct;
    tampered[kAeadNonceLen] ^= 0x01;
    EXPECT_EQ(reason(sym_open(cid, view(k), view(aad), view(tampered))), kAuth);
    for (CipherId c : kAllCids) {
        if (c != cid) EXPECT_FALSE(sym_open(c, view(k), view(aad), view(*ct)).ok());
    }
    EXPECT_EQ(reason(sym_open(cid, view(k), view(aad), BytesView(ct->data(), kAeadOverhead - 1))),
              "E^x: ciphertext shorter than nonce and tag");
    // The key material can be any length (k_d, kt: 16 bytes; K: |p| bytes).
    const Bytes long_k(256, 0x42);
    auto ct3 = sym_seal(cid, view(long_k), {}, view(pt), *rng_);
    ASSERT_TRUE(ct3.ok());
    EXPECT_TRUE(sym_open(cid, view(long_k), {}, view(*ct3)).ok());
}

INSTANTIATE_TEST_SUITE_P(SgaCids, SgaAeadTest, ::testing::ValuesIn(kAllCids),
                         [](const ::testing::TestParamInfo<CipherId>& info) {
                             return "cid" + std::to_string(cid_byte(info.param));
                         });

// ---------------------------------------------------------------------------------------------
// k_d, kt, xor and expansion.

TEST(SgaKeys, RandomKeysAre128Bits) {
    auto rng = mtc::make_rng(4, "sga-keys-test");
    const SecretBytes a = generate_kd(*rng);
    const SecretBytes b = generate_kt(*rng);
    EXPECT_EQ(a.size(), 16U);
    EXPECT_EQ(b.size(), 16U);
    EXPECT_NE(a, b);
}

TEST(SgaKeys, PinDerivationDeterministicPerDevice) {
    auto a = kd_from_pin("042917", view(id_i()));
    auto b = kd_from_pin("042917", view(id_i()));
    auto c = kd_from_pin("042917", view(id_j()));
    auto d = kd_from_pin("042918", view(id_i()));
    ASSERT_TRUE(a.ok() && b.ok() && c.ok() && d.ok());
    EXPECT_EQ(a->size(), kKeyLen);
    EXPECT_EQ(*a, *b);
    EXPECT_NE(*a, *c);
    EXPECT_NE(*a, *d);
    // The documented derivation: KBKDF-HMAC-SHA256(PIN; "SGA k_d from PIN", ID_d, 16).
    auto direct = mtc::crypto::kbkdf_counter(
        mtc::crypto::KbkdfPrf::hmac_sha256, view(std::string_view("042917")),
        view(std::string_view("SGA k_d from PIN")), view(id_i()), 16);
    ASSERT_TRUE(direct.ok());
    EXPECT_EQ(*a, *direct);

    for (const char* bad : {"", "12345", "1234567", "12a456", " 12345", "-12345"}) {
        EXPECT_EQ(reason(kd_from_pin(bad, view(id_i()))), "PIN must be exactly 6 decimal digits")
            << bad;
    }
    EXPECT_EQ(reason(kd_from_pin("123456", BytesView{})), "device ID must not be empty");
}

TEST(SgaKeys, XorAndExpansion) {
    const SecretBytes a = secret({1, 2, 3, 4});
    const SecretBytes b = secret({0xff, 0x0f, 0xf0, 0x00});
    auto x = xor_bytes(view(a), view(b));
    ASSERT_TRUE(x.ok());
    EXPECT_EQ(*x, secret({0xfe, 0x0d, 0xf3, 0x04}));
    auto back = xor_bytes(view(*x), view(b));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, a);
    EXPECT_EQ(reason(xor_bytes(view(a), view(filled(5, 0)))),
              "xor: length mismatch (4 vs 5 bytes)");

    // kt_i recovered from (kt_i xor k_di) by the server, and kt_j from (kt_i xor kt_j) by d_i.
    auto rng = mtc::make_rng(5, "sga-xor-test");
    const SecretBytes kt_i = generate_kt(*rng);
    const SecretBytes kt_j = generate_kt(*rng);
    const SecretBytes k_di = generate_kd(*rng);
    auto masked = xor_bytes(view(kt_i), view(k_di));
    ASSERT_TRUE(masked.ok());
    EXPECT_EQ(*xor_bytes(view(*masked), view(k_di)), kt_i);
    auto both = xor_bytes(view(kt_i), view(kt_j));
    ASSERT_TRUE(both.ok());
    EXPECT_EQ(*xor_bytes(view(*both), view(kt_i)), kt_j);

    for (GroupId gid : {GroupId::dh_1024_160, GroupId::dh_2048_256}) {
        const DlGroup G = load(gid);
        auto pad = expand_kd(view(k_di), G.element_bytes());
        auto pad2 = expand_kd(view(k_di), G.element_bytes());
        auto other = expand_kd(view(kt_i), G.element_bytes());
        ASSERT_TRUE(pad.ok() && pad2.ok() && other.ok());
        EXPECT_EQ(pad->size(), G.element_bytes());
        EXPECT_EQ(*pad, *pad2);
        EXPECT_NE(*pad, *other);
    }
}

// ---------------------------------------------------------------------------------------------
// E^G and F_G: two separate server keys.

TEST(SgaRsa, EgRoundTripAndLimit) {
    EXPECT_EQ(oaep_max_plaintext(server_key()), 190U);
    const SecretBytes pt = sample_a1().encode();
    auto ct = eg_encrypt(server_key(), view(pt), view(kOaepTestSeed));
    ASSERT_TRUE(ct.ok()) << ct.error().describe();
    EXPECT_EQ(ct->size(), 256U);
    auto back = dg_decrypt(server_key(), view(*ct));
    ASSERT_TRUE(back.ok()) << back.error().describe();
    EXPECT_EQ(*back, pt);

    const Bytes too_long(191, 0);
    EXPECT_EQ(reason(eg_encrypt(server_key(), view(too_long), view(kOaepTestSeed))),
              "E^G: plaintext of 191 bytes exceeds the 190-byte OAEP limit of a 2048-bit key");
    Bytes tampered = *ct;
    tampered[100] ^= 0x01;
    EXPECT_THAT(reason(dg_decrypt(server_key(), view(tampered))), StartsWith("D^G: rsa: "));
}

TEST(SgaRsa, EgAndFgKeysAreSeparate) {
    const DlGroup G = load(GroupId::dh_2048_256);
    auto rng = mtc::make_rng(6, "sga-rsa-test");
    const BigNum r = G.random_scalar(*rng);

    auto f_r = fg_apply(trapdoor_key(), G, r, view(kOaepTestSeed));
    ASSERT_TRUE(f_r.ok()) << f_r.error().describe();
    auto r_back = fg_invert(trapdoor_key(), G, view(*f_r));
    ASSERT_TRUE(r_back.ok()) << r_back.error().describe();
    EXPECT_EQ(*r_back, r);

    // F_G(r) does not open under PR, and E^G's ciphertext does not invert under the trapdoor.
    EXPECT_THAT(reason(dg_decrypt(server_key(), view(*f_r))), StartsWith("D^G: rsa: "));
    auto eg =
        eg_encrypt(server_key(), view(r.to_bytes_padded(G.scalar_bytes())), view(kOaepTestSeed));
    ASSERT_TRUE(eg.ok());
    EXPECT_THAT(reason(fg_invert(trapdoor_key(), G, view(*eg))), StartsWith("F_G: rsa: "));
    // A device that used PK for F_G would produce an uninvertible value.
    auto wrong = fg_apply(server_key(), G, r, view(kOaepTestSeed));
    ASSERT_TRUE(wrong.ok());
    EXPECT_FALSE(fg_invert(trapdoor_key(), G, view(*wrong)).ok());
}

TEST(SgaRsa, FgRejectsBadScalars) {
    const DlGroup G = load(GroupId::dh_1024_160);
    EXPECT_EQ(reason(fg_apply(trapdoor_key(), G, BigNum(0), view(kOaepTestSeed))),
              "F_G: r out of range");
    EXPECT_EQ(reason(fg_apply(trapdoor_key(), G, G.q(), view(kOaepTestSeed))),
              "F_G: r out of range");
    // Valid OAEP under the trapdoor key, but not an r: wrong length, then q itself.
    auto short_r = trapdoor_key().oaep_encrypt(view(Bytes(5, 1)), view(kOaepTestSeed));
    ASSERT_TRUE(short_r.ok());
    EXPECT_EQ(reason(fg_invert(trapdoor_key(), G, view(*short_r))),
              "F_G: r has 5 bytes, expected 20");
    auto q_ct = trapdoor_key().oaep_encrypt(view(G.q().to_bytes_padded(G.scalar_bytes())),
                                            view(kOaepTestSeed));
    ASSERT_TRUE(q_ct.ok());
    EXPECT_EQ(reason(fg_invert(trapdoor_key(), G, view(*q_ct))), "F_G: r out of range");
    EXPECT_THAT(reason(fg_invert(trapdoor_key(), G, BytesView{})), StartsWith("F_G: rsa: "));
}

// ---------------------------------------------------------------------------------------------
// Inner-plaintext encodings.

TEST(SgaEncoding, A1ExactLayout) {
    const NegotiationRequest a1{secret({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}),
                                to_bytes("i"), to_bytes("G"), to_bytes("jj"),
                                CipherId::aes_128_ccm};
    const SecretBytes enc = a1.encode();
    const SecretBytes expected = {0,  16, 0, 1, 2,   3, 4, 5,   6, 7, 8,   9,   10, 11, 12, 13,
                                  14, 15, 0, 1, 'i', 0, 1, 'G', 0, 2, 'j', 'j', 0,  1,  3};
    EXPECT_EQ(enc, expected);
}

TEST(SgaEncoding, RoundTrips) {
    {
        const RegKeyPlain p{filled(kKeyLen, 9)};
        auto back = decode_reg_key(view(p.encode()));
        ASSERT_TRUE(back.ok()) << back.error().describe();
        EXPECT_EQ(back->k_d, p.k_d);
    }
    {
        const RegIdPlain p{id_i()};
        auto back = decode_reg_id(view(p.encode()));
        ASSERT_TRUE(back.ok()) << back.error().describe();
        EXPECT_EQ(back->id_d, p.id_d);
    }
    const NegotiationRequest a1 = sample_a1();
    for (auto decode : {decode_a1, decode_a2}) {
        auto back = decode(view(a1.encode()));
        ASSERT_TRUE(back.ok()) << back.error().describe();
        EXPECT_EQ(back->masked_kt, a1.masked_kt);
        EXPECT_EQ(back->id_di, a1.id_di);
        EXPECT_EQ(back->id_g, a1.id_g);
        EXPECT_EQ(back->id_dj, a1.id_dj);
        EXPECT_EQ(back->cid, a1.cid);
    }
    const NegotiationResponse a3 = sample_a3();
    for (auto decode : {decode_a3, decode_a4}) {
        auto back = decode(view(a3.encode()));
        ASSERT_TRUE(back.ok()) << back.error().describe();
        EXPECT_EQ(back->kt_xor, a3.kt_xor);
        EXPECT_EQ(back->id_g, a3.id_g);
        EXPECT_EQ(back->id_dj, a3.id_dj);
        EXPECT_EQ(back->id_di, a3.id_di);
        EXPECT_EQ(back->cid, a3.cid);
    }
    const KeyExchangeRequest b1 = sample_b1();
    for (auto decode : {decode_b1, decode_b3}) {
        auto back = decode(view(b1.encode()));
        ASSERT_TRUE(back.ok()) << back.error().describe();
        EXPECT_EQ(back->n, b1.n);
        EXPECT_EQ(back->k_s, b1.k_s);
        EXPECT_EQ(back->id_di, b1.id_di);
        EXPECT_EQ(back->id_dj, b1.id_dj);
        EXPECT_EQ(back->id_g, b1.id_g);
        EXPECT_EQ(back->enc_masked_n, b1.enc_masked_n);
        EXPECT_EQ(back->f_r, b1.f_r);
        EXPECT_EQ(back->mac, b1.mac);
    }
    {
        const KeyExchangeInvitation b2 = sample_b2();
        const Bytes enc = b2.encode();
        auto back = decode_b2(view(enc));
        ASSERT_TRUE(back.ok()) << back.error().describe();
        EXPECT_EQ(back->id_di, b2.id_di);
        EXPECT_EQ(back->id_g, b2.id_g);
        EXPECT_EQ(back->session, b2.session);
        EXPECT_EQ(Bytes(enc.end() - 8, enc.end()), (Bytes{1, 2, 3, 4, 5, 6, 7, 8}));
    }
    {
        const KeyDistribution b6 = sample_b6();
        auto back = decode_b6(view(b6.encode()));
        ASSERT_TRUE(back.ok()) << back.error().describe();
        EXPECT_EQ(back->id_di, b6.id_di);
        EXPECT_EQ(back->id_dj, b6.id_dj);
        EXPECT_EQ(back->n_rs, b6.n_rs);
        EXPECT_EQ(back->mac, b6.mac);
    }
    {
        const DataPlain d{filled(kMaxData, 0x61)};
        auto back = decode_data(view(d.encode()));
        ASSERT_TRUE(back.ok()) << back.error().describe();
        EXPECT_EQ(back->m, d.m);
    }
}

TEST(SgaEncoding, RejectsWithReasons) {
    const SecretBytes a1 = sample_a1().encode();
    // The message is named; A1 / A2 name the masked key after their own key.
    Bytes short_mask = {0, 15};
    short_mask.insert(short_mask.end(), 15, 0);
    EXPECT_EQ(reason(decode_a1(view(short_mask))), "A1: kt_i xor k_di length 15 not in [16, 16]");
    EXPECT_EQ(reason(decode_a2(view(short_mask))), "A2: kt_i xor k_dj length 15 not in [16, 16]");
    EXPECT_EQ(reason(decode_a3(view(short_mask))), "A3: kt_i xor kt_j length 15 not in [16, 16]");
    EXPECT_EQ(reason(decode_a1(BytesView{})), "A1: truncated before kt_i xor k_di");
    EXPECT_EQ(reason(decode_a1(BytesView(a1.data(), 18))), "A1: truncated before ID_di");
    EXPECT_EQ(reason(decode_a1(BytesView(a1.data(), 10))),
              "A1: kt_i xor k_di truncated (8 of 16 bytes)");
    // Unknown cid, trailing bytes.
    SecretBytes bad_cid = a1;
    bad_cid.back() = 9;
    EXPECT_EQ(reason(decode_a1(view(bad_cid))), "A1: unknown cid 9");
    SecretBytes trailing = a1;
    trailing.push_back(0);
    EXPECT_EQ(reason(decode_a1(view(trailing))), "A1: 1 trailing bytes");
    // An empty identity, an over-long one.
    const NegotiationRequest empty_id{
        filled(kKeyLen, 1), {}, id_g(), id_j(), CipherId::aes_128_gcm};
    EXPECT_EQ(reason(decode_a1(view(empty_id.encode()))), "A1: ID_di length 0 not in [1, 48]");
    const NegotiationResponse long_id{filled(kKeyLen, 1), Bytes(49, 'g'), id_j(), id_i(),
                                      CipherId::aes_128_gcm};
    EXPECT_EQ(reason(decode_a4(view(long_id.encode()))), "A4: ID_G length 49 not in [1, 48]");
    // B1 / B3 bounds.
    KeyExchangeRequest b1 = sample_b1();
    b1.mac.pop_back();
    EXPECT_EQ(reason(decode_b3(view(b1.encode()))), "B3: f_K_s(N) length 31 not in [32, 32]");
    b1 = sample_b1();
    b1.f_r.resize(100);
    EXPECT_EQ(reason(decode_b1(view(b1.encode()))), "B1: F_G(r) length 100 not in [128, 512]");
    b1 = sample_b1();
    b1.n.clear();
    EXPECT_EQ(reason(decode_b1(view(b1.encode()))), "B1: N length 0 not in [1, 256]");
    // B2, B6, Data, Reg.
    Bytes b2 = sample_b2().encode();
    b2.pop_back();
    EXPECT_THAT(reason(decode_b2(view(b2))), StartsWith("B2: session id truncated"));
    KeyDistribution b6 = sample_b6();
    b6.mac.push_back(0);
    EXPECT_EQ(reason(decode_b6(view(b6.encode()))), "B6: MAC_S length 33 not in [32, 32]");
    EXPECT_EQ(reason(decode_data(view(Bytes{0, 0}))), "Data: m length 0 not in [1, 8192]");
    EXPECT_EQ(reason(decode_reg_key(view(Bytes{0, 32}))), "Reg: k_d length 32 not in [16, 16]");
    EXPECT_EQ(reason(decode_reg_id(view(Bytes{0, 1, 'x', 0}))), "Reg: 1 trailing bytes");

    // Offsets point at the offending field.
    auto r = decode_a1(view(bad_cid));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().offset, bad_cid.size() - 3);
}

TEST(SgaEncoding, EveryProperPrefixIsRejected) {
    const std::vector<Bytes> valid = valid_encodings();
    ASSERT_EQ(valid.size(), decoders().size());
    for (std::size_t d = 0; d < valid.size(); ++d) {
        const Decoder& dec = decoders()[d];
        EXPECT_EQ(dec.run(view(valid[d])), "<ok>") << dec.name;
        // CidSet is a plain byte list: its prefixes are valid sets.
        if (std::string(dec.name) == "CidSet") continue;
        for (std::size_t n = 0; n < valid[d].size(); ++n) {
            const std::string why = dec.run(BytesView(valid[d].data(), n));
            EXPECT_NE(why, "<ok>") << dec.name << " prefix " << n;
        }
    }
}

TEST(SgaEncoding, RandomAndMutatedGarbageNeverCrashes) {
    // A plain PRNG (fixed seed) rather than the DRBG: 24,000 inputs stay fast under ASan.
    std::mt19937_64 prng(8);
    const auto below = [&prng](std::size_t n) {
        return static_cast<std::size_t>(prng() % static_cast<std::uint64_t>(n));
    };
    const std::vector<Bytes> valid = valid_encodings();
    for (std::size_t d = 0; d < decoders().size(); ++d) {
        const Decoder& dec = decoders()[d];
        int accepted = 0;
        for (int i = 0; i < 1000; ++i) {
            Bytes junk(below(600));
            for (auto& b : junk) b = static_cast<std::uint8_t>(prng());
            const std::string why = dec.run(view(junk));
            if (why == "<ok>") {
                ++accepted;
            } else {
                EXPECT_FALSE(why.empty()) << dec.name;
            }
        }
        // Random strings essentially never form a valid list (CidSet is the exception).
        if (std::string(dec.name) != "CidSet") EXPECT_LE(accepted, 5) << dec.name;
        for (int i = 0; i < 1000; ++i) {
            Bytes m = valid[d];
            const std::size_t flips = 1 + below(4);
            for (std::size_t f = 0; f < flips; ++f) {
                m[below(m.size())] = static_cast<std::uint8_t>(prng());
            }
            if (below(4) == 0) m.resize(below(m.size() + 8));
            const std::string why = dec.run(view(m));
            EXPECT_FALSE(why.empty()) << dec.name;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The key exchange B1-B7, per group.

class SgaKeyExchangeTest : public ::testing::TestWithParam<GroupId> {
protected:
    void SetUp() override {
        group_ = std::make_unique<DlGroup>(load(GetParam()));
        rng_ = mtc::make_rng(11, "sga-key-exchange-test");
        k_di_ = generate_kd(*rng_);
        k_dj_ = generate_kd(*rng_);
        share_i_ = make_key_share(G(), *rng_);
        share_j_ = make_key_share(G(), *rng_);
        auto b1 = make_key_exchange(G(), cid_, view(k_di_), trapdoor_key(), share_i_, view(id_i()),
                                    view(id_j()), view(id_g()), *rng_);
        ASSERT_TRUE(b1.ok()) << b1.error().describe();
        b1_ = std::move(b1).value();
        auto b3 = make_key_exchange(G(), cid_, view(k_dj_), trapdoor_key(), share_j_, view(id_i()),
                                    view(id_j()), view(id_g()), *rng_);
        ASSERT_TRUE(b3.ok()) << b3.error().describe();
        b3_ = std::move(b3).value();
        R_s_ = G().random_scalar(*rng_);
    }
    const DlGroup& G() const { return *group_; }
    mtc::Result<KeyExchangeCheck> check_i(const KeyExchangeRequest& req) const {
        return check_key_exchange(G(), cid_, view(k_di_), trapdoor_key(), req);
    }

    CipherId cid_ = CipherId::chacha20_poly1305;
    std::unique_ptr<DlGroup> group_;
    std::unique_ptr<mtc::Rng> rng_;
    SecretBytes k_di_, k_dj_;
    KeyShare share_i_, share_j_;
    KeyExchangeRequest b1_, b3_;
    BigNum R_s_;
};

TEST_P(SgaKeyExchangeTest, BothSidesAgreeOnK) {
    EXPECT_EQ(share_i_.n, G().exp_g(share_i_.R));
    EXPECT_EQ(share_i_.k_s, G().exp(share_i_.n, share_i_.r));
    EXPECT_EQ(b1_.n.size(), G().element_bytes());

    // B1 / B3 travel under kt_i / kt_j (encode, seal, open, decode).
    const SecretBytes kt_i = generate_kt(*rng_);
    auto sealed = sym_seal(cid_, view(kt_i), {}, view(b1_.encode()), *rng_);
    ASSERT_TRUE(sealed.ok());
    auto opened = sym_open(cid_, view(kt_i), {}, view(*sealed));
    ASSERT_TRUE(opened.ok());
    auto b1 = decode_b1(view(*opened));
    ASSERT_TRUE(b1.ok()) << b1.error().describe();
    auto b3 = decode_b3(view(b3_.encode()));
    ASSERT_TRUE(b3.ok()) << b3.error().describe();

    // B4 at the server.
    auto ci = check_key_exchange(G(), cid_, view(k_di_), trapdoor_key(), *b1);
    ASSERT_TRUE(ci.ok()) << ci.error().describe();
    auto cj = check_key_exchange(G(), cid_, view(k_dj_), trapdoor_key(), *b3);
    ASSERT_TRUE(cj.ok()) << cj.error().describe();
    EXPECT_EQ(ci->n, share_i_.n);
    EXPECT_EQ(ci->r, share_i_.r);
    EXPECT_EQ(ci->k_s, share_i_.k_s);
    EXPECT_TRUE(ci->clear_values_match);
    EXPECT_TRUE(cj->clear_values_match);

    // B5 / B6.
    auto b6i = make_key_distribution(G(), view(id_i()), view(id_j()), ci->k_s, cj->n, R_s_);
    auto b6j = make_key_distribution(G(), view(id_i()), view(id_j()), cj->k_s, ci->n, R_s_);
    ASSERT_TRUE(b6i.ok() && b6j.ok());
    auto b6i_back = decode_b6(view(b6i->encode()));
    ASSERT_TRUE(b6i_back.ok()) << b6i_back.error().describe();

    // B7 on each device.
    auto K_i = verify_key_distribution(G(), *b6i_back, view(id_i()), view(id_j()), share_i_.k_s,
                                       share_i_.R);
    auto K_j =
        verify_key_distribution(G(), *b6j, view(id_i()), view(id_j()), share_j_.k_s, share_j_.R);
    ASSERT_TRUE(K_i.ok()) << K_i.error().describe();
    ASSERT_TRUE(K_j.ok()) << K_j.error().describe();
    EXPECT_EQ(*K_i, *K_j);
    const BigNum e = G().mul_q(G().mul_q(share_i_.R, R_s_), share_j_.R);
    EXPECT_EQ(*K_i, G().exp_g(e));  // g^(R_i R_s R_j)

    // Data under K: d_i seals, d_j opens.
    const SecretBytes key_i = session_key_material(G(), *K_i);
    const SecretBytes key_j = session_key_material(G(), *K_j);
    const DataPlain m{SecretBytes{'h', 'e', 'l', 'l', 'o'}};
    auto c = sym_seal(cid_, view(key_i), {}, view(m.encode()), *rng_);
    ASSERT_TRUE(c.ok());
    auto pt = sym_open(cid_, view(key_j), {}, view(*c));
    ASSERT_TRUE(pt.ok());
    auto m_back = decode_data(view(*pt));
    ASSERT_TRUE(m_back.ok());
    EXPECT_EQ(m_back->m, m.m);
}

TEST_P(SgaKeyExchangeTest, DocumentedInputs) {
    // f_{K_s}(N) = HMAC(K_s padded, N padded).
    EXPECT_EQ(mac_n(G(), share_i_.k_s, share_i_.n), f_mac(view(encode_element(G(), share_i_.k_s)),
                                                          view(encode_element(G(), share_i_.n))));
    // E_{k_d}(N xor k_d) opens, under the negotiated cid, to N xor expand(k_d, |p|).
    auto masked = sym_open(cid_, view(k_di_), {}, view(b1_.enc_masked_n));
    ASSERT_TRUE(masked.ok());
    auto pad = expand_kd(view(k_di_), G().element_bytes());
    ASSERT_TRUE(pad.ok());
    auto n = xor_bytes(view(*masked), view(*pad));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(Bytes(n->begin(), n->end()), encode_element(G(), share_i_.n));
    // B6 MAC = f_{K_s}(ID_di, ID_dj, K_s, N^R_s), each u16-length-prefixed.
    const BigNum n_rs = G().exp(share_j_.n, R_s_);
    const Bytes ks = encode_element(G(), share_i_.k_s);
    const Bytes x =
        mtc::encode_list({view(id_i()), view(id_j()), view(ks), view(encode_element(G(), n_rs))});
    EXPECT_EQ(key_distribution_mac(G(), view(id_i()), view(id_j()), share_i_.k_s, n_rs),
              f_mac(view(ks), view(x)));
}

TEST_P(SgaKeyExchangeTest, ServerRejectsTamperedB1) {
    KeyExchangeRequest req = b1_;
    req.mac[0] ^= 0x01;
    EXPECT_EQ(reason(check_i(req)), "f_K_s(N) does not verify");

    // Under d_j's key: E_{k_d}(N xor k_d) does not open.
    EXPECT_EQ(reason(check_key_exchange(G(), cid_, view(k_dj_), trapdoor_key(), b1_)),
              "E_k_d(N xor k_d): E^x: aead: authentication failed");
    // F_G(r) made with the wrong key.
    req = b1_;
    req.f_r = *fg_apply(server_key(), G(), share_i_.r, view(kOaepTestSeed));
    EXPECT_THAT(reason(check_i(req)), StartsWith("F_G: rsa: "));
    // Another r: the MAC no longer verifies.
    req = b1_;
    req.f_r = *fg_apply(trapdoor_key(), G(), share_j_.r, view(kOaepTestSeed));
    EXPECT_EQ(reason(check_i(req)), "f_K_s(N) does not verify");
    // A clear N that differs from the recovered one passes B4 as specified, but is reported.
    req = b1_;
    req.n = encode_element(G(), G().g());
    auto c = check_i(req);
    ASSERT_TRUE(c.ok()) << c.error().describe();
    EXPECT_FALSE(c->clear_values_match);
}

TEST_P(SgaKeyExchangeTest, ElementsOutsideTheSubgroupAreRejected) {
    const BigNum outside = outside_subgroup(G());
    KeyExchangeRequest req = b1_;
    req.n = encode_element(G(), outside);
    EXPECT_EQ(reason(check_i(req)), "N not in the subgroup: " + kElementSubgroup);
    req = b1_;
    const Bytes pm1 = encode_element(G(), p_minus_1(G()));
    req.k_s = SecretBytes(pm1.begin(), pm1.end());
    EXPECT_EQ(reason(check_i(req)), "K_s not in the subgroup: " + kElementRange);
    req = b1_;
    req.n.pop_back();
    EXPECT_EQ(reason(check_i(req)), "N has " + std::to_string(G().element_bytes() - 1) +
                                        " bytes, expected " + std::to_string(G().element_bytes()));
    // The N recovered from E_{k_d}(N xor k_d).
    req = b1_;
    req.enc_masked_n = *seal_masked_n(G(), cid_, view(k_di_), outside, *rng_);
    EXPECT_EQ(reason(check_i(req)), "recovered N not in the subgroup: " + kElementSubgroup);
    // The server's B6 input and the device's B7 input.
    EXPECT_EQ(
        reason(make_key_distribution(G(), view(id_i()), view(id_j()), share_i_.k_s, outside, R_s_)),
        "N_other not in the subgroup: " + kElementSubgroup);
    auto b6 =
        make_key_distribution(G(), view(id_i()), view(id_j()), share_i_.k_s, share_j_.n, R_s_);
    ASSERT_TRUE(b6.ok());
    KeyDistribution bad = *b6;
    bad.n_rs = encode_element(G(), outside);
    EXPECT_EQ(reason(verify_key_distribution(G(), bad, view(id_i()), view(id_j()), share_i_.k_s,
                                             share_i_.R)),
              "N^R_s not in the subgroup: " + kElementSubgroup);
    bad.n_rs = encode_element(G(), BigNum(1));
    EXPECT_EQ(reason(verify_key_distribution(G(), bad, view(id_i()), view(id_j()), share_i_.k_s,
                                             share_i_.R)),
              "N^R_s not in the subgroup: " + kElementRange);
}

TEST_P(SgaKeyExchangeTest, DeviceRejectsTamperedB6) {
    auto b6i =
        make_key_distribution(G(), view(id_i()), view(id_j()), share_i_.k_s, share_j_.n, R_s_);
    auto b6j =
        make_key_distribution(G(), view(id_i()), view(id_j()), share_j_.k_s, share_i_.n, R_s_);
    ASSERT_TRUE(b6i.ok() && b6j.ok());
    const std::string kBadMac = "f_K_s(ID_di, ID_dj, K_s, N^R_s) does not verify";
    const auto verify_i = [&](const KeyDistribution& m, BytesView a, BytesView b) {
        return reason(verify_key_distribution(G(), m, a, b, share_i_.k_s, share_i_.R));
    };
    EXPECT_EQ(verify_i(*b6i, view(id_i()), view(id_j())), "<ok>");
    KeyDistribution t = *b6i;
    t.mac[5] ^= 0x80;
    EXPECT_EQ(verify_i(t, view(id_i()), view(id_j())), kBadMac);
    // N^R_s replaced by another element: the MAC binds it.
    t = *b6i;
    t.n_rs = encode_element(G(), G().g());
    EXPECT_EQ(verify_i(t, view(id_i()), view(id_j())), kBadMac);
    // d_j's B6 reflected to d_i; and d_i expecting another peer.
    EXPECT_EQ(verify_i(*b6j, view(id_i()), view(id_j())), kBadMac);
    EXPECT_EQ(verify_i(*b6i, view(id_i()), view(to_bytes("mallory"))), kBadMac);
}

// The as-specified gap the campaign will look for: whoever learns kt_i (a dishonest d_j, via
// A2) gets E_{k_di}(N_i xor k_di) and N_i out of B1, an off-line verifier for a PIN-derived k_di.
TEST_P(SgaKeyExchangeTest, WeakKdIsCheckableOffline) {
    auto weak = kd_from_pin("314159", view(id_i()));
    ASSERT_TRUE(weak.ok());
    auto b1 = make_key_exchange(G(), cid_, view(*weak), trapdoor_key(), share_i_, view(id_i()),
                                view(id_j()), view(id_g()), *rng_);
    ASSERT_TRUE(b1.ok());
    int hits = 0;
    for (const char* guess : {"000000", "123456", "314158", "314159", "314160", "999999"}) {
        auto k = kd_from_pin(guess, view(id_i()));
        ASSERT_TRUE(k.ok());
        auto n = open_masked_n(G(), cid_, view(*k), view(b1->enc_masked_n));
        if (n.ok() && encode_element(G(), *n) == b1->n) ++hits;
    }
    EXPECT_EQ(hits, 1);
}

INSTANTIATE_TEST_SUITE_P(SgaGroups, SgaKeyExchangeTest,
                         ::testing::Values(GroupId::dh_1024_160, GroupId::dh_2048_256),
                         [](const ::testing::TestParamInfo<GroupId>& info) {
                             return std::string(mtc::crypto::group_name(info.param));
                         });

}  // namespace
