#include "attacks/strategies/strategies.hpp"

namespace mtc::attacks {
namespace {

class MitmStrategy final : public Strategy {
public:
    [[nodiscard]] std::string_view name() const override { return "mitm"; }
    [[nodiscard]] std::string_view description() const override {
        return "the engine interposed for a whole run, substituting its own values in every message";
    }
    [[nodiscard]] std::vector<std::string> options() const override { return {"substitute"}; }
    [[nodiscard]] std::vector<Trace> plan(const PlanContext& /*ctx*/,
                                          const StrategyParams& /*params*/) const override {
        return {};
    }
};

}  // namespace

const Strategy& mitm_strategy() {
    static const MitmStrategy s;
    return s;
}

}  // namespace mtc::attacks
