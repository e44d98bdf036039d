// The attacker's knowledge over frames captured from honest ProSe runs on the in-process
// network: observations keep ids, runs and types; values are typed by the schema; keys and
// compromised secrets are recorded once.
#include "attacks/knowledge.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "protocols/core/clock.hpp"
#include "protocols/core/codec.hpp"
#include "protocols/core/inproc_network.hpp"
#include "protocols/core/registry.hpp"
#include "protocols/core/rng.hpp"
#include "protocols/prose/schema.hpp"
#include "tests/unit/prose_capture.hpp"

namespace mtc::test {
namespace {

using attacks::Knowledge;
using attacks::Observation;

using Captured = CapturedFrame;

// Honest sessions on the in-process network, every frame in flight recorded with its run.
struct Capture : ProseCapture {
    explicit Capture(std::size_t sessions, std::map<std::string, int> instances = {})
        : ProseCapture(7, options(std::move(instances)), numbered(sessions)) {}

    static DeploymentOptions options(std::map<std::string, int> instances) {
        DeploymentOptions o;
        o.instances = std::move(instances);
        return o;
    }

    void observe_all(Knowledge& k) const {
        for (const Captured& c : frames) {
            auto r =
                k.observe(c.frame.bytes, c.frame.from, c.frame.to, c.frame.secure, c.run, c.ts_us);
            EXPECT_TRUE(r.ok()) << r.error().describe();
        }
    }
};

TEST(Knowledge, ObservationsKeepIdsRunsAndDecodedMessages) {
    Capture w(3);
    ASSERT_EQ(w.frames.size(), 12u);  // M1..M4 per run
    Knowledge k(prose_spec());
    for (const Captured& c : w.frames) {
        auto r = k.observe(c.frame.bytes, c.frame.from, c.frame.to, c.frame.secure, c.run, c.ts_us);
        ASSERT_TRUE(r.ok()) << r.error().describe();
        const Observation* o = *r;
        EXPECT_EQ(o->id, k.observations().size() - 1);
        EXPECT_EQ(k.find(o->id), o);
        EXPECT_EQ(o->frame, c.frame.bytes);
        EXPECT_EQ(o->from, c.frame.from);
        EXPECT_EQ(o->to, c.frame.to);
        EXPECT_EQ(o->secure, c.frame.secure);
        EXPECT_EQ(o->run, c.run);
        EXPECT_EQ(o->ts_us, c.ts_us);
        EXPECT_EQ(o->msg, decode(*prose_spec().schema, c.frame.bytes).value());
    }
    EXPECT_EQ(k.find(12), nullptr);

    const Observation* m3 = k.in_run("run-1", "M3");
    ASSERT_NE(m3, nullptr);
    EXPECT_EQ(m3->msg.type, prose::M3);
    EXPECT_EQ(m3->run, "run-1");
    EXPECT_TRUE(m3->secure);  // UE <-> MTCs is the paper's secure link
    EXPECT_TRUE(m3->msg.has(prose::DMKey));
    const Observation* m1 = k.in_run("run-1", "M1");
    ASSERT_NE(m1, nullptr);
    EXPECT_LT(m1->id, m3->id);
    EXPECT_FALSE(m1->secure);
    EXPECT_EQ(k.in_run("run-9", "M1"), nullptr);
    EXPECT_EQ(k.in_run("run-1", "M7"), nullptr);

    const auto m2s = k.of_type(prose::M2);
    ASSERT_EQ(m2s.size(), 3u);
    for (std::size_t i = 0; i < m2s.size(); ++i) {
        EXPECT_EQ(m2s[i]->msg.type, prose::M2);
        EXPECT_EQ(m2s[i]->run, "run-" + std::to_string(i));
        if (i > 0) {
            EXPECT_LT(m2s[i - 1]->id, m2s[i]->id);
        }
    }
    EXPECT_TRUE(k.of_type(99).empty());
}

TEST(Knowledge, FramesThatDoNotDecodeAreKeptOut) {
    Capture w(1);
    Knowledge k(prose_spec());
    Bytes bad = w.frames.at(0).frame.bytes;
    bad.push_back(0);  // trailing byte
    auto r = k.observe(bad, "MTCd#0", "UE#0", false, "", 0);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().reason.rfind("observe: ", 0), 0u) << r.error().reason;
    auto garbage = k.observe(Bytes{1, 2, 3}, "", "", false, "", 0);
    ASSERT_FALSE(garbage.ok());
    EXPECT_EQ(garbage.error().reason.rfind("observe: ", 0), 0u);
    EXPECT_TRUE(k.observations().empty());
    EXPECT_TRUE(k.values_of_kind(FieldKind::nonce).empty());

