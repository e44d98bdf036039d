// GAKA (papers 001 / 002, section 3.1 of 002) and its EPS-AKA baseline: message types, field
// tags, lengths and the two schemas (one per registered protocol, sharing every type and tag).
//
// Wire reading (PROTOCOLS.md section 2; README.md, "Wire reading"). The frame's session id is
// the attach: the SN keeps the device's session id on its SN <-> HN leg, so one attach is one
// session id end to end.
//
//   AttachReq          D  -> SN  IMSI                                  (EPS-AKA)
//   AuthDataReq        SN -> HN  SNid, Box = {IMSI [, RAND, AUTS]}     (resync: RAND, AUTS)
//   AuthDataResp       HN -> SN  SNid, Box = {IMSI, RAND, XRES, AUTN, K_ASME}
//   AuthReq            SN -> D   RAND, AUTN
//   AuthResp           D  -> SN  RES
//   AuthReject         D  -> SN  Cause      (TS 24.301 "authentication failure", MAC failure)
//   SyncFailure        D  -> SN  AUTS       (TS 24.301 "authentication failure", synch failure)
//   GroupAttachReq     D  -> SN  IMSI, GID                             (GAKA)
//   GroupAuthDataReq   SN -> HN  SNid, Box = {IMSI_L, GID}
//   GroupAuthDataResp  HN -> SN  SNid, Box = {part of (AV_L, {IMSI_i, AV_i}, GAK, RAND_G)}
//   GroupAuthReq       SN -> D   RAND (= RAND_i), AUTN (= AUTN_i), RAND_G, MAC_G
//
// Box is the SN <-> HN channel (PROTOCOLS.md: AES-GCM under a provisioned key, standing for
// Diameter over NDS/IP): 12-byte nonce || AES-128-GCM(K_SH; inner) || 16-byte tag, AAD = the
// frame's protocol, type and session and the clear SNid (primitives.hpp). Its plaintexts are
// encoded by primitives.hpp. A group of 1000 does not fit one 64 KiB frame, so the HN sends
// GroupAuthDataResp in as many parts as needed (each names its index and the count).
#pragma once

#include <cstddef>
#include <cstdint>

#include "protocols/core/schema.hpp"
#include "protocols/gaka/milenage.hpp"

namespace mtc::gaka {

inline constexpr std::uint8_t kGakaProtocolId = 2;
inline constexpr std::uint8_t kEpsAkaProtocolId = 5;

enum MsgType : std::uint8_t {
    AttachReq = 1,
    AuthDataReq = 2,
    AuthDataResp = 3,
    AuthReq = 4,
    AuthResp = 5,
    AuthReject = 6,
    SyncFailure = 7,
    GroupAttachReq = 8,
    GroupAuthDataReq = 9,
    GroupAuthDataResp = 10,
    GroupAuthReq = 11,
};

enum Tag : std::uint8_t {
    IMSI = 1,     // ASCII digits, 6..15
    SNid = 2,     // PLMN identity, 3 octets (TS 24.301 BCD)
    GID = 3,      // group identity, 1..kMaxGid octets
    Box = 4,      // the SN <-> HN channel's AES-GCM box
    RAND = 5,     // 16
    AUTN = 6,     // SQN xor AK || AMF || MAC-A, 16
    RES = 7,      // 8 (MILENAGE f2); the schema takes 4..16 (TS 33.102)
    Cause = 8,    // AuthReject: 1 octet, TS 24.301 EMM cause (20 = MAC failure, 26 = non-EPS)
    AUTS = 9,     // 14
    RAND_G = 10,  // 16
    MAC_G = 11,   // HMAC-SHA-256(GAK; RAND_i || SNid), 32
};

inline constexpr std::size_t kMinImsi = 6;
inline constexpr std::size_t kMaxImsi = 15;
inline constexpr std::size_t kMaxGid = 32;
inline constexpr std::size_t kMacGLen = 32;
inline constexpr std::size_t kBoxNonceLen = 12;
inline constexpr std::size_t kBoxTagLen = 16;
inline constexpr std::size_t kBoxOverhead = kBoxNonceLen + kBoxTagLen;
// The largest Box plaintext: what is left of a 64 KiB frame body after SNid's and Box's TLV
// headers and the AEAD overhead, with room to spare.
inline constexpr std::size_t kMaxBoxPlain = 65000;
inline constexpr std::uint8_t kCauseMacFailure = 20;  // TS 24.301 EMM cause #20
inline constexpr std::uint8_t kCauseNonEps = 26;      // #26 "non-EPS authentication unacceptable"

const Schema& eps_aka_schema();
const Schema& gaka_schema();

}  // namespace mtc::gaka
