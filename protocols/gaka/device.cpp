// EPS-AKA and GAKA devices (PROTOCOLS.md section 2; provisioning and events in roles.hpp): a
// UE whose USIM runs MILENAGE (TS 33.102 6.3.3) and, in GAKA, also holds the group key K_G.
//
//   start():      AttachReq{IMSI} (EPS-AKA) / GroupAttachReq{IMSI, GID} (GAKA) -> SN
//   AuthReq{RAND, AUTN}  -> AuthResp{RES} | AuthReject{Cause} | SyncFailure{AUTS}
//   GroupAuthReq{RAND, AUTN, RAND_G, MAC_G} (GAKA only)  -> the same, after MAC_G under GAK
//
// A challenge is answered in any session: the network may authenticate a device at any time
// (TS 24.301 5.4.2.1), so replays meet the USIM's own checks (MAC-A, SQN, AMF), not a session
// filter of ours. The USIM's SQN state is stored in Env::storage after every accepted challenge and
// read back at construction, so a restarted device still refuses a challenge it has answered
// before.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocols/gaka/primitives.hpp"
#include "protocols/gaka/roles.hpp"

namespace mtc::gaka {
namespace {

constexpr std::string_view kUsimStateKey = "usim.sqn";

std::string msg_name(std::uint8_t type) {
    for (const Schema* s : {&gaka_schema(), &eps_aka_schema()}) {
        if (const MessageSpec* m = s->message(type)) return m->name;
    }
    return "type " + std::to_string(type);
}

// TS 33.401 6.1.2: "bit 0" of AMF (its most significant bit) is the separation bit, 1 in
// vectors made for E-UTRAN. AUTN = SQN xor AK || AMF || MAC-A; authenticate() checked its size.
bool separation_bit(BytesView autn) {
    return (autn[kSqnLen] & 0x80) != 0;
}

class Device final : public Role {
public:
    // `group`: a GAKA device (GroupAttachReq, GroupAuthReq, K_G, GID); else EPS-AKA.
    Device(Env e, bool group) : Role(std::move(e)), group_(group) {
        protocol_ = group_ ? kGakaProtocolId : kEpsAkaProtocolId;
        // Tests may build an Env by hand; instantiate_role always sets storage.
        if (!env().storage) env().storage = std::make_shared<MemoryStorage>();
        configure();
    }

    std::vector<Outbound> start() override {
        const std::uint64_t session = rng().u64();
        if (!ready(session)) return {};
        const auto sn = env().peers.find("SN");
        if (sn == env().peers.end()) {
            events().error(session, "device has no SN peer");
            return {};
        }
        Message m = make_msg(group_ ? GroupAttachReq : AttachReq, session);
        m.set(IMSI, to_bytes(env().creds.identity));
        if (group_) m.set(GID, to_bytes(gid_));
        return send_one(sn->second.address, std::move(m));
    }

    std::vector<Outbound> on_message(const Inbound& in) override {
        const Message& m = in.msg;
        if (!ready(m.session)) return {};
        if (m.type == AuthReq) return on_auth_req(in);
        if (m.type == GroupAuthReq && group_) return on_group_auth_req(in);
        events().reject(m.session, sn_name_,
                        "unexpected " + msg_name(m.type) + " (device accepts " +
                            (group_ ? "AuthReq, GroupAuthReq" : "AuthReq") + ")");
        return {};
    }

private:
    // ---- Configuration: a fault is reported on every message, never thrown

    void configure() {
        const auto& creds = env().creds;
        if (Status s = check_imsi(creds.identity); !s) return fail("identity: " + s.error().reason);
        const auto sn = creds.attrs.find("SNid");
        if (sn == creds.attrs.end()) return fail("device lacks attr SNid");
        auto sn_id = plmn_id(sn->second);
        if (!sn_id) return fail(sn_id.error().reason);
        sn_id_ = std::move(*sn_id);
        sn_name_ = sn->second;
        const auto k = creds.secrets.find("K");
        const auto opc = creds.secrets.find("OPc");
        if (k == creds.secrets.end() || opc == creds.secrets.end()) {
            return fail("device lacks its K / OPc");
        }
        auto milenage = Milenage::from_opc(view(k->second), view(opc->second));
        if (!milenage) return fail("K / OPc: " + milenage.error().reason);
        auto state = load_sqn_state();
        if (!state) return fail(state.error().reason);
        usim_.emplace(std::move(*milenage), *state);
        if (group_) configure_group();
    }

    void configure_group() {
        const auto& creds = env().creds;
        const auto k_g = creds.secrets.find("K_G");
        const auto gid = creds.attrs.find("GID");
        if (k_g == creds.secrets.end() || k_g->second.empty()) return fail("device lacks K_G");
        if (gid == creds.attrs.end() || gid->second.empty() || gid->second.size() > kMaxGid) {
            return fail("device lacks a GID of 1.." + std::to_string(kMaxGid) + " octets");
        }
        k_g_ = k_g->second;
        gid_ = gid->second;
    }

    void fail(std::string why) {
        if (config_error_.empty()) config_error_ = std::move(why);
    }

    bool ready(std::uint64_t session) {
        if (config_error_.empty()) return true;
        events().error(session, "device is misconfigured: " + config_error_);
        return false;
    }

    // A fresh USIM when nothing is stored; a stored state that does not read back is an error
    // (starting again from zero would accept every challenge answered before).
    Result<UsimSqnState> load_sqn_state() {
        auto stored = env().storage->get(kUsimStateKey);
        if (!stored) return make_error("loading the USIM's SQN state: " + stored.error().reason);
        if (!stored->has_value()) return UsimSqnState{};
        return UsimSqnState::decode(view(**stored));
    }

    // ---- Challenges

