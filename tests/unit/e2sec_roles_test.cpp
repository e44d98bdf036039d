// E2SEC roles: honest runs through the generic simulation (every signature variant, both groups,
// both protocol variants), every check fed exactly the input that fails it - rejected with its
// own reason, and let through when that check alone is weakened (so removing a check fails a
// test) - the paper's replay gap and its hardened fix, and the attacker's recipes.
#include <functional>

#include "protocols/core/codec.hpp"
#include "protocols/core/registry.hpp"
#include "protocols/core/simulation.hpp"
#include "tests/unit/e2sec_fixture.hpp"

namespace mtc::test {
namespace {

using namespace mtc::e2sec;
using ::testing::HasSubstr;

BigNum num(const Message& m, std::uint8_t tag) {
    return BigNum::from_bytes(m.get_or_empty(tag));
}
void set_num(E2secWorld& w, Message& m, std::uint8_t tag, const BigNum& v, bool element) {
    m.set(tag, element ? encode_element(*w.G, v) : encode_scalar(*w.G, v));
}
E2secOptions with(const std::string& variant, const std::string& sig = "elgamal") {
    E2secOptions o;
    o.variant = variant;
    o.signature = sig;
    return o;
}

// Sets h to the hash the receiver recomputes for S1's current fields and r.
void rehash(E2secWorld& w, Message& s1) {
    const bool dsa = w.variant == SignatureVariant::dsa;
    const BigNum r = num(s1, dsa ? Rq : R);
    s1.set(H, encode_scalar(*w.G, message_hash(*w.G, w.variant, view(m_mtcs(s1)), r)));
}

BigNum p_minus_1(const E2secWorld& w) {
    Bytes b = w.G->p().to_bytes();
    b.back() = static_cast<std::uint8_t>(b.back() - 1);  // p is odd: no borrow
    return BigNum::from_bytes(view(b));
}

// ---- Registration and honest runs --------------------------------------------------------------

TEST(E2secSpec, SchemaIsWellFormedAndRegistered) {
    EXPECT_EQ(validate_schema(e2sec::schema()), std::nullopt);
    EXPECT_EQ(find_protocol("e2sec"), &e2sec::spec());
    EXPECT_EQ(find_protocol(kProtocolId), &e2sec::spec());
    for (const char* c :
         {"secrecy:SK", "forward-secrecy:SK", "agreement:MTCS->MTCD", "injective:MTCS->MTCD",
          "agreement:MTCD->MTCS", "injective:MTCD->MTCS", "freshness:SK", "liveness:roles"}) {
        bool found = false;
        for (const auto& claim : e2sec::spec().claims) found = found || claim.id == c;
        EXPECT_TRUE(found) << c;
    }
}

TEST(E2secSpec, OptionsAndDeploymentsAreValidated) {
    const ProtocolSpec& p = e2sec::spec();
    DeploymentOptions o;
    EXPECT_TRUE(p.validate(o).ok());
    o.options = {{"signature", "rsa"}};
    EXPECT_FALSE(p.validate(o).ok());
    o.options = {{"group", "dh_4096"}};
    EXPECT_FALSE(p.validate(o).ok());
    o.options = {{"signature", "dsa"}, {"group", "dh_1024_160"}};
    EXPECT_TRUE(p.validate(o).ok());
    o.settings = {{"EPC", {{"warrant_ttl_s", "-1"}}}};
    EXPECT_FALSE(p.validate(o).ok());
    o.settings = {{"EPC", {{"warrant_ttl_s", "60"}}}};
    EXPECT_TRUE(p.validate(o).ok());

    SeededRng rng(1, "provision");
    o.instances = {{"EPC", 2}};
    EXPECT_FALSE(p.provision(o, rng).ok());
    o.instances = {{"MTCD", 0}};
    EXPECT_FALSE(p.provision(o, rng).ok());
    o.instances = {{"Eve", 1}};
    EXPECT_FALSE(p.provision(o, rng).ok());
    o.instances = {{"MTCD", 3}, {"MTCS", 2}};
    auto d = p.provision(o, rng);
    ASSERT_TRUE(d.ok()) << d.error().describe();
    const InstancePlan* s1 = d->find("MTCS#1");
    ASSERT_NE(s1, nullptr);
    EXPECT_EQ(s1->creds.identity, "mtcs-1");
    EXPECT_EQ(s1->peers.at("MTCD0"), "MTCD#1");  // MTCD i is served by MTCS i % 2
    EXPECT_EQ(s1->peers.count("MTCD1"), 0u);
    EXPECT_EQ(d->find("MTCD#2")->peers.at("MTCS"), "MTCS#0");
    EXPECT_TRUE(d->find("MTCD#2")->creds.attrs.count("v:mtcs-0"));
    EXPECT_TRUE(d->find("EPC#0")->creds.secrets.count("CK:mtcd-2"));
}

SimulationOptions sim(const std::string& variant, const std::string& sig, const std::string& grp,
                      std::size_t n, std::map<std::string, int> instances = {}) {
    SimulationOptions o;
    o.deployment.variant = variant;
    o.deployment.options = {{"signature", sig}, {"group", grp}};
    o.deployment.instances = std::move(instances);
    o.sessions = n;
    o.seed = 7;
    return o;
}

TEST(E2secSimulation, EverySignatureGroupAndVariantCommitsOneKeyPerSession) {
    for (const char* variant : {"as-specified", "hardened"}) {
        for (const char* sig : {"elgamal", "schnorr", "dsa"}) {
            for (const char* grp : {"dh_1024_160", "dh_2048_256"}) {
                // ASan makes 2048-bit exponentiations slow: few sessions there.
                const std::size_t n = std::string(grp) == "dh_2048_256" ? 1 : 3;
                auto r = simulate(e2sec::spec(), sim(variant, sig, grp, n));
                ASSERT_TRUE(r.ok()) << r.error().describe();
                EXPECT_TRUE(r->all_committed(e2sec::spec())) << variant << " " << sig << " " << grp;
                EXPECT_EQ(r->sessions_key_agreed, n);
                EXPECT_EQ(r->roles.at("MTCD").commits, n);
                EXPECT_EQ(r->roles.at("MTCS").commits, n);
                EXPECT_EQ(r->roles.at("EPC").commits, 0u);
            }
        }
    }
}

TEST(E2secSimulation, ManyDevicesAndServersCommit) {
    for (const char* variant : {"as-specified", "hardened"}) {
        auto r = simulate(e2sec::spec(),
                          sim(variant, "schnorr", "dh_1024_160", 8, {{"MTCD", 5}, {"MTCS", 2}}));
        ASSERT_TRUE(r.ok()) << r.error().describe();
        EXPECT_TRUE(r->all_committed(e2sec::spec())) << variant;
        EXPECT_EQ(r->roles.at("MTCD").instances, 5u);
        EXPECT_EQ(r->roles.at("MTCS").instances, 2u);
    }
}

TEST(E2secHonest, KeysAgreeAndEventParamsMatchAcrossRoles) {
    for (const char* variant : {"as-specified", "hardened"}) {
        E2secWorld w(with(variant));
        w.run();
        auto cd = w.events("MTCD#0", EventKind::commit);
        auto cs = w.events("MTCS#0", EventKind::commit);
        ASSERT_EQ(cd.size(), 1u) << variant << ": " << w.last_reject("MTCD#0");
        ASSERT_EQ(cs.size(), 1u) << w.last_reject("MTCS#0");
        EXPECT_EQ(cd[0].key_fp, cs[0].key_fp);
        EXPECT_EQ(cd[0].params, cs[0].params);
        EXPECT_EQ(cd[0].peer, "mtcs-0");
        EXPECT_EQ(cs[0].peer, "mtcd-0");
        EXPECT_EQ(cs[0].params.count("N_D"), std::string(variant) == "hardened" ? 1u : 0u);
        // MTCS begin (S1) <= MTCD accept; MTCD begin (D1) == MTCS accept.
        auto bs = w.events("MTCS#0", EventKind::begin);
        auto ad = w.events("MTCD#0", EventKind::accept);
        ASSERT_EQ(bs.size(), 1u);
        ASSERT_EQ(ad.size(), 1u);
        EXPECT_EQ(bs[0].params, ad[0].params);
        EXPECT_EQ(w.events("MTCD#0", EventKind::begin)[0].params,
                  w.events("MTCS#0", EventKind::accept)[0].params);
        EXPECT_EQ(w.total(EventKind::reject) + w.total(EventKind::error), 0u);
        // A second run reuses both delegations: no new DelegationReq.
        const std::size_t before = w.log.size();
        w.run();
        for (std::size_t i = before; i < w.log.size(); ++i)
            EXPECT_NE(w.log[i].msg.type, DelegationReq);
        EXPECT_EQ(w.count("MTCD#0", EventKind::commit), 2u);
    }
}

TEST(E2secHonest, EveryMessageEncodesUnderTheSchema) {
    E2secWorld w(with("hardened", "dsa"));
    w.run();
    std::set<std::uint8_t> types;
    for (const auto& s : w.log) {
        auto enc = encode(e2sec::schema(), s.msg);
        ASSERT_TRUE(enc.ok()) << enc.error().describe();
        EXPECT_EQ(decode(e2sec::schema(), view(*enc)).value(), s.msg);
        types.insert(s.msg.type);
    }
    EXPECT_EQ(types.size(), 7u);
}

TEST(E2secHonest, EventsCarryNoSecrets) {
    E2secWorld w(with("hardened"));
    w.run();
    std::vector<std::string> secrets;
    for (const auto& plan : w.d.instances) {
        for (const auto& [name, value] : plan.creds.secrets) secrets.push_back(to_hex(view(value)));
    }
    for (const auto& s : w.log) {
        if (s.msg.type != Delegation) continue;
        auto sigma = open_sigma(s.msg, view(w.secret(s.to, "CK")));
        ASSERT_TRUE(sigma.ok());
        secrets.push_back(to_hex(view(*sigma)));
    }
    secrets.push_back(w.first_a().to_hex());
    for (const auto& e : w.sink.events) {
        const std::string line = to_json_line(e);
        for (const auto& s : secrets) EXPECT_EQ(line.find(s), std::string::npos) << line;
    }
}

// ---- Checks: rejected with their reason, let through when weakened -----------------------------

using Scenario = std::function<void(E2secWorld&)>;

// Runs `f` (whose last step feeds the bad input to `instance`) in a normal world and in one where
// `instance` skips `checks`. The normal role rejects with `reason`; the weakened one does not,
// and either rejects later with `weak_reason` or takes the input (an accept or commit more).
void expect_check(E2secOptions o, const std::string& instance, const std::set<std::string>& checks,
                  const std::string& reason, const Scenario& f,
                  const std::string& weak_reason = "") {
    E2secWorld normal(o);
    f(normal);
    EXPECT_THAT(normal.last_reject(instance), HasSubstr(reason));
    EXPECT_EQ(normal.count(instance, EventKind::reject), 1u);
    if (!weakening_enabled() || checks.empty()) return;
    o.weakened[instance] = checks;
    E2secWorld weak(o);
    f(weak);
    for (const auto& e : weak.events(instance, EventKind::reject)) {
        EXPECT_THAT(e.reason.value_or(""), ::testing::Not(HasSubstr(reason)));
    }
    if (weak_reason.empty()) {
        EXPECT_EQ(weak.count(instance, EventKind::reject), 0u) << weak.last_reject(instance);
        EXPECT_GT(
            weak.count(instance, EventKind::accept) + weak.count(instance, EventKind::commit) +
                weak.count(instance, EventKind::begin),
            normal.count(instance, EventKind::accept) + normal.count(instance, EventKind::commit) +
                normal.count(instance, EventKind::begin));
    } else {
        EXPECT_THAT(weak.last_reject(instance), HasSubstr(weak_reason));
    }
}

// S1 from the honest MTCS, changed by `edit`, delivered to the MTCD.
Scenario s1_edit(std::function<void(E2secWorld&, Message&)> edit) {
    return [edit](E2secWorld& w) {
        Message s1 = w.s1();
        edit(w, s1);
        w.pump("MTCS#0", {Outbound{"MTCD#0", s1}}, {D1});
    };
}
// Re-signed by the MTCS with the key it holds, so only the edited item is wrong.
Scenario s1_resigned(std::function<void(E2secWorld&, Message&)> edit) {
    return s1_edit([edit](E2secWorld& w, Message& s1) {
        edit(w, s1);
        w.sign(s1, w.held_key("MTCS#0"));
    });
}
// Signed under a delegation with warrant `w_of(world)` (made with the EPC's key).
Scenario s1_under(std::function<Warrant(E2secWorld&)> w_of) {
    return s1_edit(
        [w_of](E2secWorld& w, Message& s1) { w.sign(s1, w.forge_key("MTCS#0", w_of(w))); });
}

TEST(E2secChecks, S1SignatureAndHash) {
    expect_check({}, "MTCD#0", {"signature"}, "S1 proxy signature does not verify",
                 s1_edit([](E2secWorld& w, Message& m) {
                     set_num(w, m, S, w.G->add_q(num(m, S), BigNum(1)), false);
                 }));
    expect_check({}, "MTCD#0", {"h-recompute"}, "S1 h does not match the recomputed hash",
                 s1_edit([](E2secWorld& w, Message& m) {
                     set_num(w, m, H, w.G->add_q(num(m, H), BigNum(1)), false);
                 }));
    for (const char* sig : {"schnorr", "dsa"}) {
        E2secOptions o;
        o.signature = sig;
        expect_check(o, "MTCD#0", {"signature"}, "S1 proxy signature does not verify",
                     s1_edit([](E2secWorld& w, Message& m) {
                         set_num(w, m, S, w.G->add_q(num(m, S), BigNum(1)), false);
                     }));
    }
}

TEST(E2secChecks, S1RangesAndSubgroups) {
    const auto pm1 = [](E2secWorld& w) { return p_minus_1(w); };
    // r = p - 1 (order 2): caught here, and again inside the signature check.
    const auto r_is_pm1 = s1_edit([pm1](E2secWorld& w, Message& m) {
        set_num(w, m, R, pm1(w), true);
        rehash(w, m);
    });
    expect_check({}, "MTCD#0", {"subgroup"}, "S1 r not in the subgroup", r_is_pm1,
                 "S1 proxy signature does not verify");
    expect_check({}, "MTCD#0", {"subgroup", "signature"}, "S1 r not in the subgroup", r_is_pm1);
    // K = p - 1.
    expect_check({}, "MTCD#0", {"subgroup"}, "S1 K not in the subgroup",
                 s1_edit([pm1](E2secWorld& w, Message& m) { set_num(w, m, K, pm1(w), true); }),
                 "S1 proxy signature does not verify");
    // g^a outside the subgroup, properly signed: p - 1, and 2 (not a member of the order-q
    // subgroup of these groups).
    expect_check(
        {}, "MTCD#0", {"subgroup"}, "S1 g^a not in the subgroup",
        s1_resigned([pm1](E2secWorld& w, Message& m) { set_num(w, m, gA, pm1(w), true); }));
    expect_check(
        {}, "MTCD#0", {"subgroup"}, "S1 g^a not in the subgroup",
        s1_resigned([](E2secWorld& w, Message& m) { set_num(w, m, gA, BigNum(2), true); }));
    // s = 0.
    expect_check({}, "MTCD#0", {"s-range"}, "S1 s out of range",
                 s1_edit([](E2secWorld& w, Message& m) { set_num(w, m, S, BigNum(0), false); }),
                 "S1 proxy signature does not verify");
    expect_check({}, "MTCD#0", {"s-range", "signature"}, "S1 s out of range",
                 s1_edit([](E2secWorld& w, Message& m) { set_num(w, m, S, BigNum(0), false); }));
    // E-DSA: r_q = q.
    E2secOptions dsa;
    dsa.signature = "dsa";
    expect_check(dsa, "MTCD#0", {"r-range"}, "S1 r_q out of range",
                 s1_edit([](E2secWorld& w, Message& m) { set_num(w, m, Rq, w.G->q(), false); }),
                 "S1 proxy signature does not verify");
    expect_check(dsa, "MTCD#0", {"r-range", "signature"}, "S1 r_q out of range",
                 s1_edit([](E2secWorld& w, Message& m) { set_num(w, m, Rq, w.G->q(), false); }));
}

TEST(E2secChecks, S1Warrant) {
    expect_check({}, "MTCD#0", {"warrant-proxy"}, "S1 warrant names another proxy",
                 s1_under([](E2secWorld& w) { return w.warrant("epc-0", "mtcs-9"); }));
    expect_check({}, "MTCD#0", {"warrant-delegator"}, "S1 warrant names another delegator",
                 s1_under([](E2secWorld& w) { return w.warrant("epc-9", "mtcs-0"); }));
    expect_check({}, "MTCD#0", {"warrant-expiry"}, "S1 warrant expired",
                 s1_under([](E2secWorld& w) { return w.warrant("epc-0", "mtcs-0", -10); }));
    // The EPC's own short warrant, run out by the clock between S1 and its delivery.
    E2secOptions o;
    o.settings["EPC#0"] = {{"warrant_ttl_s", "60"}};
    expect_check(o, "MTCD#0", {"warrant-expiry"}, "S1 warrant expired",
                 s1_edit([](E2secWorld& w, Message&) { w.clock.advance_us(61'000'000); }));
}

TEST(E2secChecks, S1IdentitiesAlgorithmsAndForm) {
    expect_check({}, "MTCD#0", {"id"}, "S1 is for another MTCD",
                 s1_resigned([](E2secWorld&, Message& m) { m.set(ID_MTCD, to_bytes("mtcd-7")); }));
    expect_check({}, "MTCD#0", {"sig-alg"}, "S1 sig_alg is not the configured signature",
                 s1_edit([](E2secWorld& w, Message& m) {
                     w.sign(m, w.held_key("MTCS#0"), SignatureVariant::schnorr);
                 }));
    expect_check({}, "MTCD#0", {"r-form"}, "S1 carries r_q for elgamal",
                 s1_edit([](E2secWorld& w, Message& m) { set_num(w, m, Rq, BigNum(5), false); }));
    // Not weakenable: the role cannot go on without them.
    expect_check({}, "MTCD#0", {}, "S1 sig_alg is unknown",
                 s1_edit([](E2secWorld&, Message& m) { m.set(SigAlg, Bytes{9}); }));
    expect_check({}, "MTCD#0", {}, "S1 group is not the configured group",
                 s1_edit([](E2secWorld&, Message& m) { m.set(Group, Bytes{1}); }));
    expect_check({}, "MTCD#0", {}, "S1 lacks h",
                 s1_edit([](E2secWorld&, Message& m) { m.erase(H); }));
    expect_check({}, "MTCD#0", {}, "S1 lacks r",
                 s1_edit([](E2secWorld&, Message& m) { m.erase(R); }));
    expect_check({}, "MTCD#0", {}, "S1 s has the wrong length",
                 s1_edit([](E2secWorld&, Message& m) { m.set(S, Bytes(5, 1)); }));
    expect_check({}, "MTCD#0", {}, "S1 signer has no known public key",
                 s1_resigned([](E2secWorld&, Message& m) { m.set(ID_MTCS, to_bytes("mtcs-5")); }));
    expect_check({}, "MTCD#0", {}, "unexpected D1", [](E2secWorld& w) {
        Message m = w.s1();
        m.type = D1;
        w.to_mtcd(m);
    });
}

// D1 from the honest MTCD, changed by `edit` (given g^ab, known through the MTCS's a), to the
// MTCS.
Scenario d1_edit(std::function<void(E2secWorld&, Message&, const Bytes& g_ab)> edit) {
    return [edit](E2secWorld& w) {
        Message d1 = w.d1(w.s1());
        const BigNum a = w.first_a();
        const Bytes g_ab = encode_element(*w.G, w.G->exp(num(d1, gB), a));
        edit(w, d1, g_ab);
        w.to_mtcs(d1);
    };
}

TEST(E2secChecks, D1AtTheMTCS) {
    expect_check({}, "MTCS#0", {"signature"}, "D1 proxy signature does not verify",
                 d1_edit([](E2secWorld& w, Message& m, const Bytes&) {
                     set_num(w, m, S, w.G->add_q(num(m, S), BigNum(1)), false);
                 }));
    expect_check({}, "MTCS#0", {"h-recompute"}, "D1 h does not match the recomputed hash",
                 d1_edit([](E2secWorld& w, Message& m, const Bytes&) {
                     set_num(w, m, H, w.G->add_q(num(m, H), BigNum(1)), false);
                 }));
    // g^b = p - 1, signed by the MTCD over the g^ab it gives.
    expect_check({}, "MTCS#0", {"subgroup"}, "D1 g^b not in the subgroup",
                 d1_edit([](E2secWorld& w, Message& m, const Bytes&) {
                     set_num(w, m, gB, p_minus_1(w), true);
                     const Bytes g_ab = encode_element(*w.G, w.G->exp(num(m, gB), w.first_a()));
                     w.sign(m, w.held_key("MTCD#0"), view(g_ab));
                 }));
    expect_check({}, "MTCS#0", {"id"}, "D1 names other identities",
                 d1_edit([](E2secWorld& w, Message& m, const Bytes& g_ab) {
                     m.set(ID_MTCS, to_bytes("mtcs-3"));
                     w.sign(m, w.held_key("MTCD#0"), view(g_ab));
                 }));
    expect_check({}, "MTCS#0", {"warrant-proxy"}, "D1 warrant names another proxy",
                 d1_edit([](E2secWorld& w, Message& m, const Bytes& g_ab) {
                     w.sign(m, w.forge_key("MTCD#0", w.warrant("epc-0", "mtcd-9")), view(g_ab));
                 }));
    expect_check({}, "MTCS#0", {}, "D1 for an unknown session",
                 d1_edit([](E2secWorld&, Message& m, const Bytes&) { m.session ^= 1; }));
    // A D1 replayed after the run completed: taken again only with "session" weakened.
    expect_check({}, "MTCS#0", {"session"}, "D1 for a session already completed",
                 [](E2secWorld& w) {
                     Message d1 = w.d1(w.s1());
                     w.to_mtcs(d1);
                     w.to_mtcs(d1);
                 });
}

// ---- The paper's replay gap and the hardened variant -------------------------------------------

TEST(E2secReplay, AsSpecifiedMTCDAcceptsAReplayedS1InAFreshSession) {
    E2secWorld w;
    const Message s1 = w.s1();
    w.d1(s1);
    Message replay = s1;
    replay.session ^= 0x5555;
    w.pump("MTCS#0", {Outbound{"MTCD#0", replay}}, {D1});
    // The gap: two accepts and two commits on one MTCS run (injective:MTCS->MTCD fails).
    EXPECT_EQ(w.count("MTCD#0", EventKind::accept), 2u);
    EXPECT_EQ(w.count("MTCD#0", EventKind::commit), 2u);
    EXPECT_EQ(w.count("MTCS#0", EventKind::begin), 1u);
    EXPECT_EQ(w.count("MTCD#0", EventKind::reject), 0u);
}

E2secOptions hardened() {
    E2secOptions o;
    o.variant = "hardened";
    return o;
}

TEST(E2secReplay, HardenedRejectsReplayedS1) {
    // The same session again, after the run.
    expect_check(hardened(), "MTCD#0", {"challenge"},
                 "S1 for a session whose challenge was already answered", [](E2secWorld& w) {
                     const Message s1 = w.s1();
                     w.pump("MTCS#0", {Outbound{"MTCD#0", s1}});
                     w.to_mtcd(s1);
                 });
    // In a fresh session, whose challenge the old S1 does not sign.
    expect_check(hardened(), "MTCD#0", {"challenge"}, "S1 N_D is not the session's challenge",
                 [](E2secWorld& w) {
                     Message s1 = w.s1();
                     w.pump("MTCS#0", {Outbound{"MTCD#0", s1}});
                     const Message next = w.s1();  // Trigger / Challenge of a new session
                     s1.session = next.session;
                     w.to_mtcd(s1);
                 });
    // Without any challenge.
    expect_check(hardened(), "MTCD#0", {"challenge"}, "S1 for a session with no pending challenge",
                 s1_edit([](E2secWorld&, Message& m) { m.session ^= 1; }));
    expect_check(hardened(), "MTCD#0", {"challenge"}, "S1 lacks N_D",
                 s1_resigned([](E2secWorld&, Message& m) { m.erase(N_D); }));
}

TEST(E2secReplay, HardenedMTCDCommitsOnlyOnAValidConfirm) {
    E2secWorld w(hardened());
    const Message d1 = w.d1(w.s1());
    EXPECT_EQ(w.count("MTCD#0", EventKind::begin), 1u);
    EXPECT_EQ(w.count("MTCD#0", EventKind::commit), 0u);
    auto out = w.to_mtcs(d1);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.type, Confirm);
    w.to_mtcd(out[0].msg);
    EXPECT_EQ(w.count("MTCD#0", EventKind::commit), 1u);

