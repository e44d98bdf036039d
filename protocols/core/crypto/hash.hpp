// Hashes and MACs: SHA-256 and AES-CMAC on OpenSSL 3 EVP; HMAC-SHA256 on OpenSSL's SHA-256
// (hmac_state.hpp, which also keeps a keyed state for many messages).
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>

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

}  // namespace mtc::crypto
