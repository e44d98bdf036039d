// Attack strategies: each plans attack traces from the schema's field kinds, the protocol's
// recipes and the attacker's knowledge. No strategy names a protocol.
//
//   replay  a captured message into a fresh run of its receiver (new session id), into the
//           same run of the same instance later, into another instance of the receiving role,
//           and through an insider's authenticated link when the receiver only listens there
//   modify  field-aware mutations of one message in flight (bitflip, zero, truncate, extend,
//           swap a value of the same kind from another run, own nonce, recompute a MIC when
//           the key is known), plus drop and reorder
//   relay   reflection to the sender, cross-session splice, and real-time forwarding through
//           an insider relay (the relay role's forward recipe over the insider's own link)
//   mitm    the engine interposed for a whole run, substituting its own value for a field in
//           every message of the run that carries it (recomputing MICs when it can)
//   guess   key guessing through the Guesser interface (guess.hpp)
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "attacks/knowledge.hpp"
#include "attacks/trace.hpp"
#include "protocols/core/spec.hpp"

namespace mtc::attacks {

struct StrategyParams {
    std::string strategy;
    std::vector<std::string> only;  // sub-attacks to run (Strategy::options); empty = all
    // Strategy-specific keys of the campaign's [[attack]] table (Strategy::settings), e.g. the
    // guess strategy's space = "pin"; validated by Strategy::check_setting.
    std::map<std::string, std::string> settings;
    [[nodiscard]] std::string setting(const std::string& name, std::string fallback = {}) const {
        auto it = settings.find(name);
        return it != settings.end() ? it->second : std::move(fallback);
    }
};

struct PlanContext {
    const ProtocolSpec* spec = nullptr;
    const Deployment* deployment = nullptr;
    const Knowledge* knowledge = nullptr;
    std::vector<std::string> insiders;                 // instances the attacker controls
    std::vector<std::string> initiators;               // honest initiator instances
    std::map<std::string, std::string> run_initiator;  // honest run label -> initiator instance
};

class Strategy {
public:
    virtual ~Strategy() = default;
    [[nodiscard]] virtual std::string_view name() const = 0;
    [[nodiscard]] virtual std::string_view description() const = 0;
    // The sub-attacks a campaign may select with `only = [...]`.
    [[nodiscard]] virtual std::vector<std::string> options() const = 0;
    // Extra keys an [[attack]] table of this strategy may carry, with a one-line description.
    [[nodiscard]] virtual std::vector<std::pair<std::string, std::string>> settings() const {
        return {};
    }
    // Why `value` is not valid for setting `name`, or nullopt when it is.
    [[nodiscard]] virtual std::optional<std::string> check_setting(
        const std::string& /*name*/, const std::string& /*value*/) const {
        return std::nullopt;
    }
    // Why the settings of one [[attack]] table do not fit together (e.g. a mask naming a custom
    // set that is not given), or nullopt; called once every setting passed check_setting.
    [[nodiscard]] virtual std::optional<std::string> check_settings(
        const StrategyParams& /*params*/) const {
        return std::nullopt;
    }
    // Attack traces, in a deterministic order (same knowledge, same plan).
    [[nodiscard]] virtual std::vector<Trace> plan(const PlanContext& ctx,
                                                  const StrategyParams& params) const = 0;
};

const std::vector<const Strategy*>& strategies();
const Strategy* find_strategy(std::string_view name);

}  // namespace mtc::attacks
