// The key-guessing interface. A Guesser finds an off-line verifier in the attacker's knowledge
// (the protocol declares which message is one) and searches a candidate space; a hit becomes a
// known key, which the claim checker then judges like any other. The searches themselves
// (PIN, mask, wordlist; on-line guessing) are filled in by the key-guessing work (issue 10):
// until a Guesser is registered for a protocol, guess-resistance claims are "not-tested".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "attacks/knowledge.hpp"
#include "attacks/strategy.hpp"

namespace mtc::attacks {

struct GuessOutcome {
    bool attempted = false;
    std::string note;               // what was searched, rate, or why nothing was attempted
    std::optional<KnownKey> found;  // the recovered secret (never printed; fingerprint only)
};

class Guesser {
public:
    virtual ~Guesser() = default;
    [[nodiscard]] virtual std::string_view protocol() const = 0;
    [[nodiscard]] virtual GuessOutcome run(const Knowledge& knowledge,
                                           const StrategyParams& params) const = 0;
};

// Registered guessers (static registry, like protocols). Empty until issue 10.
const std::vector<const Guesser*>& guessers();
const Guesser* find_guesser(std::string_view protocol);

}  // namespace mtc::attacks
