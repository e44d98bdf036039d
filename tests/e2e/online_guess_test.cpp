// On-line key guessing, measured. First from hand-made transcripts (what AttackEngine::execute
// returns), so that every way a role can answer a guess is covered: a reject for each guess,
// a guess with no reject, rejects by another role, a lockout. Then live: ProSe role processes
// behind the hub, an honest run captured, the planned guesses executed by the AttackEngine:
// the MTCs rejects every wrong PIN and the MTCd still gets through afterwards, and, in the
// weak-key profile with the right PIN among the candidates, the MTCs accepts that one guess.
// The recipe is the tests' own (tests/unit/prose_online_guess.hpp).
#include "harness/runner/online_guess.hpp"

#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "attacks/guess/online.hpp"
#include "attacks/knowledge.hpp"
#include "harness/net/event_loop.hpp"
#include "harness/runner/attack_engine.hpp"
#include "harness/runner/live_deployment.hpp"
#include "protocols/core/rng.hpp"
#include "tests/e2e/live_helpers.hpp"
#include "tests/unit/prose_online_guess.hpp"

namespace mtc::e2e {
namespace {

using attacks::Step;
using attacks::StepKind;
using attacks::Trace;
using attacks::guess::CandidateSpace;
using runner::ExecOutcome;
using runner::measure_online_guess;
using runner::OnlineGuessMeasure;
using ::testing::HasSubstr;
using ::testing::Not;

// An executed on-line guessing trace written by hand: r1 at MTCd#0, `guesses` M1s to UE#0,
// r2 at MTCd#0; the transcript is filled by the helpers, 10 ms a line.
struct Script {
    Trace trace;
    Deployment d;
    ExecOutcome out;
    std::int64_t now = 1'000'000;

    explicit Script(std::size_t guesses) {
        trace.strategy = "guess";
        trace.signature = "guess/online/PSKey->MTCs";
        Step honest;
        honest.run = "r1";
        honest.at = "MTCd#0";
        trace.steps.push_back(honest);
        for (std::size_t i = 0; i < guesses; ++i) {
            Step s;
            s.kind = StepKind::send;
            s.to = "UE#0";
            s.as = "MTCd#0";
            trace.steps.push_back(s);
        }
        honest.run = "r2";
        trace.steps.push_back(honest);
        for (const auto& [role, name] :
             {std::pair{"MTCd", "MTCd#0"}, std::pair{"UE", "UE#0"}, std::pair{"MTCs", "MTCs#0"},
              std::pair{"MTCs", "MTCs#1"}}) {
            InstancePlan p;
            p.role = role;
            p.instance = name;
            d.instances.push_back(p);
        }
        out.t0_us = now;
    }

    void line(const std::string& from, const std::string& to, const std::string& label,
              const std::string& note, bool is_event) {
        out.transcript.push_back({now, from, to, label, note, is_event});
        now += 10'000;
    }
    void event(const std::string& at, const std::string& kind, const std::string& note = "") {
        line(at, at, kind, note, true);
    }
    void honest_run(bool commits) {
        line("MTCd#0", "UE#0", "M1", "", false);
        if (!commits) {
            event("MTCs#0", "reject", "MTCd locked out");
            return;
        }
        event("MTCs#0", "commit");
        line("UE#0", "MTCd#0", "M4", "", false);
        event("MTCd#0", "commit");
    }
    void guess() { line("Attacker", "UE#0", "M1", "injected as if from MTCd#0", false); }

