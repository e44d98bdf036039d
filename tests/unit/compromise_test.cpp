// The compromise strategy (forward secrecy) and the attacker's own DH shares, over a toy
// Diffie-Hellman protocol built here on the real RFC 5114 1024-bit group:
//
//   Hello  A -> B   IdA, ShareA = g^a, [Box = a sealed under A's long-term key LT]
//   Reply  B -> A   IdB, ShareB = g^b, NonceB, Blob (a group element with no share recipe)
//   SK = SHA-256(g^ab || g^a || g^b)
//
// With a KeyRecipe (SK from Hello, Reply and either exponent), ShareRecipes for ShareA and
// ShareB, and a SealRecipe for Box (yields "eph:<IdA>"). The compromise must recover an
// earlier SK exactly when an ephemeral exponent is among the secrets it holds, learn only
// candidates that match a commit, and the claim checker's forward-secrecy must then flag only
// the commits made before the compromise. modify and mitm must plan real shares (in the
// subgroup) for the recipe fields and attacker bytes for the others.
#include "attacks/compromise.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "attacks/checker.hpp"
#include "attacks/knowledge.hpp"
#include "attacks/strategy.hpp"
#include "attacks/term.hpp"
#include "attacks/trace.hpp"
#include "protocols/core/codec.hpp"
#include "protocols/core/crypto/dl_group.hpp"
#include "protocols/core/crypto/hash.hpp"
#include "protocols/core/event.hpp"
#include "protocols/core/rng.hpp"
#include "tests/unit/prose_capture.hpp"