    std::vector<Outbound> on_auth_req(const Inbound& in) {
        const Message& m = in.msg;
        if (!m.has(RAND) || !m.has(AUTN)) {
            events().reject(m.session, sn_name_, "AuthReq lacks RAND or AUTN");
            return {};
        }
        return challenge(in, {{"RAND", to_hex(m.get_or_empty(RAND))}, {"challenge", "AuthReq"}});
    }

    // GAKA member attach: MAC_G proves the SN was given this group's GAK by the HN (for this
    // SNid and RAND_G); only then is AUTN looked at, exactly as in AuthReq.
    std::vector<Outbound> on_group_auth_req(const Inbound& in) {
        const Message& m = in.msg;
        if (!m.has(RAND) || !m.has(AUTN) || !m.has(RAND_G) || !m.has(MAC_G)) {
            events().reject(m.session, sn_name_, "GroupAuthReq lacks RAND, AUTN, RAND_G or MAC_G");
            return {};
        }
        if (!skips("mac-g")) {
            auto gak = derive_gak(view(k_g_), view(gid_), view(sn_id_), m.get_or_empty(RAND_G));
            if (!gak) {
                events().error(m.session, "GAK: " + gak.error().reason);
                return {};
            }
            const Bytes expected = mac_g(view(*gak), m.get_or_empty(RAND), view(sn_id_));
            if (!equal_ct(view(expected), m.get_or_empty(MAC_G))) {
                events().reject(m.session, sn_name_,
                                "MAC_G failure: the SN does not hold this group's GAK");
                return {reply(in, AuthReject, Cause, Bytes{kCauseMacFailure})};
            }
        }
        // Not RAND_G: every member of one fetch shares it by design, and a nonce param two
        // commits share is a freshness finding (docs/attacks.md).
        return challenge(in,
                         {{"RAND", to_hex(m.get_or_empty(RAND))}, {"challenge", "GroupAuthReq"}});
    }

    // The USIM's checks on (RAND, AUTN), MAC-A then SQN freshness, then the ME's on the AMF
    // separation bit; the answer TS 24.301 prescribes for each failure, or AuthResp with begin
    // and commit.
    std::vector<Outbound> challenge(const Inbound& in, const EventEmitter::Params& params) {
        const Message& m = in.msg;
        const BytesView autn = m.get_or_empty(AUTN);
        // The SQN is recorded only after the ME's own check of the AMF (below) has passed.
        const UsimChecks checks{!skips("mac"), !skips("sqn"), false};
        auto r = usim_->authenticate(m.get_or_empty(RAND), autn, checks);
        if (!r) {
            events().reject(m.session, sn_name_, r.error().reason, params);
            return {};
        }
        switch (r->verdict) {
            case UsimVerdict::mac_failure:
                events().reject(m.session, sn_name_, r->reason, params);
                return {reply(in, AuthReject, Cause, Bytes{kCauseMacFailure})};
            case UsimVerdict::sync_failure:
                events().reject(m.session, sn_name_, r->reason, params);
                return {reply(in, SyncFailure, AUTS, r->auts)};
            case UsimVerdict::accepted:
                break;
        }
        // Check "amf": AUTN (MAC-verified by now) must carry an E-UTRAN vector's AMF.
        if (!separation_bit(autn) && !skips("amf")) {
            events().reject(m.session, sn_name_,
                            "AMF separation bit is 0: non-EPS authentication unacceptable", params);
            return {reply(in, AuthReject, Cause, Bytes{kCauseNonEps})};
        }
        usim_->record_sqn(r->sqn);
        return accept(in, *r, params);
    }

    std::vector<Outbound> accept(const Inbound& in, const UsimResponse& r,
                                 const EventEmitter::Params& params) {
        const Message& m = in.msg;
        // Stored before RES leaves: a device restarted after answering refuses the replay.
        const Bytes state = usim_->sqn_state().encode();
        if (Status s = env().storage->put(kUsimStateKey, view(state)); !s) {
            events().error(m.session, "storing the USIM's SQN state: " + s.error().reason);
            return {};
        }
        auto kasme = device_kasme(r, view(sn_id_), m.get_or_empty(AUTN));
        if (!kasme) {
            events().error(m.session, kasme.error().reason);
            return {};
        }
        events().begin(m.session, sn_name_, params);
        Outbound out = reply(in, AuthResp, RES, r.res);
        events().commit(m.session, sn_name_, params, view(*kasme));
        return {std::move(out)};
    }

    [[nodiscard]] Message make_msg(std::uint8_t type, std::uint64_t session) const {
        Message m;
        m.protocol = protocol_;
        m.type = type;
        m.session = session;
        return m;
    }

    // A one-field answer to the sender of `in`, in the same attach.
    [[nodiscard]] Outbound reply(const Inbound& in, std::uint8_t type, std::uint8_t tag,
                                 Bytes value) const {
        Message m = make_msg(type, in.msg.session);
        m.set(tag, std::move(value));
        return Outbound{in.from, std::move(m)};
    }

    bool group_;
    std::uint8_t protocol_ = 0;
    std::string config_error_;
    std::optional<Usim> usim_;
    Bytes sn_id_;          // plmn_id(attrs SNid): K_ASME, GAK and MAC_G are bound to it
    std::string sn_name_;  // attrs SNid: the SN's identity in events
    SecretBytes k_g_;      // GAKA: the group key
    std::string gid_;      // GAKA
};

}  // namespace

std::unique_ptr<Role> make_eps_device(Env env) {
    return std::make_unique<Device>(std::move(env), false);
}

std::unique_ptr<Role> make_gaka_device(Env env) {
    return std::make_unique<Device>(std::move(env), true);
}

}  // namespace mtc::gaka
