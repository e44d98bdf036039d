// The options every command that deploys a protocol shares (--variant, --profile, --mode,
// --extended, --instances ROLE=N, --set ROLE.NAME=VALUE, and one --NAME flag per protocol-wide
// option of any registered protocol, e.g. E2SEC's --signature and --group), parsed and
// validated once.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "harness/cli/cli_util.hpp"
#include "protocols/core/spec.hpp"

namespace mtc::cli {

struct DeploymentArgs {
    std::string variant, profile, mode;
    bool extended = false;
    std::vector<std::string> instances, sets;
    std::map<std::string, std::string> options;  // --NAME VALUE per ProtocolSpec::options

    void add_to(po::options_description& opts);
    // Fills `out` for `spec`; returns a usage-error message or nullopt.
    std::optional<std::string> resolve(const ProtocolSpec& spec, DeploymentOptions& out) const;
};

// Declares one `--NAME VALUE` flag for every protocol-wide option of every registered protocol
// (ProtocolSpec::options), storing the values in `values`; the help text says which protocols
// take it and what values mean.
void add_protocol_option_flags(po::options_description& opts,
                               std::map<std::string, std::string>& values);
// Moves the flags given in `values` into `out`, refusing those `spec` does not have.
std::optional<std::string> apply_protocol_options(const ProtocolSpec& spec,
                                                  const std::map<std::string, std::string>& values,
                                                  std::map<std::string, std::string>& out);

std::string protocol_names();
// The registered protocol called `name`, or nullptr after printing a usage error for `cmd`.
const ProtocolSpec* require_protocol(const std::string& cmd, const std::string& name);

}  // namespace mtc::cli
