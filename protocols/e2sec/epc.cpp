// EPC (paper 000, sections 3.3 / 3.4): the original signer. Answers a proxy's DelegationReq with
// its delegation (sigma, m_{E-X}, K_{E-X}) of eq. (1) / (3), sigma sealed under the proxy's CK.
#include <algorithm>
#include <utility>

#include "protocols/e2sec/role_util.hpp"
#include "protocols/e2sec/roles.hpp"

namespace mtc::e2sec {
namespace {

class EPC final : public Role {
public:
    explicit EPC(Env e) : Role(std::move(e)) {
        const std::string grp = option_or(env().settings, "group", kDefaultGroup);
        group_ = group_by_name(grp);
        ttl_s_ = parse_int(option_or(env().settings, "warrant_ttl_s", "86400")).value_or(86400);
        const auto x = env().creds.secrets.find("x");
        if (group_ == nullptr) {
            config_error_ = "unknown or unavailable group '" + grp + "'";
        } else if (x == env().creds.secrets.end()) {
            config_error_ = "EPC lacks its key x";
        } else {
            x_ = BigNum::from_bytes(view(x->second));
        }
    }

    std::vector<Outbound> on_message(const Inbound& in) override {
        const Message& req = in.msg;
        const std::string id_x = field_str(req, ID_X);
        if (req.type != DelegationReq) {
            events().reject(req.session, in.from,
                            "unexpected " + msg_name(req.type) + " (EPC accepts DelegationReq)");
            return {};
        }
        if (!config_error_.empty()) {
            events().error(req.session, config_error_);
            return {};
        }
        // Stands for the EPS-AKA / NDS-IP authentication of X: only a registered proxy has a CK.
        const auto ck = env().creds.secrets.find("CK:" + to_string(req.get_or_empty(ID_X)));
        if (ck == env().creds.secrets.end()) {
            events().reject(req.session, id_x, "DelegationReq from an unregistered proxy",
                            {{"ID_X", id_x}});
            return {};
        }
        if (!req.has(N_req)) {
            events().reject(req.session, id_x, "DelegationReq lacks N_req", {{"ID_X", id_x}});
            return {};
        }
        // m_{E-X} = (ID_EPC || ID_X || T_valid); eq. (1) / (3).
        Warrant m_w;
        m_w.delegator_id = to_bytes(env().creds.identity);
        m_w.proxy_id = to_bytes(req.get_or_empty(ID_X));
        m_w.not_after = static_cast<std::uint64_t>(std::max<std::int64_t>(clock().now_s(), 0)) +
                        static_cast<std::uint64_t>(std::max<std::int64_t>(ttl_s_, 0));
        // `struct`: the message type Delegation (schema.hpp) hides primitives' Delegation.
        const struct Delegation d = delegate(*group_, x_, m_w, rng());

        Message out;
        out.protocol = kProtocolId;
        out.type = Delegation;
        out.session = req.session;
        out.set(ID_X, to_bytes(req.get_or_empty(ID_X)));
        put_warrant(out, d.m_w);
        out.set(K, encode_element(*group_, d.K));
        out.set(N_req, to_bytes(req.get_or_empty(N_req)));
        Bytes sigma = encode_scalar(*group_, d.sigma);
        auto enc = seal_sigma(out, view(ck->second), view(sigma), rng());
        secure_wipe(sigma.data(), sigma.size());
        if (!enc) {
            events().error(req.session, "sealing the delegation failed: " + enc.error().reason);
            return {};
        }
        out.set(EncSigma, std::move(enc).value());
        return send_one(in.from, std::move(out));
    }

private:
    const DlGroup* group_ = nullptr;
    std::int64_t ttl_s_ = 86400;
    BigNum x_;  // x_EPC
    std::string config_error_;
};

}  // namespace

std::unique_ptr<Role> make_epc(Env env) {
    return std::make_unique<EPC>(std::move(env));
}

}  // namespace mtc::e2sec
