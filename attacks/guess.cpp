#include "attacks/guess.hpp"

#include "attacks/strategies/strategies.hpp"

namespace mtc::attacks {

const std::vector<const Guesser*>& guessers() {
    // Key-guessing searches arrive with issue 10; none is registered yet.
    static const std::vector<const Guesser*> all;
    return all;
}

const Guesser* find_guesser(std::string_view protocol) {
    for (const Guesser* g : guessers()) {
        if (g->protocol() == protocol) return g;
    }
    return nullptr;
}

namespace {

// Plans no traces: guessing is off-line work on knowledge (Guesser::run), called by the
// engine once the honest runs are captured.
class GuessStrategy final : public Strategy {
public:
    [[nodiscard]] std::string_view name() const override { return "guess"; }
    [[nodiscard]] std::string_view description() const override {
        return "key guessing through the protocol's registered Guesser (off-line verifier)";
    }
    [[nodiscard]] std::vector<std::string> options() const override { return {"offline"}; }
    [[nodiscard]] std::vector<Trace> plan(const PlanContext& /*ctx*/,
                                          const StrategyParams& /*params*/) const override {
        return {};
    }
};

}  // namespace

const Strategy& guess_strategy() {
    static const GuessStrategy s;
    return s;
}

}  // namespace mtc::attacks
