// The options every command that deploys a protocol shares (--variant, --profile, --mode,
// --extended, --instances ROLE=N, --set ROLE.NAME=VALUE), parsed and validated once.
#pragma once

#include <string>
#include <vector>

#include "harness/cli/cli_util.hpp"
#include "protocols/core/spec.hpp"

namespace mtc::cli {

struct DeploymentArgs {
    std::string variant, profile, mode;
    bool extended = false;
    std::vector<std::string> instances, sets;

    void add_to(po::options_description& opts);
    // Fills `out` for `spec`; returns a usage-error message or nullopt.
    std::optional<std::string> resolve(const ProtocolSpec& spec, DeploymentOptions& out) const;
};

std::string protocol_names();
// The registered protocol called `name`, or nullptr after printing a usage error for `cmd`.
const ProtocolSpec* require_protocol(const std::string& cmd, const std::string& name);

}  // namespace mtc::cli
