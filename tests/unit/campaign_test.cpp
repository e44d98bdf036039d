// attacks/campaign: campaign files parse to the expected struct; every kind of error names the
// file, line, column and key; defaults; "*" claims; load_campaign on files, missing files and
// directories; relative pcap paths; random mutations of a valid file never crash.
#include "attacks/campaign.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "attacks/guess.hpp"
#include "protocols/core/registry.hpp"
#include "protocols/core/role.hpp"

namespace mtc::attacks {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const ProtocolSpec& prose() {
    const ProtocolSpec* s = find_protocol("prose");
    EXPECT_NE(s, nullptr);
    return *s;
}

std::vector<std::string> all_claims() {
    std::vector<std::string> ids;
    for (const auto& c : prose().claims) ids.push_back(c.id);
    return ids;
}

// A check name some role can switch off, read from the spec (empty when none is declared yet).
std::pair<std::string, std::string> some_check() {
    for (const auto& r : prose().roles) {
        if (!r.checks.empty()) return {r.name, r.checks.front().name};
    }
    return {};
}

const char* const full = R"(# a full campaign
[campaign]
name = "prose"
protocol = "prose"
description = "replay and relay against ProSe"
seed = 7

[deployment]
variant = "hardened"
profile = "weak-key"
mode = "basic"
instances = { MTCd = 2, UE = 3, MTCs = 1 }
insiders = ["UE#2"]
compromised = ["MTCd#1"]
settings = { "MTCd.mic_alg" = "2", "MTCs.policy" = "usage=test" }

[honest]
sessions = 5
pcap = "/tmp/captured.pcap"

[budget]
seconds = 12.5
sessions = 300

[[attack]]
strategy = "replay"
only = ["same-later", "fresh-session"]

[[attack]]
strategy = "relay"

[claims]
check = ["injective:MTCd->MTCs", "secrecy:DMKey"]
)";

const char* const minimal = R"([campaign]
name = "min"
protocol = "prose"

[[attack]]
strategy = "replay"
)";

// Line and column (1-based) of the first occurrence of `anchor` in `text`.
std::pair<std::size_t, std::size_t> pos_of(const std::string& text, const std::string& anchor) {
    const auto at = text.find(anchor);
    EXPECT_NE(at, std::string::npos) << "anchor '" << anchor << "' not in the text";
    std::size_t line = 1;
    std::size_t col = 1;
    for (std::size_t i = 0; i < at && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            col = 1;
        } else {
            ++col;
        }
    }
    return {line, col};
}

// `text` must fail with "test.toml:L:C: ..." where L:C is where `anchor` starts, and the message
// must contain every one of `parts`.
void expect_error(const std::string& text, const std::string& anchor,
                  const std::vector<std::string>& parts) {
    SCOPED_TRACE(text);
    auto r = parse_campaign(text, "test.toml");
    ASSERT_FALSE(r.ok()) << "parsed, but an error at '" << anchor << "' was expected";
    const auto [line, col] = pos_of(text, anchor);
    const std::string msg = r.error().describe();
    EXPECT_THAT(msg,
                StartsWith("test.toml:" + std::to_string(line) + ":" + std::to_string(col) + ": "));
    for (const auto& p : parts) EXPECT_THAT(msg, HasSubstr(p));
}

// An error without a location ("test.toml: ...").
void expect_file_error(const std::string& text, const std::vector<std::string>& parts) {
    SCOPED_TRACE(text);
    auto r = parse_campaign(text, "test.toml");
    ASSERT_FALSE(r.ok());
    const std::string msg = r.error().describe();
    EXPECT_THAT(msg, StartsWith("test.toml: "));
    for (const auto& p : parts) EXPECT_THAT(msg, HasSubstr(p));
}

// The minimal file with `extra` appended.
std::string with(const std::string& extra) {
    return std::string(minimal) + extra;
}

std::string campaign_head(const std::string& deployment) {
    return "[campaign]\nname = \"x\"\nprotocol = \"prose\"\n\n[deployment]\n" + deployment +
           "\n\n[[attack]]\nstrategy = \"replay\"\n";
}

