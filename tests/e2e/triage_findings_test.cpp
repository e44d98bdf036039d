// End-to-end findings triage on real campaign reports: two as-specified ProSe campaigns with
// different seeds find the same attacks, which merge into one bucket each; a baseline marks
// them known, so only a bucket missing from it is new; an unreadable report is listed with
// its reason, a bad baseline refused.
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/e2e/campaign_helpers.hpp"

namespace mtc::e2e {
namespace {

using json = nlohmann::json;

CampaignRun prose_replay(const std::string& tag, int seed) {
    return run_campaign(tag, "[campaign]\nname = \"" + tag +
                                 "\"\nprotocol = \"prose\"\nseed = " + std::to_string(seed) +
                                 "\n[deployment]\nvariant = \"as-specified\"\n"
                                 "instances = { MTCd = 1, UE = 2, MTCs = 1 }\n"
                                 "[honest]\nsessions = 2\n[budget]\nseconds = 120\n"
                                 "[[attack]]\nstrategy = \"replay\"\n");
}

json triage(const std::string& args, Cmd& cmd, const std::string& out) {
    cmd = mtcfuzz("triage findings -o " + out + " " + args);
    return json::parse(slurp(out + "/triage.json"), nullptr, false);
}

TEST(TriageFindings, MergedByAttackShortestTraceKeptNewOnlyAgainstTheBaseline) {
    const CampaignRun a = prose_replay("tf-a", 1), b = prose_replay("tf-b", 2);
    ASSERT_EQ(a.cmd.code, 1) << a.cmd.err;  // the as-specified protocol has findings
    ASSERT_EQ(b.cmd.code, 1) << b.cmd.err;
    const std::string dir = temp_dir("tf");
    const std::string reports = a.dir + "/out " + b.dir + "/out";

    Cmd c;
    json j = triage(reports, c, dir + "/t1");
    ASSERT_TRUE(j.is_object()) << c.err;
    EXPECT_EQ(c.code, 1) << c.out;  // no baseline: everything is new
    EXPECT_EQ(j["reports"], 2);
    ASSERT_FALSE(j["buckets"].empty());
    EXPECT_EQ(j["new"], j["buckets"].size());
    std::size_t findings = 0;
    bool merged = false;
    for (const auto& bk : j["buckets"]) {
        EXPECT_EQ(bk["protocol"], "prose");
        findings += bk["findings"].size();
        merged = merged || bk["findings"].size() == 2;
        // The kept trace is the shortest of the bucket's.
        for (const auto& f : bk["findings"]) EXPECT_LE(bk["shortest"]["steps"], f["steps"]);
    }
    EXPECT_EQ(findings, a.report["findings"].size() + b.report["findings"].size());
    EXPECT_TRUE(merged) << "the two campaigns share no attack:\n" << j.dump(2);

    // Every bucket into the baseline: nothing new any more.
    const std::string baseline = dir + "/baseline.json";
    triage("--baseline " + baseline + " --update-baseline " + reports, c, dir + "/t2");
    EXPECT_EQ(c.code, 0) << c.out << c.err;
    j = triage("--baseline " + baseline + " " + reports, c, dir + "/t3");
    EXPECT_EQ(c.code, 0) << c.out << c.err;
    EXPECT_EQ(j["new"], 0);

    // A bucket dropped from the baseline is new again, and only that one.
    json bl = json::parse(slurp(baseline));
    const std::string dropped = bl["known"][0]["id"];
    bl["known"].erase(0);
    std::ofstream(baseline) << bl.dump(2);
    j = triage("--baseline " + baseline + " " + reports, c, dir + "/t4");
    EXPECT_EQ(c.code, 1) << c.out;
    EXPECT_EQ(j["new"], 1);
    EXPECT_EQ(j["buckets"][0]["id"], dropped);  // new buckets first
    EXPECT_EQ(j["buckets"][0]["status"], "new");
    const json sarif = json::parse(slurp(dir + "/t4/triage.sarif"), nullptr, false);
    ASSERT_TRUE(sarif.is_object());
    EXPECT_EQ(sarif["runs"][0]["results"][0]["baselineState"], "new");
    EXPECT_EQ(sarif["runs"][0]["results"][0]["partialFingerprints"]["mtcfuzzFinding/v1"], dropped);
}

TEST(TriageFindings, UnreadableReportsAndBadBaselinesAreNamed) {
    const std::string dir = temp_dir("tf-bad");
    std::filesystem::create_directories(dir + "/cut");
    std::ofstream(dir + "/cut/report.json") << "{\"format\": \"mtcfuzz-report/1\", \"findi";
    Cmd c;
    const json j = triage(dir + "/cut", c, dir + "/out");
    EXPECT_EQ(c.code, 3) << c.out;  // no report read at all
    ASSERT_TRUE(j.is_object());
    ASSERT_EQ(j["unreadable"].size(), 1u);
    EXPECT_NE(j["unreadable"][0]["reason"].get<std::string>().find("truncated"), std::string::npos);

    std::ofstream(dir + "/baseline.json") << "{\"format\": \"something-else\"}";
    c = mtcfuzz("triage findings -o " + dir + "/out2 --baseline " + dir + "/baseline.json " + dir +
                "/cut");
    EXPECT_EQ(c.code, 2);
    EXPECT_NE(c.err.find(dir + "/baseline.json"), std::string::npos) << c.err;
    EXPECT_EQ(mtcfuzz("triage findings -o " + dir + "/o3 " + dir + "/nothing-here").code, 2);
    EXPECT_EQ(mtcfuzz("triage findings -o " + dir + "/o4 --update-baseline " + dir + "/cut").code,
              2);
}

}  // namespace
}  // namespace mtc::e2e
