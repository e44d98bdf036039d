// Wire encodings shared by the E2SEC roles and the attacker's recipes (private to
// protocols/e2sec): the options, the signed messages M_MTCS / M_MTCD || g^ab, SK (eq. 15), the
// hardened key confirmation, and the AEAD seal of the delegation. One function per encoding,
// used by the side that produces it and the side that checks it, so they cannot drift apart.
// See README.md, "Wire reading".
#pragma once

#include <array>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>

#include "protocols/core/crypto/aead.hpp"
#include "protocols/core/crypto/hash.hpp"
#include "protocols/core/event.hpp"
#include "protocols/core/message.hpp"
#include "protocols/core/rng.hpp"
#include "protocols/core/role_options.hpp"
#include "protocols/e2sec/primitives.hpp"
#include "protocols/e2sec/schema.hpp"

namespace mtc::e2sec {

inline constexpr std::size_t kIvLen = 12;  // AES-128-GCM nonce of the delegation seal
inline constexpr std::string_view kDefaultSignature = "elgamal";
inline constexpr std::string_view kDefaultGroup = "dh_2048_256";

// Options: named_group, group_by_name, option_or, parse_int (protocols/core/role_options.hpp).

// ---- Encodings -------------------------------------------------------------------------------

// u32 big-endian length || bytes, per item: the framing hash_to_scalar hashes with, so that
// "||" in the paper is unambiguous everywhere.
inline Bytes encode_items(std::initializer_list<BytesView> items) {
    Bytes out;
    for (BytesView i : items) {
        put_u32(out, static_cast<std::uint32_t>(i.size()));
        out.insert(out.end(), i.begin(), i.end());
    }
    return out;
}

// A scalar as sent (r_q, h, s) and sealed (sigma): big-endian, left-padded to |q| bytes.
inline Bytes encode_scalar(const DlGroup& G, const BigNum& s) {
    return s.to_bytes_padded(G.scalar_bytes());
}

inline std::string field_str(const Message& m, std::uint8_t tag) {
    return display(m.get_or_empty(tag));
}

inline std::string msg_name(std::uint8_t type) {
    const auto* spec = schema().message(type);
    return spec != nullptr ? spec->name : "type " + std::to_string(type);
}

// M_MTCS = (ID_MTCS, ID_MTCD, g^a) as the MTCS signs it in S1 (eq. 7); the hardened S1 appends
// the MTCD's challenge N_D, so the signature binds it. Built from the fields as sent.
inline Bytes m_mtcs(const Message& s1) {
    if (const Bytes* n_d = s1.get(N_D)) {
        return encode_items(
            {s1.get_or_empty(ID_MTCS), s1.get_or_empty(ID_MTCD), s1.get_or_empty(gA), view(*n_d)});
    }
    return encode_items({s1.get_or_empty(ID_MTCS), s1.get_or_empty(ID_MTCD), s1.get_or_empty(gA)});
}

// g^ab as hashed (encode_element), in memory that is wiped when freed: it is the DH secret.
inline SecretBytes encode_shared_secret(const DlGroup& G, const BigNum& g_ab) {
    Bytes b = encode_element(G, g_ab);
    SecretBytes out(b.begin(), b.end());
    secure_wipe(b.data(), b.size());
    return out;
}

// M_MTCD || g^ab as the MTCD signs it in D1 (eq. 12): g^ab (encode_element) binds the MTCS's
// share into the MTCD's signature. Secret (it holds g^ab), so wiped when freed.
inline SecretBytes m_mtcd(const Message& d1, BytesView g_ab) {
    Bytes b = encode_items(
        {d1.get_or_empty(ID_MTCD), d1.get_or_empty(ID_MTCS), d1.get_or_empty(gB), g_ab});
    SecretBytes out(b.begin(), b.end());
    secure_wipe(b.data(), b.size());
    return out;
}

// Eq. (15): SK = h(g^ab || g^a || g^b || ID_MTCD || ID_MTCS), read as SHA-256 over the
// encode_items framing (the paper's "mod p" on a hash output means nothing; the hash is the key).
// g^a and g^b are the bytes as sent (both sides sign those), g^ab is encode_element.
inline SecretBytes session_key(BytesView g_ab, BytesView g_a, BytesView g_b, BytesView id_mtcd,
                               BytesView id_mtcs) {
    Bytes in = encode_items({g_ab, g_a, g_b, id_mtcd, id_mtcs});
    crypto::Digest d = crypto::sha256(view(in));
    secure_wipe(in.data(), in.size());
    SecretBytes sk(d.begin(), d.end());
    secure_wipe(d.data(), d.size());
    return sk;
}

// Hardened key confirmation: K_conf = HMAC-SHA256(SK, "E2SEC key confirmation"), MAC_S =
// HMAC-SHA256(K_conf, encode_items("E2SEC Confirm", ID_MTCS, ID_MTCD, g^a, g^b, N_D)).
inline Bytes confirm_mac(BytesView sk, BytesView id_mtcs, BytesView id_mtcd, BytesView g_a,
                         BytesView g_b, BytesView n_d) {
    crypto::Digest k = crypto::hmac_sha256(sk, view(std::string_view("E2SEC key confirmation")));
    const Bytes transcript =
        encode_items({view(std::string_view("E2SEC Confirm")), id_mtcs, id_mtcd, g_a, g_b, n_d});
    const crypto::Digest mac = crypto::hmac_sha256(BytesView(k.data(), k.size()), view(transcript));
    secure_wipe(k.data(), k.size());
    return {mac.begin(), mac.end()};
}

// ---- The delegation seal ---------------------------------------------------------------------

// AAD of E_CK(sigma): every other field of the Delegation, in tag order.
inline Bytes delegation_aad(const Message& m) {
    return encode_items({m.get_or_empty(ID_X), m.get_or_empty(W_ID_EPC), m.get_or_empty(W_ID_X),
                         m.get_or_empty(W_T_valid), m.get_or_empty(K), m.get_or_empty(N_req)});
}

// EncSigma = IV (12 random bytes) || AES-128-GCM(CK, IV, AAD, sigma) || tag.
inline Result<Bytes> seal_sigma(const Message& m, BytesView ck, BytesView sigma, Rng& rng) {
    Bytes out = rng.bytes(kIvLen);
    auto ct = crypto::aead_seal(crypto::AeadAlg::aes_128_gcm, ck, view(out),
                                view(delegation_aad(m)), sigma);
    if (!ct) return ct.error();
    out.insert(out.end(), ct->begin(), ct->end());
    return out;
}

// Opens EncSigma of Delegation `m` under `ck`: sigma's bytes, or why not.
inline Result<SecretBytes> open_sigma(const Message& m, BytesView ck) {
    const BytesView enc = m.get_or_empty(EncSigma);
    if (enc.size() < kIvLen + crypto::kAeadTagLen) return make_error("EncSigma is too short");
    if (ck.size() != kCKLen) return make_error("CK is not 16 bytes");
    return crypto::aead_open(crypto::AeadAlg::aes_128_gcm, ck, enc.first(kIvLen),
                             view(delegation_aad(m)), enc.subspan(kIvLen));
}

// The warrant m_{E-X} as a message carries it (fields m.ID_EPC, m.ID_X, m.T_valid).
inline Result<Warrant> warrant_of(const Message& m) {
    const BytesView t = m.get_or_empty(W_T_valid);
    if (t.size() != 8) return make_error("m.T_valid is not 8 bytes");
    Warrant w;
    w.delegator_id = to_bytes(m.get_or_empty(W_ID_EPC));
    w.proxy_id = to_bytes(m.get_or_empty(W_ID_X));
    w.not_after = get_u64(t, 0);
    return w;
}

inline void put_warrant(Message& m, const Warrant& w) {
    m.set(W_ID_EPC, w.delegator_id);
    m.set(W_ID_X, w.proxy_id);
    Bytes t;
    put_u64(t, w.not_after);
    m.set(W_T_valid, std::move(t));
}

}  // namespace mtc::e2sec