namespace mtc::test {
namespace {

using attacks::ClaimChecker;
using attacks::CompromiseInput;
using attacks::CompromiseOutcome;
using attacks::Knowledge;
using attacks::PlanContext;
using attacks::Trace;
using crypto::BigNum;
using json = nlohmann::json;

constexpr std::uint8_t kHello = 1, kReply = 2;
constexpr std::uint8_t kIdA = 1, kShareA = 2, kBox = 3, kIdB = 4, kShareB = 5, kNonceB = 6,
                       kBlob = 7;

const crypto::DlGroup& group() {
    static const crypto::DlGroup g = crypto::DlGroup::named(crypto::GroupId::dh_1024_160).value();
    return g;
}

Bytes element(const BigNum& y) {
    return y.to_bytes_padded(group().element_bytes());
}

bool in_subgroup(BytesView y) {
    const BigNum b = BigNum::from_bytes(y);
    return group().check_element(b).ok() && group().exp(b, group().q()).is_one();
}

// The toy seal: Box = a XOR SHA-256("box" || LT)[0..len).
Bytes xor_pad(BytesView data, BytesView key) {
    static const Bytes label = to_bytes("box");
    const auto pad = crypto::sha256({view(label), key});
    Bytes out(data.begin(), data.end());
    for (std::size_t i = 0; i < out.size() && i < pad.size(); ++i) out[i] ^= pad[i];
    return out;
}

SecretBytes session_key(BytesView shared, BytesView ga, BytesView gb) {
    const auto d = crypto::sha256({shared, ga, gb});
    return SecretBytes(d.begin(), d.end());
}

Schema make_schema() {
    Schema s;
    s.protocol = "toydh";
    s.protocol_id = 0x7d;
    const auto n = static_cast<std::uint16_t>(group().element_bytes());
    s.messages = {
        MessageSpec{kHello,
                    "Hello",
                    {FieldSpec{kIdA, "IdA", FieldKind::identity, 1, 32, true},
                     FieldSpec{kShareA, "ShareA", FieldKind::group_element, n, n, true},
                     FieldSpec{kBox, "Box", FieldKind::ciphertext, 1, 64, false}}},
        MessageSpec{kReply,
                    "Reply",
                    {FieldSpec{kIdB, "IdB", FieldKind::identity, 1, 32, true},
                     FieldSpec{kShareB, "ShareB", FieldKind::group_element, n, n, true},
                     FieldSpec{kNonceB, "NonceB", FieldKind::nonce, 16, 16, true},
                     FieldSpec{kBlob, "Blob", FieldKind::group_element, n, n, true}}},
    };
    return s;
}

const Schema& toy_schema() {
    static const Schema s = make_schema();
    return s;
}

Result<Bytes> toy_share(const Deployment& /*d*/, BytesView exponent) {
    const BigNum x = BigNum::from_bytes(exponent);
    if (auto st = group().check_scalar(x); !st) return st.error();
    return element(group().exp_g(x));
}

Result<std::vector<SecretBytes>> toy_derive(const std::vector<const Message*>& msgs,
                                            BytesView exponent) {
    if (msgs.size() != 2) return make_error("toy: two messages");
    const Bytes* ga = msgs[0]->get(kShareA);
    const Bytes* gb = msgs[1]->get(kShareB);
    if (ga == nullptr || gb == nullptr) return make_error("toy: shares missing");
    const BigNum z = BigNum::from_bytes(exponent);
    if (auto st = group().check_scalar(z); !st) return st.error();
    std::vector<SecretBytes> out;
    for (const Bytes* peer : {gb, ga}) {  // z as A's exponent, then as B's
        const Bytes shared = element(group().exp(BigNum::from_bytes(view(*peer)), z));
        out.push_back(session_key(view(shared), view(*ga), view(*gb)));
    }
    return out;
}

ProtocolSpec make_spec(bool with_key_recipe) {
    ProtocolSpec p;
    p.name = "toydh";
    p.title = "toy Diffie-Hellman";
    p.schema = &toy_schema();
    RoleSpec a;
    a.name = "A";
    a.initiator = true;
    RoleSpec b;
    b.name = "B";
    p.roles = {a, b};
    p.claims = {{"forward-secrecy:SK", "SK stays secret after a later compromise", "toy", true},
                {"secrecy:SK", "SK stays secret", "toy", true}};
    p.recipes.flows = {{kHello, "A", "B"}, {kReply, "B", "A"}};
    p.recipes.shares = {{kHello, "ShareA", toy_share}, {kReply, "ShareB", toy_share}};
    if (with_key_recipe) p.recipes.keys = {{"SK", {kHello, kReply}, toy_derive}};
    p.recipes.seals = {{kHello, "Box", "LT", "IdA", "eph",
                        [](const Message& m, BytesView key) -> Result<SecretBytes> {
                            const Bytes* box = m.get(kBox);
                            if (box == nullptr) return make_error("toy: no box");
                            const Bytes a = xor_pad(view(*box), key);
                            return SecretBytes(a.begin(), a.end());
                        }}};
    return p;
}

const ProtocolSpec& toy_spec() {
    static const ProtocolSpec p = make_spec(true);
    return p;
}

const ProtocolSpec& toy_spec_without_key_recipe() {
    static const ProtocolSpec p = make_spec(false);
    return p;
}

// One honest run as the attacker saw it, with what the parties computed.
struct ToyRun {
    std::string label;
    Bytes a;  // A's ephemeral exponent (scalar_bytes, big-endian)
    SecretBytes sk;
    Message hello, reply;
};

struct Toy {
    Deployment d;
    KeyFingerprinter fp{SecretBytes(32, 0x5a)};
    Knowledge k;
    std::vector<ToyRun> runs;

    explicit Toy(const ProtocolSpec& spec = toy_spec()) : k(spec) {
        InstancePlan a;
        a.role = "A";
        a.instance = "A#0";
        a.creds.identity = "alice";
        a.creds.secrets["LT"] = SecretBytes(16, 0x11);
        a.peers["B"] = "B#0";
        InstancePlan b;
        b.role = "B";
        b.instance = "B#0";
        b.creds.identity = "bob";
        b.creds.secrets["LT"] = SecretBytes(16, 0x22);
        b.peers["A"] = "A#0";
        d.instances = {a, b};
    }

