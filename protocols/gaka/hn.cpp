// HN (HSS/AuC) of EPS-AKA and GAKA (PROTOCOLS.md section 2; provisioning and events in
// roles.hpp). One role serves both protocols: it answers in the protocol of the request.
//
//   AuthDataReq{SNid, Box{IMSI [, RAND, AUTS]}}  -> AuthDataResp{SNid, Box{IMSI, AV}}
//   GroupAuthDataReq{SNid, Box{IMSI_L, GID}}     -> GroupAuthDataResp{SNid, Box{part i of
//                                                   (AV_L, {IMSI_j, AV_j}, GAK, RAND_G)}} x n
//
// Per subscriber it keeps a MILENAGE instance (built on first use) and an SQN generator whose
// SEQ_HE is stored in Env::storage before any vector carrying it leaves, so a restarted HN
// never hands out an SQN twice (TS 33.102 C.1.2).
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocols/gaka/primitives.hpp"
#include "protocols/gaka/roles.hpp"

namespace mtc::gaka {
namespace {

constexpr std::string_view kSqnKeyPrefix = "hn.sqn.";  // + IMSI: the stored SEQ_HE and IND

std::string msg_name(std::uint8_t type) {
    for (const Schema* s : {&gaka_schema(), &eps_aka_schema()}) {
        if (const MessageSpec* m = s->message(type)) return m->name;
    }
    return "type " + std::to_string(type);
}

// "a,b, c" -> {"a", "b", "c"}: the IMSIs of attrs "group:<GID>".
std::vector<std::string> split_list(std::string_view s) {
    std::vector<std::string> out;
    while (!s.empty()) {
        const auto comma = s.find(',');
        std::string_view item = s.substr(0, comma);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (!item.empty()) out.emplace_back(item);
        s = comma == std::string_view::npos ? std::string_view{} : s.substr(comma + 1);
    }
    return out;
}

// The box with its protection switched off (test-only weakening of "box": the SN <-> HN link
// without NDS/IP): nonce || plaintext || tag, the nonce and tag ignored. Same layout as a real
// box so the schema's lengths still hold.
std::optional<SecretBytes> open_clear_box(const Message& m) {
    const Bytes* b = m.get(Box);
    if (b == nullptr || b->size() < kBoxOverhead) return std::nullopt;
    return SecretBytes(b->begin() + kBoxNonceLen, b->end() - kBoxTagLen);
}

Bytes seal_clear_box(BytesView plain) {
    // Sized once and copied into: GCC 12 -O2 reports a false -Warray-bounds on inserting into
    // the 12-byte nonce vector (which broke the release build).
    Bytes out(kBoxNonceLen + plain.size() + kBoxTagLen, 0);
    std::copy(plain.begin(), plain.end(), out.begin() + static_cast<std::ptrdiff_t>(kBoxNonceLen));
    return out;
}

// An opened request: who sent it (the SN named by its SNid, vouched for by K_SH) and the
// box's plaintext.
struct Request {
    std::string sn;  // plmn_name(SNid), the reject events' peer
    Bytes sn_id;
    const SecretBytes* k_sh = nullptr;
    SecretBytes plain;
    bool clear = false;  // read from an unprotected box (weakened "box"): answer in kind
};

struct Subscriber {
    Milenage milenage;
    HnSqnGenerator gen;
};

class Hn final : public Role {
public:
    explicit Hn(Env e) : Role(std::move(e)) {
        // Tests may build an Env by hand; instantiate_role always sets storage.
        if (!env().storage) env().storage = std::make_shared<MemoryStorage>();
    }

    std::vector<Outbound> on_message(const Inbound& in) override {
        const Message& m = in.msg;
        if (m.type == AuthDataReq) return on_auth_data_req(in);
        if (m.type == GroupAuthDataReq && m.protocol == kGakaProtocolId) {
            return on_group_auth_data_req(in);
        }
        const std::string accepts =
            m.protocol == kGakaProtocolId ? "AuthDataReq, GroupAuthDataReq" : "AuthDataReq";
        events().reject(m.session, plmn_name(m.get_or_empty(SNid)),
                        "unexpected " + msg_name(m.type) + " (HN accepts " + accepts + ")");
        return {};
    }

private:
    // ---- EPS-AKA: one vector, after a re-synchronisation when the SN relays an AUTS

