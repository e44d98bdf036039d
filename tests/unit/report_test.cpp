// harness/report: report.json's schema, SARIF's structure (as GitHub code scanning reads it),
// the Markdown claims table and Mermaid diagrams (with hostile labels), atomic writing, exit
// codes; harness/pcap/window: cutting a finding's trace.pcap out of traffic.pcap.
#include "harness/report/report.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness/pcap/reader.hpp"
#include "harness/pcap/window.hpp"
#include "harness/pcap/writer.hpp"
#include "tests/unit/temp_dir.hpp"

namespace mtc::report {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

using mtc::test::TempDir;

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

Finding make_finding(const std::string& id, const std::string& claim, const std::string& attack) {
    Finding f;
    f.id = id;
    f.claim = claim;
    f.strategy = "replay";
    f.attack = attack;
    f.summary = "MTCs#0 accepted one MTCd#0 run twice";
    f.trace = nlohmann::ordered_json{{"steps", nlohmann::ordered_json::array()}};
    f.dir = "findings/" + id;
    f.transcript = {
        {1000, "MTCd#0", "MTCs#0", "M1", "", false},
        {2000, "Attacker", "MTCs#0", "M1", "replayed", false},
        {3000, "MTCs#0", "", "accept", "", true},
    };
    Event e;
    e.ts_us = 1'700'000'000'000'123;
    e.protocol = "prose";
    e.variant = "baseline";
    e.role = "MTCs";
    e.instance = "MTCs#0";
    e.session = 7;
    e.kind = EventKind::accept;
    e.peer = "MTCd#0";
    e.params = {{"MTCdNonce", "00ff"}};
    f.evidence = {e};
    return f;
}

CampaignReport sample_report() {
    CampaignReport r;
    r.campaign = "prose-replay";
    r.campaign_file = "attacks/campaigns/prose_replay.toml";
    r.protocol = "prose";
    r.variant = "baseline";
    r.seed = 42;
    r.started = "2025-01-01T00:00:00Z";
    r.duration_s = 12.5;
    r.honest_sessions = 4;
    r.attack_sessions = 20;
    r.honest_s = 1.5;
    r.attack_s = 10.25;
    r.attacks_run = {{"replay", 12}, {"modify", 8}};
    ClaimVerdict injective;
    injective.id = "injective:MTCd->MTCs";
    injective.statement = "Every MTCs accept of an MTCd matches a distinct MTCd run.";
    injective.paper_claim = "\"MTCdNonce and MTCsNonce mitigate replay attacks\" (section V)";
    injective.verdict = Verdict::violated;
    injective.attacks_tried = {"replay (12 sessions)"};
    injective.finding_ids = {"f-0001", "f-0002"};
    ClaimVerdict secrecy;
    secrecy.id = "secrecy:DMKey";
    secrecy.statement = "The attacker never learns DMKey.";
    secrecy.paper_claim = "DMKey is secret (section V)";
    secrecy.verdict = Verdict::holds;
    secrecy.attacks_tried = {"replay (12 sessions)", "modify (8 sessions)"};
    ClaimVerdict guess;
    guess.id = "guess-resistance:PSKey";
    guess.statement = "No off-line test for PSKey.";
    guess.paper_claim = "Dolev-Yao threat model";
    guess.verdict = Verdict::not_tested;
    guess.hardened_promises = false;
    guess.note = "no guess attack in this campaign";
    r.claims = {injective, secrecy, guess};
    r.findings = {make_finding("f-0001", injective.id, "replay M1 session 3 -> MTCs#0"),
                  make_finding("f-0002", injective.id, "replay M1 session 4 -> MTCs#0")};
    r.notes = {"budget exhausted after 20 attack sessions"};
    return r;
}

// ---------------------------------------------------------------------------------------
// report.json

TEST(ReportJson, VerdictNames) {
    EXPECT_EQ(to_string(Verdict::holds), "holds");
    EXPECT_EQ(to_string(Verdict::violated), "violated");
    EXPECT_EQ(to_string(Verdict::not_tested), "not-tested");
    EXPECT_EQ(to_string(Verdict::not_applicable), "not-applicable");
}

TEST(ReportJson, HasEveryDesignMemberWithTheRightType) {
    const CampaignReport r = sample_report();
    const json j = json::parse(to_json(r).dump());
    ASSERT_TRUE(j.is_object());
    EXPECT_EQ(j.at("format"), "mtcfuzz-report/1");
    EXPECT_EQ(j.at("campaign"), "prose-replay");
    EXPECT_EQ(j.at("campaign_file"), "attacks/campaigns/prose_replay.toml");
    EXPECT_EQ(j.at("protocol"), "prose");
    EXPECT_EQ(j.at("variant"), "baseline");
    EXPECT_TRUE(j.at("seed").is_number_unsigned());
    EXPECT_EQ(j.at("seed"), 42);
    EXPECT_TRUE(j.at("started").is_string());
    EXPECT_TRUE(j.at("duration_s").is_number());
    EXPECT_DOUBLE_EQ(j.at("duration_s").get<double>(), 12.5);
    ASSERT_TRUE(j.at("sessions").is_object());
    EXPECT_EQ(j.at("sessions").at("honest"), 4);
    EXPECT_EQ(j.at("sessions").at("attack"), 20);
    EXPECT_DOUBLE_EQ(j.at("phases").at("honest_s").get<double>(), 1.5);
    EXPECT_DOUBLE_EQ(j.at("phases").at("attack_s").get<double>(), 10.25);
    EXPECT_EQ(j.at("attacks_run").at("replay"), 12);
    EXPECT_EQ(j.at("attacks_run").at("modify"), 8);

    ASSERT_TRUE(j.at("claims").is_array());
    ASSERT_EQ(j.at("claims").size(), 3U);
    for (const json& c : j.at("claims")) {
        EXPECT_TRUE(c.at("id").is_string());
        EXPECT_TRUE(c.at("statement").is_string());
        EXPECT_TRUE(c.at("paper_claim").is_string());
        EXPECT_TRUE(c.at("verdict").is_string());
        EXPECT_TRUE(c.at("attacks_tried").is_array());
        EXPECT_TRUE(c.at("finding_ids").is_array());
        EXPECT_TRUE(c.at("hardened_promises").is_boolean());
        EXPECT_TRUE(c.at("note").is_string());
        const std::set<std::string> verdicts = {"holds", "violated", "not-tested",
                                                "not-applicable"};
        EXPECT_EQ(verdicts.count(c.at("verdict").get<std::string>()), 1U);
    }
    EXPECT_EQ(j.at("claims")[0].at("verdict"), "violated");
    EXPECT_EQ(j.at("claims")[0].at("finding_ids"), json({"f-0001", "f-0002"}));
    EXPECT_EQ(j.at("claims")[2].at("verdict"), "not-tested");
    EXPECT_EQ(j.at("claims")[2].at("hardened_promises"), false);

    ASSERT_TRUE(j.at("findings").is_array());
    ASSERT_EQ(j.at("findings").size(), 2U);
    const json& f = j.at("findings")[0];
    EXPECT_EQ(f.at("id"), "f-0001");
    EXPECT_EQ(f.at("claim"), "injective:MTCd->MTCs");
    EXPECT_EQ(f.at("attack"), "replay M1 session 3 -> MTCs#0");
    EXPECT_TRUE(f.at("summary").is_string());
    EXPECT_EQ(f.at("trace"), "findings/f-0001/trace.json");
    EXPECT_EQ(f.at("pcap"), "findings/f-0001/trace.pcap");
    EXPECT_EQ(f.at("strategy"), "replay");
    EXPECT_EQ(f.at("dir"), "findings/f-0001");
    ASSERT_TRUE(f.at("transcript").is_array());
    ASSERT_EQ(f.at("transcript").size(), 3U);
    EXPECT_EQ(f.at("transcript")[1].at("from"), "Attacker");
    EXPECT_EQ(f.at("transcript")[1].at("note"), "replayed");
    ASSERT_TRUE(f.at("evidence").is_array());
    ASSERT_EQ(f.at("evidence").size(), 1U);
    const json& ev = f.at("evidence")[0];
    ASSERT_TRUE(ev.is_object());
    EXPECT_EQ(ev.at("kind"), "accept");
    EXPECT_EQ(ev.at("instance"), "MTCs#0");
    EXPECT_EQ(ev.at("params").at("MTCdNonce"), "00ff");
    EXPECT_TRUE(ev.at("ts").is_number());

    EXPECT_EQ(j.at("notes"), json({"budget exhausted after 20 attack sessions"}));
    EXPECT_TRUE(j.at("failure").is_null());
}

TEST(ReportJson, FailureIsAStringWhenSet) {
    CampaignReport r = sample_report();
    r.failure = "role MTCs#0 never started";
    EXPECT_EQ(to_json(r).at("failure"), "role MTCs#0 never started");
}

TEST(ReportJson, EmptyReportStillHasEveryMember) {
    const json j = json::parse(to_json(CampaignReport{}).dump());
    for (const char* k : {"campaign", "protocol", "variant", "seed", "started", "duration_s",
                          "sessions", "claims", "findings", "attacks_run", "notes", "failure"}) {
        EXPECT_TRUE(j.contains(k)) << k;
    }
    EXPECT_TRUE(j.at("claims").is_array());
    EXPECT_TRUE(j.at("findings").is_array());
    EXPECT_TRUE(j.at("attacks_run").is_object());
}

// ---------------------------------------------------------------------------------------
// report.sarif

TEST(ReportSarif, Structure) {
    const CampaignReport r = sample_report();
    const json s = json::parse(to_sarif(r));
    EXPECT_EQ(s.at("version"), "2.1.0");
    EXPECT_EQ(s.at("$schema"), "https://json.schemastore.org/sarif-2.1.0.json");
    ASSERT_EQ(s.at("runs").size(), 1U);
    const json& run = s.at("runs")[0];
    const json& driver = run.at("tool").at("driver");
    EXPECT_EQ(driver.at("name"), "mtcfuzz");
    EXPECT_EQ(driver.at("version"), "0.1.0");
    EXPECT_TRUE(driver.at("informationUri").is_string());

    const json& rules = driver.at("rules");
    ASSERT_EQ(rules.size(), r.claims.size());
    std::set<std::string> ids;
    for (const json& rule : rules) {
        EXPECT_TRUE(ids.insert(rule.at("id").get<std::string>()).second) << rule.at("id");
        EXPECT_TRUE(rule.at("shortDescription").at("text").is_string());
        EXPECT_TRUE(rule.at("fullDescription").at("text").is_string());
        EXPECT_TRUE(rule.at("help").at("text").is_string());
        EXPECT_EQ(rule.at("defaultConfiguration").at("level"), "error");
        EXPECT_EQ(rule.at("properties").at("precision"), "high");
        EXPECT_EQ(rule.at("properties").at("tags"), json({"security", "prose"}));
        EXPECT_TRUE(
            std::regex_match(rule.at("name").get<std::string>(), std::regex("[A-Z][A-Za-z0-9]*")))
            << rule.at("name");
    }
    EXPECT_EQ(rules[0].at("id"), "injective:MTCd->MTCs");
    EXPECT_EQ(rules[0].at("name"), "InjectiveMTCdToMTCs");
    EXPECT_EQ(rules[0].at("shortDescription").at("text"), r.claims[0].statement);
    EXPECT_EQ(rules[0].at("fullDescription").at("text"), r.claims[0].paper_claim);
    EXPECT_EQ(rules[0].at("properties").at("security-severity"), "8.0");
    EXPECT_EQ(rules[1].at("properties").at("security-severity"), "8.0");
    EXPECT_EQ(rules[2].at("name"), "GuessResistancePSKey");
    EXPECT_EQ(rules[2].at("properties").at("security-severity"), "7.5");

    const json& results = run.at("results");
    ASSERT_EQ(results.size(), r.findings.size());
    for (const json& res : results) {
        const std::string rule_id = res.at("ruleId");
        EXPECT_EQ(ids.count(rule_id), 1U);
        const std::size_t index = res.at("ruleIndex");
        ASSERT_LT(index, rules.size());
        EXPECT_EQ(rules[index].at("id"), rule_id);
        EXPECT_EQ(res.at("level"), "error");
        const json& loc = res.at("locations")[0].at("physicalLocation");
        EXPECT_EQ(loc.at("artifactLocation").at("uri"), "attacks/campaigns/prose_replay.toml");
        EXPECT_EQ(loc.at("artifactLocation").at("uriBaseId"), "%SRCROOT%");
        EXPECT_EQ(loc.at("region").at("startLine"), 1);
        EXPECT_TRUE(res.at("partialFingerprints").at("mtcfuzzFinding/v1").is_string());
        EXPECT_EQ(res.at("properties").at("strategy"), "replay");
        EXPECT_EQ(res.at("properties").at("variant"), "baseline");
    }
    EXPECT_EQ(results[0].at("message").at("text"),
              "MTCs#0 accepted one MTCd#0 run twice (attack: replay M1 session 3 -> MTCs#0; "
              "replay: mtcfuzz campaign replay findings/f-0001)");

    EXPECT_EQ(run.at("invocations")[0].at("executionSuccessful"), true);
    const json& verdicts = run.at("properties").at("verdicts");
    ASSERT_EQ(verdicts.size(), 3U);
    EXPECT_EQ(verdicts[0].at("claim"), "injective:MTCd->MTCs");
    EXPECT_EQ(verdicts[0].at("verdict"), "violated");
    EXPECT_EQ(verdicts[1].at("verdict"), "holds");
}

TEST(ReportSarif, FingerprintsAreStableAndDistinguishAttacks) {
    const CampaignReport r = sample_report();
    const json a = json::parse(to_sarif(r));
    const json b = json::parse(to_sarif(r));
    const auto fp = [](const json& s, std::size_t i) {
        return s.at("runs")[0].at("results")[i].at("partialFingerprints").at("mtcfuzzFinding/v1");
    };
    EXPECT_EQ(fp(a, 0), fp(b, 0));
    EXPECT_EQ(fp(a, 1), fp(b, 1));
    EXPECT_NE(fp(a, 0), fp(a, 1));

    // Independent of the run's accidents (seed, timing, finding ids), dependent on the variant.
    CampaignReport other = r;
    other.seed = 7;
    other.duration_s = 99;
    other.findings[0].id = "f-9999";
    EXPECT_EQ(fp(json::parse(to_sarif(other)), 0), fp(a, 0));
    other.variant = "hardened";
    EXPECT_NE(fp(json::parse(to_sarif(other)), 0), fp(a, 0));
}

TEST(ReportSarif, FailedRunAndUnknownClaim) {
    CampaignReport r = sample_report();
    r.failure = "hub crashed";
    r.findings.push_back(make_finding("f-0003", "liveness:roles", "crash MTCs#0"));
    const json s = json::parse(to_sarif(r));
    const json& run = s.at("runs")[0];
    EXPECT_EQ(run.at("invocations")[0].at("executionSuccessful"), false);
    const json& rules = run.at("tool").at("driver").at("rules");
    const json& last = run.at("results")[2];
    EXPECT_EQ(rules[last.at("ruleIndex").get<std::size_t>()].at("id"), "liveness:roles");
    EXPECT_EQ(
        rules[last.at("ruleIndex").get<std::size_t>()].at("properties").at("security-severity"),
        "6.0");
}

TEST(ReportSarif, HostileTextStaysValidJson) {
    CampaignReport r = sample_report();
    r.findings[0].summary = std::string("bad \xff\xfe utf-8 \"quoted\"\n");
    const json s = json::parse(to_sarif(r));
    EXPECT_THAT(s.at("runs")[0].at("results")[0].at("message").at("text").get<std::string>(),
                HasSubstr("quoted"));
}

// ---------------------------------------------------------------------------------------
// report.md

// Lines of `text` between "```mermaid" and the closing "```", one block after another.
std::vector<std::vector<std::string>> mermaid_blocks(const std::string& text) {
    std::vector<std::vector<std::string>> blocks;
    std::istringstream in(text);
    std::string line;
    bool inside = false;
    while (std::getline(in, line)) {
        if (!inside && line == "```mermaid") {
            inside = true;
            blocks.emplace_back();
        } else if (inside && line == "```") {
            inside = false;
        } else if (inside) {
            blocks.back().push_back(line);
        }
    }
    EXPECT_FALSE(inside) << "unterminated mermaid block";
    return blocks;
}

// Checks the diagram's grammar as far as a label can break it: a header, participant lines
// (id of [A-Za-z0-9_], optional alias), then messages and notes between declared ids, and no
// label holding a character Mermaid's lexer stops at.
void expect_valid_sequence(const std::vector<std::string>& lines) {
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines[0], "sequenceDiagram");
    const std::regex participant(R"(    participant ([A-Za-z_][A-Za-z0-9_]*)( as (.+))?)");
    const std::regex message(R"(    ([A-Za-z0-9_]+)->>([A-Za-z0-9_]+): (.+))");
    const std::regex note(R"(    Note over ([A-Za-z0-9_]+): (.+))");
    // A label: only entity codes may hold '#' and ';'.
    const auto expect_clean = [](const std::string& text, const std::string& line) {
        const std::string stripped = std::regex_replace(text, std::regex("#[A-Za-z0-9]+;"), "");
        EXPECT_EQ(stripped.find_first_of("#;%<>\"`{}"), std::string::npos) << line;
    };
    std::set<std::string> declared;
    bool body = false;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const std::string& l = lines[i];
        std::smatch m;
        if (std::regex_match(l, m, participant)) {
            EXPECT_FALSE(body) << "participant after the first message: " << l;
            EXPECT_TRUE(declared.insert(m[1]).second) << "declared twice: " << l;
            if (m[3].matched) expect_clean(m[3], l);
            continue;
        }
        body = true;
        std::string text;
        if (std::regex_match(l, m, message)) {
            EXPECT_EQ(declared.count(m[1]), 1U) << l;
            EXPECT_EQ(declared.count(m[2]), 1U) << l;
            text = m[3];
        } else if (std::regex_match(l, m, note)) {
            EXPECT_EQ(declared.count(m[1]), 1U) << l;
            text = m[2];
        } else {
            ADD_FAILURE() << "not a participant, message or note: " << l;
            continue;
        }
        expect_clean(text, l);
    }
}

