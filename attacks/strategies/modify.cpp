#include <optional>

#include "attacks/strategies/common.hpp"
#include "attacks/strategies/strategies.hpp"

namespace mtc::attacks {
namespace {

bool selects_mac_key(const PlanContext& ctx, const Sighting& s, const std::string& field) {
    for (const MacRecipe& r : ctx.spec->recipes.macs) {
        if (r.type == s.flow->type && r.identity_field == field) return true;
    }
    return false;
}

class ModifyStrategy final : public Strategy {
public:
    [[nodiscard]] std::string_view name() const override { return "modify"; }
    [[nodiscard]] std::string_view description() const override {
        return "field-aware mutations of one message in flight, plus drop and reorder";
    }
    [[nodiscard]] std::vector<std::string> options() const override {
        return {"bitflip",   "zero",          "truncate", "extend", "swap",
                "own-nonce", "recompute-mac", "drop",     "reorder"};
    }

    [[nodiscard]] std::vector<Trace> plan(const PlanContext& ctx,
                                          const StrategyParams& p) const override {
        std::vector<Trace> out;
        for (const Sighting& s : sightings(ctx)) {
            // Only messages on the wire in every run can be modified in flight in a fresh run.
            if (!s.clear || !s.per_run) continue;
            const std::string& T = s.spec->name;
            const std::string& at = ctx.run_initiator.at(s.obs->run);
            auto add = [&](const std::string& what, std::vector<Rule> rules,
                           std::vector<Step> extra = {}) {
                Trace t;
                t.strategy = "modify";
                t.signature = "modify/" + what;
                t.description =
                    "in flight: " + what + " (" + s.obs->from + " -> " + s.obs->to + ")";
                t.steps.push_back(honest_step("r1", at, std::move(rules)));
                for (auto& e : extra) t.steps.push_back(std::move(e));
                out.push_back(std::move(t));
            };
            auto mutate = [&](const std::string& what, nlohmann::json ops) {
                add(what, {rule(T, RuleAction::replace, msg("$in", std::move(ops)))});
            };
            const std::string other = other_honest_run(ctx, *s.obs);
            for (const FieldSpec& f : s.spec->fields) {
                const Bytes* v = s.obs->msg.get(f.tag);
                if (v == nullptr) continue;
                const std::string at_field = T + "." + f.name;
                if (wanted(p, "bitflip") && !v->empty()) {
                    auto o = op("bitflip", f.name);
                    o["bit"] = v->size() * 4;  // a bit in the middle
                    mutate("bitflip/" + at_field, nlohmann::json::array({o}));
                }
                if (wanted(p, "zero"))
                    mutate("zero/" + at_field, nlohmann::json::array({op("zero", f.name)}));
                if (wanted(p, "truncate") && !v->empty()) {
                    auto o = op("truncate", f.name);
                    o["len"] = v->size() / 2;
                    mutate("truncate/" + at_field, nlohmann::json::array({o}));
                }
                if (wanted(p, "extend")) {
                    auto o = op("extend", f.name);
                    o["bytes"] = "00";
                    mutate("extend/" + at_field, nlohmann::json::array({o}));
                }
                if (wanted(p, "swap") && !other.empty()) {
                    // The same field from another honest run: a value of the same kind that
                    // an honest party really produced.
                    auto o = op("set", f.name);
                    o["value"] = {{"field", other + "." + T + "." + f.name}};
                    mutate("swap/" + at_field, nlohmann::json::array({o}));
                }
                // A field with a share recipe gets the attacker's real DH share; any other
                // nonce or DH element gets attacker bytes of the same length.
                const ShareRecipe* share = share_recipe(ctx, s.flow->type, f.name);
                if (wanted(p, "own-nonce") && (share != nullptr || f.kind == FieldKind::nonce ||
                                               f.kind == FieldKind::group_element)) {
                    const std::string label = "own/" + at_field;
                    std::optional<std::string> own;
                    if (share != nullptr) own = own_share_hex(ctx, *share, label);
                    auto o = op("set", f.name);
                    o["value"] = {{"hex", own.value_or(attacker_hex(label, v->size()))}};
                    auto ops = nlohmann::json::array({o});
                    for (auto& m : mac_ops(ctx, s)) ops.push_back(m);
                    mutate("own-nonce/" + at_field, ops);
                }
                // Not the fields that choose the key or the MIC algorithm: changing those
                // leaves nothing the attacker can recompute.
                if (wanted(p, "recompute-mac") && f.kind != FieldKind::mac &&
                    f.kind != FieldKind::alg_id && !selects_mac_key(ctx, s, f.name)) {
                    auto macs = mac_ops(ctx, s);
                    if (macs.empty()) continue;  // the attacker knows no key for this message
                    auto o = op("bitflip", f.name);
                    o["bit"] = v->size() * 4;
                    auto ops = nlohmann::json::array({o});
                    for (auto& m : macs) ops.push_back(m);
                    mutate("recompute-mac/" + at_field, ops);
                }
            }
            if (wanted(p, "drop")) add("drop/" + T, {rule(T, RuleAction::drop)});
            if (wanted(p, "reorder")) {
                // Held back until a second run has played out, then delivered.
                add("reorder/" + T, {rule(T, RuleAction::reorder)}, {honest_step("r2", at)});
            }
        }
        return out;
    }
};

}  // namespace

const Strategy& modify_strategy() {
    static const ModifyStrategy s;
    return s;
}

}  // namespace mtc::attacks
