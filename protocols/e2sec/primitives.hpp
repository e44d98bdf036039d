// E2SEC's cryptographic primitives (Lai et al., "E2SEC: an efficient and secure end-to-end
// security scheme for MTC", seeds/000_*): the Kim-Park-Won proxy delegation with warrant and
// the three proxy-signature variants of section 5.2, written once and used by the roles, the
// tests and (later) the attacker engine. Nothing here touches the wire.
//
// Naming. D is the *designator* (original signer: the EPC in E2SEC), P the proxy signer (the
// MTCD or the MTCS). So x_D / v_D are the EPC's x_EPC / v_EPC and x_P / v_P are x_MTCD / v_MTCD
// or x_MTCS / v_MTCS. All group elements are mod p, all exponents mod q.
//
// Function -> paper equation (section 3 unless noted):
//   Warrant::encode          m_{E-X} = ID_EPC || ID_X || T_valid                 (after 1, 3)
//   delegation_hash          e = h(m_w || K)                                      (1: e1, 3: e2)
//   delegate                 K = g^k, sigma = e * x_D + k mod q                   (1, 3)
//   verify_delegation        g^sigma == v_D^e * K mod p, plus warrant checks      (2, 4)
//   derive_proxy_key         sigma' = sigma + x_P * e mod q                       (5, 10)
//                            v' = g^sigma' checked against proxy_public_key       (8, 13)
//   proxy_public_key         v' = (v_D * v_P)^e * K mod p                         (8, 13)
//   proxy_sign  elgamal      r = g^l, s = l^-1 (h(M || r) - sigma' * r) mod q     (6, 7, 11, 12)
//               schnorr      r = g^l, e' = h(M || r), s = l + sigma' * e' mod q   (5.2, E-Schnorr)
//               dsa          r = (g^l mod p) mod q, s = l^-1 (h(M) + sigma' r)    (5.2, E-DSA)
//   verify_proxy_signature elgamal  v'^(r mod q) * r^s == g^h(M || r) mod p       (9, 14)
//                          schnorr  g^s == r * v'^e'                              (5.2)
//                          dsa      w = s^-1; (g^(h w) v'^(r w) mod p) mod q == r (5.2)
//   (15) SK and the framing of M_MTCS / M_MTCD || g^ab are the roles' business: `M` here is the
//   already-encoded message the caller signs.
//
// Readings (where the paper is silent or wrong; see PROTOCOLS.md section 1):
//   - h(.) as an exponent = SHA-256 over the length-prefixed encoding of its inputs (each input
//     as a u32 big-endian length then its bytes), read as a big-endian integer, reduced mod q.
//     Group elements are encoded left-padded to |p| bytes. The paper only writes "||".
//     For E-DSA this means h(M) mod q, not FIPS 186's leftmost-N-bits truncation.
//   - Eq. (9)/(14) drop the exponent r on v'; without it the equation does not hold. We verify
//     v'^(r mod q) * r^s == g^h, the ElGamal equation that matches eq. (7)/(12).
//   - The paper does not say what is sent for E-Schnorr / E-DSA; we keep the pair (r, s) in
//     both (for E-DSA r is a scalar in [1, q-1], for E-ElGamal / E-Schnorr an element).
//   - T_valid is a not-after instant in seconds since the epoch; a warrant is valid while
//     now <= not_after (inclusive).
//   - The paper lists no range or subgroup checks; we check every received element (1 < y <
//     p-1 and y^q == 1) and every received scalar (0 < s < q) - this rejects nothing an honest
//     party produces. The signer re-draws l in the (negligible) cases s == 0 or r mod q == 0.
//   - Proxy-signature verification checks the warrant (delegator, proxy, expiry) as section 4
//     ("the warrant m_{E-S} and m_{E-D} are checked") requires.
//
// Secrets (x_D, x_P, k, l, sigma, sigma') live only in BigNum, which clears itself when
// destroyed; nothing here prints them.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>

#include "protocols/core/bytes.hpp"
#include "protocols/core/crypto/dl_group.hpp"
#include "protocols/core/result.hpp"

namespace mtc {
class Rng;
}

namespace mtc::e2sec {

using crypto::BigNum;
using crypto::DlGroup;

// The three signing equations of section 5.2 (the proxy key is the same for all three).
enum class SignatureVariant : std::uint8_t { elgamal = 1, schnorr = 2, dsa = 3 };
std::string_view variant_name(SignatureVariant v);  // "elgamal" / "schnorr" / "dsa"
std::optional<SignatureVariant> variant_from_name(std::string_view name);

// The warrant m_w = ID_EPC || ID_X || T_valid.
struct Warrant {
    Bytes delegator_id;           // ID_EPC
    Bytes proxy_id;               // ID_X (the MTCD or the MTCS)
    std::uint64_t not_after = 0;  // T_valid, seconds since the epoch (inclusive)

