// Merging fuzzing finds into a seed corpus (harness/cli/corpus_merge.hpp, `mtcfuzz corpus
// merge`, the merge at the end of `mtcfuzz fuzz`): with the real afl-showmap and libFuzzer, on
// the planted-bugs target (tests/triage/) built both ways, whose paths are known: "PL" then a
// byte choosing a branch, some of which crash or hang.
#include "harness/cli/corpus_merge.hpp"

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/cli/corpus_entry.hpp"
#include "tests/e2e/live_helpers.hpp"

#if defined(MTC_PLANTED_DIR) && defined(MTC_AFL_FUZZ)

namespace mtc::e2e {
namespace {

namespace fs = std::filesystem;

const std::string kPlanted = MTC_PLANTED_DIR;
const std::string kAflEnv = std::string("AFL_FUZZ=") + MTC_AFL_FUZZ + " ";
// The planted target stands in for a registered one under its name: the commands run what
// the bin dir holds.
const std::string kStandIn = "sanitizer_report_fuzzer";

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

// DIR/bin/<stand-in>: the planted target built for `engine` ("afl" or "libfuzzer");
// DIR/corpus/<stand-in>/seed: `seed`.
void set_up_stand_in(const std::string& dir, const std::string& engine, const std::string& seed) {
    fs::create_directories(dir + "/bin");
    fs::create_directories(dir + "/corpus/" + kStandIn);
    fs::create_symlink(kPlanted + "/" + engine + "/planted_bugs_fuzzer", dir + "/bin/" + kStandIn);
    put(dir + "/corpus/" + kStandIn + "/seed", seed);
}

cli::MergeRequest afl_request(const std::string& dir) {
    return {.engine = "afl",
            .target = kPlanted + "/afl/planted_bugs_fuzzer",
            .corpus = dir + "/corpus",
            .inputs = {dir + "/queue"},
            .work = dir + "/work",
            .showmap = (fs::path(MTC_AFL_FUZZ).parent_path() / "afl-showmap").string(),
            .timeout_ms = 1000};
}

TEST(CorpusMerge, AflAddsOnlyEntriesWithNewCoverageAndNeverACrashOrHang) {
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

    auto r = cli::merge_into_corpus(afl_request(dir));
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_EQ(r->added, 2u);
    EXPECT_EQ(r->skipped, 2u);
    EXPECT_EQ(names_in(dir + "/corpus"),
              (std::set<std::string>{"seed", entry("PLa"), entry("PLf")}));
    EXPECT_EQ(slurp(dir + "/corpus/" + entry("PLf")), "PLf");

    // Again: everything the queue has is in the corpus now.
    r = cli::merge_into_corpus(afl_request(dir));
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_EQ(r->added, 0u);
    EXPECT_EQ(names_in(dir + "/corpus").size(), 3u);
}

TEST(CorpusMerge, AflCandidatesThatAllCrashAreSkippedNotAnError) {
    // afl-showmap exits with the last input's status (2 for a crash): the maps decide.
    const std::string dir = temp_dir("afl-merge-crash");
    fs::create_directories(dir + "/queue");
    put(dir + "/queue/id:0", "PLu");
    const auto r = cli::merge_into_corpus(afl_request(dir));
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_EQ(r->added, 0u);
    EXPECT_EQ(r->skipped, 1u);
    EXPECT_TRUE(names_in(dir + "/corpus").empty());
}

TEST(CorpusMerge, AMissingShowmapIsAnErrorNamingIt) {
    const std::string dir = temp_dir("afl-merge-bad");
    fs::create_directories(dir + "/queue");
    put(dir + "/queue/id:0", "PLa");
    auto req = afl_request(dir);
    req.showmap = dir + "/no-afl-showmap";
    const auto r = cli::merge_into_corpus(req);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().describe().find("no-afl-showmap"), std::string::npos)
        << r.error().describe();
}

// `mtcfuzz fuzz --engine afl` merges its run: the corpus gains exactly the entries it reports,
// each under its content name, and keeps its seed.
TEST(CorpusMerge, FuzzWithAflMergesItsRunIntoTheCorpus) {
    const std::string dir = temp_dir("afl-fuzz-merge");
    set_up_stand_in(dir, "afl", "PLa");
    const Cmd c =
        sh(kAflEnv + MTCFUZZ_BIN + " fuzz " + kStandIn + " --engine afl --time 10 " + "--bin-dir " +
           dir + "/bin --corpus " + dir + "/corpus -o " + dir + "/out --json");
    // The planted bugs may or may not be hit in 10 s: exit 0 or 1, never an engine failure.
    ASSERT_TRUE(c.code == 0 || c.code == 1) << c.out << c.err;
    const auto j = nlohmann::json::parse(c.out, nullptr, false);
    ASSERT_TRUE(j.is_array()) << c.out << c.err;
    ASSERT_FALSE(j[0].contains("error")) << j.dump(2);
    const auto merged = j[0]["merged"].get<std::size_t>();
    EXPECT_GE(merged, 1u) << j.dump(2);
    const auto names = names_in(dir + "/corpus/" + kStandIn);
    EXPECT_EQ(names.size(), merged + 1);
    EXPECT_EQ(names.count("seed"), 1u);
    for (const std::string& n : names) {
        if (n != "seed") EXPECT_EQ(entry(slurp(dir + "/corpus/" + kStandIn + "/" + n)), n);
    }
}

// `mtcfuzz corpus merge` with libFuzzer's own -merge=1: the same rule, the engine's coverage.
TEST(CorpusMerge, CorpusMergeWithLibFuzzerAddsOnlyNewCoverage) {
    const std::string dir = temp_dir("lf-merge");
    set_up_stand_in(dir, "libfuzzer", "xyz");
    fs::create_directories(dir + "/finds");
    put(dir + "/finds/a", "abc");
    put(dir + "/finds/b", "PLa");
    put(dir + "/finds/c", "PLf");
    const Cmd c = sh(std::string(MTCFUZZ_BIN) + " corpus merge " + kStandIn + " " + dir +
                     "/finds --bin-dir " + dir + "/bin --corpus " + dir + "/corpus --json");
    ASSERT_EQ(c.code, 0) << c.out << c.err;
    const auto j = nlohmann::json::parse(c.out, nullptr, false);
    ASSERT_TRUE(j.is_object()) << c.out;
    EXPECT_EQ(j["added"], 2) << j.dump(2);
    EXPECT_EQ(names_in(dir + "/corpus/" + kStandIn).size(), 3u);
}

// ... and with AFL++: an AFL++ output directory stands for its queue.
TEST(CorpusMerge, CorpusMergeWithAflReadsAnOutputDirectorysQueue) {
    const std::string dir = temp_dir("afl-cli-merge");
    set_up_stand_in(dir, "afl", "xyz");
    fs::create_directories(dir + "/out/default/queue");
    put(dir + "/out/default/fuzzer_stats", "execs_done : 1\n");
    put(dir + "/out/default/queue/id:0", "PLa");
    put(dir + "/out/default/queue/id:1", "PLr");
    const Cmd c = sh(kAflEnv + MTCFUZZ_BIN + " corpus merge " + kStandIn + " " + dir +
                     "/out --engine afl --bin-dir " + dir + "/bin --corpus " + dir + "/corpus");
    ASSERT_EQ(c.code, 0) << c.out << c.err;
    EXPECT_NE(c.out.find(kStandIn + ": 1 entry added"), std::string::npos) << c.out;
    EXPECT_NE(c.out.find("1 crashed or hung: not merged"), std::string::npos) << c.out;
    EXPECT_EQ(names_in(dir + "/corpus/" + kStandIn), (std::set<std::string>{"seed", entry("PLa")}));
}

TEST(CorpusMerge, CorpusMergeRefusesBadArgumentsWithAReason) {
    for (const auto& [args, reason] : std::vector<std::pair<std::string, std::string>>{
             {"corpus merge", "needs a TARGET and at least one DIR"},
             {"corpus merge " + kStandIn, "needs a TARGET and at least one DIR"},
             {"corpus merge nosuch_fuzzer /tmp", "no fuzz target 'nosuch_fuzzer'"},
             {"corpus merge " + kStandIn + " /tmp --engine honggfuzz", "--engine must be"},
             {"corpus merge " + kStandIn + " /tmp --bin-dir /nonexistent", "is not built"},
             {"corpus merge " + kStandIn + " /nonexistent --bin-dir " + kPlanted + "/libfuzzer",
              "/nonexistent is not a directory"}}) {
        const Cmd c = mtcfuzz(args);
        EXPECT_EQ(c.code, 2) << args << "\n" << c.err;
        EXPECT_NE(c.err.find(reason), std::string::npos) << args << "\n" << c.err;
    }
}

}  // namespace
}  // namespace mtc::e2e

#endif
