// MTCd (paper 004, IV-B, messages 1 and 4).
#include <algorithm>
#include <optional>

#include "protocols/core/session_table.hpp"
#include "protocols/prose/primitives.hpp"
#include "protocols/prose/role_util.hpp"
#include "protocols/prose/roles.hpp"

namespace mtc::prose {
namespace {

class MTCd final : public Role {
public:
    explicit MTCd(Env e) : Role(std::move(e)) {
        mic_alg_ = parse_alg_list(setting(env(), "mic_alg", "1"), {mic_hmac_sha256})[0];
        kdf_algs_ = parse_alg_list(setting(env(), "kdf_algs", "1,2"), {kdf_kbkdf_hmac_sha256});
        context_ = setting(env(), "context", "");
    }

    std::vector<Outbound> start() override {
        const auto psk = env().creds.secrets.find("PSKey");
        const auto relay = env().peers.find("relay");
        const auto ue = env().peers.find("UE");
        const auto mtcs_id = env().creds.attrs.find("MTCsID");
        if (psk == env().creds.secrets.end() || relay == env().peers.end() ||
            ue == env().peers.end() || mtcs_id == env().creds.attrs.end()) {
            events().error(0, "MTCd is missing PSKey, MTCsID, or its relay/UE peer");
            return {};
        }
        Message m1;
        m1.protocol = kProtocolId;
        m1.type = M1;
        m1.session = rng().u64();
        m1.set(MTCdID, to_bytes(env().creds.identity));
        m1.set(MTCsID, to_bytes(mtcs_id->second));
        m1.set(MTCdNonce, rng().bytes(kNonceLen));
        m1.set(UEID, to_bytes(ue->second.identity));
        m1.set(MTCdInfo_MICAlg, Bytes{mic_alg_});
        m1.set(MTCdInfo_KDFAlgs, kdf_algs_);
        // Extended mode: the GW is on the routing path too, so its ID is bound by the MIC.
        if (relay->second.identity != ue->second.identity) {
            m1.set(MTCdInfo_RelayID, to_bytes(relay->second.identity));
        }
        if (!context_.empty()) m1.set(MTCdInfo_Context, to_bytes(context_));
        auto tag = compute_mtcd_mic(view(psk->second), m1);
        if (!tag) {
            events().error(m1.session, "MTCdMIC: " + tag.error().describe());
            return {};
        }
        m1.set(MTCdMIC, std::move(tag).value());
        events().begin(m1.session, mtcs_id->second, run_params(m1));
        pending_.put(m1.session, m1);
        return send_one(relay->second.address, std::move(m1));
    }

    std::vector<Outbound> on_message(const Inbound& in) override {
        const Message& m4 = in.msg;
        const std::string from = in.authenticated_peer.value_or(in.from);
        if (m4.type != M4) {
            events().reject(m4.session, from,
                            "unexpected " + msg_name(m4.type) + " (MTCd accepts M4)");
            return {};
        }
        // "session": M4 must answer a pending run. Weakened, an M4 for a run already completed
        // is taken again (its M1 is kept for that); an unknown session is always rejected, as
        // there is no M1 to check it against.
        Message* m1 = pending_.find(m4.session);
        bool again = false;
        if (m1 == nullptr) {
            std::optional<Message>* done = completed_.find(m4.session);
            if (done != nullptr && done->has_value() && skips("session")) {
                m1 = &**done;
                again = true;
            } else {
                events().reject(m4.session, from,
                                done != nullptr ? "M4 for a session already completed"
                                                : "M4 for an unknown session");
                return {};
            }
        }
        if (!skips("identities")) {
            for (auto [tag, name] :
                 {std::pair{MTCdID, "MTCdID"}, {MTCsID, "MTCsID"}, {UEID, "UEID"}}) {
                if (!equal_ct(m4.get_or_empty(tag), m1->get_or_empty(tag))) {
                    events().reject(m4.session, from,
                                    std::string("M4 ") + name + " " + field_str(m4, tag) +
                                        " does not match M1's " + field_str(*m1, tag));
                    return {};
                }
            }
        }
        const std::uint8_t kdf = kdf_alg_of(m4);
        if (!skips("kdf-offered") &&
            std::find(kdf_algs_.begin(), kdf_algs_.end(), kdf) == kdf_algs_.end()) {
            events().reject(m4.session, from,
                            "MTCsInfo.KDFAlg " + std::to_string(kdf) + " was not offered in M1");
            return {};
        }
        const SecretBytes& psk = env().creds.secrets.at("PSKey");
        if (!skips("MTCsMIC")) {
            auto expected = compute_mtcs_mic(view(psk), *m1, m4);
            if (!expected || !equal_ct(view(*expected), m4.get_or_empty(MTCsMIC))) {
                events().reject(m4.session, from, "MTCsMIC verification failed");
                return {};
            }
        }
        if (const Bytes* exp = m4.get(MTCsInfo_Expiry)) {
            // Length checked here too: roles may be handed messages that never saw the decoder.
            if (exp->size() != 8) {
                events().reject(m4.session, from, "MTCsInfo.Expiry is not 8 bytes");
                return {};
            }
            const auto not_after = static_cast<std::int64_t>(get_u64(view(*exp), 0));
            if (!skips("expiry") && not_after < clock().now_s()) {
                events().reject(m4.session, from,
                                "MTCsInfo.Expiry is in the past: DMKey already expired");
                return {};
            }
        }
        auto dmkey = derive_dmkey(view(psk), *m1, m4);
        if (!dmkey) {
            events().error(m4.session, "DMKey: " + dmkey.error().describe());
            return {};
        }
        auto params = run_params(*m1, &m4);
        events().accept(m4.session, field_str(m4, MTCsID), params);
        events().commit(m4.session, field_str(m4, UEID), std::move(params), view(*dmkey));
        if (!again) {
            // The run ends; its M1 is kept only when a completed run may be taken again.
            auto run = pending_.take(m4.session);
            completed_.put(m4.session, skips("session") ? std::move(run) : std::nullopt);
        }
        return {};
    }

private:
    std::uint8_t mic_alg_ = mic_hmac_sha256;
    Bytes kdf_algs_;
    std::string context_;
    SessionTable<Message> pending_;
    SessionTable<std::optional<Message>> completed_;  // M1 only when "session" is weakened
};

}  // namespace

std::unique_ptr<Role> make_mtcd(Env env) {
    return std::make_unique<MTCd>(std::move(env));
}

}  // namespace mtc::prose
