// The key-guessing strategy ("guess"). Off-line: the protocol's GuessRecipes
// (protocols/core/guess.hpp) find verifiers in the attacker's knowledge — captured traffic, and
// what insiders opened — and attacks/guess/search.hpp tries a candidate space against each on
// every core. A hit is learned as the long-term secret it is; the seals it opens and the
// session keys it derives (KeyRecipes, as in the compromise step) then reach the claim
// checker like any other knowledge, so a guessed PSKey becomes a secrecy:DMKey finding.
// On-line (setting `online = N`): N forged guesses sent to a live role (attacks/guess/online.hpp);
// the engine measures whether every failed guess left a reject event.
//
// [[attack]] settings:
//   space = "pin"           candidate space (attacks/guess/candidates.hpp): pin, pin:N,
//                           mask:MASK, wordlist:FILE
//   charset1..charset4      custom sets for ?1..?4 in a mask
//   threads = 0             search threads (0: every core)
//   time = 60               off-line search limit per verifier, seconds
//   online = 0              on-line guesses per OnlineGuessRecipe (0: none)
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "attacks/checker.hpp"
#include "attacks/compromise.hpp"
#include "attacks/guess/candidates.hpp"
#include "attacks/guess/search.hpp"
#include "attacks/knowledge.hpp"
#include "attacks/strategy.hpp"

namespace mtc::attacks {

struct GuessSettings {
    std::string space = "pin";
    std::array<std::string, 4> charsets;
    unsigned threads = 0;
    double time_limit_s = 60;
    std::size_t online = 0;
    double full_rate_s = 0.25;  // how long to measure the full-entropy key rate
    // From a campaign's [[attack]] settings; errors name the setting.
    static Result<GuessSettings> from(const StrategyParams& params);
};

// One off-line search: a verifier of one secret against the candidate space.
struct OfflineGuess {
    std::string subject;   // claim subject, e.g. "PSKey"
    std::string secret;    // full name, e.g. "PSKey:mtcd-0"
    std::string verifier;  // GuessVerifier::description()
    std::string space;     // CandidateSpace::describe()
    guess::SearchResult result;
    std::string secret_fp;     // fingerprint of the recovered secret ("" when not found)
    double full_key_rate = 0;  // test_key() rate, for the full-entropy estimate
    std::size_t key_bits = 0;
    SessionKeyDerivation derived;  // session keys recovered from the hit
    std::size_t opened = 0;        // sealed fields the hit opened
    [[nodiscard]] bool found() const { return result.candidate.has_value(); }
    [[nodiscard]] std::string claim() const { return "guess-resistance:" + subject; }
    // The finding a hit is: guess-resistance:<subject> violated (nullopt without a hit).
    [[nodiscard]] std::optional<Violation> violation() const {
        if (!found()) return std::nullopt;
        return Violation{claim(), note, {}, secret};
    }
    std::string note;  // one sentence for the report; never the secret or the candidate
};

struct OfflineGuessOutcome {
    std::vector<OfflineGuess> searches;  // one per verifier searched
    // Per claim subject of the protocol's GuessRecipes: why nothing was searched, when nothing
    // was (no verifier in the knowledge).
    std::map<std::string, std::string> no_verifier;
    std::string error;  // a bad space or a failed search ("" when none)
};

struct OfflineGuessInput {
    GuessSettings settings;
    DeriveInput derive;  // honest runs and committed key fingerprints, for the secrecy finding
    std::function<void(const std::string& what, const guess::SearchProgress&)> progress;
};

// Runs every GuessRecipe of the knowledge's protocol; learns what a hit gives.
OfflineGuessOutcome guess_offline(Knowledge& knowledge, const OfflineGuessInput& input);

// "5.1e24 years", "3.2 hours", "0.4 s": how long `space_size` candidates take at `rate`.
std::string duration_at_rate(long double space_size, double rate);

}  // namespace mtc::attacks
