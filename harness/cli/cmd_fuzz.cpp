// mtcfuzz fuzz: runs built fuzz targets (it builds nothing) with libFuzzer or AFL++, shows
// live progress, merges new corpus entries back into corpus/<target>/ and lists crashes.
//
// Per target, in OUT/<target>/: fuzz.log (the engine's output), new/ (libFuzzer's working
// corpus), crashes/ (libFuzzer artifacts: crash-, leak-, timeout-, oom-), afl/ (AFL++'s
// output directory), merge/ (merge.log; for AFL++ also the queue under content names and
// afl-showmap's maps). Exit 0: no crash; 1: a crash or security finding; 2: usage (a target not
// built); 3: an engine could not be run.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "harness/cli/cli_util.hpp"
#include "harness/cli/corpus_merge.hpp"
#include "harness/runner/files.hpp"
#include "harness/runner/process.hpp"
#include "targets/fuzz_target.hpp"

namespace mtc::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

struct Job {
    std::string target, bin, out;
    std::optional<runner::Child> child;
    std::chrono::steady_clock::time_point started;
    // Last progress read from the engine.
    std::uint64_t execs = 0, corpus = 0, coverage = 0;
    double exec_s = 0;
    std::vector<std::string> crashes;
    std::size_t merged = 0;
    std::optional<std::string> error;
    bool done = false;
};

// The last libFuzzer status line ("#123 NEW cov: 45 ft: 67 corp: 8/90b ... exec/s: 1000").
void read_libfuzzer_progress(Job& j) {
    std::ifstream in(j.out + "/fuzz.log");
    std::string line, last;
    while (std::getline(in, line)) {
        if (!line.empty() && line[0] == '#' && line.find("cov: ") != std::string::npos) last = line;
    }
    if (last.empty()) return;
    const auto num_after = [&last](const std::string& key) -> std::uint64_t {
        const auto at = last.find(key);
        return at == std::string::npos ? 0
                                       : std::strtoull(last.c_str() + at + key.size(), nullptr, 10);
    };
    j.execs = std::strtoull(last.c_str() + 1, nullptr, 10);
    j.coverage = num_after("cov: ");
    j.corpus = num_after("corp: ");
    j.exec_s = static_cast<double>(num_after("exec/s: "));
}

// AFL++'s fuzzer_stats ("key : value" lines).
void read_afl_progress(Job& j) {
    std::ifstream in(j.out + "/afl/default/fuzzer_stats");
    std::string line;
    while (std::getline(in, line)) {
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string key = line.substr(0, colon);
        key.erase(key.find_last_not_of(' ') + 1);
        const std::string value = line.substr(colon + 1);
        if (key == "execs_done") j.execs = std::strtoull(value.c_str(), nullptr, 10);
        if (key == "execs_per_sec") {
            const double r = std::strtod(value.c_str(), nullptr);
            j.exec_s = std::isfinite(r) ? r : 0;  // "inf" before the first second has passed
        }
        if (key == "corpus_count") j.corpus = std::strtoull(value.c_str(), nullptr, 10);
        if (key == "edges_found") j.coverage = std::strtoull(value.c_str(), nullptr, 10);
    }
}

