// On-line key guessing, the pure part: the planner (attacks/guess/online.hpp) over a real ProSe
// capture (two honest runs at MTCd#0), and the {"op":"guess"} term that forges each guess,
// checked against the weak-key profile's own MTCs: the right PIN's forgery is accepted, a wrong
// one rejected. The recipe is the tests' own (prose_online_guess.hpp). The measurement of an
// executed trace is in tests/e2e/online_guess_test.cpp (it lives in harness/runner).
#include <cstdint>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "attacks/guess/online.hpp"
#include "attacks/knowledge.hpp"
#include "attacks/term.hpp"
#include "attacks/trace.hpp"
#include "protocols/core/codec.hpp"
#include "protocols/core/rng.hpp"
#include "tests/unit/prose_capture.hpp"
#include "tests/unit/prose_fixture.hpp"
#include "tests/unit/prose_online_guess.hpp"

namespace mtc::test {
namespace {

using attacks::Knowledge;
using attacks::PlanContext;
using attacks::StepKind;
using attacks::StrategyParams;
using attacks::Trace;
using attacks::guess::CandidateSpace;
using attacks::guess::online_recipe_of;
using attacks::guess::plan_online_guesses;
using json = nlohmann::json;
using ::testing::HasSubstr;

CandidateSpace pins(int digits = 6) {
    auto s = CandidateSpace::pin(digits);
    EXPECT_TRUE(s.ok());
    return std::move(s).value();
}

// Two honest runs h1, h2 at MTCd#0 (2 MTCds, 2 UEs, one MTCs); the attacker keeps what crosses
// the clear links, and a copy under r1 (what the trace's own first run would record) to
// evaluate the planned terms against.
struct Capture : ProseCapture {
    const ProtocolSpec* spec = &prose_guess_spec();
    Knowledge k{prose_guess_spec()};
    Knowledge eval_k{prose_guess_spec()};

    static DeploymentOptions options() {
        DeploymentOptions o;
        o.instances = {{"MTCd", 2}, {"UE", 2}, {"MTCs", 1}};
        return o;
    }

    Capture() : ProseCapture(5, options(), {"h1", "h2"}, {"MTCd#0"}) {
        for (const CapturedFrame& f : frames) {
            if (f.frame.secure) continue;
            EXPECT_TRUE(k.observe(f.frame.bytes, f.frame.from, f.frame.to, false, f.run, 0).ok());
            EXPECT_TRUE(
                eval_k.observe(f.frame.bytes, f.frame.from, f.frame.to, false, f.run, 0).ok());
            if (f.run == "h1")
                EXPECT_TRUE(
                    eval_k.observe(f.frame.bytes, f.frame.from, f.frame.to, false, "r1", 0).ok());
        }
    }

    [[nodiscard]] PlanContext ctx(const Knowledge* knowledge = nullptr) const {
        PlanContext c;
        c.spec = spec;
        c.deployment = &d;
        c.knowledge = knowledge == nullptr ? &k : knowledge;
        c.initiators = {"MTCd#0", "MTCd#1"};
        c.run_initiator = {{"h1", "MTCd#0"}, {"h2", "MTCd#0"}};
        return c;
    }

    [[nodiscard]] std::vector<Trace> plan(std::size_t count, std::vector<std::string> only = {},
                                          const CandidateSpace& space = pins()) const {
        return plan_online_guesses(ctx(), StrategyParams{"guess", std::move(only), {}}, space,
                                   count);
    }

