// Test-only weakening of the ProSe roles (RoleSpec::checks, Env::weakened): for each check, the
// same deployment is built twice from the same seed, once with the check switched off on one
// instance. The normal role rejects exactly the input that fails the check; the weakened one
// takes that same input as if the check had passed, and nothing else changes.
#include <set>

#include "protocols/core/role.hpp"
#include "tests/unit/prose_fixture.hpp"

namespace mtc::test {
namespace {

using namespace mtc::prose;
using ::testing::HasSubstr;

// A ProseWorld whose `instance` skips `checks`. Its roles are rebuilt before any message, from
// the same seed, so both worlds produce the same messages until the check makes a difference.
std::unique_ptr<ProseWorld> weakened_world(const std::string& instance,
                                           const std::set<std::string>& checks,
                                           const std::string& variant = "as-specified",
                                           std::map<std::string, int> instances = {}) {
    auto w = std::make_unique<ProseWorld>(variant, "basic", "default", std::move(instances));
    InstancePlan plan = *w->d.find(instance);
    plan.weakened = checks;
    const RoleRuntime rt{42, &w->clock, &w->sink, &w->fp, nullptr};
    auto r =
        instantiate_role(prose::spec(), w->d, plan, rt, [](const std::string& i) { return i; });
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().describe());
    w->roles[instance] = std::move(r).value();
    return w;
}

struct ProseWeaken : ::testing::Test {
    void SetUp() override {
        if (!mtc::weakening_enabled()) GTEST_SKIP() << "built without MTC_ENABLE_WEAKENING";
    }
};

// ---- MTCs ------------------------------------------------------------------------------

TEST_F(ProseWeaken, MTCdMICWeakenedTakesAForgedMic) {
    ProseWorld normal;
    auto weak = weakened_world("MTCs#0", {"MTCdMIC"});
    Message m2 = normal.m2(normal.m1());
    ASSERT_EQ(m2, weak->m2(weak->m1()));
    Bytes mic = to_bytes(m2.get_or_empty(MTCdMIC));
    mic.back() ^= 0x01;
    m2.set(MTCdMIC, mic);

    EXPECT_TRUE(normal.to_mtcs(m2).empty());
    EXPECT_THAT(normal.last_reject("MTCs#0"), HasSubstr("MTCdMIC verification failed"));
    EXPECT_EQ(normal.count("MTCs#0", EventKind::accept), 0u);

    auto out = weak->to_mtcs(m2);
    ASSERT_EQ(out.size(), 1u) << weak->last_reject("MTCs#0");
    EXPECT_EQ(out[0].msg.type, M3);
    EXPECT_EQ(weak->count("MTCs#0", EventKind::accept), 1u);
    EXPECT_EQ(weak->count("MTCs#0", EventKind::commit), 1u);
    EXPECT_EQ(weak->count("MTCs#0", EventKind::reject), 0u);
}

TEST_F(ProseWeaken, MTCdMICWeakenedStillRunsTheOtherChecks) {
    auto weak = weakened_world("MTCs#0", {"MTCdMIC"});
    Message m2 = weak->m2(weak->m1());
    m2.set(MTCsID, to_bytes("mtcs-7"));
    EXPECT_TRUE(weak->to_mtcs(m2).empty());
    EXPECT_THAT(weak->last_reject("MTCs#0"), HasSubstr("M2 is for MTCsID mtcs-7"));
    m2 = weak->m2(weak->m1());
    EXPECT_TRUE(weak->to_mtcs(m2, std::nullopt).empty());
    EXPECT_THAT(weak->last_reject("MTCs#0"), HasSubstr("authenticated UE link"));
    EXPECT_EQ(weak->count("MTCs#0", EventKind::accept), 0u);
}

TEST_F(ProseWeaken, NonceRecordWeakenedTakesAReplayedM2) {
    ProseWorld normal("hardened");
    auto weak = weakened_world("MTCs#0", {"nonce-record"}, "hardened");
    const Message m2 = normal.m2(normal.m1());
    ASSERT_EQ(m2, weak->m2(weak->m1()));

    ASSERT_EQ(normal.to_mtcs(m2).size(), 1u);
    EXPECT_TRUE(normal.to_mtcs(m2).empty());
    EXPECT_THAT(normal.last_reject("MTCs#0"), HasSubstr("MTCdNonce replayed"));
    EXPECT_EQ(normal.count("MTCs#0", EventKind::accept), 1u);

    ASSERT_EQ(weak->to_mtcs(m2).size(), 1u);
    EXPECT_EQ(weak->to_mtcs(m2).size(), 1u) << weak->last_reject("MTCs#0");
    EXPECT_EQ(weak->count("MTCs#0", EventKind::accept), 2u);
    EXPECT_EQ(weak->count("MTCs#0", EventKind::reject), 0u);
}

TEST_F(ProseWeaken, WeakenedMicDoesNotLetForgeriesFillTheNonceRecord) {
    // With MTCdMIC off, a forged M2 is answered, but its nonce is not recorded: the honest M2
    // with the same nonce is still taken once.
    auto weak = weakened_world("MTCs#0", {"MTCdMIC"}, "hardened");
    const Message m2 = weak->m2(weak->m1());
    Message forged = m2;
    Bytes mic = to_bytes(m2.get_or_empty(MTCdMIC));
    mic.front() ^= 0x80;
    forged.set(MTCdMIC, mic);
    ASSERT_EQ(weak->to_mtcs(forged).size(), 1u);
    ASSERT_EQ(weak->to_mtcs(m2).size(), 1u) << weak->last_reject("MTCs#0");
    EXPECT_TRUE(weak->to_mtcs(m2).empty());
    EXPECT_THAT(weak->last_reject("MTCs#0"), HasSubstr("MTCdNonce replayed"));
}

TEST_F(ProseWeaken, UeBindingWeakenedLetsAnotherAuthorisedUeTakeTheDMKey) {
    ProseWorld normal("hardened", "basic", "default", {{"UE", 2}});
    auto weak = weakened_world("MTCs#0", {"ue-binding"}, "hardened", {{"UE", 2}});
    const Message m2 = normal.m2(normal.m1());
    ASSERT_EQ(m2, weak->m2(weak->m1()));
    ASSERT_EQ(display(m2.get_or_empty(UEID)), "ue-0");

    EXPECT_TRUE(normal.to_mtcs(m2, "ue-1").empty());
    EXPECT_THAT(normal.last_reject("MTCs#0"), HasSubstr("authenticated UE ue-1 is not M2's UEID"));
    EXPECT_EQ(normal.count("MTCs#0", EventKind::accept), 0u);

    auto out = weak->to_mtcs(m2, "ue-1");
    ASSERT_EQ(out.size(), 1u) << weak->last_reject("MTCs#0");
    EXPECT_TRUE(out[0].msg.has(DMKey));
    EXPECT_EQ(weak->count("MTCs#0", EventKind::commit), 1u);
    // The UE must still be authorised.
    EXPECT_TRUE(weak->to_mtcs(m2, "ue-9").empty());
    EXPECT_THAT(weak->last_reject("MTCs#0"), HasSubstr("UE ue-9 is not authorised"));
}

TEST_F(ProseWeaken, UeLinkWeakenedTakesAnM2OffTheLinkAsFromTheUeItNames) {
    ProseWorld normal;
    auto weak = weakened_world("MTCs#0", {"ue-link"});
    const Message m2 = normal.m2(normal.m1());
    ASSERT_EQ(m2, weak->m2(weak->m1()));
    EXPECT_TRUE(normal.to_mtcs(m2, std::nullopt).empty());
    EXPECT_THAT(normal.last_reject("MTCs#0"), HasSubstr("authenticated UE link"));
    EXPECT_EQ(weak->to_mtcs(m2, std::nullopt).size(), 1u) << weak->last_reject("MTCs#0");
    EXPECT_EQ(weak->count("MTCs#0", EventKind::accept), 1u);
}

// ---- MTCd ------------------------------------------------------------------------------

TEST_F(ProseWeaken, MTCsMICWeakenedTakesAForgedServerMic) {
    ProseWorld normal;
    auto weak = weakened_world("MTCd#0", {"MTCsMIC"});
    const Message m1 = normal.m1();
    ASSERT_EQ(m1, weak->m1());
    Message m4 = normal.m4(normal.m3(normal.m2(m1)));
    ASSERT_EQ(m4, weak->m4(weak->m3(weak->m2(m1))));
    Bytes mic = to_bytes(m4.get_or_empty(MTCsMIC));
    mic.back() ^= 0x01;
    m4.set(MTCsMIC, mic);

    EXPECT_TRUE(normal.to_mtcd(m4).empty());
    EXPECT_THAT(normal.last_reject("MTCd#0"), HasSubstr("MTCsMIC verification failed"));
    EXPECT_EQ(normal.count("MTCd#0", EventKind::commit), 0u);

    weak->to_mtcd(m4);
    EXPECT_EQ(weak->count("MTCd#0", EventKind::reject), 0u) << weak->last_reject("MTCd#0");
    EXPECT_EQ(weak->count("MTCd#0", EventKind::accept), 1u);
    EXPECT_EQ(weak->count("MTCd#0", EventKind::commit), 1u);
}

TEST_F(ProseWeaken, SessionWeakenedTakesACompletedRunsM4Again) {
    ProseWorld normal;
    auto weak = weakened_world("MTCd#0", {"session"});
    const Message m4 = normal.m4(normal.m3(normal.m2(normal.m1())));
    ASSERT_EQ(m4, weak->m4(weak->m3(weak->m2(weak->m1()))));

    normal.to_mtcd(m4);
    normal.to_mtcd(m4);
    EXPECT_THAT(normal.last_reject("MTCd#0"), HasSubstr("M4 for a session already completed"));
    EXPECT_EQ(normal.count("MTCd#0", EventKind::commit), 1u);

    weak->to_mtcd(m4);
    weak->to_mtcd(m4);
    EXPECT_EQ(weak->count("MTCd#0", EventKind::reject), 0u) << weak->last_reject("MTCd#0");
    EXPECT_EQ(weak->count("MTCd#0", EventKind::commit), 2u);
    // An M4 for a session the MTCd never began has no M1 to check: still rejected.
    Message stray = m4;
    stray.session ^= 1;
    weak->to_mtcd(stray);
    EXPECT_THAT(weak->last_reject("MTCd#0"), HasSubstr("M4 for an unknown session"));
}

// Two M1s of the MTCd on one session id (the attacker rewrote the second's session id). The UE
// keeps the run in progress and refuses the second M1, so the M3 of the first run commits
// under the first M1's MTCdNonce. Weakened, the second M1 takes over the session and the
// first run's M3 (and DMKey) is committed under the second M1's nonce.
TEST_F(ProseWeaken, UeSessionWeakenedLetsASecondM1TakeOverTheRun) {
    for (bool weakened : {false, true}) {
        auto w = weakened ? weakened_world("UE#0", {"session"})
                          : std::make_unique<ProseWorld>("as-specified", "basic", "default",
                                                         std::map<std::string, int>{});
        const Message first = w->m1();
        Message second = w->m1();
        second.session = first.session;
        const Message m2 = w->m2(first);
        if (!weakened) {
            const auto copy = w->r("UE#0").on_message(Inbound{first, "MTCd#0", std::nullopt});
            EXPECT_TRUE(copy.empty());  // a retransmitted copy: dropped, not refused
            EXPECT_EQ(w->count("UE#0", EventKind::reject), 0u) << w->last_reject("UE#0");
        }
        const auto out = w->r("UE#0").on_message(Inbound{second, "MTCd#0", std::nullopt});
        const Message m4 = w->m4(w->m3(m2));
        ASSERT_EQ(m4.type, M4);
        const auto commits = w->events("UE#0", EventKind::commit);
        ASSERT_EQ(commits.size(), 1u);
        const std::string committed = commits[0].params.at("MTCdNonce");
        if (weakened) {
            EXPECT_EQ(out.size(), 1u);
            EXPECT_EQ(committed, to_hex(second.get_or_empty(MTCdNonce)));
        } else {
            EXPECT_TRUE(out.empty());
            EXPECT_THAT(w->last_reject("UE#0"), HasSubstr("M1 for a session already in progress"));
            EXPECT_EQ(committed, to_hex(first.get_or_empty(MTCdNonce)));
        }
    }
}

TEST_F(ProseWeaken, ExpiryWeakenedTakesAnExpiredPolicy) {
    ProseWorld normal;
    auto weak = weakened_world("MTCd#0", {"expiry"});
    const Message m4 = normal.m4(normal.m3(normal.m2(normal.m1())));
    ASSERT_EQ(m4, weak->m4(weak->m3(weak->m2(weak->m1()))));
    normal.clock.advance_us(7200LL * 1'000'000);
    weak->clock.advance_us(7200LL * 1'000'000);
    normal.to_mtcd(m4);
    EXPECT_THAT(normal.last_reject("MTCd#0"), HasSubstr("MTCsInfo.Expiry is in the past"));
    weak->to_mtcd(m4);
    EXPECT_EQ(weak->count("MTCd#0", EventKind::commit), 1u) << weak->last_reject("MTCd#0");
}

// ---- UE --------------------------------------------------------------------------------

TEST_F(ProseWeaken, UeidWeakenedForwardsAnM1ForAnotherUe) {
    ProseWorld normal;
    auto weak = weakened_world("UE#0", {"ueid"});
    Message m1 = normal.m1();
    ASSERT_EQ(m1, weak->m1());
    m1.set(UEID, to_bytes("ue-9"));

    EXPECT_TRUE(normal.r("UE#0").on_message(Inbound{m1, "MTCd#0", std::nullopt}).empty());
    EXPECT_THAT(normal.last_reject("UE#0"), HasSubstr("M1 names UEID ue-9, not this UE"));
    EXPECT_EQ(normal.count("UE#0", EventKind::begin), 0u);

    auto out = weak->r("UE#0").on_message(Inbound{m1, "MTCd#0", std::nullopt});
    ASSERT_EQ(out.size(), 1u) << weak->last_reject("UE#0");
    EXPECT_EQ(out[0].msg.type, M2);
    EXPECT_EQ(out[0].to, "MTCs#0");
    EXPECT_EQ(weak->count("UE#0", EventKind::begin), 1u);
}

TEST_F(ProseWeaken, MtcsLinkWeakenedTakesAnM3OffTheLink) {
    ProseWorld normal;
    auto weak = weakened_world("UE#0", {"mtcs-link"});
    const Message m3 = normal.m3(normal.m2(normal.m1()));
    ASSERT_EQ(m3, weak->m3(weak->m2(weak->m1())));
    EXPECT_TRUE(normal.to_ue(m3, std::nullopt).empty());
    EXPECT_THAT(normal.last_reject("UE#0"), HasSubstr("did not arrive over the authenticated"));
    EXPECT_EQ(weak->to_ue(m3, std::nullopt).size(), 1u) << weak->last_reject("UE#0");
    EXPECT_EQ(weak->count("UE#0", EventKind::commit), 1u);
}

TEST_F(ProseWeaken, IdentitiesWeakenedOnTheUeTakesAnM3ForOtherIdentities) {
    ProseWorld normal;
    auto weak = weakened_world("UE#0", {"identities"});
    Message m3 = normal.m3(normal.m2(normal.m1()));
    ASSERT_EQ(m3, weak->m3(weak->m2(weak->m1())));
    m3.set(MTCdID, to_bytes("mtcd-9"));
    EXPECT_TRUE(normal.to_ue(m3).empty());
    EXPECT_THAT(normal.last_reject("UE#0"), HasSubstr("M3 MTCdID mtcd-9 does not match"));
    EXPECT_EQ(weak->to_ue(m3).size(), 1u) << weak->last_reject("UE#0");
}

// ---- names -----------------------------------------------------------------------------

TEST(ProseWeakenNames, EveryRoleDeclaresItsChecks) {
    auto names = [](const char* role) {
        std::set<std::string> out;
        for (const auto& c : prose::spec().role(role)->checks) out.insert(c.name);
        return out;
    };
    EXPECT_EQ(names("MTCs"), (std::set<std::string>{"ue-link", "ue-authorised", "ue-binding",
                                                    "mtcs-id", "MTCdMIC", "nonce-record"}));
    EXPECT_EQ(names("MTCd"),
              (std::set<std::string>{"session", "identities", "kdf-offered", "MTCsMIC", "expiry"}));
    EXPECT_EQ(names("UE"), (std::set<std::string>{"ueid", "mtcs-link", "identities", "session"}));
    EXPECT_TRUE(names("GW").empty());
}

TEST(ProseWeakenNames, AnUnknownCheckIsRefusedWithTheValidOnes) {
    ProseWorld w;
    InstancePlan plan = *w.d.find("MTCs#0");
    plan.weakened = {"MTCsMIC"};  // the MTCd's, not the MTCs's
    const RoleRuntime rt{42, &w.clock, &w.sink, &w.fp, nullptr};
    auto r = instantiate_role(prose::spec(), w.d, plan, rt, [](const std::string& i) { return i; });
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().describe(), HasSubstr("no weakenable check 'MTCsMIC'"));
    EXPECT_THAT(r.error().describe(), HasSubstr("MTCdMIC"));
    EXPECT_THAT(r.error().describe(), HasSubstr("nonce-record"));
    auto gw = prose::spec().validate_weakened("GW", {"session"});
    ASSERT_FALSE(gw.ok());
    EXPECT_THAT(gw.error().describe(), HasSubstr("it has none"));
    EXPECT_TRUE(prose::spec().validate_weakened("MTCs", {"MTCdMIC", "ue-binding"}).ok());
}

}  // namespace
}  // namespace mtc::test
