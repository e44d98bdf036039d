// The per-instance keys file that `mtcfuzz provision` writes and `mtcfuzz role --keys` reads:
// one role instance's identity, long-term secrets, settings and the identities of its peers,
// as JSON (secrets in hex; the file is created 0600 and its secrets never reach a log).
#pragma once

#include <map>
#include <string>

#include "protocols/core/result.hpp"
#include "protocols/core/spec.hpp"

namespace mtc::runner {

struct PeerInfo {
    std::string role;
    std::string identity;
};

struct InstanceKeys {
    std::string protocol;
    DeploymentOptions options;  // variant, profile, mode, role settings
    InstancePlan plan;
    std::map<std::string, PeerInfo> peers;  // instance name -> role and identity, for plan.peers
    // Salt of the keyed key fingerprints in events, shared by the deployment so that commits
    // of different processes compare; empty in files of older tools (then random per process).
    SecretBytes fingerprint_salt;

    // A Deployment holding this plan plus stand-ins for its peers (identity and role only),
    // enough for instantiate_role.
    [[nodiscard]] Deployment deployment() const;
};

std::string to_json(const InstanceKeys& keys);
// `source` names the input in errors ("keys file /x/y.json: missing key 'identity'").
Result<InstanceKeys> parse_keys(std::string_view json, const std::string& source);
Result<InstanceKeys> load_keys(const std::string& path);

// Builds the keys of every instance of a deployment.
std::vector<InstanceKeys> split(const std::string& protocol, const Deployment& d);

}  // namespace mtc::runner
