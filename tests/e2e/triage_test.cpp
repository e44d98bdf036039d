// End-to-end crash triage on real crashes: libFuzzer fuzzes the planted-bugs target
// (tests/triage/planted_bugs.cpp) in fork mode until it has written crash, leak and timeout
// files for its bugs; `mtcfuzz triage crashes` must reproduce them with the plain driver,
// bucket them one bucket per planted bug, rank them by severity and minimise them.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/e2e/live_helpers.hpp"

#ifdef MTC_PLANTED_DIR  // only in builds with the libFuzzer twin (MTC_LIBFUZZER_TOO)

namespace mtc::e2e {
namespace {

using json = nlohmann::json;

const std::string kPlanted = MTC_PLANTED_DIR;

TEST(TriageCrashes, PlantedBugsFoundByLibFuzzerAreBucketedRankedAndMinimised) {
    const std::string dir = temp_dir("triage");
    // One benign seed ("PL" and no bug) to grow from. Fork mode keeps fuzzing after a crash,
    // a leak or a hang, so one run usually finds every bug, most of them several times over.
    // (Files are written here, not by the shell: sh() redirects the command's stdout.)
    std::filesystem::create_directories(dir + "/corpus");
    std::filesystem::create_directories(dir + "/crashes");
    std::ofstream(dir + "/corpus/seed") << "PLa";
    // The fuzzer's luck varies with the machine's load: fuzz in rounds until every planted
    // bug (the input's third byte names it) has a crash file, at most five.
    std::set<char> found;
    Cmd fuzz;
    for (int round = 1; round <= 5 && found.size() < 7; ++round) {
        fuzz = sh(kPlanted + "/libfuzzer/planted_bugs_fuzzer -fork=1 -ignore_crashes=1 " +
                  "-ignore_timeouts=1 -ignore_ooms=1 -timeout=1 -use_value_profile=1 " +
                  "-max_total_time=30 -seed=" + std::to_string(round) + " -artifact_prefix=" + dir +
                  "/crashes/ " + dir + "/corpus");
        for (const auto& e : std::filesystem::directory_iterator(dir + "/crashes")) {
            const std::string input = slurp(e.path().string());
            if (input.size() >= 3) found.insert(input[2]);
        }
    }
    ASSERT_EQ(found, (std::set<char>{'r', 'w', 'u', 'n', 'l', 'h', 'o'})) << fuzz.err;
    // A file that does not crash is reported as such, not dropped.
    std::ofstream(dir + "/crashes/benign") << "A";

    const Cmd t = mtcfuzz("triage crashes --target " + kPlanted +
                          "/planted_bugs_fuzzer --runs 2 --timeout 2 --minimize-time 5 -o " + dir +
                          "/out " + dir + "/crashes");
    EXPECT_EQ(t.code, 1) << t.out << t.err;  // crashes reproduced
    const json j = json::parse(slurp(dir + "/out/triage.json"), nullptr, false);
    ASSERT_TRUE(j.is_object()) << t.err;
    EXPECT_EQ(j["not_reproduced"], json::array({dir + "/crashes/benign"})) << j.dump(2);
    EXPECT_TRUE(j["unparsed"].empty()) << j["unparsed"].dump(2);

    // One bucket per planted bug, named by its own frame.
    std::map<std::string, json> by_state;
    for (const auto& b : j["buckets"]) by_state[b["state"][0].get<std::string>()] = b;
    auto bucket = [&](const std::string& fn) -> json {
        const auto it = by_state.find("(anonymous namespace)::" + fn);
        return it == by_state.end() ? json() : it->second;
    };
    struct Want {
        const char *fn, *type, *access, *severity;
    };
    // libFuzzer's -timeout gives the hang its stack; the oracle's state is its claim.
    for (const Want& w :
         {Want{"planted_heap_read", "heap-buffer-overflow", "READ", "Medium"},
          Want{"planted_heap_write", "heap-buffer-overflow", "WRITE", "High"},
          Want{"planted_use_after_free", "heap-use-after-free", "READ", "High"},
          Want{"planted_null_read", "null-dereference", "", "Low"},
          Want{"planted_leak", "leak", "", "Low"}, Want{"planted_hang", "timeout", "", "Low"}}) {
        const json b = bucket(w.fn);
        ASSERT_TRUE(b.is_object()) << w.fn << " has no bucket:\n" << j.dump(2);
        EXPECT_EQ(b["crash_type"], w.type) << w.fn;
        EXPECT_EQ(b.value("access", ""), w.access) << w.fn;
        EXPECT_EQ(b["severity"], w.severity) << w.fn;
        EXPECT_FALSE(b["flaky"].get<bool>()) << w.fn;
    }
    const auto oracle = by_state.find("security: agreement:planted->oracle: a planted violation");
    ASSERT_NE(oracle, by_state.end()) << j.dump(2);
    EXPECT_EQ(oracle->second["severity"], "High");
    EXPECT_EQ(oracle->second["rule"], "security/agreement:planted->oracle");
    EXPECT_EQ(by_state.size(), 7u) << "duplicates were not merged:\n" << j.dump(2);

    // Most severe first.
    const std::map<std::string, int> rank = {
        {"Critical", 0}, {"High", 1}, {"Medium", 2}, {"Low", 3}};
    int last = 0;
    for (const auto& b : j["buckets"]) {
        EXPECT_GE(rank.at(b["severity"]), last) << j.dump(2);
        last = rank.at(b["severity"]);
    }
    // A minimised input that still crashes the same way (the heap read needs 2 bytes).
    const json read = bucket("planted_heap_read");
    ASSERT_TRUE(read["minimized"].is_string()) << read.dump(2);
    EXPECT_LE(slurp(read["minimized"].get<std::string>()).size(),
              slurp(read["inputs"][0].get<std::string>()).size());
    EXPECT_TRUE(bucket("planted_hang")["minimized"].is_null());

    // SARIF: a rule per crash type, severities and fingerprints for code scanning.
    const json sarif = json::parse(slurp(dir + "/out/triage.sarif"), nullptr, false);
    ASSERT_TRUE(sarif.is_object());
    EXPECT_EQ(sarif["version"], "2.1.0");
    const json& run = sarif["runs"][0];
    EXPECT_EQ(run["results"].size(), 7u);
    std::set<std::string> rules;
    for (const auto& r : run["tool"]["driver"]["rules"]) {
        rules.insert(r["id"].get<std::string>());
        EXPECT_TRUE(r["properties"].contains("security-severity")) << r.dump();
    }
    for (const char* id : {"crash/heap-buffer-overflow-read", "crash/heap-buffer-overflow-write",
                           "crash/heap-use-after-free-read", "crash/leak", "crash/timeout"})
        EXPECT_EQ(rules.count(id), 1u) << id;
    for (const auto& r : run["results"]) {
        EXPECT_FALSE(r["partialFingerprints"]["mtcfuzzCrash/v1"].get<std::string>().empty());
        EXPECT_TRUE(r["locations"][0]["physicalLocation"].contains("artifactLocation"));
    }
    EXPECT_NE(slurp(dir + "/out/triage.md").find("planted_use_after_free"), std::string::npos);
}

#ifdef MTC_AFL_FUZZ
TEST(TriageCrashes, AflPlusPlusCrashesAndHangsLandInTheirPlantedBugsBuckets) {
    // AFL++ keeps one crash per new path, so it need not find every bug in a short run; each
    // file it saved must land in the bucket of the bug its third byte names.
    const std::string dir = temp_dir("triage-afl");
    std::filesystem::create_directories(dir + "/in");
    std::ofstream(dir + "/in/seed") << "PLa";
    const std::string env =
        "AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 "
        "AFL_NO_AFFINITY=1 ";
    std::vector<std::string> saved;
    Cmd fuzz;
    for (int round = 1; round <= 3 && saved.size() < 2; ++round) {
        fuzz = sh(env + MTC_AFL_FUZZ + " -i " + dir + "/in -o " + dir + "/out" +
                  std::to_string(round) + " -V 30 -t 1000 -- " + kPlanted +
                  "/afl/planted_bugs_fuzzer");
        for (const char* kind : {"/default/crashes", "/default/hangs"}) {
            const std::string d = dir + "/out" + std::to_string(round) + kind;
            if (!std::filesystem::is_directory(d)) continue;
            for (const auto& e : std::filesystem::directory_iterator(d)) {
                if (e.path().filename() != "README.txt") saved.push_back(e.path().string());
            }
        }
    }
    ASSERT_GE(saved.size(), 2u) << fuzz.out << fuzz.err;

    std::string inputs;
    for (const auto& f : saved) inputs += " '" + f + "'";
    const Cmd t = mtcfuzz("triage crashes --target " + kPlanted +
                          "/planted_bugs_fuzzer --runs 1 --timeout 2 --minimize-time 0 -o " + dir +
                          "/triage" + inputs);
    EXPECT_EQ(t.code, 1) << t.out << t.err;
    const json j = json::parse(slurp(dir + "/triage/triage.json"), nullptr, false);
    ASSERT_TRUE(j.is_object()) << t.err;
    EXPECT_TRUE(j["unparsed"].empty()) << j["unparsed"].dump(2);
    const std::map<char, std::string> bug = {
        {'r', "(anonymous namespace)::planted_heap_read"},
        {'w', "(anonymous namespace)::planted_heap_write"},
        {'u', "(anonymous namespace)::planted_use_after_free"},
        {'n', "(anonymous namespace)::planted_null_read"},
        {'l', "(anonymous namespace)::planted_leak"},
        {'h', "(anonymous namespace)::planted_hang"},
        {'o', "security: agreement:planted->oracle: a planted violation"}};
    std::size_t placed = 0;
    for (const auto& b : j["buckets"]) {
        for (const auto& in : b["inputs"]) {
            const std::string input = slurp(in.get<std::string>());
            ASSERT_GE(input.size(), 3u) << in;
            EXPECT_EQ(b["state"][0], bug.at(input[2])) << in << "\n" << b.dump(2);
            ++placed;
        }
    }
    // Every saved file crashed again (or hung) and was placed; none reproduced as nothing.
    EXPECT_EQ(placed + j["not_reproduced"].size(), saved.size());
    EXPECT_EQ(placed, saved.size()) << j["not_reproduced"].dump(2);
}
#endif

TEST(TriageCrashes, AnInputThatCrashesInSomeRunsOnlyIsFlaky) {
    // The planted 'f' bug crashes on every other run (it toggles a state file): 2 of 4.
    const std::string dir = temp_dir("triage-flaky");
    std::ofstream(dir + "/flaky") << "PLf";
    const Cmd t =
        sh("PLANTED_FLAKY_FILE=" + dir + "/state " + MTCFUZZ_BIN + " triage crashes --target " +
           kPlanted + "/planted_bugs_fuzzer --runs 4 --minimize-time 0 -o " + dir + "/out " + dir +
           "/flaky");
    EXPECT_EQ(t.code, 1) << t.out << t.err;
    const json j = json::parse(slurp(dir + "/out/triage.json"), nullptr, false);
    ASSERT_TRUE(j.is_object()) << t.err;
    ASSERT_EQ(j["buckets"].size(), 1u) << j.dump(2);
    const json& b = j["buckets"][0];
    EXPECT_TRUE(b["flaky"].get<bool>()) << b.dump(2);
    EXPECT_EQ(b["reproduced"], 2);
    EXPECT_EQ(b["attempts"], 4);
    EXPECT_NE(slurp(dir + "/out/triage.md").find("2/4 (flaky)"), std::string::npos);
}

TEST(TriageCrashes, BadArgumentsAreUsageErrors) {
    EXPECT_EQ(mtcfuzz("triage").code, 2);
    EXPECT_EQ(mtcfuzz("triage crashes -o /tmp/x /nonexistent").code, 2);
    const Cmd missing = mtcfuzz("triage crashes --target " + kPlanted +
                                "/planted_bugs_fuzzer -o /tmp/x /nonexistent/crash");
    EXPECT_EQ(missing.code, 2);
    EXPECT_NE(missing.err.find("/nonexistent/crash"), std::string::npos) << missing.err;
    const Cmd no_bin = mtcfuzz("triage crashes --target nosuch_fuzzer -o /tmp/x /etc/hostname");
    EXPECT_EQ(no_bin.code, 2);
    EXPECT_NE(no_bin.err.find("no plain driver"), std::string::npos) << no_bin.err;
}

}  // namespace
}  // namespace mtc::e2e

#endif
