// Honest live sessions per second, direct vs through the relaying hub, measured back to back
// in one process on the same machine; prints both rates and the ratio hub/direct
// (goal for ProSe: at least 0.5).
//
//   build/release/bench/bench_live build/release/harness/cli/mtcfuzz [SESSIONS] [CONCURRENCY]
//   [PROTOCOL]
#include <cstdio>
#include <cstdlib>
#include <string>

#include "harness/runner/live_run.hpp"
#include "protocols/core/registry.hpp"

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr,
                     "usage: %s MTCFUZZ_BINARY [SESSIONS=2000] [CONCURRENCY=8] [PROTOCOL=prose]\n",
                     argv[0]);
        return 2;
    }
    const std::size_t sessions = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 2000;
    const std::size_t concurrency = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 8;
    const std::string protocol = argc > 4 ? argv[4] : "prose";
    const auto* spec = mtc::find_protocol(protocol);
    if (spec == nullptr || sessions == 0 || concurrency == 0) {
        std::fprintf(stderr, "bad arguments\n");
        return 2;
    }
    double rate[2] = {0, 0};
    for (int hub = 0; hub < 2; ++hub) {
        mtc::runner::LiveRunOptions o;
        o.spec = spec;
        o.deployment.variant = spec->variants.front().name;
        o.deployment.profile = spec->profiles.front().name;
        o.deployment.mode = spec->modes.front().name;
        o.sessions = sessions;
        o.concurrency = concurrency;
        o.direct = hub == 0;
        o.self_exe = argv[1];
        auto r = mtc::runner::live_run(o);
        if (!r || !r->all_committed()) {
            std::fprintf(stderr, "%s run failed: %s\n", hub ? "hub" : "direct",
                         r ? "not every session committed" : r.error().describe().c_str());
            return 3;
        }
        rate[hub] = static_cast<double>(r->sessions_committed) / r->wall_s;
        std::printf(
            "%-7s %zu sessions, %zu in flight: %.1f sessions/s, latency p50 %.2f ms p99 %.2f ms\n",
            hub ? "hub" : "direct", sessions, concurrency, rate[hub], r->percentile(50),
            r->percentile(99));
    }
    std::printf("hub/direct throughput ratio: %.2f (goal for ProSe: >= 0.5)\n", rate[1] / rate[0]);
    return 0;
}
