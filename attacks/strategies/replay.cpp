#include "attacks/strategies/strategies.hpp"

namespace mtc::attacks {
namespace {

class ReplayStrategy final : public Strategy {
public:
    [[nodiscard]] std::string_view name() const override { return "replay"; }
    [[nodiscard]] std::string_view description() const override {
        return "a captured message into a fresh run, the same run later, another instance of its receiving role, or through an insider link";
    }
    [[nodiscard]] std::vector<std::string> options() const override { return {"fresh-session", "same-later", "other-instance", "insider"}; }
    [[nodiscard]] std::vector<Trace> plan(const PlanContext& /*ctx*/,
                                          const StrategyParams& /*params*/) const override {
        return {};
    }
};

}  // namespace

const Strategy& replay_strategy() {
    static const ReplayStrategy s;
    return s;
}

}  // namespace mtc::attacks