    Result<Message> eval(const json& term, Rng& rng) const {
        attacks::TermContext c;
        c.knowledge = &eval_k;
        c.rng = &rng;
        c.deployment = &d;
        return attacks::eval_term(term, c);
    }
};

std::string dump(const std::vector<Trace>& plan) {
    std::string out;
    for (const Trace& t : plan) out += attacks::to_json(t).dump() + "\n";
    return out;
}

TEST(OnlineGuessPlan, OneTraceOfGuessesInFreshSessionsThenAnHonestRun) {
    Capture c;
    const auto plan = c.plan(20);
    ASSERT_EQ(plan.size(), 1u);
    const Trace& t = plan[0];
    EXPECT_EQ(t.strategy, "guess");
    EXPECT_EQ(t.signature, "guess/online/PSKey->MTCs");
    EXPECT_THAT(t.description, HasSubstr("20 on-line guesses of PSKey"));
    EXPECT_THAT(t.description, HasSubstr(pins().describe()));
    EXPECT_THAT(t.description, HasSubstr("MTCs"));
    ASSERT_EQ(t.steps.size(), 22u);
    EXPECT_EQ(t.steps.front().kind, StepKind::honest);
    EXPECT_EQ(t.steps.front().run, "r1");
    EXPECT_EQ(t.steps.front().at, "MTCd#0");
    EXPECT_EQ(t.steps.back().kind, StepKind::honest);
    EXPECT_EQ(t.steps.back().run, "r2");
    EXPECT_EQ(t.steps.back().at, "MTCd#0");
    for (std::size_t i = 1; i <= 20; ++i) {
        const attacks::Step& s = t.steps[i];
        ASSERT_EQ(s.kind, StepKind::send) << i;
        // Where the captured M1 went, on the same kind of link, as its sender.
        EXPECT_EQ(s.to, "UE#0");
        EXPECT_EQ(s.via, "clear");
        EXPECT_EQ(s.as, "MTCd#0");
        char pin[8];
        std::snprintf(pin, sizeof pin, "%06zu", i - 1);
        const json want = {{"msg", "r1.M1"},
                           {"with",
                            {{{"op", "session"}, {"value", "fresh"}},
                             {{"op", "guess"}, {"secret", "PSKey"}, {"candidate", pin}}}}};
        EXPECT_EQ(s.term, want) << i;
    }
    EXPECT_EQ(online_recipe_of(*c.spec, t), &c.spec->recipes.online_guesses[0]);
    // It survives trace.json.
    auto back = attacks::trace_from_json(json::parse(attacks::to_json(t).dump()));
    ASSERT_TRUE(back.ok()) << back.error().reason;
    EXPECT_EQ(dump({*back}), dump(plan));
}

TEST(OnlineGuessPlan, IsDeterministicAndTakesAtMostTheSpace) {
    Capture c;
    EXPECT_EQ(dump(c.plan(7)), dump(c.plan(7)));
    EXPECT_TRUE(c.plan(0).empty());
    // A 1-digit PIN space has 10 candidates: no more guesses than that.
    const auto small = c.plan(50, {}, pins(1));
    ASSERT_EQ(small.size(), 1u);
    EXPECT_EQ(small[0].steps.size(), 12u);
    EXPECT_EQ(small[0].steps[10].term["with"][1]["candidate"], "9");
}

TEST(OnlineGuessPlan, EveryGuessIsAFreshRunWithItsOwnNonceAndMic) {
    Capture c;
    const auto plan = c.plan(5);
    ASSERT_EQ(plan.size(), 1u);
    auto rng = make_rng(3, "attacker");
    const Message& captured = c.eval_k.in_run("r1", "M1")->msg;
    std::set<std::uint64_t> sessions = {captured.session};
    std::set<Bytes> nonces = {*captured.get(prose::MTCdNonce)};
    std::set<Bytes> mics = {*captured.get(prose::MTCdMIC)};
    for (const attacks::Step& s : plan[0].steps) {
        if (s.kind != StepKind::send) continue;
        auto m = c.eval(s.term, *rng);
        ASSERT_TRUE(m.ok()) << m.error().reason;
        EXPECT_TRUE(encode(prose::schema(), *m).ok());
        EXPECT_TRUE(sessions.insert(m->session).second);
        EXPECT_TRUE(nonces.insert(*m->get(prose::MTCdNonce)).second);
        EXPECT_TRUE(mics.insert(*m->get(prose::MTCdMIC)).second);
        EXPECT_EQ(*m->get(prose::MTCdID), *captured.get(prose::MTCdID));
    }
}

TEST(OnlineGuessPlan, NothingWithoutAUsableRecipeOrACapturedMessage) {
    Capture c;
    // No recipe, or only a placeholder without a forger.
    ProtocolSpec none = prose::spec();
    none.recipes.online_guesses.clear();
    c.spec = &none;
    EXPECT_TRUE(c.plan(5).empty());
    ProtocolSpec placeholder = prose::spec();
    placeholder.recipes.online_guesses = {OnlineGuessRecipe{}};
    c.spec = &placeholder;
    EXPECT_TRUE(c.plan(5).empty());
    // A recipe for a message the attacker never saw (M3 travels only on the UE-MTCs TLS link).
    ProtocolSpec unseen = prose_guess_spec();
    unseen.recipes.online_guesses[0].type = prose::M3;
    c.spec = &unseen;
    EXPECT_TRUE(c.plan(5).empty());
    // Nothing captured at all.
    c.spec = &prose_guess_spec();
    const Knowledge empty{prose_guess_spec()};
    EXPECT_TRUE(
        plan_online_guesses(c.ctx(&empty), StrategyParams{"guess", {}, {}}, pins(), 5).empty());
}

TEST(OnlineGuessPlan, HonoursOnly) {
    Capture c;
    EXPECT_TRUE(c.plan(3, {"offline"}).empty());
    EXPECT_EQ(c.plan(3, {"online"}).size(), 1u);
}

TEST(OnlineGuessPlan, RecognisesOnlyItsOwnTraces) {
    Capture c;
    Trace t = c.plan(2).at(0);
    EXPECT_NE(online_recipe_of(*c.spec, t), nullptr);
    ProtocolSpec none = prose::spec();
    none.recipes.online_guesses.clear();
    EXPECT_EQ(online_recipe_of(none, t), nullptr);
    Trace other = t;
    other.signature = "guess/online/PIN->MTCs";
    EXPECT_EQ(online_recipe_of(*c.spec, other), nullptr);
    other = t;
    other.strategy = "replay";
    EXPECT_EQ(online_recipe_of(*c.spec, other), nullptr);
}

// The term op against the weak-key profile's roles driven by hand.
struct GuessTerm {
    ProseWorld w{"as-specified", "basic", "weak-key"};
    Knowledge k{prose_guess_spec()};
    std::unique_ptr<Rng> rng = make_rng(9, "attacker");
    Message m1;