std::vector<std::string> files_in(const std::string& dir, const std::string& skip_prefix = "") {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        if (!e.is_regular_file() || (!skip_prefix.empty() && name.rfind(skip_prefix, 0) == 0))
            continue;
        out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::size_t count_files(const std::string& dir) {
    return files_in(dir).size();
}

struct Settings {
    std::string engine, bin_dir, corpus, out;
    int seconds = 60;
    bool merge = true;
};

std::optional<std::string> launch(Job& j, const Settings& s) {
    for (const std::string& d : {j.out, j.out + "/new", j.out + "/crashes"}) {
        if (auto st = runner::make_dirs(d, 0755); !st) return st.error().describe();
    }
    const std::string corpus = s.corpus + "/" + j.target;
    const std::string dict = s.corpus + "/dict/" + j.target + ".dict";
    std::vector<std::string> argv;
    if (s.engine == "libfuzzer") {
        argv = {j.bin,
                "-max_total_time=" + std::to_string(s.seconds),
                "-artifact_prefix=" + j.out + "/crashes/",
                "-print_final_stats=1",
                "-timeout=25",
                "-rss_limit_mb=2560"};
        if (fs::exists(dict)) argv.push_back("-dict=" + dict);
        argv.push_back(j.out + "/new");
        if (fs::exists(corpus)) argv.push_back(corpus);
    } else {
        argv = {afl_program("afl-fuzz"),   "-i", corpus, "-o", j.out + "/afl", "-V",
                std::to_string(s.seconds), "-t", "25000"};
        if (fs::exists(dict)) {
            argv.push_back("-x");
            argv.push_back(dict);
        }
        argv.push_back("--");
        argv.push_back(j.bin);
        if (!fs::exists(corpus) || count_files(corpus) == 0)
            return "AFL++ needs seeds: " + corpus + " is empty (run 'mtcfuzz corpus regen')";
    }
    auto c = runner::Child::spawn(argv, j.out + "/fuzz.log");
    if (!c) return c.error().describe();
    j.child.emplace(std::move(c).value());
    j.started = std::chrono::steady_clock::now();
    return std::nullopt;
}

void finish(Job& j, const Settings& s) {
    j.done = true;
    if (s.engine == "libfuzzer") {
        read_libfuzzer_progress(j);
        j.crashes = files_in(j.out + "/crashes");
    } else {
        read_afl_progress(j);
        for (const char* d : {"/afl/default/crashes", "/afl/default/hangs"}) {
            for (auto& f : files_in(j.out + d, "README")) j.crashes.push_back(f);
        }
    }
    const auto code = j.child->exit_code();
    if (j.crashes.empty() && (!code || *code != 0)) {
        j.error = "the engine ended with " +
                  (code ? "exit " + std::to_string(*code)
                        : "signal " + std::to_string(j.child->term_signal().value_or(0))) +
                  "; see " + j.out + "/fuzz.log";
    }
    if (!s.merge) return;
    // New entries that add coverage go back into the seed corpus (corpus_merge.hpp).
    const std::string corpus = s.corpus + "/" + j.target;
    auto m = merge_into_corpus(
        {.engine = s.engine,
         .target = j.bin,
         .corpus = corpus,
         .inputs = {s.engine == "afl" ? j.out + "/afl/default/queue" : j.out + "/new"},
         .work = j.out + "/merge"});
    if (m) {
        j.merged = m->added;
    } else {
        j.error = "merging into " + corpus + " failed: " + m.error().describe();
    }
}

std::string status_line(const Job& j) {
    char buf[256];
    std::snprintf(
        buf, sizeof buf, "%-32s %10llu execs %8.0f/s  cov %6llu  corpus %5llu  crashes %zu%s",
        j.target.c_str(), static_cast<unsigned long long>(j.execs), j.exec_s,
        static_cast<unsigned long long>(j.coverage), static_cast<unsigned long long>(j.corpus),
        j.crashes.size(), j.done ? "  done" : "");
    return buf;
}

}  // namespace

