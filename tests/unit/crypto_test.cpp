// Known-answer and negative tests for protocols/core/crypto (OpenSSL 3 wrappers).
// Every vector names its published source next to it.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "protocols/core/bytes.hpp"
#include "protocols/core/crypto/aead.hpp"
#include "protocols/core/crypto/dl_group.hpp"
#include "protocols/core/crypto/hash.hpp"
#include "protocols/core/crypto/kdf.hpp"
#include "protocols/core/crypto/rsa.hpp"
#include "protocols/core/rng.hpp"

namespace {

using mtc::Bytes;
using mtc::BytesView;
using namespace mtc::crypto;

Bytes H(std::string_view hex) {
    auto b = mtc::from_hex(hex);
    EXPECT_TRUE(b.has_value()) << "bad hex in test: " << hex;
    return b.value_or(Bytes{});
}

std::string hex(BytesView v) {
    return mtc::to_hex(v);
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

Bytes repeat(std::uint8_t b, std::size_t n) {
    return Bytes(n, b);
}

// ============================================================================================
// SHA-256
// ============================================================================================

TEST(Sha256, FipsVectors) {
    // FIPS 180-2 Appendix B.1 (one-block message "abc").
    EXPECT_EQ(hex(sha256(mtc::view("abc"))),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // NIST CAVP SHA256ShortMsg, Len = 0 (the empty message).
    EXPECT_EQ(hex(sha256(BytesView{})),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, PartsEqualConcatenation) {
    const Bytes a = mtc::to_bytes(std::string_view("ab"));
    const Bytes c = mtc::to_bytes(std::string_view("c"));
    EXPECT_EQ(sha256({mtc::view(a), BytesView{}, mtc::view(c)}), sha256(mtc::view("abc")));
}

// ============================================================================================
// HMAC-SHA256: RFC 4231 section 4 (test cases 4.2 - 4.8)
// ============================================================================================

struct HmacVector {
    const char* name;
    Bytes key;
    Bytes data;
    std::string mac;
};

std::vector<HmacVector> rfc4231_vectors() {
    return {
        // RFC 4231 section 4.2, Test Case 1.
        {"case1", repeat(0x0b, 20), mtc::to_bytes(std::string_view("Hi There")),
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        // RFC 4231 section 4.3, Test Case 2 (key shorter than the output).
        {"case2", mtc::to_bytes(std::string_view("Jefe")),
         mtc::to_bytes(std::string_view("what do ya want for nothing?")),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        // RFC 4231 section 4.4, Test Case 3 (combined length of key and data > 64 bytes).
        {"case3", repeat(0xaa, 20), repeat(0xdd, 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        // RFC 4231 section 4.5, Test Case 4.
        {"case4", H("0102030405060708090a0b0c0d0e0f10111213141516171819"), repeat(0xcd, 50),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        // RFC 4231 section 4.7, Test Case 6 (131-byte key: hashed first).
        {"case6", repeat(0xaa, 131),
         mtc::to_bytes(std::string_view("Test Using Larger Than Block-Size Key - Hash Key First")),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        // RFC 4231 section 4.8, Test Case 7 (large key and large data).
        {"case7", repeat(0xaa, 131),
         mtc::to_bytes(std::string_view(
             "This is a test using a larger than block-size key and a larger than block-size "
             "data. The key needs to be hashed before being used by the HMAC algorithm.")),
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
    };
}

TEST(HmacSha256, Rfc4231) {
    for (const auto& v : rfc4231_vectors()) {
        EXPECT_EQ(hex(hmac_sha256(v.key, v.data)), v.mac) << v.name;
    }
}

TEST(HmacSha256, Rfc4231Case5Truncated) {
    // RFC 4231 section 4.6, Test Case 5: the published value is truncated to 128 bits.
    const auto mac = hmac_sha256(repeat(0x0c, 20), mtc::view("Test With Truncation"));
    EXPECT_EQ(hex(BytesView(mac).first(16)), "a3b6167473100ee06e0c796c2955552b");
}

// ============================================================================================
// AES-CMAC: RFC 4493 section 4 (examples 1-4); AES-256 from NIST SP 800-38B Appendix D.3
// ============================================================================================

// RFC 4493 section 4: K and the 64-byte message M whose prefixes are examples 1-4.
const char* const kCmacKey128 = "2b7e151628aed2a6abf7158809cf4f3c";
const char* const kCmacMsg =
    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";

TEST(AesCmac, Rfc4493Examples) {
    const Bytes key = H(kCmacKey128);
    const Bytes msg = H(kCmacMsg);
    const struct {
        std::size_t len;
        const char* tag;
    } cases[] = {
        {0, "bb1d6929e95937287fa37d129b756746"},   // RFC 4493 section 4, Example 1 (len 0)
        {16, "070a16b46b4d4144f79bdd9dd04a287c"},  // RFC 4493 section 4, Example 2 (len 16)
        {40, "dfa66747de9ae63030ca32611497c827"},  // RFC 4493 section 4, Example 3 (len 40)
        {64, "51f0bebf7e3b9d92fc49741779363cfe"},  // RFC 4493 section 4, Example 4 (len 64)
    };
    for (const auto& c : cases) {
        auto tag = aes_cmac(key, BytesView(msg).first(c.len));
        ASSERT_TRUE(tag.ok()) << tag.error().describe();
        EXPECT_EQ(hex(*tag), c.tag) << "len " << c.len;
    }
}

TEST(AesCmac, Aes256SP800_38B) {
    // NIST SP 800-38B Appendix D.3 (CMAC-AES256), Examples 1 and 2; same M as RFC 4493.
    const Bytes key = H("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
    const Bytes msg = H(kCmacMsg);
    auto t0 = aes_cmac(key, BytesView{});
    ASSERT_TRUE(t0.ok());
    EXPECT_EQ(hex(*t0), "028962f61b7bf89efc6b551f4667d983");
    auto t16 = aes_cmac(key, BytesView(msg).first(16));
    ASSERT_TRUE(t16.ok());
    EXPECT_EQ(hex(*t16), "28a7023f452e8f82bd4bf28d8c37c35c");
}

TEST(AesCmac, RejectsBadKeyLengths) {
    for (std::size_t n : {0, 1, 15, 17, 24, 31, 33}) {
        auto r = aes_cmac(Bytes(n, 0x01), mtc::view("m"));
        EXPECT_FALSE(r.ok()) << n;
    }
}

// ============================================================================================
// KBKDF (NIST SP 800-108 counter mode)
// ============================================================================================

TEST(Kbkdf, NistCavpHmacSha256Counter32) {
    // NIST CAVP KBKDF CounterMode.zip, [PRF=HMAC_SHA256] [CTRLOCATION=BEFORE_FIXED]
    // [RLEN=32_BITS], as in OpenSSL test/recipes/30-test_evp_data/evpkdf_kbkdf_counter.txt
    // (use-l:0, use-separator:0: the PRF input is [i]_32 || FixedInputData).
    const KbkdfLayout nist{.use_separator = false, .use_length = false};
    {
        // COUNT=10, L=256.
        auto out = kbkdf_counter(
            KbkdfPrf::hmac_sha256,
            H("e204d6d466aad507ffaf6d6dab0a5b26152c9e21e764370464e360c8fbc765c6"), {},
            H("7b03b98d9f94b899e591f3ef264b71b193fba7043c7e953cde23bc5384bc1a6293580115fae3495fd8"
              "45dadbd02bd6455cf48d0f62b33e62364a3a80"),
            32, nist);
        ASSERT_TRUE(out.ok()) << out.error().describe();
        EXPECT_EQ(hex(mtc::view(*out)),
                  "770dfab6a6a4a4bee0257ff335213f78d8287b4fd537d5c1fffa956910e7c779");
    }
    {
        // COUNT=30, L=320 (two PRF blocks, the second truncated).
        auto out = kbkdf_counter(
            KbkdfPrf::hmac_sha256,
            H("c4bedbddb66493e7c7259a3bbbc25f8c7e0ca7fe284d92d431d9cd99a0d214ac"), {},
            H("1c69c54766791e315c2cc5c47ecd3ffab87d0d273dd920e70955814c220eacace6a5946542da3dfe24"
              "ff626b4897898cafb7db83bdff3c14fa46fd4b"),
            40, nist);
        ASSERT_TRUE(out.ok()) << out.error().describe();
        EXPECT_EQ(hex(mtc::view(*out)),
                  "1da47638d6c9c4d04d74d4640bbd42ab814d9e8cc22f4326695239f96b0693f12d0dd1152cf4"
                  "4430");
    }
}

TEST(Kbkdf, NistCavpCmacAes128Counter32) {
    // NIST CAVP KBKDF CounterMode.zip, [PRF=CMAC_AES128] [CTRLOCATION=BEFORE_FIXED]
    // [RLEN=32_BITS] COUNT=0, L=128 (OpenSSL test/evp_kdf_test.c test_kdf_kbkdf_fixedinfo and
    // evpkdf_kbkdf_counter.txt).
    auto out = kbkdf_counter(
        KbkdfPrf::cmac_aes, H("c10b152e8c97b77e18704e0f0bd38305"), {},
        H("98cd4cbbbebe15d17dc86e6dbad800a2dcbd64f7c7ad0e78e9cf94ffdba89d03e97eadf6c4f7b806caf52a"
          "a38f09d0eb71d71f497bcc6906b48d36c4"),
        16, KbkdfLayout{.use_separator = false, .use_length = false});
    ASSERT_TRUE(out.ok()) << out.error().describe();
    EXPECT_EQ(hex(mtc::view(*out)), "26faf61908ad9ee881b8305c221db53f");
}

TEST(Kbkdf, Rfc8009PrfDefaultLayout) {
    // RFC 8009 Appendix A, "Sample results for PRF" (aes128-cts-hmac-sha256-128):
    // PRF = KDF-HMAC-SHA2(key, "prf", "test", 256) = HMAC-SHA-256(key, 00000001 | "prf" | 00 |
    // "test" | 00000100): exactly OpenSSL's default KBKDF layout (also OpenSSL
    // test/evp_kdf_test.c test_kdf_kbkdf_8009_prf1).
    auto out = kbkdf_counter(KbkdfPrf::hmac_sha256, H("3705d96080c17728a0e800eab6e0d23c"),
                             mtc::view("prf"), mtc::view("test"), 32);
    ASSERT_TRUE(out.ok()) << out.error().describe();
    EXPECT_EQ(hex(mtc::view(*out)),
              "9d188616f63852fe86915bb840b4a886ff3e6bb0f819b49b893393d393854295");
}

TEST(Kbkdf, DefaultLayoutIsCounterLabelSeparatorContextLength) {
    // The documented layout, rebuilt by hand: [1]_32 || Label || 0x00 || Context || [L]_32.
    const Bytes key = H("000102030405060708090a0b0c0d0e0f");
    Bytes input = H("00000001");
    const Bytes label = mtc::to_bytes(std::string_view("label"));
    const Bytes context = mtc::to_bytes(std::string_view("context"));
    input.insert(input.end(), label.begin(), label.end());
    input.push_back(0x00);
    input.insert(input.end(), context.begin(), context.end());
    const Bytes l = H("00000100");  // 256 bits
    input.insert(input.end(), l.begin(), l.end());

    auto out = kbkdf_counter(KbkdfPrf::hmac_sha256, key, label, context, 32);
    ASSERT_TRUE(out.ok());
    const auto want = hmac_sha256(key, input);
    EXPECT_EQ(hex(mtc::view(*out)), hex(want));

    auto cmac_out = kbkdf_counter(KbkdfPrf::cmac_aes, key, label, context, 16);
    ASSERT_TRUE(cmac_out.ok());
    Bytes cmac_input = input;
    // L = 128 bits for a 16-byte output.
    const Bytes l128 = H("00000080");
    std::copy(l128.begin(), l128.end(), cmac_input.end() - 4);
    auto cmac_want = aes_cmac(key, cmac_input);
    ASSERT_TRUE(cmac_want.ok());
    EXPECT_EQ(hex(mtc::view(*cmac_out)), hex(*cmac_want));
}

// OpenSSL's KBKDF with HMAC-SHA256, the reference for kbkdf_counter's own HMAC path (kdf.cpp).
Bytes openssl_kbkdf_hmac(BytesView key, BytesView label, BytesView context, std::size_t len,
                         KbkdfLayout layout) {
    char mode[] = "counter", mac[] = "HMAC", digest[] = "SHA256";
    int use_l = layout.use_length ? 1 : 0, use_sep = layout.use_separator ? 1 : 0;
    std::vector<OSSL_PARAM> p = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, mode, 0),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MAC, mac, 0),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(key.data()),
                                          key.size()),
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_KBKDF_USE_L, &use_l),
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_KBKDF_USE_SEPARATOR, &use_sep)};
    if (!label.empty())
        p.push_back(OSSL_PARAM_construct_octet_string(
            OSSL_KDF_PARAM_SALT, const_cast<std::uint8_t*>(label.data()), label.size()));
    if (!context.empty())
        p.push_back(OSSL_PARAM_construct_octet_string(
            OSSL_KDF_PARAM_INFO, const_cast<std::uint8_t*>(context.data()), context.size()));
    p.push_back(OSSL_PARAM_construct_end());
    EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "KBKDF", nullptr);
    EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
    Bytes out(len);
    EXPECT_EQ(EVP_KDF_derive(ctx, out.data(), out.size(), p.data()), 1);
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return out;
}

TEST(Kbkdf, HmacSha256EqualsOpenSslsKbkdfForEveryLayoutAndLength) {
    const Bytes label = mtc::to_bytes(std::string_view("ProSe DMKey"));
    const Bytes context = H("0011223344556677889900aabbccddeeff");
    for (const std::size_t key_len : {1, 16, 32, 64, 100}) {
        const Bytes key(key_len, static_cast<std::uint8_t>(key_len));
        for (const std::size_t len : {1, 16, 31, 32, 33, 64, 65, 100}) {
            for (const bool sep : {false, true}) {
                for (const bool l : {false, true}) {
                    const KbkdfLayout layout{.use_separator = sep, .use_length = l};
                    for (const auto& [lab, ctx] : {std::pair{BytesView(label), BytesView(context)},
                                                   std::pair{BytesView(), BytesView(context)},
                                                   std::pair{BytesView(label), BytesView()}}) {
                        auto out = kbkdf_counter(KbkdfPrf::hmac_sha256, key, lab, ctx, len, layout);
                        ASSERT_TRUE(out.ok()) << out.error().describe();
                        EXPECT_EQ(hex(mtc::view(*out)),
                                  hex(openssl_kbkdf_hmac(key, lab, ctx, len, layout)))
                            << "key " << key_len << " out " << len << " sep " << sep << " L " << l
                            << " label " << lab.size() << " context " << ctx.size();
                    }
                }
            }
        }
    }
}

TEST(Kbkdf, RejectsBadArguments) {
    EXPECT_FALSE(kbkdf_counter(KbkdfPrf::hmac_sha256, {}, mtc::view("l"), {}, 32).ok());
    EXPECT_FALSE(kbkdf_counter(KbkdfPrf::hmac_sha256, Bytes(16, 1), {}, {}, 0).ok());
    EXPECT_FALSE(kbkdf_counter(KbkdfPrf::cmac_aes, Bytes(15, 1), {}, {}, 16).ok());
    EXPECT_FALSE(kbkdf_counter(KbkdfPrf::cmac_aes, Bytes(20, 1), {}, {}, 16).ok());
    EXPECT_TRUE(kbkdf_counter(KbkdfPrf::cmac_aes, Bytes(24, 1), {}, {}, 16).ok());
    EXPECT_TRUE(kbkdf_counter(KbkdfPrf::cmac_aes, Bytes(32, 1), {}, {}, 100).ok());
}

// ============================================================================================
// AEAD
// ============================================================================================

const AeadAlg kAllAeads[] = {AeadAlg::aes_128_gcm, AeadAlg::chacha20_poly1305, AeadAlg::aes_128_ccm,
                             AeadAlg::aes_256_gcm};

TEST(Aead, IdsNamesAndLengths) {
    for (AeadAlg alg : kAllAeads) {
        auto back = aead_from_id(static_cast<std::uint8_t>(alg));
        ASSERT_TRUE(back.has_value());
        EXPECT_EQ(*back, alg);
        EXPECT_EQ(aead_nonce_len(alg), 12u);
    }
    EXPECT_FALSE(aead_from_id(0).has_value());
    EXPECT_FALSE(aead_from_id(5).has_value());
    EXPECT_EQ(aead_key_len(AeadAlg::aes_128_gcm), 16u);
    EXPECT_EQ(aead_key_len(AeadAlg::chacha20_poly1305), 32u);
    EXPECT_EQ(aead_key_len(AeadAlg::aes_128_ccm), 16u);
    EXPECT_EQ(aead_key_len(AeadAlg::aes_256_gcm), 32u);
    EXPECT_EQ(aead_name(AeadAlg::chacha20_poly1305), "chacha20-poly1305");
}

void expect_seal_open(AeadAlg alg, const Bytes& key, const Bytes& nonce, const Bytes& aad,
                      const Bytes& pt, const std::string& want_ct, const std::string& want_tag) {
    auto sealed = aead_seal(alg, key, nonce, aad, pt);
    ASSERT_TRUE(sealed.ok()) << sealed.error().describe();
    ASSERT_EQ(sealed->size(), pt.size() + kAeadTagLen);
    EXPECT_EQ(hex(BytesView(*sealed).first(pt.size())), want_ct);
    EXPECT_EQ(hex(BytesView(*sealed).last(kAeadTagLen)), want_tag);
    auto opened = aead_open(alg, key, nonce, aad, *sealed);
    ASSERT_TRUE(opened.ok()) << opened.error().describe();
    EXPECT_EQ(hex(mtc::view(*opened)), hex(pt));
}

TEST(Aead, ChaCha20Poly1305Rfc8439) {
    // RFC 8439 section 2.8.2, "Example and Test Vector for AEAD_CHACHA20_POLY1305".
    const Bytes key = H("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
    const Bytes nonce = H("070000004041424344454647");
    const Bytes aad = H("50515253c0c1c2c3c4c5c6c7");
    const Bytes pt = mtc::to_bytes(std::string_view(
        "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
        "future, sunscreen would be it."));
    expect_seal_open(AeadAlg::chacha20_poly1305, key, nonce, aad, pt,
                     "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
                     "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
                     "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
                     "3ff4def08e4b7a9de576d26586cec64b6116",
                     "1ae10b594f09e26a7e902ecbd0600691");
}

// McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", Appendix B test vectors
// (the GCM submission to NIST, referenced by SP 800-38D).
const char* const kGcmKey = "feffe9928665731c6d6a8f9467308308";
const char* const kGcmIv = "cafebabefacedbaddecaf888";
const char* const kGcmPt64 =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
const char* const kGcmAad = "feedfacedeadbeeffeedfacedeadbeefabaddad2";

TEST(Aead, AesGcmMcGrewViega) {
    const Bytes pt64 = H(kGcmPt64);
    const Bytes pt60(pt64.begin(), pt64.begin() + 60);
    // Test Case 3: AES-128, 64-byte plaintext, no AAD.
    expect_seal_open(AeadAlg::aes_128_gcm, H(kGcmKey), H(kGcmIv), {}, pt64,
                     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
                     "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
                     "4d5c2af327cd64a62cf35abd2ba6fab4");
    // Test Case 4: AES-128, 60-byte plaintext, 20-byte AAD.
    expect_seal_open(AeadAlg::aes_128_gcm, H(kGcmKey), H(kGcmIv), H(kGcmAad), pt60,
                     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
                     "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
                     "5bc94fbc3221a5db94fae95ae7121a47");
    // Test Case 16: AES-256, 60-byte plaintext, 20-byte AAD.
    expect_seal_open(AeadAlg::aes_256_gcm, H(std::string(kGcmKey) + std::string(kGcmKey)),
                     H(kGcmIv), H(kGcmAad), pt60,
                     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
                     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
                     "76fc6ece0f4e1768cddf8853bb2d551b");
}

TEST(Aead, RoundTripsIncludingEmptyParts) {
    for (AeadAlg alg : kAllAeads) {
        const Bytes key(aead_key_len(alg), 0x42);
        const Bytes nonce(12, 0x24);
        for (std::size_t len : {0, 1, 15, 16, 17, 64, 1000}) {
            Bytes pt(len);
            for (std::size_t i = 0; i < len; ++i) pt[i] = static_cast<std::uint8_t>(i * 7);
            for (const Bytes& aad : {Bytes{}, H("00"), Bytes(33, 0x5a)}) {
                auto sealed = aead_seal(alg, key, nonce, aad, pt);
                ASSERT_TRUE(sealed.ok()) << aead_name(alg) << ": " << sealed.error().describe();
                ASSERT_EQ(sealed->size(), len + kAeadTagLen);
                auto opened = aead_open(alg, key, nonce, aad, *sealed);
                ASSERT_TRUE(opened.ok()) << aead_name(alg) << " len " << len << " aad "
                                         << aad.size() << ": " << opened.error().describe();
                EXPECT_EQ(hex(mtc::view(*opened)), hex(pt));
            }
        }
    }
}

TEST(Aead, CcmRoundTripAndTamperDetection) {
    const Bytes key = H("c0c1c2c3c4c5c6c7c8c9cacbcccdcecf");
    const Bytes nonce = H("00000003020100a0a1a2a3a4");
    const Bytes aad = H("0001020304050607");
    const Bytes pt = H("08090a0b0c0d0e0f101112131415161718191a1b1c1d1e");
    auto sealed = aead_seal(AeadAlg::aes_128_ccm, key, nonce, aad, pt);
    ASSERT_TRUE(sealed.ok()) << sealed.error().describe();
    auto opened = aead_open(AeadAlg::aes_128_ccm, key, nonce, aad, *sealed);
    ASSERT_TRUE(opened.ok()) << opened.error().describe();
    EXPECT_EQ(hex(mtc::view(*opened)), hex(pt));
    for (std::size_t i = 0; i < sealed->size(); ++i) {
        Bytes bad = *sealed;
        bad[i] ^= 0x80;
        auto r = aead_open(AeadAlg::aes_128_ccm, key, nonce, aad, bad);
        ASSERT_FALSE(r.ok()) << "byte " << i;
        EXPECT_EQ(r.error().reason, "aead: authentication failed");
    }
    // A different nonce does not authenticate either.
    Bytes nonce2 = nonce;
    nonce2[11] ^= 1;
    EXPECT_FALSE(aead_open(AeadAlg::aes_128_ccm, key, nonce2, aad, *sealed).ok());
}

TEST(Aead, EveryAlgorithmRejectsTampering) {
    for (AeadAlg alg : kAllAeads) {
        SCOPED_TRACE(std::string(aead_name(alg)));
        const Bytes key(aead_key_len(alg), 0x11);
        const Bytes nonce(12, 0x22);
        const Bytes aad = mtc::to_bytes(std::string_view("header"));
        const Bytes pt = mtc::to_bytes(std::string_view("attack at dawn, bring snacks"));
        auto sealed = aead_seal(alg, key, nonce, aad, pt);
        ASSERT_TRUE(sealed.ok());

        Bytes flipped_ct = *sealed;
        flipped_ct[3] ^= 0x01;
        auto r1 = aead_open(alg, key, nonce, aad, flipped_ct);
        ASSERT_FALSE(r1.ok());
        EXPECT_EQ(r1.error().reason, "aead: authentication failed");

        Bytes flipped_tag = *sealed;
        flipped_tag.back() ^= 0x01;
        auto r2 = aead_open(alg, key, nonce, aad, flipped_tag);
        ASSERT_FALSE(r2.ok());
        EXPECT_EQ(r2.error().reason, "aead: authentication failed");

        auto r3 = aead_open(alg, key, nonce, mtc::view("Header"), *sealed);
        ASSERT_FALSE(r3.ok());
        EXPECT_EQ(r3.error().reason, "aead: authentication failed");
        EXPECT_FALSE(aead_open(alg, key, nonce, {}, *sealed).ok());

        Bytes other_key = key;
        other_key[0] ^= 1;
        EXPECT_FALSE(aead_open(alg, other_key, nonce, aad, *sealed).ok());

        // Truncated inputs: shorter than the tag, and exactly a (wrong) tag.
        for (std::size_t n : {0, 1, 15}) {
            const Bytes short_in(sealed->begin(), sealed->begin() + static_cast<std::ptrdiff_t>(n));
            auto r = aead_open(alg, key, nonce, aad, short_in);
            EXPECT_FALSE(r.ok()) << n;
        }
        const Bytes just_tag(sealed->end() - 16, sealed->end());
        EXPECT_FALSE(aead_open(alg, key, nonce, aad, just_tag).ok());
        const Bytes dropped(sealed->begin() + 1, sealed->end());
        EXPECT_FALSE(aead_open(alg, key, nonce, aad, dropped).ok());
    }
}

TEST(Aead, ShortInputIsAnErrorWithoutReadingPastTheBuffer) {
    // Heap buffers of exactly n bytes, so ASan flags any read past the end.
    for (AeadAlg alg : kAllAeads) {
        const Bytes key(aead_key_len(alg), 0x01);
        const Bytes nonce(12, 0x02);
        for (std::size_t n = 0; n < kAeadTagLen; ++n) {
            auto buf = std::make_unique<std::uint8_t[]>(n == 0 ? 1 : n);
            auto r = aead_open(alg, key, nonce, {}, BytesView(buf.get(), n));
            ASSERT_FALSE(r.ok());
        }
    }
}

TEST(Aead, RejectsBadKeyAndNonceLengths) {
    for (AeadAlg alg : kAllAeads) {
        const Bytes key(aead_key_len(alg), 0x01);
        const Bytes pt(8, 0x00);
        EXPECT_FALSE(aead_seal(alg, Bytes(key.size() - 1, 0), Bytes(12, 0), {}, pt).ok());
        EXPECT_FALSE(aead_seal(alg, Bytes(key.size() + 1, 0), Bytes(12, 0), {}, pt).ok());
        EXPECT_FALSE(aead_seal(alg, key, Bytes(11, 0), {}, pt).ok());
        EXPECT_FALSE(aead_seal(alg, key, Bytes(13, 0), {}, pt).ok());
        EXPECT_FALSE(aead_open(alg, key, Bytes(8, 0), {}, Bytes(32, 0)).ok());
    }
    EXPECT_FALSE(aead_seal(static_cast<AeadAlg>(9), Bytes(16, 0), Bytes(12, 0), {}, {}).ok());
}

// ============================================================================================
// RSA-OAEP
// ============================================================================================

class RsaTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto k = RsaKey::generate(2048);
        ASSERT_TRUE(k.ok()) << k.error().describe();
        key_ = new RsaKey(std::move(k).value());
    }
    static void TearDownTestSuite() {
        delete key_;
        key_ = nullptr;
    }
    static RsaKey* key_;
};
RsaKey* RsaTest::key_ = nullptr;

TEST_F(RsaTest, GeneratedKeyProperties) {
    ASSERT_NE(key_, nullptr);
    EXPECT_EQ(key_->bits(), 2048);
    EXPECT_TRUE(key_->has_private());
}

Bytes oaep_seed(std::uint8_t n) {
    return Bytes(mtc::crypto::kOaepSeedLen, n);
}

// Our EME-OAEP encoding (RFC 8017 7.1.1) is decrypted by OpenSSL's OAEP decoder, which checks
// every part of it (leading zero, lHash, the PS run and its 0x01, the masks).
TEST_F(RsaTest, OaepRoundTrip) {
    ASSERT_NE(key_, nullptr);
    for (std::size_t len : {0, 1, 32, 190}) {  // 190 = 256 - 2*32 - 2, the OAEP-SHA256 maximum
        const Bytes pt(len, 0x5c);
        auto ct = key_->oaep_encrypt(pt, oaep_seed(7));
        ASSERT_TRUE(ct.ok()) << len << ": " << ct.error().describe();
        EXPECT_EQ(ct->size(), 256u);
        auto back = key_->oaep_decrypt(*ct);
        ASSERT_TRUE(back.ok()) << back.error().describe();
        EXPECT_EQ(hex(mtc::view(*back)), hex(pt));
    }
    // OAEP is randomised by its seed, which the caller draws from its Rng: another seed gives
    // another ciphertext, the same seed the same one (a seeded run is reproducible).
    auto a = key_->oaep_encrypt(mtc::view("same"), oaep_seed(1));
    auto b = key_->oaep_encrypt(mtc::view("same"), oaep_seed(2));
    auto c = key_->oaep_encrypt(mtc::view("same"), oaep_seed(1));
    ASSERT_TRUE(a.ok() && b.ok() && c.ok());
    EXPECT_NE(*a, *b);
    EXPECT_EQ(*a, *c);
    EXPECT_FALSE(key_->oaep_encrypt(mtc::view("same"), Bytes(31, 1)).ok());
    EXPECT_FALSE(key_->oaep_encrypt(mtc::view("same"), Bytes(33, 1)).ok());
}

TEST_F(RsaTest, OaepRejectsTooLongPlaintextAndGarbage) {
    ASSERT_NE(key_, nullptr);
    EXPECT_FALSE(key_->oaep_encrypt(Bytes(191, 0x01), oaep_seed(7)).ok());
    EXPECT_FALSE(key_->oaep_decrypt(Bytes(256, 0x00)).ok());
    EXPECT_FALSE(key_->oaep_decrypt(Bytes(256, 0x7f)).ok());
    EXPECT_FALSE(key_->oaep_decrypt(Bytes(10, 0x01)).ok());
    EXPECT_FALSE(key_->oaep_decrypt({}).ok());
    auto ct = key_->oaep_encrypt(mtc::view("secret"), oaep_seed(7));
    ASSERT_TRUE(ct.ok());
    Bytes bad = *ct;
    bad[100] ^= 0x01;
    EXPECT_FALSE(key_->oaep_decrypt(bad).ok());
}

TEST_F(RsaTest, PemRoundTrips) {
    ASSERT_NE(key_, nullptr);
    auto priv_pem = key_->private_pem();
    ASSERT_TRUE(priv_pem.ok()) << priv_pem.error().describe();
    EXPECT_NE(priv_pem->find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
    auto pub_pem = key_->public_pem();
    ASSERT_TRUE(pub_pem.ok()) << pub_pem.error().describe();
    EXPECT_NE(pub_pem->find("-----BEGIN PUBLIC KEY-----"), std::string::npos);

    auto priv = RsaKey::from_private_pem(*priv_pem);
    ASSERT_TRUE(priv.ok()) << priv.error().describe();
    EXPECT_TRUE(priv->has_private());
    EXPECT_EQ(priv->bits(), 2048);
    EXPECT_EQ(*priv->public_pem(), *pub_pem);
    EXPECT_EQ(*priv->private_pem(), *priv_pem);

    auto pub = RsaKey::from_public_pem(*pub_pem);
    ASSERT_TRUE(pub.ok()) << pub.error().describe();
    EXPECT_FALSE(pub->has_private());
    EXPECT_EQ(pub->bits(), 2048);
    EXPECT_FALSE(pub->private_pem().ok());

    // Encrypt with the imported public key, decrypt with the imported private key.
    auto ct = pub->oaep_encrypt(mtc::view("hello"), oaep_seed(7));
    ASSERT_TRUE(ct.ok());
    EXPECT_FALSE(pub->oaep_decrypt(*ct).ok());
    auto pt = priv->oaep_decrypt(*ct);
    ASSERT_TRUE(pt.ok()) << pt.error().describe();
    EXPECT_EQ(mtc::to_string(mtc::view(*pt)), "hello");
    auto pt2 = key_->oaep_decrypt(*ct);
    ASSERT_TRUE(pt2.ok());
}

TEST_F(RsaTest, BadPemAndSizesAreErrors) {
    ASSERT_NE(key_, nullptr);
    EXPECT_FALSE(RsaKey::from_private_pem("").ok());
    EXPECT_FALSE(RsaKey::from_private_pem("not a pem").ok());
    EXPECT_FALSE(
        RsaKey::from_public_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
            .ok());
    // A private PEM is not a public PEM and vice versa.
    EXPECT_FALSE(RsaKey::from_public_pem(*key_->private_pem()).ok());
    EXPECT_FALSE(RsaKey::from_private_pem(*key_->public_pem()).ok());
    EXPECT_FALSE(RsaKey::generate(512).ok());
    EXPECT_FALSE(RsaKey::generate(-1).ok());
}

// A seeded key: the same seed gives the same key (what makes seeded SGA provisioning, and so
// its fuzz corpora, reproducible), another seed another key, and the key works both ways.
TEST(RsaSeeded, SameSeedSameKeyOtherSeedOtherKeyAndTheKeyWorks) {
    mtc::SeededRng a(7, "rsa"), b(7, "rsa"), c(8, "rsa");
    auto ka = RsaKey::generate(2048, a);
    auto kb = RsaKey::generate(2048, b);
    auto kc = RsaKey::generate(2048, c);
    ASSERT_TRUE(ka.ok()) << ka.error().describe();
    ASSERT_TRUE(kb.ok() && kc.ok());
    EXPECT_EQ(ka->bits(), 2048);
    EXPECT_TRUE(ka->has_private());
    EXPECT_EQ(*ka->private_pem(), *kb->private_pem());
    EXPECT_NE(*ka->public_pem(), *kc->public_pem());
    auto pub = RsaKey::from_public_pem(*ka->public_pem());
    ASSERT_TRUE(pub.ok());
    const Bytes msg = {1, 2, 3, 4, 5};
    auto ct = pub->oaep_encrypt(msg, Bytes(kOaepSeedLen, 0x42));
    ASSERT_TRUE(ct.ok());
    auto pt = ka->oaep_decrypt(*ct);
    ASSERT_TRUE(pt.ok());
    EXPECT_TRUE(std::equal(pt->begin(), pt->end(), msg.begin(), msg.end()));
    EXPECT_FALSE(RsaKey::generate(1000, a).ok());  // not a multiple of 16
    EXPECT_FALSE(RsaKey::generate(512, a).ok());
}

TEST_F(RsaTest, MovedFromKeyFailsCleanly) {
    ASSERT_NE(key_, nullptr);
    auto k = RsaKey::from_private_pem(*key_->private_pem());
    ASSERT_TRUE(k.ok());
    RsaKey moved(std::move(*k));
    EXPECT_EQ(moved.bits(), 2048);
    // NOLINTBEGIN(bugprone-use-after-move,clang-analyzer-cplusplus.Move): that is the point
    EXPECT_EQ(k->bits(), 0);
    EXPECT_FALSE(k->has_private());
    EXPECT_FALSE(k->public_pem().ok());
    EXPECT_FALSE(k->private_pem().ok());
    EXPECT_FALSE(k->oaep_encrypt(mtc::view("x"), oaep_seed(7)).ok());
    EXPECT_FALSE(k->oaep_decrypt(Bytes(256, 1)).ok());
    // NOLINTEND(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
}

// ============================================================================================
// Discrete-log groups: RFC 5114 parameters as OpenSSL's named FFC groups
// ============================================================================================

struct Rfc5114Group {
    GroupId id;
    const char* p;
    const char* g;
    const char* q;
};

// RFC 5114 section 2.1, "1024-bit MODP Group with 160-bit Prime Order Subgroup".
const Rfc5114Group kRfc5114_2_1 = {
    GroupId::dh_1024_160,
    "B10B8F96A080E01DDE92DE5EAE5D54EC52C99FBCFB06A3C69A6A9DCA52D23B616073E28675A23D189838EF1E2E"
    "E652C013ECB4AEA906112324975C3CD49B83BFACCBDD7D90C4BD7098488E9C219A73724EFFD6FAE5644738FAA3"
    "1A4FF55BCCC0A151AF5F0DC8B4BD45BF37DF365C1A65E68CFDA76D4DA708DF1FB2BC2E4A4371",
    "A4D1CBD5C3FD34126765A442EFB99905F8104DD258AC507FD6406CFF14266D31266FEA1E5C41564B777E690F55"
    "04F213160217B4B01B886A5E91547F9E2749F4D7FBD7D3B9A92EE1909D0D2263F80A76A6A24C087A091F531DBF"
    "0A0169B6A28AD662A4D18E73AFA32D779D5918D08BC8858F4DCEF97C2A24855E6EEB22B3B2E5",
    "F518AA8781A8DF278ABA4E7D64B7CB9D49462353",
};

// RFC 5114 section 2.3, "2048-bit MODP Group with 256-bit Prime Order Subgroup".
const Rfc5114Group kRfc5114_2_3 = {
    GroupId::dh_2048_256,
    "87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00E00DF8F1D61957D4FAF7DF4561"
    "B2AA3016C3D91134096FAA3BF4296D830E9A7C209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C022E0"
    "B1EF4275BF7B6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76B63ACAE1CAA6B7"
    "902D52526735488A0EF13C6D9A51BFA4AB3AD8347796524D8EF6A167B5A41825D967E144E5140564251CCACB83"
    "E6B486F6B3CA3F7971506026C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F26375D7014103A4"
    "B54330C198AF126116D2276E11715F693877FAD7EF09CADB094AE91E1A1597",
    "3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA12510DBC15077BE463FFF4FED4AAC"
    "0BB555BE3A6C1B0C6B47B1BC3773BF7E8C6F62901228F8C28CBB18A55AE31341000A650196F931C77A57F2DDF4"
    "63E5E9EC144B777DE62AAAB8A8628AC376D282D6ED3864E67982428EBC831D14348F6F2F9193B5045AF2767164"
    "E1DFC967C1FB3F2E55A4BD1BFFE83B9C80D052B985D182EA0ADB2A3B7313D3FE14C8484B1E052588B9B7D2BBD2"
    "DF016199ECD06E1557CD0915B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6184B523D1DB246C32F"
    "63078490F00EF8D647D148D47954515E2327CFEF98C582664B4C0F6CC41659",
    "8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3",
};

TEST(DlGroup, NamedGroupsMatchRfc5114) {
    for (const auto& want : {kRfc5114_2_1, kRfc5114_2_3}) {
        SCOPED_TRACE(std::string(group_name(want.id)));
        auto g = DlGroup::named(want.id);
        ASSERT_TRUE(g.ok()) << g.error().describe();
        EXPECT_EQ(g->id(), want.id);
        EXPECT_EQ(g->p().to_hex(), lower(want.p));
        EXPECT_EQ(g->g().to_hex(), lower(want.g));
        EXPECT_EQ(g->q().to_hex(), lower(want.q));
        auto p = BigNum::from_hex(want.p);
        ASSERT_TRUE(p.ok());
        EXPECT_EQ(g->p(), *p);
    }
    auto small = DlGroup::named(GroupId::dh_1024_160);
    ASSERT_TRUE(small.ok());
    EXPECT_EQ(small->element_bytes(), 128u);
    EXPECT_EQ(small->scalar_bytes(), 20u);
    EXPECT_EQ(small->p().num_bits(), 1024);
    EXPECT_EQ(small->q().num_bits(), 160);
    auto big = DlGroup::named(GroupId::dh_2048_256);
    ASSERT_TRUE(big.ok());
    EXPECT_EQ(big->element_bytes(), 256u);
    EXPECT_EQ(big->scalar_bytes(), 32u);
}

TEST(DlGroup, GroupNames) {
    EXPECT_EQ(group_name(GroupId::dh_2048_256), "dh_2048_256");
    EXPECT_EQ(group_name(GroupId::dh_1024_160), "dh_1024_160");
    EXPECT_EQ(group_from_name("dh_1024_160"), GroupId::dh_1024_160);
    EXPECT_EQ(group_from_name("dh_2048_256"), GroupId::dh_2048_256);
    EXPECT_FALSE(group_from_name("ffdhe2048").has_value());
}

class DlGroupTest : public ::testing::TestWithParam<GroupId> {
protected:
    void SetUp() override {
        auto g = DlGroup::named(GetParam());
        ASSERT_TRUE(g.ok()) << g.error().describe();
        group_ = std::make_unique<DlGroup>(std::move(g).value());
    }
    const DlGroup& G() const { return *group_; }
    std::unique_ptr<DlGroup> group_;
};

TEST_P(DlGroupTest, GeneratorHasOrderQ) {
    EXPECT_TRUE(G().exp_g(G().q()).is_one());
    EXPECT_TRUE(G().exp(G().g(), G().q()).is_one());
    EXPECT_FALSE(G().exp_g(BigNum(1)).is_one());
    EXPECT_TRUE(G().exp_g(BigNum()).is_one());
    EXPECT_TRUE(G().check_element(G().g()).ok());
}

TEST_P(DlGroupTest, CheckElementRejects) {
    const BigNum& p = G().p();
    Bytes pb = p.to_bytes();
    pb.back() = static_cast<std::uint8_t>(pb.back() - 1);  // p is odd: p-1 only touches the LSB
    const BigNum p_minus_1 = BigNum::from_bytes(pb);
    ASSERT_EQ(p_minus_1.compare(p), -1);

    const std::string range = "element out of range (must satisfy 1 < y < p-1)";
    for (const BigNum& y : {BigNum(0), BigNum(1), p_minus_1, p, G().mul(p, BigNum(1))}) {
        auto st = G().check_element(y);
        ASSERT_FALSE(st.ok()) << y.to_hex();
        EXPECT_EQ(st.error().reason, range) << y.to_hex();
    }
    // p-1 is the element of order 2: also outside the subgroup, caught by the range check.
    EXPECT_TRUE(G().exp(p_minus_1, BigNum(2)).is_one());
    // p+1 (> p) is out of range too.
    Bytes p1 = pb;
    p1.back() = static_cast<std::uint8_t>(p1.back() + 2);
    EXPECT_FALSE(G().check_element(BigNum::from_bytes(p1)).ok());

    // A small element outside the order-q subgroup: the first y >= 2 with y^q != 1.
    BigNum outside;
    for (unsigned long y = 2; y < 100; ++y) {
        if (!G().exp(BigNum(y), G().q()).is_one()) {
            outside = BigNum(y);
            break;
        }
    }
    ASSERT_FALSE(outside.is_zero()) << "no non-subgroup element below 100";
    auto st = G().check_element(outside);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().reason, "element not in the order-q subgroup");
    // ... and its product with a subgroup element is still outside.
    auto st2 = G().check_element(G().mul(outside, G().g()));
    ASSERT_FALSE(st2.ok());
    EXPECT_EQ(st2.error().reason, "element not in the order-q subgroup");
}

TEST_P(DlGroupTest, CheckScalar) {
    const std::string reason = "scalar out of range (must satisfy 0 < s < q)";
    Bytes qb = G().q().to_bytes();
    qb.back() = static_cast<std::uint8_t>(qb.back() + 1);  // q is odd: q+1 only touches the LSB
    const BigNum q_plus_1 = BigNum::from_bytes(qb);
    for (const BigNum& s : {BigNum(0), G().q(), q_plus_1, G().p()}) {
        auto st = G().check_scalar(s);
        ASSERT_FALSE(st.ok()) << s.to_hex();
        EXPECT_EQ(st.error().reason, reason);
    }
    EXPECT_TRUE(G().check_scalar(BigNum(1)).ok());
    const BigNum q_minus_1 = G().sub_q(BigNum(0), BigNum(1));
    EXPECT_TRUE(G().check_scalar(q_minus_1).ok());
    EXPECT_EQ(G().add_q(q_minus_1, BigNum(1)), BigNum(0));
}

TEST_P(DlGroupTest, ModQArithmetic) {
    mtc::SeededRng rng(7, "dl-arith");
    for (int i = 0; i < 5; ++i) {
        const BigNum a = G().random_scalar(rng);
        auto inv = G().inv_q(a);
        ASSERT_TRUE(inv.ok()) << inv.error().describe();
        EXPECT_TRUE(G().mul_q(*inv, a).is_one());
        const BigNum b = G().random_scalar(rng);
        EXPECT_EQ(G().sub_q(G().add_q(a, b), b), a);
        EXPECT_EQ(G().mod_q(G().mul_q(a, b)), G().mul_q(b, a));
        // g^(a+b) == g^a * g^b and (g^a)^b == (g^b)^a (Diffie-Hellman).
        EXPECT_EQ(G().exp_g(G().add_q(a, b)), G().mul(G().exp_g(a), G().exp_g(b)));
        EXPECT_EQ(G().exp(G().exp_g(a), b), G().exp(G().exp_g(b), a));
        EXPECT_TRUE(G().check_element(G().exp_g(a)).ok());
    }
    EXPECT_FALSE(G().inv_q(BigNum(0)).ok());
    EXPECT_FALSE(G().inv_q(G().q()).ok());
    // mod_q of q+5 is 5.
    const BigNum q5 = G().add_q(G().q(), BigNum(5));
    EXPECT_EQ(q5, BigNum(5));
}

TEST_P(DlGroupTest, RandomScalarIsReproducibleAndInRange) {
    mtc::SeededRng a(42, "dl-test"), b(42, "dl-test"), c(43, "dl-test");
    for (int i = 0; i < 20; ++i) {
        const BigNum x = G().random_scalar(a);
        const BigNum y = G().random_scalar(b);
        EXPECT_EQ(x, y);
        EXPECT_TRUE(G().check_scalar(x).ok());
        EXPECT_NE(x, G().random_scalar(c));
    }
}

// A deliberately degenerate generator: every byte is 0xff, so plain rejection sampling of
// q's bit length would never produce a value below q.
class AllOnesRng final : public mtc::Rng {
public:
    void fill(std::span<std::uint8_t> out) override { std::fill(out.begin(), out.end(), 0xff); }
};

TEST_P(DlGroupTest, RandomScalarTerminatesWithDegenerateRng) {
    AllOnesRng rng;
    const BigNum x = G().random_scalar(rng);
    EXPECT_TRUE(G().check_scalar(x).ok());
}

INSTANTIATE_TEST_SUITE_P(Groups, DlGroupTest,
                         ::testing::Values(GroupId::dh_1024_160, GroupId::dh_2048_256),
                         [](const auto& info) { return std::string(group_name(info.param)); });

TEST(BigNum, Conversions) {
    auto x = BigNum::from_hex("0102ff");
    ASSERT_TRUE(x.ok());
    EXPECT_EQ(hex(x->to_bytes()), "0102ff");
    EXPECT_EQ(hex(x->to_bytes_padded(5)), "00000102ff");
    EXPECT_EQ(x->to_hex(), "0102ff");
    EXPECT_EQ(x->num_bits(), 17);
    EXPECT_EQ(BigNum::from_bytes(H("0000abcd")), BigNum(0xabcd));
    EXPECT_TRUE(BigNum().is_zero());
    EXPECT_TRUE(BigNum(1).is_one());
    EXPECT_TRUE(BigNum().to_bytes().empty());
    EXPECT_EQ(hex(BigNum().to_bytes_padded(2)), "0000");
    EXPECT_LT(BigNum(3).compare(BigNum(4)), 0);
    EXPECT_GT(BigNum(5).compare(BigNum(4)), 0);
    EXPECT_FALSE(BigNum::from_hex("").ok());
    EXPECT_FALSE(BigNum::from_hex("-1").ok());
    EXPECT_FALSE(BigNum::from_hex("12 34").ok());
    EXPECT_FALSE(BigNum::from_hex("0x12").ok());
    EXPECT_FALSE(BigNum::from_hex("zz").ok());
}

TEST(BigNum, CopyMoveSemantics) {
    BigNum a(1234);
    BigNum b = a;
    EXPECT_EQ(a, b);
    b = BigNum(99);
    EXPECT_EQ(a, BigNum(1234));
    BigNum c(std::move(a));
    EXPECT_EQ(c, BigNum(1234));
    // NOLINTNEXTLINE(bugprone-use-after-move,clang-analyzer-cplusplus.Move): reads as zero
    EXPECT_TRUE(a.is_zero());
    a = c;
    EXPECT_EQ(a, BigNum(1234));
    BigNum d;
    d = std::move(c);
    EXPECT_EQ(d, BigNum(1234));
    const BigNum& alias = d;
    d = alias;  // self-assignment
    EXPECT_EQ(d, BigNum(1234));
}

}  // namespace