TEST(CampaignParse, FullFile) {
    auto r = parse_campaign(full, "prose.toml");
    ASSERT_TRUE(r.ok()) << r.error().describe();
    const Campaign& c = *r;
    EXPECT_EQ(c.source, "prose.toml");
    EXPECT_EQ(c.name, "prose");
    EXPECT_EQ(c.description, "replay and relay against ProSe");
    EXPECT_EQ(c.spec, &prose());
    EXPECT_EQ(c.seed, 7U);
    EXPECT_EQ(c.deployment.variant, "hardened");
    EXPECT_EQ(c.deployment.profile, "weak-key");
    EXPECT_EQ(c.deployment.mode, "basic");
    EXPECT_EQ(c.deployment.instances,
              (std::map<std::string, int>{{"MTCd", 2}, {"UE", 3}, {"MTCs", 1}}));
    EXPECT_EQ(c.deployment.settings.at("MTCd").at("mic_alg"), "2");
    EXPECT_EQ(c.deployment.settings.at("MTCs").at("policy"), "usage=test");
    EXPECT_EQ(c.deployment.settings.size(), 2U);
    EXPECT_EQ(c.insiders, std::vector<std::string>{"UE#2"});
    EXPECT_EQ(c.compromised, std::vector<std::string>{"MTCd#1"});
    EXPECT_TRUE(c.weaken.empty());
    EXPECT_EQ(c.honest_sessions, 5U);
    ASSERT_TRUE(c.pcap.has_value());
    EXPECT_EQ(*c.pcap, "/tmp/captured.pcap");
    EXPECT_DOUBLE_EQ(c.budget_s, 12.5);
    EXPECT_EQ(c.budget_sessions, 300U);
    ASSERT_EQ(c.attacks.size(), 2U);
    EXPECT_EQ(c.attacks[0].strategy, "replay");
    EXPECT_EQ(c.attacks[0].only, (std::vector<std::string>{"same-later", "fresh-session"}));
    EXPECT_EQ(c.attacks[1].strategy, "relay");
    EXPECT_TRUE(c.attacks[1].only.empty());
    EXPECT_EQ(c.claims, (std::vector<std::string>{"injective:MTCd->MTCs", "secrecy:DMKey"}));
}

TEST(CampaignParse, Defaults) {
    auto r = parse_campaign(minimal, "min.toml");
    ASSERT_TRUE(r.ok()) << r.error().describe();
    const Campaign& c = *r;
    const Campaign defaults;
    EXPECT_EQ(c.name, "min");
    EXPECT_EQ(c.description, "");
    EXPECT_EQ(c.seed, defaults.seed);
    EXPECT_EQ(c.seed, 1U);
    EXPECT_EQ(c.deployment.variant, prose().variants.front().name);
    EXPECT_EQ(c.deployment.profile, prose().profiles.front().name);
    EXPECT_EQ(c.deployment.mode, prose().modes.front().name);
    EXPECT_TRUE(c.deployment.instances.empty());
    EXPECT_TRUE(c.deployment.settings.empty());
    EXPECT_TRUE(c.insiders.empty());
    EXPECT_TRUE(c.compromised.empty());
    EXPECT_TRUE(c.weaken.empty());
    EXPECT_EQ(c.honest_sessions, defaults.honest_sessions);
    EXPECT_EQ(c.honest_sessions, 4U);
    EXPECT_FALSE(c.pcap.has_value());
    EXPECT_DOUBLE_EQ(c.budget_s, defaults.budget_s);
    EXPECT_EQ(c.budget_sessions, defaults.budget_sessions);
    ASSERT_EQ(c.attacks.size(), 1U);
    EXPECT_TRUE(c.attacks[0].only.empty());
    EXPECT_EQ(c.claims, all_claims());
    EXPECT_FALSE(c.claims.empty());
}