TEST(ReportMarkdown, ClaimsTableAndFindings) {
    const CampaignReport r = sample_report();
    const std::string md = to_markdown(r);
    EXPECT_THAT(md, HasSubstr("# Campaign prose-replay: prose (baseline)\n"));
    EXPECT_THAT(md, HasSubstr("Seed: 42"));
    EXPECT_THAT(md, HasSubstr("12.5 s"));
    EXPECT_THAT(md, HasSubstr("4 honest, 20 attack (honest phase 1.5 s, attack phase 10.2 s)"));
    EXPECT_THAT(md, HasSubstr("| claim | paper says | verdict | evidence |\n|---|---|---|---|\n"));
    EXPECT_THAT(md, HasSubstr("| injective:MTCd-&gt;MTCs | \"MTCdNonce and MTCsNonce mitigate "
                              "replay attacks\" (section V) | **violated** | f-0001, f-0002 |\n"));
    EXPECT_THAT(md, HasSubstr("| secrecy:DMKey | DMKey is secret (section V) | holds | attacks "
                              "tried: replay (12 sessions), modify (8 sessions) |\n"));
    EXPECT_THAT(md, HasSubstr("| guess-resistance:PSKey | Dolev-Yao threat model | not-tested | "
                              "no guess attack in this campaign |\n"));
    EXPECT_THAT(md, HasSubstr("### Finding f-0001"));
    EXPECT_THAT(md, HasSubstr("`mtcfuzz campaign replay findings/f-0001`"));
    EXPECT_THAT(md, HasSubstr("replay M1 session 3 -&gt; MTCs\\#0"));

    const auto blocks = mermaid_blocks(md);
    ASSERT_EQ(blocks.size(), 2U);
    for (const auto& b : blocks) expect_valid_sequence(b);
}

