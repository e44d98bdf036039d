// UE (paper 004, IV-B, messages 2 and 4): relays M1 to the MTCs over the secure link, takes
// DMKey out of M3, and relays the rest to the MTCd as M4.
#include "protocols/core/session_table.hpp"
#include "protocols/prose/primitives.hpp"
#include "protocols/prose/role_util.hpp"
#include "protocols/prose/roles.hpp"

namespace mtc::prose {
namespace {

class UE final : public Role {
public:
    using Role::Role;

    std::vector<Outbound> on_message(const Inbound& in) override {
        switch (in.msg.type) {
            case M1:
                return on_m1(in);
            case M3:
                return on_m3(in);
            default:
                events().reject(in.msg.session, in.authenticated_peer.value_or(in.from),
                                "unexpected " + msg_name(in.msg.type) + " (UE accepts M1 and M3)");
                return {};
        }
    }

private:
    struct Run {
        Message m1;
        Address reply_to;  // the MTCd, or the GW in the extended mode
    };

    std::vector<Outbound> on_m1(const Inbound& in) {
        const Message& m1 = in.msg;
        if (!skips("ueid") && display(m1.get_or_empty(UEID)) != env().creds.identity) {
            events().reject(m1.session, in.from,
                            "M1 names UEID " + field_str(m1, UEID) + ", not this UE");
            return {};
        }
        const std::string mtcs_id = field_str(m1, MTCsID);
        const Peer* mtcs = nullptr;
        for (const auto& [name, peer] : env().peers) {
            if (peer.identity == mtcs_id) mtcs = &peer;
        }
        if (mtcs == nullptr) {
            events().reject(m1.session, in.from,
                            "M1 names MTCsID " + mtcs_id + ", unknown to this UE");
            return {};
        }
        // "session": one run per session id. A copy of the M1 in progress is the MTCd's
        // retransmission, dropped without a word (a reject would end the run it repeats). Any
        // other M1 on that session id is refused: taking it over would let the M3 answering one
        // M1 be committed under another's parameters, since M3 carries no MTCdNonce to tell
        // them apart (found by prose_UE_fuzzer; corpus/regressions/prose_UE_fuzzer).
        if (const Run* run = runs_.find(m1.session); run != nullptr && !skips("session")) {
            if (!(run->m1 == m1))
                events().reject(m1.session, in.from, "M1 for a session already in progress");
            return {};
        }
        events().begin(m1.session, field_str(m1, MTCdID), run_params(m1));
        runs_.put(m1.session, Run{m1, in.from});
        Message m2 = m1;  // "it simply forwards it to the MTCs"
        m2.type = M2;
        return send_one(mtcs->address, std::move(m2));
    }

    std::vector<Outbound> on_m3(const Inbound& in) {
        const Message& m3 = in.msg;
        const std::string from = in.authenticated_peer.value_or(in.from);
        // "mtcs-link": M3 came over the authenticated link, from the MTCs that M1 named.
        if (!skips("mtcs-link") && !in.authenticated_peer) {
            events().reject(m3.session, from, "M3 did not arrive over the authenticated MTCs link");
            return {};
        }
        Run* run = runs_.find(m3.session);
        if (run == nullptr) {
            events().reject(m3.session, from, "M3 for an unknown session");
            return {};
        }
        if (!skips("mtcs-link") && *in.authenticated_peer != field_str(run->m1, MTCsID)) {
            events().reject(m3.session, from,
                            "M3 from authenticated peer " + *in.authenticated_peer +
                                ", but M1 named MTCsID " + field_str(run->m1, MTCsID));
            return {};
        }
        if (!skips("identities")) {
            for (auto [tag, name] :
                 {std::pair{MTCdID, "MTCdID"}, {MTCsID, "MTCsID"}, {UEID, "UEID"}}) {
                if (!equal_ct(m3.get_or_empty(tag), run->m1.get_or_empty(tag))) {
                    events().reject(m3.session, from,
                                    std::string("M3 ") + name + " " + field_str(m3, tag) +
                                        " does not match M1's " + field_str(run->m1, tag));
                    return {};
                }
            }
        }
        auto params = run_params(run->m1, &m3);
        // Receiving DMKey is the UE's implicit indication that the MTCd was authenticated.
        events().accept(m3.session, from, params);
        events().commit(m3.session, field_str(m3, MTCdID), std::move(params),
                        m3.get_or_empty(DMKey));
        Message m4 = m3;  // "extracts, stores and deletes DMKey from the message"
        m4.type = M4;
        m4.erase(DMKey);
        const Address reply_to = run->reply_to;
        runs_.take(m3.session);
        return send_one(reply_to, std::move(m4));
    }

    SessionTable<Run> runs_;
};

}  // namespace

std::unique_ptr<Role> make_ue(Env env) {
    return std::make_unique<UE>(std::move(env));
}

}  // namespace mtc::prose
