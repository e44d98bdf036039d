#include "harness/runner/campaign_run.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "attacks/checker.hpp"
#include "attacks/compromise.hpp"
#include "attacks/guess.hpp"
#include "attacks/guess/online.hpp"
#include "attacks/term.hpp"
#include "harness/net/signals.hpp"
#include "harness/pcap/window.hpp"
#include "harness/pcap/writer.hpp"
#include "harness/runner/attack_engine.hpp"
#include "harness/runner/files.hpp"
#include "harness/runner/online_guess.hpp"
#include "harness/runner/pcap_knowledge.hpp"
#include "protocols/core/clock.hpp"
#include "protocols/core/crypto/hash.hpp"
#include "protocols/core/registry.hpp"

namespace mtc::runner {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

std::string iso_now() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// The deployment-level facts a trace needs to be replayed on its own.
struct Setup {
    const ProtocolSpec* spec = nullptr;
    DeploymentOptions deployment;
    std::vector<std::string> insiders, compromised;
    std::map<std::string, std::set<std::string>> weaken;
    std::uint64_t seed = 1;
    std::size_t honest_sessions = 0;
    std::optional<std::string> pcap;
    std::vector<std::string> claims;
};

json setup_json(const Setup& s) {
    json j;
    j["protocol"] = s.spec->name;
    j["variant"] = s.deployment.variant;
    j["profile"] = s.deployment.profile;
    j["mode"] = s.deployment.mode;
    j["instances"] = s.deployment.instances;
    j["settings"] = s.deployment.settings;
    j["options"] = s.deployment.options;
    j["insiders"] = s.insiders;
    j["compromised"] = s.compromised;
    json w = json::object();
    for (const auto& [role, checks] : s.weaken)
        w[role] = std::vector<std::string>(checks.begin(), checks.end());
    j["weaken"] = w;
    j["seed"] = s.seed;
    j["honest_sessions"] = s.honest_sessions;
    if (s.pcap) j["pcap"] = *s.pcap;
    return j;
}

// One live deployment with everything the attacker needs around it; shared by `campaign run`
// and `campaign replay`.
class Arena {
public:
    Arena(const Setup& s, std::string self_exe, std::string addr_prefix, std::string workdir)
        : s_(s),
          self_exe_(std::move(self_exe)),
          addr_prefix_(std::move(addr_prefix)),
          workdir_(std::move(workdir)),
          knowledge_(*s.spec) {}

    Status start(const std::optional<std::string>& pcap_out, std::ostream* events_out) {
        net::ignore_sigpipe();
        if (pcap_out) {
            auto w = pcap::PcapWriter::create(*pcap_out);
            if (!w) return w.error();
            writer_ = std::move(w).value();
        }
        LiveDeploymentOptions lo;
        lo.spec = s_.spec;
        lo.deployment = s_.deployment;
        lo.insiders = {s_.insiders.begin(), s_.insiders.end()};
        lo.weaken = s_.weaken;
        lo.seed = s_.seed;
        lo.self_exe = self_exe_;
        lo.workdir = workdir_;
        lo.addr_prefix = addr_prefix_;
        lo.retransmit_ms = 0;
        auto d = LiveDeployment::start(loop_, lo, writer_.get());
        if (!d) return d.error();
        dep_ = std::move(d).value();
        const Deployment& plan = dep_->provisioned().deployment;
        for (const auto& name : s_.insiders) {
            if (const InstancePlan* p = plan.find(name)) knowledge_.compromise(name, p->creds);
        }
        for (const auto& name : s_.compromised) {
            if (const InstancePlan* p = plan.find(name)) knowledge_.compromise(name, p->creds);
        }
        fingerprinter_ = std::make_unique<KeyFingerprinter>(dep_->fingerprint_salt());
        std::vector<std::string> judged;
        for (const auto& c : s_.claims) {
            if (attacks::ClaimChecker::judges(c)) judged.push_back(c);
        }
        checker_ = std::make_unique<attacks::ClaimChecker>(*s_.spec, plan, judged, *fingerprinter_);
        rng_ = make_rng(s_.seed, "attacker");
        engine_ = std::make_unique<AttackEngine>(loop_, *dep_, knowledge_, *rng_);
        dep_->on_event(
            [this, events_out](LiveInstance& i, const Event& e, const std::string& line) {
                if (events_out != nullptr) *events_out << line << '\n';
                checker_->add(e);
                if (e.kind == EventKind::commit && e.key_fp) committed_fps_.insert(*e.key_fp);
                engine_->note_event(i, e);
            });
        dep_->on_exit([this](LiveInstance& i, const std::string& why) {
            checker_->add_liveness_failure(i.name, i.name + " " + why);
            engine_->forget_in_flight();
            ended_.push_back(&i);
        });
        for (const auto& i : dep_->instances()) {
            const RoleSpec* rs = s_.spec->role(i.role);
            if (i.process && rs != nullptr && rs->initiator) initiators_.push_back(i.name);
        }
        if (initiators_.empty()) return make_error("the deployment has no honest initiator");
        if (s_.pcap) {
            auto r = load_pcap(*s_.pcap, knowledge_);
            if (!r) return make_error("honest.pcap: " + r.error().describe());
            notes_.push_back("loaded " + std::to_string(r->loaded) + " messages from " + *s_.pcap);
        }
        return Ok{};
    }

