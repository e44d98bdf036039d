// crypto::HmacSha256State (and crypto::hmac_sha256, built on it) against RFC 4231 and against
// OpenSSL's own HMAC (EVP_Q_mac) for every key and message length around the block boundaries,
// multi-part messages and re-keying.
#include "protocols/core/crypto/hmac_state.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "protocols/core/bytes.hpp"
#include "protocols/core/crypto/hash.hpp"

namespace mtc::test {
namespace {

using crypto::HmacSha256State;

// The reference: OpenSSL's HMAC, independent of the code under test.
crypto::Digest evp_hmac(BytesView key, BytesView data) {
    static const unsigned char kEmpty = 0;
    char digest[] = "SHA256";
    crypto::Digest out{};
    std::size_t len = 0;
    const unsigned char* k = key.empty() ? &kEmpty : key.data();
    const unsigned char* d = data.empty() ? &kEmpty : data.data();
    EXPECT_NE(EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, k, key.size(), d, data.size(),
                        out.data(), out.size(), &len),
              nullptr);
    EXPECT_EQ(len, out.size());
    return out;
}

std::string hex_mac(const HmacSha256State& s, BytesView data) {
    const crypto::Digest d = s.mac(data);
    return to_hex(BytesView(d));
}

Bytes repeat(std::uint8_t b, std::size_t n) {
    return Bytes(n, b);
}

Bytes pattern(std::size_t n, std::uint8_t seed) {
    Bytes out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(seed + i * 7);
    return out;
}

struct Rfc4231Case {
    const char* name;
    Bytes key;
    Bytes data;
    const char* hmac_sha256;
};

std::vector<Rfc4231Case> rfc4231() {
    return {
        {"1", repeat(0x0b, 20), to_bytes("Hi There"),
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {"2", to_bytes("Jefe"), to_bytes("what do ya want for nothing?"),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {"3", repeat(0xaa, 20), repeat(0xdd, 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        {"4", from_hex("0102030405060708090a0b0c0d0e0f10111213141516171819").value(),
         repeat(0xcd, 50), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        // Keys longer than a block: hashed first.
        {"6", repeat(0xaa, 131), to_bytes("Test Using Larger Than Block-Size Key - Hash Key First"),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {"7", repeat(0xaa, 131),
         to_bytes("This is a test using a larger than block-size key and a larger than block-size "
                  "data. The key needs to be hashed before being used by the HMAC algorithm."),
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
    };
}

TEST(HmacState, Rfc4231Vectors) {
    for (const auto& c : rfc4231()) {
        const HmacSha256State s(view(c.key));
        EXPECT_EQ(hex_mac(s, view(c.data)), c.hmac_sha256) << "RFC 4231 case " << c.name;
        const crypto::Digest evp = evp_hmac(view(c.key), view(c.data));
        EXPECT_EQ(to_hex(BytesView(evp)), c.hmac_sha256) << "EVP, RFC 4231 case " << c.name;
        const crypto::Digest one_shot = crypto::hmac_sha256(view(c.key), view(c.data));
        EXPECT_EQ(to_hex(BytesView(one_shot)), c.hmac_sha256) << "one-shot, case " << c.name;
    }
}

TEST(HmacState, MatchesEvpForKeyAndMessageLengthsAroundTheBlock) {
    const std::vector<std::size_t> key_lens = {0, 1, 16, 32, 55, 63, 64, 65, 100, 128, 200};
    const std::vector<std::size_t> msg_lens = {0, 1, 31, 32, 55, 56, 57, 63, 64, 65, 119, 120, 300};
    for (std::size_t kl : key_lens) {
        const Bytes key = pattern(kl, 0x11);
        const HmacSha256State s(view(key));
        for (std::size_t ml : msg_lens) {
            const Bytes msg = pattern(ml, 0x5a);
            const crypto::Digest evp = evp_hmac(view(key), view(msg));
            EXPECT_EQ(s.mac(view(msg)), evp) << "key " << kl << " bytes, message " << ml;
            EXPECT_EQ(crypto::hmac_sha256(view(key), view(msg)), evp) << kl << ", " << ml;
        }
    }
}

TEST(HmacState, DefaultIsTheEmptyKey) {
    const HmacSha256State s;
    const Bytes msg = to_bytes("abc");
    EXPECT_EQ(s.mac(view(msg)), evp_hmac({}, view(msg)));
}

TEST(HmacState, MultiPartEqualsTheConcatenation) {
    const Bytes key = to_bytes("multi-part key");
    const HmacSha256State s(view(key));
    const Bytes whole = pattern(150, 3);
    for (std::size_t a : {0, 1, 40, 64, 100, 150}) {
        for (std::size_t b : {std::size_t{0}, std::size_t{7}, std::size_t{64}}) {
            if (a + b > whole.size()) continue;
            const BytesView all = view(whole);
            std::array<std::uint8_t, HmacSha256State::kDigestLen> out{};
            s.mac({all.first(a), all.subspan(a, b), all.subspan(a + b)}, out);
            EXPECT_EQ(out, evp_hmac(view(key), all)) << a << "+" << b;
        }
    }
    std::array<std::uint8_t, HmacSha256State::kDigestLen> none{};
    s.mac(std::span<const BytesView>{}, none);
    EXPECT_EQ(none, evp_hmac(view(key), {}));
}

TEST(HmacState, MacLeavesTheStateForTheNextMessageAndSetKeyReplacesIt) {
    const Bytes k1 = to_bytes("first key");
    const Bytes k2 = repeat(0x42, 90);
    const Bytes m1 = to_bytes("one");
    const Bytes m2 = pattern(70, 9);
    HmacSha256State s(view(k1));
    const crypto::Digest a = s.mac(view(m1));
    EXPECT_EQ(s.mac(view(m2)), evp_hmac(view(k1), view(m2)));
    EXPECT_EQ(s.mac(view(m1)), a);
    s.set_key(view(k2));
    EXPECT_EQ(s.mac(view(m1)), evp_hmac(view(k2), view(m1)));
    const HmacSha256State copy = s;
    s.set_key(view(k1));
    EXPECT_EQ(copy.mac(view(m2)), evp_hmac(view(k2), view(m2)));
    EXPECT_EQ(s.mac(view(m1)), a);
}

TEST(HmacState, CompressionCountsFollowSha256Padding) {
    // Two pad blocks per key; a key longer than a block is hashed first (65 bytes: 2 blocks).
    EXPECT_EQ(HmacSha256State::key_compressions(0), 2u);
    EXPECT_EQ(HmacSha256State::key_compressions(64), 2u);
    EXPECT_EQ(HmacSha256State::key_compressions(65), 4u);
    EXPECT_EQ(HmacSha256State::key_compressions(131), 5u);
    // Message plus 9 bytes of padding, then the 32-byte inner digest (one block).
    EXPECT_EQ(HmacSha256State::mac_compressions(0), 2u);
    EXPECT_EQ(HmacSha256State::mac_compressions(55), 2u);
    EXPECT_EQ(HmacSha256State::mac_compressions(56), 3u);
    EXPECT_EQ(HmacSha256State::mac_compressions(119), 3u);
    EXPECT_EQ(HmacSha256State::mac_compressions(120), 4u);
}

}  // namespace
}  // namespace mtc::test
