#include "protocols/core/crypto/hash.hpp"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "protocols/core/crypto/hmac_state.hpp"

namespace mtc::crypto {

namespace {

struct MdCtxFree {
    void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct MacCtxFree {
    void operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, MacCtxFree>;

// SHA-256 returns a plain digest: it can fail only on allocation failure or a broken OpenSSL
// install, and continuing with a wrong digest would be worse than stopping.
[[noreturn]] void fatal(const char* what) {
    std::fprintf(stderr, "mtc::crypto: %s failed (OpenSSL)\n", what);
    std::abort();
}

// Algorithms are fetched once per process and never freed (they stay reachable from these
// statics); fetching is the expensive part of a one-shot MAC.
const EVP_MD* sha256_md() {
    static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (md == nullptr) fatal("EVP_MD_fetch(SHA256)");
    return md;
}

EVP_MAC* cmac_alg() {
    static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "CMAC", nullptr);
    return mac;  // may be NULL (no CMAC provider): reported as an Error by aes_cmac
}

}  // namespace

Digest sha256(BytesView data) {
    return sha256({data});
}

Digest sha256(std::initializer_list<BytesView> parts) {
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestInit_ex2(ctx.get(), sha256_md(), nullptr) != 1) fatal("SHA-256 init");
    for (BytesView part : parts) {
        if (part.empty()) continue;
        if (EVP_DigestUpdate(ctx.get(), part.data(), part.size()) != 1) fatal("SHA-256 update");
    }
    Digest out{};
    unsigned int out_len = 0;
    if (EVP_DigestFinal_ex(ctx.get(), out.data(), &out_len) != 1 || out_len != out.size()) {
        fatal("SHA-256 final");
    }
    return out;
}

Digest hmac_sha256(BytesView key, BytesView data) {
    // On OpenSSL's SHA-256 without an EVP_MAC context: no allocation (hmac_state.hpp).
    return HmacSha256State(key).mac(data);
}

Result<std::array<std::uint8_t, 16>> aes_cmac(BytesView key, BytesView data) {
    char aes128[] = "AES-128-CBC";
    char aes256[] = "AES-256-CBC";
    char* cipher = nullptr;
    if (key.size() == 16) {
        cipher = aes128;
    } else if (key.size() == 32) {
        cipher = aes256;
    } else {
        return make_error("aes_cmac: key must be 16 or 32 bytes, got " +
                          std::to_string(key.size()));
    }
    EVP_MAC* alg = cmac_alg();
    if (alg == nullptr) return make_error("aes_cmac: CMAC unavailable in OpenSSL");
    MacCtxPtr ctx(EVP_MAC_CTX_new(alg));
    if (!ctx) return make_error("aes_cmac: out of memory");
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1) {
        return make_error("aes_cmac: init failed");
    }
    if (!data.empty() && EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1) {
        return make_error("aes_cmac: update failed");
    }
    std::array<std::uint8_t, 16> out{};
    std::size_t out_len = 0;
    if (EVP_MAC_final(ctx.get(), out.data(), &out_len, out.size()) != 1 || out_len != out.size()) {
        return make_error("aes_cmac: final failed");
    }
    return out;
}

}  // namespace mtc::crypto