    // Honest runs, round robin over the initiators, labelled h1, h2, ...; returns how many ran
    // (fewer when `over_budget` says stop).
    std::size_t honest_phase(const std::function<void(std::size_t)>& progress,
                             const std::function<bool()>& over_budget) {
        std::size_t k = 1;
        for (; k <= s_.honest_sessions; ++k) {
            if (over_budget && over_budget()) break;
            attacks::Trace t;
            t.strategy = "honest";
            t.signature = "honest";
            attacks::Step st;
            st.run = "h" + std::to_string(k);
            st.at = initiators_[(k - 1) % initiators_.size()];
            honest_runs_.push_back(st.run);
            checker_->add_honest_run(st.run);
            t.steps.push_back(st);
            auto out = engine_->execute(t, "");
            for (auto& p : out.problems) notes_.push_back("honest run " + st.run + ": " + p);
            restart_ended();
            if (progress) progress(k);
        }
        return k - 1;
    }

    ExecOutcome attack(const attacks::Trace& t, const std::string& prefix) {
        auto out = engine_->execute(t, prefix);
        restart_ended();
        return out;
    }

    // Restarts processes that ended (DESIGN: record as liveness, then restart).
    void restart_ended() {
        for (LiveInstance* i : ended_) {
            if (auto s = dep_->restart(*i); !s) {
                notes_.push_back("could not restart " + i->name + ": " + s.error().describe());
            } else {
                notes_.push_back("restarted " + i->name);
            }
        }
        ended_.clear();
    }

    attacks::PlanContext plan_context() const {
        attacks::PlanContext ctx;
        ctx.spec = s_.spec;
        ctx.deployment = &dep_->provisioned().deployment;
        ctx.knowledge = &knowledge_;
        ctx.insiders = s_.insiders;
        ctx.initiators = initiators_;
        ctx.run_initiator = engine_->run_initiators();
        return ctx;
    }

    // The compromise strategy (attacks/compromise.hpp): every honest instance gives up its
    // long-term secrets now, and the attacker tries them on the honest runs it saw.
    attacks::CompromiseOutcome compromise() {
        attacks::CompromiseInput in;
        in.deployment = &dep_->provisioned().deployment;
        in.fingerprinter = fingerprinter_.get();
        in.runs = honest_runs_;
        in.committed_fps = committed_fps_;
        in.at_us = SystemClock().now_us();
        return attacks::compromise_all(knowledge_, in);
    }

    std::vector<std::string> finish() {
        engine_.reset();
        auto failures = dep_->shutdown();
        for (const auto& f : failures) checker_->add_liveness_failure("", f);
        return failures;
    }
    Status commit_pcap() { return writer_ ? writer_->commit() : Status(Ok{}); }

    // What the key guesser needs to turn a guessed secret into session keys.
    attacks::DeriveInput derive_input() const {
        return attacks::DeriveInput{fingerprinter_.get(), honest_runs_, committed_fps_, ""};
    }

