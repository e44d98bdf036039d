// ProSe (paper 004, section IV): message types, field tags and the schema.
#pragma once

#include <cstdint>

#include "protocols/core/schema.hpp"

namespace mtc::prose {

inline constexpr std::uint8_t kProtocolId = 4;

// M1 MTCd -> UE (or GW in the extended mode, which forwards it unchanged), M2 UE -> MTCs (M1's
// content), M3 MTCs -> UE, M4 UE -> MTCd (M3 without DMKey; the GW forwards it unchanged).
enum MsgType : std::uint8_t { M1 = 1, M2 = 2, M3 = 3, M4 = 4 };

// One tag per paper name, shared by every message that carries the field.
enum Tag : std::uint8_t {
    MTCdID = 1,
    MTCsID = 2,
    MTCdNonce = 3,
    UEID = 4,
    // MTCdInfo, split into its parts so each has a kind the attacker and fuzzer understand
    MTCdInfo_MICAlg = 5,
    MTCdInfo_KDFAlgs = 6,
    MTCdInfo_RelayID = 7,
    MTCdInfo_Context = 8,
    MTCdMIC = 9,
    MTCsNonce = 10,
    // MTCsInfo
    MTCsInfo_KDFAlg = 11,
    MTCsInfo_Policy = 12,
    MTCsInfo_Expiry = 13,
    MTCsMIC = 14,
    DMKey = 15,
};

// MIC algorithm ids (MTCdInfo.MICAlg): the paper points to FIPS 198-1 and SP 800-38B.
enum MicAlg : std::uint8_t { mic_hmac_sha256 = 1, mic_aes_cmac = 2 };
// KDF algorithm ids (MTCdInfo.KDFAlgs offered, MTCsInfo.KDFAlg chosen): SP 800-108 counter mode.
enum KdfAlg : std::uint8_t { kdf_kbkdf_hmac_sha256 = 1, kdf_kbkdf_cmac_aes = 2 };

inline constexpr std::size_t kNonceLen = 16;
inline constexpr std::size_t kPSKeyLen = 16;
inline constexpr std::size_t kDMKeyLen = 32;

const Schema& schema();

}  // namespace mtc::prose
