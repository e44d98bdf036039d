#include "protocols/core/spec.hpp"

#include <algorithm>

namespace mtc {

const InstancePlan* Deployment::find(const std::string& instance) const {
    for (const auto& p : instances) {
        if (p.instance == instance) return &p;
    }
    return nullptr;
}

const RoleSpec* ProtocolSpec::role(std::string_view name) const {
    for (const auto& r : roles) {
        if (r.name == name) return &r;
    }
    return nullptr;
}

static bool has_named(const std::vector<NamedOption>& opts, std::string_view name) {
    return std::any_of(opts.begin(), opts.end(),
                       [&](const NamedOption& o) { return o.name == name; });
}

bool ProtocolSpec::has_variant(std::string_view v) const {
    return has_named(variants, v);
}
bool ProtocolSpec::has_profile(std::string_view p) const {
    return has_named(profiles, p);
}
bool ProtocolSpec::has_mode(std::string_view m) const {
    return has_named(modes, m);
}

bool ProtocolSpec::is_secure_link(std::string_view a, std::string_view b) const {
    return std::any_of(secure_links.begin(), secure_links.end(), [&](const auto& l) {
        return (l.first == a && l.second == b) || (l.first == b && l.second == a);
    });
}

}  // namespace mtc