TEST(ReportMarkdown, MermaidParticipantsInOrderOfAppearance) {
    const std::string m = mermaid_sequence(make_finding("f", "c", "a"));
    EXPECT_EQ(m,
              "sequenceDiagram\n"
              "    participant MTCd_0 as MTCd#35;0\n"
              "    participant MTCs_0 as MTCs#35;0\n"
              "    participant Attacker\n"
              "    MTCd_0->>MTCs_0: M1\n"
              "    Attacker->>MTCs_0: M1 (replayed)\n"
              "    Note over MTCs_0: accept\n");
}

TEST(ReportMarkdown, MermaidIdsAreUniqueAndNotKeywords) {
    Finding f;
    f.transcript = {{0, "a#1", "a_1", "M1", "", false},
                    {0, "end", "9lives", "M2", "", false},
                    {0, "", "a#1", "M3", "", false}};
    const std::string m = mermaid_sequence(f);
    EXPECT_THAT(m, HasSubstr("participant a_1 as a#35;1\n"));
    EXPECT_THAT(m, HasSubstr("participant a_1_2 as a_1\n"));
    EXPECT_THAT(m, HasSubstr("participant p_end as end\n"));
    EXPECT_THAT(m, HasSubstr("participant p_9lives as 9lives\n"));
    EXPECT_THAT(m, HasSubstr("    a_1->>a_1_2: M1\n"));
    std::istringstream in(m);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    expect_valid_sequence(lines);
}

