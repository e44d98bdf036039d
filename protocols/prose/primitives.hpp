// ProSe's cryptographic recipes, written once and used by the roles, the tests and (later)
// the attacker engine: the MIC and KDF inputs exactly as the paper lists them.
//
//   MTCdMIC = MIC(PSKey; MTCdID, MTCsID, UEID, MTCdNonce, MTCdInfo)
//   MTCsMIC = MIC(PSKey; MTCdID, MTCsID, MTCdNonce, MTCsNonce, UEID, MTCdInfo, MTCsInfo)
//   DMKey   = KDF(PSKey; MTCdID, MTCsID, MTCdNonce, MTCsNonce, UEID)
//
// Each list is encoded unambiguously (u16 length prefix per element, see encode_list).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "protocols/core/bytes.hpp"
#include "protocols/core/message.hpp"
#include "protocols/core/result.hpp"

namespace mtc::prose {

// The MIC algorithm's tag length, or nullopt for an unknown id.
std::optional<std::size_t> mic_len(std::uint8_t mic_alg);
bool kdf_known(std::uint8_t kdf_alg);

Result<Bytes> mic(std::uint8_t mic_alg, BytesView psk, BytesView data);
Result<SecretBytes> kdf(std::uint8_t kdf_alg, BytesView psk, std::string_view label,
                        BytesView context, std::size_t out_len);

// MTCdInfo / MTCsInfo as one MIC input element: empty when the message carries none of
// their parts, otherwise encode_list of every part (absent parts as empty strings).
Bytes mtcd_info(const Message& m);
Bytes mtcs_info(const Message& m);

// Algorithms in effect for a message, with the paper-silent defaults of README.md.
std::uint8_t mic_alg_of(const Message& m1);  // MTCdInfo.MICAlg or HMAC-SHA256
Bytes kdf_algs_offered(const Message& m1);   // MTCdInfo.KDFAlgs or {KBKDF-HMAC}
std::uint8_t kdf_alg_of(const Message& m3);  // MTCsInfo.KDFAlg or KBKDF-HMAC

// Data over which the MICs are computed, taken from the messages' fields. `m1` is M1 or M2;
// `m3` is M3 or M4.
Bytes mtcd_mic_input(const Message& m1);
Bytes mtcs_mic_input(const Message& m1, const Message& m3);
Bytes dmkey_context(const Message& m1, const Message& m3);

Result<Bytes> compute_mtcd_mic(BytesView psk, const Message& m1);
Result<Bytes> compute_mtcs_mic(BytesView psk, const Message& m1, const Message& m3);
Result<SecretBytes> derive_dmkey(BytesView psk, const Message& m1, const Message& m3);

// Weak-key profile: PSKey = KBKDF-HMAC-SHA256(PIN; "ProSe PSKey from PIN", MTCdID), 128 bits.
// The label is public so that the key guesser's fast path builds the same KDF input.
inline constexpr std::string_view kPskeyFromPinLabel = "ProSe PSKey from PIN";
Result<SecretBytes> pskey_from_pin(std::string_view pin, std::string_view mtcd_id);

}  // namespace mtc::prose
