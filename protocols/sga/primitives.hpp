// SGA's cryptographic primitives and inner-plaintext encodings (Chen et al., "Secure E2E M2M
// security gateway application", seeds/003_*, sections 4 and 5), written once and used by the
// roles, the tests and (later) the attacker engine. Nothing here touches the wire; the outer
// fields are protocols/sga/schema.hpp.
//
// Function -> paper (section 4 unless noted):
//   eg_encrypt / dg_decrypt     E^G_PK(.) / D^G_PR(.)                          (4.1; A1, A3, Reg)
//   fg_apply / fg_invert        F_G(r) and the server's trapdoor inversion     (4.1; B1, B3, B4)
//   f_mac                       f_k(x)                                         (4.1; B1, B4-B7)
//   sym_seal / sym_open         E^{x}_k(.) / D^{x}_k(.), x a cid of C          (4.1, A2, A4, B*)
//   negotiate_cid               the choice of (E^x, D^x) in CidSet_i n CidSet_j (4.3, A1-A2)
//   check_cid_common            A2: "reject if cid not in CidSet_i n CidSet_j"  (4.3, A2)
//   generate_kd / kd_from_pin   k_d (registration key), weak-key profile      (4.1)
//   generate_kt                 kt_i / kt_j (temporary session keys)          (4.3, A1 / A3)
//   xor_bytes                   kt_i xor k_di, kt_i xor k_dj, kt_i xor kt_j    (4.3, A1-A5)
//   expand_kd                   k_d "padded" to the length of N               (5.1)
//   make_key_share              R, r; N = g^R mod p; K_s = N^r mod p           (4.4, B1 / B3)
//   seal_masked_n / open_masked_n   E_{k_d}(N xor k_d) and its inversion      (4.4, B1 / B4)
//   mac_n                       f_{K_s}(N)                                     (4.4, B1 / B4)
//   make_key_exchange           the whole B1 / B3 inner plaintext             (4.4, B1 / B3)
//   check_key_exchange          B4: recover N, r; recompute K_s; check f_{K_s}(N)  (4.4, B4)
//   make_key_distribution       B5 / B6: N_other^R_s and f_{K_s}(ID_di, ID_dj, K_s, N_other^R_s)
//   verify_key_distribution     B7: the MAC check and K = (N_other^R_s)^R_self  (4.4, B7)
//   RegKeyPlain ... DataPlain   the inner plaintexts of Reg, A1-A4, B1-B3, B6, Data
//
// Readings (PROTOCOLS.md section 3; the paper is silent or wrong here):
//   - E^G / D^G: RSA-OAEP (SHA-256, MGF1-SHA-256, empty label) under the server key (PK, PR).
//     F_G: RSA-OAEP under a *second* server key (only the server inverts it); its input is r
//     encoded big-endian, left-padded to |q| bytes. A ciphertext under one key does not open
//     under the other. OAEP holds at most |n| - 66 bytes (190 for 2048 bits): see kMaxId.
//   - f_k(x) = HMAC-SHA256(key = k, data = x). A group element used as key or data is encoded
//     big-endian, left-padded to |p| bytes. A MAC over several values, f_k(a, b, ...), is over
//     the u16-length-prefixed list of them (encode_list).
//   - C = {1 AES-128-GCM, 2 ChaCha20-Poly1305, 3 AES-128-CCM, 4 AES-256-GCM} (crypto::AeadAlg).
//     E^x_k(m) = nonce || AEAD_x(key, nonce, aad, m) with a fresh random 12-byte nonce and
//     key = KBKDF-HMAC-SHA256(k; label "SGA E^x key", context = [x], aead_key_len(x)). The KDF
//     fits every key the paper uses (k_d and kt are 16 bytes, K is an element of |p| bytes) to
//     every cipher (16- or 32-byte keys). `aad` is the caller's; the roles document theirs.
//   - E_{k_d}(N xor k_d) (B1 / B3, no superscript in the paper) is read as E^cid_{k_d} with the
//     *negotiated* cid, as section 5.1 says ("utilize the negotiated symmetric encryption
//     function in order to encrypt and decrypt N_i xor k_di"), with empty AAD.
//   - k_d is 128 bits from the Rng, or, in the weak-key profile, KBKDF-HMAC-SHA256(key = the six
//     ASCII digits of the PIN; label "SGA k_d from PIN", context = ID_d, 16 bytes): deterministic,
//     different per device, 10^6 candidates. kt_i / kt_j are 128 bits from the Rng.
//   - k_d "padded to fit the length of N" (5.1) = KBKDF-HMAC-SHA256(k_d; label "SGA k_d
//     expand", empty context, |p| bytes); the xor is over N's padded encoding.
//   - The paper's step B1 says the message is encrypted under kt_j; B2 then decrypts it with
//     kt_i. We read kt_i (d_i does not need kt_j for anything else). B3 is under kt_j.
//   - The paper writes F_G and F_S for the same function; one function here.
//   - B4: the server recovers N from E_{k_d}(N xor k_d) and r from F_G(r), recomputes
//     K_s = N^r and checks f_{K_s}(N) against the transmitted MAC. The paper never compares
//     the N and K_s sent in clear (inside the kt ciphertext) with the recovered ones; we report
//     the comparison (KeyExchangeCheck::clear_values_match) and leave the decision to the role.
//   - B4's xor equations are garbled in the paper ("(N_i xor k_di) xor k_di = k_di = N_j"); read
//     as (N xor k_d) xor k_d = N for each device.
//   - A2 is sent under d_j's k_dj with "the initial and registered encryption function" of d_j;
//     PROTOCOLS.md writes E^cid. The choice of x is the role's: sym_seal takes any cid.
//   - B6 MAC argument order is (ID_di, ID_dj, K_s, N_other^R_s) in both directions (the paper's).
//   - K = (N_other^R_s)^R_self = g^(R_i R_s R_j). The Data key is E^cid with k = K's padded
//     encoding (through the KDF above).
//   - The paper lists no range or subgroup checks; we check every received element (N, K_s,
//     recovered N, N_other^R_s: exact length |p|, 1 < y < p-1, y^q == 1) and the recovered r
//     (exact length |q|, 0 < r < q). This rejects nothing an honest party produces.
//
// Inner plaintexts: each is the paper's fields in the paper's order, every field a u16
// big-endian length then its bytes; decoding is strict (every length within its bounds, a
// known cid, no trailing bytes) and fails with "<msg>: <what is wrong>" and the byte offset.
//   Reg (E^G part)    k_d (16)
//   Reg (E^x part)    ID_d (1..kMaxId)
//   A1                (kt_i xor k_di) (16) || ID_di || ID_G || ID_dj || cid (1)
//   A2                (kt_i xor k_dj) (16) || ID_di || ID_G || ID_dj || cid (1)
//   A3, A4            (kt_i xor kt_j) (16) || ID_G || ID_dj || ID_di || cid (1)
//   B1, B3            N || K_s || ID_di || ID_dj || ID_G || E_{k_d}(N xor k_d) || F_G(r) ||
//                     f_{K_s}(N)   (elements 1..kMaxElement bytes, exact |p| checked on use)
//   B2                ID_di || ID_G || session id (8, u64 big-endian)
//   B6i, B6j          ID_di || ID_dj || N_other^R_s || f_{K_s}(...) (32); B6 is sent as clear
//                     TLVs, this encoding is for stores and the attacker's knowledge
//   Data              m (1..kMaxData)
//
// Secrets (k_d, kt, their xors, K_s, K, m, R, r) live only in SecretBytes or BigNum, which wipe
// themselves when freed; temporaries holding them are wiped before release.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "protocols/core/bytes.hpp"
#include "protocols/core/crypto/aead.hpp"
#include "protocols/core/crypto/dl_group.hpp"
#include "protocols/core/crypto/rsa.hpp"
#include "protocols/core/result.hpp"
#include "protocols/sga/schema.hpp"