    GuessTerm() {
        m1 = w.m1();
        auto frame = encode(prose::schema(), m1);
        EXPECT_TRUE(frame.ok());
        EXPECT_TRUE(k.observe(std::move(frame).value(), "MTCd#0", "UE#0", false, "r1", 0).ok());
    }

    [[nodiscard]] std::string pin() const {
        const SecretBytes& p = w.d.find("MTCd#0")->creds.secrets.at("PIN");
        return {p.begin(), p.end()};
    }
    [[nodiscard]] std::string wrong_pin() const { return pin() == "000000" ? "000001" : "000000"; }
    [[nodiscard]] std::string mtcd_id() const { return w.d.find("MTCd#0")->creds.identity; }

    Result<Message> guess(const std::string& candidate, json extra_ops = json::array(),
                          bool with_deployment = true) {
        json ops = std::move(extra_ops);
        ops.push_back({{"op", "session"}, {"value", "fresh"}});
        ops.push_back({{"op", "guess"}, {"candidate", candidate}});
        attacks::TermContext c;
        c.knowledge = &k;
        c.rng = rng.get();
        c.deployment = with_deployment ? &w.d : nullptr;
        return attacks::eval_term(json{{"msg", "r1.M1"}, {"with", ops}}, c);
    }
};

TEST(OnlineGuessTerm, ForgesUnderTheCandidatesKeyWithAFreshNonce) {
    GuessTerm g;
    auto m = g.guess("123456");
    ASSERT_TRUE(m.ok()) << m.error().reason;
    EXPECT_NE(m->session, g.m1.session);
    EXPECT_NE(*m->get(prose::MTCdNonce), *g.m1.get(prose::MTCdNonce));
    EXPECT_NE(*m->get(prose::MTCdMIC), *g.m1.get(prose::MTCdMIC));
    EXPECT_EQ(*m->get(prose::MTCdID), *g.m1.get(prose::MTCdID));
    const auto key = prose::pskey_from_pin("123456", g.mtcd_id());
    const auto other = prose::pskey_from_pin("123457", g.mtcd_id());
    ASSERT_TRUE(key.ok() && other.ok());
    EXPECT_EQ(*m->get(prose::MTCdMIC), prose::compute_mtcd_mic(view(*key), *m).value());
    EXPECT_NE(*m->get(prose::MTCdMIC), prose::compute_mtcd_mic(view(*other), *m).value());
}

TEST(OnlineGuessTerm, TheMtcsAcceptsTheRightPinAndRejectsAWrongOne) {
    GuessTerm g;
    auto right = g.guess(g.pin());
    auto wrong = g.guess(g.wrong_pin());
    ASSERT_TRUE(right.ok() && wrong.ok());
    EXPECT_EQ(g.w.to_mtcs(g.w.m2(*right)).size(), 1u) << g.w.last_reject("MTCs#0");
    EXPECT_EQ(g.w.count("MTCs#0", EventKind::reject), 0u);
    EXPECT_TRUE(g.w.to_mtcs(g.w.m2(*wrong)).empty());
    EXPECT_EQ(g.w.count("MTCs#0", EventKind::reject), 1u);
}

TEST(OnlineGuessTerm, ErrorsSayWhatIsMissing) {
    GuessTerm g;
    auto error_of = [](const Result<Message>& r) { return r.ok() ? "<ok>" : r.error().reason; };
    EXPECT_THAT(error_of(g.guess("1", json::array({{{"op", "strip"}, {"field", "MTCdID"}}}))),
                HasSubstr("MTCdID absent from M1"));
    EXPECT_THAT(error_of(g.guess("1", json::array(), false)), HasSubstr("needs the deployment"));
    EXPECT_THAT(error_of(g.guess("1", json::array({{{"op", "retype"}, {"to", "M4"}}}))),
                HasSubstr("no on-line guessing recipe for M4"));

    attacks::TermContext c;
    c.knowledge = &g.k;
    c.rng = g.rng.get();
    c.deployment = &g.w.d;
    auto eval = [&](const json& op) {
        return error_of(attacks::eval_term(json{{"msg", "r1.M1"}, {"with", {op}}}, c));
    };
    EXPECT_THAT(eval({{"op", "guess"}}), HasSubstr("\"candidate\""));
    EXPECT_THAT(eval({{"op", "guess"}, {"candidate", 12}}), HasSubstr("\"candidate\""));
    EXPECT_THAT(eval({{"op", "guess"}, {"candidate", "1"}, {"secret", "k_d"}}),
                HasSubstr("no on-line guessing recipe for M1 and secret k_d"));
    EXPECT_THAT(eval({{"op", "guess"}, {"candidate", "1"}, {"secret", 3}}), HasSubstr("secret"));
    c.rng = nullptr;
    EXPECT_THAT(eval({{"op", "guess"}, {"candidate", "1"}}), HasSubstr("randomness"));

    // A forger that refuses the message: the error names the message, never the key.
    ProtocolSpec refusing = prose_guess_spec();
    refusing.recipes.online_guesses[0].forge =
        [](const Deployment&, const Message&, BytesView,
           const std::function<Bytes(std::size_t)>&) -> Result<Message> {
        return make_error("M1 without MTCdInfo");
    };
    Knowledge k{refusing};
    ASSERT_TRUE(
        k.observe(encode(prose::schema(), g.m1).value(), "MTCd#0", "UE#0", false, "r1", 0).ok());
    c.knowledge = &k;
    c.rng = g.rng.get();
    const std::string err = eval({{"op", "guess"}, {"candidate", "123456"}});
    EXPECT_THAT(err, HasSubstr("cannot forge M1: M1 without MTCdInfo"));
    const auto key = prose::pskey_from_pin("123456", g.mtcd_id());
    EXPECT_THAT(err, ::testing::Not(HasSubstr(to_hex(view(*key)))));
}

}  // namespace
}  // namespace mtc::test
