// E2SEC (paper 000, sections 3.3-3.5 and 5.2): message types, field tags and the schema.
//
// Wire reading (PROTOCOLS.md section 1; protocols/e2sec/README.md):
//   DelegationReq  X -> EPC     ID_X, N_req                 (stands for the attach / NDS-IP
//                                                             authentication that precedes it)
//   Delegation     EPC -> X     ID_X, m.ID_EPC, m.ID_X, m.T_valid, K, N_req,
//                               E_CK(sigma) (AES-128-GCM under CK_X, AAD = every other field)
//   Trigger        MTCS -> MTCD ID_MTCS, ID_MTCD            (hardened only: wakes the device)
//   Challenge      MTCD -> MTCS ID_MTCD, ID_MTCS, N_D       (hardened only: the fresh challenge)
//   S1             MTCS -> MTCD r | r_q, M_MTCS = (ID_MTCS, ID_MTCD, g^a), h, s, K, m (warrant),
//                               sig_alg, group; hardened: N_D inside the signed M_MTCS
//   D1             MTCD -> MTCS r | r_q, M_MTCD = (ID_MTCD, ID_MTCS, g^b), h, s, K, m, sig_alg,
//                               group (h binds g^ab, eq. 12)
//   Confirm        MTCS -> MTCD ID_MTCS, ID_MTCD, MAC_S     (hardened only: key confirmation)
// r is g^l for E-ElGamal / E-Schnorr (field r, a group element) and (g^l mod p) mod q for E-DSA
// (field r_q, a scalar); exactly one of them is present.
#pragma once

#include <cstdint>

#include "protocols/core/schema.hpp"

namespace mtc::e2sec {

inline constexpr std::uint8_t kProtocolId = 1;

enum MsgType : std::uint8_t {
    DelegationReq = 1,
    Delegation = 2,
    Trigger = 3,
    Challenge = 4,
    S1 = 5,
    D1 = 6,
    Confirm = 7,
};

// One tag per paper name, shared by every message that carries the field.
enum Tag : std::uint8_t {
    ID_MTCS = 1,
    ID_MTCD = 2,
    ID_X = 3,       // the proxy a delegation is for (MTCD or MTCS)
    W_ID_EPC = 4,   // warrant m_{E-X}: ID_EPC
    W_ID_X = 5,     //                  ID_X
    W_T_valid = 6,  //                  T_valid (u64 seconds since the epoch, not-after)
    K = 7,          // K_{E-X} = g^k
    N_req = 8,
    EncSigma = 9,  // E_CK(sigma_{E-X}): 12-byte IV || ciphertext || 16-byte tag
    gA = 10,
    gB = 11,
    SigAlg = 12,  // SignatureVariant (1 E-ElGamal, 2 E-Schnorr, 3 E-DSA)
    Group = 13,   // crypto::GroupId (1 dh_2048_256, 2 dh_1024_160)
    R = 14,       // r = g^l (E-ElGamal, E-Schnorr)
    Rq = 15,      // r = (g^l mod p) mod q (E-DSA)
    H = 16,       // the transmitted hash h(M || r) (h2 / h1), or h(M) for E-DSA
    S = 17,       // s
    N_D = 18,     // the MTCD's challenge (hardened)
    MAC_S = 19,   // key confirmation (hardened)
};

inline constexpr std::size_t kNonceLen = 16;
inline constexpr std::size_t kCKLen = 16;  // AES-128-GCM key standing for CK
inline constexpr std::size_t kSKLen = 32;  // SHA-256 output

const Schema& schema();

}  // namespace mtc::e2sec
