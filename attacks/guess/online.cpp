#include "attacks/guess/online.hpp"

#include <algorithm>
#include <optional>
#include <string>

#include "attacks/strategies/common.hpp"

namespace mtc::attacks::guess {
namespace {

// A protocol may list a placeholder recipe before its forger exists: nothing to put to a role.
bool usable(const OnlineGuessRecipe& r) {
    return r.forge && r.derive && !r.secret.empty() && !r.target_role.empty();
}

std::string signature_of(const OnlineGuessRecipe& r) {
    return std::string(kOnlineSignature) + r.secret + "->" + r.target_role;
}

// How a guess reaches the captured message's receiver over the same kind of link (a send step
// still without its term): on the wire as its sender, or, on a link the paper assumes secure,
// through an insider of the sending role (the attacker cannot write into another's TLS link).
std::optional<Step> guess_route(const PlanContext& ctx, const Sighting& s) {
    const Observation& o = *s.obs;
    if (s.clear) return send_step(o.to, "clear", o.from, {});
    const std::string insider = insider_of_role(ctx, s.flow->from_role);
    if (insider.empty() || is_insider(ctx, o.to)) return std::nullopt;
    return send_step(o.to, "insider:" + insider, "", {});
}

}  // namespace

std::vector<Trace> plan_online_guesses(const PlanContext& ctx, const StrategyParams& params,
                                       const CandidateSpace& space, std::size_t count) {
    std::vector<Trace> out;
    if (!wanted(params, "online")) return out;
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(count, space.size()));
    if (n == 0) return out;
    const std::vector<Sighting> seen = sightings(ctx);
    for (const OnlineGuessRecipe& r : ctx.spec->recipes.online_guesses) {
        if (!usable(r)) continue;
        const auto s = std::find_if(seen.begin(), seen.end(),
                                    [&](const Sighting& x) { return x.flow->type == r.type; });
        if (s == seen.end()) continue;
        const auto initiator = ctx.run_initiator.find(s->obs->run);
        if (initiator == ctx.run_initiator.end()) continue;
        const std::string& at = initiator->second;
        const auto route = guess_route(ctx, *s);
        if (!route) continue;
        const std::string ref = replay_ref(*s);

        Trace t;
        t.strategy = "guess";
        t.signature = signature_of(r);
        // r1 supplies the message to forge (and shows the initiator working before the
        // guesses); r2 shows whether it still works after them.
        t.steps.push_back(honest_step("r1", at));
        for (std::size_t i = 0; i < n; ++i) {
            Step send = *route;
            send.term = msg(
                ref, nlohmann::json::array(
                         {{{"op", "session"}, {"value", "fresh"}},
                          {{"op", "guess"}, {"secret", r.secret}, {"candidate", space.at(i)}}}));
            t.steps.push_back(std::move(send));
        }
        t.steps.push_back(honest_step("r2", at));
        t.description = std::to_string(n) + " on-line guesses of " + r.secret + " (the first " +
                        std::to_string(n) + " of " + space.describe() + ") in forged " +
                        s->spec->name + "s to " + route->to +
                        (route->via == "clear" ? " as " + route->as : " via " + route->via) +
                        ", each in a fresh session, for " + r.target_role +
                        " to detect; then an honest run of " + at;
        out.push_back(std::move(t));
    }
    return out;
}

const OnlineGuessRecipe* online_recipe_of(const ProtocolSpec& spec, const Trace& trace) {
    if (trace.strategy != "guess" || !trace.signature.starts_with(kOnlineSignature)) return nullptr;
    for (const OnlineGuessRecipe& r : spec.recipes.online_guesses) {
        if (usable(r) && signature_of(r) == trace.signature) return &r;
    }
    return nullptr;
}

}  // namespace mtc::attacks::guess
