#include "harness/cli/corpus_merge.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unordered_set>
#include <vector>

#include "harness/cli/corpus_entry.hpp"
#include "harness/runner/files.hpp"
#include "harness/runner/process.hpp"

namespace mtc::cli {
namespace {

namespace fs = std::filesystem;

struct Entry {
    std::string name, content;
};

// Runs `argv` to its end (at most an hour), its output to WORK/merge.log. afl-showmap's exit
// status is that of the last input it ran (2 when it crashed), so it is not checked: its
// maps are.
Status run_tool(const std::vector<std::string>& argv, const std::string& work,
                bool check_exit_code = true) {
    const std::string log = work + "/merge.log";
    auto c = runner::Child::spawn(argv, log);
    if (!c) return make_error("cannot run " + argv[0] + ": " + c.error().describe());
    if (!c->wait_for(std::chrono::hours(1))) {
        c->stop();
        return make_error(argv[0] + " did not finish within an hour; see " + log);
    }
    if (!c->exit_code())
        return make_error(argv[0] + " was killed by signal " +
                          std::to_string(c->term_signal().value_or(0)) + "; see " + log);
    if (check_exit_code && *c->exit_code() != 0)
        return make_error(argv[0] + " exited with " + std::to_string(*c->exit_code()) + "; see " +
                          log);
    return Ok{};
}

// afl-showmap -Z over every file of `in`, one map per input in `out`.
Status showmap(const MergeRequest& r, const std::string& in, const std::string& out) {
    return run_tool({r.showmap.empty() ? afl_program("afl-showmap") : r.showmap, "-i", in, "-o",
                     out, "-t", std::to_string(r.timeout_ms), "-q", "-Z", "--", r.target},
                    r.work, false);
}

// A map as afl-showmap -Z writes it: one tuple id per line; empty when the input crashed or
// timed out. A missing map means afl-showmap skipped the input, which is a failure here.
Result<std::vector<std::uint32_t>> read_map(const MergeRequest& r, const std::string& path) {
    std::ifstream in(path);
    if (!in)
        return make_error("afl-showmap wrote no map " + path + "; see " + r.work + "/merge.log");
    std::vector<std::uint32_t> tuples;
    std::string line;
    while (std::getline(in, line)) {
        char* end = nullptr;
        const unsigned long v = std::strtoul(line.c_str(), &end, 10);
        if (end == line.c_str() || *end != '\0')
            return make_error(path + ": not a tuple id: '" + line + "'");
        tuples.push_back(static_cast<std::uint32_t>(v));
    }
    return tuples;
}

std::vector<std::string> regular_files(const std::string& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        if (e.is_regular_file()) out.push_back(e.path().filename().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

Result<MergeResult> afl_merge(const MergeRequest& r) {
    const std::string staged = r.work + "/queue";
    for (const std::string& d : {staged, r.work + "/corpus-maps", r.work + "/queue-maps"})
        if (auto st = runner::make_dirs(d, 0755); !st) return st.error();

    // The candidates under content names, without the entries the corpus already has: AFL++
    // copies every seed into its queue, and names its finds by id and origin.
    std::vector<Entry> fresh;
    for (const std::string& dir : r.inputs) {
        for (const std::string& f : regular_files(dir)) {
            auto content = runner::read_file(dir + "/" + f);
            if (!content) return content.error();
            Entry e{corpus_entry_name(view(*content)), std::move(*content)};
            if (fs::exists(r.corpus + "/" + e.name) || fs::exists(staged + "/" + e.name)) continue;
            if (auto st = runner::write_file_atomic(staged + "/" + e.name, e.content, 0644, false);
                !st)
                return st.error();
            fresh.push_back(std::move(e));
        }
    }
    if (fresh.empty()) return MergeResult{};

    std::unordered_set<std::uint32_t> covered;
    if (const auto seeds = regular_files(r.corpus); !seeds.empty()) {
        if (auto st = showmap(r, r.corpus, r.work + "/corpus-maps"); !st) return st.error();
        for (const std::string& f : seeds) {
            auto tuples = read_map(r, r.work + "/corpus-maps/" + f);
            if (!tuples) return tuples.error();
            covered.insert(tuples->begin(), tuples->end());
        }
    }
    if (auto st = showmap(r, staged, r.work + "/queue-maps"); !st) return st.error();

    // Smallest first, as libFuzzer's merge: of two inputs with the same new coverage the
    // shorter is kept.
    std::sort(fresh.begin(), fresh.end(), [](const Entry& a, const Entry& b) {
        return a.content.size() != b.content.size() ? a.content.size() < b.content.size()
                                                    : a.name < b.name;
    });
    MergeResult result;
    for (const Entry& e : fresh) {
        auto tuples = read_map(r, r.work + "/queue-maps/" + e.name);
        if (!tuples) return tuples.error();
        if (tuples->empty()) {
            ++result.skipped;
            continue;
        }
        const bool adds = std::any_of(tuples->begin(), tuples->end(),
                                      [&](std::uint32_t t) { return covered.count(t) == 0; });
        if (!adds) continue;
        if (auto st = runner::write_file_atomic(r.corpus + "/" + e.name, e.content, 0644); !st)
            return st.error();
        covered.insert(tuples->begin(), tuples->end());
        ++result.added;
    }
    return result;
}

// libFuzzer's own merge: the target with -merge=1 adds to its first directory.
Result<MergeResult> libfuzzer_merge(const MergeRequest& r) {
    const std::size_t before = regular_files(r.corpus).size();
    std::vector<std::string> argv = {
        r.target, "-merge=1", "-timeout=" + std::to_string((r.timeout_ms + 999) / 1000), r.corpus};
    argv.insert(argv.end(), r.inputs.begin(), r.inputs.end());
    if (auto st = run_tool(argv, r.work); !st) return st.error();
    const std::size_t after = regular_files(r.corpus).size();
    return MergeResult{.added = after - std::min(before, after)};
}

}  // namespace

std::string afl_program(const std::string& name) {
    const char* afl = std::getenv("AFL_FUZZ");
    if (afl == nullptr) return "/usr/bin/" + name;
    return name == "afl-fuzz" ? afl : (fs::path(afl).parent_path() / name).string();
}

std::string default_target_dir(const std::string& engine) {
    return engine == "afl" ? "build/afl/targets" : "build/fuzz/targets";
}

Result<MergeResult> merge_into_corpus(const MergeRequest& r) {
    if (r.engine != "libfuzzer" && r.engine != "afl")
        return make_error("merge: engine must be libfuzzer or afl, got '" + r.engine + "'");
    for (const std::string& d : r.inputs) {
        if (!fs::is_directory(d)) return make_error("merge: " + d + " is not a directory");
    }
    std::error_code ec;
    fs::remove_all(r.work, ec);
    for (const std::string& d : {r.corpus, r.work})
        if (auto st = runner::make_dirs(d, 0755); !st) return st.error();
    return r.engine == "afl" ? afl_merge(r) : libfuzzer_merge(r);
}

}  // namespace mtc::cli
