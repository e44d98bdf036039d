// `mtcfuzz run`: honest sessions of a protocol through live role processes on loopback.
// Provisions into a temporary directory, gives every instance its own 127.x.y.z address,
// spawns one `mtcfuzz role` process per instance, relays all traffic through the hub (which
// writes the pcap) or lets the roles talk directly, drives N sessions with C in flight through
// the initiators' control sockets, and summarises the events.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/runner/hub.hpp"
#include "protocols/core/result.hpp"
#include "protocols/core/simulation.hpp"
#include "protocols/core/spec.hpp"

namespace mtc::runner {

struct LiveRunOptions {
    const ProtocolSpec* spec = nullptr;
    DeploymentOptions deployment;
    std::size_t sessions = 1;
    std::size_t concurrency = 1;
    std::optional<std::string> pcap;         // hub capture (not with direct)
    std::optional<std::string> events_file;  // every event of every role, JSON Lines
    std::optional<std::uint64_t> seed;
    bool direct = false;  // roles talk to each other, no hub
    bool keep_workdir = false;
    std::string self_exe;  // the mtcfuzz binary to spawn roles with
    // "127.A.B": instance k listens on 127.A.B.(k+1), its hub front on 127.A.B.(k+129); past
    // 120 instances the next /24s (127.A.(B+1), ...; address_plan.hpp). Random when empty (so
    // concurrent runs do not collide); fixed, it lets a capture filter on "net 127.A.B.0/24".
    std::string addr_prefix;
    std::chrono::milliseconds stall_timeout{10000};  // no session progress for this long: stop
    // The roles' --retransmit-ms when set (0: initiators never retransmit, so the hub counts
    // only protocol messages; `mtcfuzz bench`); the role's default otherwise.
    std::optional<int> retransmit_ms;
    std::optional<int> retransmit_tries;  // the roles' --retransmit-tries when set
    std::function<void(std::size_t done, std::size_t total)> progress;
};

struct LiveRunResult {
    std::size_t sessions_started = 0, sessions_committed = 0, sessions_failed = 0;
    std::map<std::string, RoleSummary> roles;
    std::vector<double> latencies_ms;  // per committed session: initiator begin to last commit
    std::map<std::string, std::size_t> failures;  // reason -> count (rejects, errors, processes)
    HubStats hub;
    // The hub's traffic by (sender role, receiver role), summed over instances (HubStats::links).
    std::map<std::pair<std::string, std::string>, HubLinkStats> role_links;
    // Retransmitted copies the roles' processes recognised and dropped, by role (frames that
    // reached a role twice within the retransmission window; 0 with --retransmit-ms 0).
    std::map<std::string, std::uint64_t> copies_dropped;
    double wall_s = 0;     // the sessions, from the first start to the last end
    double startup_s = 0;  // provisioning and starting every process (LiveDeployment::start)
    std::string workdir;

    [[nodiscard]] double percentile(double p) const;  // of latencies_ms, 0 when none
    [[nodiscard]] bool all_committed() const {
        return sessions_started > 0 && sessions_committed == sessions_started && failures.empty();
    }
};

Result<LiveRunResult> live_run(const LiveRunOptions& options);

}  // namespace mtc::runner
