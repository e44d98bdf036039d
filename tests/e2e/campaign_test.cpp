// End-to-end campaigns against live role processes: the ProSe findings the paper's
// as-specified protocol must yield, nothing on hardened, and for each strategy a deliberately
// weakened role (one named check removed, test builds only) that the strategy must catch while
// the same strategy raises nothing against the intact hardened role.
#include <filesystem>
#include <set>

#include "tests/e2e/campaign_helpers.hpp"

namespace mtc::e2e {
namespace {

using json = nlohmann::json;

using Campaign = CampaignRun;

// Writes a ProSe campaign file and runs it.
Campaign run(const std::string& tag, const std::string& variant, const std::string& attacks,
             const std::string& weaken = "", const std::string& honest = "sessions = 2") {
    return run_campaign(
        tag, "[campaign]\nname = \"" + tag + "\"\nprotocol = \"prose\"\nseed = 7\n" +
                 "[deployment]\nvariant = \"" + variant + "\"\n" +
                 "instances = { MTCd = 2, UE = 3, MTCs = 1 }\ninsiders = [\"UE#2\"]\n" +
                 (weaken.empty() ? "" : "weaken = " + weaken + "\n") + "[honest]\n" + honest +
                 "\n[budget]\nseconds = 120\nsessions = 400\n" + attacks);
}

TEST(Campaign, AsSpecifiedProseInsiderReplayGivesTheDMKeyOfARunTheMtcdNeverMade) {
    auto c = run("as-specified", "as-specified",
                 "[[attack]]\nstrategy = \"replay\"\n[[attack]]\nstrategy = \"modify\"\n"
                 "only = [\"bitflip\", \"drop\"]\n");
    ASSERT_TRUE(c.report.is_object()) << diag(c);
    EXPECT_EQ(c.cmd.code, 1) << diag(c);
    // The insider UE replays a captured M1 as M2 over its own TLS link: the MTCs derives a
    // fresh DMKey for a run the MTCd never made and hands it to the insider.
    const auto secrecy = findings(c.report, "secrecy:DMKey", "replay");
    ASSERT_FALSE(secrecy.empty()) << c.report["findings"].dump(1);
    EXPECT_NE(secrecy.front()["attack"].get<std::string>().find("insider"), std::string::npos);
    EXPECT_EQ(verdict(c.report, "injective:MTCd->MTCs"), "violated");
    EXPECT_EQ(verdict(c.report, "secrecy:DMKey"), "violated");
    // Claims the attacks did not break are reported holding, with the attacks tried.
    EXPECT_EQ(verdict(c.report, "agreement:MTCd->MTCs"), "holds");
    EXPECT_EQ(verdict(c.report, "liveness:roles"), "holds");
    for (const auto& cl : c.report["claims"]) {
        if (cl["verdict"] == "holds") EXPECT_FALSE(cl["attacks_tried"].empty()) << cl.dump();
    }
    // Every finding has its trace and capture; the report draws it.
    const std::string fdir = c.dir + "/out/" + secrecy.front()["trace"].get<std::string>();
    EXPECT_TRUE(std::filesystem::exists(fdir));
    const std::string id = secrecy.front()["id"];
    EXPECT_TRUE(std::filesystem::exists(c.dir + "/out/findings/" + id + "/trace.pcap"));
    const std::string md = slurp(c.dir + "/out/report.md");
    EXPECT_NE(md.find("sequenceDiagram"), std::string::npos);
    EXPECT_NE(md.find(id), std::string::npos);
    EXPECT_TRUE(json::parse(slurp(c.dir + "/out/report.sarif"), nullptr, false).is_object());
    EXPECT_FALSE(slurp(c.dir + "/out/events.jsonl").empty());
    EXPECT_GT(std::filesystem::file_size(c.dir + "/out/traffic.pcap"), 24u);
    // No key in clear anywhere in the outputs: events carry fingerprints only.
    // The finding replays on a fresh deployment.
    auto replay = mtcfuzz("campaign replay " + c.dir + "/out/findings/" + id);
    EXPECT_EQ(replay.code, 1) << replay.out << replay.err;
    EXPECT_NE(replay.out.find("reproduced"), std::string::npos) << replay.out;
}

TEST(Campaign, HardenedProseHoldsEveryClaim) {
    auto c = run("hardened", "hardened",
                 "[[attack]]\nstrategy = \"replay\"\n[[attack]]\nstrategy = \"relay\"\n"
                 "[[attack]]\nstrategy = \"mitm\"\n[[attack]]\nstrategy = \"modify\"\n"
                 "only = [\"bitflip\", \"swap\", \"own-nonce\", \"drop\", \"reorder\"]\n");
    ASSERT_TRUE(c.report.is_object()) << diag(c);
    EXPECT_EQ(c.cmd.code, 0) << diag(c) << c.report["findings"].dump(1);
    EXPECT_TRUE(c.report["findings"].empty()) << c.report["findings"].dump(1);
    for (const auto& cl : c.report["claims"]) {
        if (cl["id"].get<std::string>().rfind("guess-resistance", 0) == 0) continue;
        EXPECT_EQ(cl["verdict"], "holds") << cl.dump();
    }
}

// One strategy against one removed check: caught on the weakened role, silent on the intact one.
struct WeakCase {
    const char* name;
    const char* attacks;
    const char* weaken;
    const char* claim;
    const char* strategy;
};

class WeakenedRole : public ::testing::TestWithParam<WeakCase> {};

TEST_P(WeakenedRole, StrategyCatchesTheMissingCheckAndIsSilentWithIt) {
    const WeakCase& w = GetParam();
    auto weak = run(std::string("weak-") + w.name, "hardened", w.attacks, w.weaken);
    ASSERT_TRUE(weak.report.is_object()) << diag(weak);
    EXPECT_EQ(weak.cmd.code, 1) << diag(weak);
    EXPECT_FALSE(findings(weak.report, w.claim, w.strategy).empty())
        << weak.report["findings"].dump(1) << diag(weak);

    auto intact = run(std::string("intact-") + w.name, "hardened", w.attacks);
    ASSERT_TRUE(intact.report.is_object()) << diag(intact);
    EXPECT_EQ(intact.cmd.code, 0) << diag(intact);
    EXPECT_TRUE(intact.report["findings"].empty()) << intact.report["findings"].dump(1);
}

INSTANTIATE_TEST_SUITE_P(
    Strategies, WeakenedRole,
    ::testing::Values(
        WeakCase{"replay", "[[attack]]\nstrategy = \"replay\"\nonly = [\"same-later\"]\n",
                 "{ MTCs = [\"nonce-record\"] }", "injective:MTCd->MTCs", "replay"},
        WeakCase{"modify", "[[attack]]\nstrategy = \"modify\"\nonly = [\"bitflip\"]\n",
                 "{ MTCs = [\"MTCdMIC\"] }", "agreement:MTCd->MTCs", "modify"},
        WeakCase{"relay", "[[attack]]\nstrategy = \"relay\"\nonly = [\"insider-forward\"]\n",
                 "{ MTCs = [\"ue-binding\"] }", "secrecy:DMKey", "relay"},
        WeakCase{"mitm", "[[attack]]\nstrategy = \"mitm\"\nonly = [\"substitute\"]\n",
                 "{ MTCd = [\"MTCsMIC\"] }", "agreement:MTCs->MTCd", "mitm"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Campaign, MessagesLoadedFromACaptureAreReplayed) {
    // A first campaign's capture, loaded by a second one with the same seed (same keys) and
    // no honest runs of its own: the captured M1 replayed to the UE is accepted by the
    // as-specified MTCs for a run its MTCd never began.
    auto first =
        run("capture", "as-specified", "[[attack]]\nstrategy = \"relay\"\nonly = [\"reflect\"]\n");
    ASSERT_TRUE(first.report.is_object()) << diag(first);
    auto second = run("from-pcap", "as-specified",
                      "[[attack]]\nstrategy = \"replay\"\nonly = [\"captured\"]\n", "",
                      "sessions = 0\npcap = \"" + first.dir + "/out/traffic.pcap\"");
    ASSERT_TRUE(second.report.is_object()) << diag(second);
    EXPECT_EQ(second.cmd.code, 1) << diag(second);
    bool captured = false;
    for (const auto& f : second.report["findings"])
        captured = captured || f["attack"].get<std::string>().rfind("replay/captured/M1", 0) == 0;
    EXPECT_TRUE(captured) << second.report["findings"].dump(1);
}

TEST(Campaign, AKilledRoleIsALivenessFindingAndIsRestarted) {
    // The MTCs is killed from outside while the campaign's honest runs go on: the supervisor
    // records it, restarts it, and the attacks still run against the new process.
    const std::string dir = temp_dir("liveness");
    const std::string file = dir + "/c.toml";
    std::ofstream(file) << "[campaign]\nname = \"liveness\"\nprotocol = \"prose\"\n"
                        << "[deployment]\ninstances = { MTCd = 2, UE = 3, MTCs = 1 }\n"
                        << "[honest]\nsessions = 1500\n[budget]\nseconds = 120\nsessions = 5\n"
                        << "[[attack]]\nstrategy = \"replay\"\n";
    // MTCs#0 is instance 6 of 6: it listens on 127.77.41.6.
    const Cmd c = sh("(sleep 1.5; pkill -KILL -f '[r]ole prose MTCs --bind 127.77.41.6:4242') & " +
                     std::string(MTCFUZZ_BIN) + " campaign run " + file + " -o " + dir +
                     "/out --quiet --addr-prefix 127.77.41; rc=$?; wait; exit $rc");
    const json r = json::parse(slurp(dir + "/out/report.json"), nullptr, false);
    ASSERT_TRUE(r.is_object()) << c.err << c.out;
    EXPECT_EQ(c.code, 1) << c.err;
    EXPECT_EQ(verdict(r, "liveness:roles"), "violated") << r["notes"].dump(1);
    EXPECT_NE(r["notes"].dump().find("restarted MTCs#0"), std::string::npos) << r["notes"].dump(1);
    EXPECT_GT(r["sessions"]["attack"].get<int>(), 0);
}

TEST(Campaign, SameSeedSameFindings) {
    const char* attacks = "[[attack]]\nstrategy = \"replay\"\n";
    auto a = run("seed-a", "as-specified", attacks);
    auto b = run("seed-b", "as-specified", attacks);
    ASSERT_TRUE(a.report.is_object() && b.report.is_object()) << diag(a) << diag(b);
    std::set<std::string> fa, fb;
    for (const auto& f : a.report["findings"]) fa.insert(f["id"].get<std::string>());
    for (const auto& f : b.report["findings"]) fb.insert(f["id"].get<std::string>());
    EXPECT_FALSE(fa.empty());
    EXPECT_EQ(fa, fb);
}

}  // namespace
}  // namespace mtc::e2e
