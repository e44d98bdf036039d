#include "protocols/core/instantiate.hpp"

namespace mtc {

Result<std::unique_ptr<Role>> instantiate_role(const ProtocolSpec& spec,
                                               const Deployment& deployment,
                                               const InstancePlan& plan, const RoleRuntime& runtime,
                                               const AddressOf& address_of) {
    const RoleSpec* rs = spec.role(plan.role);
    if (rs == nullptr) return make_error(spec.name + ": no role named '" + plan.role + "'");
    if (runtime.clock == nullptr || runtime.sink == nullptr || runtime.fingerprinter == nullptr) {
        return make_error(
            "instantiate_role: runtime needs a clock, an event sink and a fingerprinter");
    }
    if (auto v = spec.validate_weakened(plan.role, plan.weakened); !v) return v.error();
    Env env;
    env.variant = deployment.options.variant;
    env.profile = deployment.options.profile;
    env.mode = deployment.options.mode;
    env.rng = make_rng(runtime.seed, "role:" + plan.instance);
    env.clock = runtime.clock;
    env.events =
        std::make_unique<EventEmitter>(spec.name, env.variant, plan.role, plan.instance,
                                       *runtime.clock, *runtime.sink, *runtime.fingerprinter);
    env.creds = plan.creds;
    for (const auto& [logical, target] : plan.peers) {
        const InstancePlan* peer = deployment.find(target);
        if (peer == nullptr) {
            return make_error(plan.instance + ": peer '" + logical + "' names unknown instance " +
                              target);
        }
        env.peers[logical] = Peer{peer->creds.identity, address_of(target)};
    }
    // Protocol options, then role-wide settings from the deployment options, then the plan's
    // own on top.
    env.settings = deployment.options.options;
    if (auto it = deployment.options.settings.find(plan.role);
        it != deployment.options.settings.end()) {
        for (const auto& [k, v] : it->second) env.settings[k] = v;
    }
    for (const auto& [k, v] : plan.settings) env.settings[k] = v;
    env.weakened = plan.weakened;
    env.storage = runtime.storage ? runtime.storage : std::make_shared<MemoryStorage>();
    return rs->make(std::move(env));
}

}  // namespace mtc