    attacks::Knowledge& knowledge() { return knowledge_; }
    attacks::ClaimChecker& checker() { return *checker_; }
    std::vector<std::string>& notes() { return notes_; }

private:
    const Setup& s_;
    std::string self_exe_, addr_prefix_, workdir_;
    net::EventLoop loop_;
    std::unique_ptr<pcap::PcapWriter> writer_;
    std::unique_ptr<LiveDeployment> dep_;
    attacks::Knowledge knowledge_;
    std::unique_ptr<KeyFingerprinter> fingerprinter_;
    std::unique_ptr<attacks::ClaimChecker> checker_;
    std::unique_ptr<Rng> rng_;
    std::unique_ptr<AttackEngine> engine_;
    std::vector<std::string> initiators_;
    std::vector<std::string> honest_runs_;  // labels of the honest phase's runs
    std::set<std::string> committed_fps_;   // key_fp of every commit event
    std::vector<LiveInstance*> ended_;
    std::vector<std::string> notes_;
};

Result<std::string> make_workdir() {
    char tmpl[] = "/tmp/mtcfuzz-campaign-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return make_error("cannot create a temporary directory");
    return std::string(tmpl);
}

std::string finding_id(const Setup& s, const std::string& claim, const std::string& signature) {
    const std::string in =
        s.spec->name + "|" + s.deployment.variant + "|" + claim + "|" + signature;
    const auto h =
        crypto::sha256(BytesView(reinterpret_cast<const std::uint8_t*>(in.data()), in.size()));
    return "F-" + to_hex(BytesView(h.data(), 5));
}

std::string seconds(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g s", s);
    return buf;
}

std::string short_claim_kind(const std::string& claim) {
    return claim.substr(0, claim.find(':'));
}

}  // namespace

