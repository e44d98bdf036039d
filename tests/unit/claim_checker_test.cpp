// The claim checker over real ProSe event streams: honest runs (the simulation, and the same
// in-process network with the attacker watching) violate nothing; each claim is then broken
// by editing or duplicating events, or by giving the attacker a committed key, and the checker
// must report exactly that claim, once.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "attacks/checker.hpp"
#include "attacks/knowledge.hpp"
#include "protocols/core/clock.hpp"
#include "protocols/core/inproc_network.hpp"
#include "protocols/core/registry.hpp"
#include "protocols/core/rng.hpp"
#include "protocols/core/simulation.hpp"
#include "protocols/prose/schema.hpp"
#include "tests/unit/prose_capture.hpp"

namespace mtc::test {
namespace {

using attacks::ClaimChecker;
using attacks::Knowledge;
using attacks::Violation;

std::vector<std::string> all_claims() {
    std::vector<std::string> out;
    for (const ClaimSpec& c : prose_spec().claims) out.push_back(c.id);
    return out;
}

// Honest sessions on the in-process network, with every frame in flight and the event stream
// of each session.
struct World : ProseCapture {
    using Captured = CapturedFrame;

    explicit World(std::size_t sessions, const std::string& variant = "as-specified",
                   std::map<std::string, int> instances = {})
        : ProseCapture(11, options(variant, std::move(instances)), numbered(sessions)) {}

    static DeploymentOptions options(const std::string& variant,
                                     std::map<std::string, int> instances) {
        DeploymentOptions o;
        o.variant = variant;
        o.instances = std::move(instances);
        return o;
    }

    const std::vector<Event>& events() const { return sink.events; }

    // The first event of `instance` of `kind` in session number `run`.
    const Event& event(std::size_t run, const std::string& instance, EventKind kind) const {
        const std::size_t from = run == 0 ? 0 : ends.at(run - 1);
        for (std::size_t i = from; i < ends.at(run); ++i) {
            const Event& e = sink.events[i];
            if (e.instance == instance && e.kind == kind) return e;
        }
        ADD_FAILURE() << "no " << to_string(kind) << " by " << instance << " in run " << run;
        std::abort();
    }

    // The attacker as it would be after watching: every frame on a clear link.
    void observe_clear(Knowledge& k) const {
        for (const Captured& c : frames) {
            if (c.frame.secure) continue;
            EXPECT_TRUE(k.observe(c.frame.bytes, c.frame.from, c.frame.to, false, c.run, 0).ok());
        }
    }

    // DMKey of a run, as an insider at the end of the UE <-> MTCs link reads it in M3.
    SecretBytes dmkey(std::size_t run) const {
        for (const Captured& c : frames) {
            if (c.run != "run-" + std::to_string(run) || !c.frame.secure) continue;
            Knowledge scratch(prose_spec());
            auto o = scratch.observe(c.frame.bytes, c.frame.from, c.frame.to, true, c.run, 0);
            if (o.ok() && (*o)->msg.type == prose::M3) {
                return to_secret(view(*(*o)->msg.get(prose::DMKey)));
            }
        }
        ADD_FAILURE() << "no M3 in run " << run;
        return {};
    }

