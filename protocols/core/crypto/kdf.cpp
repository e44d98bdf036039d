#include "protocols/core/crypto/kdf.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <vector>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "protocols/core/crypto/hmac_state.hpp"

namespace mtc::crypto {

namespace {

struct KdfCtxFree {
    void operator()(EVP_KDF_CTX* p) const { EVP_KDF_CTX_free(p); }
};
using KdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, KdfCtxFree>;

// Fetched once per process and never freed (reachable from this static).
EVP_KDF* kbkdf_alg() {
    static EVP_KDF* kdf = EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_KBKDF, nullptr);
    return kdf;
}

// The counter and [L] are 32-bit: L (in bits) must fit.
constexpr std::size_t kMaxOutLen = 0xFFFFFFFFu / 8;

std::array<std::uint8_t, 4> be32(std::uint32_t v) {
    return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
            static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

// The HMAC-SHA256 PRF on HmacSha256State (OpenSSL's SHA-256, the key's pad blocks hashed
// once), the fixed input passed as parts: no KDF, MAC or digest context to allocate per call,
// which was a fifth of a ProSe handshake's allocations. The same construction and bytes as
// OpenSSL's KBKDF (tests/unit/crypto_test.cpp compares the two and checks NIST's vectors).
SecretBytes kbkdf_hmac_sha256(BytesView key, BytesView label, BytesView context,
                              std::size_t out_len, KbkdfLayout layout) {
    const HmacSha256State prf(key);
    const auto l = be32(static_cast<std::uint32_t>(out_len * 8));
    const std::uint8_t separator = 0x00;
    SecretBytes out(out_len);
    Digest block{};
    std::size_t done = 0;
    for (std::uint32_t i = 1; done < out_len; ++i) {
        const auto counter = be32(i);
        const BytesView parts[] = {
            BytesView(counter),
            label,
            layout.use_separator ? BytesView(&separator, 1) : BytesView(),
            context,
            layout.use_length ? BytesView(l) : BytesView(),
        };
        prf.mac(std::span<const BytesView>(parts), block);
        const std::size_t n = std::min(block.size(), out_len - done);
        std::copy_n(block.begin(), n, out.begin() + static_cast<std::ptrdiff_t>(done));
        done += n;
    }
    secure_wipe(block.data(), block.size());
    return out;
}

}  // namespace

Result<SecretBytes> kbkdf_counter(KbkdfPrf prf, BytesView key, BytesView label, BytesView context,
                                  std::size_t out_len) {
    return kbkdf_counter(prf, key, label, context, out_len, KbkdfLayout{});
}

Result<SecretBytes> kbkdf_counter(KbkdfPrf prf, BytesView key, BytesView label, BytesView context,
                                  std::size_t out_len, KbkdfLayout layout) {
    if (key.empty()) return make_error("kbkdf: empty key");
    if (out_len == 0) return make_error("kbkdf: output length must be > 0");
    if (out_len > kMaxOutLen) return make_error("kbkdf: output length too large");

    switch (prf) {
        case KbkdfPrf::hmac_sha256:
            return kbkdf_hmac_sha256(key, label, context, out_len, layout);
        case KbkdfPrf::cmac_aes:
            break;
        default:
            return make_error("kbkdf: unknown PRF");
    }

    // CMAC: OpenSSL's KBKDF.
    char mode[] = "counter";
    char cmac[] = "CMAC";
    char aes128[] = "AES-128-CBC";
    char aes192[] = "AES-192-CBC";
    char aes256[] = "AES-256-CBC";
    char* cipher = nullptr;
    switch (key.size()) {
        case 16:
            cipher = aes128;
            break;
        case 24:
            cipher = aes192;
            break;
        case 32:
            cipher = aes256;
            break;
        default:
            return make_error("kbkdf: CMAC key must be 16, 24 or 32 bytes, got " +
                              std::to_string(key.size()));
    }
    int use_l = layout.use_length ? 1 : 0;
    int use_sep = layout.use_separator ? 1 : 0;

    std::vector<OSSL_PARAM> params;
    params.push_back(OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, mode, 0));
    params.push_back(OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MAC, cmac, 0));
    params.push_back(OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_CIPHER, cipher, 0));
    // OSSL_PARAM wants non-const pointers; OpenSSL only reads (copies) these buffers.
    params.push_back(OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(key.data()), key.size()));
    if (!label.empty()) {
        params.push_back(OSSL_PARAM_construct_octet_string(
            OSSL_KDF_PARAM_SALT, const_cast<std::uint8_t*>(label.data()), label.size()));
    }
    if (!context.empty()) {
        params.push_back(OSSL_PARAM_construct_octet_string(
            OSSL_KDF_PARAM_INFO, const_cast<std::uint8_t*>(context.data()), context.size()));
    }
    params.push_back(OSSL_PARAM_construct_int(OSSL_KDF_PARAM_KBKDF_USE_L, &use_l));
    params.push_back(OSSL_PARAM_construct_int(OSSL_KDF_PARAM_KBKDF_USE_SEPARATOR, &use_sep));
    params.push_back(OSSL_PARAM_construct_end());

    EVP_KDF* alg = kbkdf_alg();
    if (alg == nullptr) return make_error("kbkdf: KBKDF unavailable in OpenSSL");
    KdfCtxPtr ctx(EVP_KDF_CTX_new(alg));
    if (!ctx) return make_error("kbkdf: out of memory");

    SecretBytes out(out_len);
    if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params.data()) != 1) {
        return make_error("kbkdf: derivation failed");
    }
    return out;
}

}  // namespace mtc::crypto
