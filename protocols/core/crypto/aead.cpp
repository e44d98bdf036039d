#include "protocols/core/crypto/aead.hpp"

#include <algorithm>
#include <array>
#include <climits>
#include <memory>
#include <string>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

namespace mtc::crypto {

namespace {

struct CipherCtxFree {
    void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
};
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

constexpr std::size_t kNonceLen = 12;
// CCM with a 12-byte nonce leaves a 3-byte length field: messages up to 2^24 - 1 bytes.
constexpr std::size_t kCcmMaxLen = (std::size_t{1} << 24) - 1;

bool is_ccm(AeadAlg alg) {
    return alg == AeadAlg::aes_128_ccm;
}

const char* openssl_name(AeadAlg alg) {
    switch (alg) {
        case AeadAlg::aes_128_gcm:
            return "AES-128-GCM";
        case AeadAlg::chacha20_poly1305:
            return "ChaCha20-Poly1305";
        case AeadAlg::aes_128_ccm:
            return "AES-128-CCM";
        case AeadAlg::aes_256_gcm:
            return "AES-256-GCM";
    }
    return nullptr;
}

// Each cipher is fetched once per process and never freed (reachable from this static).
const EVP_CIPHER* cipher_for(AeadAlg alg) {
    static const std::array<EVP_CIPHER*, 4> ciphers = [] {
        std::array<EVP_CIPHER*, 4> c{};
        for (std::uint8_t id = 1; id <= 4; ++id) {
            c[id - 1] = EVP_CIPHER_fetch(nullptr, openssl_name(static_cast<AeadAlg>(id)), nullptr);
        }
        return c;
    }();
    const auto idx = static_cast<std::size_t>(alg);
    if (idx < 1 || idx > ciphers.size()) return nullptr;
    return ciphers[idx - 1];
}

// OpenSSL treats a NULL input as "no data" (or, for CCM, as the length-setting call), so empty
// buffers must still be passed as a valid non-NULL pointer.
const unsigned char* nonnull(const std::uint8_t* p) {
    static const unsigned char kEmpty = 0;
    return p != nullptr ? p : &kEmpty;
}
unsigned char* nonnull_out(std::uint8_t* p, unsigned char& scratch) {
    return p != nullptr ? p : &scratch;
}

Status check_inputs(AeadAlg alg, BytesView key, BytesView nonce, BytesView aad,
                    std::size_t data_len) {
    if (openssl_name(alg) == nullptr) return make_error("aead: unknown algorithm");
    if (key.size() != aead_key_len(alg)) {
        return make_error("aead: " + std::string(aead_name(alg)) + " needs a " +
                          std::to_string(aead_key_len(alg)) + "-byte key, got " +
                          std::to_string(key.size()));
    }
    if (nonce.size() != kNonceLen) {
        return make_error("aead: nonce must be 12 bytes, got " + std::to_string(nonce.size()));
    }
    if (aad.size() > INT_MAX || data_len > INT_MAX) return make_error("aead: input too large");
    if (is_ccm(alg) && data_len > kCcmMaxLen) {
        return make_error("aead: AES-CCM message too long for a 12-byte nonce");
    }
    return Ok{};
}

// Creates a context for `alg` in the given direction with the 12-byte nonce, the 16-byte tag
// length (CCM) and the key and nonce installed.
Result<CipherCtxPtr> start(AeadAlg alg, bool encrypt, BytesView key, BytesView nonce) {
    const EVP_CIPHER* cipher = cipher_for(alg);
    if (cipher == nullptr) return make_error("aead: cipher unavailable in OpenSSL");
    CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    if (!ctx) return make_error("aead: out of memory");
    const int enc = encrypt ? 1 : 0;
    if (EVP_CipherInit_ex2(ctx.get(), cipher, nullptr, nullptr, enc, nullptr) != 1) {
        return make_error("aead: cipher init failed");
    }
    // The nonce length (and CCM's tag length) must be set before the nonce itself.
    std::size_t ivlen = kNonceLen;
    OSSL_PARAM params[3];
    std::size_t n = 0;
    params[n++] = OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &ivlen);
    if (is_ccm(alg)) {
        // NULL data with a size sets CCM's tag length (M).
        params[n++] =
            OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, nullptr, kAeadTagLen);
    }
    params[n] = OSSL_PARAM_construct_end();
    if (EVP_CIPHER_CTX_set_params(ctx.get(), params) != 1) {
        return make_error("aead: setting nonce/tag length failed");
    }
    if (EVP_CipherInit_ex2(ctx.get(), nullptr, key.data(), nonce.data(), enc, nullptr) != 1) {
        return make_error("aead: key/nonce setup failed");
    }
    return ctx;
}

// CCM needs the total message length before any AAD.
bool ccm_set_length(EVP_CIPHER_CTX* ctx, std::size_t len) {
    int outl = 0;
    return EVP_CipherUpdate(ctx, nullptr, &outl, nullptr, static_cast<int>(len)) == 1;
}

bool feed_aad(EVP_CIPHER_CTX* ctx, BytesView aad) {
    if (aad.empty()) return true;  // a NULL-output update with no data would mean something else
    int outl = 0;
    return EVP_CipherUpdate(ctx, nullptr, &outl, aad.data(), static_cast<int>(aad.size())) == 1;
}

}  // namespace