    std::vector<Outbound> on_auth_data_req(const Inbound& in) {
        const std::uint64_t session = in.msg.session;
        auto rq = open_request(in);
        if (!rq) return {};
        auto body = decode_auth_data_req(view(rq->plain));
        if (!body) {
            events().reject(session, rq->sn, body.error().reason);
            return {};
        }
        const EventEmitter::Params who = {{"IMSI", body->imsi}};
        if (!known(body->imsi)) {
            events().reject(session, rq->sn, "unknown IMSI", who);
            return {};
        }
        Subscriber* sub = subscriber(session, body->imsi);
        if (sub == nullptr) return {};
        if (!body->auts.empty()) {
            auto sqn_ms =
                sub->gen.resync(sub->milenage, view(body->rand), view(body->auts), !skips("auts"));
            if (!sqn_ms) {
                events().reject(session, rq->sn, sqn_ms.error().reason, who);
                return {};
            }
            if (!save(session, body->imsi, sub->gen)) return {};
        }
        auto av = next_av(session, body->imsi, *sub, view(rq->sn_id));
        if (!av) return {};
        const AuthDataRespBody resp{body->imsi, std::move(*av)};
        auto out = answer(in, *rq, AuthDataResp, view(encode_body(resp)));
        if (!out) return {};
        return {std::move(*out)};
    }

    // ---- GAKA: the leader's vector, every other member's, and the group key GAK for this SN

    std::vector<Outbound> on_group_auth_data_req(const Inbound& in) {
        const std::uint64_t session = in.msg.session;
        auto rq = open_request(in);
        if (!rq) return {};
        auto body = decode_group_auth_data_req(view(rq->plain));
        if (!body) {
            events().reject(session, rq->sn, body.error().reason);
            return {};
        }
        const EventEmitter::Params who = {{"IMSI_L", body->imsi_l}, {"GID", body->gid}};
        const auto k_g = env().creds.secrets.find("K_G:" + body->gid);
        const auto listed = env().creds.attrs.find("group:" + body->gid);
        if (k_g == env().creds.secrets.end() || listed == env().creds.attrs.end()) {
            events().reject(session, rq->sn, "unknown group", who);
            return {};
        }
        const std::vector<std::string> members = split_list(listed->second);
        const bool member =
            std::find(members.begin(), members.end(), body->imsi_l) != members.end();
        if (!member && !skips("member")) {
            events().reject(session, rq->sn, "IMSI_L is not a member of GID", who);
            return {};
        }
        if (!known(body->imsi_l)) {
            events().reject(session, rq->sn, "unknown IMSI", who);
            return {};
        }
        GroupAuthDataRespBody whole;
        whole.gid = body->gid;
        whole.imsi_l = body->imsi_l;
        whole.rand_g = rng().bytes(kRandLen);
        auto gak =
            derive_gak(view(k_g->second), view(body->gid), view(rq->sn_id), view(whole.rand_g));
        if (!gak) {
            events().error(session, "GAK: " + gak.error().reason);
            return {};
        }
        whole.gak = std::move(*gak);
        if (!group_vectors(session, *rq, members, whole)) return {};
        std::vector<Outbound> out;
        for (const GroupAuthDataRespBody& part : split_group_resp(whole)) {
            auto o = answer(in, *rq, GroupAuthDataResp, view(encode_body(part)));
            if (!o) return {};
            out.push_back(std::move(*o));
        }
        return out;
    }

    // AV_L for the leader, then one AV per other member (each listed once); false after an
    // error event.
    bool group_vectors(std::uint64_t session, const Request& rq,
                       const std::vector<std::string>& members, GroupAuthDataRespBody& whole) {
        Subscriber* leader = subscriber(session, whole.imsi_l);
        if (leader == nullptr) return false;
        auto av_l = next_av(session, whole.imsi_l, *leader, view(rq.sn_id));
        if (!av_l) return false;
        whole.av_l = std::move(*av_l);
        std::set<std::string> seen = {whole.imsi_l};
        for (const std::string& imsi : members) {
            if (!seen.insert(imsi).second) continue;
            // A listed member the HN holds no key for is a provisioning fault, not the SN's.
            if (!known(imsi)) {
                events().error(session,
                               "group " + whole.gid + " lists IMSI " + imsi + " with no K / OPc");
                return false;
            }
            Subscriber* sub = subscriber(session, imsi);
            if (sub == nullptr) return false;
            auto av = next_av(session, imsi, *sub, view(rq.sn_id));
            if (!av) return false;
            whole.members.push_back(MemberAv{imsi, std::move(*av)});
        }
        return true;
    }

    // ---- The SN <-> HN channel

