// End-to-end key guessing: the built-in weak-key campaigns against live processes. ProSe: one
// captured M1 gives the PIN off line, and the recovered PSKey every captured DMKey; the MTCs
// rejects every forged M1 on line. SGA: the insider's opened B1 gives another device's PIN, and
// its k_d opens a run between two honest devices. With full-entropy keys the same search finds
// nothing and the claim holds with the measured rate. `mtcfuzz guess` on a live capture.
#include "tests/e2e/campaign_helpers.hpp"

namespace mtc::e2e {
namespace {

using json = nlohmann::json;

CampaignRun builtin(const std::string& name, const std::string& variant) {
    CampaignRun c;
    c.dir = temp_dir("guess-" + name);
    c.cmd = mtcfuzz("campaign run builtin:" + name + " -o " + c.dir + "/out --quiet --variant " +
                    variant);
    c.report = json::parse(slurp(c.dir + "/out/report.json"), nullptr, false);
    c.events = slurp(c.dir + "/out/events.jsonl");
    return c;
}

std::string note(const json& report, const std::string& claim) {
    for (const auto& c : report["claims"]) {
        if (c["id"] == claim) return c.value("note", "");
    }
    return "";
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST(GuessCampaign, ProseWeakKeyPinFoundOffLineAndEveryOnLineGuessRejected) {
    auto c = builtin("prose-weak-key", "as-specified");
    ASSERT_TRUE(c.report.is_object()) << diag(c);
    EXPECT_EQ(c.cmd.code, 1) << diag(c);
    EXPECT_EQ(verdict(c.report, "guess-resistance:PSKey"), "violated") << diag(c);
    const auto offline = findings(c.report, "guess-resistance:PSKey", "guess");
    ASSERT_FALSE(offline.empty()) << diag(c);
    EXPECT_EQ(offline[0]["attack"], "guess/offline/PSKey");
    // The guessed PSKey gives the DMKey of the captured runs: a secrecy finding of the guess.
    EXPECT_EQ(verdict(c.report, "secrecy:DMKey"), "violated") << diag(c);
    EXPECT_FALSE(findings(c.report, "secrecy:DMKey", "guess").empty()) << diag(c);
    // On line, the MTCs checks MTCdMIC: every forged M1 is rejected.
    const std::string n = note(c.report, "guess-resistance:PSKey");
    EXPECT_TRUE(has(n, "20 rejected (every failed guess detected)")) << n;
    // The PIN never appears in the reports: the hit is named by its fingerprint.
    EXPECT_TRUE(has(n, "fingerprint")) << n;

    const Cmd r = mtcfuzz("campaign replay " + c.dir + "/out/findings/" +
                          offline[0]["id"].get<std::string>());
    EXPECT_EQ(r.code, 1) << r.out << r.err;
}

TEST(GuessCampaign, FullEntropyKeysHoldWithTheMeasuredRate) {
    auto c = run_campaign("guess-full", R"([campaign]
name = "prose-full-entropy"
protocol = "prose"
[deployment]
instances = { MTCd = 1, UE = 1, MTCs = 1 }
[honest]
sessions = 1
[[attack]]
strategy = "guess"
[claims]
check = ["guess-resistance:PSKey", "secrecy:DMKey"]
)");
    ASSERT_TRUE(c.report.is_object()) << diag(c);
    EXPECT_EQ(c.cmd.code, 0) << diag(c);
    EXPECT_EQ(verdict(c.report, "guess-resistance:PSKey"), "holds") << diag(c);
    const std::string n = note(c.report, "guess-resistance:PSKey");
    EXPECT_TRUE(has(n, "exhausted")) << n;
    EXPECT_TRUE(has(n, "a full-entropy 128-bit key at")) << n;
    EXPECT_TRUE(has(n, "years to search")) << n;
}

TEST(GuessCampaign, SgaInsiderGuessesAnotherDevicesPinAndOpensAnAllHonestRun) {
    auto c = builtin("sga-weak-key", "as-specified");
    ASSERT_TRUE(c.report.is_object()) << diag(c);
    EXPECT_EQ(c.cmd.code, 1) << diag(c);
    EXPECT_EQ(verdict(c.report, "guess-resistance:k_d"), "violated") << diag(c);
    bool insider = false;
    for (const auto& f : findings(c.report, "guess-resistance:k_d", "guess")) {
        insider = insider || has(f["summary"].get<std::string>(), "in B1");
    }
    EXPECT_TRUE(insider) << diag(c);
    // The recovered k_d0 opens the A2 of the run Device#2 starts with Device#0: the server's kt
    // with an honest d_i whose partner is honest too.
    bool honest_pair = false;
    for (const auto& f : findings(c.report, "secrecy:kt", "guess")) {
        honest_pair = honest_pair || has(f["summary"].get<std::string>(), "honest peer dev-2");
    }
    EXPECT_TRUE(honest_pair) << diag(c);
    // On line, the server cannot tell a wrong k_d in a forged A1: no reject, and it answers.
    const auto online = findings(c.report, "guess-resistance:k_d", "guess");
    bool undetected = false;
    for (const auto& f : online) {
        undetected = undetected || (f["attack"] == "guess/online/k_d->SGA" &&
                                    has(f["summary"].get<std::string>(), "0 rejected"));
    }
    EXPECT_TRUE(undetected) << diag(c);
}

TEST(GuessCampaign, SgaHardenedRejectsEveryOnLineGuessButRegStaysAVerifier) {
    auto c = builtin("sga-weak-key", "hardened");
    ASSERT_TRUE(c.report.is_object()) << diag(c);
    // MAC_A under kt_i: a wrong k_d gives the server a wrong kt_i, and it rejects the A1.
    const std::string n = note(c.report, "guess-resistance:k_d");
    EXPECT_TRUE(has(n, "20 rejected (every failed guess detected)")) << n;
    EXPECT_TRUE(findings(c.report, "guess-resistance:k_d", "guess").size() >= 1) << diag(c);
    for (const auto& f : findings(c.report, "guess-resistance:k_d", "guess")) {
        // Off line, Reg's E^x_k_d(ID_d) is still a verifier (not promised by hardened); no
        // on-line finding and no insider B1 verifier.
        EXPECT_EQ(f["attack"], "guess/offline/k_d") << diag(c);
        EXPECT_TRUE(has(f["summary"].get<std::string>(), "in Reg")) << diag(c);
    }
    // What the guessed k_d opens on hardened carries no kt: kt stays secret.
    EXPECT_EQ(verdict(c.report, "secrecy:kt"), "holds") << diag(c);
}

TEST(GuessCli, RecoversThePinFromALiveCaptureAndRevealsItOnlyWhenAsked) {
    const std::string dir = temp_dir("guess-cli");
    const Cmd run = mtcfuzz("run prose --profile weak-key --sessions 1 --pcap " + dir + "/p.pcap");
    ASSERT_EQ(run.code, 0) << run.out << run.err;
    const Cmd g = mtcfuzz("guess prose --pcap " + dir + "/p.pcap --quiet --json");
    ASSERT_EQ(g.code, 1) << g.out << g.err;
    const json j = json::parse(g.out, nullptr, false);
    ASSERT_TRUE(j.is_object()) << g.out;
    ASSERT_EQ(j["searches"].size(), 1u) << g.out;
    EXPECT_EQ(j["searches"][0]["secret"], "PSKey:mtcd-0");
    EXPECT_TRUE(j["searches"][0]["found"].get<bool>());
    EXPECT_FALSE(j["searches"][0].contains("candidate"));
    const Cmd shown = mtcfuzz("guess prose --pcap " + dir + "/p.pcap --quiet --json --reveal");
    const json s = json::parse(shown.out, nullptr, false);
    ASSERT_TRUE(s.is_object()) << shown.out;
    const std::string pin = s["searches"][0].value("candidate", "");
    EXPECT_EQ(pin.size(), 6u);
    // The same PIN, found again through a mask of the same space.
    const Cmd m = mtcfuzz("guess prose --pcap " + dir + "/p.pcap --quiet --json --reveal " +
                          "--space 'mask:?d?d?d?d?d?d' --threads 1");
    EXPECT_EQ(json::parse(m.out, nullptr, false)["searches"][0].value("candidate", ""), pin);
    // A space without the PIN: nothing found, exit 0.
    const Cmd none =
        mtcfuzz("guess prose --pcap " + dir + "/p.pcap --quiet --space 'mask:?l?l' --json");
    EXPECT_EQ(none.code, 0) << none.out << none.err;
}

TEST(GuessCli, BadInputIsAUsageError) {
    const std::string dir = temp_dir("guess-bad");
    EXPECT_EQ(mtcfuzz("guess prose").code, 2);
    EXPECT_EQ(mtcfuzz("guess nosuch --pcap x.pcap").code, 2);
    const Cmd missing = mtcfuzz("guess prose --pcap " + dir + "/none.pcap");
    EXPECT_EQ(missing.code, 2);
    EXPECT_TRUE(has(missing.err, "none.pcap")) << missing.err;
    const Cmd run = mtcfuzz("run prose --profile weak-key --sessions 1 --pcap " + dir + "/p.pcap");
    ASSERT_EQ(run.code, 0) << run.err;
    const Cmd space = mtcfuzz("guess prose --pcap " + dir + "/p.pcap --space 'mask:?q'");
    EXPECT_EQ(space.code, 2);
    EXPECT_TRUE(has(space.err, "?q")) << space.err;
    const Cmd secret = mtcfuzz("guess prose --pcap " + dir + "/p.pcap --secret nohex");
    EXPECT_EQ(secret.code, 2);
    EXPECT_TRUE(has(secret.err, "NAME=HEX")) << secret.err;
}

}  // namespace
}  // namespace mtc::e2e
