// Merging an AFL++ run back into the seed corpus (harness/cli/afl_merge.hpp): with the real
// afl-showmap and the planted-bugs target built by afl-clang-fast++ (tests/triage/), whose
// paths are known: "PL" then a byte choosing a branch, some of which crash or hang.
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/cli/afl_merge.hpp"
#include "harness/cli/corpus_entry.hpp"
#include "tests/e2e/live_helpers.hpp"

#if defined(MTC_PLANTED_DIR) && defined(MTC_AFL_FUZZ)

namespace mtc::e2e {
namespace {

namespace fs = std::filesystem;

const std::string kAflTarget = std::string(MTC_PLANTED_DIR) + "/afl/planted_bugs_fuzzer";

std::string showmap() {
    return (fs::path(MTC_AFL_FUZZ).parent_path() / "afl-showmap").string();
}

void put(const std::string& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
}

std::set<std::string> names_in(const std::string& dir) {
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
    return out;
}

std::string entry(const std::string& content) {
    return cli::corpus_entry_name(view(content));
}

TEST(AflMerge, AddsOnlyQueueEntriesWithNewCoverageAndNeverACrashOrHang) {
    const std::string dir = temp_dir("afl-merge");
    fs::create_directories(dir + "/corpus");
    fs::create_directories(dir + "/queue/.state");
    put(dir + "/corpus/seed", "xyz");           // not "PL": the early return
    put(dir + "/queue/id:0,orig:seed", "xyz");  // the seed again, as AFL++ copies it
    put(dir + "/queue/id:1", "abc");            // another early return: nothing new
    put(dir + "/queue/id:2", "PLa");            // the switch's default: new
    put(dir + "/queue/id:3", "PLa");            // the same bytes again
    put(dir + "/queue/id:4", "PLf");            // the flaky branch (not flaky here): new
    put(dir + "/queue/id:5", "PLr");            // heap overflow: crashes
    put(dir + "/queue/id:6", "PLh");            // hangs
    put(dir + "/queue/.state/x", "PLw");        // AFL++'s own state, not an input

    auto r = cli::afl_merge({.showmap = showmap(),
                             .target = kAflTarget,
                             .corpus = dir + "/corpus",
                             .queue = dir + "/queue",
                             .work = dir + "/work",
                             .timeout_ms = 1000});
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_EQ(r->added, 2u);
    EXPECT_EQ(r->skipped, 2u);
    EXPECT_EQ(names_in(dir + "/corpus"),
              (std::set<std::string>{"seed", entry("PLa"), entry("PLf")}));
    EXPECT_EQ(slurp(dir + "/corpus/" + entry("PLf")), "PLf");

    // Again: everything the queue has is in the corpus now.
    r = cli::afl_merge({.showmap = showmap(),
                        .target = kAflTarget,
                        .corpus = dir + "/corpus",
                        .queue = dir + "/queue",
                        .work = dir + "/work",
                        .timeout_ms = 1000});
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_EQ(r->added, 0u);
    EXPECT_EQ(names_in(dir + "/corpus").size(), 3u);
}

TEST(AflMerge, AMissingShowmapIsAnErrorNamingIt) {
    const std::string dir = temp_dir("afl-merge-bad");
    fs::create_directories(dir + "/queue");
    put(dir + "/queue/id:0", "PLa");
    const auto r = cli::afl_merge({.showmap = dir + "/no-afl-showmap",
                                   .target = kAflTarget,
                                   .corpus = dir + "/corpus",
                                   .queue = dir + "/queue",
                                   .work = dir + "/work"});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().describe().find("no-afl-showmap"), std::string::npos)
        << r.error().describe();
}

// `mtcfuzz fuzz --engine afl` merges its run: the corpus gains exactly the entries it reports,
// each under its content name, and keeps its seed. (The planted target stands in for a
// registered one under its name: the command runs whatever the bin dir holds.)
TEST(AflMerge, FuzzWithAflMergesItsRunIntoTheCorpus) {
    const std::string dir = temp_dir("afl-fuzz-merge");
    const std::string target = "sanitizer_report_fuzzer";
    fs::create_directories(dir + "/bin");
    fs::create_directories(dir + "/corpus/" + target);
    fs::create_symlink(kAflTarget, dir + "/bin/" + target);
    put(dir + "/corpus/" + target + "/seed", "PLa");
    const Cmd c = sh("AFL_FUZZ=" + std::string(MTC_AFL_FUZZ) + " " + MTCFUZZ_BIN + " fuzz " +
                     target + " --engine afl --time 10 --bin-dir " + dir + "/bin --corpus " + dir +
                     "/corpus -o " + dir + "/out --json");
    // The planted bugs may or may not be hit in 10 s: exit 0 or 1, never an engine failure.
    ASSERT_TRUE(c.code == 0 || c.code == 1) << c.out << c.err;
    const auto j = nlohmann::json::parse(c.out, nullptr, false);
    ASSERT_TRUE(j.is_array()) << c.out << c.err;
    ASSERT_FALSE(j[0].contains("error")) << j.dump(2);
    const auto merged = j[0]["merged"].get<std::size_t>();
    EXPECT_GE(merged, 1u) << j.dump(2);
    const auto names = names_in(dir + "/corpus/" + target);
    EXPECT_EQ(names.size(), merged + 1);
    EXPECT_EQ(names.count("seed"), 1u);
    for (const std::string& n : names) {
        if (n != "seed") EXPECT_EQ(entry(slurp(dir + "/corpus/" + target + "/" + n)), n);
    }
}

}  // namespace
}  // namespace mtc::e2e

#endif
