// The mtcfuzz binary as a user runs it: exit codes, --help, one-line errors, JSON output,
// and seeded determinism of the events file.
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

struct Run {
    int code = -1;
    std::string out, err;
};

Run run(const std::string& args) {
    const auto dir = std::filesystem::temp_directory_path();
    const std::string out_path = (dir / ("cli_out_" + std::to_string(::getpid()))).string();
    const std::string err_path = (dir / ("cli_err_" + std::to_string(::getpid()))).string();
    const std::string cmd =
        std::string(MTCFUZZ_BIN) + " " + args + " >" + out_path + " 2>" + err_path;
    const int status = std::system(cmd.c_str());
    Run r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream o(out_path), e(err_path);
    std::stringstream so, se;
    so << o.rdbuf();
    se << e.rdbuf();
    r.out = so.str();
    r.err = se.str();
    std::filesystem::remove(out_path);
    std::filesystem::remove(err_path);
    return r;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

using ::testing::HasSubstr;

TEST(Cli, HelpExplainsEveryCommand) {
    auto r = run("--help");
    EXPECT_EQ(r.code, 0);
    EXPECT_THAT(r.out, HasSubstr("simulate"));
    EXPECT_THAT(r.out, HasSubstr("exit codes"));
    for (const char* cmd : {"simulate", "list"}) {
        auto h = run(std::string(cmd) + " --help");
        EXPECT_EQ(h.code, 0) << cmd;
        EXPECT_THAT(h.out, HasSubstr(std::string("usage: mtcfuzz ") + cmd));
    }
    EXPECT_EQ(run("").code, 2);
}

TEST(Cli, BadInputIsAOneLineErrorWithExitTwo) {
    for (const char* args :
         {"frobnicate", "simulate prose --sessions nope", "simulate prose --bogus",
          "simulate nosuch", "simulate prose --variant relaxed", "simulate prose --instances MTCd",
          "simulate prose --instances Eve=2", "simulate prose --instances GW=1",
          "simulate prose --sessions 0", "simulate prose --mode basic --extended", "simulate",
          "fuzz nosuch_fuzzer", "fuzz --engine honggfuzz", "fuzz --time 0",
          "fuzz prose_MTCd_fuzzer --bin-dir /nonexistent", "corpus", "corpus grow",
          "corpus regen --target nosuch_fuzzer", "run prose --retransmit-ms -1"}) {
        auto r = run(args);
        EXPECT_EQ(r.code, 2) << args;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
        EXPECT_THAT(r.err, HasSubstr("mtcfuzz")) << args;
    }
}

TEST(Cli, SimulateThousandSessionsCommitsOnEveryRole) {
    auto r = run("simulate prose --sessions 1000 --json");
    ASSERT_EQ(r.code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    for (const char* role : {"MTCd", "UE", "MTCs"}) {
        EXPECT_EQ(j["roles"][role]["commit"], 1000) << role;
        EXPECT_EQ(j["roles"][role]["reject"], 0) << role;
    }
    EXPECT_EQ(j["sessions_key_agreed"], 1000);
    EXPECT_EQ(j["ok"], true);
}

TEST(Cli, SettingsReachTheRoles) {
    // AES-CMAC MTCdMIC and the CMAC KBKDF, negotiated through MTCdInfo / MTCsInfo.
    const std::string base =
        "simulate prose --sessions 3 --seed 5 --events - --set MTCd.mic_alg=2 "
        "--set MTCd.kdf_algs=2 --set MTCs.kdf_pref=2,1";
    auto r = run(base);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 27);
    // The same seed with the default algorithms gives other keys: the settings took effect.
    auto d = run("simulate prose --sessions 3 --seed 5 --events -");
    ASSERT_EQ(d.code, 0);
    EXPECT_NE(r.out, d.out);
}

TEST(Cli, ExtendedHardenedTextSummary) {
    auto r = run("simulate prose --sessions 10 --variant hardened --extended");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("hardened, extended mode"));
    EXPECT_THAT(r.out, HasSubstr("GW"));
    EXPECT_THAT(r.out, HasSubstr("result: ok"));
}

