#include "attacks/strategies/strategies.hpp"

namespace mtc::attacks {
namespace {

class ModifyStrategy final : public Strategy {
public:
    [[nodiscard]] std::string_view name() const override { return "modify"; }
    [[nodiscard]] std::string_view description() const override {
        return "field-aware mutations of one message in flight, plus drop and reorder";
    }
    [[nodiscard]] std::vector<std::string> options() const override { return {"bitflip", "zero", "truncate", "extend", "swap", "own-nonce", "recompute-mac", "drop", "reorder"}; }
    [[nodiscard]] std::vector<Trace> plan(const PlanContext& /*ctx*/,
                                          const StrategyParams& /*params*/) const override {
        return {};
    }
};

}  // namespace

const Strategy& modify_strategy() {
    static const ModifyStrategy s;
    return s;
}

}  // namespace mtc::attacks
