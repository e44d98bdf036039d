// MTCD (paper 000, section 3.5): the responder. Checks the MTCS's S1 (eq. 8-9), answers D1
// signed with its own proxy key (eq. 10-12) and derives SK (eq. 15). Hardened: hands out a
// challenge N_D on Trigger, takes only the S1 that signs it, and commits only on a valid Confirm.
#include <optional>
#include <utility>

#include "protocols/e2sec/proxy.hpp"
#include "protocols/e2sec/roles.hpp"

namespace mtc::e2sec {
namespace {

class MTCD final : public Proxy {
public:
    explicit MTCD(Env e) : Proxy(std::move(e)) {}

    std::vector<Outbound> on_message(const Inbound& in) override {
        const Message& m = in.msg;
        if (!ready(m.session)) return {};
        switch (m.type) {
            case Delegation:
                return on_delegation_msg(in);
            case S1:
                return on_s1(in);
            case Trigger:
                if (hardened()) return on_trigger(in);
                break;
            case Confirm:
                if (hardened()) return on_confirm(in);
                break;
            default:
                break;
        }
        events().reject(m.session, in.from,
                        "unexpected " + msg_name(m.type) + " (MTCD accepts Delegation, " +
                            (hardened() ? "Trigger, S1, Confirm)" : "S1)"));
        return {};
    }

private:
    enum class Stage : std::uint8_t { delegation, confirm };
    // An accepted S1 waiting for this device's delegation, or (hardened) a sent D1 waiting for
    // the MTCS's Confirm.
    struct Run {
        Address to;
        Stage stage = Stage::delegation;
        Bytes id_mtcs, gA, n_d;  // from S1
        Bytes id_mtcd, gB;       // from D1 (confirm stage)
        SecretBytes sk;          // confirm stage
        Params params;           // confirm stage
    };
    struct PendingChallenge {
        Bytes n_d;
        bool answered = false;
    };

    std::vector<Outbound> on_trigger(const Inbound& in) {
        const Message& t = in.msg;
        const std::string peer = field_str(t, ID_MTCS);
        if (!skips("id") && !equal_ct(t.get_or_empty(ID_MTCD), view(identity()))) {
            events().reject(t.session, peer, "Trigger is for another MTCD",
                            {{"ID_MTCD", field_str(t, ID_MTCD)}});
            return {};
        }
        // A fresh challenge per session; a flood of Triggers evicts the oldest.
        PendingChallenge c{rng().bytes(kNonceLen), false};
        Message out;
        out.protocol = kProtocolId;
        out.type = Challenge;
        out.session = t.session;
        out.set(ID_MTCS, to_bytes(t.get_or_empty(ID_MTCS)));
        out.set(ID_MTCD, to_bytes(identity()));
        out.set(N_D, c.n_d);
        challenges_.put(t.session, std::move(c));
        return send_one(in.from, std::move(out));
    }

    // Hardened "challenge": S1 answers this session's pending challenge, once, and signs its
    // N_D. Returns false after the reject.
    bool check_challenge(const Message& s1, const std::string& peer, const Params& ids) {
        if (!hardened() || skips("challenge")) return true;
        const PendingChallenge* c = challenges_.find(s1.session);
        const char* reason = nullptr;
        if (c == nullptr) {
            reason = "S1 for a session with no pending challenge";
        } else if (c->answered) {
            reason = "S1 for a session whose challenge was already answered";
        } else if (!s1.has(N_D)) {
            reason = "S1 lacks N_D";
        } else if (!equal_ct(s1.get_or_empty(N_D), view(c->n_d))) {
            reason = "S1 N_D is not the session's challenge";
        }
        if (reason == nullptr) return true;
        events().reject(s1.session, peer, reason, ids);
        return false;
    }

    std::vector<Outbound> on_s1(const Inbound& in) {
        const Message& s1 = in.msg;
        const std::string peer = field_str(s1, ID_MTCS);
        const Params ids{{"ID_MTCS", peer}, {"ID_MTCD", field_str(s1, ID_MTCD)}};
        if (!parse_signed(s1, peer, ids)) return {};
        if (!skips("id") && !equal_ct(s1.get_or_empty(ID_MTCD), view(identity()))) {
            events().reject(s1.session, peer, "S1 is for another MTCD", ids);
            return {};
        }
        if (!check_challenge(s1, peer, ids)) return {};
        auto s = check_signed(s1, peer, ID_MTCS, gA, ids);
        if (!s) return {};
        if (!verify_signed(s1, peer, *s, view(m_mtcs(s1)), ids)) return {};
        // Only a verified S1 uses up the challenge, so forgeries cannot burn it.
        if (PendingChallenge* c = challenges_.find(s1.session)) c->answered = true;

        Params params{{"ID_MTCS", peer},
                      {"ID_MTCD", field_str(s1, ID_MTCD)},
                      {"gA", to_hex(s1.get_or_empty(gA))}};
        if (s1.has(N_D)) params["N_D"] = to_hex(s1.get_or_empty(N_D));
        events().accept(s1.session, peer, params);

        Run run;
        run.to = in.from;
        run.id_mtcs = to_bytes(s1.get_or_empty(ID_MTCS));
        run.gA = to_bytes(s1.get_or_empty(gA));
        run.n_d = to_bytes(s1.get_or_empty(N_D));
        if (!holds_valid_delegation()) {
            runs_.put(s1.session, std::move(run));
            return park(s1.session);
        }
        return send_d1(s1.session, std::move(run));
    }

