#include "protocols/core/simulation.hpp"

#include <chrono>
#include <set>

#include "protocols/core/clock.hpp"
#include "protocols/core/inproc_network.hpp"
#include "protocols/core/rng.hpp"

namespace mtc {
namespace {

// Counts events per role and collects, per session, the key fingerprints committed and the
// roles that committed them.
class SummarySink final : public EventSink {
public:
    SummarySink(SimulationResult& r, const ProtocolSpec& spec, std::set<std::string> deployed)
        : r_(r), spec_(spec), deployed_(std::move(deployed)) {}
    void emit(const Event& e) override {
        RoleSummary& s = r_.roles[e.role];
        switch (e.kind) {
            case EventKind::begin:
                ++s.begins;
                break;
            case EventKind::accept:
                ++s.accepts;
                break;
            case EventKind::commit:
                ++s.commits;
                if (e.key_fp) fps_[e.session].insert(*e.key_fp);
                committed_[e.session].insert(e.role);
                break;
            case EventKind::reject:
                ++s.rejects;
                ++s.reject_reasons[e.reason.value_or("")];
                break;
            case EventKind::error:
            case EventKind::crash:
                ++s.errors;
                break;
        }
    }
    void finish() {
        for (const auto& [session, fps] : fps_) {
            if (fps.size() != 1) {
                ++r_.sessions_key_mismatch;
            } else if (spec_.session_committed(deployed_, committed_[session])) {
                ++r_.sessions_key_agreed;  // every role that should commit did, on one key
            }
        }
    }

private:
    SimulationResult& r_;
    const ProtocolSpec& spec_;
    std::set<std::string> deployed_;
    std::map<std::uint64_t, std::set<std::string>> fps_;
    std::map<std::uint64_t, std::set<std::string>> committed_;
};

}  // namespace

bool SimulationResult::all_committed(const ProtocolSpec& spec) const {
    if (sessions_key_mismatch != 0 || sessions_key_agreed != sessions_started) return false;
    // Each session commits on every committing responder role and on one initiator role.
    std::size_t initiator_commits = 0;
    bool initiators_commit = false;
    for (const auto& rs : spec.roles) {
        auto it = roles.find(rs.name);
        if (it == roles.end() || it->second.instances == 0) continue;  // not deployed
        if (it->second.rejects != 0 || it->second.errors != 0) return false;
        if (!rs.commits_key) continue;
        if (rs.initiator) {
            initiators_commit = true;
            initiator_commits += it->second.commits;
        } else if (it->second.commits != sessions_started) {
            return false;
        }
    }
    return !initiators_commit || initiator_commits == sessions_started;
}

Result<SimulationResult> simulate(const ProtocolSpec& spec, const SimulationOptions& opts) {
    if (auto valid = spec.validate(opts.deployment); !valid) return valid.error();
    auto provision_rng = make_rng(opts.seed, "provision");
    auto deployment = spec.provision(opts.deployment, *provision_rng);
    if (!deployment) return deployment.error();

    SimulationResult result;
    std::set<std::string> deployed;
    for (const auto& plan : deployment->instances) deployed.insert(plan.role);
    SummarySink summary(result, spec, deployed);
    TeeSink tee;
    tee.add(summary);
    if (opts.events != nullptr) tee.add(*opts.events);

    SystemClock system_clock;
    ManualClock manual_clock(kSeededEpochUs);
    auto salt_rng = make_rng(opts.seed, "key-fingerprint-salt");
    KeyFingerprinter fingerprinter(salt_rng->secret_bytes(32));

    InProcConfig cfg;
    cfg.seed = opts.seed;
    cfg.sink = &tee;
    cfg.fingerprinter = &fingerprinter;
    if (opts.seed) {
        cfg.clock = &manual_clock;
        cfg.manual_clock = &manual_clock;
    } else {
        cfg.clock = &system_clock;
    }
    InProcNetwork net(spec, *deployment, cfg);

    std::vector<std::string> initiators;
    for (const auto& plan : deployment->instances) {
        const RoleSpec* rs = spec.role(plan.role);
        if (rs != nullptr && rs->initiator) initiators.push_back(plan.instance);
        ++result.roles[plan.role].instances;
    }
    if (initiators.empty()) return make_error(spec.name + ": deployment has no initiator instance");

    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < opts.sessions; ++i) {
        net.start(initiators[i % initiators.size()]);
        net.run();
        ++result.sessions_started;
        if (opts.progress && (i % 1024 == 1023 || i + 1 == opts.sessions)) opts.progress(i + 1);
    }
    result.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    summary.finish();
    return result;
}

}  // namespace mtc
