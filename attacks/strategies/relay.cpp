#include "attacks/strategies/common.hpp"
#include "attacks/strategies/strategies.hpp"

namespace mtc::attacks {
namespace {

class RelayStrategy final : public Strategy {
public:
    [[nodiscard]] std::string_view name() const override { return "relay"; }
    [[nodiscard]] std::string_view description() const override {
        return "reflection to the sender, cross-session splice, forwarding through an insider "
               "relay";
    }
    [[nodiscard]] std::vector<std::string> options() const override {
        return {"reflect", "splice", "insider-forward"};
    }

    [[nodiscard]] std::vector<Trace> plan(const PlanContext& ctx,
                                          const StrategyParams& p) const override {
        std::vector<Trace> out;
        for (const Sighting& s : sightings(ctx)) {
            if (!s.per_run) continue;  // not in flight in a fresh run
            const std::string& T = s.spec->name;
            const std::string& at = ctx.run_initiator.at(s.obs->run);
            auto add = [&](const std::string& what, std::string description,
                           std::vector<Step> steps) {
                Trace t;
                t.strategy = "relay";
                t.signature = "relay/" + what;
                t.description = std::move(description);
                t.steps = std::move(steps);
                out.push_back(std::move(t));
            };
            if (s.clear && wanted(p, "reflect")) {
                add("reflect/" + T, T + " sent back to its sender " + s.obs->from,
                    {honest_step("r1", at, {rule(T, RuleAction::reflect)})});
            }
            if (s.clear && wanted(p, "splice")) {
                // r2's message replaced by r1's, carrying r2's session id.
                Term spliced =
                    msg("r1." + T,
                        nlohmann::json::array({{{"op", "session"}, {"value", {{"run", "r2"}}}}}));
                add("splice/" + T, T + " of one run spliced into another run",
                    {honest_step("r1", at),
                     honest_step("r2", at, {rule(T, RuleAction::replace, spliced)})});
            }
            if (!s.clear || !wanted(p, "insider-forward")) continue;
            for (const auto& route : insider_routes(ctx, s.flow->type)) {
                Rule r = rule(T, RuleAction::divert, msg("$in", route.ops));
                r.via = "insider:" + route.insider;
                r.to = route.target;
                add("insider-forward/" + T + "->" + route.out->name + "@" + route.target,
                    "a live " + T + " diverted to insider " + route.insider +
                        ", which forwards it as " + route.out->name + " to " + route.target,
                    {honest_step("r1", at, {r})});
            }
        }
        return out;
    }
};

}  // namespace

const Strategy& relay_strategy() {
    static const RelayStrategy s;
    return s;
}

}  // namespace mtc::attacks
