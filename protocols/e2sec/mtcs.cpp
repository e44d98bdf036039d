// MTCS (paper 000, section 3.5): the initiator. Sends S1 signed with its proxy key (eq. 5-7),
// checks the MTCD's D1 (eq. 13-14) and derives SK (eq. 15). Hardened: wakes the device with a
// Trigger, signs the device's challenge N_D into S1, and confirms SK with MAC_S.
#include <optional>
#include <utility>

#include "protocols/e2sec/proxy.hpp"
#include "protocols/e2sec/roles.hpp"

namespace mtc::e2sec {
namespace {

class MTCS final : public Proxy {
public:
    explicit MTCS(Env e) : Proxy(std::move(e)) {
        // Peers "MTCD0", "MTCD1", ...: the devices this server serves, taken round-robin.
        for (std::size_t i = 0;; ++i) {
            auto it = env().peers.find("MTCD" + std::to_string(i));
            if (it == env().peers.end()) break;
            mtcds_.push_back(it->second);
        }
    }

    std::vector<Outbound> start() override {
        if (!ready(0)) return {};
        if (mtcds_.empty()) {
            events().error(0, "MTCS serves no MTCD");
            return {};
        }
        const Peer& mtcd = mtcds_[next_++ % mtcds_.size()];
        const std::uint64_t session = rng().u64();
        Run run;
        run.mtcd_id = mtcd.identity;
        run.to = mtcd.address;
        const BigNum a = G().random_scalar(rng());
        run.a = a;
        run.gA = encode_element(G(), G().exp_g(a));
        if (!hardened()) return send_s1(session, std::move(run));
        // Hardened: the device first hands out its challenge.
        run.stage = Stage::challenge;
        Message trigger;
        trigger.protocol = kProtocolId;
        trigger.type = Trigger;
        trigger.session = session;
        trigger.set(ID_MTCS, to_bytes(identity()));
        trigger.set(ID_MTCD, to_bytes(run.mtcd_id));
        Address to = run.to;
        runs_.put(session, std::move(run));
        return send_one(std::move(to), std::move(trigger));
    }

    std::vector<Outbound> on_message(const Inbound& in) override {
        const Message& m = in.msg;
        if (!ready(m.session)) return {};
        switch (m.type) {
            case Delegation:
                return on_delegation_msg(in);
            case Challenge:
                if (hardened()) return on_challenge(in);
                break;
            case D1:
                return on_d1(in);
            default:
                break;
        }
        events().reject(m.session, in.from,
                        "unexpected " + msg_name(m.type) + " (MTCS accepts Delegation, " +
                            (hardened() ? "Challenge, " : "") + "D1)");
        return {};
    }

private:
    enum class Stage : std::uint8_t { challenge, delegation, response };
    struct Run {
        std::string mtcd_id;
        Address to;
        Stage stage = Stage::delegation;
        BigNum a;   // secret DH exponent
        Bytes gA;   // as sent
        Bytes n_d;  // hardened: the device's challenge
    };

    Params run_params(const Run& run) const {
        Params p{{"ID_MTCS", identity()}, {"ID_MTCD", run.mtcd_id}, {"gA", to_hex(view(run.gA))}};
        if (!run.n_d.empty()) p["N_D"] = to_hex(view(run.n_d));
        return p;
    }

    // Signs and sends S1 (eq. 5-7), or parks the run until the delegation arrives.
    std::vector<Outbound> send_s1(std::uint64_t session, Run run) {
        if (!holds_valid_delegation()) {
            run.stage = Stage::delegation;
            runs_.put(session, std::move(run));
            return park(session);
        }
        Message s1;
        s1.protocol = kProtocolId;
        s1.type = S1;
        s1.session = session;
        s1.set(ID_MTCS, to_bytes(identity()));
        s1.set(ID_MTCD, to_bytes(run.mtcd_id));
        s1.set(gA, run.gA);
        if (!run.n_d.empty()) s1.set(N_D, run.n_d);
        if (auto st = sign_into(s1, view(m_mtcs(s1))); !st) {
            events().error(session, "signing S1 failed: " + st.error().reason);
            (void)runs_.take(session);
            return {};
        }
        run.stage = Stage::response;
        events().begin(session, run.mtcd_id, run_params(run));
        Address to = run.to;
        runs_.put(session, std::move(run));
        return send_one(std::move(to), std::move(s1));
    }

    std::vector<Outbound> on_delegation_msg(const Inbound& in) {
        if (!on_delegation(in)) return {};
        std::vector<Outbound> out;
        for (std::uint64_t session : take_parked()) {
            Run* run = runs_.find(session);
            if (run == nullptr || run->stage != Stage::delegation) continue;
            Run r = std::move(*run);
            for (auto& o : send_s1(session, std::move(r))) out.push_back(std::move(o));
        }
        return out;
    }

