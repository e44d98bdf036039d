#include <optional>
#include <set>

#include "attacks/strategies/common.hpp"
#include "attacks/strategies/strategies.hpp"

namespace mtc::attacks {
namespace {

class MitmStrategy final : public Strategy {
public:
    [[nodiscard]] std::string_view name() const override { return "mitm"; }
    [[nodiscard]] std::string_view description() const override {
        return "the engine interposed for a whole run, substituting its own values in every "
               "message";
    }
    [[nodiscard]] std::vector<std::string> options() const override {
        return {"substitute", "identity"};
    }

    // For each field the attacker can own (a nonce or DH share: its own fresh value, a real
    // share g^z through the protocol's share recipe when it has one; an
    // identity: an insider's), one run in which every clear message carrying that field gets
    // the attacker's value, with MICs recomputed where the attacker knows the key.
    [[nodiscard]] std::vector<Trace> plan(const PlanContext& ctx,
                                          const StrategyParams& p) const override {
        std::vector<Trace> out;
        const auto seen = sightings(ctx);
        std::set<std::string> done;
        for (const Sighting& s0 : seen) {
            if (!s0.clear || !s0.per_run) continue;
            for (const FieldSpec& f : s0.spec->fields) {
                const bool share = f.kind == FieldKind::nonce ||
                                   f.kind == FieldKind::group_element ||
                                   share_recipe(ctx, s0.flow->type, f.name) != nullptr;
                const bool identity = f.kind == FieldKind::identity;
                if ((!share || !wanted(p, "substitute")) && (!identity || !wanted(p, "identity")))
                    continue;
                if (!done.insert(f.name).second) continue;
                std::string value;
                std::string whose = "its own";
                std::string what;
                if (share) {
                    const Bytes* v = s0.obs->msg.get(f.tag);
                    if (v == nullptr) continue;
                    // A real DH share when a message carrying the field has a share recipe,
                    // the same one in every message of the run; else attacker bytes.
                    const std::string label = "mitm/" + f.name;
                    std::optional<std::string> own;
                    for (const Sighting& s : seen) {
                        const ShareRecipe* r = share_recipe(ctx, s.flow->type, f.name);
                        if (r == nullptr || own) continue;
                        own = own_share_hex(ctx, *r, label);
                    }
                    if (own) what = " (a real DH share)";
                    value = own.value_or(attacker_hex(label, v->size()));
                } else {
                    // Claim to be an insider of the role the identity belongs to.
                    const Bytes* v = s0.obs->msg.get(f.tag);
                    if (v == nullptr) continue;
                    std::string role;
                    for (const auto& i : ctx.deployment->instances) {
                        if (i.creds.identity == std::string(v->begin(), v->end())) role = i.role;
                    }
                    const std::string insider = insider_of_role(ctx, role);
                    if (insider.empty()) continue;
                    const std::string& id = ctx.deployment->find(insider)->creds.identity;
                    value = to_hex(
                        BytesView(reinterpret_cast<const std::uint8_t*>(id.data()), id.size()));
                    whose = "insider " + insider + "'s";
                }
                std::vector<Rule> rules;
                for (const Sighting& s : seen) {
                    if (!s.clear || s.spec->field(f.name) == nullptr) continue;
                    auto set = op("set", f.name);
                    set["value"] = {{"hex", value}};
                    auto ops = nlohmann::json::array({set});
                    for (auto& m : mac_ops(ctx, s)) ops.push_back(m);
                    rules.push_back(rule(s.spec->name, RuleAction::replace, msg("$in", ops)));
                }
                Trace t;
                t.strategy = "mitm";
                t.signature = std::string("mitm/") + (share ? "substitute/" : "identity/") + f.name;
                t.description = "a whole run with " + whose + " " + f.name + what +
                                " in every message that carries it";
                t.steps = {honest_step("r1", ctx.run_initiator.at(s0.obs->run), std::move(rules))};
                out.push_back(std::move(t));
            }
        }
        return out;
    }
};

}  // namespace

const Strategy& mitm_strategy() {
    static const MitmStrategy s;
    return s;
}

}  // namespace mtc::attacks
