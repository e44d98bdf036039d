// The attack strategies over real ProSe captures: two honest runs h1, h2 started at MTCd#0 in a
// deployment of 2 MTCds, 3 UEs and one MTCs, with UE#2 an insider. Plans must be deterministic,
// honour `only`, give unique signatures and build only terms that evaluate; each strategy plans
// the attacks its sub-attacks promise (and nothing through an insider when there is none); and
// no strategy source names a protocol.
#include "attacks/strategy.hpp"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "attacks/knowledge.hpp"
#include "attacks/strategies/common.hpp"
#include "attacks/term.hpp"
#include "attacks/trace.hpp"
#include "protocols/core/clock.hpp"
#include "protocols/core/codec.hpp"
#include "protocols/core/crypto/hash.hpp"
#include "protocols/core/inproc_network.hpp"
#include "protocols/core/registry.hpp"
#include "protocols/core/rng.hpp"
#include "protocols/prose/primitives.hpp"
#include "protocols/prose/schema.hpp"
#include "tests/unit/prose_capture.hpp"

namespace mtc::test {
namespace {

using attacks::Knowledge;
using attacks::PlanContext;
using attacks::Rule;
using attacks::RuleAction;
using attacks::Step;
using attacks::StepKind;
using attacks::Strategy;
using attacks::StrategyParams;
using attacks::Trace;
using json = nlohmann::json;
using ::testing::HasSubstr;

const std::string kInsider = "UE#2";

// Two honest runs at MTCd#0 on the in-process network; the attacker keeps what crosses the
// clear links (M1 MTCd#0 -> UE#0, M4 UE#0 -> MTCd#0), as the live engine records it.
struct Planning : ProseCapture {
    struct Captured {
        Bytes frame;
        std::string from, to, run;
    };
    std::vector<Captured> clear;
    Knowledge k{prose_spec()};
    // The same frames, plus the copies r1 (= h1) and r2 (= h2) that a trace's own honest runs
    // would record: what the terms of a plan are evaluated against.
    Knowledge eval_k{prose_spec()};
    std::vector<std::string> insiders = {kInsider};

    static DeploymentOptions options() {
        DeploymentOptions o;
        o.instances = {{"MTCd", 2}, {"UE", 3}, {"MTCs", 1}};
        return o;
    }

    Planning() : ProseCapture(5, options(), {"h1", "h2"}, {"MTCd#0"}) {
        for (const CapturedFrame& f : frames) {
            if (!f.frame.secure)
                clear.push_back(Captured{f.frame.bytes, f.frame.from, f.frame.to, f.run});
        }
        EXPECT_EQ(clear.size(), 4u);  // M1 and M4 of each run
        for (const Captured& c : clear) {
            EXPECT_TRUE(k.observe(c.frame, c.from, c.to, false, c.run, 0).ok());
            EXPECT_TRUE(eval_k.observe(c.frame, c.from, c.to, false, c.run, 0).ok());
        }
        for (const Captured& c : clear) {
            const std::string copy = c.run == "h1" ? "r1" : "r2";
            EXPECT_TRUE(eval_k.observe(c.frame, c.from, c.to, false, copy, 0).ok());
        }
        // Insiders are compromised instances.
        compromise(kInsider);
    }

    void compromise(const std::string& instance) {
        k.compromise(instance, d.find(instance)->creds);
        eval_k.compromise(instance, d.find(instance)->creds);
    }

    [[nodiscard]] PlanContext ctx() const {
        PlanContext c;
        c.spec = &prose_spec();
        c.deployment = &d;
        c.knowledge = &k;
        c.insiders = insiders;
        c.initiators = {"MTCd#0", "MTCd#1"};
        c.run_initiator = {{"h1", "MTCd#0"}, {"h2", "MTCd#0"}};
        return c;
    }

    [[nodiscard]] std::vector<Trace> plan(const std::string& strategy,
                                          std::vector<std::string> only = {}) const {
        const Strategy* s = attacks::find_strategy(strategy);
        EXPECT_NE(s, nullptr) << strategy;
        if (s == nullptr) return {};
        return s->plan(ctx(), StrategyParams{strategy, std::move(only), {}});
    }

    const SecretBytes& psk(const std::string& mtcd) const {
        return d.find(mtcd)->creds.secrets.at("PSKey");
    }

