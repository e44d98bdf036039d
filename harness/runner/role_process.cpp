#include "harness/runner/role_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "harness/net/duplicate_filter.hpp"
#include "harness/net/endpoint.hpp"
#include "harness/net/event_loop.hpp"
#include "harness/net/retransmit.hpp"
#include "harness/net/signals.hpp"
#include "harness/net/stream.hpp"
#include "harness/net/udp.hpp"
#include "harness/runner/control_server.hpp"
#include "harness/runner/dir_storage.hpp"
#include "harness/runner/keys_file.hpp"
#include "protocols/core/clock.hpp"
#include "protocols/core/codec.hpp"
#include "protocols/core/instantiate.hpp"
#include "protocols/core/registry.hpp"

namespace mtc::runner {
namespace {

net::EventLoop* g_loop = nullptr;  // for the signal handler only

extern "C" void on_terminate(int /*sig*/) {
    if (g_loop != nullptr) g_loop->stop_from_signal();
}

int fail(int code, const std::string& msg) {
    std::cerr << "mtcfuzz role: " << msg << "\n";
    return code;
}

// Everything that happens to one role instance; lives for the process.
class RoleHost final : public EventSink {
public:
    RoleHost(net::EventLoop& loop, const RoleProcessOptions& o) : loop_(loop), o_(o) {}

    int setup();

    // EventSink: every event goes to the control clients and the events file.
    void emit(const Event& e) override {
        const std::string line = to_json_line(e);
        if (events_out_) *events_out_ << line << '\n' << std::flush;
        if (control_) control_->broadcast(line);
        ++counts_[std::string(to_string(e.kind))];
        if (e.kind == EventKind::commit || e.kind == EventKind::reject) finished(e.session);
    }

private:
    using json = nlohmann::ordered_json;

    std::string scheme_for(const std::string& peer_role) const {
        return spec_->is_secure_link(o_.role, peer_role) ? "tls:" : "udp:";
    }

    void send(std::vector<Outbound> out);
    void send_frame(const Address& to, const Bytes& frame, std::uint64_t session);
    // One inbound frame, decoded or not: handed to the role, its answers sent, then the io
    // counts broadcast.
    void deliver(BytesView frame, const Address& from, const std::optional<std::string>& peer) {
        ++frames_in_;
        if (!duplicates_ || !duplicates_->repeated(from, frame, net::DuplicateFilter::Clock::now()))
            send(deliver_frame(*role_, *spec_->schema, frame, from, peer));
        broadcast_io();
    }
    [[nodiscard]] json io() const {
        json j = {{"in", frames_in_}, {"out", frames_out_}};
        if (duplicates_) j["copies_dropped"] = duplicates_->dropped();
        return j;
    }
    // The schedule for one flight: copies over UDP; over a stream TCP retransmits by itself,
    // so the same give-up deadline with no copies.
    [[nodiscard]] net::RetransmitPolicy policy_for(
        const std::vector<std::pair<Address, Bytes>>& flight) const {
        const net::RetransmitPolicy udp{std::chrono::milliseconds(o_.retransmit_ms), 2,
                                        static_cast<unsigned>(o_.retransmit_tries)};
        for (const auto& [to, frame] : flight)
            if (std::string_view(to).substr(0, 4) != "tls:") return udp;
        return {udp.give_up_after(), 2, 0};
    }
    void broadcast_io() {
        if (control_) control_->broadcast(json{{"io", io()}}.dump());
    }
    void attach(const std::shared_ptr<net::StreamConn>& conn, const std::string& key);
    void on_command(const std::string& line, ControlServer::Client& client);
    void start_run();
    void arm_retransmit(std::uint64_t session);
    // The run ended (commit or reject): its retransmitter is destroyed, which disarms it.
    void finished(std::uint64_t session) { pending_.erase(session); }

    net::EventLoop& loop_;
    const RoleProcessOptions& o_;
    const ProtocolSpec* spec_ = nullptr;
    InstanceKeys keys_;
    Deployment deployment_;
    SystemClock clock_;
    std::unique_ptr<KeyFingerprinter> fingerprinter_;
    std::unique_ptr<Role> role_;
    std::unique_ptr<net::UdpSocket> udp_;
    std::unique_ptr<net::StreamListener> tls_listener_;
    std::optional<net::TlsConfig> tls_;
    std::map<std::string, std::shared_ptr<net::StreamConn>> conns_;  // "host:port" -> connection
    std::map<std::string, std::string> identity_at_;                 // "tls:host:port" -> identity
    std::unique_ptr<ControlServer> control_;
    std::unique_ptr<std::ofstream> events_out_;
    std::map<std::string, std::size_t> counts_;
    std::size_t frames_in_ = 0, frames_out_ = 0;