TEST(ReportMarkdown, HostileLabelsAreEscaped) {
    CampaignReport r = sample_report();
    const std::string hostile = "a|b\nc;#<>\"`%%{init: {}}%%";
    r.claims[0].paper_claim = hostile;
    r.claims[2].note = "x|y\r\nz";
    r.findings[0].summary = hostile;
    r.findings[0].transcript.push_back({4000, "Attacker", "MTCd#0", hostile, hostile, false});
    r.findings[0].transcript.push_back({5000, "MTCd#0", "", "reject", hostile, true});
    r.findings[0].transcript.push_back({6000, "evil;#\nname", "MTCd#0", "M2", "", false});
    const std::string md = to_markdown(r);

    // Table: every claim row keeps exactly its five unescaped pipes and stays on one line.
    std::istringstream in(md);
    std::size_t rows = 0;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("| ", 0) != 0 || line.rfind("| claim ", 0) == 0) continue;
        ++rows;
        std::size_t pipes = 0;
        for (std::size_t i = 0; i < line.size(); ++i) {
            if (line[i] == '|' && (i == 0 || line[i - 1] != '\\')) ++pipes;
        }
        EXPECT_EQ(pipes, 5U) << line;
    }
    EXPECT_EQ(rows, r.claims.size());
    EXPECT_THAT(md, HasSubstr("a\\|b<br>c;\\#&lt;&gt;\"\\`%%{init: {}}%%"));
    EXPECT_THAT(md, HasSubstr("x\\|y<br>z"));

    const auto blocks = mermaid_blocks(md);
    ASSERT_EQ(blocks.size(), 2U);
    for (const auto& b : blocks) expect_valid_sequence(b);
    const std::string diagram = mermaid_sequence(r.findings[0]);
    EXPECT_THAT(diagram, Not(HasSubstr("%%")));
    EXPECT_THAT(diagram, HasSubstr("a|b c#59;#35;#lt;#gt;#quot;#96;#37;#37;#123;init: "));
    EXPECT_THAT(diagram, HasSubstr("participant evil___name as evil#59;#35; name\n"));
    // The diagram block is closed by its own fence, not by a label.
    EXPECT_EQ(diagram.find("```"), std::string::npos);
}