    // u32 length || delegator_id || u32 length || proxy_id || u64 not_after (big-endian).
    [[nodiscard]] Bytes encode() const;
    static Result<Warrant> decode(BytesView in);
    bool operator==(const Warrant&) const = default;
};

// The warrant checks a proxy (on its delegation) and a verifier (on a proxy signature) make:
// the named delegator and proxy are the expected ones and the warrant has not expired.
// Reasons: "warrant names another delegator", "warrant names another proxy", "warrant expired".
Status check_warrant(const Warrant& m_w, BytesView expected_delegator, BytesView expected_proxy,
                     std::uint64_t now);

// h(parts...) reduced mod q (see the reading above).
BigNum hash_to_scalar(const DlGroup& G, std::initializer_list<BytesView> parts);
// A group element as hashed and sent: big-endian, left-padded to |p| bytes.
Bytes encode_element(const DlGroup& G, const BigNum& y);

// A long-term key pair x in [1, q-1], v = g^x.
struct KeyPair {
    BigNum x;  // secret
    BigNum v;
};
KeyPair generate_keypair(const DlGroup& G, Rng& rng);

// The designator's delegation (sigma, m_w, K) of eq. (1)/(3). sigma is secret: the paper sends
// it to the proxy encrypted under CK.
struct Delegation {
    Warrant m_w;
    BigNum K;      // g^k
    BigNum sigma;  // e * x_D + k mod q (secret)
};

// e = h(m_w || K) mod q (e1 / e2 of eq. 1 / 3).
BigNum delegation_hash(const DlGroup& G, const Warrant& m_w, const BigNum& K);

// Eq. (1)/(3): draws k in [1, q-1] from `rng`; k is wiped on return.
Delegation delegate(const DlGroup& G, const BigNum& x_D, const Warrant& m_w, Rng& rng);

// Eq. (2)/(4), run by the proxy `own_id` at time `now`. Checks, in order: v_D and K in the
// subgroup, sigma in [1, q-1], the warrant (delegator `delegator_id`, proxy `own_id`, not
// expired), then g^sigma == v_D^e * K. Reasons: "v_D not in the subgroup: ...",
// "K not in the subgroup: ...", "sigma out of range", the check_warrant reasons,
// "delegation equation fails".
Status verify_delegation(const DlGroup& G, const BigNum& v_D, const Delegation& d,
                         BytesView delegator_id, BytesView own_id, std::uint64_t now);

// Eq. (8)/(13): v' = (v_D * v_P)^e * K mod p, with v_D, v_P and K checked to be in the
// subgroup ("v_D not in the subgroup: ...", "v_P ...", "K ...").
Result<BigNum> proxy_public_key(const DlGroup& G, const BigNum& v_D, const BigNum& v_P,
                                const Warrant& m_w, const BigNum& K);

// The proxy signing key (sigma', K) and its public counterpart v'.
struct ProxyKey {
    BigNum sigma_prime;  // secret
    BigNum v_prime;      // g^sigma' == (v_D * v_P)^e * K
};

// Eq. (5)/(10): sigma' = sigma + x_P * e mod q; v' from eq. (8)/(13) with v_P = g^x_P, and the
// proxy relation g^sigma' == v' checked ("proxy relation fails"; also fails when the delegation
// was not verified or x_P is not the key the verifier will use).
Result<ProxyKey> derive_proxy_key(const DlGroup& G, const Delegation& d, const BigNum& x_P,
                                  const BigNum& v_D);

// A proxy signature (r, s): r is g^l (E-ElGamal, E-Schnorr) or (g^l mod p) mod q (E-DSA).
struct ProxySignature {
    BigNum r;
    BigNum s;
};

// The hash the signature binds: h(M || r) for E-ElGamal / E-Schnorr (h2 / h1 / e' of eq. 7 /
// 12), h(M) for E-DSA (r ignored). Exposed so roles can compare a transmitted h2 / h1.
BigNum message_hash(const DlGroup& G, SignatureVariant v, BytesView M, const BigNum& r);

// Signs M with sigma' (eq. 6-7 / 11-12, or section 5.2). Draws l from `rng` (wiped on return).
// Fails only when sigma' is out of range.
Result<ProxySignature> proxy_sign(const DlGroup& G, SignatureVariant v, const BigNum& sigma_prime,
                                  BytesView M, Rng& rng);

// Verifies `sig` on M as a proxy signature by the proxy `v_P` on behalf of `v_D` under warrant
// m_w with token K (eq. 8-9 / 13-14, or section 5.2). Checks, in order: the warrant
// (check_warrant with `delegator_id`, `proxy_id`, `now`), v' via proxy_public_key (element
// checks), r ("r not in the subgroup: ..." for E-ElGamal / E-Schnorr, "r out of range" for
// E-DSA), "s out of range", then the variant's equation ("signature equation fails").
Status verify_proxy_signature(const DlGroup& G, SignatureVariant v, const BigNum& v_D,
                              const BigNum& v_P, const Warrant& m_w, const BigNum& K, BytesView M,
                              const ProxySignature& sig, BytesView delegator_id, BytesView proxy_id,
                              std::uint64_t now);

}  // namespace mtc::e2sec
