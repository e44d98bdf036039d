// mtcfuzz run: honest sessions through live role processes on loopback.
#include <algorithm>
#include <climits>
#include <cstdio>
#include <iostream>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "harness/cli/cli_util.hpp"
#include "harness/cli/deployment_options.hpp"
#include "harness/cli/role_table.hpp"
#include "harness/runner/address_plan.hpp"
#include "harness/runner/live_run.hpp"

namespace mtc::cli {
namespace {

std::string self_exe() {
    char buf[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "mtcfuzz";
}

void print_text(const ProtocolSpec& spec, const runner::LiveRunOptions& o,
                const runner::LiveRunResult& r) {
    std::printf(
        "%s (%s, %s mode, %s profile, %s): %zu sessions, %zu in flight, %.3f s (%.1f sessions/s)\n",
        spec.name.c_str(), o.deployment.variant.c_str(), o.deployment.mode.c_str(),
        o.deployment.profile.c_str(), o.direct ? "direct" : "through the hub", r.sessions_started,
        o.concurrency, r.wall_s,
        r.wall_s > 0 ? static_cast<double>(r.sessions_committed) / r.wall_s : 0.0);
    print_role_table(spec, r.roles);
    std::printf(
        "session latency (initiator begin to last commit): p50 %.2f ms, p95 %.2f ms, p99 %.2f ms\n",
        r.percentile(50), r.percentile(95), r.percentile(99));
    if (!o.direct) {
        std::printf("hub: %llu datagrams (%llu bytes), %llu TCP connections (%llu bytes)\n",
                    static_cast<unsigned long long>(r.hub.datagrams),
                    static_cast<unsigned long long>(r.hub.datagram_bytes),
                    static_cast<unsigned long long>(r.hub.tcp_connections),
                    static_cast<unsigned long long>(r.hub.tcp_bytes));
    }
    for (const auto& [role, n] : r.copies_dropped) {
        if (n != 0)
            std::printf("%s: dropped %llu retransmitted copies of frames it had handled\n",
                        role.c_str(), static_cast<unsigned long long>(n));
    }
    for (const auto& [reason, n] : r.failures) std::printf("failure x%zu: %s\n", n, reason.c_str());
    std::printf("result: %s (%zu of %zu sessions committed on every role)\n",
                r.all_committed() ? "ok" : "FAILED", r.sessions_committed, r.sessions_started);
    if (!r.workdir.empty()) std::printf("work directory kept: %s\n", r.workdir.c_str());
}

nlohmann::ordered_json to_json(const runner::LiveRunOptions& o, const runner::LiveRunResult& r) {
    nlohmann::ordered_json j;
    j["protocol"] = o.spec->name;
    j["variant"] = o.deployment.variant;
    j["mode"] = o.deployment.mode;
    j["profile"] = o.deployment.profile;
    j["direct"] = o.direct;
    j["sessions"] = r.sessions_started;
    j["committed"] = r.sessions_committed;
    j["failed"] = r.sessions_failed;
    j["wall_s"] = r.wall_s;
    j["startup_s"] = r.startup_s;
    j["latency_ms"] = {
        {"p50", r.percentile(50)}, {"p95", r.percentile(95)}, {"p99", r.percentile(99)}};
    j["roles"] = role_table_json(r.roles);
    j["failures"] = r.failures;
    j["hub"] = {{"datagrams", r.hub.datagrams}, {"tcp_connections", r.hub.tcp_connections}};
    j["copies_dropped"] = r.copies_dropped;
    j["ok"] = r.all_committed();
    j["workdir"] =
        r.workdir.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.workdir);
    return j;
}

}  // namespace

int cmd_run(const std::vector<std::string>& args) {
    po::options_description opts("options");
    std::string protocol, pcap, events;
    std::uint64_t seed = 0;
    runner::LiveRunOptions o;
    DeploymentArgs dep;
    int stall_s = 10;
    // clang-format off
    opts.add_options()
        ("protocol", po::value(&protocol), "protocol (see 'mtcfuzz list')")
        ("sessions,n", po::value(&o.sessions)->default_value(1), "number of honest sessions")
        ("concurrency,c", po::value(&o.concurrency)->default_value(1), "sessions in flight at once");
    dep.add_to(opts);
    opts.add_options()
        ("pcap", po::value(&pcap), "write every relayed datagram and TCP segment to FILE (pcap)")
        ("events", po::value(&events), "write every event of every role to FILE (JSON Lines)")
        ("seed", po::value(&seed), "seed keys and the roles' randomness")
        ("direct", po::bool_switch(&o.direct), "let the roles talk directly, without the hub (no pcap)")
        ("keep", po::bool_switch(&o.keep_workdir), "keep the work directory (keys, role logs)")
        ("addr-prefix", po::value(&o.addr_prefix), "127.A.B: instance k on 127.A.B.(k+1), hub fronts on .(k+129); from k = 120 on the next /24s, 127.A.(B + k/120).(k%120 + 1) (default: random)")
        ("stall-timeout", po::value(&stall_s)->default_value(10), "give up when no session ends for S seconds")
        ("retransmit-ms", po::value<int>(), "the roles' first retransmission timeout (see 'mtcfuzz role --help'); 0: initiators never retransmit, so the pcap holds each protocol message once (default: the role's 200)")
        ("retransmit-tries", po::value<int>(), "the roles' retransmissions of a flight before its run is given up (default: the role's 3)")
        ("json", po::bool_switch(), "print the summary as JSON");
    // clang-format on
    po::positional_options_description pos;
    pos.add("protocol", 1);
    int code = kOk;
    auto vm =
        parse("run", "PROTOCOL [--sessions N] [--concurrency C] [--pcap FILE] [options]",
              "Provisions a deployment into a temporary directory, starts one 'mtcfuzz role'\n"
              "process per role instance on its own loopback address, relays all their traffic\n"
              "through a hub that writes it to a pcap, runs N honest sessions (C at a time) and\n"
              "prints commits per role, session latency percentiles and every failure.\n"
              "Exit 0 only if every session committed on every role; 3 otherwise.\n"
              "example: mtcfuzz run prose --sessions 100 --concurrency 4 --pcap prose.pcap",
              opts, pos, args, code);
    if (!vm) return code;
    o.spec = require_protocol("run", protocol);
    if (o.spec == nullptr) return kUsage;
    if (auto err = dep.resolve(*o.spec, o.deployment)) return usage_error("run", *err);
    if (o.sessions == 0 || o.sessions > 10'000'000)
        return usage_error("run", "--sessions must be 1..10000000");
    if (o.concurrency == 0 || o.concurrency > 4096)
        return usage_error("run", "--concurrency must be 1..4096");
    if (stall_s < 1 || stall_s > 3600)
        return usage_error("run", "--stall-timeout must be 1..3600 seconds");
    if (o.direct && !pcap.empty()) return usage_error("run", "--pcap needs the hub; drop --direct");
    o.stall_timeout = std::chrono::seconds(stall_s);
    if (vm->count("retransmit-ms") != 0) {
        const int ms = (*vm)["retransmit-ms"].as<int>();
        if (ms < 0 || ms > 60000) return usage_error("run", "--retransmit-ms must be 0..60000");
        o.retransmit_ms = ms;
    }
    if (vm->count("retransmit-tries") != 0) {
        const int n = (*vm)["retransmit-tries"].as<int>();
        if (n < 0 || n > 20) return usage_error("run", "--retransmit-tries must be 0..20");
        o.retransmit_tries = n;
    }
    if (!o.addr_prefix.empty() && !runner::AddressPrefix::parse(o.addr_prefix)) {
        return usage_error(
            "run", "--addr-prefix wants 127.A.B (A, B in 0..255), got '" + o.addr_prefix + "'");
    }
    if (!pcap.empty()) o.pcap = pcap;
    if (!events.empty()) o.events_file = events;
    if (vm->count("seed") != 0) o.seed = seed;
    o.self_exe = self_exe();
    if (::isatty(STDERR_FILENO) == 1 && o.sessions >= 20) {
        o.progress = [](std::size_t done, std::size_t total) {
            if (done % 10 == 0 || done == total)
                std::fprintf(stderr, "\rrun: %zu/%zu sessions", done, total);
            if (done == total) std::fprintf(stderr, "\n");
        };
    }
    auto r = runner::live_run(o);
    if (!r) {
        std::cerr << "mtcfuzz run: " << r.error().describe() << "\n";
        return kRunFailed;
    }
    if ((*vm)["json"].as<bool>()) {
        std::cout << to_json(o, *r).dump(2) << "\n";
    } else {
        print_text(*o.spec, o, *r);
    }
    return r->all_committed() ? kOk : kRunFailed;
}

}  // namespace mtc::cli
