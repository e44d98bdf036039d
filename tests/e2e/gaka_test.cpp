// End-to-end EPS-AKA and GAKA: live HN, SN and device processes on loopback, the capture's
// message counts (members attach with no SN <-> HN traffic), and the campaigns: a replayed
// AuthReq and a replayed AuthResp are rejected, another group's GroupAuthReq and one forged
// without the GAK are rejected on MAC_G, and every claim holds.
#include <sstream>

#include "tests/e2e/campaign_helpers.hpp"

namespace mtc::e2e {
namespace {

using json = nlohmann::json;

// How many frames of each message type `pcap ls --json` lists.
std::map<std::string, int> message_counts(const std::string& pcap) {
    const Cmd ls = mtcfuzz("pcap ls " + pcap + " --json");
    std::map<std::string, int> n;
    const json rows = json::parse(ls.out, nullptr, false);
    if (!rows.is_array()) return n;
    for (const auto& row : rows) {
        if (row["type"].is_string()) ++n[row["type"].get<std::string>()];
    }
    return n;
}

// Reject events of `role` whose reason contains `what`.
int rejects(const std::string& events, const std::string& role, const std::string& what) {
    std::istringstream in(events);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        const json e = json::parse(line, nullptr, false);
        if (!e.is_object() || e["kind"] != "reject" || e["role"] != role) continue;
        if (e["reason"].get<std::string>().find(what) != std::string::npos) ++n;
    }
    return n;
}

TEST(EpsAkaLive, EveryAttachCommitsWithOneVectorFetchEach) {
    const std::string dir = temp_dir("eps-run");
    // No retransmissions (as in GakaLive below): a device whose AttachReq is answered late on a
    // loaded machine sends it again, and the capture then holds the copies (the SN drops them).
    const Cmd r = mtcfuzz(
        "run eps-aka --sessions 6 --concurrency 2 --instances device=3 --retransmit-ms 0 "
        "--pcap " +
        dir + "/t.pcap --json");
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    auto n = message_counts(dir + "/t.pcap");
    EXPECT_EQ(n["AttachReq"], 6) << r.out;
    EXPECT_EQ(n["AuthDataReq"], 6);
    EXPECT_EQ(n["AuthDataResp"], 6);
    EXPECT_EQ(n["AuthResp"], 6);
}

TEST(GakaLive, MembersAttachWithNoHnTrafficAfterOneLeaderRun) {
    const std::string dir = temp_dir("gaka-run");
    // One group: the leader's attach (first session) fetches the group; nine members follow.
    // No retransmissions, so the capture holds each protocol message once however slow the
    // (sanitised, shared) machine is.
    const Cmd r = mtcfuzz(
        "run gaka --sessions 10 --instances leader=1 --instances member=9 --retransmit-ms 0 "
        "--pcap " +
        dir + "/t.pcap --json");
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    auto n = message_counts(dir + "/t.pcap");
    EXPECT_EQ(n["GroupAttachReq"], 10) << r.out;
    EXPECT_EQ(n["GroupAuthDataReq"], 1);
    EXPECT_EQ(n["GroupAuthDataResp"], 1);
    EXPECT_EQ(n["AuthReq"], 1);       // the leader's full AKA
    EXPECT_EQ(n["GroupAuthReq"], 9);  // every member, from the SN alone
    EXPECT_EQ(n["AuthDataReq"], 0);
    EXPECT_EQ(n["AuthResp"], 10);
}

TEST(EpsAkaCampaign, ReplayedAuthReqAndAuthRespAreRejectedAndEveryClaimHolds) {
    auto c = run_campaign("eps-campaign",
                          "[campaign]\nname = \"eps\"\nprotocol = \"eps-aka\"\n"
                          "seed = 2\n[deployment]\n"
                          "instances = { HN = 1, SN = 1, device = 2 }\n"
                          "[honest]\nsessions = 2\n[budget]\nseconds = 120\n"
                          "[[attack]]\nstrategy = \"replay\"\n"
                          "[[attack]]\nstrategy = \"modify\"\n"
                          "only = [\"bitflip\"]\n");
    ASSERT_TRUE(c.report.is_object()) << diag(c);
    EXPECT_EQ(c.cmd.code, 0) << diag(c);
    for (const char* claim :
         {"secrecy:K_ASME", "injective:SN->device", "injective:device->SN", "agreement:SN->device",
          "agreement:device->SN", "freshness:K_ASME", "liveness:roles"}) {
        EXPECT_EQ(verdict(c.report, claim), "holds") << claim << "\n" << diag(c);
    }
    // A replayed AuthReq reaches the USIM and fails its SQN check; a replayed AuthResp finds no
    // pending challenge at the SN; a bit-flipped AUTN fails MAC-A.
    EXPECT_GT(rejects(c.events, "device", "SQN replayed"), 0) << diag(c);
    EXPECT_GT(rejects(c.events, "SN", "AuthResp for no pending challenge"), 0) << diag(c);
    EXPECT_GT(rejects(c.events, "device", "MAC failure"), 0) << diag(c);
}

TEST(GakaCampaign, OtherGroupAndForgedGroupAuthReqAreRejectedOnMacG) {
    auto c =
        run_campaign("gaka-campaign",
                     "[campaign]\nname = \"gaka\"\nprotocol = \"gaka\"\nseed = 2\n"
                     "[deployment]\ninstances = { HN = 1, SN = 1, leader = 2, member = 2 }\n"
                     "[honest]\nsessions = 4\n[budget]\nseconds = 150\n"
                     "[[attack]]\nstrategy = \"replay\"\n"
                     "[[attack]]\nstrategy = \"modify\"\nonly = [\"bitflip\", \"own-nonce\"]\n");
    ASSERT_TRUE(c.report.is_object()) << diag(c);
    EXPECT_EQ(c.cmd.code, 0) << diag(c);
    for (const char* claim :
         {"secrecy:K_ASME", "injective:SN->member", "injective:member->SN", "injective:SN->leader",
          "injective:leader->SN", "freshness:K_ASME", "liveness:roles"}) {
        EXPECT_EQ(verdict(c.report, claim), "holds") << claim << "\n" << diag(c);
    }
    // Replays: the leader's AuthReq and a member's GroupAuthReq fail the SQN check.
    EXPECT_GT(rejects(c.events, "leader", "SQN replayed"), 0) << diag(c);
    EXPECT_GT(
        rejects(c.events, "member", "SQN replayed") + rejects(c.events, "member", "MAC_G failure"),
        0)
        << diag(c);
    // A GroupAuthReq of the other group (member#0 is in group-0, member#1 in group-1) and one
    // with the attacker's own RAND_G or a flipped MAC_G: the member's MAC_G check refuses them.
    EXPECT_GT(rejects(c.events, "member", "MAC_G failure"), 0) << diag(c);
    EXPECT_GT(rejects(c.events, "SN", "AuthResp for no pending challenge"), 0) << diag(c);
}

}  // namespace
}  // namespace mtc::e2e