int cmd_fuzz(const std::vector<std::string>& args) {
    po::options_description opts("options");
    Settings s;
    std::vector<std::string> names;
    int jobs = 1;
    // clang-format off
    opts.add_options()
        ("target", po::value(&names)->composing(), "target to run (default: every built one)")
        ("engine", po::value(&s.engine)->default_value("libfuzzer"), "libfuzzer | afl")
        ("time", po::value(&s.seconds)->default_value(60), "seconds per target")
        ("jobs,j", po::value(&jobs)->default_value(1), "targets run at once")
        ("bin-dir", po::value(&s.bin_dir), "where the target links are (default: build/fuzz/targets, build/afl/targets for afl)")
        ("corpus", po::value(&s.corpus)->default_value("corpus"), "seed corpora, dictionaries (corpus/dict)")
        ("out,o", po::value(&s.out)->default_value("fuzz-out"), "output directory")
        ("no-merge", po::bool_switch(), "do not merge new entries into the seed corpus")
        ("list", po::bool_switch(), "list every fuzz target and exit")
        ("json", po::bool_switch(), "print the summary as JSON");
    // clang-format on
    po::positional_options_description pos;
    pos.add("target", -1);
    int code = kOk;
    auto vm =
        parse("fuzz", "[TARGET...] [--engine libfuzzer|afl] [--time S] [--jobs N]",
              "Runs built fuzz targets (build them first: cmake --preset fuzz && cmake --build\n"
              "--preset fuzz; for AFL++ see docs/fuzzing.md), shows exec/s, coverage, corpus\n"
              "size and crashes as they go, merges the new inputs that add coverage back into\n"
              "the seed corpus (libFuzzer's -merge=1; for AFL++ by afl-showmap tuples), and\n"
              "lists every crash with the command that reproduces it and the 'mtcfuzz triage\n"
              "crashes' command that buckets, minimises and ranks them.\n"
              "Exit 0: no crash; 1: a crash or security finding; 2: usage; 3: an engine failed.\n"
              "example: mtcfuzz fuzz prose_MTCs_fuzzer --time 600",
              opts, pos, args, code);
    if (!vm) return code;
    if ((*vm)["list"].as<bool>()) {
        for (const fuzz::FuzzTarget& t : fuzz::fuzz_targets())
            std::cout << t.name << " " << fuzz::to_string(t.kind) << " " << t.description << "\n";
        return kOk;
    }
    if (s.engine != "libfuzzer" && s.engine != "afl")
        return usage_error("fuzz", "--engine must be libfuzzer or afl, got '" + s.engine + "'");
    if (s.seconds < 1 || s.seconds > 7 * 24 * 3600)
        return usage_error("fuzz", "--time must be 1..604800 seconds");
    if (jobs < 1 || jobs > 256) return usage_error("fuzz", "--jobs must be 1..256");
    s.merge = !(*vm)["no-merge"].as<bool>();
    if (s.bin_dir.empty()) s.bin_dir = default_target_dir(s.engine);
    if (names.empty()) {
        for (const fuzz::FuzzTarget& t : fuzz::fuzz_targets()) names.push_back(t.name);
    }
    std::vector<Job> all;
    for (const auto& n : names) {
        if (fuzz::find_fuzz_target(n) == nullptr)
            return usage_error("fuzz", "no fuzz target '" + n + "' (see 'mtcfuzz fuzz --list')");
        const std::string bin = s.bin_dir + "/" + n;
        if (::access(bin.c_str(), X_OK) != 0)
            return usage_error("fuzz", bin + " is not built (cmake --preset " +
                                           std::string(s.engine == "afl" ? "afl" : "fuzz") +
                                           " && cmake --build --preset ...; docs/fuzzing.md)");
        Job j;
        j.target = n;
        j.bin = fs::absolute(bin).string();
        j.out = s.out + "/" + n;
        all.push_back(std::move(j));
    }
    if (s.engine == "afl") {
        ::setenv("AFL_NO_UI", "1", 0);
        ::setenv("AFL_SKIP_CPUFREQ", "1", 0);
        ::setenv("AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES", "1", 0);
        ::setenv("AFL_NO_AFFINITY", "1", 0);
    }
    const bool tty = ::isatty(STDERR_FILENO) == 1;
    std::size_t next = 0, running = 0, finished = 0;
    auto last_print = std::chrono::steady_clock::now();
    while (finished < all.size()) {
        while (running < static_cast<std::size_t>(jobs) && next < all.size()) {
            Job& j = all[next++];
            if (auto err = launch(j, s)) {
                j.error = *err;
                j.done = true;
                ++finished;
                std::cerr << "fuzz: " << j.target << ": " << *err << "\n";
                continue;
            }
            ++running;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        for (Job& j : all) {
            if (!j.child || j.done) continue;
            if (j.child->poll()) {
                finish(j, s);
                --running;
                ++finished;
                std::cerr << (tty ? "\r" : "") << status_line(j) << "\n";
            }
        }
        if (std::chrono::steady_clock::now() - last_print > std::chrono::seconds(tty ? 1 : 10)) {
            last_print = std::chrono::steady_clock::now();
            for (Job& j : all) {
                if (!j.child || j.done) continue;
                if (s.engine == "libfuzzer") {
                    read_libfuzzer_progress(j);
                } else {
                    read_afl_progress(j);
                }
                std::cerr << (tty ? "\r" : "") << status_line(j) << (tty ? "" : "\n");
            }
        }
    }
    // The hand-off to triage: reproduce, bucket and rank what this run found.
    auto triage_command = [&](const Job& j) {
        std::string cmd =
            "mtcfuzz triage crashes --target " + j.target + " -o " + j.out + "/triage";
        if (s.engine == "afl") {
            cmd += " " + j.out + "/afl/default/crashes " + j.out + "/afl/default/hangs";
        } else {
            cmd += " " + j.out + "/crashes";
        }
        return cmd;
    };
    ordered_json summary = ordered_json::array();
    int exit = kOk;
    for (const Job& j : all) {
        ordered_json t = {{"target", j.target},     {"execs", j.execs},   {"exec_s", j.exec_s},
                          {"coverage", j.coverage}, {"corpus", j.corpus}, {"merged", j.merged},
                          {"crashes", j.crashes}};
        if (j.error) t["error"] = *j.error;
        if (!j.crashes.empty()) t["triage"] = triage_command(j);
        summary.push_back(t);
        if (!j.crashes.empty()) exit = kViolation;
        if (j.error && exit == kOk) exit = kRunFailed;
    }
    if ((*vm)["json"].as<bool>()) {
        std::cout << summary.dump(2) << "\n";
    } else {
        for (const Job& j : all) {
            std::cout << status_line(j)
                      << (j.merged != 0 ? "  merged " + std::to_string(j.merged) : "") << "\n";
            for (const auto& c : j.crashes)
                std::cout << "  crash: " << c << "\n    reproduce: " << j.bin << " " << c << "\n";
            if (!j.crashes.empty()) std::cout << "  triage: " << triage_command(j) << "\n";
            if (j.error) std::cout << "  error: " << *j.error << "\n";
        }
    }
    return exit;
}

}  // namespace mtc::cli
