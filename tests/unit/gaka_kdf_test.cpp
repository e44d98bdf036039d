// The TS 33.220 Annex B KDF and K_ASME (TS 33.401 A.2) in protocols/gaka/kdf.
//
// Sources of the expected values (copied, never computed here):
// - K_ASME: OpenAirInterface's HSS unit test openair-cn/OPENAIRHSS/tests/test_security_kasme.c
//   (github.com/chunyeow/openairinterface5g, a mirror of OAI). Its CK, IK and AK are those of
//   TS 35.208 Test Set 1, its SQNs those of Test Sets 1 and 2 (TS 35.207). Not 3GPP's own
//   data: 3GPP publishes no K_ASME test vectors that we could find.
// - The generic KDF with another FC: OAI's K_eNB test openair-cn/TEST/test_secu_kenb.c (same
//   repository): K_eNB = KDF(K_ASME; FC = 0x11, P0 = uplink NAS COUNT (4 octets), L0 = 4)
//   (TS 33.401 A.3). One of its K_ASME inputs is the K_ASME of the test above, so the two
//   files agree with each other.
// - HMAC-SHA-256 itself is covered by RFC 4231 in crypto_test.cpp.
#include <cstdint>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "protocols/core/bytes.hpp"
#include "protocols/gaka/kdf.hpp"
#include "tests/unit/hex_vectors.hpp"

