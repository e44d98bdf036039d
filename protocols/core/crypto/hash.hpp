// Hashes and MACs on OpenSSL 3 EVP (SHA-256, HMAC-SHA256, AES-CMAC).
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>

#include "protocols/core/bytes.hpp"
#include "protocols/core/result.hpp"

namespace mtc::crypto {

using Digest = std::array<std::uint8_t, 32>;

Digest sha256(BytesView data);
Digest sha256(std::initializer_list<BytesView> parts);

// HMAC-SHA256 of `data` under `key` (any key length).
Digest hmac_sha256(BytesView key, BytesView data);

// AES-CMAC (RFC 4493); the key must be 16 or 32 bytes (AES-128 or AES-256).
Result<std::array<std::uint8_t, 16>> aes_cmac(BytesView key, BytesView data);

// A reusable HMAC-SHA256 context: set the key once, then MAC many messages without
// re-fetching the algorithm (the per-call cost dominates in key guessing).
class HmacSha256 {
public:
    HmacSha256();
    ~HmacSha256();
    HmacSha256(const HmacSha256&) = delete;
    HmacSha256& operator=(const HmacSha256&) = delete;
    HmacSha256(HmacSha256&&) noexcept;
    HmacSha256& operator=(HmacSha256&&) noexcept;

    void set_key(BytesView key);
    Digest mac(BytesView data);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mtc::crypto