    // Plays a run: A sends Hello (with its exponent sealed in Box when `sealed`), B replies.
    const ToyRun& run(const std::string& label, bool sealed) {
        SeededRng rng(runs.size() + 1, "toy/" + label);
        const BigNum x = group().random_scalar(rng);
        const BigNum y = group().random_scalar(rng);
        const BigNum c = group().random_scalar(rng);
        ToyRun r;
        r.label = label;
        r.a = x.to_bytes_padded(group().scalar_bytes());
        const Bytes ga = element(group().exp_g(x));
        const Bytes gb = element(group().exp_g(y));
        r.sk = session_key(view(element(group().exp(BigNum::from_bytes(view(gb)), x))), view(ga),
                           view(gb));
        r.hello.protocol = toy_schema().protocol_id;
        r.hello.type = kHello;
        r.hello.session = 0x1000 + runs.size();
        r.hello.set(kIdA, to_bytes("alice"));
        r.hello.set(kShareA, ga);
        if (sealed) r.hello.set(kBox, xor_pad(view(r.a), view(SecretBytes(16, 0x11))));
        r.reply.protocol = toy_schema().protocol_id;
        r.reply.type = kReply;
        r.reply.session = r.hello.session;
        r.reply.set(kIdB, to_bytes("bob"));
        r.reply.set(kShareB, gb);
        r.reply.set(kNonceB, rng.bytes(16));
        r.reply.set(kBlob, element(group().exp_g(c)));
        for (const Message* m : {&r.hello, &r.reply}) {
            auto frame = encode(toy_schema(), *m);
            EXPECT_TRUE(frame.ok()) << (frame.ok() ? "" : frame.error().describe());
            if (!frame.ok()) continue;
            const bool hello = m == &r.hello;
            EXPECT_TRUE(
                k.observe(*frame, hello ? "A#0" : "B#0", hello ? "B#0" : "A#0", false, label, 0)
                    .ok());
        }
        runs.push_back(std::move(r));
        return runs.back();
    }

    // The commit both parties emit at the end of run `i`, at time `ts_us`.
    [[nodiscard]] std::vector<Event> commits(std::size_t i, std::int64_t ts_us) const {
        std::vector<Event> out;
        for (const auto& [instance, peer] : {std::pair<std::string, std::string>{"A#0", "bob"},
                                             std::pair<std::string, std::string>{"B#0", "alice"}}) {
            Event e;
            e.ts_us = ts_us;
            e.protocol = "toydh";
            e.role = instance.substr(0, 1);
            e.instance = instance;
            e.session = runs.at(i).hello.session;
            e.kind = EventKind::commit;
            e.peer = peer;
            e.key_fp = fp.fingerprint(view(runs.at(i).sk));
            out.push_back(e);
        }
        return out;
    }

    [[nodiscard]] std::set<std::string> committed_fps() const {
        std::set<std::string> out;
        for (const ToyRun& r : runs) out.insert(fp.fingerprint(view(r.sk)));
        return out;
    }

    CompromiseOutcome compromise(std::int64_t at_us,
                                 std::optional<std::set<std::string>> fps = {}) {
        CompromiseInput in;
        in.deployment = &d;
        in.fingerprinter = &fp;
        for (const ToyRun& r : runs) in.runs.push_back(r.label);
        in.committed_fps = fps ? *fps : committed_fps();
        in.at_us = at_us;
        return attacks::compromise_all(k, in);
    }