TEST(ReportMarkdown, FailureAndNotes) {
    CampaignReport r = sample_report();
    r.failure = "hub crashed";
    const std::string md = to_markdown(r);
    EXPECT_THAT(md, HasSubstr("the run failed"));
    EXPECT_THAT(md, HasSubstr("hub crashed"));
    EXPECT_THAT(md, HasSubstr("- budget exhausted after 20 attack sessions\n"));
}

// ---------------------------------------------------------------------------------------
// write_reports, exit codes

TEST(ReportWrite, WritesThreeFilesAtomically) {
    TempDir dir;
    const CampaignReport r = sample_report();
    const Status s = write_reports(r, dir.path().string());
    ASSERT_TRUE(s.ok()) << s.error().describe();
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir.path())) {
        names.insert(e.path().filename().string());
    }
    EXPECT_EQ(names, (std::set<std::string>{"report.json", "report.md", "report.sarif"}));
    const json j = json::parse(slurp(dir.file("report.json")));
    EXPECT_EQ(j.at("campaign"), "prose-replay");
    EXPECT_THAT(slurp(dir.file("report.json")), HasSubstr("\n  \"format\": \"mtcfuzz-report/1\""));
    EXPECT_EQ(json::parse(slurp(dir.file("report.sarif"))).at("version"), "2.1.0");
    EXPECT_EQ(slurp(dir.file("report.md")), to_markdown(r));

    // Rewriting replaces the files, still without leftovers.
    ASSERT_TRUE(write_reports(r, dir.path().string()).ok());
    EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator{}), 3);
}

