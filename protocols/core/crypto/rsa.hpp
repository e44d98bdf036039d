// RSA-OAEP (SHA-256, MGF1-SHA-256) on OpenSSL EVP_PKEY, owned through RAII.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "protocols/core/bytes.hpp"
#include "protocols/core/result.hpp"

namespace mtc::crypto {

class RsaKey {
public:
    static Result<RsaKey> generate(int bits);
    static Result<RsaKey> from_private_pem(std::string_view pem);
    static Result<RsaKey> from_public_pem(std::string_view pem);

    RsaKey(RsaKey&&) noexcept;
    RsaKey& operator=(RsaKey&&) noexcept;
    ~RsaKey();

    [[nodiscard]] bool has_private() const;
    [[nodiscard]] Result<std::string> private_pem() const;
    [[nodiscard]] Result<std::string> public_pem() const;
    [[nodiscard]] int bits() const;

    [[nodiscard]] Result<Bytes> oaep_encrypt(BytesView plaintext) const;
    [[nodiscard]] Result<SecretBytes> oaep_decrypt(BytesView ciphertext) const;

private:
    struct Impl;
    explicit RsaKey(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace mtc::crypto
