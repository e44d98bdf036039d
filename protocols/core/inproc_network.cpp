#include "protocols/core/inproc_network.hpp"

#include "protocols/core/codec.hpp"

namespace mtc {

InProcNetwork::InProcNetwork(const ProtocolSpec& spec, const Deployment& deployment,
                             InProcConfig config)
    : spec_(spec), config_(config) {
    for (const auto& plan : deployment.instances) {
        role_of_[plan.instance] = plan.role;
        identity_of_[plan.instance] = plan.creds.identity;
    }
    for (const auto& plan : deployment.instances) {
        const RoleSpec* rs = spec_.role(plan.role);
        if (rs == nullptr) continue;  // provisioning only plans declared roles
        Env env;
        env.variant = deployment.options.variant;
        env.profile = deployment.options.profile;
        env.mode = deployment.options.mode;
        env.rng = make_rng(config_.seed, "role:" + plan.instance);
        env.clock = config_.clock;
        env.events = std::make_unique<EventEmitter>(spec_.name, env.variant, plan.role,
                                                    plan.instance, *config_.clock, *config_.sink,
                                                    *config_.fingerprinter);
        env.creds = plan.creds;
        for (const auto& [logical, target] : plan.peers) {
            env.peers[logical] = Peer{identity_of_[target], target};
        }
        env.settings = plan.settings;
        roles_[plan.instance] = rs->make(std::move(env));
    }
}

Role* InProcNetwork::role(const std::string& instance) {
    auto it = roles_.find(instance);
    return it == roles_.end() ? nullptr : it->second.get();
}

std::vector<std::string> InProcNetwork::instances_of(const std::string& role) const {
    std::vector<std::string> out;
    for (const auto& [inst, r] : role_of_) {
        if (r == role) out.push_back(inst);
    }
    return out;
}

void InProcNetwork::advance_clock() {
    if (config_.manual_clock != nullptr) config_.manual_clock->advance_us(config_.hop_us);
}

void InProcNetwork::send(const std::string& from_instance, std::vector<Outbound> out) {
    for (auto& o : out) {
        auto bytes = encode(*spec_.schema, o.msg);
        if (!bytes) {
            // A role built a message its own schema rejects: a bug in the role, reported.
            roles_.at(from_instance)->env().events->error(o.msg.session,
                                                         "encode: " + bytes.error().describe());
            continue;
        }
        Frame f{from_instance, o.to, std::move(bytes).value(), false};
        auto to_role = role_of_.find(f.to);
        f.secure = to_role != role_of_.end() &&
                   spec_.is_secure_link(role_of_.at(from_instance), to_role->second);
        if (hook_) {
            for (auto& g : hook_(std::move(f))) queue_.push_back(std::move(g));
        } else {
            queue_.push_back(std::move(f));
        }
    }
}

void InProcNetwork::start(const std::string& instance) {
    Role* r = role(instance);
    if (r == nullptr) return;
    advance_clock();
    send(instance, r->start());
}

void InProcNetwork::inject(Frame frame) { queue_.push_back(std::move(frame)); }

std::size_t InProcNetwork::run(std::size_t max_frames) {
    std::size_t delivered = 0;
    while (!queue_.empty() && delivered < max_frames) {
        Frame f = std::move(queue_.front());
        queue_.pop_front();
        Role* r = role(f.to);
        if (r == nullptr) continue;  // no such instance: the frame is lost, as on a network
        advance_clock();
        std::optional<std::string> peer;
        if (f.secure) {
            auto it = identity_of_.find(f.from);
            if (it != identity_of_.end()) peer = it->second;
        }
        send(f.to, deliver_frame(*r, *spec_.schema, f.bytes, f.from, peer));
        ++delivered;
    }
    return delivered;
}

}  // namespace mtc
