#include "harness/runner/live_run.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "harness/net/signals.hpp"
#include "harness/pcap/writer.hpp"
#include "harness/runner/live_deployment.hpp"

namespace mtc::runner {
namespace {

// What is known of one run, assembled from the events of every process.
struct SessionState {
    std::int64_t begin_us = -1, last_commit_us = 0;
    std::set<std::string> committed_roles;
    bool done = false;
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

    net::ignore_sigpipe();
    net::EventLoop loop;
    std::unique_ptr<pcap::PcapWriter> writer;
    if (o.pcap) {
        auto w = pcap::PcapWriter::create(*o.pcap);
        if (!w) return w.error();
        writer = std::move(w).value();
    }
    LiveDeploymentOptions lo;
    lo.spec = o.spec;
    lo.deployment = o.deployment;
    lo.seed = o.seed;
    lo.self_exe = o.self_exe;
    lo.workdir = result.workdir;
    lo.addr_prefix = o.addr_prefix;
    lo.direct = o.direct;
    lo.retransmit_ms = o.retransmit_ms;
    lo.retransmit_tries = o.retransmit_tries;
    const auto t_start = std::chrono::steady_clock::now();
    auto dep = LiveDeployment::start(loop, lo, writer.get());
    if (!dep) return dep.error();
    result.startup_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    LiveDeployment& d = **dep;

    std::set<std::string> deployed;
    std::vector<LiveInstance*> initiators;
    for (auto& i : d.instances()) {
        const RoleSpec* rs = o.spec->role(i.role);
        deployed.insert(i.role);
        if (rs != nullptr && rs->initiator) initiators.push_back(&i);
        ++result.roles[i.role].instances;
    }
    if (initiators.empty()) return make_error("run: no initiator instance");
    std::unique_ptr<std::ofstream> events_out;
    if (o.events_file) {
        events_out = std::make_unique<std::ofstream>(*o.events_file + ".tmp", std::ios::trunc);
        if (!*events_out) return make_error("cannot create events file " + *o.events_file);
    }

    std::map<std::uint64_t, SessionState> sessions;
    std::size_t started = 0, in_flight = 0, finished = 0;
    auto last_progress = std::chrono::steady_clock::now();
    auto start_more = [&] {
        while (started < o.sessions && in_flight < o.concurrency) {
            d.start_run(*initiators[started % initiators.size()]);
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
    d.on_event([&](LiveInstance& from, const Event& e, const std::string& line) {
        if (events_out) *events_out << line << '\n';
        RoleSummary& rs = result.roles[from.role];
        SessionState& s = sessions[e.session];
        switch (e.kind) {
            case EventKind::begin:
                ++rs.begins;
                if (o.spec->role(from.role)->initiator && s.begin_us < 0) s.begin_us = e.ts_us;
                break;
            case EventKind::accept:
                ++rs.accepts;
                break;
            case EventKind::commit:
                ++rs.commits;
                s.committed_roles.insert(from.role);
                s.last_commit_us = std::max(s.last_commit_us, e.ts_us);
                if (o.spec->session_committed(deployed, s.committed_roles) && s.begin_us >= 0)
                    finish(s, true);
                break;
            case EventKind::reject:
            case EventKind::error:
            case EventKind::crash: {
                (e.kind == EventKind::reject ? rs.rejects : rs.errors)++;
                const std::string reason = e.reason.value_or("?");
                ++rs.reject_reasons[reason];
                ++result.failures[from.role + ": " + reason];
                if (e.session != 0) finish(s, false);
                break;
            }
        }
    });
    d.on_exit([&](LiveInstance& i, const std::string& why) {
        if (finished < o.sessions) {
            ++result.failures[i.name + ": " + why + " during the run"];
            loop.stop();
        }
    });

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
    for (const auto& i : d.instances()) result.copies_dropped[i.role] += i.copies_dropped;
    for (const auto& f : d.shutdown()) ++result.failures[f];
    if (d.has_hub()) {
        result.hub = d.hub().stats();
        for (const auto& [link, n] : result.hub.links) {
            result.role_links[{d.instances()[link.first].role, d.instances()[link.second].role}] +=
                n;
        }
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
    dep->reset();
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
