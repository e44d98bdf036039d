#include "harness/cli/afl_merge.hpp"

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

// Runs afl-showmap -Z over every file of `in`, one map per input in `out`.
Status showmap(const AflMergeRequest& r, const std::string& in, const std::string& out) {
    const std::string log = r.work + "/showmap.log";
    auto c = runner::Child::spawn({r.showmap, "-i", in, "-o", out, "-t",
                                   std::to_string(r.timeout_ms), "-q", "-Z", "--", r.target},
                                  log);
    if (!c) return make_error("cannot run " + r.showmap + ": " + c.error().describe());
    if (!c->wait_for(std::chrono::hours(1))) {
        c->stop();
        return make_error("afl-showmap over " + in + " did not finish within an hour; see " + log);
    }
    if (!c->exit_code()) return make_error("afl-showmap was killed over " + in + "; see " + log);
    return Ok{};
}

// A map as afl-showmap -Z writes it: one tuple id per line; empty when the input crashed or
// timed out. A missing map means afl-showmap skipped the input, which is a failure here.
Result<std::vector<std::uint32_t>> read_map(const std::string& path) {
    std::ifstream in(path);
    if (!in) return make_error("afl-showmap wrote no map " + path);
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

}  // namespace

Result<AflMergeResult> afl_merge(const AflMergeRequest& r) {
    std::error_code ec;
    fs::remove_all(r.work, ec);
    const std::string staged = r.work + "/queue";
    for (const std::string& d : {r.corpus, staged, r.work + "/corpus-maps", r.work + "/queue-maps"})
        if (auto st = runner::make_dirs(d, 0755); !st) return st.error();

    // The queue under content names, without the entries the corpus already has: AFL++ copies
    // every seed into its queue, and names its finds by id and origin.
    std::vector<Entry> fresh;
    for (const std::string& f : regular_files(r.queue)) {
        auto content = runner::read_file(r.queue + "/" + f);
        if (!content) return content.error();
        Entry e{corpus_entry_name(view(*content)), std::move(*content)};
        if (fs::exists(r.corpus + "/" + e.name) || fs::exists(staged + "/" + e.name)) continue;
        if (auto st = runner::write_file_atomic(staged + "/" + e.name, e.content, 0644, false); !st)
            return st.error();
        fresh.push_back(std::move(e));
    }
    if (fresh.empty()) return AflMergeResult{};

    std::unordered_set<std::uint32_t> covered;
    if (!regular_files(r.corpus).empty()) {
        if (auto st = showmap(r, r.corpus, r.work + "/corpus-maps"); !st) return st.error();
        for (const std::string& f : regular_files(r.corpus)) {
            auto tuples = read_map(r.work + "/corpus-maps/" + f);
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
    AflMergeResult result;
    for (const Entry& e : fresh) {
        auto tuples = read_map(r.work + "/queue-maps/" + e.name);
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

}  // namespace mtc::cli
