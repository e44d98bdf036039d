// The 3GPP generic key derivation function (TS 33.220 Annex B) and K_ASME (TS 33.401 A.2).
//
// TS 33.220 B.2: derived key = HMAC-SHA-256(Key, S) with
//   S = FC || P0 || L0 || P1 || L1 || ... || Pn || Ln,
// FC one octet telling the derivations apart, Pi the input parameters and Li the length of Pi
// in octets as a two-octet big-endian number (so no Pi may exceed 65535 octets).
//
// TS 33.401 A.2: K_ASME = KDF(CK || IK, S) with FC = 0x10, P0 = SN id (the serving network's
// PLMN identity, 3 octets: MCC and MNC as in TS 24.301), L0 = 0x00 0x03, P1 = SQN xor AK
// (6 octets: the first field of AUTN), L1 = 0x00 0x06.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "protocols/core/bytes.hpp"
#include "protocols/core/result.hpp"

namespace mtc::gaka {

inline constexpr std::uint8_t kFcKasme = 0x10;  // TS 33.401 A.2
inline constexpr std::size_t kSnIdLen = 3;      // PLMN identity
inline constexpr std::size_t kKasmeLen = 32;

// S = FC || P0 || L0 || ... || Pn || Ln (TS 33.220 B.2.0); an error if a Pi is longer than
// 65535 octets.
Result<Bytes> kdf_input(std::uint8_t fc, std::initializer_list<BytesView> params);

// HMAC-SHA-256(key, FC || P0 || L0 || ...): 32 octets (TS 33.220 B.2.0).
Result<SecretBytes> generic_kdf(BytesView key, std::uint8_t fc,
                                std::initializer_list<BytesView> params);

// K_ASME = KDF(CK || IK; FC = 0x10, P0 = SN id, P1 = SQN xor AK) (TS 33.401 A.2). CK and IK
// must be 16 octets, SN id 3 and SQN xor AK 6.
Result<SecretBytes> derive_kasme(BytesView ck, BytesView ik, BytesView sn_id, BytesView sqn_xor_ak);

}  // namespace mtc::gaka