    const Credentials& creds(const std::string& instance) const { return d.find(instance)->creds; }
};

std::vector<const Violation*> of_claim(const std::vector<Violation>& vs, const std::string& id) {
    std::vector<const Violation*> out;
    for (const Violation& v : vs) {
        if (v.claim == id) out.push_back(&v);
    }
    return out;
}

std::set<std::string> claims_in(const std::vector<Violation>& vs) {
    std::set<std::string> out;
    for (const Violation& v : vs) out.insert(v.claim);
    return out;
}

std::string describe(const std::vector<Violation>& vs) {
    std::string out;
    for (const Violation& v : vs) out += v.claim + ": " + v.summary + "\n";
    return out;
}

// A checker over every ProSe claim fed `events`.
std::vector<Violation> check_all(const World& w, const std::vector<Event>& events,
                                 const Knowledge& k) {
    ClaimChecker c(prose_spec(), w.d, all_claims(), w.fp);
    for (const Event& e : events) c.add(e);
    return c.check(k);
}

TEST(ClaimChecker, HonestSimulationsViolateNoClaim) {
    for (const char* variant : {"as-specified", "hardened"}) {
        for (const char* mode : {"basic", "extended"}) {
            SimulationOptions o;
            o.deployment.variant = variant;
            o.deployment.mode = mode;
            o.deployment.instances = {{"MTCd", 3}, {"UE", 2}};
            if (std::string(mode) == "extended") o.deployment.instances["GW"] = 2;
            o.sessions = 30;
            o.seed = 5;
            MemorySink sink;
            o.events = &sink;
            auto r = simulate(prose_spec(), o);
            ASSERT_TRUE(r.ok()) << r.error().describe();
            ASSERT_TRUE(r->all_committed(prose_spec()));
            // The deployment the simulation provisioned, from the same seed.
            auto rng = make_rng(o.seed, "provision");
            auto d = prose_spec().provision(o.deployment, *rng);
            ASSERT_TRUE(d.ok());
            std::set<std::string> identities;
            for (const auto& p : d->instances) identities.insert(p.creds.identity);
            for (const Event& e : sink.events) {
                if (e.kind == EventKind::accept) EXPECT_EQ(identities.count(e.peer), 1u) << e.peer;
            }

            KeyFingerprinter fp(SecretBytes(32, 7));
            ClaimChecker c(prose_spec(), *d, all_claims(), fp);
            Knowledge k(prose_spec());
            k.learn_key("unrelated", SecretBytes(32, 9), "test");
            for (const Event& e : sink.events) c.add(e);
            const auto v = c.check(k);
            EXPECT_TRUE(v.empty()) << variant << " " << mode << "\n" << describe(v);
        }
    }
}

TEST(ClaimChecker, HonestRunsCheckedSessionBySessionViolateNoClaim) {
    World w(40, "as-specified", {{"MTCd", 2}});
    Knowledge k(prose_spec());
    w.observe_clear(k);
    ClaimChecker c(prose_spec(), w.d, all_claims(), w.fp);
    EXPECT_EQ(c.claims(), all_claims());
    std::size_t at = 0;
    for (std::size_t end : w.ends) {
        for (; at < end; ++at) c.add(w.events()[at]);
        k.learn_key("guess", SecretBytes(32, static_cast<std::uint8_t>(at)), "test");
        const auto v = c.check(k);
        EXPECT_TRUE(v.empty()) << describe(v);
    }
}

TEST(ClaimChecker, DuplicatedMtcsAcceptAndCommitBreakInjectivityAndFreshnessNotAgreement) {
    World w(3);
    Knowledge k(prose_spec());
    auto events = w.events();
    Event accept = w.event(1, "MTCs#0", EventKind::accept);
    Event commit = w.event(1, "MTCs#0", EventKind::commit);
    accept.ts_us += 1'000'000;
    commit.ts_us += 1'000'001;
    events.push_back(accept);
    events.push_back(commit);

    const auto v = check_all(w, events, k);
    EXPECT_EQ(claims_in(v), (std::set<std::string>{"injective:MTCd->MTCs", "freshness:DMKey"}))
        << describe(v);

    const auto inj = of_claim(v, "injective:MTCd->MTCs");
    ASSERT_EQ(inj.size(), 1u);
    const Event& begin = w.event(1, "MTCd#0", EventKind::begin);
    ASSERT_EQ(inj[0]->evidence.size(), 3u);
    EXPECT_EQ(inj[0]->evidence[0].instance, "MTCd#0");
    EXPECT_EQ(inj[0]->evidence[0].kind, EventKind::begin);
    EXPECT_EQ(inj[0]->evidence[0].params, begin.params);
    EXPECT_EQ(inj[0]->evidence[1].ts_us, w.event(1, "MTCs#0", EventKind::accept).ts_us);
    EXPECT_EQ(inj[0]->evidence[2].ts_us, accept.ts_us);
    EXPECT_NE(inj[0]->summary.find("MTCs#0"), std::string::npos) << inj[0]->summary;
    EXPECT_NE(inj[0]->summary.find("MTCd#0"), std::string::npos) << inj[0]->summary;

    // The commits share the key and both nonces: one violation each.
    const auto fresh = of_claim(v, "freshness:DMKey");
    std::set<std::string> keys;
    for (const Violation* f : fresh) {
        keys.insert(f->instance_key);
        ASSERT_EQ(f->evidence.size(), 2u);
        EXPECT_EQ(f->evidence[0].kind, EventKind::commit);
        EXPECT_EQ(f->evidence[1].ts_us, commit.ts_us);
    }
    EXPECT_EQ(keys, (std::set<std::string>{"MTCs|key_fp|" + *commit.key_fp,
                                           "MTCs|MTCdNonce|" + commit.params.at("MTCdNonce"),
                                           "MTCs|MTCsNonce|" + commit.params.at("MTCsNonce")}));
}

TEST(ClaimChecker, InjectivityCountsEachKindAtTheResponder) {
    World w(2);
    Knowledge k(prose_spec());
    auto events = w.events();
    Event accept = w.event(0, "MTCd#0", EventKind::accept);  // MTCd accepts the MTCs twice
    accept.ts_us += 5;
    events.push_back(accept);
    const auto v = check_all(w, events, k);
    EXPECT_EQ(claims_in(v), std::set<std::string>{"injective:MTCs->MTCd"}) << describe(v);
}

void changed_nonce_breaks_agreement(std::size_t sessions) {
    SCOPED_TRACE(std::to_string(sessions) + " sessions");
    World w(sessions);
    Knowledge k(prose_spec());
    auto events = w.events();
    const Event& original = w.event(2, "MTCs#0", EventKind::accept);
    const std::string began = original.params.at("MTCdNonce");
    std::string changed = began;
    changed[0] = changed[0] == '0' ? '1' : '0';
    for (Event& e : events) {
        if (e.instance == "MTCs#0" && e.kind == EventKind::accept && e.session == original.session)
            e.params["MTCdNonce"] = changed;
    }

    const auto v = check_all(w, events, k);
    // injective:A->B includes agreement:A->B.
    EXPECT_EQ(claims_in(v), (std::set<std::string>{"agreement:MTCd->MTCs", "injective:MTCd->MTCs"}))
        << describe(v);
    const auto agr = of_claim(v, "agreement:MTCd->MTCs");
    ASSERT_EQ(agr.size(), 1u);
    EXPECT_EQ(agr[0]->instance_key, "MTCs#0|" + std::to_string(original.session) + "|accept");
    ASSERT_FALSE(agr[0]->evidence.empty());
    EXPECT_EQ(agr[0]->evidence[0].params.at("MTCdNonce"), changed);
    const std::string& s = agr[0]->summary;
    EXPECT_NE(s.find("MTCs#0"), std::string::npos) << s;
    EXPECT_NE(s.find("MTCd#0"), std::string::npos) << s;
    EXPECT_NE(s.find("MTCdNonce=" + changed), std::string::npos) << s;
    EXPECT_NE(s.find(began), std::string::npos) << s;

    // Nothing can be promised for a peer the attacker controls.
    Knowledge insider(prose_spec());
    insider.compromise("MTCd#0", w.creds("MTCd#0"));
    EXPECT_TRUE(of_claim(check_all(w, events, insider), "agreement:MTCd->MTCs").empty());
}

// The checker scans a few begins of one instance pair and indexes many (from 16): both ways
// find the same violation.
TEST(ClaimChecker, AcceptWithAChangedMTCdNonceBreaksAgreement) {
    changed_nonce_breaks_agreement(3);
    changed_nonce_breaks_agreement(40);
}

TEST(ClaimChecker, AcceptWithoutAnyBeginBreaksAgreement) {
    World w(2);
    Knowledge k(prose_spec());
    std::vector<Event> events;
    const std::uint64_t session = w.event(0, "MTCd#0", EventKind::begin).session;
    for (const Event& e : w.events()) {
        if (e.instance == "MTCd#0" && e.kind == EventKind::begin && e.session == session) continue;
        events.push_back(e);
    }
    const auto v = check_all(w, events, k);
    EXPECT_EQ(claims_in(v), (std::set<std::string>{"agreement:MTCd->MTCs", "injective:MTCd->MTCs"}))
        << describe(v);
}

TEST(ClaimChecker, AgreementComparesTheParamsBothEventsCarry) {
    World w(3);
    Knowledge k(prose_spec());
    const std::uint64_t s0 = w.event(0, "MTCd#0", EventKind::begin).session;
    const std::uint64_t s1 = w.event(1, "MTCs#0", EventKind::accept).session;

    // Run 0's begin without its nonce still agrees with run 0's acceptance on the rest.
    auto partial = w.events();
    for (Event& e : partial) {
        if (e.instance == "MTCd#0" && e.kind == EventKind::begin && e.session == s0)
            e.params.erase("MTCdNonce");
    }
    auto v = check_all(w, partial, k);
    EXPECT_TRUE(v.empty()) << describe(v);

    // A param both carry that differs breaks agreement, whichever begin is looked at.
    for (Event& e : partial) {
        if (e.instance == "MTCs#0" && e.kind == EventKind::accept && e.session == s1)
            e.params["UEID"] = "ue-9";
    }
    v = check_all(w, partial, k);
    EXPECT_EQ(of_claim(v, "agreement:MTCd->MTCs").size(), 1u) << describe(v);

    // A begin with no param in common agrees with nothing.
    auto bare = w.events();
    for (Event& e : bare) {
        if (e.instance == "MTCd#0" && e.kind == EventKind::begin && e.session == s0) e.params = {};
    }
    v = check_all(w, bare, k);
    const auto agr = of_claim(v, "agreement:MTCd->MTCs");
    ASSERT_EQ(agr.size(), 1u) << describe(v);
    EXPECT_EQ(agr[0]->evidence.at(0).session, s0);
}

TEST(ClaimChecker, KnownDMKeyWithHonestPeersBreaksSecrecy) {
    World w(3);
    const SecretBytes key = w.dmkey(1);
    ASSERT_EQ(key.size(), prose::kDMKeyLen);
    Knowledge k(prose_spec());
    w.observe_clear(k);
    k.learn_key("DMKey", key, "field DMKey of M3 (run-1)");

    const auto v = check_all(w, w.events(), k);
    EXPECT_EQ(claims_in(v), std::set<std::string>{"secrecy:DMKey"}) << describe(v);
    std::set<std::string> who;
    for (const Violation& x : v) {
        who.insert(x.evidence.at(0).instance);
        EXPECT_EQ(x.evidence.at(0).kind, EventKind::commit);
        EXPECT_EQ(x.evidence.at(0).session, w.event(1, "MTCd#0", EventKind::commit).session);
        EXPECT_EQ(x.summary.find(to_hex(view(key))), std::string::npos) << x.summary;
        EXPECT_NE(x.summary.find("DMKey"), std::string::npos) << x.summary;
    }
    EXPECT_EQ(who, (std::set<std::string>{"MTCd#0", "UE#0", "MTCs#0"}));
}

TEST(ClaimChecker, KnownDMKeyOfACompromisedPeerIsNoSecrecyViolation) {
    World w(3);
    Knowledge k(prose_spec());
    k.learn_key("DMKey", w.dmkey(1), "insider UE#0");
    k.compromise("UE#0", w.creds("UE#0"));
    // The MTCd and the MTCs committed with the compromised UE as peer; the UE itself is the
    // attacker's.
    const auto v = check_all(w, w.events(), k);
    EXPECT_TRUE(v.empty()) << describe(v);
}

TEST(ClaimChecker, SecrecyIsCheckedForOldCommitsAgainstNewKeysAndNewCommitsAgainstOldKeys) {
    World w(3);
    Knowledge k(prose_spec());
    ClaimChecker c(prose_spec(), w.d, {"secrecy:DMKey"}, w.fp);
    for (std::size_t i = 0; i < w.ends.at(1); ++i) c.add(w.events()[i]);  // runs 0 and 1
    EXPECT_TRUE(c.check(k).empty());

    k.learn_key("DMKey", w.dmkey(0), "test");  // an old commit's key, learned later
    k.learn_key("DMKey", w.dmkey(2), "test");  // the key of a commit still to come
    const auto first = c.check(k);
    ASSERT_EQ(first.size(), 3u) << describe(first);
    for (const Violation& x : first) {
        EXPECT_EQ(x.evidence.at(0).session, w.event(0, "MTCd#0", EventKind::commit).session);
    }
    EXPECT_TRUE(c.check(k).empty());

    for (std::size_t i = w.ends.at(1); i < w.ends.at(2); ++i) c.add(w.events()[i]);
    const auto second = c.check(k);
    ASSERT_EQ(second.size(), 3u) << describe(second);
    for (const Violation& x : second) {
        EXPECT_EQ(x.evidence.at(0).session, w.event(2, "MTCd#0", EventKind::commit).session);
    }
    EXPECT_TRUE(c.check(k).empty());
}

TEST(ClaimChecker, ACommitNamingItsKeyIsJudgedOnlyByThatKeysClaims) {
    // A protocol with several keys names what each commit stands for ("key" param, a comma
    // list): secrecy:DMKey then judges only the commits that list DMKey.
    World w(1);
    std::vector<Event> events(w.events().begin(), w.events().begin() + w.ends.at(0));
    std::set<std::string> named_dmkey, named_other;
    for (Event& e : events) {
        if (e.kind != EventKind::commit) continue;
        const bool mtcd = e.instance == "MTCd#0";
        e.params["key"] = mtcd ? "other,DMKey" : "other";
        (mtcd ? named_dmkey : named_other).insert(e.instance);
    }
    ASSERT_FALSE(named_dmkey.empty());
    ASSERT_FALSE(named_other.empty());
    Knowledge k(prose_spec());
    k.learn_key("DMKey", w.dmkey(0), "test");
    auto judged = [&](const std::string& claim) {
        ClaimChecker c(prose_spec(), w.d, {claim}, w.fp);
        for (const Event& e : events) c.add(e);
        std::set<std::string> out;
        for (const Violation& v : c.check(k)) out.insert(v.evidence.at(0).instance);
        return out;
    };
    EXPECT_EQ(judged("secrecy:DMKey"), named_dmkey);
}

// Every instance of the deployment compromised at `at_us`.
void compromise_all(const World& w, Knowledge& k, std::int64_t at_us) {
    for (const InstancePlan& p : w.d.instances) k.compromise(p.instance, p.creds, at_us);
}

std::set<std::pair<std::string, std::uint64_t>> commits_in(const std::vector<Violation>& vs) {
    std::set<std::pair<std::string, std::uint64_t>> out;
    for (const Violation& v : vs) out.emplace(v.evidence.at(0).instance, v.evidence.at(0).session);
    return out;
}

TEST(ClaimChecker, ForwardSecrecyFlagsOnlyKeysCommittedBeforeTheCompromise) {
    World w(3);
    const std::int64_t commit0 = w.event(0, "MTCd#0", EventKind::commit).ts_us;
    const std::int64_t commit2 = w.event(2, "MTCd#0", EventKind::commit).ts_us;
    const std::int64_t begin2 = w.event(2, "MTCd#0", EventKind::begin).ts_us;
    ASSERT_LT(commit0, begin2);
    ASSERT_LT(begin2, commit2);
    // Everybody compromised once run 2 has begun; the attacker then knows the keys of runs 0
    // and 2 (as a compromise that can derive them would).
    Knowledge k(prose_spec());
    w.observe_clear(k);
    compromise_all(w, k, begin2);
    k.learn_key("DMKey", w.dmkey(0), "test: run 0");
    k.learn_key("DMKey", w.dmkey(2), "test: run 2");
    ClaimChecker c(prose_spec(), w.d, {"forward-secrecy:DMKey", "secrecy:DMKey"}, w.fp);
    for (const Event& e : w.events()) c.add(e);
    const auto v = c.check(k);
    EXPECT_EQ(claims_in(v), std::set<std::string>{"forward-secrecy:DMKey"}) << describe(v);
    const std::uint64_t s0 = w.event(0, "MTCd#0", EventKind::commit).session;
    EXPECT_EQ(commits_in(v), (std::set<std::pair<std::string, std::uint64_t>>{
                                 {"MTCd#0", s0}, {"UE#0", s0}, {"MTCs#0", s0}}))
        << describe(v);
    for (const Violation& x : v) {
        EXPECT_NE(x.summary.find("while both were honest"), std::string::npos) << x.summary;
        EXPECT_NE(x.summary.find("test: run 0"), std::string::npos) << x.summary;
        EXPECT_EQ(x.summary.find(to_hex(view(w.dmkey(0)))), std::string::npos) << x.summary;
    }
    EXPECT_TRUE(c.check(k).empty());
}

TEST(ClaimChecker, ForwardSecrecyWithoutACompromiseIsSecrecy) {
    World w(2);
    Knowledge k(prose_spec());
    k.learn_key("DMKey", w.dmkey(1), "test");
    const auto fs = [&] {
        ClaimChecker c(prose_spec(), w.d, {"forward-secrecy:DMKey"}, w.fp);
        for (const Event& e : w.events()) c.add(e);
        return c.check(k);
    }();
    const auto sec = [&] {
        ClaimChecker c(prose_spec(), w.d, {"secrecy:DMKey"}, w.fp);
        for (const Event& e : w.events()) c.add(e);
        return c.check(k);
    }();
    EXPECT_EQ(fs.size(), 3u) << describe(fs);
    EXPECT_EQ(commits_in(fs), commits_in(sec));

    // A party compromised from the start (an insider): its commits and those naming it as
    // peer were never honest, for either claim.
    k.compromise("UE#0", w.creds("UE#0"));
    ClaimChecker c(prose_spec(), w.d, {"forward-secrecy:DMKey", "secrecy:DMKey"}, w.fp);
    for (const Event& e : w.events()) c.add(e);
    const auto both = c.check(k);
    EXPECT_TRUE(both.empty()) << describe(both);
}

TEST(ClaimChecker, ForwardSecrecyCountsACompromiseOfThePeerBeforeTheCommit) {
    World w(2);
    const Event& mtcd_commit = w.event(1, "MTCd#0", EventKind::commit);
    Knowledge k(prose_spec());
    k.learn_key("DMKey", w.dmkey(1), "test");
    // Only the MTCd's peer is compromised, just before the MTCd commits.
    const std::string peer = mtcd_commit.peer;
    for (const InstancePlan& p : w.d.instances) {
        if (p.creds.identity == peer) k.compromise(p.instance, p.creds, mtcd_commit.ts_us - 1);
    }
    ClaimChecker c(prose_spec(), w.d, {"forward-secrecy:DMKey"}, w.fp);
    for (const Event& e : w.events()) c.add(e);
    const auto v = c.check(k);
    std::set<std::pair<std::string, std::uint64_t>> expected;
    for (const Event& e : w.events()) {
        // Honest at commit time: the commits before the peer's compromise, and those of
        // parties that neither are nor name the peer.
        if (e.kind != EventKind::commit || e.session != mtcd_commit.session) continue;
        const bool involves_peer = e.peer == peer || w.creds(e.instance).identity == peer;
        if (!involves_peer || e.ts_us < mtcd_commit.ts_us - 1)
            expected.emplace(e.instance, e.session);
    }
    EXPECT_EQ(commits_in(v), expected) << describe(v);
    EXPECT_EQ(expected.count({"MTCd#0", mtcd_commit.session}), 0u);
}

TEST(ClaimChecker, FreshnessCatchesANonceOrAKeyReusedAlone) {
    World w(2);
    Knowledge k(prose_spec());

    auto nonce_reuse = w.events();
    Event again = w.event(0, "MTCd#0", EventKind::commit);
    again.key_fp = std::string(32, 'a');  // another key, same nonces
    again.ts_us += 7;
    nonce_reuse.push_back(again);
    auto v = check_all(w, nonce_reuse, k);
    EXPECT_EQ(claims_in(v), std::set<std::string>{"freshness:DMKey"}) << describe(v);
    std::set<std::string> keys;
    for (const Violation& x : v) keys.insert(x.instance_key);
    EXPECT_EQ(keys, (std::set<std::string>{"MTCd|MTCdNonce|" + again.params.at("MTCdNonce"),
                                           "MTCd|MTCsNonce|" + again.params.at("MTCsNonce")}));

    auto key_reuse = w.events();
    Event same_key = w.event(0, "UE#0", EventKind::commit);
    same_key.params.erase("MTCdNonce");
    same_key.params.erase("MTCsNonce");
    same_key.ts_us += 7;
    key_reuse.push_back(same_key);
    v = check_all(w, key_reuse, k);
    ASSERT_EQ(v.size(), 1u) << describe(v);
    EXPECT_EQ(v[0].claim, "freshness:DMKey");
    EXPECT_EQ(v[0].instance_key, "UE|key_fp|" + *same_key.key_fp);
}

TEST(ClaimChecker, CrashesAndSupervisorFailuresBreakLiveness) {
    World w(1);
    Knowledge k(prose_spec());
    ClaimChecker c(prose_spec(), w.d, all_claims(), w.fp);
    for (const Event& e : w.events()) c.add(e);
    Event crash;
    crash.ts_us = w.events().back().ts_us + 1;
    crash.protocol = "prose";
    crash.role = "MTCs";
    crash.instance = "MTCs#0";
    crash.session = 77;
    crash.kind = EventKind::crash;
    crash.reason = "AddressSanitizer: heap-buffer-overflow";
    c.add(crash);
    c.add_liveness_failure("UE#0", "hung: no event for 30 s");
    auto v = c.check(k);
    ASSERT_EQ(v.size(), 2u) << describe(v);
    EXPECT_EQ(claims_in(v), std::set<std::string>{"liveness:roles"});
    std::set<std::string> who;
    for (const Violation& x : v) {
        ASSERT_EQ(x.evidence.size(), 1u);
        EXPECT_EQ(x.evidence[0].kind, EventKind::crash);
        who.insert(x.evidence[0].instance);
    }
    EXPECT_EQ(who, (std::set<std::string>{"MTCs#0", "UE#0"}));
    EXPECT_TRUE(c.check(k).empty());

    // The same failure again is a new failure.
    c.add_liveness_failure("UE#0", "hung: no event for 30 s");
    v = c.check(k);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].evidence[0].role, "UE");
    EXPECT_NE(v[0].summary.find("hung"), std::string::npos);
}

