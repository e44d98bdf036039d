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

const SettingSpec* ProtocolSpec::option(std::string_view n) const {
    for (const auto& o : options) {
        if (o.name == n) return &o;
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

const MessageFlow* AttackRecipes::flow(std::uint8_t type) const {
    for (const auto& f : flows) {
        if (f.type == type) return &f;
    }
    return nullptr;
}

bool ProtocolSpec::is_secure_link(std::string_view a, std::string_view b) const {
    return std::any_of(secure_links.begin(), secure_links.end(), [&](const auto& l) {
        return (l.first == a && l.second == b) || (l.first == b && l.second == a);
    });
}

static std::string names(const std::vector<NamedOption>& v) {
    std::string s;
    for (const auto& o : v) s += (s.empty() ? "" : ", ") + o.name;
    return s;
}

Status ProtocolSpec::validate(const DeploymentOptions& o) const {
    if (!has_variant(o.variant)) {
        return make_error(name + ": unknown variant '" + o.variant +
                          "' (one of: " + names(variants) + ")");
    }
    if (!has_profile(o.profile)) {
        return make_error(name + ": unknown profile '" + o.profile +
                          "' (one of: " + names(profiles) + ")");
    }
    if (!has_mode(o.mode)) {
        return make_error(name + ": unknown mode '" + o.mode + "' (one of: " + names(modes) + ")");
    }
    for (const auto& [k, value] : o.options) {
        const SettingSpec* opt = option(k);
        if (opt == nullptr) {
            std::string known;
            for (const auto& st : options) known += (known.empty() ? "" : ", ") + st.name;
            return make_error(name + ": no option '" + k + "'" +
                              (known.empty() ? " (it has none)" : " (options: " + known + ")"));
        }
        if (opt->check) {
            if (auto why = opt->check(value))
                return make_error(name + ": " + k + " " + value + ": " + *why);
        }
    }
    for (const auto& [r, n] : o.instances) {
        if (role(r) == nullptr) return make_error(name + ": no role named '" + r + "'");
    }
    for (const auto& [r, kv] : o.settings) {
        const RoleSpec* rs = role(r);
        if (rs == nullptr) return make_error(name + ": no role named '" + r + "'");
        for (const auto& [k, value] : kv) {
            const std::string& key = k;  // clang 14 cannot capture a structured binding
            auto it = std::find_if(rs->settings.begin(), rs->settings.end(),
                                   [&](const SettingSpec& st) { return st.name == key; });
            if (it == rs->settings.end()) {
                std::string known;
                for (const auto& st : rs->settings) known += (known.empty() ? "" : ", ") + st.name;
                return make_error(name + ": role " + r + " has no setting '" + key + "'" +
                                  (known.empty() ? "" : " (settings: " + known + ")"));
            }
            if (it->check) {
                if (auto why = it->check(value)) {
                    return make_error(name + ": " + r + "." + key + "=" + value + ": " + *why);
                }
            }
        }
    }
    return Ok{};
}

bool ProtocolSpec::session_committed(const std::set<std::string>& deployed,
                                     const std::set<std::string>& committed) const {
    std::size_t initiators = 0, initiators_committed = 0;
    for (const RoleSpec& r : roles) {
        if (!r.commits_key || deployed.count(r.name) == 0) continue;
        const bool did = committed.count(r.name) != 0;
        if (!r.initiator && !did) return false;
        if (r.initiator) {
            ++initiators;
            if (did) ++initiators_committed;
        }
    }
    return initiators == 0 ? true : initiators_committed == 1;
}

Status ProtocolSpec::validate_weakened(std::string_view role_name,
                                       const std::set<std::string>& checks) const {
    const RoleSpec* rs = role(role_name);
    if (rs == nullptr) return make_error(name + ": no role named '" + std::string(role_name) + "'");
    for (const auto& c : checks) {
        if (!has_named(rs->checks, c)) {
            return make_error(
                name + ": role " + rs->name + " has no weakenable check '" + c + "' (" +
                (rs->checks.empty() ? std::string("it has none") : "checks: " + names(rs->checks)) +
                ")");
        }
    }
    return Ok{};
}

}  // namespace mtc
