// `mtcfuzz campaign` and `mtcfuzz demo` as a user runs them: help, and every kind of bad input
// refused with exit 2 and a one-line message before anything is deployed. (Runs that need the
// attack engine are end-to-end tests.)
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;

struct Run {
    int code = -1;
    std::string out, err;
};

std::string slurp(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

Run run(const std::string& args) {
    const auto dir = fs::temp_directory_path();
    const fs::path out_path = dir / ("campaign_cli_out_" + std::to_string(::getpid()));
    const fs::path err_path = dir / ("campaign_cli_err_" + std::to_string(::getpid()));
    const std::string cmd = std::string(MTCFUZZ_BIN) + " " + args + " >" + out_path.string() +
                            " 2>" + err_path.string() + " </dev/null";
    const int status = std::system(cmd.c_str());
    Run r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out_path);
    r.err = slurp(err_path);
    fs::remove(out_path);
    fs::remove(err_path);
    return r;
}

std::size_t lines(const std::string& s) {
    return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

// A fresh folder per test, removed afterwards.
class CampaignCli : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "campaign_cli_XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    std::string write(const std::string& name, const std::string& text) const {
        const fs::path p = dir_ / name;
        std::ofstream(p) << text;
        return p.string();
    }

    // A campaign file that parses: the built-in prose campaign when the binary has one (the
    // format's reference), else the smallest file the format allows.
    std::string valid_campaign() const {
        auto shown = run("campaign show builtin:prose");
        if (shown.code == 0 && !shown.out.empty()) return write("prose.toml", shown.out);
        return write("prose.toml", "name = \"cli-test\"\nprotocol = \"prose\"\n");
    }

    fs::path dir_;
};

TEST_F(CampaignCli, HelpTeachesTheFormatAndTheSubcommands) {
    auto top = run("--help");
    EXPECT_EQ(top.code, 0);
    EXPECT_THAT(top.out, HasSubstr("campaign"));
    EXPECT_THAT(top.out, HasSubstr("demo"));

    auto h = run("campaign --help");
    EXPECT_EQ(h.code, 0) << h.err;
    EXPECT_THAT(h.out, HasSubstr("usage: mtcfuzz campaign run FILE -o DIR"));
    EXPECT_THAT(h.out, HasSubstr("mtcfuzz campaign replay DIR/findings/ID"));
    EXPECT_THAT(h.out, HasSubstr("docs/campaign-format.md"));
    EXPECT_THAT(h.out, HasSubstr("builtin:"));

    for (const char* sub : {"run", "replay"}) {
        auto s = run(std::string("campaign ") + sub + " --help");
        EXPECT_EQ(s.code, 0) << sub << ": " << s.err;
        EXPECT_THAT(s.out, HasSubstr(std::string("usage: mtcfuzz campaign ") + sub)) << sub;
        EXPECT_THAT(s.out, HasSubstr("Exit ")) << sub;
    }
    EXPECT_THAT(run("campaign run --help").out, HasSubstr("docs/campaign-format.md"));

    for (const char* args : {"campaign", "campaign frobnicate"}) {
        auto r = run(args);
        EXPECT_EQ(r.code, 2) << args;
        EXPECT_EQ(lines(r.err), 1U) << args << ": " << r.err;
    }
}

TEST_F(CampaignCli, RunOnAMissingFileNamesIt) {
    const std::string missing = (dir_ / "no-such-campaign.toml").string();
    auto r = run("campaign run " + missing + " -o " + (dir_ / "out").string());
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr(missing));
    EXPECT_EQ(lines(r.err), 1U) << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "out"));
}

TEST_F(CampaignCli, RunNeedsAFileAndAnOutputFolder) {
    auto no_file = run("campaign run -o " + (dir_ / "out").string());
    EXPECT_EQ(no_file.code, 2);
    EXPECT_THAT(no_file.err, HasSubstr("FILE"));
    auto no_out = run("campaign run " + valid_campaign());
    EXPECT_EQ(no_out.code, 2);
    EXPECT_THAT(no_out.err, HasSubstr("-o DIR"));
    auto bad_option = run("campaign run " + valid_campaign() + " -o x --frobnicate");
    EXPECT_EQ(bad_option.code, 2);
    auto unknown_builtin = run("campaign run builtin:no-such-campaign -o x");
    EXPECT_EQ(unknown_builtin.code, 2);
    EXPECT_THAT(unknown_builtin.err, HasSubstr("no-such-campaign"));
}

