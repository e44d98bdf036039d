// On-line key guessing as live attack traces (issue 10). Each OnlineGuessRecipe of the protocol
// whose message the attacker captured becomes one trace: an honest run r1 to take the message
// from, `count` guesses (r1's message forged under a candidate's key by the term op
// {"op":"guess"}, each in a fresh session, delivered where the captured one went), and a last
// honest run r2 of the same initiator: did the guesses lock the legitimate party out?
// harness/runner/online_guess.hpp reads the executed trace to decide whether the target role
// noticed every failed guess.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "attacks/guess/candidates.hpp"
#include "attacks/strategy.hpp"
#include "attacks/trace.hpp"

namespace mtc::attacks::guess {

// Every on-line guessing trace's signature starts so: "guess/online/<secret>-><target_role>".
inline constexpr std::string_view kOnlineSignature = "guess/online/";

// One trace per usable OnlineGuessRecipe (forge and derive set) of ctx.spec whose message type
// was seen in an honest run, guessing candidates space.at(0 .. count-1) (fewer when the space is
// smaller). Empty when `params.only` is set without "online", or count is 0. Deterministic: the
// same knowledge gives the same traces.
std::vector<Trace> plan_online_guesses(const PlanContext& ctx, const StrategyParams& params,
                                       const CandidateSpace& space, std::size_t count);

// The recipe an on-line guessing trace puts to work (by its signature), or nullptr when the
// trace is not one or the spec has no such recipe.
const OnlineGuessRecipe* online_recipe_of(const ProtocolSpec& spec, const Trace& trace);

}  // namespace mtc::attacks::guess
