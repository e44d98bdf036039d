// SGA (paper 003, sections 4.1-4.5): message types, field tags, length bounds and the schema.
//
// Wire reading (PROTOCOLS.md section 3). Every message travels in the common frame
// (docs/wire-format.md); the frame's session id names the negotiation / key-exchange session.
// The inner plaintexts (what E^G, E^x and F_G are applied to) are encoded by
// protocols/sga/primitives.hpp; here only the outer fields:
//
//   Reg     d -> S    EncKd = E^G_PK(k_d), RegCid = x, EncId = E^x_{k_d}(ID_d), CidSet_d
//   RegAck  S -> d    [ID_d], ID_G, StatusCode          (the "acceptance acknowledgment")
//   Reject  S -> d_i  ID_G, StatusCode (A2's "reject the request and send a response to d_i")
//   A1      d_i -> S  CtPK = E^G_PK(A1 plaintext) [hardened: N_A, TS, MAC_A]
//   A2      S -> d_j  ID_dj, Cid, Ct = E^cid_{k_dj}(A2 plaintext)
//   A3      d_j -> S  CtPK = E^G_PK(A3 plaintext)
//   A4      S -> d_i  Cid, Ct = E^cid_{kt_i}(A4 plaintext)
//   B1      d_i -> S  ID_d = ID_di, ID_dj, Cid, Ct = E^cid_{kt_i}(B1 plaintext)
//   B2      S -> d_j  Cid, Ct = E^cid_{kt_j}(B2 plaintext)
//   B3      d_j -> S  ID_d = ID_dj, Cid, Ct = E^cid_{kt_j}(B3 plaintext)
//   B6i     S -> d_i  ID_di, ID_dj, NRs = N_j^R_s, MacS = f_{K_is}(ID_di, ID_dj, K_is, N_j^R_s)
//   B6j     S -> d_j  ID_di, ID_dj, NRs = N_i^R_s, MacS = f_{K_js}(ID_di, ID_dj, K_js, N_i^R_s)
//   Data    d -> S -> d'  ID_src, ID_dst, Seq, Cid, Ct = E^cid_K(Data plaintext)
//   DataAck d' -> S   ID_src, ID_dst, Seq           (d' holds the Data: the store marks it
//   delivered)
//
// Readings:
//   - Every message that carries an E^x ciphertext also carries its cid in clear: the receiver
//     has to know which D^x to run (the paper leaves it implicit). Reg carries the x of
//     E^{i,x}(ID_di) the same way (RegCid).
//   - B1 / B3 carry the sender's identity in clear so the server can pick kt_i / kt_j; the
//     frame's session id names the negotiation the kt belongs to.
//   - B6 is sent in clear (the paper encrypts nothing in B6). It is two message types, B6i and
//     B6j, one per direction, so traces, claims and the attacker tell the two apart; both have
//     the same fields (the MAC lists ID_di before ID_dj in both directions, as the paper does).
//   - Data carries a per-sender sequence number Seq (u64 big-endian) in clear so the server's
//     store and the delivery can be checked for loss; the paper indexes m_1, m_2, ... only.
//   - A2 carries ID_dj and B1 carries ID_dj (the partner) in clear: the recipient / partner of
//     the sealed content, which the receiver checks against the sealed copy (the roles' "id"
//     check). Nothing the paper hides: the server addresses A2 to d_j anyway. Optional in the
//     schema (the paper's messages decode), required by the roles.
//   - Hardened only: A1 carries N_A (16-byte device nonce), TS (u64 microseconds) and MAC_A
//     (f_{kt_i} over them, protocols/sga/role_util.hpp); DataAck is not in the paper (the
//     store needs to know what was delivered).
//   - StatusCode (RegAck, Reject): 0 = accepted, anything else a rejection code (the roles
//     define them).
//
// Bounds. Identities are 1..kMaxId bytes: kMaxId is set so that A1 / A3 (the largest E^G
// plaintexts) fit one 2048-bit RSA-OAEP(SHA-256) block (190 bytes). Group elements up to
// 256 bytes (dh_2048_256; dh_1024_160 is 128), scalars up to 32 bytes. RSA ciphertexts from
// 1024- to 4096-bit keys (128..512 bytes). The roles then require the exact lengths of the
// configured group and keys.
#pragma once

#include <cstddef>
#include <cstdint>

#include "protocols/core/schema.hpp"

