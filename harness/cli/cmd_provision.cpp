// mtcfuzz provision: keys, certificates, identities and PSKs for a deployment, to files.
#include <iostream>

#include "harness/cli/cli_util.hpp"
#include "harness/cli/deployment_options.hpp"
#include "harness/runner/provision.hpp"

namespace mtc::cli {

int cmd_provision(const std::vector<std::string>& args) {
    po::options_description opts("options");
    std::string protocol, dir;
    std::uint64_t seed = 0;
    DeploymentArgs dep;
    // clang-format off
    opts.add_options()
        ("protocol", po::value(&protocol), "protocol (see 'mtcfuzz list')")
        ("output,o", po::value(&dir)->required(), "directory to write into (created 0700)")
        ("force", po::bool_switch(), "overwrite files in a non-empty directory")
        ("seed", po::value(&seed), "derive every key from this seed (reproducible; not for real secrets)");
    dep.add_to(opts);
    // clang-format on
    po::positional_options_description pos;
    pos.add("protocol", 1);
    int code = kOk;
    auto vm =
        parse("provision", "PROTOCOL -o DIR [--instances ROLE=N ...] [options]",
              "Creates identities, long-term keys, PSKs and TLS certificates (one CA per\n"
              "deployment, a certificate per instance with its identity as CN) for N instances\n"
              "of each role, and writes them to DIR: DIR/deployment.json (public), DIR/pki/,\n"
              "and DIR/<instance>/{keys.json,cert.pem,key.pem} for 'mtcfuzz role'. Every file is\n"
              "created 0600. A non-empty DIR is refused unless --force is given.\n"
              "example: mtcfuzz provision prose --instances MTCd=3 --instances UE=2 -o /tmp/prose",
              opts, pos, args, code);
    if (!vm) return code;
    const ProtocolSpec* spec = require_protocol("provision", protocol);
    if (spec == nullptr) return kUsage;
    runner::ProvisionRequest req;
    req.spec = spec;
    req.dir = dir;
    req.force = (*vm)["force"].as<bool>();
    if (vm->count("seed") != 0) req.seed = seed;
    if (auto err = dep.resolve(*spec, req.options)) return usage_error("provision", *err);
    auto out = runner::provision_to_dir(req);
    if (!out) return usage_error("provision", out.error().describe());
    std::cout << "provisioned " << out->instances.size() << " instances of " << spec->name << " in "
              << dir << "\n";
    for (const auto& i : out->instances) {
        std::cout << "  " << i.instance << " (" << i.identity << "): " << i.keys_file << "\n";
    }
    return kOk;
}

}  // namespace mtc::cli
