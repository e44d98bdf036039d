// mtcfuzz campaign run / replay / show: the Dolev-Yao engine against live role processes.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "attacks/strategy.hpp"
#include "harness/cli/campaign_output.hpp"
#include "harness/cli/cli_util.hpp"
#include "harness/cli/deployment_options.hpp"
#include "harness/report/report.hpp"
#include "harness/runner/campaign_run.hpp"

namespace mtc::cli {
namespace {

namespace fs = std::filesystem;

std::string strategy_lines() {
    std::string s;
    for (const attacks::Strategy* st : attacks::strategies()) {
        std::string line = "      " + std::string(st->name());
        const auto options = st->options();
        if (!options.empty()) {
            line += " (";
            for (std::size_t i = 0; i < options.size(); ++i) line += (i ? ", " : "") + options[i];
            line += ")";
        }
        s += line + "\n";
        for (const auto& [key, what] : st->settings())
            s += "        " + key + " = ...  " + what + "\n";
    }
    return s;
}

std::string format_help() {
    return "A campaign file is TOML (docs/campaign-format.md). It names:\n"
           "  - the protocol, its variant, key profile and mode, and the role instances\n"
           "    (with role settings), as 'mtcfuzz list' shows them\n"
           "  - insider instances the attacker controls and instances whose long-term secrets\n"
           "    it knows\n"
           "  - how many honest sessions to capture first, and/or a pcap to load, into the\n"
           "    attacker's knowledge\n"
           "  - the attacks: strategies, each optionally limited to some of its sub-attacks:\n" +
           strategy_lines() +
           "  - the claims to check (claim ids of 'mtcfuzz list'; all of them when none listed)\n"
           "  - a budget (seconds, attack sessions) and a seed\n"
           "Parsing is strict: an unknown key, wrong type or unknown name is an error naming\n"
           "the file, line and column.\n"
           "Built into this binary (run as builtin:NAME): " +
           embedded_campaign_names() +
           ".\n"
           "Start from one: 'mtcfuzz campaign show builtin:NAME > mine.toml'.";
}

std::string verdict_cell(report::Verdict v) {
    return std::string(report::to_string(v));
}

void print_run_summary(const report::CampaignReport& r, const std::string& out_dir) {
    std::cout << "campaign '" << r.campaign << "' (" << r.campaign_file << "): " << r.protocol
              << ", variant " << r.variant << ", seed " << r.seed << "\n";
    std::ostringstream line;
    line << r.honest_sessions << " honest sessions, " << r.attack_sessions << " attack sessions";
    if (!r.attacks_run.empty()) {
        line << " (";
        bool first = true;
        for (const auto& [strategy, n] : r.attacks_run) {
            line << (first ? "" : ", ") << strategy << " " << n;
            first = false;
        }
        line << ")";
    }
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.1f", r.duration_s);
    std::cout << line.str() << " in " << secs << " s\n\n";

    std::vector<std::vector<std::string>> rows;
    std::size_t violated = 0, untested = 0;
    for (const auto& c : r.claims) {
        rows.push_back({c.id, shorten(c.paper_claim, 44), verdict_cell(c.verdict), evidence(c)});
        if (c.verdict == report::Verdict::violated) ++violated;
        if (c.verdict == report::Verdict::not_tested) ++untested;
    }
    print_table(std::cout, {"claim", "paper says", "verdict", "evidence"}, rows);
    std::cout << "\n";
    // The run's notes (budget, restarts, step problems); all of them are in report.json.
    constexpr std::size_t kNotesShown = 6;
    for (std::size_t i = 0; i < r.notes.size() && i < kNotesShown; ++i)
        std::cout << "note: " << r.notes[i] << "\n";
    if (r.notes.size() > kNotesShown) {
        std::cout << "note: ... and " << r.notes.size() - kNotesShown
                  << " more (report.json, \"notes\")\n";
    }
    if (!r.failure.empty()) std::cout << "run failed: " << r.failure << "\n";
    if (violated != 0) {
        std::cout << "result: " << violated << " of " << r.claims.size() << " claims violated ("
                  << r.findings.size() << (r.findings.size() == 1 ? " finding" : " findings")
                  << ")\n";
    } else if (r.failure.empty()) {
        std::cout << "result: no claim violated";
        if (untested != 0) std::cout << " (" << untested << " not tested)";
        std::cout << "\n";
    }
    const fs::path dir(out_dir);
    std::cout << "reports: " << (dir / "report.md").string()
              << " (claims table, a sequence diagram per finding), "
              << (dir / "report.json").string() << ", " << (dir / "report.sarif").string() << "\n"
              << "traffic: " << (dir / "traffic.pcap").string()
              << ", events: " << (dir / "events.jsonl").string() << "\n";
    if (!r.findings.empty()) {
        std::cout << "replay a finding: mtcfuzz campaign replay "
                  << (dir / "findings" / r.findings.front().id).string() << "\n";
    }
}

int cmd_campaign_run(const std::vector<std::string>& args) {
    const std::string cmd = "campaign run";
    po::options_description opts("options");
    std::string file, out, variant, addr_prefix;
    std::uint64_t seed = 0;
    double budget_s = 0;
    long long budget_sessions = 0;
    bool keep = false, force = false, json = false, quiet = false;
    // clang-format off
    opts.add_options()
        ("file", po::value(&file), "campaign file (TOML), or builtin:NAME")
        ("out,o", po::value(&out), "write the reports, events, pcap and findings into DIR")
        ("variant", po::value(&variant), "override the file's protocol variant")
        ("seed", po::value(&seed), "override the file's seed")
        ("budget-s", po::value(&budget_s), "override the time budget (seconds)")
        ("budget-sessions", po::value(&budget_sessions), "override the attack-session budget")
        ("addr-prefix", po::value(&addr_prefix), "127.A.B: role instances on 127.A.B.x (default: random)")
        ("keep-workdir", po::bool_switch(&keep), "keep the work directory (keys, role logs)")
        ("force", po::bool_switch(&force), "write into a non-empty DIR (replacing a previous run's outputs)")
        ("json", po::bool_switch(&json), "print report.json instead of the summary")
        ("quiet,q", po::bool_switch(&quiet), "no progress line");
    // clang-format on
    std::map<std::string, std::string> option_flags;  // e.g. --signature for E2SEC
    add_protocol_option_flags(opts, option_flags);
    po::positional_options_description pos;
    pos.add("file", 1);
    int code = kOk;
    auto vm = parse(
        cmd, "FILE -o DIR [--variant V] [--seed S] [--budget-s N] [--budget-sessions N] [options]",
        "Deploys the campaign's role instances as live processes on loopback with the attack\n"
        "engine as their network, captures honest runs into the attacker's knowledge, then\n"
        "runs the attack strategies within the budget and checks the protocol's claims after\n"
        "every attack session. Writes DIR/report.json, report.sarif, report.md (claims table\n"
        "and a sequence diagram per finding), events.jsonl, traffic.pcap and\n"
        "findings/<id>/{trace.json,trace.pcap}, and prints the claims table.\n\n" +
            format_help() +
            "\n\n"
            "Exit 0 every claim holds (or was not tested), 1 a claim is violated, 2 bad input\n"
            "or usage, 3 the run failed.\n"
            "examples:\n"
            "  mtcfuzz campaign run builtin:prose -o out/prose --budget-s 30\n"
            "  mtcfuzz campaign run mine.toml -o out/hardened --variant hardened --json",
        opts, pos, args, code);
    if (!vm) return code;
    if (file.empty()) return usage_error(cmd, "missing FILE (a campaign file or builtin:NAME)");
    if (out.empty()) return usage_error(cmd, "missing -o DIR (where the reports go)");

    auto loaded = load_campaign_arg(file);
    if (!loaded) {
        std::cerr << "mtcfuzz " << cmd << ": " << loaded.error().describe() << "\n";
        return kUsage;
    }
    attacks::Campaign campaign = std::move(loaded).value();
    if (campaign.spec == nullptr) return usage_error(cmd, file + ": names no protocol");
    if (vm->count("variant") != 0) {
        if (!campaign.spec->has_variant(variant)) {
            return usage_error(cmd, "unknown variant '" + variant + "' for " + campaign.spec->name +
                                        " (valid: " + variant_names(*campaign.spec) + ")");
        }
        campaign.deployment.variant = variant;
    }
    if (auto bad =
            apply_protocol_options(*campaign.spec, option_flags, campaign.deployment.options))
        return usage_error(cmd, *bad);
    if (auto valid = campaign.spec->validate(campaign.deployment); !valid)
        return usage_error(cmd, valid.error().describe());
    if (vm->count("seed") != 0) campaign.seed = seed;
    if (vm->count("budget-s") != 0) {
        if (!std::isfinite(budget_s) || budget_s <= 0 || budget_s > 7 * 24 * 3600.0)
            return usage_error(cmd, "--budget-s must be more than 0 (and at most a week)");
        campaign.budget_s = budget_s;
    }
    if (vm->count("budget-sessions") != 0) {
        if (budget_sessions <= 0) return usage_error(cmd, "--budget-sessions must be at least 1");
        campaign.budget_sessions = static_cast<std::size_t>(budget_sessions);
    }
    if (!addr_prefix.empty()) {
        if (auto err = check_addr_prefix(addr_prefix)) return usage_error(cmd, *err);
    }

    std::error_code ec;
    if (fs::exists(out, ec) && !fs::is_directory(out, ec))
        return usage_error(cmd, out + " exists and is not a directory");
    if (!is_missing_or_empty(out)) {
        if (!force) {
            return usage_error(cmd, out +
                                        " is not empty (use --force to replace the outputs of a " +
                                        "previous run in it)");
        }
        if (auto err = clear_campaign_outputs(out)) return usage_error(cmd, *err);
    }
    fs::create_directories(out, ec);
    if (ec) return usage_error(cmd, "cannot create " + out + ": " + ec.message());

    runner::CampaignRunOptions o;
    o.campaign = std::move(campaign);
    o.out_dir = out;
    o.self_exe = self_exe();
    o.addr_prefix = addr_prefix;
    o.keep_workdir = keep;
    ProgressLine progress(o.campaign.spec->name + " " + o.campaign.deployment.variant, !quiet);
    o.progress = progress.callback();
    auto r = runner::run_campaign(o);
    progress.finish();
    if (!r) {
        std::cerr << "mtcfuzz " << cmd << ": " << r.error().describe() << "\n";
        return kRunFailed;
    }
    if (json) {
        std::cout << report::to_json(*r).dump(2) << "\n";
    } else {
        print_run_summary(*r, out);
    }
    if (!r->failure.empty())
        std::cerr << "mtcfuzz " << cmd << ": run failed: " << r->failure << "\n";
    return report::exit_code(*r);
}

int cmd_campaign_replay(const std::vector<std::string>& args) {
    const std::string cmd = "campaign replay";
    po::options_description opts("options");
    std::string dir, out, addr_prefix;
    bool json = false;
    // clang-format off
    opts.add_options()
        ("finding", po::value(&dir), "a finding's folder, DIR/findings/ID (holding trace.json)")
        ("out,o", po::value(&out), "keep the replay's events.jsonl and traffic.pcap in this folder")
        ("addr-prefix", po::value(&addr_prefix), "127.A.B: role instances on 127.A.B.x (default: random)")
        ("json", po::bool_switch(&json), R"(print {"claim","reproduced","summaries"})");
    // clang-format on
    po::positional_options_description pos;
    pos.add("finding", 1);
    int code = kOk;
    auto vm = parse(
        cmd, "DIR/findings/ID [--json] [-o OUT]",
        "Replays the attack trace of one finding (its trace.json, written by 'mtcfuzz campaign\n"
        "run') against a fresh deployment of the same campaign and checks whether the claim\n"
        "it violated is violated again.\n\n"
        "Exit 1 when the violation reproduces, 0 when it does not, 2 for a bad folder or\n"
        "trace, 3 when the replay itself failed.\n"
        "example: mtcfuzz campaign replay out/prose/findings/3f2a9c01",
        opts, pos, args, code);
    if (!vm) return code;
    if (dir.empty()) return usage_error(cmd, "missing DIR/findings/ID");
    if (!addr_prefix.empty()) {
        if (auto err = check_addr_prefix(addr_prefix)) return usage_error(cmd, *err);
    }
    std::error_code ec;
    fs::path folder(dir);
    if (fs::is_regular_file(folder, ec) && folder.filename() == "trace.json")
        folder = folder.parent_path();
    if (!fs::is_directory(folder, ec)) {
        std::cerr << "mtcfuzz " << cmd << ": " << dir << ": no such finding folder\n";
        return kUsage;
    }
    const fs::path trace_file = folder / "trace.json";
    std::ifstream in(trace_file);
    if (!in) {
        std::cerr << "mtcfuzz " << cmd << ": " << trace_file.string()
                  << ": cannot read (is this a DIR/findings/ID folder?)\n";
        return kUsage;
    }
    const auto trace = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (trace.is_discarded() || !trace.is_object()) {
        std::cerr << "mtcfuzz " << cmd << ": " << trace_file.string()
                  << ": not a JSON object (a trace written by 'mtcfuzz campaign run')\n";
        return kUsage;
    }

    runner::ReplayOptions o;
    o.finding_dir = folder.string();
    o.self_exe = self_exe();
    o.addr_prefix = addr_prefix;
    if (!out.empty()) {
        fs::create_directories(out, ec);
        if (ec) return usage_error(cmd, "cannot create " + out + ": " + ec.message());
        o.out_dir = out;
    }
    auto r = runner::replay_finding(o);
    if (!r) {
        // The engine names trace.json in errors about its content: that is bad input.
        const std::string reason = r.error().describe();
        std::cerr << "mtcfuzz " << cmd << ": " << reason << "\n";
        return reason.find("trace.json") != std::string::npos ? kUsage : kRunFailed;
    }
    if (json) {
        nlohmann::ordered_json j;
        j["claim"] = r->claim;
        j["reproduced"] = r->reproduced;
        j["summaries"] = r->summaries;
        std::cout << j.dump(2) << "\n";
    } else if (r->reproduced) {
        std::string summary;
        for (const auto& s : r->summaries) summary += (summary.empty() ? "" : "; ") + s;
        std::cout << "reproduced: " << r->claim << " violated again";
        if (!summary.empty()) std::cout << " (" << summary << ")";
        std::cout << "\n";
    } else {
        std::cout << "not reproduced: " << r->claim << " holds on this replay\n";
    }
    return r->reproduced ? kViolation : kOk;
}

int cmd_campaign_show(const std::vector<std::string>& args) {
    const std::string cmd = "campaign show";
    po::options_description opts("options");
    std::string name;
    opts.add_options()("name", po::value(&name), "builtin:NAME (or NAME)");
    po::positional_options_description pos;
    pos.add("name", 1);
    int code = kOk;
    auto vm = parse(cmd, "builtin:NAME",
                    "Prints a campaign file built into this binary, as a starting point for your\n"
                    "own. Built in: " +
                        embedded_campaign_names() + ".",
                    opts, pos, args, code);
    if (!vm) return code;
    if (name.empty()) return usage_error(cmd, "missing builtin:NAME");
    if (name.rfind(kBuiltinPrefix, 0) == 0) name.erase(0, kBuiltinPrefix.size());
    const auto text = embedded_campaign(name);
    if (!text) {
        return usage_error(cmd, "no built-in campaign '" + name +
                                    "' (built in: " + embedded_campaign_names() + ")");
    }
    std::cout << *text;
    if (!text->empty() && text->back() != '\n') std::cout << "\n";
    return kOk;
}

}  // namespace

int cmd_campaign(const std::vector<std::string>& args) {
    const std::string usage =
        "usage: mtcfuzz campaign run FILE -o DIR [--variant V] [--seed S] [--budget-s N]\n"
        "                            [--budget-sessions N] [--addr-prefix 127.A.B]\n"
        "                            [--keep-workdir] [--force] [--json] [--quiet]\n"
        "       mtcfuzz campaign replay DIR/findings/ID [--json]\n"
        "       mtcfuzz campaign show builtin:NAME\n\n"
        "Attack campaigns: a Dolev-Yao attacker that is the network between live role\n"
        "processes replays, modifies, relays and interposes messages and checks the claims\n"
        "the protocol's paper makes. Subcommands:\n"
        "  run     run a campaign file, write reports into DIR (see 'mtcfuzz campaign run "
        "--help')\n"
        "  replay  reproduce one finding of a run (see 'mtcfuzz campaign replay --help')\n"
        "  show    print a built-in campaign file\n\n" +
        format_help() +
        "\n\n"
        "Exit codes: 0 every claim holds, 1 a claim is violated (replay: it is again),\n"
        "2 bad input or usage, 3 the run failed. 'mtcfuzz demo' runs every built-in campaign.\n";
    if (args.empty()) {
        std::cerr << "mtcfuzz campaign: missing subcommand (see 'mtcfuzz campaign --help')\n";
        return kUsage;
    }
    if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        std::cout << usage;
        return kOk;
    }
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (args[0] == "run") return cmd_campaign_run(rest);
    if (args[0] == "replay") return cmd_campaign_replay(rest);
    if (args[0] == "show") return cmd_campaign_show(rest);
    std::cerr << "mtcfuzz campaign: unknown subcommand '" << args[0]
              << "' (see 'mtcfuzz campaign --help')\n";
    return kUsage;
}

}  // namespace mtc::cli
