#include "attacks/strategies/strategies.hpp"

namespace mtc::attacks {
namespace {

class RelayStrategy final : public Strategy {
public:
    [[nodiscard]] std::string_view name() const override { return "relay"; }
    [[nodiscard]] std::string_view description() const override {
        return "reflection to the sender, cross-session splice, forwarding through an insider relay";
    }
    [[nodiscard]] std::vector<std::string> options() const override { return {"reflect", "splice", "insider-forward"}; }
    [[nodiscard]] std::vector<Trace> plan(const PlanContext& /*ctx*/,
                                          const StrategyParams& /*params*/) const override {
        return {};
    }
};

}  // namespace

const Strategy& relay_strategy() {
    static const RelayStrategy s;
    return s;
}

}  // namespace mtc::attacks