namespace {

using mtc::Bytes;
using mtc::BytesView;
using namespace mtc::gaka;

using mtc::test::H;
using mtc::test::hex;

Bytes xor6(const Bytes& a, const Bytes& b) {
    Bytes out(6);
    for (std::size_t i = 0; i < 6; ++i) out[i] = a.at(i) ^ b.at(i);
    return out;
}

struct KasmeVector {
    const char* sn_id;
    const char* sqn;
    const char* ak;
    const char* kasme;
};

// CK, IK of TS 35.208 Test Set 1.
constexpr std::string_view kCk = "b40ba9a3c58b2a05bbf0d987b21bf8cb";
constexpr std::string_view kIk = "f769bcd751044604127672711c6d3441";

// clang-format off
const KasmeVector kKasme[] = {
    {"024830", "fd8eef40df7d", "aa689c648370",
     "238e457e0f758badbca8d34bb2612c10428d426757cb5553b2b184fa64bfc549"},
    {"02f843", "fd8eef40df7d", "aa689c648370",
     "bd7a0903a7d0f68767ee2f5c90cb7d7d835998d940afdbf73173e63567c5b894"},
    {"21f354", "fd8eef40df7d", "aa689c648370",
     "546a79bc6d1613a72a4d631ee0351d66036b2a0c44a3831be6d365e24f023013"},
    {"024830", "ff9bb4d0b607", "aa689c648370",
     "564cb4d2007e4f293b67d9b29392a64add4c776b133d895af6499aa6882aab62"},
    {"02f843", "ff9bb4d0b607", "aa689c648370",
     "34865eb0dc9a6d788a905c0514529bf588485da817ffbe92e9a9b4d033b8cc6f"},
    {"21f354", "ff9bb4d0b607", "aa689c648370",
     "9ea141da4b24cdebc8f5fb3f61a0511216681f121199b23ebcfacc75b358be43"},
};
// clang-format on

TEST(GakaKdf, KasmeReproducesPublishedVectors) {
    for (const KasmeVector& v : kKasme) {
        SCOPED_TRACE(std::string("SN id ") + v.sn_id + ", SQN " + v.sqn);
        auto k = derive_kasme(H(kCk), H(kIk), H(v.sn_id), xor6(H(v.sqn), H(v.ak)));
        ASSERT_TRUE(k.ok()) << k.error().describe();
        EXPECT_EQ(hex(*k), v.kasme);
    }
}

struct KenbVector {
    std::uint32_t nas_count;
    const char* kasme;
    const char* kenb;
};

// clang-format off
const KenbVector kKenb[] = {
    {0xDB1A3569, "238e457e0f758badbca8d34bb2612c10428d426757cb5553b2b184fa64bfc549",
     "8eb1bf0083bd79281ef7034bf677e9ec529f196e15287514a2d122acf713b8e8"},
    {0x001FB39C, "564cb4d2007e4f293b67d9b29392a64add4c776b133d895af6499aa6882aab62",
     "009010688f85855e218339de6c5bd7b6394958da12ddfbf7559e978ce43408f1"},
    {0x00000012, "fa77e41f693c2a6e71455cb8687e6e6058ef91e2f5abd1bd3c496179481f308c",
     "0afe81266de52b8c8f1c3f4fe799be883f364b018e7368c41f14dd6d050e13e1"},
    {0xFE56A1D3, "fa77e41f693c2a6e71455cb8687e6e6058ef91e2f5abd1bd3c496179481f308c",
     "3622874b06c683586a009dec81dbe28bdd8e3e6e67a2c22c31630ec97641828e"},
    {0xFE56A1D3, "70d7071aa016a087f9d888ad51f3a83e2c83443ab27843b35bd1b4923615091c",
     "e59be6f0fbefa1207da3ff05d0f82014100e7a63a11eebfe4f8aa92e7cf8b847"},
    {0xAABBCCDD, "70d7071aa016a087f9d888ad51f3a83e2c83443ab27843b35bd1b4923615091c",
     "158781a2fdf2ce53abfa186d22eb751decb8273471dc792b5016c9016947d1ae"},
};
// clang-format on

TEST(GakaKdf, GenericKdfReproducesKenbVectors) {
    for (const KenbVector& v : kKenb) {
        SCOPED_TRACE("NAS COUNT " + std::to_string(v.nas_count));
        Bytes count;
        mtc::put_u32(count, v.nas_count);
        auto k = generic_kdf(H(v.kasme), 0x11, {count});
        ASSERT_TRUE(k.ok()) << k.error().describe();
        EXPECT_EQ(hex(*k), v.kenb);
    }
}

TEST(GakaKdf, InputStringLayout) {
    // S = FC || P0 || L0 || P1 || L1 with two-octet big-endian lengths (TS 33.220 B.2.0).
    auto s = kdf_input(0x10, {H("02f843"), H("aabbccddeeff")});
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(hex(*s), "1002f8430003aabbccddeeff0006");
    auto empty = kdf_input(0x6a, {});
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(hex(*empty), "6a");
    auto with_empty_param = kdf_input(0x01, {Bytes{}});
    ASSERT_TRUE(with_empty_param.ok());
    EXPECT_EQ(hex(*with_empty_param), "010000");
}

TEST(GakaKdf, KasmeIsTheGenericKdfWithFc10) {
    const Bytes ck = H(kCk);
    const Bytes ik = H(kIk);
    Bytes key = ck;
    key.insert(key.end(), ik.begin(), ik.end());
    const Bytes sn = H("02f843");
    const Bytes conc = H("0102030405ff");
    auto a = derive_kasme(ck, ik, sn, conc);
    auto b = generic_kdf(key, 0x10, {sn, conc});
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(hex(*a), hex(*b));
    EXPECT_EQ(a->size(), kKasmeLen);
}

TEST(GakaKdf, RejectsBadLengths) {
    const Bytes k16(16, 1);
    const Bytes sn(3, 2);
    const Bytes conc(6, 3);
    EXPECT_FALSE(derive_kasme(Bytes(15, 1), k16, sn, conc).ok());
    EXPECT_FALSE(derive_kasme(k16, Bytes(17, 1), sn, conc).ok());
    EXPECT_FALSE(derive_kasme(k16, k16, Bytes(2, 2), conc).ok());
    EXPECT_FALSE(derive_kasme(k16, k16, sn, Bytes(7, 3)).ok());
    const Bytes huge(0x10000, 0);
    auto s = kdf_input(0x10, {sn, huge});
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().reason.find("P1"), std::string::npos);
    EXPECT_FALSE(generic_kdf(k16, 0x10, {huge}).ok());
    EXPECT_TRUE(kdf_input(0x10, {Bytes(0xFFFF, 0)}).ok());
}

}  // namespace
