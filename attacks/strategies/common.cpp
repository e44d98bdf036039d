#include "attacks/strategies/common.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "attacks/term.hpp"
#include "protocols/core/crypto/hash.hpp"

namespace mtc::attacks {

std::vector<Sighting> sightings(const PlanContext& ctx) {
    // An initiator's rank in ctx.initiators: flows are sighted in runs of the earliest one that
    // carries them (a message only one initiator role receives never flows in the others' runs).
    auto rank = [&](const std::string& initiator) {
        const auto it = std::find(ctx.initiators.begin(), ctx.initiators.end(), initiator);
        return static_cast<std::size_t>(it - ctx.initiators.begin());
    };
    std::map<std::string, std::size_t> runs_of;  // initiator -> honest runs it started
    for (const auto& [run, initiator] : ctx.run_initiator) ++runs_of[initiator];

    std::vector<Sighting> out;
    for (const MessageFlow& f : ctx.spec->recipes.flows) {
        const MessageSpec* ms = ctx.spec->schema->message(f.type);
        if (ms == nullptr) continue;
        const Observation* seen = nullptr;
        std::size_t seen_rank = ctx.initiators.size();
        std::map<std::string, std::set<std::string>> in_runs;  // initiator -> runs with the flow
        for (const Observation* o : ctx.knowledge->of_type(f.type)) {
            auto it = ctx.run_initiator.find(o->run);
            if (it == ctx.run_initiator.end() || o->from.empty() || o->to.empty()) continue;
            // A type several roles send has one flow per sender: match the sender's role.
            if (role_of(*ctx.deployment, o->from) != f.from_role) continue;
            in_runs[it->second].insert(o->run);
            if (rank(it->second) < seen_rank) {
                seen = o;
                seen_rank = rank(it->second);
            }
        }
        if (seen == nullptr) continue;
        const std::string& initiator = ctx.run_initiator.at(seen->run);
        out.push_back({&f, ms, seen, !ctx.spec->is_secure_link(f.from_role, f.to_role),
                       in_runs[initiator].size() == runs_of[initiator]});
    }
    return out;
}

std::string replay_ref(const Sighting& s) {
    return s.per_run ? "r1." + s.spec->name : "o" + std::to_string(s.obs->id);
}

bool wanted(const StrategyParams& p, std::string_view option) {
    return p.only.empty() || std::find(p.only.begin(), p.only.end(), option) != p.only.end();
}

std::vector<std::string> instances_of(const Deployment& d, std::string_view role) {
    std::vector<std::string> out;
    for (const auto& i : d.instances) {
        if (i.role == role) out.push_back(i.instance);
    }
    return out;
}

bool is_insider(const PlanContext& ctx, const std::string& instance) {
    return std::find(ctx.insiders.begin(), ctx.insiders.end(), instance) != ctx.insiders.end();
}

std::string role_of(const Deployment& d, const std::string& instance) {
    const InstancePlan* p = d.find(instance);
    return p == nullptr ? std::string() : p->role;
}

std::string insider_of_role(const PlanContext& ctx, std::string_view role) {
    for (const auto& i : ctx.insiders) {
        if (role_of(*ctx.deployment, i) == role) return i;
    }
    return {};
}

std::string other_honest_run(const PlanContext& ctx, const Observation& obs) {
    const auto it = ctx.run_initiator.find(obs.run);
    if (it == ctx.run_initiator.end()) return {};
    for (const auto& [run, initiator] : ctx.run_initiator) {
        if (run != obs.run && initiator == it->second) return run;
    }
    return {};
}

Step honest_step(std::string run, std::string at, std::vector<Rule> rules) {
    Step s;
    s.kind = StepKind::honest;
    s.run = std::move(run);
    s.at = std::move(at);
    s.rules = std::move(rules);
    return s;
}

Step send_step(std::string to, std::string via, std::string as, Term term) {
    Step s;
    s.kind = StepKind::send;
    s.to = std::move(to);
    s.via = std::move(via);
    s.as = std::move(as);
    s.term = std::move(term);
    return s;
}

Rule rule(std::string match, RuleAction action, Term term) {
    Rule r;
    r.match = std::move(match);
    r.action = action;
    r.term = std::move(term);
    return r;
}

Term msg(const std::string& ref, nlohmann::json ops) {
    Term t = {{"msg", ref}};
    if (!ops.empty()) t["with"] = std::move(ops);
    return t;
}

nlohmann::json op(std::string name, const std::string& field) {
    nlohmann::json o = {{"op", std::move(name)}};
    if (!field.empty()) o["field"] = field;
    return o;
}

std::string attacker_hex(const std::string& label, std::size_t len) {
    Bytes out;
    for (std::uint32_t counter = 0; out.size() < len; ++counter) {
        std::string in = label + "#" + std::to_string(counter);
        const auto h =
            crypto::sha256(BytesView(reinterpret_cast<const std::uint8_t*>(in.data()), in.size()));
        out.insert(out.end(), h.begin(), h.end());
    }
    out.resize(len);
    return to_hex(out);
}

std::vector<InsiderRoute> insider_routes(const PlanContext& ctx, std::uint8_t type) {
    std::vector<InsiderRoute> out;
    for (const ForwardRecipe& f : ctx.spec->recipes.forwards) {
        if (f.in_type != type) continue;
        const std::string insider = insider_of_role(ctx, f.relay_role);
        const MessageFlow* next = ctx.spec->recipes.flow(f.out_type);
        const MessageSpec* out_spec = ctx.spec->schema->message(f.out_type);
        if (insider.empty() || next == nullptr || out_spec == nullptr) continue;
        auto ops = nlohmann::json::array({{{"op", "retype"}, {"to", out_spec->name}}});
        for (const auto& field : f.strip) ops.push_back(op("strip", field));
        for (const auto& target : instances_of(*ctx.deployment, next->to_role)) {
            if (!is_insider(ctx, target)) out.push_back({insider, target, out_spec, ops});
        }
    }
    return out;
}

const ShareRecipe* share_recipe(const PlanContext& ctx, std::uint8_t type,
                                const std::string& field) {
    for (const ShareRecipe& r : ctx.spec->recipes.shares) {
        if (r.type == type && r.field == field && r.share) return &r;
    }
    return nullptr;
}

std::optional<std::string> own_share_hex(const PlanContext& ctx, const ShareRecipe& recipe,
                                         const std::string& label) {
    if (ctx.deployment == nullptr) return std::nullopt;
    const SecretBytes z = attacker_exponent(label);
    auto y = recipe.share(*ctx.deployment, view(z));
    if (!y || y->empty()) return std::nullopt;
    return to_hex(*y);
}

nlohmann::json mac_ops(const PlanContext& ctx, const Sighting& s) {
    nlohmann::json ops = nlohmann::json::array();
    for (const MacRecipe& r : ctx.spec->recipes.macs) {
        if (r.type != s.flow->type) continue;
        const FieldSpec* id = s.spec->field(r.identity_field);
        const Bytes* who = id == nullptr ? nullptr : s.obs->msg.get(id->tag);
        if (who == nullptr) continue;
        const std::string secret = r.secret + ":" + std::string(who->begin(), who->end());
        if (ctx.knowledge->secret(secret) != nullptr) ops.push_back(op("mac", r.field));
    }
    return ops;
}

}  // namespace mtc::attacks