TEST(CampaignParse, StarClaimsAndEmptyTables) {
    for (const char* extra : {"\n[claims]\ncheck = [\"*\"]\n", "\n[claims]\n",
                              "\n[honest]\n[budget]\n[deployment]\n"}) {
        auto r = parse_campaign(with(extra), "t.toml");
        ASSERT_TRUE(r.ok()) << r.error().describe();
        EXPECT_EQ(r->claims, all_claims()) << extra;
    }
}

TEST(CampaignParse, NumbersAndAlternativeForms) {
    auto r = parse_campaign(with("\n[budget]\nseconds = 3\n[campaign.x]\n"), "t.toml");
    EXPECT_FALSE(r.ok());  // [campaign.x] is an unknown key of [campaign]

    r = parse_campaign(with("\n[budget]\nseconds = 3\nsessions = 1\n[honest]\nsessions = 0\n"),
                       "t.toml");
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_DOUBLE_EQ(r->budget_s, 3.0);
    EXPECT_EQ(r->budget_sessions, 1U);
    EXPECT_EQ(r->honest_sessions, 0U);

    // settings as a nested table, instances as a sub-table.
    r = parse_campaign(campaign_head("settings = { MTCd = { mic_alg = \"2\", kdf_algs = \"2,1\" } "
                                     "}\n[deployment.instances]\nUE = 2\n"),
                       "t.toml");
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_EQ(r->deployment.settings.at("MTCd").at("mic_alg"), "2");
    EXPECT_EQ(r->deployment.settings.at("MTCd").at("kdf_algs"), "2,1");
    EXPECT_EQ(r->deployment.instances.at("UE"), 2);

    // The extended mode has a GW; insiders may name it.
    r = parse_campaign(campaign_head("mode = \"extended\"\ninsiders = [\"GW#0\"]"), "t.toml");
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_EQ(r->insiders, std::vector<std::string>{"GW#0"});
}

TEST(CampaignParse, Weaken) {
    const auto [role, check] = some_check();
    if (!weakening_enabled()) {
        expect_error(campaign_head("weaken = { MTCs = [\"x\"] }"), "{ MTCs",
                     {"MTC_ENABLE_WEAKENING=ON", "no test-only weakening"});
        return;
    }
    // Unknown roles and checks are errors whether or not the spec declares checks yet.
    expect_error(campaign_head("weaken = { Bob = [\"x\"] }"), "Bob",
                 {"no role named 'Bob'", "roles: MTCd, UE, MTCs"});
    expect_error(campaign_head("weaken = { MTCs = [\"no-such-check\"] }"), "\"no-such-check\"",
                 {"unknown check 'no-such-check' for role MTCs"});
    if (role.empty()) GTEST_SKIP() << "no role of prose declares weakenable checks yet";
    const std::string text = campaign_head("weaken = { " + role + " = [\"" + check + "\"] }");
    auto r = parse_campaign(text, "t.toml");
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_EQ(r->weaken.at(role), std::set<std::string>{check});
    expect_error(
        campaign_head("weaken = { " + role + " = [\"" + check + "\", \"" + check + "\"] }"),
        "\"" + check + "\"]", {"duplicate entry '" + check + "'"});
}

TEST(CampaignErrors, Syntax) {
    auto r = parse_campaign(with("\n[budget]\nseconds = \n"), "s.toml");
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().describe(), StartsWith("s.toml:9:"));
    r = parse_campaign("[campaign]\nname = \"x\nprotocol = \"prose\"\n", "s.toml");
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().describe(), StartsWith("s.toml:2:"));
    r = parse_campaign("[campaign]\nname = \"a\"\nname = \"b\"\n", "s.toml");
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().describe(), StartsWith("s.toml:3:"));
}