TEST(ClaimChecker, EachViolationIsReportedOnceAcrossChecks) {
    World w(3);
    Knowledge k(prose_spec());
    ClaimChecker c(prose_spec(), w.d, all_claims(), w.fp);
    for (const Event& e : w.events()) c.add(e);
    Event accept = w.event(0, "MTCs#0", EventKind::accept);
    accept.ts_us += 100;
    c.add(accept);
    const auto first = c.check(k);
    EXPECT_EQ(of_claim(first, "injective:MTCd->MTCs").size(), 1u) << describe(first);
    EXPECT_TRUE(c.check(k).empty());

    // A third acceptance of the same begin is a new violation; the same event again is not.
    accept.ts_us += 100;
    c.add(accept);
    const auto second = c.check(k);
    EXPECT_EQ(of_claim(second, "injective:MTCd->MTCs").size(), 1u) << describe(second);
    c.add(accept);
    EXPECT_TRUE(c.check(k).empty());
}

// reset() forgets what a run left behind: the same run judged again gives the same violations
// (none is held back as already reported), and honest events after it are judged alone (their
// nonces and keys are not reused from before, their acceptances match no earlier begin twice).
TEST(ClaimChecker, ResetJudgesTheNextRunAlone) {
    World w(3);
    Knowledge knows_dmkey(prose_spec());
    knows_dmkey.learn_key("DMKey", w.dmkey(1), "test");
    ClaimChecker c(prose_spec(), w.d, all_claims(), w.fp);
    Event again = w.event(0, "MTCs#0", EventKind::accept);
    again.ts_us += 100;
    const auto judge = [&](bool with_attack, const Knowledge& k) {
        for (const Event& e : w.events()) c.add(e);
        if (with_attack) c.add(again);
        return describe(c.check(k));
    };
    const std::string first = judge(true, knows_dmkey);
    EXPECT_NE(first.find("injective:MTCd->MTCs"), std::string::npos) << first;
    EXPECT_NE(first.find("secrecy:DMKey"), std::string::npos) << first;
    c.reset();
    EXPECT_EQ(judge(true, knows_dmkey), first);
    c.reset();
    EXPECT_EQ(judge(false, Knowledge(prose_spec())), "");
}