    [[nodiscard]] bool knows(const SecretBytes& key) const {
        return std::any_of(k.keys().begin(), k.keys().end(),
                           [&key](const attacks::KnownKey& kk) { return kk.value == key; });
    }
};

// The session keys (KeyRecipe "SK") the attacker holds, leaving out opened seals.
std::vector<attacks::KnownKey> session_keys(const attacks::Knowledge& k) {
    std::vector<attacks::KnownKey> out;
    for (const auto& key : k.keys()) {
        if (key.name == "SK") out.push_back(key);
    }
    return out;
}

TEST(Compromise, TheToyProtocolIsConsistent) {
    Toy t;
    const ToyRun& r = t.run("h1", true);
    EXPECT_TRUE(in_subgroup(*r.hello.get(kShareA)));
    EXPECT_TRUE(in_subgroup(*r.reply.get(kShareB)));
    // The key recipe with A's exponent gives the key both parties computed.
    auto c = toy_derive({&r.hello, &r.reply}, view(r.a));
    ASSERT_TRUE(c.ok()) << c.error().describe();
    EXPECT_EQ(c->at(0), r.sk);
    EXPECT_NE(c->at(1), r.sk);
    // The seal opens with A's long-term key only.
    const SealRecipe& seal = toy_spec().recipes.seals.at(0);
    EXPECT_EQ(*seal.open(r.hello, view(SecretBytes(16, 0x11))),
              SecretBytes(r.a.begin(), r.a.end()));
    EXPECT_NE(*seal.open(r.hello, view(SecretBytes(16, 0x22))),
              SecretBytes(r.a.begin(), r.a.end()));
}

TEST(Compromise, IsARegisteredStrategyThatPlansNoLiveTraces) {
    const attacks::Strategy* s = attacks::find_strategy("compromise");
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s, &attacks::compromise_strategy());
    EXPECT_EQ(s->name(), "compromise");
    EXPECT_FALSE(s->options().empty());
    Toy t;
    t.run("h1", true);
    PlanContext ctx;
    ctx.spec = &toy_spec();
    ctx.deployment = &t.d;
    ctx.knowledge = &t.k;
    ctx.initiators = {"A#0"};
    ctx.run_initiator = {{"h1", "A#0"}};
    EXPECT_TRUE(s->plan(ctx, attacks::StrategyParams{"compromise", {}, {}}).empty());
}

TEST(Compromise, AnOpenedEphemeralExponentRecoversTheEarlierKey) {
    Toy t;
    const SecretBytes sk1 = t.run("h1", true).sk;  // A's exponent sealed under its LT key
    const SecretBytes sk2 = t.run("h2", false).sk;
    const CompromiseOutcome o = t.compromise(5000);

    EXPECT_EQ(o.instances, 2u);
    EXPECT_EQ(o.honest_runs, 2u);
    EXPECT_EQ(o.runs_tried, 2u);
    EXPECT_EQ(o.opened, 1u);
    ASSERT_NE(t.k.secret("eph:alice"), nullptr);
    EXPECT_EQ(*t.k.secret("eph:alice"), SecretBytes(t.runs[0].a.begin(), t.runs[0].a.end()));
    // Exponents: LT:alice, LT:bob (the same length as a scalar, so they derive), eph:alice.
    EXPECT_EQ(o.secrets, 3u);
    EXPECT_EQ(o.derivations, 2u * 3u * 2u);  // runs x secrets x candidates

    EXPECT_TRUE(t.knows(sk1));
    EXPECT_FALSE(t.knows(sk2));
    ASSERT_EQ(o.recovered.size(), 1u);
    EXPECT_EQ(o.recovered[0], "SK of run h1 from secret eph:alice");
    // Known keys: the opened seal (as soon as it opened) and the recovered SK.
    ASSERT_EQ(t.k.keys().size(), 2u);
    EXPECT_EQ(t.k.keys()[0].name, "eph:alice");
    EXPECT_NE(t.k.keys()[0].source.find("opened with"), std::string::npos);
    EXPECT_EQ(session_keys(t.k).size(), 1u);
    EXPECT_EQ(t.k.keys()[1].name, "SK");
    EXPECT_EQ(t.k.keys()[1].source, "SK of run h1 from secret eph:alice");
    EXPECT_EQ(o.note,
              "compromised 2 instances after 2 honest runs; opened 1 sealed secret; 12 key "
              "derivations from 3 secrets over 2 runs; recovered the SK of 1 earlier run (h1)");
    // The note names secrets, never their values.
    EXPECT_EQ(o.note.find(to_hex(view(t.runs[0].a))), std::string::npos);

    EXPECT_EQ(t.k.compromised_at("A#0"), std::optional<std::int64_t>(5000));
    EXPECT_EQ(t.k.compromised_at("B#0"), std::optional<std::int64_t>(5000));
}

TEST(Compromise, AnEphemeralExponentAmongTheCompromisedSecretsRecoversTheKey) {
    Toy t;
    const ToyRun& r = t.run("h1", false);
    // A kept its exponent with its long-term secrets (a static Diffie-Hellman key).
    t.d.instances[0].creds.secrets["x"] = SecretBytes(r.a.begin(), r.a.end());
    const CompromiseOutcome o = t.compromise(10);
    EXPECT_EQ(o.opened, 0u);
    EXPECT_TRUE(t.knows(t.runs[0].sk));
    ASSERT_EQ(o.recovered.size(), 1u);
    EXPECT_EQ(o.recovered[0], "SK of run h1 from secret x:alice");
}

TEST(Compromise, AnInsiderOpensWhatIsSealedToItAsSoonAsItIsSeen) {
    // Alice compromised from the start (an insider): her sealed exponent is read when the
    // Hello is observed, with no compromise step, and is a known key for the secrecy claims.
    Toy t;
    t.k.compromise("A#0", t.d.find("A#0")->creds);
    ASSERT_TRUE(t.k.keys().empty());
    t.run("h1", true);
    ASSERT_NE(t.k.secret("eph:alice"), nullptr);
    EXPECT_EQ(*t.k.secret("eph:alice"), SecretBytes(t.runs[0].a.begin(), t.runs[0].a.end()));
    ASSERT_EQ(t.k.keys().size(), 1u);
    EXPECT_EQ(t.k.keys()[0].name, "eph:alice");
    // Bob's long-term key opens nothing of Alice's.
    Toy u;
    u.k.compromise("B#0", u.d.find("B#0")->creds);
    u.run("h1", true);
    EXPECT_EQ(u.k.secret("eph:alice"), nullptr);
    EXPECT_TRUE(u.k.keys().empty());
}

TEST(Compromise, OnlyLongTermSecretsRecoverNothing) {
    Toy t;
    t.run("h1", false);
    t.run("h2", false);
    t.run("h3", false);
    const CompromiseOutcome o = t.compromise(10);
    EXPECT_EQ(o.instances, 2u);
    EXPECT_EQ(o.opened, 0u);
    EXPECT_EQ(o.runs_tried, 3u);
    EXPECT_EQ(o.secrets, 2u);
    EXPECT_EQ(o.derivations, 3u * 2u * 2u);
    EXPECT_TRUE(o.recovered.empty());
    EXPECT_TRUE(t.k.keys().empty());
    EXPECT_EQ(o.note,
              "compromised 2 instances after 3 honest runs; 12 key derivations from 2 secrets "
              "over 3 runs; no earlier SK recovered");
}

TEST(Compromise, OnlyCandidatesMatchingACommitAreLearned) {
    Toy t;
    t.run("h1", true);
    const CompromiseOutcome o = t.compromise(10, std::set<std::string>{});  // nobody committed
    EXPECT_EQ(o.opened, 1u);
    EXPECT_GT(o.derivations, 0u);
    EXPECT_TRUE(o.recovered.empty());
    EXPECT_TRUE(session_keys(t.k).empty());
}

TEST(Compromise, InsidersKeepTheirTimeAndOnlyHonestInstancesAreCounted) {
    Toy t;
    t.run("h1", false);
    t.k.compromise("B#0", t.d.instances[1].creds);  // an insider: from the start
    const CompromiseOutcome o = t.compromise(700);
    EXPECT_EQ(o.instances, 1u);
    EXPECT_EQ(t.k.compromised_at("B#0"), std::optional<std::int64_t>(0));
    EXPECT_EQ(t.k.compromised_at("A#0"), std::optional<std::int64_t>(700));
    EXPECT_EQ(o.note.rfind("compromised 1 instance after 1 honest run;", 0), 0u) << o.note;
}

TEST(Compromise, RunsMissingAMessageOrAProtocolWithoutKeyRecipeAreSaidSo) {
    {
        Toy t;
        t.run("h1", true);
        CompromiseInput in;
        in.deployment = &t.d;
        in.fingerprinter = &t.fp;
        in.runs = {"h9"};  // a run the attacker never saw
        const auto o = attacks::compromise_all(t.k, in);
        EXPECT_EQ(o.runs_tried, 0u);
        EXPECT_EQ(o.derivations, 0u);
        EXPECT_NE(o.note.find("no honest run carried every message a SK recipe needs"),
                  std::string::npos)
            << o.note;
    }
    {
        Toy t(toy_spec_without_key_recipe());
        t.run("h1", true);
        const auto o = t.compromise(10);
        EXPECT_EQ(o.opened, 1u);
        EXPECT_EQ(o.derivations, 0u);
        EXPECT_TRUE(session_keys(t.k).empty());
        EXPECT_NE(o.note.find("toydh declares no session-key recipe"), std::string::npos) << o.note;
    }
}

// The checker over the compromise: forward secrecy is broken by the run committed before the
// compromise only, and secrecy not at all (every instance is compromised by then).
TEST(Compromise, ForwardSecrecyFlagsOnlyCommitsBeforeTheCompromise) {
    Toy t;
    t.run("h1", false);
    t.run("h2", false);
    // A kept both exponents: the compromise recovers both keys.
    t.d.instances[0].creds.secrets["x1"] = SecretBytes(t.runs[0].a.begin(), t.runs[0].a.end());
    t.d.instances[0].creds.secrets["x2"] = SecretBytes(t.runs[1].a.begin(), t.runs[1].a.end());
    ClaimChecker c(toy_spec(), t.d, {"forward-secrecy:SK", "secrecy:SK"}, t.fp);
    for (const Event& e : t.commits(0, 1000)) c.add(e);
    for (const Event& e : t.commits(1, 3000)) c.add(e);
    EXPECT_TRUE(c.check(t.k).empty());

    const CompromiseOutcome o = t.compromise(2000);
    EXPECT_EQ(o.recovered.size(), 2u);
    const auto v = c.check(t.k);
    ASSERT_EQ(v.size(), 2u);
    std::set<std::string> who;
    for (const attacks::Violation& x : v) {
        EXPECT_EQ(x.claim, "forward-secrecy:SK");
        ASSERT_EQ(x.evidence.size(), 1u);
        EXPECT_EQ(x.evidence[0].session, t.runs[0].hello.session);
        EXPECT_NE(x.summary.find("SK of run h1"), std::string::npos) << x.summary;
        EXPECT_EQ(x.summary.find(to_hex(view(t.runs[0].sk))), std::string::npos);
        who.insert(x.evidence[0].instance);
    }
    EXPECT_EQ(who, (std::set<std::string>{"A#0", "B#0"}));
    EXPECT_TRUE(c.check(t.k).empty());
}

// modify's own-nonce and mitm's substitute put the attacker's real share g^z in a field with
// a ShareRecipe, and attacker bytes in any other nonce or group element.
struct SharePlanning : Toy {
    SharePlanning() {
        run("h1", false);
        run("h2", false);
    }

