#include "harness/runner/live_run.hpp"

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "harness/net/signals.hpp"
#include "harness/pcap/writer.hpp"
#include "harness/runner/control_client.hpp"
#include "harness/runner/process.hpp"
#include "harness/runner/provision.hpp"
#include "protocols/core/rng.hpp"

namespace mtc::runner {
namespace {

constexpr std::uint16_t kRolePort = 4242;

struct Instance {
    std::string name, role, keys_file, control, log;
    net::Endpoint real, front;
    bool tcp = false;
    std::unique_ptr<ControlClient> client;
    std::optional<Child> child;
};

// What is known of one run, assembled from the events of every process.
struct SessionState {
    std::int64_t begin_us = -1, last_commit_us = 0;
    std::set<std::string> committed_roles;
    bool failed = false, done = false;
};

}  // namespace

double LiveRunResult::percentile(double p) const {
    if (latencies_ms.empty()) return 0;
    std::vector<double> v = latencies_ms;
    std::sort(v.begin(), v.end());
    const auto idx = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
    return v[std::min(v.size() - 1, idx == 0 ? 0 : idx - 1)];
}

Result<LiveRunResult> live_run(const LiveRunOptions& o) {
    namespace fs = std::filesystem;
    if (o.spec == nullptr) return make_error("run: no protocol");
    if (o.direct && o.pcap)
        return make_error("--pcap needs the hub; it cannot be combined with --direct");
    LiveRunResult result;

    char tmpl[] = "/tmp/mtcfuzz-run-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return make_error("cannot create a temporary directory");
    // The work directory (keys, control sockets, role logs) is removed only after a run in
    // which every session committed; otherwise it stays for diagnosis and its path is reported.
    result.workdir = tmpl;

    ProvisionRequest preq{o.spec, o.deployment, result.workdir + "/keys", false, o.seed};
    auto prov = provision_to_dir(preq);
    if (!prov) return prov.error();

    // Addresses: instance k listens on 127.A.B.(k+1), its hub front is 127.A.B.(k+129).
    // A and B are random so concurrent runs on one machine do not collide.
    if (prov->instances.size() > 120) return make_error("run: at most 120 role instances");
    OsRng rng;
    const std::string net_prefix =
        (o.addr_prefix.empty() ? "127." + std::to_string(16 + rng.uniform(200)) + "." +
                                     std::to_string(rng.uniform(256))
                               : o.addr_prefix) +
        ".";
    std::vector<Instance> inst(prov->instances.size());
    std::map<std::string, std::size_t> index;
    for (std::size_t k = 0; k < inst.size(); ++k) {
        const auto& pi = prov->instances[k];
        inst[k].name = pi.instance;
        inst[k].role = pi.role;
        inst[k].keys_file = pi.keys_file;
        inst[k].control = result.workdir + "/" + instance_dir_name(pi.instance) + ".sock";
        inst[k].log = result.workdir + "/" + instance_dir_name(pi.instance) + ".log";
        inst[k].real = {net_prefix + std::to_string(k + 1), kRolePort};
        inst[k].front = {net_prefix + std::to_string(k + 129), kRolePort};
        for (const auto& r : o.spec->roles)
            inst[k].tcp = inst[k].tcp || o.spec->is_secure_link(pi.role, r.name);
        index[pi.instance] = k;
    }

    net::ignore_sigpipe();
    net::EventLoop loop;
    std::unique_ptr<pcap::PcapWriter> writer;
    if (o.pcap) {
        auto w = pcap::PcapWriter::create(*o.pcap);
        if (!w) return w.error();
        writer = std::move(w).value();
    }
    std::unique_ptr<Hub> hub;
    if (!o.direct) {
        std::vector<HubRoute> routes;
        for (const auto& i : inst) routes.push_back({i.name, i.real, i.front, i.tcp});
        hub = std::make_unique<Hub>(loop, routes, writer.get());
        if (auto s = hub->start(); !s) return s.error();
    }

    // Spawn one process per instance.
    for (auto& i : inst) {
        std::vector<std::string> argv = {
            o.self_exe,         "role",   o.spec->name, i.role,      "--bind",
            i.real.to_string(), "--keys", i.keys_file,  "--control", i.control};
        const InstancePlan* plan = prov->deployment.find(i.name);
        for (const auto& [logical, target] : plan->peers) {
            const Instance& t = inst[index.at(target)];
            argv.push_back("--peer");
            argv.push_back(logical + "=" + (o.direct ? t.real : t.front).to_string());
        }
        if (o.seed) {
            argv.push_back("--seed");
            argv.push_back(std::to_string(*o.seed));
        }
        auto child = Child::spawn(argv, i.log);
        if (!child) return child.error();
        i.child.emplace(std::move(child).value());
    }

    // Events from every process, as they arrive.
    std::map<std::uint64_t, SessionState> sessions;
    std::set<std::string> committing;
    for (const auto& i : inst) {
        const RoleSpec* rs = o.spec->role(i.role);
        if (rs != nullptr && rs->commits_key) committing.insert(i.role);
        ++result.roles[i.role].instances;
    }
    std::unique_ptr<std::ofstream> events_out;
    if (o.events_file) {
        events_out = std::make_unique<std::ofstream>(*o.events_file + ".tmp", std::ios::trunc);
        if (!*events_out) return make_error("cannot create events file " + *o.events_file);
    }
    std::vector<std::size_t> initiators;
    for (std::size_t k = 0; k < inst.size(); ++k) {
        const RoleSpec* rs = o.spec->role(inst[k].role);
        if (rs != nullptr && rs->initiator) initiators.push_back(k);
    }
    if (initiators.empty()) return make_error("run: no initiator instance");

    std::size_t started = 0, in_flight = 0, finished = 0;
    auto last_progress = std::chrono::steady_clock::now();
    auto start_more = [&] {
        while (started < o.sessions && in_flight < o.concurrency) {
            auto& ini = inst[initiators[started % initiators.size()]];
            ini.client->send(R"({"cmd":"start"})");
            ++started;
            ++in_flight;
        }
    };
    auto finish = [&](SessionState& s, bool ok) {
        if (s.done) return;
        s.done = true;
        ++finished;
        if (in_flight > 0) --in_flight;
        if (ok) {
            ++result.sessions_committed;
            result.latencies_ms.push_back(static_cast<double>(s.last_commit_us - s.begin_us) /
                                          1000.0);
        } else {
            ++result.sessions_failed;
        }
        last_progress = std::chrono::steady_clock::now();
        if (o.progress) o.progress(finished, o.sessions);
        if (finished >= o.sessions) {
            loop.stop();
        } else {
            start_more();
        }
    };
    auto on_event = [&](const Instance& from, const std::string& line) {
        const auto j = nlohmann::json::parse(line, nullptr, false);
        // Only events have a "kind"; replies ("reply") and io counts ("io") are not events.
        if (j.is_discarded() || !j.is_object() || !j.contains("kind")) return;
        if (events_out) *events_out << line << '\n';
        const auto kind = event_kind_from_string(j.value("kind", ""));
        if (!kind) return;
        RoleSummary& rs = result.roles[from.role];
        const std::uint64_t session = std::strtoull(j.value("session", "0").c_str(), nullptr, 16);
        const auto ts = static_cast<std::int64_t>(std::llround(j.value("ts", 0.0) * 1e6));
        SessionState& s = sessions[session];
        switch (*kind) {
            case EventKind::begin:
                ++rs.begins;
                if (o.spec->role(from.role)->initiator && s.begin_us < 0) s.begin_us = ts;
                break;
            case EventKind::accept:
                ++rs.accepts;
                break;
            case EventKind::commit:
                ++rs.commits;
                s.committed_roles.insert(from.role);
                s.last_commit_us = std::max(s.last_commit_us, ts);
                if (s.committed_roles == committing && s.begin_us >= 0) finish(s, true);
                break;
            case EventKind::reject:
            case EventKind::error:
            case EventKind::crash: {
                (*kind == EventKind::reject ? rs.rejects : rs.errors)++;
                const std::string reason = from.role + ": " + j.value("reason", std::string("?"));
                ++rs.reject_reasons[j.value("reason", std::string("?"))];
                ++result.failures[reason];
                if (session != 0) finish(s, false);
                break;
            }
        }
    };

    for (auto& i : inst) {
        auto c = ControlClient::connect(loop, i.control, std::chrono::milliseconds(10000));
        if (!c) {
            i.child->stop();
            return make_error(i.name + ": " + c.error().describe() + " (see its log: " + i.log +
                              ")");
        }
        i.client = std::move(c).value();
        Instance* self = &i;
        i.client->on_line([&, self](const std::string& line) { on_event(*self, line); });
        i.client->on_close([&, self] {
            if (finished < o.sessions) {
                ++result.failures[self->name + ": process ended during the run (see " + self->log +
                                  ")"];
                loop.stop();
            }
        });
        i.client->send(R"({"cmd":"status"})");
    }

    // The run: keep C sessions in flight until N have finished, or nothing moves for too long.
    const auto t0 = std::chrono::steady_clock::now();
    start_more();
    std::function<void()> watchdog = [&] {
        if (std::chrono::steady_clock::now() - last_progress > o.stall_timeout) {
            ++result.failures["no session finished for " + std::to_string(o.stall_timeout.count()) +
                              " ms"];
            loop.stop();
            return;
        }
        loop.after(std::chrono::milliseconds(100), watchdog);
    };
    loop.after(std::chrono::milliseconds(100), watchdog);
    loop.run();
    result.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    result.sessions_started = started;
    if (finished < started) result.sessions_failed += started - finished;

    // Let the last events drain, then stop every process and check how it ended.
    loop.run_for(std::chrono::milliseconds(50));
    for (auto& i : inst) i.client.reset();
    for (auto& i : inst) i.child->signal(SIGTERM);
    for (auto& i : inst) {
        if (!i.child->wait_for(std::chrono::milliseconds(3000)))
            i.child->stop(std::chrono::milliseconds(0));
        if (auto code = i.child->exit_code(); code && *code != 0) {
            ++result.failures[i.name + ": exited with code " + std::to_string(*code) + " (see " +
                              i.log + ")"];
        } else if (auto sig = i.child->term_signal()) {
            ++result.failures[i.name + ": ended by signal " + std::to_string(*sig) + " (see " +
                              i.log + ")"];
        }
    }
    if (hub) {
        result.hub = hub->stats();
        // Nothing the hub drops goes unmentioned.
        if (result.hub.unknown_source != 0) {
            result.failures["hub: dropped " + std::to_string(result.hub.unknown_source) +
                            " datagrams/connections from no known instance"] = 1;
        }
        if (result.hub.relay_failures != 0) {
            result.failures["hub: could not relay " + std::to_string(result.hub.relay_failures) +
                            " TCP connections to their instance"] = 1;
        }
    }
    hub.reset();
    if (writer) {
        if (auto s = writer->commit(); !s) return s.error();
    }
    if (events_out) {
        events_out->close();
        std::error_code ec;
        fs::rename(*o.events_file + ".tmp", *o.events_file, ec);
        if (ec)
            return make_error("cannot write events file " + *o.events_file + ": " + ec.message());
    }
    if (result.all_committed() && !o.keep_workdir) {
        std::error_code ec;
        fs::remove_all(result.workdir, ec);
        result.workdir.clear();
    }
    return result;
}

}  // namespace mtc::runner