    // Confirm is the MTCS's answer to D1.
    auto confirm_of = [](E2secWorld& x) {
        auto v = x.to_mtcs(x.d1(x.s1()));
        EXPECT_EQ(v.size(), 1u);
        return v.empty() ? Message{} : v[0].msg;
    };
    expect_check(hardened(), "MTCD#0", {"confirm"}, "Confirm MAC_S does not verify",
                 [confirm_of](E2secWorld& x) {
                     Message c = confirm_of(x);
                     Bytes mac = to_bytes(c.get_or_empty(MAC_S));
                     mac[0] ^= 1;
                     c.set(MAC_S, mac);
                     x.to_mtcd(c);
                 });
    expect_check(hardened(), "MTCD#0", {"session"}, "Confirm for a session already completed",
                 [confirm_of](E2secWorld& x) {
                     const Message c = confirm_of(x);
                     x.to_mtcd(c);
                     x.to_mtcd(c);
                 });
    expect_check(hardened(), "MTCD#0", {"id"}, "Confirm names other identities",
                 [confirm_of](E2secWorld& x) {
                     Message c = confirm_of(x);
                     c.set(ID_MTCS, to_bytes("mtcs-8"));
                     x.to_mtcd(c);
                 });
    expect_check(hardened(), "MTCD#0", {}, "Confirm for no run awaiting confirmation",
                 [confirm_of](E2secWorld& x) {
                     Message c = confirm_of(x);
                     c.session ^= 1;
                     x.to_mtcd(c);
                 });
}

TEST(E2secReplay, AFloodOfTriggersEvictsOldChallengesInsteadOfGrowing) {
    E2secWorld w(hardened());
    auto trig = w.pump("MTCS#0", w.r("MTCS#0").start(), {Trigger});
    ASSERT_EQ(trig.size(), 1u);
    auto ch = w.pump("MTCS#0", {Outbound{"MTCD#0", trig[0]}}, {Challenge});
    ASSERT_EQ(ch.size(), 1u);
    Message t = trig[0];
    for (std::uint64_t i = 1; i <= 5000; ++i) {
        t.session = trig[0].session + i;
        w.r("MTCD#0").on_message(Inbound{t, "MTCS#0", std::nullopt});
    }
    w.pump("MTCD#0", {Outbound{"MTCS#0", ch[0]}});
    EXPECT_EQ(w.last_reject("MTCD#0"), "S1 for a session with no pending challenge");
}

// ---- Delegation --------------------------------------------------------------------------------

// The MTCS's first run up to the Delegation it is sent, which `edit` changes before delivery.
Scenario delegation_edit(std::function<void(E2secWorld&, Message&)> edit) {
    return [edit](E2secWorld& w) {
        auto v = w.pump("MTCS#0", w.r("MTCS#0").start(), {Delegation});
        ASSERT_EQ(v.size(), 1u);
        edit(w, v[0]);
        w.pump("EPC#0", {Outbound{"MTCS#0", v[0]}}, {S1});
    };
}
// Re-seals `del` under the MTCS's CK with a delegation made by `make`.
void reseal(E2secWorld& w, Message& del, const struct Delegation& d) {
    put_warrant(del, d.m_w);
    del.set(K, encode_element(*w.G, d.K));
    SeededRng rng(3, "reseal");
    del.set(EncSigma,
            seal_sigma(del, view(w.secret("MTCS#0", "CK")), view(encode_scalar(*w.G, d.sigma)), rng)
                .value());
}

TEST(E2secChecks, DelegationAtTheProxy) {
    expect_check({}, "MTCS#0", {}, "Delegation does not open under CK",
                 delegation_edit([](E2secWorld&, Message& m) {
                     Bytes enc = to_bytes(m.get_or_empty(EncSigma));
                     enc.back() ^= 1;
                     m.set(EncSigma, enc);
                 }));
    expect_check({}, "MTCS#0", {}, "Delegation does not open under CK",
                 delegation_edit([](E2secWorld& w, Message& m) {
                     set_num(w, m, K, w.G->g(), true);  // K is in the AAD
                 }));
    expect_check({}, "MTCS#0", {"delegation-request"}, "Delegation answers no pending request",
                 delegation_edit([](E2secWorld&, Message& m) { m.session ^= 1; }));
    expect_check({}, "MTCS#0", {"delegation-request"},
                 "Delegation N_req does not match the request",
                 delegation_edit([](E2secWorld&, Message& m) { m.set(N_req, Bytes(16, 7)); }),
                 "Delegation does not open under CK");
    // The EPC's Delegation for the MTCD, in answer to a request under the MTCS's session.
    expect_check(
        {}, "MTCS#0", {"delegation-request"}, "Delegation is for another proxy",
        [](E2secWorld& w) {
            auto req = w.pump("MTCS#0", w.r("MTCS#0").start(), {DelegationReq});
            ASSERT_EQ(req.size(), 1u);
            // The MTCS's own request (session, N_req) stays pending; the EPC is
            // asked, under the same session and N_req, for the MTCD's delegation.
            Message other = req[0];
            other.set(ID_X, to_bytes("mtcd-0"));
            auto del = w.deliver("EPC#0", other, "MTCD#0");
            ASSERT_EQ(del.size(), 1u);
            w.deliver("MTCS#0", del[0].msg, "EPC#0");
        },
        "Delegation does not open under CK");
    // Sealed under the right CK, but sigma + 1: the equation of eq. (4) fails.
    expect_check({}, "MTCS#0", {"delegation-equation"}, "Delegation delegation equation fails",
                 delegation_edit([](E2secWorld& w, Message& m) {
                     auto sigma = open_sigma(m, view(w.secret("MTCS#0", "CK"))).value();
                     struct Delegation d {
                         warrant_of(m).value(),
                             num(m, K), w.G->add_q(BigNum::from_bytes(view(sigma)), BigNum(1))
                     };
                     reseal(w, m, d);
                 }));
    // A genuine EPC delegation, but its warrant names another proxy.
    expect_check({}, "MTCS#0", {"delegation-warrant"}, "Delegation warrant names another proxy",
                 delegation_edit([](E2secWorld& w, Message& m) {
                     SeededRng rng(5, "deleg");
                     reseal(w, m,
                            delegate(*w.G, w.x_of("EPC#0"), w.warrant("epc-0", "mtcs-4"), rng));
                 }));
    expect_check({}, "MTCS#0", {"delegation-warrant"}, "Delegation warrant expired",
                 delegation_edit([](E2secWorld& w, Message& m) {
                     SeededRng rng(5, "deleg");
                     reseal(w, m,
                            delegate(*w.G, w.x_of("EPC#0"), w.warrant("epc-0", "mtcs-0", -5), rng));
                 }));
}

TEST(E2secChecks, EPCAnswersOnlyRegisteredProxies) {
    E2secWorld w;
    Message req;
    req.protocol = kProtocolId;
    req.type = DelegationReq;
    req.set(ID_X, to_bytes("mtcs-77"));
    req.set(N_req, Bytes(16, 1));
    EXPECT_TRUE(w.deliver("EPC#0", req, "x").empty());
    EXPECT_EQ(w.last_reject("EPC#0"), "DelegationReq from an unregistered proxy");
    req.type = S1;
    EXPECT_TRUE(w.deliver("EPC#0", req, "x").empty());
    EXPECT_THAT(w.last_reject("EPC#0"), HasSubstr("unexpected S1"));
}

// ---- Robustness --------------------------------------------------------------------------------

TEST(E2secRobustness, GarbageNeverCrashesARole) {
    for (const char* variant : {"as-specified", "hardened"}) {
        E2secWorld w(with(variant));
        w.run();  // both proxies hold a delegation, so S1 / D1 reach the expensive checks
        SeededRng rng(11, "garbage");
        for (int i = 0; i < 300; ++i) {
            Message m;
            m.protocol = kProtocolId;
            m.type = static_cast<std::uint8_t>(rng.uniform(9));
            m.session = rng.uniform(4);
            for (std::uint8_t tag = 1; tag <= 20; ++tag) {
                if (rng.uniform(3) == 0) continue;
                const std::size_t len = rng.uniform(2) == 0 ? rng.uniform(300) : rng.uniform(3);
                m.set(tag, rng.bytes(len));
            }
            if (rng.uniform(2) == 0)
                m.set(SigAlg, Bytes{static_cast<std::uint8_t>(rng.uniform(4))});
            if (rng.uniform(2) == 0) m.set(Group, Bytes{2});
            for (const char* r : {"EPC#0", "MTCD#0", "MTCS#0"}) w.deliver(r, m, "fuzz");
        }
        EXPECT_EQ(w.total(EventKind::crash), 0u);
    }
}

// ---- Recipes -----------------------------------------------------------------------------------

TEST(E2secRecipes, KeyRecipeRecoversSKFromAnExponentAndNotFromLongTermSecrets) {
    E2secWorld w;
    const Message s1 = w.s1();
    const Message d1 = w.d1(s1);
    w.to_mtcs(d1);
    const std::string fp = *w.events("MTCS#0", EventKind::commit).at(0).key_fp;
    ASSERT_EQ(fp, *w.events("MTCD#0", EventKind::commit).at(0).key_fp);
    const KeyRecipe& kr = e2sec::spec().recipes.keys.at(0);
    EXPECT_EQ(kr.key, "SK");
    const std::vector<const Message*> msgs{&s1, &d1};
    auto matches = [&](BytesView x) {
        auto c = kr.derive(msgs, x);
        EXPECT_TRUE(c.ok());
        bool hit = false;
        for (const auto& k : *c) hit = hit || w.fp.fingerprint(view(k)) == fp;
        return hit;
    };
    EXPECT_TRUE(matches(view(w.first_a().to_bytes())));
    // Forward secrecy: every long-term and delegation secret is useless.
    for (const auto& plan : w.d.instances) {
        for (const auto& [name, value] : plan.creds.secrets) EXPECT_FALSE(matches(view(value)));
    }
    for (const char* p : {"MTCS#0", "MTCD#0"}) {
        EXPECT_FALSE(matches(view(w.held_key(p).key.sigma_prime.to_bytes())));
    }
    EXPECT_FALSE(kr.derive({&d1, &s1}, view(w.first_a().to_bytes())).ok());
    Message bad = s1;
    bad.erase(gA);
    EXPECT_FALSE(kr.derive({&bad, &d1}, view(w.first_a().to_bytes())).ok());
}

TEST(E2secRecipes, ShareAndSealRecipes) {
    E2secWorld w;
    const auto& r = e2sec::spec().recipes;
    ASSERT_EQ(r.shares.size(), 2u);
    auto share = r.shares[0].share(w.d, view(Bytes{1, 2, 3}));
    ASSERT_TRUE(share.ok());
    EXPECT_TRUE(w.G->check_element(BigNum::from_bytes(view(*share))).ok());
    EXPECT_EQ(*share, encode_element(*w.G, w.G->exp_g(BigNum(0x010203))));
    EXPECT_FALSE(r.shares[1].share(w.d, view(w.G->q().to_bytes())).ok());

    w.run();
    ASSERT_EQ(r.seals.size(), 1u);
    const SealRecipe& seal = r.seals[0];
    EXPECT_EQ(seal.secret, "CK");
    EXPECT_EQ(seal.identity_field, "ID_X");
    for (const auto& s : w.log) {
        if (s.msg.type != Delegation) continue;
        const std::string x = to_string(s.msg.get_or_empty(ID_X));
        auto sigma = seal.open(s.msg, view(w.secret("EPC#0", "CK:" + x)));
        ASSERT_TRUE(sigma.ok());
        struct Delegation d {
            warrant_of(s.msg).value(), num(s.msg, K), BigNum::from_bytes(view(*sigma))
        };
        EXPECT_TRUE(verify_delegation(*w.G, w.v_epc(), d, view(std::string_view("epc-0")), view(x),
                                      static_cast<std::uint64_t>(w.clock.now_s()))
                        .ok());
        EXPECT_FALSE(seal.open(s.msg, view(Bytes(16, 0))).ok());
    }
}

TEST(E2secRecipes, FlowsCoverEveryMessage) {
    const auto& r = e2sec::spec().recipes;
    for (const auto& m : e2sec::schema().messages) EXPECT_NE(r.flow(m.type), nullptr) << m.name;
    EXPECT_TRUE(e2sec::spec().secure_links.empty());
}

}  // namespace
}  // namespace mtc::test
