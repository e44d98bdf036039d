// What the two proxy signers (MTCD, MTCS) share: obtaining and checking their delegation from
// the EPC (sections 3.3 / 3.4, eq. 2 / 4, 5 / 10), parking runs until it arrives, signing S1 /
// D1 with the proxy key (eq. 6-7 / 11-12, section 5.2), and the ordered checks on a received
// S1 / D1 (eq. 8-9 / 13-14). Private to protocols/e2sec.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "protocols/core/role.hpp"
#include "protocols/core/session_table.hpp"
#include "protocols/e2sec/primitives.hpp"
#include "protocols/e2sec/role_util.hpp"

namespace mtc::e2sec {

class Proxy : public Role {
public:
    explicit Proxy(Env e);

protected:
    using Params = EventEmitter::Params;

    // A received S1 / D1 after parse_signed and check_signed.
    struct Signed {
        SignatureVariant variant = SignatureVariant::elgamal;
        Warrant m_w;
        BigNum K;
        ProxySignature sig;
        BigNum h;      // as transmitted
        BigNum share;  // g^a (S1) or g^b (D1)
        BigNum v_signer;
        // The warrant's expected delegator and proxy and the time it is checked at (a weakened
        // item is checked against the warrant itself), for check_signed and verify_signed alike.
        Bytes delegator, proxy;
        std::uint64_t at = 0;
    };

    // False (after an error event) when options or credentials are unusable.
    bool ready(std::uint64_t session);
    [[nodiscard]] const DlGroup& G() const { return *group_; }
    [[nodiscard]] bool hardened() const { return env().variant == "hardened"; }
    [[nodiscard]] std::uint64_t now() const;
    [[nodiscard]] const std::string& identity() const { return env().creds.identity; }

    // ---- Delegation
    [[nodiscard]] bool holds_valid_delegation() const;
    // Parks `session` until a delegation arrives; returns the DelegationReq to send, unless a
    // request went out less than kRequestRetryS ago.
    std::vector<Outbound> park(std::uint64_t session);
    // Checks a Delegation and installs the proxy key; true when installed. The caller then
    // resumes the sessions take_parked() returns.
    bool on_delegation(const Inbound& in);
    std::vector<std::uint64_t> take_parked();

    // ---- Signing (the held delegation must be valid)
    // Sets r | r_q, h, s, K, the warrant, sig_alg and group of `out`, signing M.
    Status sign_into(Message& out, BytesView M);

    // ---- Checking a received S1 / D1, in the order of README.md "Checks". Each emits its own
    // reject and returns false / nullopt on failure.
    // Fields present, sig_alg and group the configured ones, canonical lengths, r's form.
    bool parse_signed(const Message& m, const std::string& signer, const Params& params);
    // The signer's key known, the warrant, the share, K and r in the subgroup, r_q and s in range.
    std::optional<Signed> check_signed(const Message& m, const std::string& signer,
                                       std::uint8_t signer_tag, std::uint8_t share_tag,
                                       const Params& params);
    // The transmitted h equals the recomputed one, and the signature equation holds on M.
    bool verify_signed(const Message& m, const std::string& signer, const Signed& s, BytesView M,
                       const Params& params);

    void reject(const Message& m, const std::string& peer, const std::string& reason,
                Params params) {
        events().reject(m.session, peer, reason, std::move(params));
    }

    // Settled per deployment (options "signature" and "group").
    SignatureVariant variant_ = SignatureVariant::elgamal;

private:
    struct Held {
        Warrant m_w;
        BigNum K;
        ProxyKey key;
    };

    [[nodiscard]] std::optional<SignatureVariant> variant_of(const Message& m) const;

    std::string config_error_;
    const DlGroup* group_ = nullptr;
    BigNum x_;  // x_MTCD / x_MTCS
    BigNum v_epc_;
    Bytes id_epc_;
    std::optional<Held> held_;
    SessionTable<Bytes> requests_{64};  // session -> N_req of our DelegationReqs
    std::deque<std::uint64_t> parked_;  // bounded by kMaxParked
    std::optional<std::int64_t> last_request_s_;
};

}  // namespace mtc::e2sec