TEST(CampaignErrors, UnknownTablesAndKeys) {
    expect_error(with("\n[honest]\nsesions = 3\n"), "sesions",
                 {"unknown key 'sesions' in [honest] (expected: sessions, pcap)"});
    expect_error(with("\n[foo]\nx = 1\n"), "foo]",
                 {"unknown table [foo]", "campaign, deployment, honest, budget, attack, claims"});
    expect_error("seed = 3\n" + std::string(minimal), "seed", {"unknown key 'seed' at the top"});
    expect_error(with("\n[deployment]\nvariants = \"x\"\n"), "variants",
                 {"unknown key 'variants' in [deployment]", "variant, profile, mode"});
    expect_error(with("\n[budget]\nsecond = 1\n"), "second ",
                 {"unknown key 'second' in [budget] (expected: seconds, sessions)"});
    expect_error(
        with("only = [\"x\"]\nrepeat = 2\n"), "repeat",
        {"unknown key 'repeat' in an [[attack]] of strategy", "(expected: strategy, only)"});
    expect_error(with("\n[claims]\nchecks = [\"*\"]\n"), "checks",
                 {"unknown key 'checks' in [claims] (expected: check)"});
    expect_error(std::string("[campaign]\nname = \"x\"\nprotocol = \"prose\"\nseeds = 2\n"),
                 "seeds", {"unknown key 'seeds' in [campaign]"});
}

TEST(CampaignErrors, WrongTypes) {
    expect_error("[campaign]\nname = 3\nprotocol = \"prose\"\n", "3",
                 {"campaign.name must be a string, not an integer"});
    expect_error("[campaign]\nname = \"x\"\nprotocol = \"prose\"\nseed = \"1\"\n", "\"1\"",
                 {"campaign.seed must be an integer, not a string"});
    expect_error("[campaign]\nname = \"x\"\nprotocol = \"prose\"\nseed = -1\n", "-1",
                 {"campaign.seed must be at least 0 (got -1)"});
    expect_error("[campaign]\nname = \"x\"\nprotocol = \"prose\"\nseed = 1.5\n", "1.5",
                 {"must be an integer, not a float"});
    expect_error("campaign = 3\n", "3", {"[campaign] must be a table, not an integer"});
    expect_error(with("\n[honest]\nsessions = \"4\"\n"), "\"4\"",
                 {"honest.sessions must be an integer, not a string"});
    expect_error(with("\n[honest]\nsessions = 10001\n"), "10001",
                 {"honest.sessions must be between 0 and 10000 (got 10001)"});
    expect_error(with("\n[honest]\npcap = 5\n"), "5", {"honest.pcap must be a string"});
    expect_error(with("\n[honest]\npcap = \"\"\n"), "\"\"", {"honest.pcap must not be empty"});
    expect_error(with("\n[budget]\nseconds = \"60\"\n"), "\"60\"",
                 {"budget.seconds must be a number (integer or float), not a string"});
    for (const char* bad : {"0", "-1", "0.0", "inf", "nan", "-2.5"}) {
        expect_error(with(std::string("\n[budget]\nseconds = ") + bad + "\n"), bad,
                     {"budget.seconds must be a finite number > 0"});
    }
    expect_error(with("\n[budget]\nsessions = 0\n"), "0\n",
                 {"budget.sessions must be at least 1 (got 0)"});
    expect_error(with("\n[budget]\nsessions = true\n"), "true",
                 {"budget.sessions must be an integer, not a boolean"});
    expect_error(with("\n[honest]\nsessions = 1979-05-27\n"), "1979",
                 {"must be an integer, not a date"});
    expect_error(with("\n[claims]\ncheck = \"*\"\n"), "\"*\"",
                 {"claims.check must be an array of strings, not a string"});
    expect_error(with("\n[claims]\ncheck = [1]\n"), "1]",
                 {"each entry of claims.check must be a string, not an integer"});
    expect_error(with("\n[deployment]\ninstances = [\"UE\"]\n"), "[\"UE\"]",
                 {"deployment.instances must be a table, not an array"});
    expect_error(with("\n[deployment]\nsettings = { \"MTCd.mic_alg\" = 2 }\n"), "2 }",
                 {"must be a string, not an integer"});
    expect_error(with("\n[deployment]\ninsiders = \"UE#0\"\n"), "\"UE#0\"",
                 {"deployment.insiders must be an array of strings, not a string"});
}