    // Evaluates one term of a trace: "$in" is the rule's message in that step's run.
    Result<Message> eval(const json& term, const std::string& run = {},
                         const std::string& in_type = {}) const {
        auto rng = make_rng(1, "x");
        attacks::TermContext c;
        c.knowledge = &eval_k;
        c.rng = rng.get();
        const attacks::Observation* in = in_type.empty() ? nullptr : eval_k.in_run(run, in_type);
        if (!in_type.empty() && in == nullptr)
            return make_error("no " + in_type + " in run " + run);
        c.in = in == nullptr ? nullptr : &in->msg;
        c.run_session = [this](const std::string& r) -> std::optional<std::uint64_t> {
            const attacks::Observation* o = eval_k.in_run(r, "M1");
            if (o == nullptr) return std::nullopt;
            return o->msg.session;
        };
        return attacks::eval_term(term, c);
    }
};

std::string dump(const std::vector<Trace>& plan) {
    std::string out;
    for (const Trace& t : plan) out += attacks::to_json(t).dump() + "\n";
    return out;
}

std::vector<std::string> signatures(const std::vector<Trace>& plan) {
    std::vector<std::string> out;
    out.reserve(plan.size());
    for (const Trace& t : plan) out.push_back(t.signature);
    return out;
}

const Trace* by_signature(const std::vector<Trace>& plan, const std::string& sig) {
    for (const Trace& t : plan) {
        if (t.signature == sig) return &t;
    }
    return nullptr;
}

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.rfind(prefix, 0) == 0;
}

std::vector<std::string> strategy_names() {
    std::vector<std::string> out;
    for (const Strategy* s : attacks::strategies()) out.emplace_back(s->name());
    return out;
}

// Planned today, but their terms cannot be built (see EveryPlannedTermEvaluates): the
// bit flipped in MTCdID makes "mac" look up the key of an identity nobody has, and the bit
// flipped in MTCdInfo.MICAlg names a MIC algorithm the recipe cannot compute.
const std::set<std::string> kUnbuildable = {"modify/recompute-mac/M1.MTCdID",
                                            "modify/recompute-mac/M1.MTCdInfo.MICAlg"};

// Every term of a trace, evaluated.
void expect_terms_evaluate(const Planning& w, const Trace& t) {
    SCOPED_TRACE(t.signature);
    for (const Step& s : t.steps) {
        if (s.kind == StepKind::send) {
            auto m = w.eval(s.term);
            EXPECT_TRUE(m.ok()) << s.term.dump() << ": " << m.error().reason;
            continue;
        }
        for (const Rule& r : s.rules) {
            if (r.term.is_null()) continue;
            auto m = w.eval(r.term, s.run, r.match);
            EXPECT_TRUE(m.ok()) << r.term.dump() << ": " << m.error().reason;
        }
    }
}

// The shape every planned trace has, whatever the strategy.
void expect_well_formed(const Planning& w, const std::string& strategy, const Trace& t) {
    SCOPED_TRACE(t.signature);
    EXPECT_EQ(t.strategy, strategy);
    EXPECT_TRUE(starts_with(t.signature, strategy + "/"));
    EXPECT_FALSE(t.description.empty());
    ASSERT_FALSE(t.steps.empty());
    const PlanContext c = w.ctx();
    for (const Step& s : t.steps) {
        if (s.kind == StepKind::honest) {
            EXPECT_TRUE(s.run == "r1" || s.run == "r2") << s.run;
            EXPECT_NE(std::find(c.initiators.begin(), c.initiators.end(), s.at), c.initiators.end())
                << s.at;
            for (const Rule& r : s.rules) {
                EXPECT_NE(prose::schema().message(std::string_view(r.match)), nullptr) << r.match;
                const bool needs_term =
                    r.action == RuleAction::replace || r.action == RuleAction::divert;
                EXPECT_EQ(!r.term.is_null(), needs_term) << to_string(r.action);
                if (r.action == RuleAction::divert) {
                    EXPECT_EQ(r.via, "insider:" + kInsider);
                    EXPECT_NE(w.d.find(r.to), nullptr) << r.to;
                }
                EXPECT_NE(r.to, kInsider);
            }
        } else {
            EXPECT_NE(w.d.find(s.to), nullptr) << s.to;
            EXPECT_NE(s.to, kInsider);
            EXPECT_TRUE(s.via == "clear" || s.via == "insider:" + kInsider) << s.via;
            if (s.via == "clear") EXPECT_NE(w.d.find(s.as), nullptr) << s.as;
            EXPECT_TRUE(s.term.is_object() && s.term.contains("msg")) << s.term.dump();
        }
    }
    // It survives trace.json.
    auto back = attacks::trace_from_json(json::parse(attacks::to_json(t).dump()));
    ASSERT_TRUE(back.ok()) << back.error().reason;
    EXPECT_EQ(attacks::to_json(*back).dump(), attacks::to_json(t).dump());
}

TEST(Strategy, TheCaptureIsWhatTheEngineRecords) {
    Planning w;
    ASSERT_EQ(w.k.observations().size(), 4u);
    for (const attacks::Observation& o : w.k.observations()) {
        if (o.msg.type == prose::M1) {
            EXPECT_EQ(o.from, "MTCd#0");
            EXPECT_EQ(o.to, "UE#0");
        } else {
            EXPECT_EQ(o.msg.type, prose::M4);
            EXPECT_EQ(o.from, "UE#0");
            EXPECT_EQ(o.to, "MTCd#0");
        }
    }
    EXPECT_NE(w.k.in_run("h1", "M1"), nullptr);
    EXPECT_NE(w.k.in_run("h2", "M4"), nullptr);
    EXPECT_EQ(strategy_names(), (std::vector<std::string>{"replay", "modify", "relay", "mitm",
                                                          "guess", "compromise"}));
    for (const auto& name : strategy_names()) {
        const Strategy* s = attacks::find_strategy(name);
        ASSERT_NE(s, nullptr);
        EXPECT_EQ(s->name(), name);
        EXPECT_FALSE(s->description().empty());
        EXPECT_FALSE(s->options().empty());
    }
    EXPECT_EQ(attacks::find_strategy("nope"), nullptr);
}

TEST(Strategy, PlansAreDeterministic) {
    Planning w;
    Planning again;  // the same seeds: the same capture
    for (bool compromised : {false, true}) {
        if (compromised) {
            w.compromise("MTCd#0");
            again.compromise("MTCd#0");
        }
        for (const auto& name : strategy_names()) {
            SCOPED_TRACE(name);
            const std::string first = dump(w.plan(name));
            EXPECT_EQ(dump(w.plan(name)), first);
            EXPECT_EQ(dump(again.plan(name)), first);
        }
    }
}

TEST(Strategy, SignaturesAreUniqueWithinAPlan) {
    Planning w;
    for (bool compromised : {false, true}) {
        if (compromised) w.compromise("MTCd#0");
        for (const auto& name : strategy_names()) {
            const auto sigs = signatures(w.plan(name));
            const std::set<std::string> unique(sigs.begin(), sigs.end());
            EXPECT_EQ(unique.size(), sigs.size()) << name;
        }
    }
}

TEST(Strategy, OnlyTheSelectedSubAttacksArePlanned) {
    Planning w;
    w.compromise("MTCd#0");  // so that recompute-mac has something to plan
    // Sub-attacks that have nothing to do here: no loaded capture; guessing and the compromise
    // plan no traces (the engine runs them on the knowledge after the attacks).
    // On-line guesses need `online = N` in the attack's settings, which this plan has not.
    const std::set<std::string> may_be_empty = {"replay/captured", "guess/offline", "guess/online",
                                                "compromise/all-instances"};
    for (const Strategy* s : attacks::strategies()) {
        const std::string name(s->name());
        SCOPED_TRACE(name);
        std::set<std::string> all;
        for (const auto& sig : signatures(w.plan(name))) all.insert(sig);
        std::set<std::string> union_of_options;
        for (const auto& option : s->options()) {
            SCOPED_TRACE(option);
            const auto plan = w.plan(name, {option});
            for (const Trace& t : plan) {
                EXPECT_TRUE(starts_with(t.signature, name + "/" + option + "/")) << t.signature;
                union_of_options.insert(t.signature);
            }
            if (may_be_empty.count(name + "/" + option) == 0) EXPECT_FALSE(plan.empty());
        }
        // Selecting every option one by one covers the whole plan, and nothing else.
        EXPECT_EQ(union_of_options, all);
        // Two options: exactly their traces.
        if (s->options().size() >= 2) {
            const auto& o = s->options();
            for (const Trace& t : w.plan(name, {o[0], o[1]})) {
                EXPECT_TRUE(starts_with(t.signature, name + "/" + o[0] + "/") ||
                            starts_with(t.signature, name + "/" + o[1] + "/"))
                    << t.signature;
            }
        }
        EXPECT_TRUE(w.plan(name, {"no-such-option"}).empty());
    }
}

void check_every_plan(const std::set<std::string>& skip_evaluation) {
    Planning w;
    for (bool compromised : {false, true}) {
        SCOPED_TRACE(compromised ? "MTCd#0 compromised" : "no key");
        if (compromised) w.compromise("MTCd#0");
        std::size_t planned = 0;
        for (const auto& name : strategy_names()) {
            for (const Trace& t : w.plan(name)) {
                expect_well_formed(w, name, t);
                if (skip_evaluation.count(t.signature) == 0) expect_terms_evaluate(w, t);
                ++planned;
            }
        }
        EXPECT_GT(planned, 50u);
    }
}

TEST(Strategy, EveryPlannedTraceIsWellFormedAndItsTermsEvaluate) {
    check_every_plan(kUnbuildable);
}

// Fails today on kUnbuildable: modify/recompute-mac changes a field the MIC recipe itself
// depends on (the identity that selects the key, the MIC algorithm id) and then asks for the
// MIC, which cannot be computed; the engine then forwards the message unchanged and notes a
// problem. Enable once modify no longer plans them (or plans something that builds).
TEST(Strategy, EveryPlannedTermEvaluates) {
    check_every_plan({});
}

TEST(Strategy, ReplayTargetsOtherInstancesAndTheInsidersLinkButNeverTheInsider) {
    Planning w;
    const auto plan = w.plan("replay");
    const auto sigs = signatures(plan);
    for (const char* expected : {
             "replay/fresh-session/M1->UE#0",
             "replay/same-later/M1->UE#0",
             "replay/other-instance/M1->UE#1",
             "replay/insider/M1->MTCs#0",
             "replay/fresh-session/M4->MTCd#0",
             "replay/same-later/M4->MTCd#0",
             "replay/other-instance/M4->MTCd#1",
         }) {
        EXPECT_NE(by_signature(plan, expected), nullptr) << expected << "\nplanned:\n"
                                                         << ::testing::PrintToString(sigs);
    }
    for (const auto& sig : sigs) {
        EXPECT_THAT(sig, ::testing::Not(HasSubstr(kInsider))) << sig;
        EXPECT_NE(sig, "replay/other-instance/M1->UE#0");  // that is the original receiver
    }

    const Trace* insider = by_signature(plan, "replay/insider/M1->MTCs#0");
    ASSERT_NE(insider, nullptr);
    ASSERT_EQ(insider->steps.size(), 2u);
    EXPECT_EQ(insider->steps[0].kind, StepKind::honest);
    EXPECT_EQ(insider->steps[0].run, "r1");
    EXPECT_EQ(insider->steps[0].at, "MTCd#0");
    const Step& send = insider->steps[1];
    EXPECT_EQ(send.kind, StepKind::send);
    EXPECT_EQ(send.to, "MTCs#0");
    EXPECT_EQ(send.via, "insider:UE#2");
    EXPECT_EQ(send.as, "");
    auto m2 = w.eval(send.term);
    ASSERT_TRUE(m2.ok()) << m2.error().reason;
    Message expected = w.eval_k.in_run("r1", "M1")->msg;
    expected.type = prose::M2;  // what the UE would forward
    EXPECT_EQ(*m2, expected);

    const Trace* other = by_signature(plan, "replay/other-instance/M1->UE#1");
    ASSERT_NE(other, nullptr);
    ASSERT_EQ(other->steps.size(), 2u);
    EXPECT_EQ(other->steps[1].to, "UE#1");
    EXPECT_EQ(other->steps[1].via, "clear");
    EXPECT_EQ(other->steps[1].as, "MTCd#0");

    const Trace* fresh = by_signature(plan, "replay/fresh-session/M1->UE#0");
    ASSERT_NE(fresh, nullptr);
    auto m1 = w.eval(fresh->steps.at(1).term);
    ASSERT_TRUE(m1.ok()) << m1.error().reason;
    const Message& honest = w.eval_k.in_run("r1", "M1")->msg;
    EXPECT_NE(m1->session, honest.session);
    Message same_but_session = *m1;
    same_but_session.session = honest.session;
    EXPECT_EQ(same_but_session, honest);
}

TEST(Strategy, ReplayOfALoadedCaptureSkipsTheInsider) {
    Planning w;
    ASSERT_TRUE(w.k.observe(w.clear.at(0).frame, "", "", false, "pcap", 0).ok());
    const auto plan = w.plan("replay", {"captured"});
    EXPECT_EQ(signatures(plan),
              (std::vector<std::string>{"replay/captured/M1->UE#0", "replay/captured/M1->UE#1"}));
    for (const Trace& t : plan) {
        ASSERT_EQ(t.steps.size(), 1u);
        EXPECT_EQ(t.steps[0].term, json({{"msg", "o4"}}));
        EXPECT_EQ(t.steps[0].as, "MTCd#0");
    }
}

TEST(Strategy, RelayDivertsALiveM1ThroughTheInsider) {
    Planning w;
    const auto plan = w.plan("relay");
    for (const char* expected : {"relay/reflect/M1", "relay/reflect/M4", "relay/splice/M1",
                                 "relay/splice/M4", "relay/insider-forward/M1->M2@MTCs#0"}) {
        EXPECT_NE(by_signature(plan, expected), nullptr)
            << expected << "\nplanned:\n"
            << ::testing::PrintToString(signatures(plan));
    }
    const Trace* fwd = by_signature(plan, "relay/insider-forward/M1->M2@MTCs#0");
    ASSERT_NE(fwd, nullptr);
    ASSERT_EQ(fwd->steps.size(), 1u);
    const Step& s = fwd->steps[0];
    EXPECT_EQ(s.kind, StepKind::honest);
    EXPECT_EQ(s.at, "MTCd#0");
    ASSERT_EQ(s.rules.size(), 1u);
    const Rule& r = s.rules[0];
    EXPECT_EQ(r.match, "M1");
    EXPECT_EQ(r.action, RuleAction::divert);
    EXPECT_EQ(r.via, "insider:UE#2");
    EXPECT_EQ(r.to, "MTCs#0");
    auto m2 = w.eval(r.term, s.run, r.match);
    ASSERT_TRUE(m2.ok()) << m2.error().reason;
    EXPECT_EQ(m2->type, prose::M2);

    const Trace* splice = by_signature(plan, "relay/splice/M1");
    ASSERT_NE(splice, nullptr);
    ASSERT_EQ(splice->steps.size(), 2u);
    const Rule& sr = splice->steps[1].rules.at(0);
    auto spliced = w.eval(sr.term, splice->steps[1].run, sr.match);
    ASSERT_TRUE(spliced.ok()) << spliced.error().reason;
    Message expected = w.eval_k.in_run("r1", "M1")->msg;
    expected.session = w.eval_k.in_run("r2", "M1")->msg.session;
    EXPECT_EQ(*spliced, expected);
}

TEST(Strategy, MitmSubstitutesItsNonceAndAnInsidersIdentity) {
    Planning w;
    const auto plan = w.plan("mitm");
    const Trace* nonce = by_signature(plan, "mitm/substitute/MTCdNonce");
    ASSERT_NE(nonce, nullptr) << ::testing::PrintToString(signatures(plan));
    ASSERT_EQ(nonce->steps.size(), 1u);
    ASSERT_FALSE(nonce->steps[0].rules.empty());
    for (const Rule& r : nonce->steps[0].rules) {
        EXPECT_EQ(r.action, RuleAction::replace);
        auto m = w.eval(r.term, nonce->steps[0].run, r.match);
        ASSERT_TRUE(m.ok()) << m.error().reason;
        const Message& honest = w.eval_k.in_run("r1", r.match)->msg;
        EXPECT_NE(*m->get(prose::MTCdNonce), *honest.get(prose::MTCdNonce));
        EXPECT_EQ(m->get(prose::MTCdNonce)->size(), honest.get(prose::MTCdNonce)->size());
    }

    const Trace* ue = by_signature(plan, "mitm/identity/UEID");
    ASSERT_NE(ue, nullptr) << ::testing::PrintToString(signatures(plan));
    std::set<std::string> matched;
    for (const Rule& r : ue->steps.at(0).rules) {
        matched.insert(r.match);
        auto m = w.eval(r.term, ue->steps[0].run, r.match);
        ASSERT_TRUE(m.ok()) << m.error().reason;
        EXPECT_EQ(*m->get(prose::UEID), to_bytes("ue-2")) << r.match;
    }
    EXPECT_EQ(matched, (std::set<std::string>{"M1", "M4"}));  // every message carrying UEID
    // No insider MTCd or MTCs: their identities are not the attacker's to claim.
    EXPECT_EQ(by_signature(plan, "mitm/identity/MTCdID"), nullptr);
    EXPECT_EQ(by_signature(plan, "mitm/identity/MTCsID"), nullptr);

    // With the MTCd's key, the substituted M1 carries a MIC that verifies.
    w.compromise("MTCd#0");
    const auto keyed = w.plan("mitm");
    const Trace* ue_keyed = by_signature(keyed, "mitm/identity/UEID");
    ASSERT_NE(ue_keyed, nullptr);
    for (const Rule& r : ue_keyed->steps.at(0).rules) {
        if (r.match != "M1") continue;
        auto m = w.eval(r.term, ue_keyed->steps[0].run, r.match);
        ASSERT_TRUE(m.ok()) << m.error().reason;
        EXPECT_EQ(*m->get(prose::MTCdMIC),
                  prose::compute_mtcd_mic(view(w.psk("MTCd#0")), *m).value());
        EXPECT_NE(*m->get(prose::MTCdMIC), *w.eval_k.in_run("r1", "M1")->msg.get(prose::MTCdMIC));
    }
}

bool uses_mac(const Trace& t) {
    for (const Step& s : t.steps) {
        for (const Rule& r : s.rules) {
            if (r.term.dump().find(R"("op":"mac")") != std::string::npos) return true;
        }
    }
    return false;
}

TEST(Strategy, ModifyRecomputesMacsOnlyWithTheKey) {
    {
        Planning w;
        const auto plan = w.plan("modify");
        EXPECT_FALSE(plan.empty());
        for (const Trace& t : plan) {
            EXPECT_FALSE(starts_with(t.signature, "modify/recompute-mac/")) << t.signature;
            EXPECT_FALSE(uses_mac(t)) << t.signature;
        }
        EXPECT_TRUE(w.plan("modify", {"recompute-mac"}).empty());
        // Another device's key does not sign MTCd#0's messages.
        w.compromise("MTCd#1");
        EXPECT_TRUE(w.plan("modify", {"recompute-mac"}).empty());
    }
    for (const char* holder : {"MTCd#0", "MTCs#0"}) {
        SCOPED_TRACE(holder);
        Planning w;
        w.compromise(holder);
        const auto plan = w.plan("modify", {"recompute-mac"});
        std::set<std::string> sigs;
        for (const Trace& t : plan) sigs.insert(t.signature);
        // Every field of M1 but the MIC itself and the fields that choose the MIC's key
        // (MTCdID) or algorithm (alg ids); M4's MIC has no recipe.
        std::set<std::string> expected;
        const Message& m1 = w.k.in_run("h1", "M1")->msg;
        for (const FieldSpec& f : prose::schema().message(prose::M1)->fields) {
            if (f.kind != FieldKind::mac && f.kind != FieldKind::alg_id && f.name != "MTCdID" &&
                m1.has(f.tag))
                expected.insert("modify/recompute-mac/M1." + f.name);
        }
        EXPECT_EQ(sigs, expected);
        for (const Trace& t : plan) {
            SCOPED_TRACE(t.signature);
            ASSERT_EQ(t.steps.size(), 1u);
            const Rule& r = t.steps[0].rules.at(0);
            EXPECT_EQ(r.match, "M1");
            EXPECT_TRUE(uses_mac(t));
            if (kUnbuildable.count(t.signature) != 0) continue;
            auto m = w.eval(r.term, t.steps[0].run, r.match);
            ASSERT_TRUE(m.ok()) << m.error().reason;
            const Message& honest = w.eval_k.in_run("r1", "M1")->msg;
            EXPECT_NE(*m, honest);
            EXPECT_EQ(*m->get(prose::MTCdMIC),
                      prose::compute_mtcd_mic(view(w.psk("MTCd#0")), *m).value());
        }
        // Own nonce now signs too.
        const auto all = w.plan("modify");
        const Trace* own = by_signature(all, "modify/own-nonce/M1.MTCdNonce");
        ASSERT_NE(own, nullptr);
        EXPECT_TRUE(uses_mac(*own));
    }
}

// The hex value the first "set" op of a trace's first rule puts in.
std::string set_value(const Trace& t) {
    for (const json& o : t.steps.at(0).rules.at(0).term.at("with")) {
        if (o.at("op") == "set") return o.at("value").at("hex").get<std::string>();
    }
    return {};
}

TEST(Strategy, OwnValuesAreAttackerBytesWithoutAShareRecipeAndTheRecipesShareWithOne) {
    Planning w;
    ASSERT_TRUE(prose_spec().recipes.shares.empty());
    const std::size_t len = w.k.in_run("h1", "M1")->msg.get(prose::MTCdNonce)->size();
    const auto modify_plan = w.plan("modify", {"own-nonce"});
    const Trace* own = by_signature(modify_plan, "modify/own-nonce/M1.MTCdNonce");
    ASSERT_NE(own, nullptr);
    EXPECT_EQ(set_value(*own), attacks::attacker_hex("own/M1.MTCdNonce", len));
    const auto mitm_plan = w.plan("mitm", {"substitute"});
    const Trace* sub = by_signature(mitm_plan, "mitm/substitute/MTCdNonce");
    ASSERT_NE(sub, nullptr);
    EXPECT_EQ(set_value(*sub), attacks::attacker_hex("mitm/MTCdNonce", len));

    // The same protocol with a share recipe for M1's nonce: the recipe computes the value
    // from the attacker's exponent (here a stand-in: the exponent's hash, cut to the length).
    ProtocolSpec with = prose_spec();
    with.recipes.shares = {
        {prose::M1, "MTCdNonce", [len](const Deployment& d, BytesView z) -> Result<Bytes> {
             if (d.instances.empty()) return make_error("no deployment");
             const auto h = crypto::sha256(z);
             return Bytes(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(len));
         }}};
    PlanContext ctx = w.ctx();
    ctx.spec = &with;
    auto planned = [&](const std::string& strategy, const std::string& option,
                       const std::string& sig) {
        const auto plan = attacks::find_strategy(strategy)->plan(ctx, {strategy, {option}, {}});
        const Trace* t = by_signature(plan, sig);
        EXPECT_NE(t, nullptr) << sig;
        return t == nullptr ? std::string() : set_value(*t);
    };
    auto share = [&](const std::string& label) {
        const SecretBytes z = attacks::attacker_exponent(label);
        const auto h = crypto::sha256(view(z));
        return to_hex(BytesView(h.data(), len));
    };
    EXPECT_EQ(planned("modify", "own-nonce", "modify/own-nonce/M1.MTCdNonce"),
              share("own/M1.MTCdNonce"));
    EXPECT_EQ(planned("mitm", "substitute", "mitm/substitute/MTCdNonce"), share("mitm/MTCdNonce"));
    // M4's fields have no recipe: still attacker bytes.
    const Message& m4 = w.k.in_run("h1", "M4")->msg;
    for (const FieldSpec& f : prose::schema().message(prose::M4)->fields) {
        if (f.kind != FieldKind::nonce || !m4.has(f.tag)) continue;
        EXPECT_EQ(planned("modify", "own-nonce", "modify/own-nonce/M4." + f.name),
                  attacks::attacker_hex("own/M4." + f.name, m4.get(f.tag)->size()))
            << f.name;
    }
}

TEST(Strategy, ASetUpMessageSeenInOneRunOnlyIsReplayedFromTheCaptureAndNotModifiedInFlight) {
    // M1 captured in h1 but not h2 (as E2SEC's delegation flows only until it is cached): a
    // fresh run r1 of a trace would not carry it, so replays take the captured observation and
    // in-flight attacks leave it alone; M4, in every run, is still taken from r1.
    Planning w;
    Knowledge setup{prose_spec()};
    for (const auto& c : w.clear) {
        auto m = mtc::decode(prose::schema(), c.frame);
        ASSERT_TRUE(m.ok());
        if (m->type == prose::M1 && c.run == "h2") continue;
        ASSERT_TRUE(setup.observe(c.frame, c.from, c.to, false, c.run, 0).ok());
    }
    const std::size_t m1_id = setup.in_run("h1", "M1")->id;
    PlanContext ctx = w.ctx();
    ctx.knowledge = &setup;
    const auto replay = attacks::find_strategy("replay")->plan(ctx, {"replay", {"same-later"}, {}});
    const Trace* m1 = by_signature(replay, "replay/same-later/M1->UE#0");
    const Trace* m4 = by_signature(replay, "replay/same-later/M4->MTCd#0");
    ASSERT_NE(m1, nullptr);
    ASSERT_NE(m4, nullptr);
    EXPECT_EQ(m1->steps.at(1).term.at("msg"), "o" + std::to_string(m1_id));
    EXPECT_EQ(m4->steps.at(1).term.at("msg"), "r1.M4");
    for (const char* strategy : {"modify", "relay", "mitm"}) {
        for (const Trace& t : attacks::find_strategy(strategy)->plan(ctx, {strategy, {}, {}})) {
            EXPECT_EQ(t.signature.find("M1"), std::string::npos) << t.signature;
        }
    }
}

TEST(Strategy, NoInsiderNoInsiderAttacks) {
    Planning w;
    w.insiders.clear();
    EXPECT_TRUE(w.plan("replay", {"insider"}).empty());
    EXPECT_TRUE(w.plan("relay", {"insider-forward"}).empty());
    EXPECT_TRUE(w.plan("mitm", {"identity"}).empty());
    for (const auto& name : strategy_names()) {
        for (const Trace& t : w.plan(name)) {
            const std::string j = attacks::to_json(t).dump();
            EXPECT_EQ(j.find("insider:"), std::string::npos) << t.signature;
        }
    }
    // The other sub-attacks still run; with no insider, UE#2 is an honest target.
    const auto replay = w.plan("replay");
    EXPECT_NE(by_signature(replay, "replay/other-instance/M1->UE#2"), nullptr);
    EXPECT_FALSE(w.plan("relay", {"reflect"}).empty());
    EXPECT_FALSE(w.plan("mitm", {"substitute"}).empty());
}

// Protocol names (the protocol, its roles, messages, fields and secrets) in a text, as whole
// words (protocol names anywhere, in any case).
std::vector<std::string> protocol_names_in(const std::string& text) {
    auto is_word = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
    };
    auto has_word = [&](const std::string& w) {
        for (std::size_t at = text.find(w); at != std::string::npos; at = text.find(w, at + 1)) {
            const bool left = at == 0 || !is_word(text[at - 1]);
            const bool right = at + w.size() >= text.size() || !is_word(text[at + w.size()]);
            if (left && right) return true;
        }
        return false;
    };
    std::string lower = text;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::vector<std::string> found;
    for (const ProtocolSpec* p : registered_protocols()) {
        std::string name = p->name;
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (lower.find(name) != std::string::npos) found.push_back(p->name);
        std::set<std::string> words;
        for (const RoleSpec& r : p->roles) words.insert(r.name);
        for (const MessageSpec& m : p->schema->messages) {
            words.insert(m.name);
            for (const FieldSpec& f : m.fields) words.insert(f.name);
        }
        for (const MacRecipe& m : p->recipes.macs) words.insert(m.secret);
        for (const SealRecipe& r : p->recipes.seals) words.insert({r.secret, r.yields});
        for (const KeyRecipe& r : p->recipes.keys) words.insert(r.key);
        for (const auto& w : words) {
            // One-letter names (E2SEC's fields r, h, s, K) are every program's variables;
            // a strategy naming one cannot be told from code, so they are not searched for.
            if (w.size() > 1 && has_word(w)) found.push_back(w);
        }
    }
    return found;
}

