// RSA-OAEP (SHA-256, MGF1-SHA-256) on OpenSSL EVP_PKEY, owned through RAII. Encryption
// takes OAEP's random seed from the caller (RFC 8017 7.1.1 step 2d), so a role draws it from
// its Env's Rng like all its randomness and a seeded run encrypts the same way every time;
// the encoding is ours, the RSA operation and the decryption OpenSSL's.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "protocols/core/bytes.hpp"
#include "protocols/core/result.hpp"

namespace mtc {
class Rng;
}

namespace mtc::crypto {

inline constexpr std::size_t kOaepSeedLen = 32;  // hLen of SHA-256

class RsaKey {
public:
    static Result<RsaKey> generate(int bits);
    // A key pair whose randomness is `rng`'s (rsa_seeded.cpp): a seeded Rng gives the same key.
    static Result<RsaKey> generate(int bits, Rng& rng);
    static Result<RsaKey> from_private_pem(std::string_view pem);
    static Result<RsaKey> from_public_pem(std::string_view pem);

    RsaKey(RsaKey&&) noexcept;
    RsaKey& operator=(RsaKey&&) noexcept;
    ~RsaKey();

    [[nodiscard]] bool has_private() const;
    [[nodiscard]] Result<std::string> private_pem() const;
    [[nodiscard]] Result<std::string> public_pem() const;
    [[nodiscard]] int bits() const;

    // `seed`: kOaepSeedLen fresh random bytes.
    [[nodiscard]] Result<Bytes> oaep_encrypt(BytesView plaintext, BytesView seed) const;
    [[nodiscard]] Result<SecretBytes> oaep_decrypt(BytesView ciphertext) const;

private:
    struct Impl;
    explicit RsaKey(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace mtc::crypto
