#include "protocols/core/crypto/rsa.hpp"

#include <algorithm>
#include <climits>
#include <string>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>

#include "protocols/core/crypto/hash.hpp"
#include "protocols/core/crypto/ossl_ptr.hpp"

namespace mtc::crypto {

namespace {

using PkeyPtr = OsslPtr<EVP_PKEY, EVP_PKEY_free>;
using PkeyCtxPtr = OsslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using BioPtr = OsslPtr<BIO, BIO_free>;

constexpr int kMinBits = 1024;
constexpr int kMaxBits = 16384;

// An Error carrying OpenSSL's reason for the most recent failure; clears the thread's queue.
Error fail(std::string what) {
    const unsigned long e = ERR_peek_last_error();
    if (e != 0) {
        const char* reason = ERR_reason_error_string(e);
        if (reason != nullptr) what += std::string(" (") + reason + ")";
    }
    ERR_clear_error();
    return make_error(std::move(what));
}

// Never prompt on a terminal for an encrypted PEM: refuse it.
int no_password(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) {
    return -1;
}

Result<BioPtr> read_bio(std::string_view pem) {
    if (pem.size() > static_cast<std::size_t>(INT_MAX)) return make_error("rsa: PEM too large");
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) return fail("rsa: out of memory");
    return bio;
}

Result<std::string> drain(BIO* bio) {
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    if (len < 0 || (len > 0 && data == nullptr)) return fail("rsa: reading PEM output failed");
    return std::string(data, static_cast<std::size_t>(len));
}

// OAEP with SHA-256 for both the label hash and MGF1 (the label is empty). Built per call:
// OSSL_PARAM arrays are not shared between threads.
struct OaepParams {
    char pad[sizeof(OSSL_PKEY_RSA_PAD_MODE_OAEP)] = OSSL_PKEY_RSA_PAD_MODE_OAEP;
    char md[sizeof("SHA256")] = "SHA256";
    OSSL_PARAM params[4];

    OaepParams()
        : params{
              OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_PAD_MODE, pad, 0),
              OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_OAEP_DIGEST, md, 0),
              OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_MGF1_DIGEST, md, 0),
              OSSL_PARAM_construct_end(),
          } {}
    OaepParams(const OaepParams&) = delete;
    OaepParams& operator=(const OaepParams&) = delete;
};

}  // namespace

struct RsaKey::Impl {
    PkeyPtr pkey;
    bool has_private = false;
};

RsaKey::RsaKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RsaKey::RsaKey(RsaKey&&) noexcept = default;
RsaKey& RsaKey::operator=(RsaKey&&) noexcept = default;
RsaKey::~RsaKey() = default;

Result<RsaKey> RsaKey::generate(int bits) {
    if (bits < kMinBits || bits > kMaxBits) {
        return make_error("rsa: key size must be in [1024, 16384] bits, got " +
                          std::to_string(bits));
    }
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
    if (!ctx) return fail("rsa: no RSA implementation");
    if (EVP_PKEY_keygen_init(ctx.get()) != 1) return fail("rsa: keygen init failed");
    auto ubits = static_cast<unsigned int>(bits);
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_uint(OSSL_PKEY_PARAM_RSA_BITS, &ubits),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_PKEY_CTX_set_params(ctx.get(), params) != 1) return fail("rsa: setting bits failed");
    EVP_PKEY* raw = nullptr;
    if (EVP_PKEY_generate(ctx.get(), &raw) != 1) {
        EVP_PKEY_free(raw);
        return fail("rsa: key generation failed");
    }
    auto impl = std::make_unique<Impl>();
    impl->pkey.reset(raw);
    impl->has_private = true;
    return RsaKey(std::move(impl));
}

Result<RsaKey> RsaKey::from_private_pem(std::string_view pem) {
    auto bio = read_bio(pem);
    if (!bio) return bio.error();
    PkeyPtr pkey(PEM_read_bio_PrivateKey(bio->get(), nullptr, no_password, nullptr));
    if (!pkey) return fail("rsa: not a (unencrypted) PEM private key");
    if (EVP_PKEY_is_a(pkey.get(), "RSA") != 1) return fail("rsa: PEM key is not an RSA key");
    auto impl = std::make_unique<Impl>();
    impl->pkey = std::move(pkey);
    impl->has_private = true;
    return RsaKey(std::move(impl));
}

Result<RsaKey> RsaKey::from_public_pem(std::string_view pem) {
    auto bio = read_bio(pem);
    if (!bio) return bio.error();
    PkeyPtr pkey(PEM_read_bio_PUBKEY(bio->get(), nullptr, no_password, nullptr));
    if (!pkey) return fail("rsa: not a PEM public key (SubjectPublicKeyInfo)");
    if (EVP_PKEY_is_a(pkey.get(), "RSA") != 1) return fail("rsa: PEM key is not an RSA key");
    auto impl = std::make_unique<Impl>();
    impl->pkey = std::move(pkey);
    impl->has_private = false;
    return RsaKey(std::move(impl));
}

bool RsaKey::has_private() const {
    return impl_ && impl_->has_private;
}

