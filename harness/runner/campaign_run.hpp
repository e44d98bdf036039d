// `mtcfuzz campaign run` / `campaign replay`: the Dolev-Yao engine against live role processes.
//
// The engine is the network: every role instance is a process on its own 127.A.B.x address and
// is given the engine's front addresses for its peers (as `mtcfuzz run` does with its hub); the
// engine forwards, drops, modifies, injects and replays datagrams, relays TLS links as TCP
// bytes, and speaks for insider instances over their own TLS credentials. First it captures
// honest runs (and loads a pcap if the campaign names one) into the attacker's knowledge; then
// it executes the traces the campaign's strategies plan, one attack session at a time, and
// after each one asks the claim checker for new violations. A violation becomes a finding
// with the trace that caused it. Crashed or exited role processes are recorded as liveness
// violations and restarted.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "attacks/campaign.hpp"
#include "harness/report/report.hpp"
#include "protocols/core/result.hpp"

namespace mtc::runner {

struct CampaignProgress {
    std::size_t honest_done = 0, honest_total = 0;
    std::size_t attacks_done = 0, attacks_total = 0;
    std::size_t findings = 0;
    double elapsed_s = 0, budget_s = 0;
    std::string current;  // signature of the attack running now
};

struct CampaignRunOptions {
    attacks::Campaign campaign;
    std::string out_dir;      // report.json, report.sarif, report.md, events.jsonl, traffic.pcap,
                              // findings/<id>/{trace.json,trace.pcap}
    std::string self_exe;     // the mtcfuzz binary, to spawn role processes
    std::string addr_prefix;  // "127.A.B"; random when empty
    bool keep_workdir = false;
    std::function<void(const CampaignProgress&)> progress;  // called at most ~10 times a second
};

// Runs the campaign and writes every output file. An error means the run could not be set up
// (bad deployment, a process that never started); failures during the run are in the report.
Result<report::CampaignReport> run_campaign(const CampaignRunOptions& options);

struct ReplayOptions {
    std::string finding_dir;  // DIR/findings/<id>, holding trace.json
    std::string self_exe;
    std::string addr_prefix;
    std::optional<std::string> out_dir;  // where to put the replay's events/pcap (optional)
};

struct ReplayOutcome {
    std::string claim;
    bool reproduced = false;             // the claim is violated again
    std::vector<std::string> summaries;  // of the violations seen
};

Result<ReplayOutcome> replay_finding(const ReplayOptions& options);

}  // namespace mtc::runner
