// A deployment of live role processes behind the hub (`mtcfuzz run`, the attacker engine):
// provisioned into a work directory, one `mtcfuzz role` process per honest instance on its own
// loopback address (address_plan.hpp: 120 instances a /24 from 127.A.B, further /24s above it
// for larger deployments), every peer address pointing at the hub's front for that peer,
// control clients connected. Insider instances are provisioned (the attacker holds their keys
// and certificates) but get no process. A process that ends is reported and can be restarted.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "harness/net/endpoint.hpp"
#include "harness/net/event_loop.hpp"
#include "harness/net/tls.hpp"
#include "harness/runner/control_client.hpp"
#include "harness/runner/hub.hpp"
#include "harness/runner/process.hpp"
#include "harness/runner/provision.hpp"
#include "protocols/core/event.hpp"

namespace mtc::pcap {
class PcapWriter;
}

namespace mtc::runner {

struct LiveInstance {
    std::size_t index = 0;  // route index in the hub
    std::string name, role, identity, keys_file, control, log;
    net::Endpoint real, front;
    bool tcp = false;
    bool process = true;  // false: an insider, played by the attacker
    std::vector<std::string> argv;
    std::unique_ptr<ControlClient> client;
    std::optional<Child> child;
    std::uint64_t in = 0, out = 0;     // frames, this incarnation (from io lines)
    std::uint64_t copies_dropped = 0;  // retransmitted copies its process dropped (io lines)
    bool ready = false;  // its process answered a status request on the control socket
    std::uint64_t base_in = 0, base_out = 0;  // of earlier incarnations
    int restarts = 0;
};

struct LiveDeploymentOptions {
    const ProtocolSpec* spec = nullptr;
    DeploymentOptions deployment;
    std::set<std::string> insiders;                       // instances without a process
    std::map<std::string, std::set<std::string>> weaken;  // role -> checks
    std::optional<std::uint64_t> seed;
    std::string self_exe;
    std::string workdir;      // must exist; keys go to workdir/keys
    std::string addr_prefix;  // "127.A.B", random when empty
    // Passed as --retransmit-ms when set; campaigns use 0 (the engine plays the network and
    // roles never retransmit), `mtcfuzz run` keeps the role's default.
    std::optional<int> retransmit_ms;
    std::optional<int> retransmit_tries;  // passed as --retransmit-tries when set
    bool direct = false;  // no hub: peers get each other's real addresses (`mtcfuzz run --direct`)
};

// Raises this process's soft open-file limit (RLIMIT_NOFILE) to its hard limit when the
// hub and control sockets of `instances` instances would not fit; an error that says what to
// do when even the hard limit is too low.
Status ensure_fd_limit(std::size_t instances);

class LiveDeployment {
public:
    // The event, and the line it came in (written to events files as it is).
    using EventHandler = std::function<void(LiveInstance&, const Event&, const std::string& line)>;
    using IoHandler = std::function<void(LiveInstance&)>;
    using ExitHandler = std::function<void(LiveInstance&, const std::string& reason)>;

    static Result<std::unique_ptr<LiveDeployment>> start(net::EventLoop& loop,
                                                         const LiveDeploymentOptions& o,
                                                         pcap::PcapWriter* writer);
    ~LiveDeployment();
    LiveDeployment(const LiveDeployment&) = delete;
    LiveDeployment& operator=(const LiveDeployment&) = delete;

    void on_event(EventHandler h) { on_event_ = std::move(h); }
    void on_io(IoHandler h) { on_io_ = std::move(h); }
    void on_exit(ExitHandler h) { on_exit_ = std::move(h); }

    [[nodiscard]] Hub& hub() { return *hub_; }  // not with `direct`
    [[nodiscard]] bool has_hub() const { return hub_ != nullptr; }
    [[nodiscard]] const Provisioned& provisioned() const { return prov_; }
    [[nodiscard]] std::vector<LiveInstance>& instances() { return inst_; }
    [[nodiscard]] LiveInstance* find(const std::string& name);
    [[nodiscard]] net::TlsConfig tls_of(const LiveInstance& i) const;
    [[nodiscard]] const SecretBytes& fingerprint_salt() const { return salt_; }

    // Asks an initiator to begin one run.
    void start_run(LiveInstance& i);
    // Spawns the instance's process again (after it ended) and reconnects its control client.
    Status restart(LiveInstance& i);
    // SIGTERM to every process; returns how each that did not exit cleanly ended.
    std::vector<std::string> shutdown();

private:
    LiveDeployment(net::EventLoop& loop) : loop_(loop) {}
    Status spawn(LiveInstance& i);  // spawn_process, then connect_control
    Status spawn_process(LiveInstance& i);
    Status connect_control(LiveInstance& i);
    // Sends every process in `which` a status request and runs the loop until each answered.
    Status await_ready(const std::vector<LiveInstance*>& which);
    void on_line(LiveInstance& i, const std::string& line);

    net::EventLoop& loop_;
    LiveDeploymentOptions o_;
    Provisioned prov_;
    SecretBytes salt_;
    std::vector<LiveInstance> inst_;
    std::unordered_map<std::string, std::size_t> by_name_;  // instance name -> index in inst_
    std::unique_ptr<Hub> hub_;
    EventHandler on_event_;
    IoHandler on_io_;
    ExitHandler on_exit_;
    bool shutting_down_ = false;
};

}  // namespace mtc::runner
