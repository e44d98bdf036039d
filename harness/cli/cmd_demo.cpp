// mtcfuzz demo: every built-in campaign against the as-specified and the hardened variant of its
// protocol, in one table.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "harness/cli/campaign_output.hpp"
#include "harness/cli/cli_util.hpp"
#include "harness/cli/deployment_options.hpp"
#include "harness/report/report.hpp"
#include "harness/runner/campaign_run.hpp"
#include "protocols/core/registry.hpp"

namespace mtc::cli {
namespace {

namespace fs = std::filesystem;

struct DemoRun {
    attacks::Campaign campaign;  // variant and budget set
    std::string dir;             // DIR/<protocol>-<variant>
    std::string label;           // "<protocol> <variant>"
};

// A folder the demo may replace: empty, or holding what a campaign run writes.
bool replaceable(const fs::path& dir) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) return true;
    if (!fs::is_directory(dir, ec)) return false;
    if (fs::is_empty(dir, ec)) return true;
    for (const char* name : {"report.json", "events.jsonl", "traffic.pcap", "findings"}) {
        if (fs::exists(dir / name, ec)) return true;
    }
    return false;
}

report::CampaignReport failed_report(const DemoRun& run, const std::string& reason) {
    report::CampaignReport r;
    r.campaign = run.campaign.name;
    r.campaign_file = run.campaign.source;
    r.protocol = run.campaign.spec->name;
    r.variant = run.campaign.deployment.variant;
    r.seed = run.campaign.seed;
    r.failure = reason;
    return r;
}

}  // namespace

