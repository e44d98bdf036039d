// Attack sessions per second against live role processes, as a ratio of honest live sessions
// per second measured in the same campaign run (same processes, same engine, same hub): the
// honest phase runs HONEST sessions, then every strategy's plan runs until ATTACKS sessions.
// Prints both rates and the ratio (goal: at least 0.5).
//
//   build/release/bench/bench_attack build/release/harness/cli/mtcfuzz [CAMPAIGN.toml]
//   [HONEST=300] [ATTACKS=600]
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "attacks/campaign.hpp"
#include "harness/runner/campaign_run.hpp"

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s MTCFUZZ_BINARY [CAMPAIGN.toml] [HONEST] [ATTACKS]\n",
                     argv[0]);
        return 2;
    }
    const std::string file = argc > 2 ? argv[2] : "attacks/campaigns/prose.toml";
    auto c = mtc::attacks::load_campaign(file);
    if (!c) {
        std::fprintf(stderr, "%s\n", c.error().describe().c_str());
        return 2;
    }
    c->honest_sessions = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 300;
    c->budget_sessions = argc > 4 ? std::strtoul(argv[4], nullptr, 10) : 600;
    c->budget_s = 600;
    mtc::runner::CampaignRunOptions o;
    o.campaign = *c;
    o.self_exe = argv[1];
    o.out_dir = (std::filesystem::temp_directory_path() / "mtcfuzz-bench-attack").string();
    std::filesystem::remove_all(o.out_dir);
    auto r = mtc::runner::run_campaign(o);
    if (!r) {
        std::fprintf(stderr, "campaign failed: %s\n", r.error().describe().c_str());
        return 3;
    }
    const double honest = static_cast<double>(r->honest_sessions) / r->honest_s;
    const double attack = static_cast<double>(r->attack_sessions) / r->attack_s;
    std::printf("honest: %zu sessions in %.2f s = %.1f sessions/s\n", r->honest_sessions,
                r->honest_s, honest);
    std::printf("attack: %zu sessions in %.2f s = %.1f sessions/s (", r->attack_sessions,
                r->attack_s, attack);
    for (const auto& [strategy, n] : r->attacks_run) std::printf(" %s %zu", strategy.c_str(), n);
    std::printf(" )\nattack/honest ratio: %.2f (goal: >= 0.5)\n", attack / honest);
    return 0;
}