TEST(ReportWrite, CreatesTheDirectoryAndReportsErrors) {
    TempDir dir;
    ASSERT_TRUE(write_reports(sample_report(), dir.file("a/b")).ok());
    EXPECT_TRUE(fs::exists(dir.file("a/b/report.md")));

    std::ofstream(dir.file("plain")) << "x";
    const Status bad = write_reports(sample_report(), dir.file("plain"));
    ASSERT_FALSE(bad.ok());
    EXPECT_THAT(bad.error().describe(), HasSubstr("plain"));
}

TEST(ReportExitCode, FollowsDesign) {
    CampaignReport r = sample_report();
    EXPECT_EQ(exit_code(r), 1);
    r.claims[0].verdict = Verdict::holds;
    EXPECT_EQ(exit_code(r), 0);  // not-tested claims do not fail a run
    r.claims[1].verdict = Verdict::not_applicable;
    EXPECT_EQ(exit_code(r), 0);
    r.failure = "hub crashed";
    EXPECT_EQ(exit_code(r), 3);
    r.claims[0].verdict = Verdict::violated;
    EXPECT_EQ(exit_code(r), 3);
    EXPECT_EQ(exit_code(CampaignReport{}), 0);
}

}  // namespace
}  // namespace mtc::report

// ---------------------------------------------------------------------------------------
// harness/pcap/window