std::optional<AeadAlg> aead_from_id(std::uint8_t id) {
    if (id >= 1 && id <= 4) return static_cast<AeadAlg>(id);
    return std::nullopt;
}

std::string_view aead_name(AeadAlg alg) {
    switch (alg) {
        case AeadAlg::aes_128_gcm:
            return "aes-128-gcm";
        case AeadAlg::chacha20_poly1305:
            return "chacha20-poly1305";
        case AeadAlg::aes_128_ccm:
            return "aes-128-ccm";
        case AeadAlg::aes_256_gcm:
            return "aes-256-gcm";
    }
    return "unknown";
}

std::size_t aead_key_len(AeadAlg alg) {
    switch (alg) {
        case AeadAlg::aes_128_gcm:
            return 16;
        case AeadAlg::chacha20_poly1305:
            return 32;
        case AeadAlg::aes_128_ccm:
            return 16;
        case AeadAlg::aes_256_gcm:
            return 32;
    }
    return 0;
}

std::size_t aead_nonce_len(AeadAlg /*alg*/) {
    return kNonceLen;
}

Result<Bytes> aead_seal(AeadAlg alg, BytesView key, BytesView nonce, BytesView aad,
                        BytesView plaintext) {
    if (auto st = check_inputs(alg, key, nonce, aad, plaintext.size()); !st) return st.error();
    auto started = start(alg, /*encrypt=*/true, key, nonce);
    if (!started) return started.error();
    EVP_CIPHER_CTX* ctx = started->get();

    if (is_ccm(alg) && !ccm_set_length(ctx, plaintext.size())) {
        return make_error("aead: setting the CCM message length failed");
    }
    if (!feed_aad(ctx, aad)) return make_error("aead: AAD update failed");

    Bytes out(plaintext.size() + kAeadTagLen);
    unsigned char scratch = 0;
    int outl = 0;
    // GCM and ChaCha20-Poly1305 skip empty updates; CCM must see one (it computes the tag there).
    if (!plaintext.empty() || is_ccm(alg)) {
        if (EVP_CipherUpdate(ctx, nonnull_out(out.data(), scratch), &outl,
                             nonnull(plaintext.data()), static_cast<int>(plaintext.size())) != 1 ||
            static_cast<std::size_t>(outl) != plaintext.size()) {
            return make_error("aead: encryption failed");
        }
    }
    int finl = 0;
    if (EVP_CipherFinal_ex(ctx, out.data() + plaintext.size(), &finl) != 1 || finl != 0) {
        return make_error("aead: encryption final failed");
    }
    OSSL_PARAM get[] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, out.data() + plaintext.size(),
                                          kAeadTagLen),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_CIPHER_CTX_get_params(ctx, get) != 1) return make_error("aead: reading the tag failed");
    return out;
}

Result<SecretBytes> aead_open(AeadAlg alg, BytesView key, BytesView nonce, BytesView aad,
                              BytesView ciphertext_and_tag) {
    if (ciphertext_and_tag.size() < kAeadTagLen) {
        return make_error("aead: input shorter than the 16-byte tag");
    }
    const std::size_t ct_len = ciphertext_and_tag.size() - kAeadTagLen;
    const BytesView ct = ciphertext_and_tag.first(ct_len);
    std::array<std::uint8_t, kAeadTagLen> tag{};
    std::copy(ciphertext_and_tag.begin() + static_cast<std::ptrdiff_t>(ct_len),
              ciphertext_and_tag.end(), tag.begin());

    if (auto st = check_inputs(alg, key, nonce, aad, ct_len); !st) return st.error();
    auto started = start(alg, /*encrypt=*/false, key, nonce);
    if (!started) return started.error();
    EVP_CIPHER_CTX* ctx = started->get();

    // The expected tag goes in before any data (CCM verifies inside the update call).
    OSSL_PARAM set[] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag.data(), tag.size()),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_CIPHER_CTX_set_params(ctx, set) != 1) return make_error("aead: setting the tag failed");

    if (is_ccm(alg) && !ccm_set_length(ctx, ct_len)) {
        return make_error("aead: setting the CCM message length failed");
    }
    if (!feed_aad(ctx, aad)) return make_error("aead: AAD update failed");

    SecretBytes out(ct_len);
    unsigned char scratch = 0;
    int outl = 0;
    if (!ct.empty() || is_ccm(alg)) {
        if (EVP_CipherUpdate(ctx, nonnull_out(out.data(), scratch), &outl, nonnull(ct.data()),
                             static_cast<int>(ct_len)) != 1) {
            // CCM checks the tag here (and wipes the output on failure).
            return make_error("aead: authentication failed");
        }
        if (static_cast<std::size_t>(outl) != ct_len) return make_error("aead: decryption failed");
    }
    int finl = 0;
    unsigned char fin_scratch[16];
    if (EVP_CipherFinal_ex(ctx, fin_scratch, &finl) != 1 || finl != 0) {
        return make_error("aead: authentication failed");
    }
    return out;
}

}  // namespace mtc::crypto