int cmd_demo(const std::vector<std::string>& args) {
    const std::string cmd = "demo";
    po::options_description opts("options");
    double budget_s = 20;
    std::string out = "mtcfuzz-demo", campaigns_dir;
    std::vector<std::string> only;
    bool json = false, quiet = false;
    // clang-format off
    opts.add_options()
        ("budget-s", po::value(&budget_s)->default_value(20), "time budget of each run (seconds)")
        ("out,o", po::value(&out)->default_value("mtcfuzz-demo"), "write each run's reports into DIR/<campaign>-<variant>/")
        ("protocol", po::value(&only)->composing(), "only this protocol (repeatable)")
        ("campaigns", po::value(&campaigns_dir), "use every DIR/*.toml instead of the built-in campaign files")
        ("json", po::bool_switch(&json), "print a JSON array of the runs' report.json objects")
        ("quiet,q", po::bool_switch(&quiet), "no progress line");
    // clang-format on
    int code = kOk;
    auto vm = parse(
        cmd, "[--budget-s N] [-o DIR] [--protocol P]... [--campaigns DIR] [--json]",
        "Runs every built-in campaign (attacks/campaigns/*.toml, built into this binary:\n" +
            embedded_campaign_names() +
            ") against its protocol's 'as-specified' and\n"
            "'hardened' variant (those it has) for the budget each, writing the reports into\n"
            "DIR/<campaign>-<variant>/ (existing run folders there are replaced), then prints\n"
            "one table: campaign | variant | claim | paper says | verdict | evidence, and where\n"
            "the reports are. The campaign file format is described in\n"
            "docs/campaign-format.md and 'mtcfuzz campaign --help'.\n\n"
            "Exit 0 when every run completed, whatever the verdicts; 2 bad input or usage; 3 when\n"
            "a run failed.\n"
            "examples:\n"
            "  mtcfuzz demo\n"
            "  mtcfuzz demo --protocol prose --budget-s 60 -o /tmp/demo --json",
        opts, {}, args, code);
    if (!vm) return code;
    if (!std::isfinite(budget_s) || budget_s <= 0 || budget_s > 7 * 24 * 3600.0)
        return usage_error(cmd, "--budget-s must be more than 0 (and at most a week)");
    if (out.empty()) return usage_error(cmd, "-o DIR must not be empty");
    std::error_code ec;
    if (!campaigns_dir.empty() && !fs::is_directory(campaigns_dir, ec))
        return usage_error(cmd, "--campaigns " + campaigns_dir + ": no such folder");
    for (const auto& name : only) {
        if (require_protocol(cmd, name) == nullptr) return kUsage;
    }

    // Load every campaign first, so a bad file stops the demo before anything runs: the
    // built-in ones, or every DIR/*.toml (by name).
    std::vector<attacks::Campaign> campaigns;
    std::vector<std::string> names;
    if (campaigns_dir.empty()) {
        for (const auto& [name, text] : embedded_campaigns()) names.emplace_back(name);
    } else {
        for (const auto& e : fs::directory_iterator(campaigns_dir, ec)) {
            if (e.path().extension() == ".toml") names.push_back(e.path().string());
        }
    }
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
        auto loaded =
            campaigns_dir.empty() ? load_builtin_campaign(name) : attacks::load_campaign(name);
        if (!loaded) {
            std::cerr << "mtcfuzz " << cmd << ": " << loaded.error().describe() << "\n";
            return kUsage;
        }
        campaigns.push_back(std::move(loaded).value());
    }
    std::vector<DemoRun> runs;
    for (const ProtocolSpec* spec : registered_protocols()) {
        const bool asked = std::find(only.begin(), only.end(), spec->name) != only.end();
        if (!only.empty() && !asked) continue;
        bool any = false;
        for (const auto& campaign : campaigns) {
            if (campaign.spec != spec) continue;
            const std::string& name = campaign.name;
            any = true;
            for (const char* variant : {"as-specified", "hardened"}) {
                if (!spec->has_variant(variant)) continue;
                DemoRun run;
                run.campaign = campaign;
                run.campaign.deployment.variant = variant;
                run.campaign.budget_s = budget_s;
                run.label = name + " " + variant;
                run.dir = (fs::path(out) / (name + "-" + variant)).string();
                runs.push_back(std::move(run));
            }
        }
        if (asked && !any) {
            return usage_error(
                cmd,
                "no campaign for " + spec->name + " in " +
                    (campaigns_dir.empty() ? "the built-in ones (" + embedded_campaign_names() + ")"
                                           : campaigns_dir + " (its *.toml files)"));
        }
    }
    if (runs.empty()) {
        return usage_error(cmd, campaigns_dir.empty() ? "no protocol has a built-in campaign file"
                                                      : "no <protocol>.toml in " + campaigns_dir);
    }
    if (fs::exists(out, ec) && !fs::is_directory(out, ec))
        return usage_error(cmd, out + " exists and is not a directory");
    for (const auto& run : runs) {
        if (!replaceable(run.dir)) {
            return usage_error(cmd, run.dir + " exists and is not a campaign run folder; " +
                                        "choose another -o DIR");
        }
    }

    if (!quiet) {
        std::cerr << "demo: " << runs.size() << " runs of at most " << budget_s
                  << " s each, reports under " << out << "/\n";
    }
    std::vector<report::CampaignReport> reports;
    bool failed = false;
    const std::string exe = self_exe();
    for (const auto& run : runs) {
        fs::remove_all(run.dir, ec);
        if (!ec) fs::create_directories(run.dir, ec);
        if (ec) {
            std::cerr << "mtcfuzz " << cmd << ": cannot prepare " << run.dir << ": " << ec.message()
                      << "\n";
            reports.push_back(
                failed_report(run, "cannot prepare " + run.dir + ": " + ec.message()));
            failed = true;
            continue;
        }
        runner::CampaignRunOptions o;
        o.campaign = run.campaign;
        o.out_dir = run.dir;
        o.self_exe = exe;
        ProgressLine progress(run.label, !quiet);
        o.progress = progress.callback();
        auto r = runner::run_campaign(o);
        progress.finish();
        if (!r) {
            std::cerr << "mtcfuzz " << cmd << ": " << run.label << ": " << r.error().describe()
                      << "\n";
            reports.push_back(failed_report(run, r.error().describe()));
            failed = true;
            continue;
        }
        if (!r->failure.empty()) {
            std::cerr << "mtcfuzz " << cmd << ": " << run.label << ": run failed: " << r->failure
                      << "\n";
            failed = true;
        }
        reports.push_back(std::move(r).value());
    }

    if (json) {
        nlohmann::ordered_json j = nlohmann::ordered_json::array();
        for (const auto& r : reports) j.push_back(report::to_json(r));
        std::cout << j.dump(2) << "\n";
        return failed ? kRunFailed : kOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : reports) {
        for (const auto& c : r.claims) {
            rows.push_back({r.campaign, r.variant, c.id, shorten(c.paper_claim, 40),
                            std::string(report::to_string(c.verdict)), evidence(c)});
        }
        if (!r.failure.empty())
            rows.push_back({r.campaign, r.variant, "-", "-", "run failed", shorten(r.failure, 70)});
    }
    print_table(std::cout, {"campaign", "variant", "claim", "paper says", "verdict", "evidence"},
                rows);
    std::cout << "\nreports (report.md: claims table and a sequence diagram per finding):\n";
    for (std::size_t i = 0; i < runs.size(); ++i) {
        std::cout << "  " << runs[i].label << ": " << (fs::path(runs[i].dir) / "report.md").string()
                  << (reports[i].failure.empty() ? "" : " (run failed)") << "\n";
    }
    for (std::size_t i = 0; i < runs.size(); ++i) {
        if (reports[i].findings.empty()) continue;
        std::cout << "replay a finding: mtcfuzz campaign replay "
                  << (fs::path(runs[i].dir) / "findings" / reports[i].findings.front().id).string()
                  << "\n";
        break;
    }
    return failed ? kRunFailed : kOk;
}

}  // namespace mtc::cli