    // The SN's K_SH by the clear SNid, then the box opened under it (it binds protocol, type,
    // session and SNid); nullopt after a reject event.
    std::optional<Request> open_request(const Inbound& in) {
        const Message& m = in.msg;
        Request rq;
        rq.sn_id = to_bytes(m.get_or_empty(SNid));
        rq.sn = plmn_name(view(rq.sn_id));
        const auto k_sh = env().creds.secrets.find("K_SH:" + rq.sn);
        if (k_sh == env().creds.secrets.end()) {
            events().reject(m.session, rq.sn, "unknown SN (no K_SH for " + rq.sn + ")");
            return std::nullopt;
        }
        rq.k_sh = &k_sh->second;
        auto plain = open_box(view(*rq.k_sh), m);
        if (plain) {
            rq.plain = std::move(*plain);
            return rq;
        }
        if (skips("box")) {
            if (auto clear = open_clear_box(m)) {
                rq.plain = std::move(*clear);
                rq.clear = true;
                return rq;
            }
        }
        events().reject(m.session, rq.sn, plain.error().reason);
        return std::nullopt;
    }

    // The answer to `in` with `plain` boxed for the requesting SN. Protocol, type, session and
    // SNid are set before sealing: the box's AAD covers them.
    std::optional<Outbound> answer(const Inbound& in, const Request& rq, std::uint8_t type,
                                   BytesView plain) {
        Message out;
        out.protocol = in.msg.protocol;
        out.type = type;
        out.session = in.msg.session;
        out.set(SNid, rq.sn_id);
        if (rq.clear) {
            out.set(Box, seal_clear_box(plain));
        } else {
            auto box = seal_box(view(*rq.k_sh), out, plain, rng());
            if (!box) {
                events().error(in.msg.session, "sealing the answer failed: " + box.error().reason);
                return std::nullopt;
            }
            out.set(Box, std::move(*box));
        }
        return Outbound{in.from, std::move(out)};
    }

    // ---- Subscribers

    [[nodiscard]] bool known(const std::string& imsi) const {
        const auto& s = env().creds.secrets;
        return check_imsi(imsi).ok() && s.count("K:" + imsi) != 0 && s.count("OPc:" + imsi) != 0;
    }

    // The subscriber's MILENAGE and SQN generator (SEQ_HE loaded from storage on first use);
    // nullptr after an error event. Only for known() IMSIs.
    Subscriber* subscriber(std::uint64_t session, const std::string& imsi) {
        if (auto it = subs_.find(imsi); it != subs_.end()) return &it->second;
        const auto& s = env().creds.secrets;
        auto milenage = Milenage::from_opc(view(s.at("K:" + imsi)), view(s.at("OPc:" + imsi)));
        if (!milenage) {
            events().error(session, "K / OPc of IMSI " + imsi + ": " + milenage.error().reason);
            return nullptr;
        }
        auto gen = load(imsi);
        if (!gen) {
            events().error(session, gen.error().reason);
            return nullptr;
        }
        return &subs_.emplace(imsi, Subscriber{std::move(*milenage), *gen}).first->second;
    }

    // The stored generator; a fresh one (SEQ_HE = 0) only when nothing is stored. A corrupt
    // record is an error, never a silent restart from zero (that would reuse SQNs).
    Result<HnSqnGenerator> load(const std::string& imsi) {
        auto stored = env().storage->get(std::string(kSqnKeyPrefix) + imsi);
        if (!stored) return make_error("loading SEQ_HE of " + imsi + ": " + stored.error().reason);
        if (!stored->has_value()) return HnSqnGenerator{};
        auto gen = HnSqnGenerator::decode(view(**stored));
        if (!gen) return make_error("stored SEQ_HE of " + imsi + ": " + gen.error().reason);
        return gen;
    }

    bool save(std::uint64_t session, const std::string& imsi, const HnSqnGenerator& gen) {
        const Bytes v = gen.encode();
        if (Status s = env().storage->put(std::string(kSqnKeyPrefix) + imsi, view(v)); !s) {
            events().error(session, "storing SEQ_HE of " + imsi + ": " + s.error().reason);
            return false;
        }
        return true;
    }

    // A fresh vector, its SQN stored before the vector can leave; nullopt after an error event.
    std::optional<EpsAv> next_av(std::uint64_t session, const std::string& imsi, Subscriber& sub,
                                 BytesView sn_id) {
        auto av = make_eps_av(sub.milenage, sub.gen, sn_id, rng());
        if (!av) {
            events().error(session, "vector for " + imsi + ": " + av.error().reason);
            return std::nullopt;
        }
        if (!save(session, imsi, sub.gen)) return std::nullopt;
        return std::move(*av);
    }

    std::map<std::string, Subscriber> subs_;
};

}  // namespace

std::unique_ptr<Role> make_hn(Env env) {
    return std::make_unique<Hn>(std::move(env));
}

}  // namespace mtc::gaka
