// Whether a live role noticed an on-line guessing attack, read from the executed trace (planned
// by attacks/guess/online.hpp: honest run r1, one send step per guess, honest run r2). The claim
// "resists undetectable on-line guessing" holds only if every failed guess shows up as a reject
// event of the target role (issue 10); r2 tells whether the guesses locked the legitimate
// initiator out.
#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "attacks/trace.hpp"
#include "harness/runner/attack_engine.hpp"
#include "protocols/core/spec.hpp"

namespace mtc::runner {

struct OnlineGuessMeasure {
    std::string secret, target_role;  // from the trace's OnlineGuessRecipe
    std::size_t planned = 0;          // guesses the trace holds
    std::size_t guesses = 0;          // guesses sent
    std::size_t rejects = 0;          // guesses answered by a reject of target_role (<= guesses)
    // Guesses target_role accepted or committed to without a reject: the candidate was right,
    // or the role does not check what the guess forges.
    std::size_t accepted = 0;
    bool honest_after_committed = false;  // r2's initiator committed after the guesses
    double seconds = 0;                   // from the first guess to the start of r2
    double guesses_per_s = 0;
    std::map<std::string, std::size_t> reject_reasons;  // target_role's reasons, by count
    std::string note;                                   // one sentence for the report
    // Some guess left no reject event at the target role: it went unnoticed, or was accepted
    // (a right guess, which loses the secret, or a role that does not check what was forged).
    [[nodiscard]] bool undetected() const { return rejects < guesses; }
};

// Measures `outcome`, the execution of `trace`. A trace that is no on-line guessing trace of
// `spec` (attacks::guess::online_recipe_of) gives a measure with only a note saying so.
// `deployment` says which instances play the target role.
OnlineGuessMeasure measure_online_guess(const ProtocolSpec& spec, const Deployment& deployment,
                                        const attacks::Trace& trace, const ExecOutcome& outcome);

}  // namespace mtc::runner