TEST(CampaignErrors, MissingRequired) {
    expect_file_error("[[attack]]\nstrategy = \"replay\"\n", {"missing the [campaign] table"});
    expect_error("\n[campaign]\nprotocol = \"prose\"\n[[attack]]\nstrategy = \"replay\"\n",
                 "[campaign]", {"[campaign] is missing the required key 'name'"});
    expect_error("[campaign]\nname = \"x\"\n[[attack]]\nstrategy = \"replay\"\n", "[campaign]",
                 {"missing the required key 'protocol'"});
    expect_error("[campaign]\nname = \"\"\nprotocol = \"prose\"\n", "\"\"",
                 {"campaign.name must not be empty"});
    expect_file_error("[campaign]\nname = \"x\"\nprotocol = \"prose\"\n",
                      {"no [[attack]] table", "replay, modify, relay, mitm, guess"});
    expect_error("[campaign]\nname = \"x\"\nprotocol = \"prose\"\n[attack]\nstrategy = \"x\"\n",
                 "[attack]", {"attack must be an array of tables (write [[attack]])"});
    expect_error("attack = []\n[campaign]\nname = \"x\"\nprotocol = \"prose\"\n", "[]",
                 {"write at least one [[attack]]"});
    expect_error(with("\n[[attack]]\nonly = [\"reflect\"]\n"), "[[attack]]\nonly",
                 {"[[attack]] is missing the required key 'strategy'"});
}

TEST(CampaignErrors, ProtocolAndDeployment) {
    expect_error("[campaign]\nname = \"x\"\nprotocol = \"tls\"\n", "\"tls\"",
                 {"unknown protocol 'tls' (registered: prose"});
    expect_error(campaign_head("variant = \"strict\""), "\"strict\"",
                 {"unknown variant 'strict' (one of: as-specified, hardened)"});
    expect_error(campaign_head("profile = \"pin\""), "\"pin\"",
                 {"unknown profile 'pin' (one of: default, weak-key)"});
    expect_error(campaign_head("mode = \"full\""), "\"full\"",
                 {"unknown mode 'full' (one of: basic, extended)"});
    expect_error(
        campaign_head("instances = { MTCd = 2, Eve = 1 }"), "Eve",
        {"deployment.instances: prose has no role named 'Eve'", "(roles: MTCd, UE, MTCs, GW)"});
    expect_error(campaign_head("instances = { UE = 0 }"), "0 }",
                 {"deployment.instances.UE must be between 1 and 10000 (got 0)"});
    expect_error(campaign_head("instances = { UE = 10001 }"), "10001",
                 {"deployment.instances.UE must be between 1 and 10000 (got 10001)"});
    // Provisioning's own limits: a GW exists only in the extended mode.
    expect_error(campaign_head("instances = { GW = 1 }"), "{ GW",
                 {"GW instances exist only in the extended mode"});
}

TEST(CampaignErrors, Instances) {
    expect_error(campaign_head("instances = { UE = 3 }\ninsiders = [\"UE#3\"]"), "\"UE#3\"",
                 {"'UE#3' in deployment.insiders is not an instance of this deployment",
                  "UE instances: UE#0, UE#1, UE#2"});
    expect_error(campaign_head("insiders = [\"UE#1\"]"), "\"UE#1\"", {"UE instances: UE#0;"});
    expect_error(campaign_head("insiders = [\"UE#0\", \"UE#0\"]"), "\"UE#0\"]",
                 {"duplicate entry 'UE#0' in deployment.insiders"});
    expect_error(campaign_head("insiders = [\"UE2\"]"), "\"UE2\"",
                 {"'UE2' in deployment.insiders is not an instance name (expected <Role>#<k>"});
    expect_error(campaign_head("insiders = [\"UE#\"]"), "\"UE#\"", {"is not an instance name"});
    expect_error(campaign_head("insiders = [\"Eve#0\"]"), "\"Eve#0\"",
                 {"prose has no role named 'Eve'"});
    expect_error(campaign_head("compromised = [\"MTCd#1\"]"), "\"MTCd#1\"",
                 {"'MTCd#1' in deployment.compromised is not an instance of this deployment",
                  "MTCd instances: MTCd#0"});
    expect_error(campaign_head("insiders = [\"GW#0\"]"), "\"GW#0\"", {"GW instances: none"});
    auto r = parse_campaign(campaign_head("insiders = []"), "t.toml");
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_TRUE(r->insiders.empty());
    r = parse_campaign(campaign_head("instances = { MTCd = 2 }\ncompromised = [\"MTCd#1\", "
                                     "\"MTCd#0\"]\ninsiders = [\"MTCd#1\"]"),
                       "t.toml");
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_EQ(r->compromised, (std::vector<std::string>{"MTCd#1", "MTCd#0"}));
}