TEST(Strategy, NoStrategyNamesAProtocol) {
    // The scan itself finds names.
    EXPECT_FALSE(protocol_names_in("if (t == \"M1\") return;").empty());
    EXPECT_FALSE(protocol_names_in("// the ProSe relay").empty());
    EXPECT_FALSE(protocol_names_in("f.name == \"MTCdInfo.MICAlg\"").empty());
    EXPECT_TRUE(protocol_names_in("const std::string& T = s.spec->name; // M10").empty());

    const char* root = std::getenv("MTC_SOURCE_DIR");
    if (root == nullptr) GTEST_SKIP() << "MTC_SOURCE_DIR is not set";
    const std::filesystem::path dir = std::filesystem::path(root) / "attacks" / "strategies";
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) GTEST_SKIP() << dir << " not found";
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        const auto ext = e.path().extension();
        if (ext == ".cpp" || ext == ".hpp") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) GTEST_SKIP() << "no strategy sources in " << dir;
    for (const auto& f : files) {
        std::ifstream in(f);
        ASSERT_TRUE(in) << f;
        std::stringstream text;
        text << in.rdbuf();
        EXPECT_THAT(protocol_names_in(text.str()), ::testing::IsEmpty()) << f;
    }
}

}  // namespace
}  // namespace mtc::test