    std::vector<Outbound> on_challenge(const Inbound& in) {
        const Message& c = in.msg;
        const std::string peer = field_str(c, ID_MTCD);
        Run* run = runs_.find(c.session);
        if (run == nullptr || run->stage != Stage::challenge) {
            events().reject(c.session, peer, "Challenge for no run awaiting one");
            return {};
        }
        if (!skips("id") && (!equal_ct(c.get_or_empty(ID_MTCS), view(identity())) ||
                             !equal_ct(c.get_or_empty(ID_MTCD), view(run->mtcd_id)))) {
            events().reject(c.session, peer, "Challenge names other identities",
                            {{"ID_MTCS", field_str(c, ID_MTCS)}, {"ID_MTCD", peer}});
            return {};
        }
        if (c.get_or_empty(N_D).empty()) {
            events().reject(c.session, peer, "Challenge lacks N_D");
            return {};
        }
        Run r = std::move(*run);
        r.n_d = to_bytes(c.get_or_empty(N_D));
        return send_s1(c.session, std::move(r));
    }

    std::vector<Outbound> on_d1(const Inbound& in) {
        const Message& d1 = in.msg;
        const std::string peer = field_str(d1, ID_MTCD);
        // "session": D1 must answer a run that sent S1. Weakened, a completed run's D1 is taken
        // again (its state is kept for that only); an unknown session is always rejected.
        Run* run = runs_.find(d1.session);
        bool again = false;
        if (run == nullptr) {
            std::optional<Run>* done = completed_.find(d1.session);
            if (done != nullptr && done->has_value() && skips("session")) {
                run = &**done;
                again = true;
            } else {
                events().reject(d1.session, peer,
                                done != nullptr ? "D1 for a session already completed"
                                                : "D1 for an unknown session");
                return {};
            }
        }
        if (run->stage != Stage::response) {
            events().reject(d1.session, peer, "D1 for a run that has not sent S1");
            return {};
        }
        const Params ids{{"ID_MTCS", field_str(d1, ID_MTCS)}, {"ID_MTCD", peer}};
        if (!parse_signed(d1, peer, ids)) return {};
        if (!skips("id") && (!equal_ct(d1.get_or_empty(ID_MTCS), view(identity())) ||
                             !equal_ct(d1.get_or_empty(ID_MTCD), view(run->mtcd_id)))) {
            events().reject(d1.session, peer, "D1 names other identities", ids);
            return {};
        }
        auto s = check_signed(d1, peer, ID_MTCD, gB, ids);
        if (!s) return {};
        // Eq. (14) with h1 = h(M_MTCD || g^ab || r1): g^ab = (g^b)^a.
        const SecretBytes g_ab = encode_shared_secret(G(), G().exp(s->share, run->a));
        if (!verify_signed(d1, peer, *s, view(m_mtcd(d1, view(g_ab))), ids)) return {};

        const SecretBytes sk = session_key(view(g_ab), view(run->gA), d1.get_or_empty(gB),
                                           d1.get_or_empty(ID_MTCD), d1.get_or_empty(ID_MTCS));
        Params params{{"ID_MTCS", field_str(d1, ID_MTCS)},
                      {"ID_MTCD", peer},
                      {"gA", to_hex(view(run->gA))},
                      {"gB", to_hex(d1.get_or_empty(gB))}};
        if (!run->n_d.empty()) params["N_D"] = to_hex(view(run->n_d));
        events().accept(d1.session, peer, params);
        events().commit(d1.session, peer, params, view(sk));

        std::vector<Outbound> out;
        if (hardened()) {
            Message c;
            c.protocol = kProtocolId;
            c.type = Confirm;
            c.session = d1.session;
            c.set(ID_MTCS, to_bytes(d1.get_or_empty(ID_MTCS)));
            c.set(ID_MTCD, to_bytes(d1.get_or_empty(ID_MTCD)));
            c.set(MAC_S, confirm_mac(view(sk), d1.get_or_empty(ID_MTCS), d1.get_or_empty(ID_MTCD),
                                     view(run->gA), d1.get_or_empty(gB), view(run->n_d)));
            out.push_back(Outbound{in.from, std::move(c)});
        }
        if (!again) {
            // The run ends; its state (with a) is kept only when a completed run may be taken
            // again (test-only weakening).
            auto done = runs_.take(d1.session);
            completed_.put(d1.session, skips("session") ? std::move(done) : std::nullopt);
        }
        return out;
    }

    std::vector<Peer> mtcds_;
    std::size_t next_ = 0;
    SessionTable<Run> runs_;
    SessionTable<std::optional<Run>> completed_;  // the Run only when "session" is weakened
};

}  // namespace

std::unique_ptr<Role> make_mtcs(Env env) {
    return std::make_unique<MTCS>(std::move(env));
}

}  // namespace mtc::e2sec