int RsaKey::bits() const {
    return impl_ ? EVP_PKEY_get_bits(impl_->pkey.get()) : 0;
}

Result<std::string> RsaKey::private_pem() const {
    if (!has_private()) return make_error("rsa: no private key");
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio) return fail("rsa: out of memory");
    // PKCS#8, unencrypted ("BEGIN PRIVATE KEY").
    if (PEM_write_bio_PrivateKey(bio.get(), impl_->pkey.get(), nullptr, nullptr, 0, nullptr,
                                 nullptr) != 1) {
        return fail("rsa: writing private PEM failed");
    }
    return drain(bio.get());
}

Result<std::string> RsaKey::public_pem() const {
    if (!impl_) return make_error("rsa: empty key");
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio) return fail("rsa: out of memory");
    if (PEM_write_bio_PUBKEY(bio.get(), impl_->pkey.get()) != 1) {
        return fail("rsa: writing public PEM failed");
    }
    return drain(bio.get());
}

Result<Bytes> RsaKey::oaep_encrypt(BytesView plaintext, BytesView seed) const {
    if (!impl_) return make_error("rsa: empty key");
    if (seed.size() != kOaepSeedLen)
        return make_error("rsa: the OAEP seed must be " + std::to_string(kOaepSeedLen) + " bytes");
    // EME-OAEP encoding, RFC 8017 7.1.1 step 2, with SHA-256, MGF1-SHA-256 and an empty label.
    const std::size_t k = static_cast<std::size_t>(bits() + 7) / 8;
    const std::size_t h = kOaepSeedLen;
    if (k < 2 * h + 2 || plaintext.size() > k - 2 * h - 2)
        return make_error("rsa: OAEP encrypt failed (plaintext too long?)");
    Bytes db(k - h - 1, 0);  // lHash || PS || 0x01 || M
    const Digest l_hash = sha256(BytesView{});
    std::copy(l_hash.begin(), l_hash.end(), db.begin());
    db[db.size() - plaintext.size() - 1] = 0x01;
    std::copy(plaintext.begin(), plaintext.end(),
              db.end() - static_cast<std::ptrdiff_t>(plaintext.size()));
    const auto mgf1_xor = [](BytesView z, Bytes& target) {
        for (std::uint32_t counter = 0, done = 0; done < target.size(); ++counter) {
            const std::uint8_t c[4] = {
                static_cast<std::uint8_t>(counter >> 24), static_cast<std::uint8_t>(counter >> 16),
                static_cast<std::uint8_t>(counter >> 8), static_cast<std::uint8_t>(counter)};
            const Digest t = sha256({z, BytesView(c, 4)});
            for (std::size_t i = 0; i < t.size() && done < target.size(); ++i)
                target[done++] ^= t[i];
        }
    };
    Bytes masked_seed(seed.begin(), seed.end());
    mgf1_xor(seed, db);               // maskedDB = DB xor MGF(seed)
    mgf1_xor(view(db), masked_seed);  // maskedSeed = seed xor MGF(maskedDB)
    Bytes em;
    em.reserve(k);
    em.push_back(0x00);
    em.insert(em.end(), masked_seed.begin(), masked_seed.end());
    em.insert(em.end(), db.begin(), db.end());
    // The RSA operation itself (RSAEP), on the encoded message.
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, impl_->pkey.get(), nullptr));
    if (!ctx) return fail("rsa: out of memory");
    char pad[] = OSSL_PKEY_RSA_PAD_MODE_NONE;
    const OSSL_PARAM raw[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_PAD_MODE, pad, 0),
        OSSL_PARAM_construct_end()};
    if (EVP_PKEY_encrypt_init_ex(ctx.get(), raw) != 1) return fail("rsa: RSA encrypt init failed");
    std::size_t out_len = k;
    Bytes out(k);
    if (EVP_PKEY_encrypt(ctx.get(), out.data(), &out_len, em.data(), em.size()) != 1)
        return fail("rsa: OAEP encrypt failed");
    out.resize(out_len);
    return out;
}

Result<SecretBytes> RsaKey::oaep_decrypt(BytesView ciphertext) const {
    if (!has_private()) return make_error("rsa: no private key");
    if (ciphertext.empty()) return make_error("rsa: empty ciphertext");
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, impl_->pkey.get(), nullptr));
    if (!ctx) return fail("rsa: out of memory");
    OaepParams oaep;
    if (EVP_PKEY_decrypt_init_ex(ctx.get(), oaep.params) != 1) {
        return fail("rsa: OAEP decrypt init failed");
    }
    std::size_t out_len = 0;
    if (EVP_PKEY_decrypt(ctx.get(), nullptr, &out_len, ciphertext.data(), ciphertext.size()) != 1) {
        return fail("rsa: OAEP decrypt failed");
    }
    SecretBytes out(out_len);
    if (EVP_PKEY_decrypt(ctx.get(), out.data(), &out_len, ciphertext.data(), ciphertext.size()) !=
        1) {
        return fail("rsa: OAEP decrypt failed");
    }
    out.resize(out_len);
    return out;
}

}  // namespace mtc::crypto
