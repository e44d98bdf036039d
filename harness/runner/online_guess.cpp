#include "harness/runner/online_guess.hpp"

#include <cstdio>
#include <optional>
#include <set>
#include <vector>

#include "attacks/guess/online.hpp"

namespace mtc::runner {
namespace {

// What the target role did while one guess was in the network.
struct GuessWindow {
    bool rejected = false, accepted = false;
};

std::string rate_text(double per_s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, per_s >= 10 ? "%.0f" : "%.1f", per_s);
    return buf;
}

std::string describe(const OnlineGuessMeasure& m, bool honest_after,
                     const std::vector<std::string>& problems) {
    std::string s =
        std::to_string(m.guesses) + " on-line guesses of " + m.secret + " put to " + m.target_role;
    if (m.guesses > 0 && m.seconds > 0) s += " at " + rate_text(m.guesses_per_s) + "/s";
    s += ": " + std::to_string(m.rejects) + " rejected";
    const std::size_t silent = m.guesses - m.rejects - m.accepted;
    if (m.guesses == 0) {
        s += " (nothing measured)";
    } else if (!m.undetected()) {
        s += " (every failed guess detected)";
    }
    if (silent > 0) {
        s += ", " + std::to_string(silent) + " drew no reject from " + m.target_role +
             " (undetected on-line guessing)";
    }
    // The candidates differ, so at most one guess can be right: two or more accepted guesses
    // mean the role cannot tell a wrong one.
    if (m.accepted == 1) {
        s += ", 1 accepted (a right guess, or a check missing)";
    } else if (m.accepted > 1) {
        s += ", " + std::to_string(m.accepted) +
             " accepted (the role cannot tell a wrong guess: undetected on-line guessing)";
    }
    if (m.guesses > 0 && m.rejects + m.accepted == m.guesses) {
        s += "; no rate limiting: every guess was answered";
    }
    if (!honest_after) {
        s += "; no honest run afterwards (lockout not tested)";
    } else if (m.honest_after_committed) {
        s += "; no lockout: the honest run afterwards committed";
    } else {
        s += "; the honest run afterwards did not commit (lockout: the guesses denied the "
             "legitimate party service)";
    }
    if (m.guesses < m.planned) {
        s += "; " + std::to_string(m.planned - m.guesses) + " of " + std::to_string(m.planned) +
             " planned guesses not sent";
        if (!problems.empty()) s += " (" + problems.front() + ")";
    }
    return s;
}

}  // namespace

OnlineGuessMeasure measure_online_guess(const ProtocolSpec& spec, const Deployment& deployment,
                                        const attacks::Trace& trace, const ExecOutcome& outcome) {
    OnlineGuessMeasure m;
    const OnlineGuessRecipe* recipe = attacks::guess::online_recipe_of(spec, trace);
    if (recipe == nullptr) {
        m.note = "not an on-line guessing trace of " + spec.name + " (" + trace.signature + ")";
        return m;
    }
    m.secret = recipe->secret;
    m.target_role = recipe->target_role;
    std::set<std::string> targets;
    for (const InstancePlan& i : deployment.instances) {
        if (i.role == m.target_role) targets.insert(i.instance);
    }
    for (const attacks::Step& s : trace.steps) m.planned += s.kind == attacks::StepKind::send;
    // The initiator of the honest run after the guesses (the planner's r2).
    const std::string after =
        !trace.steps.empty() && trace.steps.back().kind == attacks::StepKind::honest
            ? trace.steps.back().at
            : std::string();

    // The transcript carries no session ids, so guesses and events are paired by time. The
    // engine waits for the network to be quiet after each send step, and a role process
    // writes an event on its control socket before the io line that lets the engine call the
    // network quiet: every event a guess causes is in the transcript after that guess's line
    // and before the next one. A guess therefore counts as detected when the target role
    // rejected anything in its window, however many rejects (say, the server rejecting a
    // later message of the same run) it caused. The window of the last guess ends where r2
    // begins: with the first message r2's initiator sends (a guess is sent by "Attacker", and
    // no guess makes the initiator, which has no run for the guess's session, start one),
    // after the last guess: a line of that initiator between the guesses is r1's, a copy it
    // retransmitted because r1's answer was slow (seen on a loaded machine, where it used to
    // end the measurement after the first guess).
    std::size_t last_guess = 0;
    for (std::size_t i = 0; i < outcome.transcript.size(); ++i) {
        const report::TranscriptEntry& e = outcome.transcript[i];
        if (!e.is_event && e.from == "Attacker") last_guess = i;
    }
    std::vector<GuessWindow> windows;
    std::optional<std::int64_t> first_guess_us, after_start_us;
    for (std::size_t i = 0; i < outcome.transcript.size(); ++i) {
        const report::TranscriptEntry& e = outcome.transcript[i];
        if (after_start_us) {
            m.honest_after_committed |= e.is_event && e.from == after && e.label == "commit";
            continue;
        }
        if (!e.is_event && e.from == "Attacker") {
            windows.emplace_back();
            if (!first_guess_us) first_guess_us = e.ts_us;
            continue;
        }
        if (windows.empty()) continue;  // r1, before the guesses
        if (!e.is_event) {
            const bool r2_begins = e.from == after && !after.empty() && i > last_guess;
            if (r2_begins) after_start_us = e.ts_us;
            continue;
        }
        if (targets.count(e.from) == 0) continue;
        GuessWindow& w = windows.back();
        if (e.label == "reject") {
            if (!w.rejected) ++m.reject_reasons[e.note];
            w.rejected = true;
        } else if (e.label == "accept" || e.label == "commit") {
            w.accepted = true;
        }
    }
    m.guesses = windows.size();
    for (const GuessWindow& w : windows) {
        m.rejects += w.rejected;
        m.accepted += w.accepted && !w.rejected;
    }
    if (first_guess_us) {
        const std::int64_t end = after_start_us.value_or(outcome.t1_us);
        m.seconds = static_cast<double>(end - *first_guess_us) / 1e6;
        if (m.seconds > 0) m.guesses_per_s = static_cast<double>(m.guesses) / m.seconds;
    }
    m.note = describe(m, !after.empty(), outcome.problems);
    return m;
}

}  // namespace mtc::runner
