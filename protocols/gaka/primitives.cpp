#include "protocols/gaka/primitives.hpp"

#include <algorithm>

#include "protocols/core/crypto/aead.hpp"
#include "protocols/core/crypto/hash.hpp"

namespace mtc::gaka {
namespace {

constexpr std::size_t kAvItems = 4;  // RAND, XRES, AUTN, K_ASME

// Reads the items of an encode_list; every error names the body and the item.
class Items {
public:
    Items(BytesView in, std::string_view what) : in_(in), what_(what) {}

    Result<BytesView> next(std::string_view name, std::size_t lo, std::size_t hi) {
        if (in_.size() - at_ < 2) return err(name, "is missing");
        const std::size_t n = get_u16(in_, at_);
        if (in_.size() - at_ - 2 < n) return err(name, "runs past the end");
        if (n < lo || n > hi) {
            return err(name, "has " + std::to_string(n) + " bytes, expected " + std::to_string(lo) +
                                 ".." + std::to_string(hi));
        }
        const BytesView v = in_.subspan(at_ + 2, n);
        at_ += 2 + n;
        return v;
    }
    [[nodiscard]] bool done() const { return at_ == in_.size(); }
    Status finish() const {
        if (!done()) return make_error(std::string(what_) + ": trailing bytes after the last item");
        return Ok{};
    }

private:
    Error err(std::string_view name, const std::string& why) const {
        return make_error(std::string(what_) + ": " + std::string(name) + " " + why + " (offset " +
                          std::to_string(at_) + ")");
    }
    BytesView in_;
    std::string_view what_;
    std::size_t at_ = 0;
};

void put_item(Bytes& out, BytesView v) {
    put_u16(out, static_cast<std::uint16_t>(v.size()));
    out.insert(out.end(), v.begin(), v.end());
}
void put_item(SecretBytes& out, BytesView v) {
    out.push_back(static_cast<std::uint8_t>(v.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(v.size()));
    out.insert(out.end(), v.begin(), v.end());
}

Result<std::string> read_imsi(Items& in, std::string_view name) {
    auto v = in.next(name, kMinImsi, kMaxImsi);
    if (!v) return v.error();
    std::string s = to_string(*v);
    if (Status ok = check_imsi(s); !ok)
        return make_error(std::string(name) + ": " + ok.error().reason);
    return s;
}

void put_av(SecretBytes& out, const EpsAv& av) {
    put_item(out, view(av.rand));
    put_item(out, view(av.xres));
    put_item(out, view(av.autn));
    put_item(out, view(av.kasme));
}

Result<EpsAv> read_av(Items& in) {
    EpsAv av;
    auto r = in.next("RAND", kRandLen, kRandLen);
    if (!r) return r.error();
    auto x = in.next("XRES", 4, 16);
    if (!x) return x.error();
    auto a = in.next("AUTN", kAutnLen, kAutnLen);
    if (!a) return a.error();
    auto k = in.next("K_ASME", kKasmeLen, kKasmeLen);
    if (!k) return k.error();
    av.rand = to_bytes(*r);
    av.xres = to_bytes(*x);
    av.autn = to_bytes(*a);
    av.kasme = to_secret(*k);
    return av;
}

std::size_t av_size(const EpsAv& av) {
    return 2 * kAvItems + av.rand.size() + av.xres.size() + av.autn.size() + av.kasme.size();
}

Bytes u16_bytes(std::uint16_t v) {
    Bytes b;
    put_u16(b, v);
    return b;
}

Bytes box_aad(const Message& m) {
    Bytes aad = {m.protocol, m.type};
    put_u64(aad, m.session);
    const BytesView sn = m.get_or_empty(SNid);
    aad.insert(aad.end(), sn.begin(), sn.end());
    return aad;
}

}  // namespace

Status check_imsi(std::string_view imsi) {
    if (imsi.size() < kMinImsi || imsi.size() > kMaxImsi) {
        return make_error("IMSI must have " + std::to_string(kMinImsi) + ".." +
                          std::to_string(kMaxImsi) + " digits, got " + std::to_string(imsi.size()));
    }
    if (!std::all_of(imsi.begin(), imsi.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return make_error("IMSI must be decimal digits only");
    }
    return Ok{};
}

Result<Bytes> plmn_id(std::string_view mcc_mnc) {
    const auto dash = mcc_mnc.find('-');
    const std::string_view mcc = mcc_mnc.substr(0, dash);
    const std::string_view mnc =
        dash == std::string_view::npos ? std::string_view{} : mcc_mnc.substr(dash + 1);
    auto digits = [](std::string_view s) {
        return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    if (mcc.size() != 3 || (mnc.size() != 2 && mnc.size() != 3) || !digits(mcc) || !digits(mnc)) {
        return make_error(
            "SN id must be MCC-MNC, e.g. 001-01 (3-digit MCC, 2- or 3-digit MNC), got '" +
            std::string(mcc_mnc) + "'");
    }
    auto d = [](char c) { return static_cast<std::uint8_t>(c - '0'); };
    const std::uint8_t mnc3 = mnc.size() == 3 ? d(mnc[2]) : 0x0f;
    return Bytes{static_cast<std::uint8_t>((d(mcc[1]) << 4) | d(mcc[0])),
                 static_cast<std::uint8_t>((mnc3 << 4) | d(mcc[2])),
                 static_cast<std::uint8_t>((d(mnc[1]) << 4) | d(mnc[0]))};
}

std::string plmn_name(BytesView sn_id) {
    if (sn_id.size() != kSnIdLen) return "?" + to_hex(sn_id);
    auto digit = [](std::uint8_t v) { return v <= 9 ? static_cast<char>('0' + v) : '?'; };
    std::string s;
    s += digit(sn_id[0] & 0x0f);
    s += digit(sn_id[0] >> 4);
    s += digit(sn_id[1] & 0x0f);
    s += '-';
    s += digit(sn_id[2] & 0x0f);
    s += digit(sn_id[2] >> 4);
    if ((sn_id[1] >> 4) != 0x0f) s += digit(sn_id[1] >> 4);
    return s;
}

Result<Bytes> seal_box(BytesView k_sh, const Message& m, BytesView plain, Rng& rng) {
    if (!m.has(SNid)) return make_error("box: the message carries no SNid");
    if (plain.size() > kMaxBoxPlain) return make_error("box: plaintext larger than one frame");
    Bytes out = rng.bytes(kBoxNonceLen);
    const Bytes aad = box_aad(m);
    auto ct = crypto::aead_seal(crypto::AeadAlg::aes_128_gcm, k_sh, view(out), view(aad), plain);
    if (!ct) return ct.error();
    out.insert(out.end(), ct->begin(), ct->end());
    return out;
}

Result<SecretBytes> open_box(BytesView k_sh, const Message& m) {
    const Bytes* b = m.get(Box);
    if (b == nullptr) return make_error("box: the message carries no Box");
    if (!m.has(SNid)) return make_error("box: the message carries no SNid");
    if (b->size() < kBoxOverhead) return make_error("box: shorter than nonce and tag");
    const Bytes aad = box_aad(m);
    auto pt = crypto::aead_open(crypto::AeadAlg::aes_128_gcm, k_sh, view(*b).first(kBoxNonceLen),
                                view(aad), view(*b).subspan(kBoxNonceLen));
    if (!pt) return make_error("box does not open under K_SH");
    return pt;
}

Result<EpsAv> make_eps_av(Milenage& milenage, HnSqnGenerator& gen, BytesView sn_id, Rng& rng) {
    auto sqn = gen.next();
    if (!sqn) return sqn.error();
    const Bytes rand = rng.bytes(kRandLen);
    auto v = make_auth_vector(milenage, view(rand), *sqn, BytesView(kAmfEps, kAmfLen));
    if (!v) return v.error();
    auto kasme = derive_kasme(view(v->ck), view(v->ik), sn_id, view(v->sqn_xor_ak));
    if (!kasme) return kasme.error();
    return EpsAv{v->rand, v->xres, v->autn, std::move(*kasme)};
}

Result<SecretBytes> device_kasme(const UsimResponse& accepted, BytesView sn_id, BytesView autn) {
    if (accepted.verdict != UsimVerdict::accepted) {
        return make_error("K_ASME: the challenge was not accepted");
    }
    if (autn.size() != kAutnLen) return make_error("K_ASME: AUTN must be 16 bytes");
    return derive_kasme(view(accepted.ck), view(accepted.ik), sn_id, autn.first(kSqnLen));
}

Bytes encode_body(const AuthDataReqBody& b) {
    Bytes out;
    put_item(out, view(b.imsi));
    if (!b.rand.empty() || !b.auts.empty()) {
        put_item(out, view(b.rand));
        put_item(out, view(b.auts));
    }
    return out;
}

Result<AuthDataReqBody> decode_auth_data_req(BytesView plain) {
    Items in(plain, "AuthDataReq box");
    AuthDataReqBody b;
    auto imsi = read_imsi(in, "IMSI");
    if (!imsi) return imsi.error();
    b.imsi = std::move(*imsi);
    if (!in.done()) {
        auto r = in.next("RAND", kRandLen, kRandLen);
        if (!r) return r.error();
        auto a = in.next("AUTS", kAutsLen, kAutsLen);
        if (!a) return a.error();
        b.rand = to_bytes(*r);
        b.auts = to_bytes(*a);
    }
    if (Status s = in.finish(); !s) return s.error();
    return b;
}

SecretBytes encode_body(const AuthDataRespBody& b) {
    SecretBytes out;
    put_item(out, view(b.imsi));
    put_av(out, b.av);
    return out;
}

Result<AuthDataRespBody> decode_auth_data_resp(BytesView plain) {
    Items in(plain, "AuthDataResp box");
    AuthDataRespBody b;
    auto imsi = read_imsi(in, "IMSI");
    if (!imsi) return imsi.error();
    b.imsi = std::move(*imsi);
    auto av = read_av(in);
    if (!av) return av.error();
    b.av = std::move(*av);
    if (Status s = in.finish(); !s) return s.error();
    return b;
}

Bytes encode_body(const GroupAuthDataReqBody& b) {
    Bytes out;
    put_item(out, view(b.imsi_l));
    put_item(out, view(b.gid));
    return out;
}

Result<GroupAuthDataReqBody> decode_group_auth_data_req(BytesView plain) {
    Items in(plain, "GroupAuthDataReq box");
    GroupAuthDataReqBody b;
    auto imsi = read_imsi(in, "IMSI_L");
    if (!imsi) return imsi.error();
    b.imsi_l = std::move(*imsi);
    auto gid = in.next("GID", 1, kMaxGid);
    if (!gid) return gid.error();
    b.gid = to_string(*gid);
    if (Status s = in.finish(); !s) return s.error();
    return b;
}

SecretBytes encode_body(const GroupAuthDataRespBody& b) {
    SecretBytes out;
    put_item(out, view(b.gid));
    put_item(out, view(b.imsi_l));
    put_item(out, view(u16_bytes(b.part)));
    put_item(out, view(u16_bytes(b.parts)));
    put_item(out, view(b.rand_g));
    put_item(out, view(b.gak));
    put_av(out, b.av_l);
    for (const MemberAv& m : b.members) {
        put_item(out, view(m.imsi));
        put_av(out, m.av);
    }
    return out;
}

Result<GroupAuthDataRespBody> decode_group_auth_data_resp(BytesView plain) {
    Items in(plain, "GroupAuthDataResp box");
    GroupAuthDataRespBody b;
    auto gid = in.next("GID", 1, kMaxGid);
    if (!gid) return gid.error();
    b.gid = to_string(*gid);
    auto imsi = read_imsi(in, "IMSI_L");
    if (!imsi) return imsi.error();
    b.imsi_l = std::move(*imsi);
    auto part = in.next("part", 2, 2);
    if (!part) return part.error();
    auto parts = in.next("parts", 2, 2);
    if (!parts) return parts.error();
    b.part = get_u16(*part, 0);
    b.parts = get_u16(*parts, 0);
    if (b.parts == 0 || b.part >= b.parts) {
        return make_error("GroupAuthDataResp box: part " + std::to_string(b.part) + " of " +
                          std::to_string(b.parts) + " is out of range");
    }
    auto rg = in.next("RAND_G", kRandLen, kRandLen);
    if (!rg) return rg.error();
    b.rand_g = to_bytes(*rg);
    auto gak = in.next("GAK", kGakLen, kGakLen);
    if (!gak) return gak.error();
    b.gak = to_secret(*gak);
    auto av_l = read_av(in);
    if (!av_l) return av_l.error();
    b.av_l = std::move(*av_l);
    while (!in.done()) {
        MemberAv m;
        auto mi = read_imsi(in, "IMSI_i");
        if (!mi) return mi.error();
        m.imsi = std::move(*mi);
        auto av = read_av(in);
        if (!av) return av.error();
        m.av = std::move(*av);
        b.members.push_back(std::move(m));
    }
    return b;
}

std::vector<GroupAuthDataRespBody> split_group_resp(const GroupAuthDataRespBody& whole) {
    // Six 2-byte length prefixes (GID, IMSI_L, part, parts, RAND_G, GAK), then the values.
    const std::size_t head = std::size_t{12} + whole.gid.size() + whole.imsi_l.size() + 2 + 2 +
                             whole.rand_g.size() + whole.gak.size() + av_size(whole.av_l);
    std::vector<GroupAuthDataRespBody> parts;
    auto start_part = [&] {
        GroupAuthDataRespBody p;
        p.gid = whole.gid;
        p.imsi_l = whole.imsi_l;
        p.rand_g = whole.rand_g;
        p.gak = whole.gak;
        p.av_l = whole.av_l;
        parts.push_back(std::move(p));
        return head;
    };
    std::size_t used = start_part();
    for (const MemberAv& m : whole.members) {
        const std::size_t need = 2 + m.imsi.size() + av_size(m.av);
        if (used + need > kMaxBoxPlain && !parts.back().members.empty()) used = start_part();
        parts.back().members.push_back(m);
        used += need;
    }
    for (std::size_t i = 0; i < parts.size(); ++i) {
        parts[i].part = static_cast<std::uint16_t>(i);
        parts[i].parts = static_cast<std::uint16_t>(parts.size());
    }
    return parts;
}

Result<SecretBytes> derive_gak(BytesView k_g, BytesView gid, BytesView sn_id, BytesView rand_g) {
    static constexpr std::string_view kLabel = "GAK";
    return generic_kdf(k_g, kFcGak, {view(kLabel), gid, sn_id, rand_g});
}

Bytes mac_g(BytesView gak, BytesView rand_i, BytesView sn_id) {
    Bytes data = to_bytes(rand_i);
    data.insert(data.end(), sn_id.begin(), sn_id.end());
    const auto d = crypto::hmac_sha256(gak, view(data));
    return Bytes(d.begin(), d.end());
}

}  // namespace mtc::gaka