    // An initiator's run waiting for its end: what to resend, and the schedule.
    struct Pending {
        std::vector<std::pair<Address, Bytes>> frames;
        std::unique_ptr<net::Retransmitter> retransmitter;
    };
    std::map<std::uint64_t, Pending> pending_;
    // Set when retransmission is on: a retransmitted copy reaching this process is dropped.
    std::optional<net::DuplicateFilter> duplicates_;
};

int RoleHost::setup() {
    spec_ = find_protocol(o_.protocol);
    if (spec_ == nullptr) return fail(2, "unknown protocol '" + o_.protocol + "'");
    if (spec_->role(o_.role) == nullptr)
        return fail(2, o_.protocol + " has no role '" + o_.role + "'");
    auto keys = load_keys(o_.keys_file);
    if (!keys) return fail(2, keys.error().describe());
    keys_ = std::move(keys).value();
    if (keys_.protocol != o_.protocol || keys_.plan.role != o_.role) {
        return fail(2, "keys file " + o_.keys_file + " is for " + keys_.protocol + " " +
                           keys_.plan.role + ", not " + o_.protocol + " " + o_.role);
    }
    if (o_.variant) keys_.options.variant = *o_.variant;
    for (const auto& [name, value] : o_.options) {
        keys_.options.options[name] = value;  // validated below
        keys_.plan.settings[name] = value;    // the plan's settings are what the role reads
    }
    if (auto v = spec_->validate(keys_.options); !v) return fail(2, v.error().describe());
    if (!o_.weakened.empty()) {
        if (!weakening_enabled()) {
            return fail(2,
                        "--weaken: this build does not honour weakening (configure with "
                        "-DMTC_ENABLE_WEAKENING=ON, as the dev preset does)");
        }
        if (auto v = spec_->validate_weakened(o_.role, o_.weakened); !v)
            return fail(2, "--weaken: " + v.error().describe());
        keys_.plan.weakened = o_.weakened;
        std::string list;
        for (const auto& c : o_.weakened) list += (list.empty() ? "" : ", ") + c;
        std::cerr << "mtcfuzz role: WEAKENED (test only): " << o_.role
                  << " skips the checks: " << list << "\n";
    }

    auto bind = net::parse_endpoint(o_.bind);
    if (!bind) return fail(2, "--bind " + o_.bind + ": " + bind.error().describe());
    if (!o_.allow_remote && !bind->is_loopback()) {
        return fail(2, "--bind " + o_.bind +
                           " is not a loopback address (pass --allow-remote to allow it)");
    }
    // Every peer the plan names must be given an address, and nothing else.
    std::map<std::string, std::string> address_of_instance;
    for (const auto& [logical, addr] : o_.peers) {
        auto it = keys_.plan.peers.find(logical);
        if (it == keys_.plan.peers.end()) {
            std::string known;
            for (const auto& [l, i] : keys_.plan.peers) known += (known.empty() ? "" : ", ") + l;
            return fail(2, "--peer " + logical + ": " + o_.role + " has no peer named '" + logical +
                               "' (peers: " + known + ")");
        }
        auto ep = net::parse_endpoint(addr);
        if (!ep) return fail(2, "--peer " + logical + "=" + addr + ": " + ep.error().describe());
        if (!o_.allow_remote && !ep->is_loopback()) {
            return fail(2, "--peer " + logical + "=" + addr +
                               " is not a loopback address (pass --allow-remote to allow it)");
        }
        const std::string& instance = it->second;
        const std::string scheme = scheme_for(keys_.peers.at(instance).role);
        address_of_instance[instance] = scheme + ep->to_string();
        identity_at_[scheme + ep->to_string()] = keys_.peers.at(instance).identity;
    }
    for (const auto& [logical, instance] : keys_.plan.peers) {
        if (address_of_instance.count(instance) == 0)
            return fail(2, "missing --peer " + logical + "=ADDR");
    }

    // TLS material, needed only when one of this role's links is secure.
    bool secure = false;
    for (const auto& r : spec_->roles) secure = secure || spec_->is_secure_link(o_.role, r.name);
    if (secure) {
        const std::filesystem::path dir = std::filesystem::path(o_.keys_file).parent_path();
        tls_ = net::TlsConfig{o_.tls_ca.value_or((dir / ".." / "pki" / "ca.pem").string()),
                              o_.tls_cert.value_or((dir / "cert.pem").string()),
                              o_.tls_key.value_or((dir / "key.pem").string())};
    }

    if (o_.retransmit_ms != 0) {
        duplicates_.emplace(net::RetransmitPolicy{std::chrono::milliseconds(o_.retransmit_ms), 2,
                                                  static_cast<unsigned>(o_.retransmit_tries)}
                                .give_up_after());
    }
    if (o_.events_file) {
        events_out_ = std::make_unique<std::ofstream>(*o_.events_file, std::ios::app);
        if (!*events_out_) return fail(2, "cannot open events file " + *o_.events_file);
    }

    if (keys_.fingerprint_salt.empty()) {
        keys_.fingerprint_salt = make_rng(o_.seed, "key-fingerprint-salt")->secret_bytes(32);
    }
    fingerprinter_ = std::make_unique<KeyFingerprinter>(keys_.fingerprint_salt);
    deployment_ = keys_.deployment();
    // Durable state (e.g. a server's message store) next to the keys unless told otherwise.
    const std::string state_dir = o_.state_dir.value_or(
        (std::filesystem::path(o_.keys_file).parent_path() / "state").string());
    auto storage = DirStorage::open(state_dir);
    if (!storage) return fail(2, storage.error().describe());
    const RoleRuntime rt{o_.seed, &clock_, this, fingerprinter_.get(), std::move(storage).value()};
    auto role = instantiate_role(*spec_, deployment_, keys_.plan, rt, [&](const std::string& inst) {
        return address_of_instance.at(inst);
    });
    if (!role) return fail(2, role.error().describe());
    role_ = std::move(role).value();

    auto udp = net::UdpSocket::bind(loop_, *bind);
    if (!udp) return fail(3, "cannot bind UDP " + o_.bind + ": " + udp.error().describe());
    udp_ = std::move(udp).value();
    udp_->on_datagram(
        [this](Bytes d, const net::Endpoint& from) { deliver(d, "udp:" + from.to_string(), {}); });
    if (tls_) {
        net::Endpoint tcp_bind = *bind;
        tcp_bind.port = udp_->local().port;  // same port number for TCP, also when it was 0
        auto listener = net::StreamListener::listen(loop_, tcp_bind, tls_);
        if (!listener)
            return fail(3, "cannot listen on TCP " + tcp_bind.to_string() + ": " +
                               listener.error().describe());
        tls_listener_ = std::move(listener).value();
        tls_listener_->on_accept(
            [this](std::shared_ptr<net::StreamConn> c) { attach(c, c->remote().to_string()); });
    }
    // The control socket comes last: once a client can connect, every other socket is ready.
    auto control = ControlServer::listen(loop_, o_.control);
    if (!control) return fail(3, control.error().describe());
    control_ = std::move(control).value();
    control_->on_line(
        [this](const std::string& line, ControlServer::Client& c) { on_command(line, c); });
    return 0;
}

void RoleHost::attach(const std::shared_ptr<net::StreamConn>& conn, const std::string& key) {
    conns_[key] = conn;
    std::weak_ptr<net::StreamConn> weak = conn;
    conn->on_frame([this, weak](Bytes frame) {
        auto c = weak.lock();
        if (!c) return;
        deliver(frame, "tls:" + c->remote().to_string(), c->peer_identity());
    });
    conn->on_close([this, key, weak](const std::string& why) {
        // Only forget the link if it is still this connection (a reconnect may have replaced it).
        auto it = conns_.find(key);
        if (it != conns_.end() && it->second == weak.lock()) conns_.erase(it);
        if (!why.empty() && why != "closed locally") {
            role_->env().events->error(0, "link " + key + " closed: " + why);
        }
    });
}

void RoleHost::send(std::vector<Outbound> out) {
    // An initiator's output for a run it is waiting on is the run's next flight: the peer
    // answered, so that flight replaces the one being retransmitted, on a fresh schedule.
    std::set<std::uint64_t> next_flight;
    for (auto& o : out) {
        auto bytes = encode(*spec_->schema, o.msg);
        if (!bytes) {
            role_->env().events->error(o.msg.session, "encode: " + bytes.error().describe());
            continue;
        }
        if (auto p = pending_.find(o.msg.session); p != pending_.end()) {
            if (next_flight.insert(o.msg.session).second) p->second.frames.clear();
            p->second.frames.emplace_back(o.to, *bytes);
        }
        send_frame(o.to, *bytes, o.msg.session);
    }
    for (const std::uint64_t session : next_flight) arm_retransmit(session);
}

void RoleHost::send_frame(const Address& to, const Bytes& frame, std::uint64_t session) {
    const std::string_view addr = to;
    if (addr.substr(0, 4) == "udp:") {
        auto ep = net::parse_endpoint(addr.substr(4));
        if (ep && udp_->send_to(*ep, frame)) {
            ++frames_out_;
            return;
        }
        role_->env().events->error(session, "cannot send to " + to);
        return;
    }
    if (addr.substr(0, 4) == "tls:") {
        const std::string key(addr.substr(4));
        auto it = conns_.find(key);
        if (it == conns_.end() || !it->second->is_open()) {
            auto ep = net::parse_endpoint(key);
            auto id = identity_at_.find(to);
            if (!ep || id == identity_at_.end()) {
                role_->env().events->error(session, "no TLS link to " + to);
                return;
            }
            // From our own address, so a relay between us can tell who is connecting.
            auto conn = net::connect(loop_, *ep, tls_, id->second, udp_->local().host);
            if (!conn) {
                role_->env().events->error(
                    session, "cannot connect to " + to + ": " + conn.error().describe());
                return;
            }
            attach(*conn, key);
            it = conns_.find(key);
        }
        it->second->send_frame(frame);
        ++frames_out_;
        return;
    }
    role_->env().events->error(session, "unroutable address " + to);
}

void RoleHost::start_run() {
    auto out = role_->start();
    if (out.empty()) return;
    // With retransmission on, the run is remembered before its first flight goes out, so that
    // send() records the flight and arms its schedule.
    if (o_.retransmit_ms != 0) pending_[out.front().msg.session];
    send(std::move(out));
}

void RoleHost::arm_retransmit(std::uint64_t session) {
    auto it = pending_.find(session);
    if (it == pending_.end()) return;
    it->second.retransmitter =
        std::make_unique<net::Retransmitter>(loop_, policy_for(it->second.frames));
    it->second.retransmitter->arm(
        [this, session] {
            auto p = pending_.find(session);
            if (p == pending_.end()) return;
            for (const auto& [to, frame] : p->second.frames) send_frame(to, frame, session);
            broadcast_io();
        },
        [this, session] {
            // We are inside the retransmitter's own callback: keep it alive until the loop
            // is back in control, then end the run.
            if (auto p = pending_.find(session); p != pending_.end()) {
                std::shared_ptr<net::Retransmitter> keep(std::move(p->second.retransmitter));
                loop_.after(std::chrono::milliseconds(0), [keep] {});
                pending_.erase(p);
            }
            role_->env().events->reject(session, "",
                                        "timeout: no answer after " +
                                            std::to_string(o_.retransmit_tries) +
                                            " retransmissions");
        });
}

void RoleHost::on_command(const std::string& line, ControlServer::Client& client) {
    const json cmd = json::parse(line, nullptr, false);
    json reply;
    if (cmd.is_discarded() || !cmd.is_object() || !cmd.contains("cmd") || !cmd["cmd"].is_string()) {
        reply = {{"reply", "error"},
                 {"ok", false},
                 {"reason", "expected {\"cmd\": \"start\"|\"stop\"|\"status\"}"}};
        client.send(reply.dump());
        return;
    }
    const std::string c = cmd["cmd"].get<std::string>();
    if (c == "start") {
        const bool initiator = spec_->role(o_.role)->initiator;
        int n = 1;
        if (cmd.contains("sessions") && cmd["sessions"].is_number_integer())
            n = cmd["sessions"].get<int>();
        if (initiator) {
            for (int i = 0; i < n && i < 100000; ++i) start_run();
        }
        reply = {{"reply", "start"}, {"ok", initiator}};
        if (!initiator) reply["reason"] = o_.role + " is not an initiator";
        reply["io"] = io();
        client.send(reply.dump());
        broadcast_io();
        return;
    } else if (c == "status") {
        reply = {{"reply", "status"},
                 {"ok", true},
                 {"protocol", o_.protocol},
                 {"role", o_.role},
                 {"instance", keys_.plan.instance},
                 {"identity", keys_.plan.creds.identity},
                 {"variant", keys_.options.variant},
                 {"weakened", keys_.plan.weakened},
                 {"udp", udp_->local().to_string()},
                 {"tls", tls_listener_ ? json(tls_listener_->local().to_string()) : json(nullptr)},
                 {"frames_in", frames_in_},
                 {"frames_out", frames_out_},
                 {"events", counts_},
                 {"pending_runs", pending_.size()}};
    } else if (c == "stop") {
        reply = {{"reply", "stop"}, {"ok", true}};
        client.send(reply.dump());
        loop_.stop();
        return;
    } else {
        reply = {{"reply", "error"}, {"ok", false}, {"reason", "unknown command '" + c + "'"}};
    }
    client.send(reply.dump());
}

}  // namespace

int run_role_process(const RoleProcessOptions& options) {
    net::ignore_sigpipe();
    net::EventLoop loop;
    RoleHost host(loop, options);
    if (int rc = host.setup(); rc != 0) return rc;
    g_loop = &loop;
    struct sigaction sa {};
    sa.sa_handler = on_terminate;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGTERM, &sa, nullptr);
    ::sigaction(SIGINT, &sa, nullptr);
    loop.run();
    g_loop = nullptr;
    return 0;
}

}  // namespace mtc::runner