TEST_F(CampaignCli, RunOnAnUnknownKeySaysWhere) {
    const std::string file =
        write("bad.toml", slurp(valid_campaign()) + "\nno_such_key_anywhere = 1\n");
    auto r = run("campaign run " + file + " -o " + (dir_ / "out").string());
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr("bad.toml"));
    EXPECT_THAT(r.err, ContainsRegex("[0-9]+:[0-9]+"));
    EXPECT_EQ(lines(r.err), 1U) << r.err;
}

TEST_F(CampaignCli, RunOnAnUnknownVariantListsTheValidOnes) {
    auto r = run("campaign run " + valid_campaign() + " --variant relaxed -o " +
                 (dir_ / "out").string());
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr("relaxed"));
    EXPECT_THAT(r.err, HasSubstr("as-specified"));
    EXPECT_THAT(r.err, HasSubstr("hardened"));
    EXPECT_EQ(lines(r.err), 1U) << r.err;
}

TEST_F(CampaignCli, RunRefusesBadBudgetsAndAddresses) {
    const std::string file = valid_campaign();
    const std::string out = " -o " + (dir_ / "out").string();
    for (const char* opt : {"--budget-s 0", "--budget-s -3", "--budget-sessions 0",
                            "--addr-prefix 10.0.0", "--seed nope"}) {
        auto r = run("campaign run " + file + out + " " + opt);
        EXPECT_EQ(r.code, 2) << opt << ": " << r.err;
        EXPECT_EQ(lines(r.err), 1U) << opt << ": " << r.err;
    }
}

TEST_F(CampaignCli, RunRefusesANonEmptyOutputFolderWithoutForce) {
    fs::create_directories(dir_ / "out");
    write("out/notes.txt", "mine\n");
    auto r = run("campaign run " + valid_campaign() + " -o " + (dir_ / "out").string());
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr("not empty"));
    EXPECT_THAT(r.err, HasSubstr("--force"));
    EXPECT_EQ(slurp(dir_ / "out" / "notes.txt"), "mine\n");
}

TEST_F(CampaignCli, ReplayNeedsAFindingFolderWithATrace) {
    auto missing = run("campaign replay " + (dir_ / "findings" / "nope").string());
    EXPECT_EQ(missing.code, 2) << missing.err;
    EXPECT_THAT(missing.err, HasSubstr("nope"));
    EXPECT_EQ(lines(missing.err), 1U) << missing.err;

    fs::create_directories(dir_ / "findings" / "empty");
    auto no_trace = run("campaign replay " + (dir_ / "findings" / "empty").string());
    EXPECT_EQ(no_trace.code, 2) << no_trace.err;
    EXPECT_THAT(no_trace.err, HasSubstr("trace.json"));

    fs::create_directories(dir_ / "findings" / "garbled");
    write("findings/garbled/trace.json", "{not json");
    auto garbled = run("campaign replay " + (dir_ / "findings" / "garbled").string() + " --json");
    EXPECT_EQ(garbled.code, 2) << garbled.err;
    EXPECT_THAT(garbled.err, HasSubstr("trace.json"));

    EXPECT_EQ(run("campaign replay").code, 2);
}

TEST_F(CampaignCli, DemoHelpAndBadInput) {
    auto h = run("demo --help");
    EXPECT_EQ(h.code, 0) << h.err;
    EXPECT_THAT(h.out, HasSubstr("usage: mtcfuzz demo"));
    EXPECT_THAT(h.out, HasSubstr("as-specified"));
    EXPECT_THAT(h.out, HasSubstr("hardened"));
    EXPECT_THAT(h.out, HasSubstr("--budget-s"));

    const std::string out = " -o " + (dir_ / "demo").string();
    for (const std::string& args :
         {"demo --budget-s 0" + out, "demo --protocol nosuch" + out,
          "demo --campaigns " + (dir_ / "nowhere").string() + out, "demo --bogus" + out}) {
        auto r = run(args);
        EXPECT_EQ(r.code, 2) << args << ": " << r.err;
        EXPECT_EQ(lines(r.err), 1U) << args << ": " << r.err;
    }
    // A campaigns folder without the protocol's file.
    fs::create_directories(dir_ / "campaigns");
    auto none = run("demo --protocol prose --campaigns " + (dir_ / "campaigns").string() + out);
    EXPECT_EQ(none.code, 2) << none.err;
    EXPECT_THAT(none.err, HasSubstr("no campaign for prose in"));
    EXPECT_FALSE(fs::exists(dir_ / "demo"));
}

}  // namespace