namespace mtc::pcap {
namespace {

using ::testing::HasSubstr;

struct Collect final : PayloadSink {
    std::vector<std::pair<std::int64_t, std::string>> got;
    void on_payload(const Payload& p) override {
        got.emplace_back(p.ts_us, std::string(p.data.begin(), p.data.end()));
    }
    void on_issue(const DecodeIssue& issue) override { ADD_FAILURE() << issue.reason; }
};

TEST(PcapWindow, CopiesExactlyThePacketsInTheWindow) {
    mtc::report::TempDir dir;
    const std::string in = dir.file("traffic.pcap");
    const std::string out = dir.file("trace.pcap");
    {
        auto w = PcapWriter::create(in);
        ASSERT_TRUE(w.ok()) << w.error().describe();
        const Endpoint4 a = Endpoint4::from_host(0x7f000001, 9000);
        const Endpoint4 b = Endpoint4::from_host(0x7f000002, 9001);
        const std::int64_t base = 1'735'689'600'000'000;
        for (std::int64_t i = 0; i < 6; ++i) {
            const std::string payload = "packet-" + std::to_string(i);
            (*w)->udp(base + i * 1'000'000 + 17, a, b, view(payload));
        }
        ASSERT_TRUE((*w)->commit().ok());
    }
    const std::int64_t base = 1'735'689'600'000'000;
    // Inclusive at both ends: packets 1, 2 and 3.
    const Status s = copy_window(in, out, base + 1'000'017, base + 3'000'017);
    ASSERT_TRUE(s.ok()) << s.error().describe();

    Collect c;
    auto stats = read_pcap(out, c);
    ASSERT_TRUE(stats.ok()) << stats.error().describe();
    ASSERT_EQ(c.got.size(), 3U);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(c.got[i].first, base + static_cast<std::int64_t>(i + 1) * 1'000'000 + 17);
        EXPECT_EQ(c.got[i].second, "packet-" + std::to_string(i + 1));
    }
    auto r = PcapReader::open(out);
    ASSERT_TRUE(r.ok());
    auto r_in = PcapReader::open(in);
    ASSERT_TRUE(r_in.ok());
    EXPECT_EQ((*r)->link_type(), (*r_in)->link_type());

    // An empty window gives a valid capture with no packets; no temporaries are left.
    ASSERT_TRUE(copy_window(in, out, base + 10'000'000, base + 20'000'000).ok());
    Collect none;
    ASSERT_TRUE(read_pcap(out, none).ok());
    EXPECT_TRUE(none.got.empty());
    std::set<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
        names.insert(e.path().filename().string());
    }
    EXPECT_EQ(names, (std::set<std::string>{"traffic.pcap", "trace.pcap"}));
}

TEST(PcapWindow, MissingInputNamesTheFile) {
    mtc::report::TempDir dir;
    const std::string in = dir.file("no-such.pcap");
    const Status s = copy_window(in, dir.file("out.pcap"), 0, 1);
    ASSERT_FALSE(s.ok());
    EXPECT_THAT(s.error().describe(), HasSubstr(in));
    EXPECT_FALSE(std::filesystem::exists(dir.file("out.pcap")));
}

TEST(PcapWindow, UnwritableOutputNamesTheFile) {
    mtc::report::TempDir dir;
    const std::string in = dir.file("traffic.pcap");
    {
        auto w = PcapWriter::create(in);
        ASSERT_TRUE(w.ok());
        ASSERT_TRUE((*w)->commit().ok());
    }
    const std::string out = dir.file("missing-dir/out.pcap");
    const Status s = copy_window(in, out, 0, 1);
    ASSERT_FALSE(s.ok());
    EXPECT_THAT(s.error().describe(), HasSubstr("missing-dir/out.pcap"));
}

}  // namespace
}  // namespace mtc::pcap
