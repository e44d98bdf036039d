// Honest sessions of any registered protocol over the perfect in-process network, with a
// per-role summary. Seeded runs are fully deterministic: per-instance DRBG streams, a manual
// clock and a salt derived from the seed give byte-identical events on every run.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocols/core/event.hpp"
#include "protocols/core/result.hpp"
#include "protocols/core/spec.hpp"

namespace mtc {

struct SimulationOptions {
    DeploymentOptions deployment;
    std::size_t sessions = 1;
    std::optional<std::uint64_t> seed;
    EventSink* events = nullptr;  // every event also goes here when set (e.g. a JSONL file)
    // Called after every 1024th session and after the last one, with the sessions done.
    std::function<void(std::size_t done)> progress;
};

struct RoleSummary {
    std::size_t instances = 0;
    std::size_t begins = 0, accepts = 0, commits = 0, rejects = 0, errors = 0;
    std::map<std::string, std::size_t> reject_reasons;
};

struct SimulationResult {
    std::size_t sessions_started = 0;
    // Sessions in which every deployed role that commits a key committed, all with one key
    // fingerprint; and sessions whose commits carry different fingerprints.
    std::size_t sessions_key_agreed = 0;
    std::size_t sessions_key_mismatch = 0;
    std::map<std::string, RoleSummary> roles;  // by role name
    double wall_s = 0;

    // True when every started session committed once on every role that commits a key,
    // nothing was rejected, and all keys of a session agree.
    [[nodiscard]] bool all_committed(const ProtocolSpec& spec) const;
};

Result<SimulationResult> simulate(const ProtocolSpec& spec, const SimulationOptions& opts);

}  // namespace mtc
