// EPS-AKA and GAKA specs: registration, schemas, claims, flows, provisioning (identities, keys
// shared with the HN, groups), bad deployments, and what makes an honest session complete
// when a protocol has two initiator roles (ProtocolSpec::session_committed).
#include <gtest/gtest.h>

#include "attacks/checker.hpp"
#include "attacks/knowledge.hpp"
#include "protocols/core/codec.hpp"
#include "protocols/core/registry.hpp"
#include "protocols/core/rng.hpp"
#include "protocols/core/simulation.hpp"
#include "protocols/gaka/primitives.hpp"
#include "protocols/gaka/schema.hpp"
#include "protocols/gaka/spec.hpp"

namespace mtc::test {
namespace {

using namespace mtc::gaka;

Result<Deployment> provision(const ProtocolSpec& p, std::map<std::string, int> instances) {
    DeploymentOptions o;
    o.instances = std::move(instances);
    if (Status s = p.validate(o); !s) return s.error();
    auto rng = make_rng(7, "provision");
    return p.provision(o, *rng);
}

bool has_claim(const ProtocolSpec& p, const std::string& id) {
    for (const auto& c : p.claims) {
        if (c.id == id) return true;
    }
    return false;
}

TEST(GakaSpec, BothProtocolsAreRegisteredWithValidSchemasAndAFlowPerMessage) {
    for (const ProtocolSpec* p : {&eps_aka_spec(), &gaka_spec()}) {
        EXPECT_EQ(find_protocol(p->name), p);
        EXPECT_EQ(find_protocol(p->schema->protocol_id), p);
        EXPECT_EQ(validate_schema(*p->schema), std::nullopt) << p->name;
        for (const auto& m : p->schema->messages) {
            EXPECT_NE(p->recipes.flow(m.type), nullptr) << p->name << " " << m.name;
        }
        for (const char* c : {"secrecy:K_ASME", "freshness:K_ASME", "liveness:roles"}) {
            EXPECT_TRUE(has_claim(*p, c)) << p->name << " " << c;
        }
    }
    for (const char* c : {"injective:SN->device", "injective:device->SN"}) {
        EXPECT_TRUE(has_claim(eps_aka_spec(), c)) << c;
    }
    for (const char* c : {"injective:SN->member", "injective:member->SN", "agreement:SN->leader",
                          "injective:leader->SN"}) {
        EXPECT_TRUE(has_claim(gaka_spec(), c)) << c;
    }
    // GAKA's group messages are not EPS-AKA's.
    EXPECT_EQ(eps_aka_schema().message(GroupAuthReq), nullptr);
    EXPECT_NE(gaka_schema().message(GroupAuthReq), nullptr);
}

TEST(GakaSpec, EpsProvisioningSharesEachDevicesKeysWithTheHn) {
    auto d = provision(eps_aka_spec(), {{"device", 3}, {"SN", 2}});
    ASSERT_TRUE(d.ok()) << d.error().describe();
    const InstancePlan* hn = d->find("HN#0");
    ASSERT_NE(hn, nullptr);
    int devices = 0;
    for (const auto& p : d->instances) {
        if (p.role == "device") {
            ++devices;
            EXPECT_TRUE(check_imsi(p.creds.identity).ok()) << p.creds.identity;
            EXPECT_EQ(p.creds.secrets.at("K"), hn->creds.secrets.at("K:" + p.creds.identity));
            EXPECT_EQ(p.creds.secrets.at("OPc"), hn->creds.secrets.at("OPc:" + p.creds.identity));
            const InstancePlan* sn = d->find(p.peers.at("SN"));
            ASSERT_NE(sn, nullptr);
            EXPECT_EQ(p.creds.attrs.at("SNid"), sn->creds.identity);
        }
        if (p.role == "SN") {
            EXPECT_TRUE(plmn_id(p.creds.attrs.at("SNid")).ok());
            EXPECT_EQ(p.creds.secrets.at("K_SH"),
                      hn->creds.secrets.at("K_SH:" + p.creds.attrs.at("SNid")));
            EXPECT_EQ(p.peers.at("HN"), "HN#0");
        }
    }
    EXPECT_EQ(devices, 3);
}

TEST(GakaSpec, GroupsHaveOneLeaderFirstAndMembersRoundRobin) {
    auto d = provision(gaka_spec(), {{"leader", 2}, {"member", 5}});
    ASSERT_TRUE(d.ok()) << d.error().describe();
    ASSERT_GE(d->instances.size(), 2u);
    EXPECT_EQ(d->instances[0].role, "leader");
    EXPECT_EQ(d->instances[1].role, "leader");
    const InstancePlan* hn = d->find("HN#0");
    ASSERT_NE(hn, nullptr);
    std::map<std::string, int> sizes;
    for (const auto& p : d->instances) {
        if (p.role != "leader" && p.role != "member") continue;
        const std::string gid = p.creds.attrs.at("GID");
        ++sizes[gid];
        EXPECT_EQ(p.creds.secrets.at("K_G"), hn->creds.secrets.at("K_G:" + gid));
        EXPECT_NE(hn->creds.attrs.at("group:" + gid).find(p.creds.identity), std::string::npos);
    }
    EXPECT_EQ(sizes.at("group-0"), 4);  // leader#0, member#0, #2, #4
    EXPECT_EQ(sizes.at("group-1"), 3);
    EXPECT_NE(d->find("leader#0")->creds.secrets.at("K_G"),
              d->find("leader#1")->creds.secrets.at("K_G"));
}

TEST(GakaSpec, BadDeploymentsAreRefusedWithTheReason) {
    auto unknown = provision(gaka_spec(), {{"device", 1}});
    ASSERT_FALSE(unknown.ok());
    EXPECT_NE(unknown.error().describe().find("device"), std::string::npos);
    auto two_hn = provision(eps_aka_spec(), {{"HN", 2}});
    ASSERT_FALSE(two_hn.ok());
    EXPECT_NE(two_hn.error().describe().find("HN"), std::string::npos);
    auto no_leader = provision(gaka_spec(), {{"leader", 0}});
    EXPECT_FALSE(no_leader.ok());
    auto no_device = provision(eps_aka_spec(), {{"device", 0}});
    EXPECT_FALSE(no_device.ok());
}

SimulationResult simulate_honest(const ProtocolSpec& p, std::map<std::string, int> instances,
                                 std::size_t sessions, MemorySink* events = nullptr) {
    SimulationOptions o;
    o.deployment.instances = std::move(instances);
    o.sessions = sessions;
    o.seed = 11;
    o.events = events;
    auto r = simulate(p, o);
    EXPECT_TRUE(r.ok()) << r.error().describe();
    return r.ok() ? *r : SimulationResult{};
}

TEST(GakaSimulation, EveryEpsAttachCommitsOnDeviceAndSn) {
    const auto r = simulate_honest(eps_aka_spec(), {{"device", 3}}, 9);
    EXPECT_TRUE(r.all_committed(eps_aka_spec()));
    EXPECT_EQ(r.sessions_key_agreed, 9U);
    EXPECT_EQ(r.roles.at("device").commits, 9U);
    EXPECT_EQ(r.roles.at("SN").commits, 9U);
    EXPECT_EQ(r.roles.at("HN").commits, 0U);
}

// A group of 1000 in process: one leader run fetches every vector, 999 members follow with no
// HN message (the HN's only traffic is the leader's GroupAuthDataReq).
TEST(GakaSimulation, AGroupOfAThousandAttachesThroughOneLeaderRun) {
    MemorySink events;
    const auto r = simulate_honest(gaka_spec(), {{"leader", 1}, {"member", 999}}, 1000, &events);
    EXPECT_TRUE(r.all_committed(gaka_spec()));
    EXPECT_EQ(r.sessions_key_agreed, 1000U);
    EXPECT_EQ(r.roles.at("leader").commits, 1U);
    EXPECT_EQ(r.roles.at("member").commits, 999U);
    EXPECT_EQ(r.roles.at("SN").commits, 1000U);
    std::size_t group_challenges = 0;
    for (const Event& e : events.events) {
        if (e.role == "member" && e.kind == EventKind::commit) {
            group_challenges += e.params.at("challenge") == "GroupAuthReq" ? 1 : 0;
        }
    }
    EXPECT_EQ(group_challenges, 999U);  // every member through GroupAuthReq, none via the HN
}

TEST(GakaSimulation, TwoGroupsCommitAndEveryKeyAgrees) {
    const auto r = simulate_honest(gaka_spec(), {{"leader", 2}, {"member", 6}}, 8);
    EXPECT_TRUE(r.all_committed(gaka_spec()));
    EXPECT_EQ(r.sessions_key_mismatch, 0U);
    EXPECT_EQ(r.roles.at("leader").commits, 2U);
    EXPECT_EQ(r.roles.at("member").commits, 6U);
}

// no-contact:member->HN judges the honest phase's runs by their initiator: a leader's run may
// reach the HN, a member's may not; attack runs are not judged.
TEST(GakaNoContact, AMembersHonestRunThatReachesTheHnIsAViolation) {
    auto d = provision(gaka_spec(), {{"leader", 1}, {"member", 2}});
    ASSERT_TRUE(d.ok());
    KeyFingerprinter fp(SecretBytes(32, 1));
    attacks::ClaimChecker checker(gaka_spec(), *d, {"no-contact:member->HN"}, fp);
    attacks::Knowledge k(gaka_spec());
    std::uint64_t session = 0;
    auto msg = [&](std::uint8_t type, std::vector<Field> fields) {
        Message m{kGakaProtocolId, type, ++session, std::move(fields)};
        auto frame = encode(gaka_schema(), m);
        EXPECT_TRUE(frame.ok()) << frame.error().describe();
        return frame.ok() ? *frame : Bytes{};
    };
    auto attach = [&](const std::string& imsi) {
        return msg(GroupAttachReq, {{IMSI, to_bytes(imsi)}, {GID, to_bytes("group-0")}});
    };
    const Bytes to_hn = msg(GroupAuthDataReq, {{SNid, Bytes(3, 1)}, {Box, Bytes(40, 2)}});
    const Bytes group_req = msg(GroupAuthReq, {{RAND, Bytes(16, 3)},
                                               {AUTN, Bytes(16, 4)},
                                               {RAND_G, Bytes(16, 5)},
                                               {MAC_G, Bytes(32, 6)}});
    const std::string leader = d->find("leader#0")->creds.identity;
    const std::string m0 = d->find("member#0")->creds.identity;
    const std::string m1 = d->find("member#1")->creds.identity;
    for (const char* run : {"h1", "h2", "h3"}) checker.add_honest_run(run);
    ASSERT_TRUE(k.observe(attach(leader), "leader#0", "SN#0", false, "h1", 1).ok());
    ASSERT_TRUE(k.observe(to_hn, "SN#0", "HN#0", false, "h1", 2).ok());
    ASSERT_TRUE(k.observe(attach(m0), "member#0", "SN#0", false, "h2", 3).ok());
    ASSERT_TRUE(k.observe(group_req, "SN#0", "member#0", false, "h2", 4).ok());
    // An attack run of a member reaching the HN (a refresh) is not judged.
    ASSERT_TRUE(k.observe(attach(m1), "member#1", "SN#0", false, "a1/r1", 5).ok());
    ASSERT_TRUE(k.observe(to_hn, "SN#0", "HN#0", false, "a1/r1", 6).ok());
    EXPECT_TRUE(checker.check(k).empty());
    EXPECT_EQ(checker.note("no-contact:member->HN"),
              "1 honest runs started by a member (2 messages) checked for traffic to or from a "
              "HN");
    ASSERT_TRUE(k.observe(attach(m1), "member#1", "SN#0", false, "h3", 7).ok());
    ASSERT_TRUE(k.observe(to_hn, "SN#0", "HN#0", false, "h3", 8).ok());
    const auto v = checker.check(k);
    ASSERT_EQ(v.size(), 1U);
    EXPECT_EQ(v[0].claim, "no-contact:member->HN");
    EXPECT_NE(v[0].summary.find("h3"), std::string::npos) << v[0].summary;
    EXPECT_NE(v[0].summary.find("GroupAuthDataReq"), std::string::npos) << v[0].summary;
    EXPECT_TRUE(checker.check(k).empty());  // reported once
}

TEST(SessionCommitted, OneInitiatorRoleAndEveryCommittingResponder) {
    const ProtocolSpec& g = gaka_spec();
    const std::set<std::string> deployed = {"HN", "SN", "leader", "member"};
    EXPECT_TRUE(g.session_committed(deployed, {"SN", "leader"}));
    EXPECT_TRUE(g.session_committed(deployed, {"SN", "member"}));
    EXPECT_FALSE(g.session_committed(deployed, {"member"}));                  // SN missing
    EXPECT_FALSE(g.session_committed(deployed, {"SN"}));                      // no device
    EXPECT_FALSE(g.session_committed(deployed, {"SN", "leader", "member"}));  // two runs' worth
    // Only leaders deployed: the member role is not expected.
    EXPECT_TRUE(g.session_committed({"HN", "SN", "leader"}, {"SN", "leader"}));
    const ProtocolSpec& e = eps_aka_spec();
    EXPECT_TRUE(e.session_committed({"HN", "SN", "device"}, {"SN", "device"}));
    EXPECT_FALSE(e.session_committed({"HN", "SN", "device"}, {"device"}));
}

}  // namespace
}  // namespace mtc::test
