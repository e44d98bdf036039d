#include "harness/cli/role_table.hpp"

#include <cstdio>

namespace mtc::cli {

void print_role_table(const ProtocolSpec& spec, const std::map<std::string, RoleSummary>& roles) {
    std::printf("%-8s %9s %7s %7s %7s %7s %6s\n", "role", "instances", "begin", "accept", "commit",
                "reject", "error");
    for (const auto& rs : spec.roles) {
        auto it = roles.find(rs.name);
        if (it == roles.end() || it->second.instances == 0) continue;
        const RoleSummary& s = it->second;
        std::printf("%-8s %9zu %7zu %7zu %7zu %7zu %6zu\n", rs.name.c_str(), s.instances, s.begins,
                    s.accepts, s.commits, s.rejects, s.errors);
        for (const auto& [reason, n] : s.reject_reasons) {
            std::printf("         reject x%zu: %s\n", n, reason.c_str());
        }
    }
}

nlohmann::ordered_json role_table_json(const std::map<std::string, RoleSummary>& roles) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    for (const auto& [name, s] : roles) {
        j[name] = {{"instances", s.instances},
                   {"begin", s.begins},
                   {"accept", s.accepts},
                   {"commit", s.commits},
                   {"reject", s.rejects},
                   {"error", s.errors},
                   {"reject_reasons", s.reject_reasons}};
    }
    return j;
}

}  // namespace mtc::cli