    OnlineGuessMeasure measure() {
        out.t1_us = now;
        return measure_online_guess(test::prose_guess_spec(), d, trace, out);
    }
};

TEST(OnlineGuessMeasure, EveryGuessRejectedAndNoLockout) {
    Script s(3);
    s.honest_run(true);
    for (int i = 0; i < 3; ++i) {
        s.guess();
        s.event("MTCs#0", "reject", "MTCdMIC does not verify");
    }
    s.honest_run(true);
    const OnlineGuessMeasure m = s.measure();
    EXPECT_EQ(m.secret, "PSKey");
    EXPECT_EQ(m.target_role, "MTCs");
    EXPECT_EQ(m.planned, 3u);
    EXPECT_EQ(m.guesses, 3u);
    EXPECT_EQ(m.rejects, 3u);
    EXPECT_EQ(m.accepted, 0u);
    EXPECT_FALSE(m.undetected());
    EXPECT_TRUE(m.honest_after_committed);
    EXPECT_EQ(m.reject_reasons,
              (std::map<std::string, std::size_t>{{"MTCdMIC does not verify", 3}}));
    // First guess at 1.03 s, r2 begins at 1.09 s: 3 guesses in 60 ms.
    EXPECT_NEAR(m.seconds, 0.06, 1e-9);
    EXPECT_NEAR(m.guesses_per_s, 50, 1e-6);
    EXPECT_EQ(m.note,
              "3 on-line guesses of PSKey put to MTCs at 50/s: 3 rejected (every failed guess "
              "detected); no rate limiting: every guess was answered; no lockout: the honest run "
              "afterwards committed");
}

TEST(OnlineGuessMeasure, AGuessWithoutARejectOfTheTargetRoleIsUndetected) {
    Script s(4);
    s.honest_run(true);
    s.event("MTCs#0", "reject", "before the guesses");  // r1's: not counted
    s.guess();
    s.event("MTCs#1", "reject", "MTCdMIC does not verify");  // any instance of the role
    s.guess();
    s.event("UE#0", "reject", "not the target role");
    s.guess();
    s.event("MTCs#0", "reject", "MTCdMIC does not verify");
    s.event("MTCs#0", "reject", "a second reject of the same guess");
    s.guess();
    s.event("MTCs#0", "commit");  // accepted: a right guess, or no check
    s.honest_run(true);
    const OnlineGuessMeasure m = s.measure();
    EXPECT_EQ(m.guesses, 4u);
    EXPECT_EQ(m.rejects, 2u);
    EXPECT_EQ(m.accepted, 1u);
    EXPECT_TRUE(m.undetected());
    EXPECT_TRUE(m.honest_after_committed);
    EXPECT_EQ(m.reject_reasons,
              (std::map<std::string, std::size_t>{{"MTCdMIC does not verify", 2}}));
    EXPECT_THAT(m.note,
                HasSubstr("2 rejected, 1 drew no reject from MTCs (undetected on-line guessing)"));
    EXPECT_THAT(m.note, HasSubstr(", 1 accepted (a right guess"));
}

TEST(OnlineGuessMeasure, AnR1RetransmissionBetweenTheGuessesDoesNotStartR2) {
    // On a loaded machine r1's initiator may send its M1 again while the guesses go out; r2
    // begins only with its first message after the last guess.
    Script s(3);
    s.honest_run(true);
    s.guess();
    s.event("MTCs#0", "reject", "MTCdMIC does not verify");
    s.line("MTCd#0", "UE#0", "M1", "", false);  // r1's M1 again
    for (int i = 0; i < 2; ++i) {
        s.guess();
        s.event("MTCs#0", "reject", "MTCdMIC does not verify");
    }
    s.honest_run(false);
    const OnlineGuessMeasure m = s.measure();
    EXPECT_EQ(m.guesses, 3u);
    EXPECT_EQ(m.rejects, 3u);
    EXPECT_FALSE(m.honest_after_committed);  // r2 did not commit: still seen as a lockout
    EXPECT_THAT(m.note, Not(HasSubstr("not sent")));
}

TEST(OnlineGuessMeasure, NoCommitAfterTheGuessesIsALockout) {
    Script s(2);
    s.honest_run(true);
    for (int i = 0; i < 2; ++i) {
        s.guess();
        s.event("MTCs#0", "reject", "MTCdMIC does not verify");
    }
    s.honest_run(false);
    const OnlineGuessMeasure m = s.measure();
    EXPECT_EQ(m.rejects, 2u);  // r2's reject is r2's, not a guess's
    EXPECT_FALSE(m.undetected());
    EXPECT_FALSE(m.honest_after_committed);
    EXPECT_THAT(m.note, HasSubstr("did not commit (lockout"));
}

TEST(OnlineGuessMeasure, GuessesNotSentAreSaidAndOtherTracesRefused) {
    Script s(3);
    s.honest_run(true);
    s.guess();
    s.event("MTCs#0", "reject", "MTCdMIC does not verify");
    s.out.problems = {"step 3: term: guess: cannot forge M1: no MTCdInfo"};
    s.out.problems.push_back("step 4: the same");
    s.honest_run(true);
    OnlineGuessMeasure m = s.measure();
    EXPECT_EQ(m.planned, 3u);
    EXPECT_EQ(m.guesses, 1u);
    EXPECT_FALSE(m.undetected());
    EXPECT_THAT(m.note, HasSubstr("2 of 3 planned guesses not sent (step 3: term: guess: cannot "
                                  "forge M1: no MTCdInfo)"));

    s.trace.steps.pop_back();  // no r2
    EXPECT_THAT(s.measure().note, HasSubstr("no honest run afterwards (lockout not tested)"));

    s.trace.signature = "replay/fresh-session/M1->UE#0";
    m = s.measure();
    EXPECT_EQ(m.guesses, 0u);
    EXPECT_THAT(m.note, HasSubstr("not an on-line guessing trace"));
}

// Live: ProSe role processes behind the hub, driven by the AttackEngine.
struct Live {
    runner::LiveDeploymentOptions o;
    net::EventLoop loop;
    std::unique_ptr<runner::LiveDeployment> dep;
    attacks::Knowledge k{test::prose_guess_spec()};
    std::unique_ptr<Rng> rng = make_rng(7, "attacker");
    std::unique_ptr<runner::AttackEngine> engine;

