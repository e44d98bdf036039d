// What every strategy needs: which messages were seen on which links, and trace builders.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attacks/strategy.hpp"

namespace mtc::attacks {

// One message type as the attacker saw it in an honest run: who sent it to whom, over which
// kind of link.
struct Sighting {
    const MessageFlow* flow = nullptr;
    const MessageSpec* spec = nullptr;
    const Observation* obs = nullptr;  // first sighting, in a run started at the first initiator
    bool clear = true;                 // seen on the wire (false: only an insider sees it)
};

// Every flow of the protocol seen in the captured honest runs started at ctx.initiators[0],
// in flow order. Messages on secure links appear only when an insider saw them.
std::vector<Sighting> sightings(const PlanContext& ctx);

bool wanted(const StrategyParams& p, std::string_view option);
std::vector<std::string> instances_of(const Deployment& d, std::string_view role);
bool is_insider(const PlanContext& ctx, const std::string& instance);
std::string role_of(const Deployment& d, const std::string& instance);
// The first insider instance of a role, or "".
std::string insider_of_role(const PlanContext& ctx, std::string_view role);
// Another honest run's label started at the same initiator as `obs` (for swaps), or "".
std::string other_honest_run(const PlanContext& ctx, const Observation& obs);

Step honest_step(std::string run, std::string at, std::vector<Rule> rules = {});
Step send_step(std::string to, std::string via, std::string as, Term term);
Rule rule(std::string match, RuleAction action, Term term = {});
// {"msg": ref, "with": ops}
Term msg(const std::string& ref, nlohmann::json ops = nlohmann::json::array());
nlohmann::json op(std::string name, const std::string& field = "");
// A value of the attacker's own, deterministic in `label` (so a plan is reproducible).
std::string attacker_hex(const std::string& label, std::size_t len);
// Where an insider can take a message of `type`: the relay role's forward recipe turns it into
// `out` (ops: retype and strip), which the insider delivers over its own link to `target`.
struct InsiderRoute {
    std::string insider, target;
    const MessageSpec* out = nullptr;
    nlohmann::json ops;
};
std::vector<InsiderRoute> insider_routes(const PlanContext& ctx, std::uint8_t type);

// The protocol's ShareRecipe for `field` of message `type`, or nullptr.
const ShareRecipe* share_recipe(const PlanContext& ctx, std::uint8_t type,
                                const std::string& field);

// The attacker's own real Diffie-Hellman share g^z through `recipe`, hex, z being
// attacker_exponent(label) (term.hpp): an element that passes range and subgroup checks,
// the same for a plan and its replay. nullopt when the recipe cannot compute it.
std::optional<std::string> own_share_hex(const PlanContext& ctx, const ShareRecipe& recipe,
                                         const std::string& label);

// Ops recomputing every MIC of `s`'s message type whose key the attacker knows.
nlohmann::json mac_ops(const PlanContext& ctx, const Sighting& s);

}  // namespace mtc::attacks
