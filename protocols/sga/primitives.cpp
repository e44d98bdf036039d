#include "protocols/sga/primitives.hpp"

#include <string>
#include <utility>

#include "protocols/core/crypto/hash.hpp"
#include "protocols/core/crypto/kdf.hpp"
#include "protocols/core/rng.hpp"

namespace mtc::sga {

namespace {

constexpr std::string_view kSymKeyLabel = "SGA E^x key";
constexpr std::string_view kPinLabel = "SGA k_d from PIN";
constexpr std::string_view kExpandLabel = "SGA k_d expand";
constexpr std::size_t kOaepOverhead = 66;  // 2 * SHA-256 output + 2

std::string num(std::size_t n) {
    return std::to_string(n);
}

Error prefixed(std::string_view prefix, const Error& e) {
    return Error{std::string(prefix) + ": " + e.reason, e.offset};
}

// Appends u16 length || bytes (the fields are schema-bounded far below 64 KiB).
template <typename Out>
void put_field(Out& out, BytesView v) {
    out.push_back(static_cast<std::uint8_t>(v.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(v.size()));
    out.insert(out.end(), v.begin(), v.end());
}

template <typename Out>
void put_cid(Out& out, CipherId c) {
    const std::uint8_t b = cid_byte(c);
    put_field(out, BytesView(&b, 1));
}

// Strict reader over a list of u16-length-prefixed fields. The first error sticks (later reads
// do nothing) and names the message and field; finish() adds the trailing-bytes check.
class Reader {
public:
    Reader(BytesView in, std::string_view msg) : in_(in), msg_(msg) {}

    template <typename Out>
    void read(Out& dst, std::string_view name, std::size_t lo, std::size_t hi) {
        if (auto v = field(name, lo, hi)) dst.assign(v->begin(), v->end());
    }
    template <typename Out>
    void read_id(Out& dst, std::string_view name) {
        read(dst, name, 1, kMaxId);
    }
    void read_cid(CipherId& dst) {
        const std::size_t at = at_;
        auto v = field("cid", 1, 1);
        if (!v) return;
        if (auto c = cid_from_byte(v->front())) {
            dst = *c;
        } else {
            fail("unknown cid " + num(v->front()), at);
        }
    }
    void read_u64(std::uint64_t& dst, std::string_view name) {
        if (auto v = field(name, 8, 8)) dst = get_u64(*v, 0);
    }

    template <typename T>
    Result<T> finish(T value) {
        if (!error_ && at_ != in_.size()) fail(num(in_.size() - at_) + " trailing bytes", at_);
        if (error_) return *error_;
        return value;
    }

private:
    std::optional<BytesView> field(std::string_view name, std::size_t lo, std::size_t hi) {
        if (error_) return std::nullopt;
        if (in_.size() - at_ < 2) {
            fail("truncated before " + std::string(name), at_);
            return std::nullopt;
        }
        const std::size_t n = get_u16(in_, at_);
        if (n < lo || n > hi) {
            fail(std::string(name) + " length " + num(n) + " not in [" + num(lo) + ", " + num(hi) +
                     "]",
                 at_);
            return std::nullopt;
        }
        if (in_.size() - at_ - 2 < n) {
            fail(std::string(name) + " truncated (" + num(in_.size() - at_ - 2) + " of " + num(n) +
                     " bytes)",
                 at_);
            return std::nullopt;
        }
        const BytesView v = in_.subspan(at_ + 2, n);
        at_ += 2 + n;
        return v;
    }
    void fail(const std::string& what, std::size_t at) {
        if (!error_) error_ = make_error(msg_ + ": " + what, at);
    }

    BytesView in_;
    std::string msg_;
    std::size_t at_ = 0;
    std::optional<Error> error_;
};

std::string cid_list(const CipherIdSet& set) {
    std::string s = "{";
    for (std::size_t i = 0; i < set.size(); ++i) {
        if (i != 0) s += ",";
        s += num(cid_byte(set[i]));
    }
    return s + "}";
}

Result<NegotiationRequest> decode_negotiation_request(BytesView in, std::string_view msg,
                                                      std::string_view masked_name) {
    Reader rd(in, msg);
    NegotiationRequest p;
    rd.read(p.masked_kt, masked_name, kKeyLen, kKeyLen);
    rd.read_id(p.id_di, "ID_di");
    rd.read_id(p.id_g, "ID_G");
    rd.read_id(p.id_dj, "ID_dj");
    rd.read_cid(p.cid);
    return rd.finish(std::move(p));
}

Result<NegotiationResponse> decode_negotiation_response(BytesView in, std::string_view msg) {
    Reader rd(in, msg);
    NegotiationResponse p;
    rd.read(p.kt_xor, "kt_i xor kt_j", kKeyLen, kKeyLen);
    rd.read_id(p.id_g, "ID_G");
    rd.read_id(p.id_dj, "ID_dj");
    rd.read_id(p.id_di, "ID_di");
    rd.read_cid(p.cid);
    return rd.finish(std::move(p));
}

Result<KeyExchangeRequest> decode_key_exchange(BytesView in, std::string_view msg) {
    Reader rd(in, msg);
    KeyExchangeRequest p;
    rd.read(p.n, "N", 1, kMaxElement);
    rd.read(p.k_s, "K_s", 1, kMaxElement);
    rd.read_id(p.id_di, "ID_di");
    rd.read_id(p.id_dj, "ID_dj");
    rd.read_id(p.id_g, "ID_G");
    rd.read(p.enc_masked_n, "E_k_d(N xor k_d)", kAeadOverhead + 1, kMaxEncN);
    rd.read(p.f_r, "F_G(r)", kMinRsaCt, kMaxRsaCt);
    rd.read(p.mac, "f_K_s(N)", kMacLen, kMacLen);
    return rd.finish(std::move(p));
}

Status element_ok(const DlGroup& G, const BigNum& y, std::string_view name) {
    auto st = G.check_element(y);
    if (!st) return make_error(std::string(name) + " not in the subgroup: " + st.error().reason);
    return Ok{};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// C and negotiation.

std::optional<CipherId> cid_from_byte(std::uint8_t b) {
    return crypto::aead_from_id(b);
}

bool contains(const CipherIdSet& set, CipherId c) {
    for (CipherId x : set) {
        if (x == c) return true;
    }
    return false;
}

Bytes encode_cid_set(const CipherIdSet& set) {
    Bytes out;
    out.reserve(set.size());
    for (CipherId c : set) out.push_back(cid_byte(c));
    return out;
}

Result<CipherIdSet> decode_cid_set(BytesView in) {
    if (in.empty()) return make_error("CidSet: empty", 0);
    if (in.size() > kMaxCids) return make_error("CidSet: more than 4 entries", kMaxCids);
    CipherIdSet set;
    for (std::size_t i = 0; i < in.size(); ++i) {
        auto c = cid_from_byte(in[i]);
        if (!c) return make_error("CidSet: unknown cid " + num(in[i]), i);
        if (contains(set, *c)) return make_error("CidSet: duplicate cid " + num(in[i]), i);
        set.push_back(*c);
    }
    return set;
}

Result<CipherId> negotiate_cid(const CipherIdSet& preference, const CipherIdSet& set_i,
                               const CipherIdSet& set_j) {
    for (CipherId c : preference) {
        if (contains(set_i, c) && contains(set_j, c)) return c;
    }
    return make_error("no common cid: preference " + cid_list(preference) + ", CidSet_i " +
                      cid_list(set_i) + ", CidSet_j " + cid_list(set_j));
}

Result<CipherId> negotiate_cid(const CipherIdSet& set_i, const CipherIdSet& set_j) {
    return negotiate_cid(set_i, set_i, set_j);
}

Status check_cid_common(CipherId c, const CipherIdSet& set_i, const CipherIdSet& set_j) {
    if (!contains(set_i, c)) return make_error("cid " + num(cid_byte(c)) + " not in CidSet_i");
    if (!contains(set_j, c)) return make_error("cid " + num(cid_byte(c)) + " not in CidSet_j");
    return Ok{};
}

// ---------------------------------------------------------------------------------------------
// Keys and xor.

SecretBytes generate_kd(Rng& rng) {
    return rng.secret_bytes(kKeyLen);
}

SecretBytes generate_kt(Rng& rng) {
    return rng.secret_bytes(kKeyLen);
}

Result<SecretBytes> kd_from_pin(std::string_view pin, BytesView device_id) {
    if (pin.size() != 6) return make_error("PIN must be exactly 6 decimal digits");
    for (char c : pin) {
        if (c < '0' || c > '9') return make_error("PIN must be exactly 6 decimal digits");
    }
    if (device_id.empty()) return make_error("device ID must not be empty");
    return crypto::kbkdf_counter(crypto::KbkdfPrf::hmac_sha256, view(pin), view(kPinLabel),
                                 device_id, kKeyLen);
}

KdfLabels kdf_labels() {
    return {kPinLabel, kSymKeyLabel, kExpandLabel};
}

Result<SecretBytes> expand_kd(BytesView k_d, std::size_t len) {
    return crypto::kbkdf_counter(crypto::KbkdfPrf::hmac_sha256, k_d, view(kExpandLabel),
                                 BytesView{}, len);
}

Result<SecretBytes> xor_bytes(BytesView a, BytesView b) {
    if (a.size() != b.size()) {
        return make_error("xor: length mismatch (" + num(a.size()) + " vs " + num(b.size()) +
                          " bytes)");
    }
    SecretBytes out(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) out[i] = static_cast<std::uint8_t>(a[i] ^ b[i]);
    return out;
}

// ---------------------------------------------------------------------------------------------
// E^G / D^G and F_G.

std::size_t oaep_max_plaintext(const RsaKey& key) {
    const auto n = static_cast<std::size_t>(key.bits() + 7) / 8;
    return n > kOaepOverhead ? n - kOaepOverhead : 0;
}

Result<Bytes> eg_encrypt(const RsaKey& pk, BytesView plaintext, BytesView seed) {
    const std::size_t max = oaep_max_plaintext(pk);
    if (plaintext.size() > max) {
        return make_error("E^G: plaintext of " + num(plaintext.size()) + " bytes exceeds the " +
                          num(max) + "-byte OAEP limit of a " + std::to_string(pk.bits()) +
                          "-bit key");
    }
    auto ct = pk.oaep_encrypt(plaintext, seed);
    if (!ct) return prefixed("E^G", ct.error());
    return ct;
}

Result<SecretBytes> dg_decrypt(const RsaKey& pr, BytesView ciphertext) {
    auto pt = pr.oaep_decrypt(ciphertext);
    if (!pt) return prefixed("D^G", pt.error());
    return pt;
}

Result<Bytes> fg_apply(const RsaKey& trapdoor, const DlGroup& G, const BigNum& r, BytesView seed) {
    if (!G.check_scalar(r)) return make_error("F_G: r out of range");
    Bytes enc = r.to_bytes_padded(G.scalar_bytes());
    auto ct = trapdoor.oaep_encrypt(view(enc), seed);
    secure_wipe(enc.data(), enc.size());
    if (!ct) return prefixed("F_G", ct.error());
    return ct;
}

Result<BigNum> fg_invert(const RsaKey& trapdoor, const DlGroup& G, BytesView ciphertext) {
    auto pt = trapdoor.oaep_decrypt(ciphertext);
    if (!pt) return prefixed("F_G", pt.error());
    if (pt->size() != G.scalar_bytes()) {
        return make_error("F_G: r has " + num(pt->size()) + " bytes, expected " +
                          num(G.scalar_bytes()));
    }
    BigNum r = BigNum::from_bytes(view(*pt));
    if (!G.check_scalar(r)) return make_error("F_G: r out of range");
    return r;
}

// ---------------------------------------------------------------------------------------------
// E^x / D^x and f_k.

Result<SecretBytes> sym_key(CipherId cid, BytesView k) {
    const std::uint8_t ctx = cid_byte(cid);
    return crypto::kbkdf_counter(crypto::KbkdfPrf::hmac_sha256, k, view(kSymKeyLabel),
                                 BytesView(&ctx, 1), crypto::aead_key_len(cid));
}

Result<Bytes> sym_seal(CipherId cid, BytesView k, BytesView aad, BytesView plaintext, Rng& rng) {
    auto key = sym_key(cid, k);
    if (!key) return prefixed("E^x", key.error());
    Bytes out = rng.bytes(crypto::aead_nonce_len(cid));
    auto ct = crypto::aead_seal(cid, view(*key), view(out), aad, plaintext);
    if (!ct) return prefixed("E^x", ct.error());
    out.insert(out.end(), ct->begin(), ct->end());
    return out;
}

Result<SecretBytes> sym_open(CipherId cid, BytesView k, BytesView aad, BytesView ciphertext) {
    const std::size_t nonce_len = crypto::aead_nonce_len(cid);
    if (ciphertext.size() < nonce_len + crypto::kAeadTagLen) {
        return make_error("E^x: ciphertext shorter than nonce and tag");
    }
    auto key = sym_key(cid, k);
    if (!key) return prefixed("E^x", key.error());
    auto pt = crypto::aead_open(cid, view(*key), ciphertext.first(nonce_len), aad,
                                ciphertext.subspan(nonce_len));
    if (!pt) return prefixed("E^x", pt.error());
    return pt;
}

Bytes f_mac(BytesView k, BytesView x) {
    const crypto::Digest d = crypto::hmac_sha256(k, x);
    return {d.begin(), d.end()};
}

// ---------------------------------------------------------------------------------------------
// Elements.

Bytes encode_element(const DlGroup& G, const BigNum& y) {
    return y.to_bytes_padded(G.element_bytes());
}

SecretBytes encode_secret_element(const DlGroup& G, const BigNum& y) {
    Bytes b = y.to_bytes_padded(G.element_bytes());
    SecretBytes s(b.begin(), b.end());
    secure_wipe(b.data(), b.size());
    return s;
}

Result<BigNum> decode_element(const DlGroup& G, BytesView in, std::string_view name) {
    if (in.size() != G.element_bytes()) {
        return make_error(std::string(name) + " has " + num(in.size()) + " bytes, expected " +
                          num(G.element_bytes()));
    }
    BigNum y = BigNum::from_bytes(in);
    if (auto st = element_ok(G, y, name); !st) return st.error();
    return y;
}

// ---------------------------------------------------------------------------------------------
// Inner plaintexts.

SecretBytes RegKeyPlain::encode() const {
    SecretBytes out;
    put_field(out, view(k_d));
    return out;
}

Result<RegKeyPlain> decode_reg_key(BytesView in) {
    Reader rd(in, "Reg");
    RegKeyPlain p;
    rd.read(p.k_d, "k_d", kKeyLen, kKeyLen);
    return rd.finish(std::move(p));
}

Bytes RegIdPlain::encode() const {
    Bytes out;
    put_field(out, view(id_d));
    return out;
}

Result<RegIdPlain> decode_reg_id(BytesView in) {
    Reader rd(in, "Reg");
    RegIdPlain p;
    rd.read_id(p.id_d, "ID_d");
    return rd.finish(std::move(p));
}

SecretBytes NegotiationRequest::encode() const {
    SecretBytes out;
    put_field(out, view(masked_kt));
    put_field(out, view(id_di));
    put_field(out, view(id_g));
    put_field(out, view(id_dj));
    put_cid(out, cid);
    return out;
}

Result<NegotiationRequest> decode_a1(BytesView in) {
    return decode_negotiation_request(in, "A1", "kt_i xor k_di");
}

Result<NegotiationRequest> decode_a2(BytesView in) {
    return decode_negotiation_request(in, "A2", "kt_i xor k_dj");
}

SecretBytes NegotiationResponse::encode() const {
    SecretBytes out;
    put_field(out, view(kt_xor));
    put_field(out, view(id_g));
    put_field(out, view(id_dj));
    put_field(out, view(id_di));
    put_cid(out, cid);
    return out;
}

Result<NegotiationResponse> decode_a3(BytesView in) {
    return decode_negotiation_response(in, "A3");
}

Result<NegotiationResponse> decode_a4(BytesView in) {
    return decode_negotiation_response(in, "A4");
}

SecretBytes KeyExchangeRequest::encode() const {
    SecretBytes out;
    put_field(out, view(n));
    put_field(out, view(k_s));
    put_field(out, view(id_di));
    put_field(out, view(id_dj));
    put_field(out, view(id_g));
    put_field(out, view(enc_masked_n));
    put_field(out, view(f_r));
    put_field(out, view(mac));
    return out;
}

Result<KeyExchangeRequest> decode_b1(BytesView in) {
    return decode_key_exchange(in, "B1");
}

Result<KeyExchangeRequest> decode_b3(BytesView in) {
    return decode_key_exchange(in, "B3");
}

Bytes KeyExchangeInvitation::encode() const {
    Bytes out;
    put_field(out, view(id_di));
    put_field(out, view(id_g));
    Bytes s;
    put_u64(s, session);
    put_field(out, view(s));
    return out;
}

Result<KeyExchangeInvitation> decode_b2(BytesView in) {
    Reader rd(in, "B2");
    KeyExchangeInvitation p;
    rd.read_id(p.id_di, "ID_di");
    rd.read_id(p.id_g, "ID_G");
    rd.read_u64(p.session, "session id");
    return rd.finish(std::move(p));
}

Bytes KeyDistribution::encode() const {
    Bytes out;
    put_field(out, view(id_di));
    put_field(out, view(id_dj));
    put_field(out, view(n_rs));
    put_field(out, view(mac));
    return out;
}

Result<KeyDistribution> decode_b6(BytesView in) {
    Reader rd(in, "B6");
    KeyDistribution p;
    rd.read_id(p.id_di, "ID_di");
    rd.read_id(p.id_dj, "ID_dj");
    rd.read(p.n_rs, "N^R_s", 1, kMaxElement);
    rd.read(p.mac, "MAC_S", kMacLen, kMacLen);
    return rd.finish(std::move(p));
}

SecretBytes DataPlain::encode() const {
    SecretBytes out;
    put_field(out, view(m));
    return out;
}

Result<DataPlain> decode_data(BytesView in) {
    Reader rd(in, "Data");
    DataPlain p;
    rd.read(p.m, "m", 1, kMaxData);
    return rd.finish(std::move(p));
}

// ---------------------------------------------------------------------------------------------
// Key exchange.

KeyShare make_key_share(const DlGroup& G, Rng& rng) {
    KeyShare s;
    s.R = G.random_scalar(rng);
    s.r = G.random_scalar(rng);
    s.n = G.exp_g(s.R);
    s.k_s = G.exp(s.n, s.r);
    return s;
}

Bytes mac_n(const DlGroup& G, const BigNum& k_s, const BigNum& n) {
    const SecretBytes key = encode_secret_element(G, k_s);
    const Bytes x = encode_element(G, n);
    return f_mac(view(key), view(x));
}

Result<Bytes> seal_masked_n(const DlGroup& G, CipherId cid, BytesView k_d, const BigNum& n,
                            Rng& rng) {
    auto pad = expand_kd(k_d, G.element_bytes());
    if (!pad) return prefixed("E_k_d(N xor k_d)", pad.error());
    const Bytes nb = encode_element(G, n);
    auto masked = xor_bytes(view(nb), view(*pad));
    if (!masked) return prefixed("E_k_d(N xor k_d)", masked.error());
    auto ct = sym_seal(cid, k_d, BytesView{}, view(*masked), rng);
    if (!ct) return prefixed("E_k_d(N xor k_d)", ct.error());
    return ct;
}

Result<BigNum> open_masked_n(const DlGroup& G, CipherId cid, BytesView k_d, BytesView ct) {
    auto masked = sym_open(cid, k_d, BytesView{}, ct);
    if (!masked) return prefixed("E_k_d(N xor k_d)", masked.error());
    auto pad = expand_kd(k_d, masked->size());
    if (!pad) return prefixed("E_k_d(N xor k_d)", pad.error());
    auto nb = xor_bytes(view(*masked), view(*pad));
    if (!nb) return prefixed("E_k_d(N xor k_d)", nb.error());
    return decode_element(G, view(*nb), "recovered N");
}

Result<KeyExchangeRequest> make_key_exchange(const DlGroup& G, CipherId cid, BytesView k_d,
                                             const RsaKey& trapdoor, const KeyShare& share,
                                             BytesView id_di, BytesView id_dj, BytesView id_g,
                                             Rng& rng) {
    KeyExchangeRequest req;
    req.n = encode_element(G, share.n);
    req.k_s = encode_secret_element(G, share.k_s);
    req.id_di = to_bytes(id_di);
    req.id_dj = to_bytes(id_dj);
    req.id_g = to_bytes(id_g);
    auto enc = seal_masked_n(G, cid, k_d, share.n, rng);
    if (!enc) return enc.error();
    req.enc_masked_n = std::move(*enc);
    auto f_r = fg_apply(trapdoor, G, share.r, view(rng.bytes(crypto::kOaepSeedLen)));
    if (!f_r) return f_r.error();
    req.f_r = std::move(*f_r);
    req.mac = mac_n(G, share.k_s, share.n);
    return req;
}

Result<KeyExchangeCheck> check_key_exchange(const DlGroup& G, CipherId cid, BytesView k_d,
                                            const RsaKey& trapdoor, const KeyExchangeRequest& req) {
    auto clear_n = decode_element(G, view(req.n), "N");
    if (!clear_n) return clear_n.error();
    auto clear_ks = decode_element(G, view(req.k_s), "K_s");
    if (!clear_ks) return clear_ks.error();
    auto n = open_masked_n(G, cid, k_d, view(req.enc_masked_n));
    if (!n) return n.error();
    auto r = fg_invert(trapdoor, G, view(req.f_r));
    if (!r) return r.error();
    KeyExchangeCheck out;
    out.k_s = G.exp(*n, *r);
    if (!equal_ct(view(req.mac), view(mac_n(G, out.k_s, *n)))) {
        return make_error("f_K_s(N) does not verify");
    }
    out.clear_values_match = *clear_n == *n && *clear_ks == out.k_s;
    out.n = std::move(*n);
    out.r = std::move(*r);
    return out;
}

Bytes key_distribution_mac(const DlGroup& G, BytesView id_di, BytesView id_dj, const BigNum& k_s,
                           const BigNum& n_rs) {
    const SecretBytes key = encode_secret_element(G, k_s);
    const Bytes nb = encode_element(G, n_rs);
    SecretBytes x;
    put_field(x, id_di);
    put_field(x, id_dj);
    put_field(x, view(key));
    put_field(x, view(nb));
    return f_mac(view(key), view(x));
}

Result<KeyDistribution> make_key_distribution(const DlGroup& G, BytesView id_di, BytesView id_dj,
                                              const BigNum& k_s_dest, const BigNum& n_other,
                                              const BigNum& R_s) {
    if (auto st = element_ok(G, n_other, "N_other"); !st) return st.error();
    const BigNum n_rs = G.exp(n_other, R_s);
    KeyDistribution out;
    out.id_di = to_bytes(id_di);
    out.id_dj = to_bytes(id_dj);
    out.n_rs = encode_element(G, n_rs);
    out.mac = key_distribution_mac(G, id_di, id_dj, k_s_dest, n_rs);
    return out;
}

Result<BigNum> verify_key_distribution(const DlGroup& G, const KeyDistribution& msg,
                                       BytesView id_di, BytesView id_dj, const BigNum& k_s,
                                       const BigNum& R_self) {
    auto n_rs = decode_element(G, view(msg.n_rs), "N^R_s");
    if (!n_rs) return n_rs.error();
    const Bytes expected = key_distribution_mac(G, id_di, id_dj, k_s, *n_rs);
    if (!equal_ct(view(msg.mac), view(expected))) {
        return make_error("f_K_s(ID_di, ID_dj, K_s, N^R_s) does not verify");
    }
    return G.exp(*n_rs, R_self);
}

SecretBytes session_key_material(const DlGroup& G, const BigNum& K) {
    return encode_secret_element(G, K);
}

}  // namespace mtc::sga