    explicit Live(const std::string& profile) {
        o.spec = &test::prose_guess_spec();
        o.deployment.profile = profile;
        o.seed = 7;
        o.self_exe = MTCFUZZ_BIN;
        o.workdir = temp_dir("online-guess");
        o.retransmit_ms = 0;  // the engine is the network
        auto started = runner::LiveDeployment::start(loop, o, nullptr);
        EXPECT_TRUE(started.ok()) << started.error().describe();
        if (!started.ok()) return;
        dep = std::move(started).value();
        engine = std::make_unique<runner::AttackEngine>(loop, *dep, k, *rng);
        dep->on_event([this](runner::LiveInstance& i, const Event& e, const std::string&) {
            engine->note_event(i, e);
        });
    }
    ~Live() {
        if (!dep) return;
        dep->on_event(nullptr);
        engine.reset();
        dep->shutdown();
    }
    Live(const Live&) = delete;
    Live& operator=(const Live&) = delete;

    [[nodiscard]] const Deployment& deployment() const { return dep->provisioned().deployment; }

    // One honest run h1 at MTCd#0 (the capture), then the planned guesses over `space`.
    OnlineGuessMeasure guess(const CandidateSpace& space, std::size_t count) {
        Trace honest;
        honest.strategy = honest.signature = "honest";
        Step h1;
        h1.run = "h1";
        h1.at = "MTCd#0";
        honest.steps = {h1};
        const ExecOutcome captured = engine->execute(honest, "");
        EXPECT_TRUE(captured.problems.empty()) << captured.problems.front();
        attacks::PlanContext ctx;
        ctx.spec = o.spec;
        ctx.deployment = &deployment();
        ctx.knowledge = &k;
        ctx.initiators = {"MTCd#0"};
        ctx.run_initiator = engine->run_initiators();
        const auto plan = attacks::guess::plan_online_guesses(
            ctx, attacks::StrategyParams{"guess", {}, {}}, space, count);
        EXPECT_EQ(plan.size(), 1u);
        if (plan.empty()) return {};
        const ExecOutcome out = engine->execute(plan[0], "a1/");
        for (const auto& p : out.problems) ADD_FAILURE() << p;
        return measure_online_guess(*o.spec, deployment(), plan[0], out);
    }
};

TEST(OnlineGuessLive, TheMtcsRejectsEveryWrongGuessAndTheMtcdStillGetsThrough) {
    Live live("default");
    ASSERT_NE(live.dep, nullptr);
    const OnlineGuessMeasure m = live.guess(CandidateSpace::pin(6).value(), 10);
    EXPECT_EQ(m.guesses, 10u) << m.note;
    EXPECT_EQ(m.rejects, 10u) << m.note;
    EXPECT_FALSE(m.undetected()) << m.note;
    EXPECT_TRUE(m.honest_after_committed) << m.note;
    EXPECT_GT(m.guesses_per_s, 0) << m.note;
    EXPECT_THAT(m.note, HasSubstr("every failed guess detected"));
    ::testing::Test::RecordProperty("note", m.note);
}

TEST(OnlineGuessLive, TheRightPinAmongTheGuessesIsAccepted) {
    Live live("weak-key");
    ASSERT_NE(live.dep, nullptr);
    const SecretBytes& secret = live.deployment().find("MTCd#0")->creds.secrets.at("PIN");
    const std::string pin(secret.begin(), secret.end());
    const std::string words = live.o.workdir + "/pins.txt";
    std::ofstream(words) << (pin == "111111" ? "222222" : "111111") << "\n" << pin << "\n";
    auto space = CandidateSpace::wordlist(words);
    ASSERT_TRUE(space.ok()) << space.error().reason;
    const OnlineGuessMeasure m = live.guess(*space, 2);
    EXPECT_EQ(m.guesses, 2u) << m.note;
    EXPECT_EQ(m.rejects, 1u) << m.note;
    EXPECT_EQ(m.accepted, 1u) << m.note;
    EXPECT_TRUE(m.honest_after_committed) << m.note;
    ::testing::Test::RecordProperty("note", m.note);
}

}  // namespace
}  // namespace mtc::e2e
