#include "protocols/gaka/sqn.hpp"

#include <algorithm>
#include <utility>

namespace mtc::gaka {

namespace {

// The dummy AMF of re-synchronisation (TS 33.102 6.3.3).
constexpr std::array<std::uint8_t, kAmfLen> kAmfStar = {0x00, 0x00};

constexpr std::uint8_t kStateVersion = 1;
constexpr std::size_t kUsimStateLen = 1 + kSqnLen + kIndSlots * kSqnLen;  // 199
constexpr std::size_t kHnStateLen = 1 + kSqnLen + 1;                      // 8

std::string hex_sqn(std::uint64_t sqn) {
    const Sqn b = sqn_bytes(sqn);
    return to_hex(BytesView(b.data(), b.size()));
}

void put_sqn(Bytes& out, std::uint64_t v) {
    const Sqn b = sqn_bytes(v);
    out.insert(out.end(), b.begin(), b.end());
}

std::uint64_t get_sqn(BytesView in, std::size_t at) {
    return sqn_value(in.subspan(at, kSqnLen)).value();  // callers checked the length
}

Status check_state_header(BytesView in, std::size_t len, std::string_view what) {
    if (in.size() != len) {
        return make_error(std::string(what) + ": " + std::to_string(in.size()) +
                          " bytes, expected " + std::to_string(len));
    }
    if (in[0] != kStateVersion) {
        return make_error(std::string(what) + ": unknown version " + std::to_string(in[0]));
    }
    return Ok{};
}

}  // namespace

std::uint64_t sqn_value(const Sqn& sqn) {
    std::uint64_t v = 0;
    for (std::uint8_t b : sqn) v = (v << 8) | b;
    return v;
}

Result<std::uint64_t> sqn_value(BytesView sqn) {
    if (sqn.size() != kSqnLen) {
        return make_error("SQN must be 6 bytes, got " + std::to_string(sqn.size()));
    }
    Sqn s{};
    std::copy(sqn.begin(), sqn.end(), s.begin());
    return sqn_value(s);
}

Sqn sqn_bytes(std::uint64_t sqn) {
    Sqn out{};
    for (std::size_t i = 0; i < kSqnLen; ++i) {
        out[kSqnLen - 1 - i] = static_cast<std::uint8_t>(sqn >> (8 * i));
    }
    return out;
}

// ---- USIM ----

Status UsimSqnState::check(std::uint64_t sqn) const {
    if (sqn > kSqnMax) return make_error("SQN out of range: more than 48 bits");
    const std::uint64_t seq = seq_of(sqn);
    const std::size_t ind = ind_of(sqn);
    const std::uint64_t highest = seq_ms();
    // C.2.1: fresh only if SEQ > SEQ_MS(IND).
    if (seq <= seq_.at(ind)) {
        return make_error("SQN replayed: SEQ " + std::to_string(seq) + " is not above SEQ_MS(" +
                          std::to_string(ind) + ") = " + std::to_string(seq_.at(ind)));
    }
    // C.2.2: wrap-around protection, SEQ - SEQ_MS <= delta.
    if (seq > highest && seq - highest > params_.delta) {
        return make_error("SQN out of range: SEQ " + std::to_string(seq) + " is more than " +
                          std::to_string(params_.delta) + " above SEQ_MS " +
                          std::to_string(highest));
    }
    // C.2.2: age limit, SEQ_MS - SEQ < L.
    if (seq < highest && highest - seq >= params_.age_limit) {
        return make_error("SQN too old: SEQ " + std::to_string(seq) + " is " +
                          std::to_string(highest - seq) + " below SEQ_MS " +
                          std::to_string(highest) +
                          " (limit L = " + std::to_string(params_.age_limit) + ")");
    }
    return Ok{};
}

Status UsimSqnState::accept(std::uint64_t sqn) {
    if (Status s = check(sqn); !s) return s;
    record(sqn);
    return Ok{};
}

void UsimSqnState::record(std::uint64_t sqn) {
    sqn &= kSqnMax;
    std::uint64_t& slot = seq_.at(ind_of(sqn));
    slot = std::max(slot, seq_of(sqn));
    if (seq_of(sqn) > seq_ms()) sqn_ms_ = sqn;
}

Bytes UsimSqnState::encode() const {
    Bytes out{kStateVersion};
    put_sqn(out, sqn_ms_);
    for (std::uint64_t seq : seq_) put_sqn(out, seq);
    return out;
}

Result<UsimSqnState> UsimSqnState::decode(BytesView in, SqnParams params) {
    constexpr std::string_view kWhat = "USIM SQN state";
    if (Status s = check_state_header(in, kUsimStateLen, kWhat); !s) return s.error();
    UsimSqnState st(params);
    st.sqn_ms_ = get_sqn(in, 1);
    std::uint64_t highest = 0;
    for (std::size_t i = 0; i < kIndSlots; ++i) {
        const std::uint64_t seq = get_sqn(in, 1 + kSqnLen * (1 + i));
        if (seq > kSeqMax) {
            return make_error(std::string(kWhat) + ": SEQ_MS(" + std::to_string(i) +
                              ") exceeds 43 bits");
        }
        st.seq_.at(i) = seq;
        highest = std::max(highest, seq);
    }
    // SQN_MS is the highest SQN accepted: its SEQ is the array's maximum, held in its slot.
    if (seq_of(st.sqn_ms_) != highest || st.seq_.at(ind_of(st.sqn_ms_)) != highest) {
        return make_error(std::string(kWhat) + ": SQN_MS disagrees with the SEQ_MS array");
    }
    return st;
}

Result<Bytes> make_auts(Milenage& milenage, BytesView rand, std::uint64_t sqn_ms) {
    const Sqn sqn = sqn_bytes(sqn_ms);
    auto ak_star = milenage.f5_star(rand);
    if (!ak_star) return ak_star.error();
    auto mac_s = milenage.f1_star(rand, sqn, kAmfStar);
    if (!mac_s) return mac_s.error();
    Bytes auts(kAutsLen);
    for (std::size_t i = 0; i < kSqnLen; ++i) auts[i] = sqn[i] ^ (*ak_star)[i];
    std::copy(mac_s->begin(), mac_s->end(), auts.begin() + kSqnLen);
    return auts;
}

Result<std::uint64_t> open_auts(Milenage& milenage, BytesView rand, BytesView auts) {
    if (auts.size() != kAutsLen) {
        return make_error("AUTS must be 14 bytes, got " + std::to_string(auts.size()));
    }
    auto ak_star = milenage.f5_star(rand);
    if (!ak_star) return ak_star.error();
    Sqn sqn{};
    for (std::size_t i = 0; i < kSqnLen; ++i) sqn[i] = auts[i] ^ (*ak_star)[i];
    auto xmac_s = milenage.f1_star(rand, sqn, kAmfStar);
    if (!xmac_s) return xmac_s.error();
    if (!equal_ct(BytesView(xmac_s->data(), xmac_s->size()), auts.subspan(kSqnLen))) {
        return make_error("AUTS MAC-S failure");
    }
    return sqn_value(sqn);
}

Result<AuthVector> make_auth_vector(Milenage& milenage, BytesView rand, std::uint64_t sqn,
                                    BytesView amf) {
    if (sqn > kSqnMax) return make_error("SQN out of range: more than 48 bits");
    const Sqn sqn_b = sqn_bytes(sqn);
    auto mac_a = milenage.f1(rand, sqn_b, amf);  // checks RAND and AMF lengths
    if (!mac_a) return mac_a.error();
    auto f = milenage.f2345(rand);
    if (!f) return f.error();
    AuthVector av;
    av.rand = to_bytes(rand);
    av.xres = f->res;
    av.ck = std::move(f->ck);
    av.ik = std::move(f->ik);
    av.sqn = sqn;
    av.sqn_xor_ak.resize(kSqnLen);
    for (std::size_t i = 0; i < kSqnLen; ++i) av.sqn_xor_ak[i] = sqn_b[i] ^ f->ak[i];
    av.autn = av.sqn_xor_ak;
    av.autn.insert(av.autn.end(), amf.begin(), amf.end());
    av.autn.insert(av.autn.end(), mac_a->begin(), mac_a->end());
    return av;
}

// ---- HN ----

Result<std::uint64_t> HnSqnGenerator::next() {
    if (seq_he_ >= kSeqMax) return make_error("SQN exhausted: SEQ_HE at its 43-bit maximum");
    ++seq_he_;
    ind_ = (ind_ + 1) % kIndSlots;
    return make_sqn(seq_he_, ind_);
}

Result<std::uint64_t> HnSqnGenerator::resync(Milenage& milenage, BytesView rand, BytesView auts) {
    return resync(milenage, rand, auts, true);
}

Result<std::uint64_t> HnSqnGenerator::resync(Milenage& milenage, BytesView rand, BytesView auts,
                                             bool verify_mac_s) {
    auto sqn_ms = open_auts(milenage, rand, auts);
    if (!sqn_ms && !verify_mac_s && auts.size() == kAutsLen) {
        // MAC-S is not verified: SQN_MS is whatever the concealed field unmasks to.
        auto ak_star = milenage.f5_star(rand);
        if (!ak_star) return ak_star.error();
        Sqn sqn{};
        for (std::size_t i = 0; i < kSqnLen; ++i) sqn[i] = auts[i] ^ (*ak_star)[i];
        sqn_ms = sqn_value(sqn);
    }
    if (!sqn_ms) return sqn_ms.error();
    const std::uint64_t seq_ms = seq_of(*sqn_ms);
    // Would SEQ_HE + 1 be accepted against SEQ_MS? If so keep SEQ_HE (TS 33.102 6.3.5).
    const std::uint64_t next_seq = seq_he_ + 1;
    const bool next_ok = next_seq > seq_ms && next_seq - seq_ms <= params_.delta;
    if (!next_ok) seq_he_ = seq_ms;
    return *sqn_ms;
}

Bytes HnSqnGenerator::encode() const {
    Bytes out{kStateVersion};
    put_sqn(out, seq_he_);
    out.push_back(static_cast<std::uint8_t>(ind_));
    return out;
}

Result<HnSqnGenerator> HnSqnGenerator::decode(BytesView in, SqnParams params) {
    constexpr std::string_view kWhat = "HN SQN state";
    if (Status s = check_state_header(in, kHnStateLen, kWhat); !s) return s.error();
    const std::uint64_t seq_he = get_sqn(in, 1);
    const std::size_t ind = in[1 + kSqnLen];
    if (seq_he > kSeqMax) return make_error(std::string(kWhat) + ": SEQ_HE exceeds 43 bits");
    if (ind >= kIndSlots) return make_error(std::string(kWhat) + ": IND out of range");
    HnSqnGenerator g(seq_he, params);
    g.ind_ = ind;
    return g;
}

// ---- USIM challenge ----

Result<UsimResponse> Usim::authenticate(BytesView rand, BytesView autn) {
    return authenticate(rand, autn, UsimChecks{});
}

Result<UsimResponse> Usim::authenticate(BytesView rand, BytesView autn, UsimChecks checks) {
    if (rand.size() != kRandLen) {
        return make_error("RAND must be 16 bytes, got " + std::to_string(rand.size()));
    }
    if (autn.size() != kAutnLen) {
        return make_error("AUTN must be 16 bytes, got " + std::to_string(autn.size()));
    }
    const BytesView conc = autn.first(kSqnLen);
    const BytesView amf = autn.subspan(kSqnLen, kAmfLen);
    const BytesView mac = autn.subspan(kSqnLen + kAmfLen);

    auto f = milenage_.f2345(rand);
    if (!f) return f.error();
    Sqn sqn_b{};
    for (std::size_t i = 0; i < kSqnLen; ++i) sqn_b[i] = conc[i] ^ f->ak[i];
    auto xmac = milenage_.f1(rand, sqn_b, amf);
    if (!xmac) return xmac.error();

    UsimResponse r;
    if (checks.mac && !equal_ct(BytesView(xmac->data(), xmac->size()), mac)) {
        r.verdict = UsimVerdict::mac_failure;
        r.reason = "MAC failure";
        return r;
    }
    r.sqn = sqn_value(sqn_b);
    if (Status s = checks.sqn ? sqn_.check(r.sqn) : Status(Ok{}); !s) {
        auto auts = make_auts(milenage_, rand, sqn_.sqn_ms());
        if (!auts) return auts.error();
        r.verdict = UsimVerdict::sync_failure;
        r.reason = s.error().reason + " (SQN " + hex_sqn(r.sqn) + ")";
        r.auts = std::move(*auts);
        return r;
    }
    if (checks.record) sqn_.record(r.sqn);
    r.verdict = UsimVerdict::accepted;
    r.res = f->res;
    r.ck = std::move(f->ck);
    r.ik = std::move(f->ik);
    return r;
}

}  // namespace mtc::gaka
