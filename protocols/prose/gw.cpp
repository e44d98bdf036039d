// UE2/GW of the extended mode (paper 004, IV-C): forwards M1 towards the UE and M4 back to the
// MTCd, unchanged and without any computation ("they are however the same as described before").
#include "protocols/core/session_table.hpp"
#include "protocols/prose/role_util.hpp"
#include "protocols/prose/roles.hpp"

namespace mtc::prose {
namespace {

class GW final : public Role {
public:
    using Role::Role;

    std::vector<Outbound> on_message(const Inbound& in) override {
        const Message& m = in.msg;
        if (m.type == M1) {
            const auto ue = env().peers.find("UE");
            if (ue == env().peers.end()) {
                events().error(m.session, "GW has no UE peer configured");
                return {};
            }
            devices_.put(m.session, in.from);
            return send_one(ue->second.address, m);
        }
        if (m.type == M4) {
            auto device = devices_.take(m.session);
            if (!device) {
                events().reject(m.session, in.from, "M4 for an unknown session");
                return {};
            }
            return send_one(*device, m);
        }
        events().reject(m.session, in.from,
                        "unexpected " + msg_name(m.type) + " (GW forwards M1 and M4)");
        return {};
    }

private:
    SessionTable<Address> devices_;
};

}  // namespace

std::unique_ptr<Role> make_gw(Env env) {
    return std::make_unique<GW>(std::move(env));
}

}  // namespace mtc::prose
