// <protocol>_<role>_fuzzer: the role under test in its whole deployment, driven as a
// Dolev-Yao network by the input (dy_network.hpp). A claim the hardened variant promises that
// fails, or a frame a role's own schema refuses, is a finding: FuzzerSecurityIssueHigh (resp.
// Medium) and abort.
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "targets/dy_network.hpp"
#include "targets/fuzz_target.hpp"

namespace mtc::fuzz {

FuzzTarget make_role_target(const ProtocolSpec& spec, const RoleSpec& role) {
    FuzzTarget t;
    t.name = role_target_name(spec, role.name);
    t.kind = TargetKind::role;
    t.description = "the " + spec.name + " " + role.name +
                    " in a Dolev-Yao network: delivered, dropped, replayed, reordered, mutated, "
                    "injected frames; oracle: the hardened variant's claims";
    t.spec = &spec;
    t.role = role.name;
    const ProtocolSpec* s = &spec;
    const std::string name = role.name;
    // The network (and its one-time provisioning) is built on the first input only.
    auto net = std::make_shared<std::unique_ptr<DyNetwork>>();
    t.run = [s, name, net](const std::uint8_t* data, std::size_t size) {
        if (!*net) {
            *net = std::make_unique<DyNetwork>(*s, name);
            if (!(*net)->setup_error().empty()) {
                std::fprintf(stderr, "role target setup failed: %s\n",
                             (*net)->setup_error().c_str());
                std::abort();
            }
        }
        const DyResult r = (*net)->run(BytesView(data, size));
        for (const DyFinding& f : r.findings) {
            const bool schema = f.claim.rfind("schema:", 0) == 0;
            security_issue(schema ? "Medium" : "High", f.claim + ": " + f.summary);
        }
        return 0;
    };
    return t;
}

std::vector<FuzzTarget> make_role_targets(const ProtocolSpec& spec) {
    std::vector<FuzzTarget> t;
    for (const RoleSpec& r : spec.roles) t.push_back(make_role_target(spec, r));
    return t;
}

}  // namespace mtc::fuzz