TEST(ClaimChecker, OnlyTheGivenClaimsAreCheckedAndGuessingIsNotJudged) {
    World w(2);
    Knowledge k(prose_spec());
    k.learn_key("DMKey", w.dmkey(0), "test");
    auto events = w.events();
    Event accept = w.event(0, "MTCs#0", EventKind::accept);
    events.push_back(accept);
    ClaimChecker c(prose_spec(), w.d, {"agreement:MTCd->MTCs", "guess-resistance:PSKey"}, w.fp);
    for (const Event& e : events) c.add(e);
    EXPECT_TRUE(c.check(k).empty());

    for (const char* id : {"secrecy:DMKey", "forward-secrecy:DMKey", "agreement:MTCd->MTCs",
                           "injective:MTCd->MTCs", "freshness:DMKey", "liveness:roles"}) {
        EXPECT_TRUE(ClaimChecker::judges(id)) << id;
    }
    EXPECT_FALSE(ClaimChecker::judges("guess-resistance:PSKey"));
    EXPECT_FALSE(ClaimChecker::judges("unknown:thing"));
}

TEST(ClaimChecker, ManySessionsCheckedOneByOneStayIncremental) {
    World w(600, "as-specified", {{"MTCd", 3}});
    Knowledge k(prose_spec());
    ClaimChecker c(prose_spec(), w.d, all_claims(), w.fp);
    std::size_t at = 0;
    std::size_t violations = 0;
    for (std::size_t run = 0; run < w.ends.size(); ++run) {
        for (; at < w.ends[run]; ++at) c.add(w.events()[at]);
        k.learn_key("guess", SecretBytes(32, static_cast<std::uint8_t>(run)), "test");
        if (run % 100 == 99) {  // replay the MTCs's acceptance of an earlier run
            Event e = w.event(run - 50, "MTCs#0", EventKind::accept);
            e.ts_us = w.events()[at - 1].ts_us + 1;
            c.add(e);
        }
        violations += c.check(k).size();
    }
    EXPECT_EQ(violations, 6u);
}

}  // namespace
}  // namespace mtc::test