TEST(CampaignErrors, Settings) {
    expect_error(campaign_head("settings = { \"Eve.x\" = \"1\" }"), "\"Eve.x\"",
                 {"prose has no role named 'Eve'"});
    expect_error(campaign_head("settings = { \"MTCd.mac\" = \"1\" }"), "\"1\"",
                 {"role MTCd has no setting 'mac'", "mic_alg"});
    expect_error(campaign_head("settings = { \"MTCd.mic_alg\" = \"3\" }"), "\"3\"",
                 {"MTCd.mic_alg=3", "algorithm ids are 1 or 2"});
    expect_error(campaign_head("settings = { \"MTCd\" = \"3\" }"), "\"MTCd\"",
                 {"deployment.settings key 'MTCd' is not ROLE.NAME"});
    expect_error(campaign_head("settings = { \"MTCd.\" = \"3\" }"), "\"MTCd.\"",
                 {"is not ROLE.NAME"});
    expect_error(
        campaign_head("settings = { \"MTCd.mic_alg\" = \"1\", MTCd = { mic_alg = \"2\" } }"),
        "mic_alg = ", {"duplicate setting MTCd.mic_alg"});
}

TEST(CampaignErrors, Attacks) {
    expect_error(
        with("\n[[attack]]\nstrategy = \"fuzz\"\n"), "\"fuzz\"",
        {"unknown strategy 'fuzz' (strategies: replay, modify, relay, mitm, guess, compromise)"});
    expect_error(with("only = [\"same-earlier\"]\n"), "\"same-earlier\"",
                 {"strategy replay has no option 'same-earlier'",
                  "(options: fresh-session, same-later, other-instance, insider, captured)"});
    expect_error(with("only = [\"insider\", \"insider\"]\n"), "\"insider\"]",
                 {"duplicate entry 'insider' in attack.only"});
    expect_error(with("only = []\n"), "[]", {"attack.only must not be an empty array"});
    // The error points at the second strategy value, line 9 column 12.
    const std::string dup = with("\n[[attack]]\nstrategy = \"replay\"\n");
    auto r = parse_campaign(dup, "t.toml");
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().describe(), StartsWith("t.toml:9:12: "));
    EXPECT_THAT(r.error().describe(), HasSubstr("duplicate [[attack]] with strategy 'replay' "
                                                "(first at line 6"));
}

TEST(CampaignErrors, Claims) {
    expect_error(with("\n[claims]\ncheck = [\"secrecy:PSKey\"]\n"), "\"secrecy:PSKey\"",
                 {"unknown claim 'secrecy:PSKey' for prose (claims: " + all_claims().front(),
                  "or \"*\" for all"});
    expect_error(with("\n[claims]\ncheck = [\"secrecy:DMKey\", \"secrecy:DMKey\"]\n"),
                 "\"secrecy:DMKey\"]", {"duplicate entry 'secrecy:DMKey' in claims.check"});
    expect_error(with("\n[claims]\ncheck = [\"secrecy:DMKey\", \"*\"]\n"), "\"*\"",
                 {"cannot be combined"});
    expect_error(with("\n[claims]\ncheck = []\n"), "[]", {"claims.check must not be an empty"});
}