namespace mtc::sga {

inline constexpr std::uint8_t kProtocolId = 3;

enum MsgType : std::uint8_t {
    Reg = 1,
    RegAck = 2,
    Reject = 3,
    A1 = 4,
    A2 = 5,
    A3 = 6,
    A4 = 7,
    B1 = 8,
    B2 = 9,
    B3 = 10,
    B6i = 11,
    B6j = 12,
    Data = 13,
    DataAck = 14,
};

// One tag per paper name, shared by every message that carries the field.
enum Tag : std::uint8_t {
    ID_d = 1,        // the sender (B1, B3) or the registered device (RegAck)
    ID_di = 2,       // the initiator
    ID_dj = 3,       // the responder
    ID_G = 4,        // the SGA server
    ID_src = 5,      // Data: sender
    ID_dst = 6,      // Data: recipient
    StatusCode = 7,  // RegAck / Reject: 0 accepted, otherwise a rejection code
    EncKd = 8,       // E^G_PK(k_d)
    RegCid = 9,      // x of E^{i,x}_{k_di}(ID_di)
    EncId = 10,      // E^x_{k_d}(ID_d)
    CidSet = 11,     // the device's cids, in preference order
    CtPK = 12,       // E^G_PK(...) of A1 / A3
    Seq = 13,        // Data: u64 sequence number per sender
    Cid = 14,        // the cid of the E^x ciphertext Ct
    Ct = 15,         // E^cid_k(...): 12-byte nonce || ciphertext || 16-byte tag
    NRs = 16,        // N_other^R_s
    MacS = 17,       // f_{K_s}(ID_di, ID_dj, K_s, N_other^R_s)
    N_A = 18,        // hardened A1: the device's fresh nonce
    TS = 19,         // hardened A1: the device's clock, u64 microseconds
    MacA = 20,       // hardened A1: f_{kt_i}("SGA A1" || CtPK || N_A || TS)
};

// Key and field lengths.
inline constexpr std::size_t kKeyLen = 16;  // k_d and kt (128 bits)
inline constexpr std::size_t kMaxId = 48;   // so that A1 / A3 fit a 2048-bit OAEP block
inline constexpr std::size_t kMaxElement = 256;
inline constexpr std::size_t kMaxScalar = 32;
inline constexpr std::size_t kMinRsaCt = 128;  // 1024-bit key
inline constexpr std::size_t kMaxRsaCt = 512;  // 4096-bit key
inline constexpr std::size_t kMacLen = 32;     // HMAC-SHA256
inline constexpr std::size_t kSessionIdLen = 8;
inline constexpr std::size_t kMaxData = 8192;  // Data plaintext m
inline constexpr std::size_t kNonceLen = 16;   // hardened N_A
inline constexpr std::size_t kMaxCids = 4;
inline constexpr std::size_t kAeadNonceLen = 12;
inline constexpr std::size_t kAeadTagLen = 16;
inline constexpr std::size_t kAeadOverhead = kAeadNonceLen + kAeadTagLen;

// Inner-plaintext sizes (every field is a u16 length then its bytes; see primitives.hpp).
inline constexpr std::size_t kFieldHdr = 2;
// (kt xor k) || ID || ID || ID || cid, for A1 / A2 and A3 / A4 alike.
inline constexpr std::size_t kMinNegPlain = (kFieldHdr + kKeyLen) + 3 * (kFieldHdr + 1) + 3;
inline constexpr std::size_t kMaxNegPlain = (kFieldHdr + kKeyLen) + 3 * (kFieldHdr + kMaxId) + 3;
// E_{k_d}(N xor k_d): an E^x ciphertext of an element.
inline constexpr std::size_t kMaxEncN = kAeadOverhead + kMaxElement;
// N || K_s || ID_di || ID_dj || ID_G || E_{k_d}(N xor k_d) || F_G(r) || f_{K_s}(N).
inline constexpr std::size_t kMinKexPlain = 2 * (kFieldHdr + 1) + 3 * (kFieldHdr + 1) +
                                            (kFieldHdr + kAeadOverhead + 1) +
                                            (kFieldHdr + kMinRsaCt) + (kFieldHdr + kMacLen);
inline constexpr std::size_t kMaxKexPlain = 2 * (kFieldHdr + kMaxElement) +
                                            3 * (kFieldHdr + kMaxId) + (kFieldHdr + kMaxEncN) +
                                            (kFieldHdr + kMaxRsaCt) + (kFieldHdr + kMacLen);
// ID_di || ID_G || session id.
inline constexpr std::size_t kMinInvPlain = 2 * (kFieldHdr + 1) + kFieldHdr + kSessionIdLen;
inline constexpr std::size_t kMaxInvPlain = 2 * (kFieldHdr + kMaxId) + kFieldHdr + kSessionIdLen;
// m.
inline constexpr std::size_t kMinDataPlain = kFieldHdr + 1;
inline constexpr std::size_t kMaxDataPlain = kFieldHdr + kMaxData;

static_assert(kMaxNegPlain <= 190, "A1 / A3 must fit one 2048-bit RSA-OAEP(SHA-256) block");
static_assert(kAeadOverhead + kMaxDataPlain <= 0xffff, "Data must fit a TLV value");

const Schema& schema();

}  // namespace mtc::sga
