// MTCs (paper 004, IV-B, message 3).
#include <algorithm>
#include <set>

#include "protocols/prose/primitives.hpp"
#include "protocols/prose/role_util.hpp"
#include "protocols/prose/roles.hpp"

namespace mtc::prose {
namespace {

class MTCs final : public Role {
public:
    explicit MTCs(Env e) : Role(std::move(e)) {
        kdf_pref_ = parse_alg_list(setting(env(), "kdf_pref", "1,2"), {kdf_kbkdf_hmac_sha256});
        policy_ = setting(env(), "policy", "usage=d2d");
        ttl_s_ = setting_int(env(), "policy_ttl_s", 3600);
        const auto attr = env().creds.attrs.find("authorised_ues");
        const std::string ues = attr == env().creds.attrs.end() ? "" : attr->second;
        std::size_t pos = 0;
        while (pos < ues.size()) {
            const std::size_t comma = std::min(ues.find(',', pos), ues.size());
            if (comma > pos) authorised_ues_.insert(ues.substr(pos, comma - pos));
            pos = comma + 1;
        }
    }

    std::vector<Outbound> on_message(const Inbound& in) override {
        const Message& m2 = in.msg;
        const std::string from = in.authenticated_peer.value_or(in.from);
        auto reject = [&](const std::string& reason) {
            events().reject(m2.session, from, reason, run_params(m2));
            return std::vector<Outbound>{};
        };
        if (m2.type != M2) return reject("unexpected " + msg_name(m2.type) + " (MTCs accepts M2)");
        // "MTCs can check the UE's service authorization": the UE is known only through the
        // mutually authenticated link the paper assumes. With "ue-link" weakened, an M2 off the
        // link is taken as if the link had authenticated the UE that M2 names.
        if (!skips("ue-link") && !in.authenticated_peer)
            return reject("M2 did not arrive over an authenticated UE link");
        const std::string ue = in.authenticated_peer.value_or(field_str(m2, UEID));
        if (!skips("ue-authorised") && authorised_ues_.count(ue) == 0) {
            return reject("UE " + ue + " is not authorised");
        }
        // Hardened: the UE that gets DMKey must be the one the MTCd named and MICed in M1.
        if (env().variant == "hardened" && !skips("ue-binding") && ue != field_str(m2, UEID)) {
            return reject("authenticated UE " + ue + " is not M2's UEID " + field_str(m2, UEID));
        }
        if (!skips("mtcs-id") && field_str(m2, MTCsID) != env().creds.identity) {
            return reject("M2 is for MTCsID " + field_str(m2, MTCsID) + ", not this MTCs");
        }
        const std::string mtcd_id = field_str(m2, MTCdID);
        const auto psk = env().creds.secrets.find("PSKey:" + mtcd_id);
        if (psk == env().creds.secrets.end()) return reject("unknown MTCdID " + mtcd_id);
        const std::uint8_t mic_alg = mic_alg_of(m2);
        const auto need = mic_len(mic_alg);
        if (!need) return reject("unsupported MTCdInfo.MICAlg " + std::to_string(mic_alg));
        if (m2.get_or_empty(MTCdMIC).size() != *need) {
            return reject("MTCdMIC length " + std::to_string(m2.get_or_empty(MTCdMIC).size()) +
                          " does not fit MIC algorithm " + std::to_string(mic_alg));
        }
        const Bytes offered = kdf_algs_offered(m2);
        std::optional<std::uint8_t> kdf;
        for (std::uint8_t k : kdf_pref_) {
            if (kdf_known(k) && std::find(offered.begin(), offered.end(), k) != offered.end()) {
                kdf = k;
                break;
            }
        }
        if (!kdf) return reject("no common KDF in MTCdInfo.KDFAlgs");
        auto expected = compute_mtcd_mic(view(psk->second), m2);
        const bool mic_ok = expected && equal_ct(view(*expected), m2.get_or_empty(MTCdMIC));
        if (!skips("MTCdMIC") && !mic_ok) return reject("MTCdMIC verification failed");
        // Hardened: a record of MTCdNonces per MTCd ("the nonces require some more bytes to
        // store previously used values", section VI). Kept only for MIC-verified M2s, so
        // forgeries cannot fill it (also when "MTCdMIC" is weakened).
        if (env().variant == "hardened" && !skips("nonce-record")) {
            auto& seen = nonces_[mtcd_id];
            const Bytes nonce = to_bytes(m2.get_or_empty(MTCdNonce));
            if (seen.count(nonce) != 0) return reject("MTCdNonce replayed");
            if (mic_ok) seen.insert(nonce);
        }
        events().accept(m2.session, mtcd_id, run_params(m2));

        Message m3;
        m3.protocol = kProtocolId;
        m3.type = M3;
        m3.session = m2.session;
        m3.set(MTCdID, to_bytes(m2.get_or_empty(MTCdID)));
        m3.set(MTCsID, to_bytes(m2.get_or_empty(MTCsID)));
        m3.set(UEID, to_bytes(m2.get_or_empty(UEID)));
        m3.set(MTCsNonce, rng().bytes(kNonceLen));
        m3.set(MTCsInfo_KDFAlg, Bytes{*kdf});
        if (!policy_.empty()) m3.set(MTCsInfo_Policy, to_bytes(policy_));
        Bytes expiry;
        put_u64(expiry, static_cast<std::uint64_t>(clock().now_s() + ttl_s_));
        m3.set(MTCsInfo_Expiry, expiry);
        auto tag = compute_mtcs_mic(view(psk->second), m2, m3);
        auto dmkey = derive_dmkey(view(psk->second), m2, m3);
        if (!tag || !dmkey) {
            events().error(m2.session, "MTCsMIC/DMKey computation failed");
            return {};
        }
        m3.set(MTCsMIC, std::move(tag).value());
        m3.set(DMKey, Bytes(dmkey->begin(), dmkey->end()));
        auto params = run_params(m2, &m3);
        events().begin(m2.session, mtcd_id, params);
        events().commit(m2.session, field_str(m2, UEID), std::move(params), view(*dmkey));
        return send_one(in.from, std::move(m3));
    }

private:
    Bytes kdf_pref_;
    std::string policy_;
    std::int64_t ttl_s_ = 3600;
    std::set<std::string> authorised_ues_;
    std::map<std::string, std::set<Bytes>> nonces_;
};

}  // namespace

std::unique_ptr<Role> make_mtcs(Env env) {
    return std::make_unique<MTCs>(std::move(env));
}

}  // namespace mtc::prose