// A fresh directory under the system temp dir, removed at the end of the test.
class CampaignLoad : public ::testing::Test {
protected:
    void SetUp() override {
        std::random_device rd;
        dir_ = std::filesystem::temp_directory_path() /
               ("mtc_campaign_test_" + std::to_string(rd()) + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_ / "sub");
    }
    void TearDown() override {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    std::string write(const std::string& name, const std::string& text) {
        const auto p = dir_ / name;
        std::ofstream(p, std::ios::binary) << text;
        return p.string();
    }
    std::filesystem::path dir_;
};

TEST_F(CampaignLoad, FileAndRelativePcap) {
    const std::string path =
        write("sub/c.toml", with("\n[honest]\npcap = \"caps/../caps/x.pcap\"\n"));
    auto r = load_campaign(path);
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_EQ(r->source, path);
    ASSERT_TRUE(r->pcap.has_value());
    EXPECT_EQ(*r->pcap, (dir_ / "sub" / "caps" / "x.pcap").string());

    // Absolute paths are kept; parse_campaign leaves relative ones relative to the cwd.
    r = load_campaign(write("sub/d.toml", with("\n[honest]\npcap = \"/data/y.pcap\"\n")));
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_EQ(*r->pcap, "/data/y.pcap");
    r = parse_campaign(with("\n[honest]\npcap = \"caps/x.pcap\"\n"), "e.toml");
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_EQ(*r->pcap, "caps/x.pcap");
}

TEST_F(CampaignLoad, ErrorsNameTheFile) {
    const std::string path = write("bad.toml", with("\n[honest]\nsesions = 1\n"));
    auto r = load_campaign(path);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().describe(), StartsWith(path + ":9:1: unknown key 'sesions'"));
}

TEST_F(CampaignLoad, MissingFileAndDirectory) {
    const std::string missing = (dir_ / "nope.toml").string();
    auto r = load_campaign(missing);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().describe(), StartsWith(missing + ": cannot open campaign file"));
    EXPECT_THAT(r.error().describe(), HasSubstr("o such file"));

    r = load_campaign((dir_ / "sub").string());
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().describe(), HasSubstr("is a directory, not a campaign file"));

    r = load_campaign("");
    ASSERT_FALSE(r.ok());
}

// 2,000 random byte mutations of a valid file: never a crash, always a Campaign or an error.
TEST(CampaignFuzz, MutationsNeverCrash) {
    const std::string base = full;
    std::mt19937 gen(20240611);  // fixed: the same mutations on every run
    auto pick = [&](std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n == 0 ? 0 : n - 1)(gen);
    };
    const std::string interesting = "[]{}=\"'#.,\n\\ 0123456789-+e_xtrue";
    std::size_t parsed = 0;
    for (int i = 0; i < 2000; ++i) {
        std::string s = base;
        const std::size_t edits = 1 + pick(4);
        for (std::size_t e = 0; e < edits; ++e) {
            const auto b = static_cast<char>(pick(2) == 0 ? interesting[pick(interesting.size())]
                                                          : static_cast<char>(pick(256)));
            switch (pick(5)) {
                case 0:
                    if (!s.empty()) s[pick(s.size())] = b;
                    break;
                case 1:
                    s.insert(pick(s.size() + 1), 1, b);
                    break;
                case 2:
                    if (!s.empty()) s.erase(pick(s.size()), 1 + pick(8));
                    break;
                case 3: {  // duplicate a slice somewhere else
                    const std::size_t from = pick(s.size());
                    s.insert(pick(s.size() + 1), s.substr(from, 1 + pick(40)));
                    break;
                }
                default:
                    if (!s.empty()) {
                        char& c = s[pick(s.size())];
                        c = static_cast<char>(static_cast<unsigned char>(c) ^ (1U << pick(8)));
                    }
                    break;
            }
        }
        auto r = parse_campaign(s, "fuzz.toml");
        if (r.ok()) {
            ++parsed;
            EXPECT_NE(r->spec, nullptr);
            EXPECT_FALSE(r->attacks.empty());
            EXPECT_FALSE(r->claims.empty());
        } else {
            EXPECT_THAT(r.error().describe(), StartsWith("fuzz.toml:")) << s;
        }
    }
    EXPECT_GT(parsed, 0U);  // some mutations (comments, descriptions) leave the file valid
}

}  // namespace
}  // namespace mtc::attacks

