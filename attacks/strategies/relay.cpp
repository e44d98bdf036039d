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
            for (const ForwardRecipe& f : ctx.spec->recipes.forwards) {
                if (f.in_type != s.flow->type) continue;
                const std::string insider = insider_of_role(ctx, f.relay_role);
                const MessageFlow* next = ctx.spec->recipes.flow(f.out_type);
                const MessageSpec* out_spec = ctx.spec->schema->message(f.out_type);
                if (insider.empty() || next == nullptr || out_spec == nullptr) continue;
                auto ops = nlohmann::json::array({{{"op", "retype"}, {"to", out_spec->name}}});
                for (const auto& field : f.strip) ops.push_back(op("strip", field));
                for (const auto& target : instances_of(*ctx.deployment, next->to_role)) {
                    if (is_insider(ctx, target)) continue;
                    Rule r = rule(T, RuleAction::divert, msg("$in", ops));
                    r.via = "insider:" + insider;
                    r.to = target;
                    add("insider-forward/" + T + "->" + out_spec->name + "@" + target,
                        "a live " + T + " diverted to insider " + insider +
                            ", which forwards it as " + out_spec->name + " to " + target,
                        {honest_step("r1", at, {r})});
                }
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
