// The attacker engine's hands on a live deployment: executes attack traces step by step,
// intercepting datagrams through the hub (rules), injecting built messages on the wire or
// through insiders' own TLS links, recording everything it sees into the knowledge, and
// waiting after each step until the network is quiet.
//
// Quiet means every frame some role sent has been received by another role or taken by the
// engine: each role process reports its cumulative frames in/out on its control socket (the
// "io" lines), and the engine counts what it injected and what it took off the wire. This is
// what lets an attack session end as soon as it is over instead of after a fixed timeout.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "attacks/knowledge.hpp"
#include "attacks/trace.hpp"
#include "harness/net/stream.hpp"
#include "harness/report/report.hpp"
#include "harness/runner/live_deployment.hpp"
#include "protocols/core/rng.hpp"

namespace mtc::runner {

struct ExecOutcome {
    std::vector<report::TranscriptEntry> transcript;
    std::int64_t t0_us = 0, t1_us = 0;
    std::vector<std::string> problems;  // a term that did not evaluate, a network not quiet, ...
};

class AttackEngine {
public:
    AttackEngine(net::EventLoop& loop, LiveDeployment& deployment, attacks::Knowledge& knowledge,
                 Rng& attacker_rng);
    ~AttackEngine();
    AttackEngine(const AttackEngine&) = delete;
    AttackEngine& operator=(const AttackEngine&) = delete;

    // Runs a trace. Its honest runs are recorded in the knowledge as `prefix` + label.
    ExecOutcome execute(const attacks::Trace& trace, const std::string& prefix);

    // The campaign hands every event over, so that traces show them.
    void note_event(const LiveInstance& from, const Event& e);
    // Honest run label -> initiator instance, for every run executed so far.
    [[nodiscard]] const std::map<std::string, std::string>& run_initiators() const {
        return run_initiator_;
    }
    // A role process ended: frames sent to it are lost; stop waiting for them.
    void forget_in_flight();
    void set_quiet_cap(std::chrono::milliseconds cap) { quiet_cap_ = cap; }

private:
    struct Run {
        std::string label;
        std::size_t initiator = 0;
        std::optional<std::uint64_t> session;
        std::vector<attacks::Rule> rules;
    };
    struct Held {
        std::size_t from, to;
        Bytes frame;
    };

    bool on_datagram(std::size_t from, std::size_t to, const Bytes& frame);
    bool apply_rule(const attacks::Rule& r, const Run& run, std::size_t from, std::size_t to,
                    const Bytes& frame, const Message& msg);
    void record(const Bytes& frame, const std::string& from, const std::string& to, bool secure,
                const std::string& run, const std::string& note);
    Result<Bytes> build(const attacks::Term& term, const Message* in);
    Status send_insider(const std::string& insider, const std::string& target, const Bytes& frame);
    Status do_step(const attacks::Step& s);
    void wait_quiet();
    [[nodiscard]] std::int64_t in_flight() const;
    void check_quiet();
    void trace_line(std::string from, std::string to, std::string label, std::string note,
                    bool is_event);
    [[nodiscard]] std::string run_of(std::uint64_t session) const;

    net::EventLoop& loop_;
    LiveDeployment& d_;
    attacks::Knowledge& k_;
    Rng& rng_;
    std::chrono::milliseconds quiet_cap_{1500};

    std::int64_t injected_ = 0, consumed_ = 0;
    int acks_pending_ = 0;
    bool waiting_ = false;
    std::set<std::uint64_t> seen_sessions_;
    std::map<std::uint64_t, std::string> session_run_;
    std::map<std::string, std::string> run_initiator_;
    std::vector<Run> runs_;                 // of the trace being executed
    std::optional<std::size_t> assigning_;  // index in runs_ waiting for its session id
    std::vector<Held> held_;
    std::string prefix_;
    ExecOutcome* out_ = nullptr;
    std::map<std::pair<std::string, std::string>, std::shared_ptr<net::StreamConn>> insider_links_;
};

}  // namespace mtc::runner
