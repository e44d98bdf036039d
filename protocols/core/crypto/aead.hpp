// The AEAD set: AES-128-GCM, ChaCha20-Poly1305, AES-128-CCM, AES-256-GCM.
// Ids match the SGA "lightweight symmetric functions" set C of PROTOCOLS.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "protocols/core/bytes.hpp"
#include "protocols/core/result.hpp"

namespace mtc::crypto {

enum class AeadAlg : std::uint8_t {
    aes_128_gcm = 1,
    chacha20_poly1305 = 2,
    aes_128_ccm = 3,
    aes_256_gcm = 4,
};

std::optional<AeadAlg> aead_from_id(std::uint8_t id);
std::string_view aead_name(AeadAlg alg);
std::size_t aead_key_len(AeadAlg alg);    // 16 or 32
std::size_t aead_nonce_len(AeadAlg alg);  // 12 for all four (CCM uses a 12-byte nonce here)
inline constexpr std::size_t kAeadTagLen = 16;

// Returns ciphertext || 16-byte tag.
Result<Bytes> aead_seal(AeadAlg alg, BytesView key, BytesView nonce, BytesView aad,
                        BytesView plaintext);
// Fails with "aead: authentication failed" when the tag does not verify.
Result<SecretBytes> aead_open(AeadAlg alg, BytesView key, BytesView nonce, BytesView aad,
                              BytesView ciphertext_and_tag);

}  // namespace mtc::crypto
