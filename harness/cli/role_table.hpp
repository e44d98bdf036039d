// The per-role summary table that simulate and run print, as text and as JSON.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "protocols/core/simulation.hpp"
#include "protocols/core/spec.hpp"

namespace mtc::cli {

// One row per deployed role, in the spec's role order; reject reasons under their role.
void print_role_table(const ProtocolSpec& spec, const std::map<std::string, RoleSummary>& roles);
nlohmann::ordered_json role_table_json(const std::map<std::string, RoleSummary>& roles);

}  // namespace mtc::cli