    [[nodiscard]] PlanContext ctx() const {
        PlanContext c;
        c.spec = &toy_spec();
        c.deployment = &d;
        c.knowledge = &k;
        c.initiators = {"A#0"};
        c.run_initiator = {{"h1", "A#0"}, {"h2", "A#0"}};
        return c;
    }

    [[nodiscard]] std::vector<Trace> plan(const std::string& strategy,
                                          std::vector<std::string> only) const {
        return attacks::find_strategy(strategy)->plan(
            ctx(), attacks::StrategyParams{strategy, std::move(only), {}});
    }

    // The value a rule sets in `field`, evaluated on the run's message, and the message.
    [[nodiscard]] Result<Message> eval(const attacks::Rule& r) const {
        auto rng = make_rng(1, "x");
        attacks::TermContext tc;
        tc.knowledge = &k;
        tc.rng = rng.get();
        tc.in = &k.in_run("h1", r.match)->msg;
        return attacks::eval_term(r.term, tc);
    }
};

const Trace* find(const std::vector<Trace>& plan, const std::string& sig) {
    for (const Trace& t : plan) {
        if (t.signature == sig) return &t;
    }
    return nullptr;
}

Bytes expected_share(const std::string& label) {
    const SecretBytes z = attacks::attacker_exponent(label);
    return element(group().exp_g(BigNum::from_bytes(view(z))));
}

void expect_round_trip(const Trace& t) {
    auto back = attacks::trace_from_json(json::parse(attacks::to_json(t).dump()));
    ASSERT_TRUE(back.ok()) << back.error().describe();
    EXPECT_EQ(attacks::to_json(*back).dump(), attacks::to_json(t).dump());
}

TEST(OwnShare, AttackerExponentsAreDeterministicScalars) {
    EXPECT_EQ(attacks::attacker_exponent("own/x"), attacks::attacker_exponent("own/x"));
    EXPECT_NE(attacks::attacker_exponent("own/x"), attacks::attacker_exponent("own/y"));
    for (const char* label : {"own/x", "own/y", "mitm/ShareA"}) {
        const SecretBytes z = attacks::attacker_exponent(label);
        EXPECT_EQ(z.size(), 20u);
        EXPECT_TRUE(group().check_scalar(BigNum::from_bytes(view(z))).ok()) << label;
    }
}

TEST(OwnShare, ModifyPlansARealShareForRecipeFieldsAndBytesOtherwise) {
    SharePlanning w;
    const auto plan = w.plan("modify", {"own-nonce"});
    std::set<std::string> sigs;
    for (const Trace& t : plan) sigs.insert(t.signature);
    EXPECT_EQ(sigs, (std::set<std::string>{
                        "modify/own-nonce/Hello.ShareA", "modify/own-nonce/Reply.ShareB",
                        "modify/own-nonce/Reply.NonceB", "modify/own-nonce/Reply.Blob"}));
    struct Want {
        const char* sig;
        std::uint8_t tag;
        bool share;
    };
    for (const Want& want : {Want{"modify/own-nonce/Hello.ShareA", kShareA, true},
                             Want{"modify/own-nonce/Reply.ShareB", kShareB, true},
                             Want{"modify/own-nonce/Reply.NonceB", kNonceB, false},
                             Want{"modify/own-nonce/Reply.Blob", kBlob, false}}) {
        SCOPED_TRACE(want.sig);
        const Trace* t = find(plan, want.sig);
        ASSERT_NE(t, nullptr);
        expect_round_trip(*t);
        const attacks::Rule& r = t->steps.at(0).rules.at(0);
        auto m = w.eval(r);
        ASSERT_TRUE(m.ok()) << m.error().describe();
        const Bytes& honest = *w.k.in_run("h1", r.match)->msg.get(want.tag);
        const Bytes& v = *m->get(want.tag);
        EXPECT_NE(v, honest);
        EXPECT_EQ(v.size(), honest.size());
        EXPECT_TRUE(encode(toy_schema(), *m).ok());
        if (want.share) {
            EXPECT_TRUE(in_subgroup(view(v)));
            EXPECT_EQ(v, expected_share("own/" + std::string(want.sig).substr(17)));
        } else if (want.tag == kBlob) {
            EXPECT_FALSE(in_subgroup(view(v)));  // random bytes, as before recipes
        }
    }
}

TEST(OwnShare, MitmSubstitutesARealShareInEveryMessageCarryingTheField) {
    SharePlanning w;
    const auto plan = w.plan("mitm", {"substitute"});
    for (const char* field : {"ShareA", "ShareB", "Blob", "NonceB"}) {
        SCOPED_TRACE(field);
        const Trace* t = find(plan, std::string("mitm/substitute/") + field);
        ASSERT_NE(t, nullptr);
        expect_round_trip(*t);
        const bool share = std::string(field).rfind("Share", 0) == 0;
        EXPECT_EQ(t->description.find("a real DH share") != std::string::npos, share)
            << t->description;
        ASSERT_EQ(t->steps.at(0).rules.size(), 1u);
        const attacks::Rule& r = t->steps[0].rules[0];
        auto m = w.eval(r);
        ASSERT_TRUE(m.ok()) << m.error().describe();
        const MessageSpec* ms = toy_schema().message(std::string_view(r.match));
        const Bytes& v = *m->get(ms->field(std::string_view(field))->tag);
        EXPECT_EQ(v.size(), std::string(field) == "NonceB" ? 16u : group().element_bytes());
        if (share) {
            EXPECT_TRUE(in_subgroup(view(v)));
            EXPECT_EQ(v, expected_share(std::string("mitm/") + field));
        } else if (std::string(field) == "Blob") {
            EXPECT_FALSE(in_subgroup(view(v)));
        }
    }
}

}  // namespace
}  // namespace mtc::test
