#include "protocols/e2sec/primitives.hpp"

#include <string>
#include <utility>

#include "protocols/core/crypto/hash.hpp"
#include "protocols/core/rng.hpp"

namespace mtc::e2sec {

namespace {

void put_item(Bytes& out, BytesView item) {
    put_u32(out, static_cast<std::uint32_t>(item.size()));
    out.insert(out.end(), item.begin(), item.end());
}

Status element_ok(const DlGroup& G, const BigNum& y, std::string_view name) {
    auto st = G.check_element(y);
    if (!st) return make_error(std::string(name) + " not in the subgroup: " + st.error().reason);
    return Ok{};
}

Status scalar_ok(const DlGroup& G, const BigNum& s, std::string_view name) {
    if (!G.check_scalar(s)) return make_error(std::string(name) + " out of range");
    return Ok{};
}

// Reads a u32-length-prefixed item at `at`; advances `at`.
std::optional<Bytes> get_item(BytesView in, std::size_t& at) {
    if (in.size() - at < 4) return std::nullopt;
    const std::uint32_t n = get_u32(in, at);
    at += 4;
    if (in.size() - at < n) return std::nullopt;
    Bytes item(in.begin() + static_cast<std::ptrdiff_t>(at),
               in.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
    return item;
}

}  // namespace

std::string_view variant_name(SignatureVariant v) {
    switch (v) {
        case SignatureVariant::elgamal:
            return "elgamal";
        case SignatureVariant::schnorr:
            return "schnorr";
        case SignatureVariant::dsa:
            return "dsa";
    }
    return "unknown";
}

std::optional<SignatureVariant> variant_from_name(std::string_view name) {
    for (auto v : {SignatureVariant::elgamal, SignatureVariant::schnorr, SignatureVariant::dsa}) {
        if (variant_name(v) == name) return v;
    }
    return std::nullopt;
}

Bytes Warrant::encode() const {
    Bytes out;
    out.reserve(4 + delegator_id.size() + 4 + proxy_id.size() + 8);
    put_item(out, view(delegator_id));
    put_item(out, view(proxy_id));
    put_u64(out, not_after);
    return out;
}

Result<Warrant> Warrant::decode(BytesView in) {
    std::size_t at = 0;
    auto delegator = get_item(in, at);
    if (!delegator) return make_error("warrant: truncated delegator identity", at);
    auto proxy = get_item(in, at);
    if (!proxy) return make_error("warrant: truncated proxy identity", at);
    if (in.size() - at != 8) return make_error("warrant: bad T_valid length", at);
    Warrant w;
    w.delegator_id = std::move(*delegator);
    w.proxy_id = std::move(*proxy);
    w.not_after = get_u64(in, at);
    return w;
}

Status check_warrant(const Warrant& m_w, BytesView expected_delegator, BytesView expected_proxy,
                     std::uint64_t now) {
    if (!equal_ct(view(m_w.delegator_id), expected_delegator)) {
        return make_error("warrant names another delegator");
    }
    if (!equal_ct(view(m_w.proxy_id), expected_proxy)) {
        return make_error("warrant names another proxy");
    }
    if (now > m_w.not_after) return make_error("warrant expired");
    return Ok{};
}

BigNum hash_to_scalar(const DlGroup& G, std::initializer_list<BytesView> parts) {
    Bytes enc;
    for (BytesView p : parts) put_item(enc, p);
    const crypto::Digest d = crypto::sha256(view(enc));
    // D1's input holds g^ab: the buffer is wiped, not just freed.
    secure_wipe(enc.data(), enc.size());
    return G.mod_q(BigNum::from_bytes(BytesView(d.data(), d.size())));
}

Bytes encode_element(const DlGroup& G, const BigNum& y) {
    return y.to_bytes_padded(G.element_bytes());
}

KeyPair generate_keypair(const DlGroup& G, Rng& rng) {
    KeyPair kp;
    kp.x = G.random_scalar(rng);
    kp.v = G.exp_g(kp.x);
    return kp;
}

BigNum delegation_hash(const DlGroup& G, const Warrant& m_w, const BigNum& K) {
    const Bytes m = m_w.encode();
    const Bytes k = encode_element(G, K);
    return hash_to_scalar(G, {view(m), view(k)});
}

Delegation delegate(const DlGroup& G, const BigNum& x_D, const Warrant& m_w, Rng& rng) {
    const BigNum k = G.random_scalar(rng);  // wiped by ~BigNum
    Delegation d;
    d.m_w = m_w;
    d.K = G.exp_g(k);
    const BigNum e = delegation_hash(G, d.m_w, d.K);
    d.sigma = G.add_q(G.mul_q(e, x_D), k);
    return d;
}

Status verify_delegation(const DlGroup& G, const BigNum& v_D, const Delegation& d,
                         BytesView delegator_id, BytesView own_id, std::uint64_t now) {
    if (auto st = element_ok(G, v_D, "v_D"); !st) return st;
    if (auto st = element_ok(G, d.K, "K"); !st) return st;
    if (auto st = scalar_ok(G, d.sigma, "sigma"); !st) return st;
    if (auto st = check_warrant(d.m_w, delegator_id, own_id, now); !st) return st;
    const BigNum e = delegation_hash(G, d.m_w, d.K);
    if (!(G.exp_g(d.sigma) == G.mul(G.exp(v_D, e), d.K))) {
        return make_error("delegation equation fails");
    }
    return Ok{};
}

Result<BigNum> proxy_public_key(const DlGroup& G, const BigNum& v_D, const BigNum& v_P,
                                const Warrant& m_w, const BigNum& K) {
    if (auto st = element_ok(G, v_D, "v_D"); !st) return st.error();
    if (auto st = element_ok(G, v_P, "v_P"); !st) return st.error();
    if (auto st = element_ok(G, K, "K"); !st) return st.error();
    const BigNum e = delegation_hash(G, m_w, K);
    return G.mul(G.exp(G.mul(v_D, v_P), e), K);
}

Result<ProxyKey> derive_proxy_key(const DlGroup& G, const Delegation& d, const BigNum& x_P,
                                  const BigNum& v_D) {
    if (auto st = scalar_ok(G, x_P, "x_P"); !st) return st.error();
    if (auto st = scalar_ok(G, d.sigma, "sigma"); !st) return st.error();
    const BigNum v_P = G.exp_g(x_P);
    auto v_prime = proxy_public_key(G, v_D, v_P, d.m_w, d.K);
    if (!v_prime) return v_prime.error();
    const BigNum e = delegation_hash(G, d.m_w, d.K);
    ProxyKey pk;
    pk.sigma_prime = G.add_q(d.sigma, G.mul_q(x_P, e));
    pk.v_prime = std::move(*v_prime);
    if (!(G.exp_g(pk.sigma_prime) == pk.v_prime)) return make_error("proxy relation fails");
    return pk;
}

BigNum message_hash(const DlGroup& G, SignatureVariant v, BytesView M, const BigNum& r) {
    if (v == SignatureVariant::dsa) return hash_to_scalar(G, {M});
    const Bytes rb = encode_element(G, r);
    return hash_to_scalar(G, {M, view(rb)});
}

Result<ProxySignature> proxy_sign(const DlGroup& G, SignatureVariant v, const BigNum& sigma_prime,
                                  BytesView M, Rng& rng) {
    if (auto st = scalar_ok(G, sigma_prime, "sigma_prime"); !st) return st.error();
    for (;;) {
        const BigNum l = G.random_scalar(rng);  // wiped by ~BigNum
        const BigNum g_l = G.exp_g(l);
        ProxySignature sig;
        switch (v) {
            case SignatureVariant::elgamal: {
                // (6) r = g^l; (7) s = l^-1 (h(M || r) - sigma' * r) mod q.
                const BigNum r_q = G.mod_q(g_l);
                if (r_q.is_zero()) continue;
                const BigNum h = message_hash(G, v, M, g_l);
                auto l_inv = G.inv_q(l);
                if (!l_inv) continue;
                sig.s = G.mul_q(*l_inv, G.sub_q(h, G.mul_q(sigma_prime, r_q)));
                sig.r = g_l;
                break;
            }
            case SignatureVariant::schnorr: {
                // r = g^l; e' = h(M || r); s = l + sigma' * e' mod q.
                const BigNum e = message_hash(G, v, M, g_l);
                sig.s = G.add_q(l, G.mul_q(sigma_prime, e));
                sig.r = g_l;
                break;
            }
            case SignatureVariant::dsa: {
                // r = (g^l mod p) mod q; s = l^-1 (h(M) + sigma' * r) mod q.
                sig.r = G.mod_q(g_l);
                if (sig.r.is_zero()) continue;
                const BigNum h = message_hash(G, v, M, sig.r);
                auto l_inv = G.inv_q(l);
                if (!l_inv) continue;
                sig.s = G.mul_q(*l_inv, G.add_q(h, G.mul_q(sigma_prime, sig.r)));
                break;
            }
        }
        if (sig.s.is_zero()) continue;
        return sig;
    }
}

Status verify_proxy_signature(const DlGroup& G, SignatureVariant v, const BigNum& v_D,
                              const BigNum& v_P, const Warrant& m_w, const BigNum& K, BytesView M,
                              const ProxySignature& sig, BytesView delegator_id, BytesView proxy_id,
                              std::uint64_t now) {
    if (auto st = check_warrant(m_w, delegator_id, proxy_id, now); !st) return st;
    auto v_prime = proxy_public_key(G, v_D, v_P, m_w, K);
    if (!v_prime) return v_prime.error();
    if (v == SignatureVariant::dsa) {
        if (auto st = scalar_ok(G, sig.r, "r"); !st) return st;
    } else {
        if (auto st = element_ok(G, sig.r, "r"); !st) return st;
    }
    if (auto st = scalar_ok(G, sig.s, "s"); !st) return st;

    const BigNum h = message_hash(G, v, M, sig.r);
    bool holds = false;
    switch (v) {
        case SignatureVariant::elgamal:
            // (9)/(14), read with the exponent r: v'^(r mod q) * r^s == g^h.
            holds = G.mul(G.exp(*v_prime, G.mod_q(sig.r)), G.exp(sig.r, sig.s)) == G.exp_g(h);
            break;
        case SignatureVariant::schnorr:
            // g^s == r * v'^e'.
            holds = G.exp_g(sig.s) == G.mul(sig.r, G.exp(*v_prime, h));
            break;
        case SignatureVariant::dsa: {
            // w = s^-1; (g^(h w) * v'^(r w) mod p) mod q == r.
            auto w = G.inv_q(sig.s);
            if (!w) return make_error("s out of range");
            const BigNum u1 = G.mul_q(h, *w);
            const BigNum u2 = G.mul_q(sig.r, *w);
            holds = G.mod_q(G.mul(G.exp_g(u1), G.exp(*v_prime, u2))) == sig.r;
            break;
        }
    }
    if (!holds) return make_error("signature equation fails");
    return Ok{};
}

}  // namespace mtc::e2sec
