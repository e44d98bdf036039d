#include <set>

#include "attacks/strategies/common.hpp"
#include "attacks/strategies/strategies.hpp"

namespace mtc::attacks {
namespace {

class ReplayStrategy final : public Strategy {
public:
    [[nodiscard]] std::string_view name() const override { return "replay"; }
    [[nodiscard]] std::string_view description() const override {
        return "a captured message into a fresh run, the same run later, another instance of "
               "its receiving role, or through an insider link";
    }
    [[nodiscard]] std::vector<std::string> options() const override {
        return {"fresh-session", "same-later", "other-instance", "insider", "captured"};
    }

    [[nodiscard]] std::vector<Trace> plan(const PlanContext& ctx,
                                          const StrategyParams& p) const override {
        std::vector<Trace> out;
        for (const Sighting& s : sightings(ctx)) {
            const std::string& T = s.spec->name;
            const std::string ref = replay_ref(s);
            const Observation& o = *s.obs;
            const std::string& at = ctx.run_initiator.at(o.run);
            auto add = [&](std::string sub, std::string target, std::string detail, Step send) {
                Trace t;
                t.strategy = "replay";
                t.signature = "replay/" + sub + "/" + T + "->" + target;
                t.description = std::move(detail);
                t.steps = {honest_step("r1", at), std::move(send)};
                out.push_back(std::move(t));
            };
            if (s.clear) {
                if (wanted(p, "fresh-session")) {
                    add("fresh-session", o.to,
                        "replay " + T + " of a completed run to " + o.to + " as a new run",
                        send_step(o.to, "clear", o.from,
                                  msg(ref, nlohmann::json::array(
                                               {{{"op", "session"}, {"value", "fresh"}}}))));
                }
                if (wanted(p, "same-later")) {
                    add("same-later", o.to, "replay " + T + " unchanged to " + o.to + " later",
                        send_step(o.to, "clear", o.from, msg(ref)));
                }
                if (wanted(p, "other-instance")) {
                    for (const auto& other : instances_of(*ctx.deployment, s.flow->to_role)) {
                        if (other == o.to || is_insider(ctx, other)) continue;
                        add("other-instance", other,
                            "replay " + T + " sent to " + o.to + " into " + other,
                            send_step(other, "clear", o.from, msg(ref)));
                    }
                }
            }
            if (!wanted(p, "insider")) continue;
            // A message the relay role would pass on: an insider of that role can replay it
            // over its own authenticated link to every instance of the next role.
            for (const auto& r : insider_routes(ctx, s.flow->type)) {
                add("insider", r.target,
                    "insider " + r.insider + " replays a captured " + T + " as " + r.out->name +
                        " to " + r.target + " over its own link",
                    send_step(r.target, "insider:" + r.insider, "", msg(ref, r.ops)));
            }
        }
        if (wanted(p, "captured")) plan_captured(ctx, out);
        return out;
    }

private:
    // Messages loaded from a capture (the campaign's honest.pcap): the first of each type on a
    // clear link, replayed to every honest instance of its receiving role.
    static void plan_captured(const PlanContext& ctx, std::vector<Trace>& out) {
        std::set<std::uint8_t> done;
        for (const Observation& o : ctx.knowledge->observations()) {
            if (o.run != "pcap" || !done.insert(o.msg.type).second) continue;
            const MessageFlow* f = ctx.spec->recipes.flow(o.msg.type);
            const MessageSpec* ms = ctx.spec->schema->message(o.msg.type);
            if (f == nullptr || ms == nullptr || ctx.spec->is_secure_link(f->from_role, f->to_role))
                continue;
            const auto senders = instances_of(*ctx.deployment, f->from_role);
            if (senders.empty()) continue;
            for (const auto& target : instances_of(*ctx.deployment, f->to_role)) {
                if (is_insider(ctx, target)) continue;
                Trace t;
                t.strategy = "replay";
                t.signature = "replay/captured/" + ms->name + "->" + target;
                t.description = "replay " + ms->name + " from the loaded capture (message " +
                                std::to_string(o.id) + ") to " + target;
                t.steps = {
                    send_step(target, "clear", senders.front(), msg("o" + std::to_string(o.id)))};
                out.push_back(std::move(t));
            }
        }
    }
};

}  // namespace

const Strategy& replay_strategy() {
    static const ReplayStrategy s;
    return s;
}

}  // namespace mtc::attacks