namespace mtc {
class Rng;
}

namespace mtc::sga {

using crypto::BigNum;
using crypto::DlGroup;
using crypto::RsaKey;

// ---------------------------------------------------------------------------------------------
// The cipher set C and its negotiation.

using CipherId = crypto::AeadAlg;           // cid 1..4
using CipherIdSet = std::vector<CipherId>;  // a CidSet, in the owner's preference order

std::optional<CipherId> cid_from_byte(std::uint8_t b);
inline std::uint8_t cid_byte(CipherId c) {
    return static_cast<std::uint8_t>(c);
}
bool contains(const CipherIdSet& set, CipherId c);

// One byte per cid. Decoding: 1..4 entries, each a known cid, no duplicates. Reasons:
// "CidSet: empty", "CidSet: more than 4 entries", "CidSet: unknown cid N",
// "CidSet: duplicate cid N".
Bytes encode_cid_set(const CipherIdSet& set);
Result<CipherIdSet> decode_cid_set(BytesView in);

// The first cid in `preference` that is in both sets. Reason when there is none:
// "no common cid: preference {1,2}, CidSet_i {1,2}, CidSet_j {3,4}".
Result<CipherId> negotiate_cid(const CipherIdSet& preference, const CipherIdSet& set_i,
                               const CipherIdSet& set_j);
// The initiator's CidSet is its preference.
Result<CipherId> negotiate_cid(const CipherIdSet& set_i, const CipherIdSet& set_j);
// A2's server check. Reasons: "cid N not in CidSet_i", "cid N not in CidSet_j".
Status check_cid_common(CipherId c, const CipherIdSet& set_i, const CipherIdSet& set_j);

// ---------------------------------------------------------------------------------------------
// Keys and xor.

SecretBytes generate_kd(Rng& rng);  // 16 random bytes
SecretBytes generate_kt(Rng& rng);  // 16 random bytes
// Weak-key profile (see the reading). Reason: "PIN must be exactly 6 decimal digits",
// "device ID must not be empty".
Result<SecretBytes> kd_from_pin(std::string_view pin, BytesView device_id);
// k_d expanded to `len` bytes (the length of N's encoding).
Result<SecretBytes> expand_kd(BytesView k_d, std::size_t len);

// The KBKDF-HMAC-SHA256 labels of kd_from_pin, sym_key and expand_kd, for code that computes
// those KDFs by hand (the guessing tester of guess.cpp).
struct KdfLabels {
    std::string_view pin;      // "SGA k_d from PIN"
    std::string_view sym_key;  // "SGA E^x key"
    std::string_view expand;   // "SGA k_d expand"
};
KdfLabels kdf_labels();
// a xor b. Reason: "xor: length mismatch (16 vs 32 bytes)".
Result<SecretBytes> xor_bytes(BytesView a, BytesView b);

// ---------------------------------------------------------------------------------------------
// Public-key functions: E^G / D^G and the trapdoor F_G.

// The largest plaintext one RSA-OAEP(SHA-256) block of `key` holds: |n| - 66 bytes.
std::size_t oaep_max_plaintext(const RsaKey& key);
// Reasons: "E^G: plaintext of N bytes exceeds the M-byte OAEP limit of a B-bit key",
// "E^G: rsa: ..." / "D^G: rsa: ..." from the RSA layer.
// `seed`: kOaepSeedLen fresh random bytes from the caller's Rng (rsa.hpp).
Result<Bytes> eg_encrypt(const RsaKey& pk, BytesView plaintext, BytesView seed);
Result<SecretBytes> dg_decrypt(const RsaKey& pr, BytesView ciphertext);
// F_G(r): RSA-OAEP of r padded to |q| bytes under the trapdoor key. Reason: "F_G: r out of
// range" for r outside [1, q-1].
Result<Bytes> fg_apply(const RsaKey& trapdoor, const DlGroup& G, const BigNum& r,
                       BytesView seed);  // seed: as eg_encrypt's
// The server's inversion. Reasons: "F_G: rsa: ..." (wrong key, tampered), "F_G: r has N bytes,
// expected M", "F_G: r out of range".
Result<BigNum> fg_invert(const RsaKey& trapdoor, const DlGroup& G, BytesView ciphertext);

// ---------------------------------------------------------------------------------------------
// Symmetric functions: E^x / D^x from C and f_k.

// The AEAD key E^x uses for key material `k` (see the reading).
Result<SecretBytes> sym_key(CipherId cid, BytesView k);
// nonce (12) || ciphertext || tag (16).
Result<Bytes> sym_seal(CipherId cid, BytesView k, BytesView aad, BytesView plaintext, Rng& rng);
// Reasons: "E^x: ciphertext shorter than nonce and tag", "E^x: aead: authentication failed".
Result<SecretBytes> sym_open(CipherId cid, BytesView k, BytesView aad, BytesView ciphertext);

// f_k(x) = HMAC-SHA256(k, x), 32 bytes.
Bytes f_mac(BytesView k, BytesView x);

// ---------------------------------------------------------------------------------------------
// Group elements.

// Big-endian, left-padded to |p| bytes (public and secret flavours).
Bytes encode_element(const DlGroup& G, const BigNum& y);
SecretBytes encode_secret_element(const DlGroup& G, const BigNum& y);
// A received element: exact length |p| and the subgroup check. Reasons:
// "<name> has N bytes, expected M", "<name> not in the subgroup: <check_element reason>".
Result<BigNum> decode_element(const DlGroup& G, BytesView in, std::string_view name);

// ---------------------------------------------------------------------------------------------
// Inner plaintexts (see the table above).

struct RegKeyPlain {  // E^G_PK(k_d)
    SecretBytes k_d;
    [[nodiscard]] SecretBytes encode() const;
};
Result<RegKeyPlain> decode_reg_key(BytesView in);

struct RegIdPlain {  // E^x_{k_d}(ID_d)
    Bytes id_d;
    [[nodiscard]] Bytes encode() const;
};
Result<RegIdPlain> decode_reg_id(BytesView in);

// A1 (masked_kt = kt_i xor k_di) and A2 (masked_kt = kt_i xor k_dj).
struct NegotiationRequest {
    SecretBytes masked_kt;
    Bytes id_di;
    Bytes id_g;
    Bytes id_dj;
    CipherId cid = CipherId::aes_128_gcm;
    [[nodiscard]] SecretBytes encode() const;
};
Result<NegotiationRequest> decode_a1(BytesView in);
Result<NegotiationRequest> decode_a2(BytesView in);

// A3 and A4 (kt_xor = kt_i xor kt_j).
struct NegotiationResponse {
    SecretBytes kt_xor;
    Bytes id_g;
    Bytes id_dj;
    Bytes id_di;
    CipherId cid = CipherId::aes_128_gcm;
    [[nodiscard]] SecretBytes encode() const;
};
Result<NegotiationResponse> decode_a3(BytesView in);
Result<NegotiationResponse> decode_a4(BytesView in);

// B1 (d_i's values) and B3 (d_j's values); the identities are (ID_di, ID_dj) in both.
struct KeyExchangeRequest {
    Bytes n;          // N = g^R
    SecretBytes k_s;  // K_s = N^r
    Bytes id_di;
    Bytes id_dj;
    Bytes id_g;
    Bytes enc_masked_n;  // E_{k_d}(N xor k_d)
    Bytes f_r;           // F_G(r)
    Bytes mac;           // f_{K_s}(N)
    [[nodiscard]] SecretBytes encode() const;
};
Result<KeyExchangeRequest> decode_b1(BytesView in);
Result<KeyExchangeRequest> decode_b3(BytesView in);

// B2: the key-exchange invitation.
struct KeyExchangeInvitation {
    Bytes id_di;
    Bytes id_g;
    std::uint64_t session = 0;
    [[nodiscard]] Bytes encode() const;
};
Result<KeyExchangeInvitation> decode_b2(BytesView in);

// B6i (n_rs = N_j^R_s, MAC under K_is) and B6j (n_rs = N_i^R_s, MAC under K_js).
struct KeyDistribution {
    Bytes id_di;
    Bytes id_dj;
    Bytes n_rs;
    Bytes mac;
    [[nodiscard]] Bytes encode() const;
};
Result<KeyDistribution> decode_b6(BytesView in);

struct DataPlain {
    SecretBytes m;
    [[nodiscard]] SecretBytes encode() const;
};
Result<DataPlain> decode_data(BytesView in);

// ---------------------------------------------------------------------------------------------
// Key exchange (4.4).

struct KeyShare {
    BigNum R;    // secret
    BigNum r;    // secret (sent only under F_G)
    BigNum n;    // N = g^R
    BigNum k_s;  // K_s = N^r (secret)
};
KeyShare make_key_share(const DlGroup& G, Rng& rng);

// f_{K_s}(N).
Bytes mac_n(const DlGroup& G, const BigNum& k_s, const BigNum& n);

// E^cid_{k_d}(N xor expand(k_d)) and back. open_masked_n reasons:
// "E_k_d(N xor k_d): <sym_open reason>", "recovered N has ..."/"recovered N not in ...".
Result<Bytes> seal_masked_n(const DlGroup& G, CipherId cid, BytesView k_d, const BigNum& n,
                            Rng& rng);
Result<BigNum> open_masked_n(const DlGroup& G, CipherId cid, BytesView k_d, BytesView ct);

// B1 / B3 from a share: the device's k_d, the server's trapdoor (public) key and the identities.
Result<KeyExchangeRequest> make_key_exchange(const DlGroup& G, CipherId cid, BytesView k_d,
                                             const RsaKey& trapdoor, const KeyShare& share,
                                             BytesView id_di, BytesView id_dj, BytesView id_g,
                                             Rng& rng);

// What B4 recovers from one B1 / B3.
struct KeyExchangeCheck {
    BigNum n;                         // recovered from E_{k_d}(N xor k_d)
    BigNum r;                         // recovered from F_G(r)
    BigNum k_s;                       // N^r
    bool clear_values_match = false;  // the clear N and K_s equal the recovered / recomputed
};
// B4 for one device. Checks, in order: the clear N and K_s are elements ("N ...", "K_s ..."),
// E_{k_d}(N xor k_d) opens to an element, F_G(r) inverts to a scalar, and f_{K_s}(N) equals the
// transmitted MAC ("f_K_s(N) does not verify").
Result<KeyExchangeCheck> check_key_exchange(const DlGroup& G, CipherId cid, BytesView k_d,
                                            const RsaKey& trapdoor, const KeyExchangeRequest& req);

// B5 / B6: the message for the device whose one-time key is `k_s_dest`, carrying
// n_other^R_s (n_other is N_j for d_i, N_i for d_j). Reason: "N_other not in the subgroup: ...".
Result<KeyDistribution> make_key_distribution(const DlGroup& G, BytesView id_di, BytesView id_dj,
                                              const BigNum& k_s_dest, const BigNum& n_other,
                                              const BigNum& R_s);
// f_{K_s}(ID_di, ID_dj, K_s, N_other^R_s).
Bytes key_distribution_mac(const DlGroup& G, BytesView id_di, BytesView id_dj, const BigNum& k_s,
                           const BigNum& n_rs);

// B7 on the device: N_other^R_s is an element ("N^R_s ..."), the MAC verifies over the
// device's own view of (ID_di, ID_dj, K_s) ("f_K_s(ID_di, ID_dj, K_s, N^R_s) does not verify"),
// then K = (N_other^R_s)^R_self.
Result<BigNum> verify_key_distribution(const DlGroup& G, const KeyDistribution& msg,
                                       BytesView id_di, BytesView id_dj, const BigNum& k_s,
                                       const BigNum& R_self);

// K as E^cid key material (|p| bytes).
SecretBytes session_key_material(const DlGroup& G, const BigNum& K);

}  // namespace mtc::sga
