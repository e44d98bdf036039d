// NIST SP 800-108 counter-mode KBKDF: with CMAC OpenSSL's EVP_KDF "KBKDF"; with HMAC-SHA256
// the same construction on HmacSha256State (kdf.cpp says why).
#pragma once

#include <cstddef>
#include <cstdint>

#include "protocols/core/bytes.hpp"
#include "protocols/core/result.hpp"

namespace mtc::crypto {

enum class KbkdfPrf : std::uint8_t { hmac_sha256, cmac_aes };

// K_OUT = PRF(K_IN, [i]_32 || Label || 0x00 || Context || [L]_32), i = 1, 2, ...
// (OpenSSL's KBKDF defaults: 32-bit counter, separator, 32-bit length suffix).
// For cmac_aes the key must be 16, 24 or 32 bytes.
Result<SecretBytes> kbkdf_counter(KbkdfPrf prf, BytesView key, BytesView label, BytesView context,
                                  std::size_t out_len);

// Lower-level form with OpenSSL's two layout switches made explicit, for published vectors
// whose fixed input omits them (NIST CAVP feeds one opaque FixedInputData: pass it as
// `context` with an empty label and both switches off). The overload above is this one with
// both switches on. Used by kbkdf_counter itself and by the known-answer tests.
struct KbkdfLayout {
    bool use_separator = true;  // the 0x00 byte between Label and Context
    bool use_length = true;     // the [L]_32 suffix
};
Result<SecretBytes> kbkdf_counter(KbkdfPrf prf, BytesView key, BytesView label, BytesView context,
                                  std::size_t out_len, KbkdfLayout layout);

}  // namespace mtc::crypto
