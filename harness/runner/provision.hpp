// `mtcfuzz provision`: identities, long-term keys, PSKs and TLS certificates for every role
// instance of a deployment, written to a directory (files 0600, directories 0700).
//
//   DIR/deployment.json         public: protocol, options, instances, roles, identities, peers
//   DIR/pki/ca.pem, ca-key.pem  the deployment's CA
//   DIR/<instance>/keys.json    the instance's keys file (mtcfuzz role --keys)
//   DIR/<instance>/cert.pem, key.pem   its TLS certificate (CN = identity) and key
//
// (<instance> is the instance name with '#' replaced by '-', e.g. MTCd-0.)
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "protocols/core/result.hpp"
#include "protocols/core/spec.hpp"

namespace mtc::runner {

struct ProvisionRequest {
    const ProtocolSpec* spec = nullptr;
    DeploymentOptions options;
    std::string dir;
    bool force = false;                 // overwrite a non-empty DIR
    std::optional<std::uint64_t> seed;  // reproducible keys (certificates still use OS randomness)
    // fsync every file; a scratch directory (a live run's, removed after it) skips that, which
    // is most of the time provisioning a thousand instances takes.
    bool sync = true;
};

struct ProvisionedInstance {
    std::string instance, role, identity;
    std::string dir, keys_file;
};

struct Provisioned {
    std::string dir;
    Deployment deployment;
    std::vector<ProvisionedInstance> instances;
};

Result<Provisioned> provision_to_dir(const ProvisionRequest& request);

std::string instance_dir_name(const std::string& instance);

}  // namespace mtc::runner
