// mtcfuzz triage crashes: reproduce, bucket, minimise and rank a fuzz target's crash inputs
// (harness/triage/crash_triage.hpp); mtcfuzz triage findings: merge campaign reports and
// bucket their findings, new or known against a baseline (findings_triage.hpp). Both write
// triage.json, triage.sarif and triage.md.
#include <filesystem>
#include <iostream>

#include "harness/cli/cli_util.hpp"
#include "harness/runner/files.hpp"
#include "harness/triage/crash_triage.hpp"
#include "harness/triage/findings_triage.hpp"
#include "harness/triage/triage_output.hpp"

namespace mtc::cli {
namespace {

namespace fs = std::filesystem;

int crashes(const std::vector<std::string>& args) {
    po::options_description opts("options");
    std::string target, bin_dir = "build/dev/targets", libfuzzer_bin, out;
    std::vector<std::string> inputs;
    int runs = 3, timeout_s = 25, minimize_s = 30;
    // clang-format off
    opts.add_options()
        ("target", po::value(&target), "the fuzz target the inputs crashed (mtcfuzz fuzz --list), or the path of its plain driver")
        ("out,o", po::value(&out), "output directory: triage.json, triage.sarif, triage.md, inputs/<bucket>.min")
        ("bin-dir", po::value(&bin_dir), "where the plain drivers are (default: build/dev/targets, the ASan+UBSan test build)")
        ("libfuzzer", po::value(&libfuzzer_bin), "the target's libFuzzer build, for hang stacks and minimisation (default: BIN_DIR/libfuzzer/TARGET when it exists)")
        ("runs", po::value(&runs), "reproductions per input; fewer crashes than runs marks it flaky (default 3)")
        ("timeout", po::value(&timeout_s), "seconds before a run counts as a hang (default 25)")
        ("minimize-time", po::value(&minimize_s), "seconds of libFuzzer -minimize_crash per bucket, 0 for none (default 30)")
        ("input", po::value(&inputs)->composing(), "crash files or folders (also positional)");
    // clang-format on
    po::positional_options_description pos;
    pos.add("input", -1);
    int code = kOk;
    auto vm = parse(
        "triage crashes", "--target NAME -o DIR INPUT...",
        "Reproduces each crash input with the target's plain driver under ASan+UBSan\n"
        "(--runs times: an input that crashes only sometimes is flaky), reads the sanitizer,\n"
        "libFuzzer or security-oracle report, buckets duplicates by crash type and the top\n"
        "three project frames, minimises one input per bucket with libFuzzer's\n"
        "-minimize_crash (kept only if it still crashes the same way), and ranks the buckets\n"
        "by severity (ClusterFuzz's levels). A log it cannot read goes to 'unparsed' with the\n"
        "reason. INPUT: libFuzzer crash-/leak-/timeout-/oom- files, AFL++ crashes/ and hangs/\n"
        "folders, any file.\n"
        "Exit: 0 no crash reproduced, 1 crashes reproduced (see triage.md), 2 usage, 3 failure.\n"
        "example: mtcfuzz triage crashes --target prose_UE_fuzzer -o triage fuzz-out/crashes",
        opts, pos, args, code);
    if (!vm) return code;
    if (target.empty()) return usage_error("triage crashes", "--target NAME is required");
    if (out.empty()) return usage_error("triage crashes", "-o DIR is required");
    if (inputs.empty()) return usage_error("triage crashes", "no crash inputs given");
    if (runs < 1 || runs > 100) return usage_error("triage crashes", "--runs must be 1..100");
    if (timeout_s < 1 || timeout_s > 3600)
        return usage_error("triage crashes", "--timeout must be 1..3600 seconds");
    if (minimize_s < 0 || minimize_s > 3600)
        return usage_error("triage crashes", "--minimize-time must be 0..3600 seconds");

    triage::CrashTriageOptions o;
    const bool is_path = target.find('/') != std::string::npos;
    o.target = is_path ? fs::path(target).filename().string() : target;
    o.plain_bin = is_path ? target : (fs::path(bin_dir) / target).string();
    if (!fs::exists(o.plain_bin)) {
        return usage_error("triage crashes",
                           "no plain driver " + o.plain_bin +
                               " (build the test preset, or pass --bin-dir or a path as --target)");
    }
    if (libfuzzer_bin.empty()) {
        const fs::path twin = fs::path(o.plain_bin).parent_path() / "libfuzzer" / o.target;
        if (fs::exists(twin)) libfuzzer_bin = twin.string();
    }
    o.libfuzzer_bin = libfuzzer_bin;
    o.runs = runs;
    o.timeout = std::chrono::seconds(timeout_s);
    o.minimize_time = std::chrono::seconds(minimize_s);
    o.out_dir = out;
    o.progress = [](const std::string& line) { std::cerr << "triage: " << line << "\n"; };
    auto files = triage::crash_inputs(inputs);
    if (!files) return usage_error("triage crashes", files.error().describe());
    if (files->empty()) return usage_error("triage crashes", "the inputs hold no files");

    auto t = triage::triage_crashes(o, *files);
    if (!t) {
        std::cerr << "mtcfuzz triage crashes: " << t.error().describe() << "\n";
        return kRunFailed;
    }
    if (auto s = triage::write_triage_files(out, triage::to_json(*t), triage::to_sarif(*t),
                                            triage::to_markdown(*t));
        !s) {
        std::cerr << "mtcfuzz triage crashes: " << s.error().describe() << "\n";
        return kRunFailed;
    }
    for (const auto& b : t->buckets) {
        std::string state;
        for (const auto& s : b.state) state += (state.empty() ? "" : " <- ") + s;
        std::cout << b.severity << "\t" << b.title << "\t" << state << "\t" << b.inputs.size()
                  << " input(s)" << (b.flaky ? ", flaky" : "") << "\n";
    }
    std::cout << t->buckets.size() << " distinct crash(es) from " << t->inputs << " input(s), "
              << t->unparsed.size() << " unparsed, " << t->not_reproduced.size()
              << " not reproduced; " << out << "/triage.md\n";
    return t->buckets.empty() && t->unparsed.empty() ? kOk : kViolation;
}

int findings(const std::vector<std::string>& args) {
    po::options_description opts("options");
    std::string out, baseline;
    std::vector<std::string> reports;
    // clang-format off
    opts.add_options()
        ("out,o", po::value(&out), "output directory: triage.json, triage.sarif, triage.md")
        ("baseline", po::value(&baseline), "known findings (attacks/findings-baseline.json): only others are new")
        ("update-baseline", po::bool_switch(), "write every bucket of this run into --baseline as known")
        ("report", po::value(&reports)->composing(), "campaign report folders (also positional)");
    // clang-format on
    po::positional_options_description pos;
    pos.add("report", -1);
    int code = kOk;
    auto vm = parse(
        "triage findings", "-o DIR [--baseline FILE] [--update-baseline] REPORT_DIR...",
        "Merges campaign report folders (a folder with report.json, or one whose sub-folders\n"
        "have one, such as mtcfuzz demo's output), buckets their findings by protocol,\n"
        "variant, claim and attack signature, keeps the shortest trace of each bucket, and\n"
        "marks each bucket new or known against the baseline. A report that does not read\n"
        "is listed with the reason.\n"
        "Exit: 0 no new finding, 1 new findings (or an unreadable report), 2 usage, 3 failure.\n"
        "example: mtcfuzz triage findings -o triage --baseline attacks/findings-baseline.json "
        "mtcfuzz-demo",
        opts, pos, args, code);
    if (!vm) return code;
    const bool update = (*vm)["update-baseline"].as<bool>();
    if (out.empty()) return usage_error("triage findings", "-o DIR is required");
    if (reports.empty()) return usage_error("triage findings", "no report folders given");
    if (update && baseline.empty())
        return usage_error("triage findings", "--update-baseline needs --baseline FILE");
    auto folders = triage::report_folders(reports);
    if (!folders) return usage_error("triage findings", folders.error().describe());
    // With --update-baseline the old baseline does not matter: every bucket becomes known.
    auto t = triage::triage_findings(*folders, update ? std::string() : baseline);
    if (!t) {
        std::cerr << "mtcfuzz triage findings: " << t.error().describe() << "\n";
        return kUsage;
    }
    if (update) {
        if (auto s = runner::write_file_atomic(baseline, triage::baseline_json(*t), 0644); !s) {
            std::cerr << "mtcfuzz triage findings: " << s.error().describe() << "\n";
            return kRunFailed;
        }
        for (auto& b : t->buckets) b.known = true;
        t->baseline = baseline;
    }
    if (auto s =
            triage::write_triage_files(out, triage::findings_json(*t), triage::findings_sarif(*t),
                                       triage::findings_markdown(*t));
        !s) {
        std::cerr << "mtcfuzz triage findings: " << s.error().describe() << "\n";
        return kRunFailed;
    }
    for (const auto& b : t->buckets) {
        std::cout << (b.known ? "known" : "NEW") << "\t" << b.protocol << "\t" << b.variant << "\t"
                  << b.claim << "\t" << b.attack << "\t" << b.findings.size() << " finding(s)\n";
    }
    for (const auto& u : t->unreadable)
        std::cout << "unreadable\t" << u.path << "\t" << u.reason << "\n";
    std::cout << t->buckets.size() << " distinct finding(s) from " << t->reports << " report(s), "
              << t->new_buckets() << " new" << (update ? " (baseline updated)" : "") << "; " << out
              << "/triage.md\n";
    if (t->reports == 0) return kRunFailed;
    return t->new_buckets() == 0 && t->unreadable.empty() ? kOk : kViolation;
}

}  // namespace

int cmd_triage(const std::vector<std::string>& args) {
    if (args.empty()) return usage_error("triage", "missing subcommand (try: triage crashes)");
    if (args[0] == "--help" || args[0] == "-h") {
        std::cout << "usage: mtcfuzz triage crashes --target NAME -o DIR INPUT...\n"
                     "       mtcfuzz triage findings -o DIR [--baseline FILE] REPORT_DIR...\n"
                     "  crashes    reproduce, bucket, minimise and rank a fuzz target's crashes\n"
                     "  findings   merge campaign reports, bucket findings, new vs baseline\n";
        return kOk;
    }
    if (args[0] == "crashes") return crashes({args.begin() + 1, args.end()});
    if (args[0] == "findings") return findings({args.begin() + 1, args.end()});
    return usage_error(
        "triage", "unknown subcommand '" + args[0] + "' (try: triage crashes, triage findings)");
}

}  // namespace mtc::cli