Result<report::CampaignReport> run_campaign(const CampaignRunOptions& o) {
    const attacks::Campaign& c = o.campaign;
    if (c.spec == nullptr) return make_error("campaign: no protocol");
    if (auto s = make_dirs(o.out_dir, 0755); !s) return s.error();
    auto workdir = make_workdir();
    if (!workdir) return workdir.error();

    Setup setup;
    setup.spec = c.spec;
    setup.deployment = c.deployment;
    setup.insiders = c.insiders;
    setup.compromised = c.compromised;
    setup.weaken = c.weaken;
    setup.seed = c.seed;
    setup.honest_sessions = c.honest_sessions;
    setup.pcap = c.pcap;
    setup.claims = c.claims;

    report::CampaignReport r;
    r.campaign = c.name;
    r.campaign_file = c.source;
    r.protocol = c.spec->name;
    r.variant = c.deployment.variant;
    r.seed = c.seed;
    r.started = iso_now();
    const auto t0 = std::chrono::steady_clock::now();
    auto elapsed = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };

    const std::string events_path = o.out_dir + "/events.jsonl";
    std::ofstream events(events_path + ".tmp", std::ios::trunc);
    if (!events) return make_error("cannot write " + events_path);
    const std::string traffic = o.out_dir + "/traffic.pcap";

    Arena arena(setup, o.self_exe, o.addr_prefix, *workdir);
    if (auto s = arena.start(traffic, &events); !s) return s.error();
    // The time budget is for the run's sessions: it starts once every role process is up, so
    // a large deployment (a thousand GAKA members take some 20 s to start) still gets it all.
    const double budget_t0 = elapsed();
    auto over_budget = [&] { return elapsed() - budget_t0 > c.budget_s; };
    char startup[32];
    std::snprintf(startup, sizeof startup, "%.1f s", budget_t0);
    r.notes.push_back(std::string("deployment start-up: ") + startup +
                      " (provisioning and starting every role process; not counted in the time "
                      "budget)");

    CampaignProgress prog;
    prog.honest_total = c.honest_sessions;
    prog.budget_s = c.budget_s;
    auto last_progress = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    auto report_progress = [&](bool force) {
        if (!o.progress) return;
        const auto now = std::chrono::steady_clock::now();
        if (!force && now - last_progress < std::chrono::milliseconds(100)) return;
        last_progress = now;
        prog.elapsed_s = elapsed();
        o.progress(prog);
    };

    const double honest_t0 = elapsed();
    r.honest_sessions = arena.honest_phase(
        [&](std::size_t k) {
            prog.honest_done = k;
            report_progress(false);
        },
        over_budget);
    r.honest_s = elapsed() - honest_t0;
    if (r.honest_sessions < c.honest_sessions) {
        r.notes.push_back("time budget (" + seconds(c.budget_s) + ") reached after " +
                          std::to_string(r.honest_sessions) + " of " +
                          std::to_string(c.honest_sessions) + " honest runs");
    }

    // Plan every attack of the campaign from what the honest runs showed.
    const auto ctx = arena.plan_context();
    std::vector<attacks::Trace> plan;
    bool guess_asked = false;
    bool compromise_asked = false;
    for (const auto& a : c.attacks) {
        if (a.strategy == "guess") guess_asked = true;
        if (a.strategy == "compromise") compromise_asked = true;
        const attacks::Strategy* st = attacks::find_strategy(a.strategy);
        if (st == nullptr) continue;
        for (auto& t : st->plan(ctx, a)) plan.push_back(std::move(t));
    }
    if (plan.size() > c.budget_sessions) {
        r.notes.push_back("session budget: " + std::to_string(plan.size() - c.budget_sessions) +
                          " of " + std::to_string(plan.size()) + " planned attacks not run");
        plan.resize(c.budget_sessions);
    }
    prog.attacks_total = plan.size();

    std::map<std::string, std::vector<std::string>> guess_notes;  // claim -> sentences
    json guess_json;  // the guess attack's settings, for replay_finding
    for (const auto& a : c.attacks) {
        if (a.strategy == "guess") guess_json = a.settings;
    }
    std::map<std::string, std::size_t> finding_index;  // id -> index in r.findings
    std::map<std::string, std::set<std::string>> claim_findings;
    struct Window {
        std::int64_t t0, t1;
    };
    std::map<std::string, Window> windows;
    auto take = [&](const std::vector<attacks::Violation>& vs, const attacks::Trace* t,
                    const ExecOutcome* ex) {
        for (const auto& v : vs) {
            const std::string signature = t != nullptr ? t->signature : "honest runs";
            const std::string id = finding_id(setup, v.claim, signature);
            claim_findings[v.claim].insert(id);
            if (finding_index.count(id) != 0) continue;
            report::Finding f;
            f.id = id;
            f.claim = v.claim;
            f.strategy = t != nullptr ? t->strategy : "none";
            f.attack = signature;
            f.summary = v.summary + (t != nullptr ? " [attack: " + t->description + "]" : "");
            json tj = {{"format", "mtcfuzz-trace/1"},
                       {"finding", id},
                       {"claim", v.claim},
                       {"campaign", c.name}};
            tj.update(setup_json(setup));
            // The compromise step has no live steps: its trace is the honest runs, then the
            // compromise (replay_finding repeats both).
            if (t != nullptr && !t->steps.empty()) tj["attack"] = attacks::to_json(*t);
            if (t != nullptr && t->strategy == "compromise") tj["compromise"] = true;
            // An off-line guess has no live steps either: replay_finding searches again.
            if (t != nullptr && t->strategy == "guess" && t->steps.empty())
                tj["guess"] = guess_json;
            f.trace = tj;
            f.dir = "findings/" + id;
            if (ex != nullptr) {
                f.transcript = ex->transcript;
                windows[id] = {ex->t0_us, ex->t1_us};
            }
            f.evidence = v.evidence;
            finding_index[id] = r.findings.size();
            r.findings.push_back(std::move(f));
        }
        prog.findings = r.findings.size();
    };
    take(arena.checker().check(arena.knowledge()), nullptr, nullptr);

    std::size_t problems = 0;
    const double attack_t0 = elapsed();
    for (std::size_t i = 0; i < plan.size(); ++i) {
        if (over_budget()) {
            r.notes.push_back("time budget (" + seconds(c.budget_s) +
                              "): " + std::to_string(plan.size() - i) + " planned attacks not run");
            break;
        }
        const auto& t = plan[i];
        prog.current = t.signature;
        report_progress(false);
        auto ex = arena.attack(t, "a" + std::to_string(i + 1) + "/");
        problems += ex.problems.size();
        if (!ex.problems.empty() && r.notes.size() < 50) {
            r.notes.push_back(t.signature + ": " + ex.problems.front());
        }
        ++r.attack_sessions;
        ++r.attacks_run[t.strategy];
        take(arena.checker().check(arena.knowledge()), &t, &ex);
        // An on-line guessing trace: did the target role notice every failed guess?
        if (attacks::guess::online_recipe_of(*c.spec, t) != nullptr) {
            const auto m = measure_online_guess(*c.spec, *ctx.deployment, t, ex);
            const std::string claim = "guess-resistance:" + m.secret;
            guess_notes[claim].push_back(m.note);
            if (m.undetected()) take({attacks::Violation{claim, m.note, {}, t.signature}}, &t, &ex);
        }
        prog.attacks_done = i + 1;
    }
    r.attack_s = elapsed() - attack_t0;
    report_progress(true);

    // Off-line key guessing, after the live attacks (so insiders have opened what they can):
    // a hit is a guess-resistance finding, and the secrets it opens and the session keys it
    // derives are checked like any other knowledge (secrecy findings, attributed to it).
    if (guess_asked) {
        const attacks::StrategyParams* gp = nullptr;
        for (const auto& a : c.attacks) {
            if (a.strategy == "guess") gp = &a;
        }
        const bool offline = gp->only.empty() || std::find(gp->only.begin(), gp->only.end(),
                                                           "offline") != gp->only.end();
        auto settings = attacks::GuessSettings::from(*gp);
        if (!settings) {
            r.notes.push_back("guess: " + settings.error().describe());
        } else if (offline) {
            attacks::OfflineGuessInput in;
            in.settings = *settings;
            in.derive = arena.derive_input();
            in.progress = [&](const std::string& what, const attacks::guess::SearchProgress& p) {
                prog.current = "guess " + what + ": " + std::to_string(p.tested) + "/" +
                               std::to_string(p.total) + " at " +
                               std::to_string(static_cast<long long>(p.rate)) + "/s, ETA " +
                               seconds(p.eta_s);
                report_progress(false);
            };
            const auto out = attacks::guess_offline(arena.knowledge(), in);
            ++r.attacks_run["guess"];
            if (!out.error.empty()) r.notes.push_back("guess: " + out.error);
            for (const auto& [subject, why] : out.no_verifier)
                guess_notes["guess-resistance:" + subject].push_back(why);
            for (const auto& g : out.searches) {
                guess_notes[g.claim()].push_back(g.note);
                attacks::Trace t;
                t.strategy = "guess";
                t.signature = "guess/offline/" + g.subject;
                t.description = "off-line search of " + g.space + " against " + g.verifier;
                if (auto v = g.violation()) take({*v}, &t, nullptr);
                // Secrecy findings from what the hit opened or derived.
                take(arena.checker().check(arena.knowledge()), &t, nullptr);
            }
        }
    }

    // Forward secrecy: after every other attack (so that the secrets it gives up help none of
    // them), compromise every honest instance and try to recover earlier session keys.
    std::string compromise_note;
    if (compromise_asked) {
        if (over_budget()) {
            compromise_note = "time budget (" + seconds(c.budget_s) +
                              ") reached before the compromise step: not run";
            r.notes.push_back(compromise_note);
        } else {
            prog.current = "compromise";
            report_progress(true);
            const auto outcome = arena.compromise();
            compromise_note = outcome.note;
            ++r.attacks_run["compromise"];
            attacks::Trace t;
            t.strategy = "compromise";
            t.signature = "compromise/all-instances";
            t.description = "every honest instance compromised after " +
                            std::to_string(r.honest_sessions) + " honest runs";
            take(arena.checker().check(arena.knowledge()), &t, nullptr);
        }
    }

    for (const auto& f : arena.finish()) r.notes.push_back("at shutdown: " + f);
    take(arena.checker().check(arena.knowledge()), nullptr, nullptr);
    for (auto& n : arena.notes()) r.notes.push_back(n);
    if (problems > 0) r.notes.push_back(std::to_string(problems) + " step problems in total");
    if (auto s = arena.commit_pcap(); !s) return s.error();
    events.close();
    std::error_code ec;
    fs::rename(events_path + ".tmp", events_path, ec);
    if (ec) return make_error("cannot write " + events_path + ": " + ec.message());

    // Per finding: its replayable trace and the slice of the capture its attack spans.
    for (const auto& f : r.findings) {
        const std::string dir = o.out_dir + "/" + f.dir;
        if (auto s = make_dirs(dir, 0755); !s) return s.error();
        if (auto s = write_file_atomic(dir + "/trace.json", f.trace.dump(2) + "\n", 0644); !s)
            return s.error();
        auto w = windows.find(f.id);
        const std::int64_t from = w != windows.end() ? w->second.t0 - 1000 : 0;
        const std::int64_t to = w != windows.end() ? w->second.t1 + 1000 : INT64_MAX;
        if (auto s = pcap::copy_window(traffic, dir + "/trace.pcap", from, to); !s)
            return s.error();
    }

    // Verdicts.
    std::vector<std::string> tried;
    for (const auto& [strategy, n] : r.attacks_run)
        tried.push_back(strategy + " (" + std::to_string(n) + ")");
    for (const auto& id : c.claims) {
        const ClaimSpec* cs = nullptr;
        for (const auto& x : c.spec->claims) {
            if (x.id == id) cs = &x;
        }
        report::ClaimVerdict v;
        v.id = id;
        if (cs != nullptr) {
            v.statement = cs->statement;
            v.paper_claim = cs->paper_claim;
            v.hardened_promises = cs->hardened_promises;
        }
        auto fi = claim_findings.find(id);
        if (fi != claim_findings.end() && !fi->second.empty()) {
            v.verdict = report::Verdict::violated;
            v.finding_ids.assign(fi->second.begin(), fi->second.end());
            v.attacks_tried = tried;
            // What each guess attack measured, the ones that did not violate it included.
            if (auto gn = guess_notes.find(id); gn != guess_notes.end()) {
                for (const auto& n : gn->second) v.note += (v.note.empty() ? "" : " | ") + n;
            }
        } else if (short_claim_kind(id) == "guess-resistance") {
            auto gn = guess_notes.find(id);
            if (!guess_asked || gn == guess_notes.end()) {
                v.verdict = report::Verdict::not_tested;
                v.note = guess_asked ? "no guess attack reached " + id
                                     : "the campaign runs no guess attack";
            } else {
                v.verdict = report::Verdict::holds;
                for (const auto& n : gn->second) v.note += (v.note.empty() ? "" : " | ") + n;
                v.attacks_tried = tried;
            }
        } else if (short_claim_kind(id) == "forward-secrecy") {
            // Judged only after the compromise step: without it nothing was compromised.
            const bool ran = r.attacks_run.count("compromise") != 0;
            v.verdict = ran ? report::Verdict::holds : report::Verdict::not_tested;
            v.note = compromise_asked ? compromise_note : "the campaign runs no compromise attack";
            if (ran) v.attacks_tried = tried;
        } else if (r.attack_sessions == 0) {
            v.verdict = report::Verdict::not_tested;
            v.note = "no attack session ran";
        } else {
            v.verdict = report::Verdict::holds;
            v.attacks_tried = tried;
            v.note = arena.checker().note(id);
        }
        r.claims.push_back(std::move(v));
    }
    r.duration_s = elapsed();
    if (auto s = report::write_reports(r, o.out_dir); !s) return s.error();
    if (!o.keep_workdir) fs::remove_all(*workdir, ec);
    return r;
}