    std::vector<Outbound> on_delegation_msg(const Inbound& in) {
        if (!on_delegation(in)) return {};
        std::vector<Outbound> out;
        for (std::uint64_t session : take_parked()) {
            const Run* run = runs_.find(session);
            if (run == nullptr || run->stage != Stage::delegation) continue;
            auto r = runs_.take(session);
            for (auto& o : send_d1(session, std::move(*r))) out.push_back(std::move(o));
        }
        return out;
    }

    // D1 (eq. 10-12): g^b, and the signature over M_MTCD || g^ab; then SK (eq. 15).
    std::vector<Outbound> send_d1(std::uint64_t session, Run run) {
        const BigNum b = G().random_scalar(rng());
        const Bytes g_b = encode_element(G(), G().exp_g(b));
        const SecretBytes g_ab =
            encode_shared_secret(G(), G().exp(BigNum::from_bytes(view(run.gA)), b));
        Message d1;
        d1.protocol = kProtocolId;
        d1.type = D1;
        d1.session = session;
        d1.set(ID_MTCS, run.id_mtcs);
        d1.set(ID_MTCD, to_bytes(identity()));
        d1.set(gB, g_b);
        if (auto st = sign_into(d1, view(m_mtcd(d1, view(g_ab)))); !st) {
            events().error(session, "signing D1 failed: " + st.error().reason);
            return {};
        }
        run.id_mtcd = to_bytes(identity());
        run.gB = g_b;
        run.sk =
            session_key(view(g_ab), view(run.gA), view(g_b), view(run.id_mtcd), view(run.id_mtcs));
        run.params = {{"ID_MTCS", display(view(run.id_mtcs))},
                      {"ID_MTCD", identity()},
                      {"gA", to_hex(view(run.gA))},
                      {"gB", to_hex(view(g_b))}};
        if (!run.n_d.empty()) run.params["N_D"] = to_hex(view(run.n_d));
        const std::string peer = display(view(run.id_mtcs));
        events().begin(session, peer, run.params);
        Outbound out{run.to, std::move(d1)};
        if (hardened()) {
            // Hardened: no commit before the MTCS has shown it holds SK.
            run.stage = Stage::confirm;
            runs_.put(session, std::move(run));
        } else {
            events().commit(session, peer, run.params, view(run.sk));
        }
        return {std::move(out)};
    }

    std::vector<Outbound> on_confirm(const Inbound& in) {
        const Message& c = in.msg;
        const std::string peer = field_str(c, ID_MTCS);
        // "session": Confirm answers a run awaiting it. Weakened, a completed run's Confirm
        // commits again (its state is kept for that only); an unknown one is always rejected.
        Run* run = runs_.find(c.session);
        bool again = false;
        if (run == nullptr || run->stage != Stage::confirm) {
            std::optional<Run>* done = completed_.find(c.session);
            if (run == nullptr && done != nullptr && done->has_value() && skips("session")) {
                run = &**done;
                again = true;
            } else {
                events().reject(c.session, peer,
                                done != nullptr ? "Confirm for a session already completed"
                                                : "Confirm for no run awaiting confirmation");
                return {};
            }
        }
        if (!skips("id") && (!equal_ct(c.get_or_empty(ID_MTCS), view(run->id_mtcs)) ||
                             !equal_ct(c.get_or_empty(ID_MTCD), view(run->id_mtcd)))) {
            events().reject(c.session, peer, "Confirm names other identities",
                            {{"ID_MTCS", peer}, {"ID_MTCD", field_str(c, ID_MTCD)}});
            return {};
        }
        const Bytes expected = confirm_mac(view(run->sk), view(run->id_mtcs), view(run->id_mtcd),
                                           view(run->gA), view(run->gB), view(run->n_d));
        if (!skips("confirm") && !equal_ct(view(expected), c.get_or_empty(MAC_S))) {
            events().reject(c.session, peer, "Confirm MAC_S does not verify", run->params);
            return {};
        }
        events().commit(c.session, display(view(run->id_mtcs)), run->params, view(run->sk));
        if (!again) {
            auto done = runs_.take(c.session);
            completed_.put(c.session, skips("session") ? std::move(done) : std::nullopt);
        }
        return {};
    }

    SessionTable<PendingChallenge> challenges_;
    SessionTable<Run> runs_;
    SessionTable<std::optional<Run>> completed_;  // the Run (with SK) only when "session" weakened
};

}  // namespace

std::unique_ptr<Role> make_mtcd(Env env) {
    return std::make_unique<MTCD>(std::move(env));
}

}  // namespace mtc::e2sec