    // Ids stay indexes after a rejected frame.
    auto ok = k.observe(w.frames.at(0).frame.bytes, "MTCd#0", "UE#0", false, "", 0);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ((*ok)->id, 0u);
}

TEST(Knowledge, ValuesOfAKindAreDistinctInOrderOfFirstSight) {
    Capture w(3, {{"MTCd", 2}});
    Knowledge k(prose_spec());
    w.observe_all(k);

    std::vector<Bytes> nonces;
    for (const Observation& o : k.observations()) {
        for (std::uint8_t tag : {prose::MTCdNonce, prose::MTCsNonce}) {
            const Bytes* v = o.msg.get(tag);
            if (v != nullptr && std::find(nonces.begin(), nonces.end(), *v) == nonces.end()) {
                nonces.push_back(*v);
            }
        }
    }
    ASSERT_EQ(nonces.size(), 6u);  // an MTCdNonce and an MTCsNonce per run
    EXPECT_EQ(k.values_of_kind(FieldKind::nonce), nonces);

    const auto ids = k.values_of_kind(FieldKind::identity);
    const std::vector<Bytes> expected = {to_bytes("mtcd-0"), to_bytes("mtcs-0"), to_bytes("ue-0"),
                                         to_bytes("mtcd-1")};
    EXPECT_EQ(ids, expected);

    const auto keys = k.values_of_kind(FieldKind::key);
    ASSERT_EQ(keys.size(), 3u);  // DMKey, in each M3 only
    EXPECT_EQ(keys[0], *k.in_run("run-0", "M3")->msg.get(prose::DMKey));
    EXPECT_EQ(k.values_of_kind(FieldKind::mac).size(), 6u);
    EXPECT_TRUE(k.values_of_kind(FieldKind::group_element).empty());
}

TEST(Knowledge, LearnedKeysAreKeptOncePerValue) {
    Knowledge k(prose_spec());
    k.learn_key("DMKey", SecretBytes(32, 1), "field DMKey of M3 (observation 2)");
    k.learn_key("DMKey", SecretBytes(32, 1), "field DMKey of M3 (observation 6)");
    k.learn_key("guess", SecretBytes(32, 2), "guessed");
    ASSERT_EQ(k.keys().size(), 2u);
    EXPECT_EQ(k.keys()[0].name, "DMKey");
    EXPECT_EQ(k.keys()[0].value, SecretBytes(32, 1));
    EXPECT_EQ(k.keys()[0].source, "field DMKey of M3 (observation 2)");
    EXPECT_EQ(k.keys()[1].name, "guess");
    EXPECT_EQ(k.keys()[1].value, SecretBytes(32, 2));
}

TEST(Knowledge, CompromiseRecordsInstanceIdentityAndEverySecret) {
    Capture w(0);
    Knowledge k(prose_spec());
    EXPECT_FALSE(k.is_compromised_instance("MTCs#0"));
    EXPECT_FALSE(k.is_compromised_identity("mtcs-0"));
    EXPECT_EQ(k.secret("PSKey:mtcd-0"), nullptr);

    const InstancePlan* mtcs = w.d.find("MTCs#0");
    ASSERT_NE(mtcs, nullptr);
    k.compromise("MTCs#0", mtcs->creds);
    EXPECT_TRUE(k.is_compromised_instance("MTCs#0"));
    EXPECT_TRUE(k.is_compromised_identity("mtcs-0"));
    EXPECT_FALSE(k.is_compromised_instance("MTCd#0"));
    EXPECT_FALSE(k.is_compromised_identity("mtcd-0"));
    EXPECT_EQ(k.compromised_identities(), std::set<std::string>{"mtcs-0"});
    const SecretBytes* psk = k.secret("PSKey:mtcd-0");
    ASSERT_NE(psk, nullptr);
    EXPECT_EQ(*psk, mtcs->creds.secrets.at("PSKey:mtcd-0"));
    EXPECT_EQ(k.secret("PSKey"), nullptr);
    EXPECT_TRUE(k.keys().empty());  // long-term secrets are not session keys

    // The device's own key has no owner in its credentials; its full name adds its identity.
    Knowledge k2(prose_spec());
    const InstancePlan* mtcd = w.d.find("MTCd#0");
    ASSERT_NE(mtcd, nullptr);
    k2.compromise("MTCd#0", mtcd->creds);
    ASSERT_NE(k2.secret("PSKey:mtcd-0"), nullptr);
    EXPECT_EQ(*k2.secret("PSKey:mtcd-0"), mtcd->creds.secrets.at("PSKey"));
    EXPECT_TRUE(k2.is_compromised_identity("mtcd-0"));
    EXPECT_FALSE(k2.is_compromised_identity("mtcs-0"));
}

TEST(Knowledge, CompromiseTimesDefaultToTheStartAndKeepTheEarliest) {
    Capture w(0);
    Knowledge k(prose_spec());
    EXPECT_EQ(k.compromised_at("MTCs#0"), std::nullopt);
    EXPECT_EQ(k.identity_compromised_at("mtcs-0"), std::nullopt);

    k.compromise("MTCs#0", w.d.find("MTCs#0")->creds);  // an insider: from the start
    EXPECT_EQ(k.compromised_at("MTCs#0"), std::optional<std::int64_t>(0));
    EXPECT_EQ(k.identity_compromised_at("mtcs-0"), std::optional<std::int64_t>(0));
    k.compromise("MTCs#0", w.d.find("MTCs#0")->creds, 900);  // again, later: still 0
    EXPECT_EQ(k.compromised_at("MTCs#0"), std::optional<std::int64_t>(0));

    k.compromise("MTCd#0", w.d.find("MTCd#0")->creds, 700);
    k.compromise("MTCd#0", w.d.find("MTCd#0")->creds, 500);  // an earlier time wins
    EXPECT_EQ(k.compromised_at("MTCd#0"), std::optional<std::int64_t>(500));
    EXPECT_EQ(k.identity_compromised_at("mtcd-0"), std::optional<std::int64_t>(500));
    EXPECT_TRUE(k.is_compromised_instance("MTCd#0"));
    EXPECT_EQ(k.compromised_at("MTCd#1"), std::nullopt);
}

TEST(Knowledge, LearnedSecretsAreHeldByNameAndNeverReplaced) {
    Capture w(0);
    Knowledge k(prose_spec());
    k.compromise("MTCd#0", w.d.find("MTCd#0")->creds);
    const std::size_t before = k.secrets().size();
    EXPECT_GE(before, 1u);
    EXPECT_EQ(k.secrets().count("PSKey:mtcd-0"), 1u);

    k.learn_secret("sigma:mtcd-0", SecretBytes(20, 7));
    ASSERT_NE(k.secret("sigma:mtcd-0"), nullptr);
    EXPECT_EQ(*k.secret("sigma:mtcd-0"), SecretBytes(20, 7));
    EXPECT_EQ(k.secrets().size(), before + 1);
    k.learn_secret("sigma:mtcd-0", SecretBytes(20, 8));
    EXPECT_EQ(*k.secret("sigma:mtcd-0"), SecretBytes(20, 7));
    EXPECT_TRUE(k.keys().empty());  // a secret is not a session key
    EXPECT_FALSE(k.is_compromised_identity("sigma"));
}

}  // namespace
}  // namespace mtc::test