Result<ReplayOutcome> replay_finding(const ReplayOptions& o) {
    auto text = read_file(o.finding_dir + "/trace.json");
    if (!text) return text.error();
    const auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return make_error(o.finding_dir + "/trace.json: not a JSON object");
    if (j.value("format", "") != "mtcfuzz-trace/1")
        return make_error(o.finding_dir + "/trace.json: not an mtcfuzz-trace/1 file");
    Setup s;
    try {
        s.spec = find_protocol(j.at("protocol").get<std::string>());
        if (s.spec == nullptr) return make_error("trace.json: unknown protocol");
        s.deployment.variant = j.at("variant").get<std::string>();
        s.deployment.profile = j.at("profile").get<std::string>();
        s.deployment.mode = j.at("mode").get<std::string>();
        s.deployment.instances = j.at("instances").get<std::map<std::string, int>>();
        s.deployment.settings =
            j.at("settings").get<std::map<std::string, std::map<std::string, std::string>>>();
        // Traces written before protocol-wide options existed have none.
        if (j.contains("options"))
            s.deployment.options = j.at("options").get<std::map<std::string, std::string>>();
        s.insiders = j.at("insiders").get<std::vector<std::string>>();
        s.compromised = j.at("compromised").get<std::vector<std::string>>();
        for (const auto& [role, checks] : j.at("weaken").items())
            for (const auto& ch : checks) s.weaken[role].insert(ch.get<std::string>());
        s.seed = j.at("seed").get<std::uint64_t>();
        s.honest_sessions = j.at("honest_sessions").get<std::size_t>();
        if (j.contains("pcap")) s.pcap = j.at("pcap").get<std::string>();
    } catch (const nlohmann::json::exception& e) {
        return make_error(o.finding_dir + "/trace.json: " + e.what());
    }
    if (auto v = s.spec->validate(s.deployment); !v) return v.error();
    ReplayOutcome out;
    out.claim = j.value("claim", "");
    s.claims = {out.claim};
    std::optional<attacks::Trace> trace;
    if (j.contains("attack")) {
        auto t = attacks::trace_from_json(j["attack"]);
        if (!t) return make_error(o.finding_dir + "/trace.json: " + t.error().describe());
        trace = std::move(t).value();
    }
    auto workdir = make_workdir();
    if (!workdir) return workdir.error();
    std::optional<std::string> pcap_out;
    std::unique_ptr<std::ofstream> events;
    if (o.out_dir) {
        if (auto st = make_dirs(*o.out_dir, 0755); !st) return st.error();
        pcap_out = *o.out_dir + "/traffic.pcap";
        events = std::make_unique<std::ofstream>(*o.out_dir + "/events.jsonl", std::ios::trunc);
    }
    Arena arena(s, o.self_exe, o.addr_prefix, *workdir);
    if (auto st = arena.start(pcap_out, events.get()); !st) return st.error();
    arena.honest_phase(nullptr, nullptr);
    std::vector<attacks::Violation> vs = arena.checker().check(arena.knowledge());
    if (trace) {
        arena.attack(*trace, "a1/");
        auto more = arena.checker().check(arena.knowledge());
        vs.insert(vs.end(), more.begin(), more.end());
    }
    if (j.contains("guess")) {
        attacks::StrategyParams gp{"guess", {"offline"}, {}};
        try {
            gp.settings = j["guess"].get<std::map<std::string, std::string>>();
        } catch (const std::exception& e) {
            return make_error(o.finding_dir + "/trace.json: guess: " + e.what());
        }
        auto settings = attacks::GuessSettings::from(gp);
        if (!settings)
            return make_error(o.finding_dir + "/trace.json: " + settings.error().describe());
        attacks::OfflineGuessInput in;
        in.settings = *settings;
        in.derive = arena.derive_input();
        for (const auto& g : attacks::guess_offline(arena.knowledge(), in).searches) {
            if (auto v = g.violation()) vs.push_back(std::move(*v));
        }
        auto more = arena.checker().check(arena.knowledge());
        vs.insert(vs.end(), more.begin(), more.end());
    }
    if (j.value("compromise", false)) {
        arena.compromise();
        auto more = arena.checker().check(arena.knowledge());
        vs.insert(vs.end(), more.begin(), more.end());
    }
    arena.finish();
    auto more = arena.checker().check(arena.knowledge());
    vs.insert(vs.end(), more.begin(), more.end());
    if (auto st = arena.commit_pcap(); !st) return st.error();
    for (const auto& v : vs) {
        if (v.claim != out.claim) continue;
        out.reproduced = true;
        out.summaries.push_back(v.summary);
    }
    std::error_code ec;
    fs::remove_all(*workdir, ec);
    return out;
}

}  // namespace mtc::runner
