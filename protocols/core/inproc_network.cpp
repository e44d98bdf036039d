#include "protocols/core/inproc_network.hpp"

#include "protocols/core/codec.hpp"
#include "protocols/core/instantiate.hpp"

namespace mtc {

InProcConfig seeded_config(std::uint64_t seed, ManualClock& clock, EventSink& sink,
                           const KeyFingerprinter& fingerprinter) {
    InProcConfig cfg;
    cfg.seed = seed;
    cfg.clock = &clock;
    cfg.manual_clock = &clock;
    cfg.sink = &sink;
    cfg.fingerprinter = &fingerprinter;
    return cfg;
}

InProcNetwork::InProcNetwork(const ProtocolSpec& spec, const Deployment& deployment,
                             InProcConfig config)
    : spec_(spec), config_(config) {
    for (const auto& plan : deployment.instances) {
        role_of_[plan.instance] = plan.role;
        identity_of_[plan.instance] = plan.creds.identity;
    }
    const RoleRuntime runtime{config_.seed, config_.clock, config_.sink, config_.fingerprinter,
                              nullptr};
    for (const auto& plan : deployment.instances) {
        // Planned by the spec's own provisioning, so this only fails on a spec bug; such an
        // instance is left out and its frames are lost, which the summary then shows.
        auto role = instantiate_role(spec_, deployment, plan, runtime,
                                     [](const std::string& instance) { return instance; });
        if (role) roles_[plan.instance] = std::move(role).value();
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
            roles_.at(from_instance)
                ->env()
                .events->error(o.msg.session, "encode: " + bytes.error().describe());
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

void InProcNetwork::inject(Frame frame) {
    queue_.push_back(std::move(frame));
}

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
