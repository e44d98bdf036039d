// Campaign files (TOML; docs/campaign-format.md). Parsing is strict: an unknown key, a wrong
// type, an unknown protocol, role, instance, strategy, sub-attack, claim or check is an error
// naming the file, line and column.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "attacks/strategy.hpp"
#include "protocols/core/result.hpp"
#include "protocols/core/spec.hpp"

namespace mtc::attacks {

struct Campaign {
    std::string source;  // file name, for messages
    std::string name;
    std::string description;
    const ProtocolSpec* spec = nullptr;
    DeploymentOptions deployment;          // variant, profile, mode, instances, settings
    std::vector<std::string> insiders;     // instance names ("UE#2") the attacker controls
    std::vector<std::string> compromised;  // instances whose long-term secrets are known
    std::map<std::string, std::set<std::string>> weaken;  // role -> checks (test builds only)
    std::size_t honest_sessions = 4;                      // honest runs captured before the attacks
    std::optional<std::string> pcap;                      // also load knowledge from this capture
    double budget_s = 60;
    std::size_t budget_sessions = 1000;  // attack sessions at most
    std::uint64_t seed = 1;
    std::vector<StrategyParams> attacks;
    std::vector<std::string> claims;  // ids; all of the spec's when the file lists none
};

// `source` names the text in error messages ("attacks/campaigns/prose.toml").
Result<Campaign> parse_campaign(std::string_view toml, const std::string& source);
Result<Campaign> load_campaign(const std::string& path);

}  // namespace mtc::attacks
