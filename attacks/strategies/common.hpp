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
    // First sighting, in a run of the earliest initiator (ctx.initiators order) whose runs carry
    // the flow: attacks on it start their run r1 at that initiator.
    const Observation* obs = nullptr;
    bool clear = true;  // seen on the wire (false: only an insider sees it)
    // Seen in every honest run of obs's initiator. A set-up message (a credential the roles
    // fetch once and keep until it expires) flows only in some runs: a fresh run r1 will not
    // carry it, so in-flight attacks skip it and replays take the captured copy (replay_ref).
    bool per_run = true;
};

// Every flow of the protocol seen in the captured honest runs, each in a run of the earliest
// initiator that carries it, in flow order. Messages on secure links appear only when an insider
// saw them.
std::vector<Sighting> sightings(const PlanContext& ctx);

// What a replay sends: "r1.<type>" (the copy in the trace's own honest run r1) for a per-run
// message, "o<id>" (the captured observation) for a set-up message.
std::string replay_ref(const Sighting& s);

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