namespace mtc::attacks {
namespace {

std::string guess_attack(const std::string& keys) {
    return "[campaign]\nname = \"g\"\nprotocol = \"prose\"\n\n[[attack]]\nstrategy = \"guess\"\n" +
           keys;
}

TEST(CampaignGuess, SettingsReachTheStrategy) {
    auto c = parse_campaign(guess_attack("space = \"mask:?1?d\"\ncharset1 = \"?l\"\nthreads = 2\n"
                                         "time = 1.5\nonline = 20\n"),
                            "test.toml");
    ASSERT_TRUE(c.ok()) << c.error().describe();
    ASSERT_EQ(c->attacks.size(), 1u);
    const auto& p = c->attacks[0];
    EXPECT_EQ(p.setting("space"), "mask:?1?d");
    EXPECT_EQ(p.setting("charset1"), "?l");
    EXPECT_EQ(p.setting("threads"), "2");
    EXPECT_EQ(p.setting("online"), "20");
    auto s = GuessSettings::from(p);
    ASSERT_TRUE(s.ok()) << s.error().describe();
    EXPECT_EQ(s->threads, 2u);
    EXPECT_DOUBLE_EQ(s->time_limit_s, 1.5);
    EXPECT_EQ(s->online, 20u);
    EXPECT_EQ(s->charsets[0], "?l");
}

TEST(CampaignGuess, DefaultsWhenNoSettings) {
    auto c = parse_campaign(guess_attack(""), "test.toml");
    ASSERT_TRUE(c.ok()) << c.error().describe();
    auto s = GuessSettings::from(c->attacks[0]);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->space, "pin");
    EXPECT_EQ(s->online, 0u);
    EXPECT_EQ(s->threads, 0u);
}

TEST(CampaignGuess, BadSettingsNameKeyAndLine) {
    expect_error(guess_attack("space = \"pim\"\n"), "\"pim\"", {"attack.space", "pim"});
    expect_error(guess_attack("space = \"mask:?x\"\n"), "\"mask:?x\"", {"attack.space", "?x"});
    expect_error(guess_attack("online = -1\n"), "-1", {"attack.online", "must be a number"});
    expect_error(guess_attack("threads = \"many\"\n"), "\"many\"", {"attack.threads"});
    expect_error(guess_attack("time = 0\n"), "0", {"attack.time"});
    // Settings belong to their strategy: replay takes none.
    expect_error(
        with("space = \"pin\"\n"), "space",
        {"unknown key 'space' in an [[attack]] of strategy replay", "(expected: strategy, only)"});
}

TEST(CampaignGuess, MaskWithUndefinedCustomSetIsAnErrorOfItsAttackTable) {
    // Each key is checked alone, then the mask and its sets together, still while parsing.
    const std::string text = guess_attack("space = \"mask:?2\"\n");
    auto c = parse_campaign(text, "test.toml");
    ASSERT_FALSE(c.ok());
    const std::string msg = c.error().describe();
    EXPECT_THAT(msg, HasSubstr("[[attack]] of strategy guess"));
    EXPECT_THAT(msg, HasSubstr("?2"));
    const auto [line, col] = pos_of(text, "[[attack]]");
    EXPECT_THAT(msg, StartsWith("test.toml:" + std::to_string(line) + ":"));
    // With the set given, it parses.
    EXPECT_TRUE(
        parse_campaign(guess_attack("space = \"mask:?2\"\ncharset2 = \"ab\"\n"), "test.toml").ok());
}

}  // namespace
}  // namespace mtc::attacks