TEST(Cli, SameSeedWritesByteIdenticalEvents) {
    const auto dir = std::filesystem::temp_directory_path();
    const std::string a = (dir / "mtc_events_a.jsonl").string(),
                      b = (dir / "mtc_events_b.jsonl").string(),
                      c = (dir / "mtc_events_c.jsonl").string();
    ASSERT_EQ(run("simulate prose --sessions 100 --seed 11 --events " + a).code, 0);
    ASSERT_EQ(run("simulate prose --sessions 100 --seed 11 --events " + b).code, 0);
    ASSERT_EQ(run("simulate prose --sessions 100 --seed 12 --events " + c).code, 0);
    const std::string ea = slurp(a);
    // begin, accept and commit on each of MTCd, UE and MTCs: 9 events per session
    EXPECT_EQ(std::count(ea.begin(), ea.end(), '\n'), 100 * 9);
    EXPECT_EQ(ea, slurp(b));
    EXPECT_NE(ea, slurp(c));
    std::istringstream lines(ea);
    std::string line;
    while (std::getline(lines, line)) {
        auto j = nlohmann::json::parse(line);
        for (const char* k : {"ts", "protocol", "variant", "role", "instance", "session", "kind",
                              "peer", "params", "key_fp", "reason"}) {
            EXPECT_TRUE(j.contains(k)) << k;
        }
    }
    for (const auto& p : {a, b, c}) std::filesystem::remove(p);
}

TEST(Cli, ListShowsProtocolsAndClaims) {
    auto r = run("list --json");
    ASSERT_EQ(r.code, 0);
    auto j = nlohmann::json::parse(r.out);
    ASSERT_FALSE(j.empty());
    EXPECT_EQ(j[0]["name"], "prose");
    bool found = false;
    for (const auto& c : j[0]["claims"]) found = found || c["id"] == "injective:MTCd->MTCs";
    EXPECT_TRUE(found);
}

}  // namespace

namespace {

// corpus regen: every target gets seeds, a dictionary and an options file; the same seed
// writes the same bytes.
TEST(Cli, CorpusRegenWritesEveryTargetsSeedsDictionaryAndOptions) {
    const auto base =
        std::filesystem::temp_directory_path() / ("cli_corpus_" + std::to_string(::getpid()));
    std::filesystem::remove_all(base);
    auto r = run("corpus regen --seed 3 --json -o " + (base / "a").string());
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_TRUE(j.is_object()) << r.out;
    auto list = run("fuzz --list");
    ASSERT_EQ(list.code, 0);
    std::istringstream lines(list.out);
    std::string line;
    std::size_t targets = 0;
    while (std::getline(lines, line)) {
        const std::string name = line.substr(0, line.find(' '));
        ++targets;
        ASSERT_TRUE(j.contains(name)) << name;
        EXPECT_GT(j[name]["seeds"].get<int>(), 0) << name;
        EXPECT_TRUE(std::filesystem::exists(base / "a" / "dict" / (name + ".dict"))) << name;
        EXPECT_THAT(slurp((base / "a" / "options" / (name + ".options")).string()),
                    HasSubstr("[libfuzzer]"));
    }
    EXPECT_EQ(j.size(), targets);
    // The same seed, the same files: also for SGA, whose deployment has RSA keys (seeded).
    ASSERT_EQ(
        run("corpus regen --seed 3 --target prose_decoder_fuzzer --target sga_SGA_fuzzer -o " +
            (base / "b").string())
            .code,
        0);
    for (const std::string target : {"prose_decoder_fuzzer", "sga_SGA_fuzzer"}) {
        std::size_t files = 0;
        for (const auto& e : std::filesystem::directory_iterator(base / "b" / target)) {
            const auto twin = base / "a" / target / e.path().filename();
            EXPECT_TRUE(std::filesystem::exists(twin)) << twin;
            EXPECT_EQ(slurp(e.path().string()), slurp(twin.string())) << e.path();
            ++files;
        }
        EXPECT_EQ(files, j[target]["seeds"].get<std::size_t>()) << target;
    }
    std::filesystem::remove_all(base);
}

}  // namespace
