#include "harness/cli/deployment_options.hpp"

#include <charconv>

#include "protocols/core/registry.hpp"

namespace mtc::cli {

std::string protocol_names() {
    std::string s;
    for (const auto* p : registered_protocols()) s += (s.empty() ? "" : ", ") + p->name;
    return s;
}

const ProtocolSpec* require_protocol(const std::string& cmd, const std::string& name) {
    if (name.empty()) {
        usage_error(cmd, "missing PROTOCOL (one of: " + protocol_names() + ")");
        return nullptr;
    }
    const ProtocolSpec* spec = find_protocol(name);
    if (spec == nullptr)
        usage_error(cmd, "unknown protocol '" + name + "' (one of: " + protocol_names() + ")");
    return spec;
}

void add_protocol_option_flags(po::options_description& opts,
                               std::map<std::string, std::string>& values) {
    std::map<std::string, std::string> help;  // option name -> description
    for (const ProtocolSpec* p : registered_protocols()) {
        for (const SettingSpec& o : p->options) {
            std::string& h = help[o.name];
            h += (h.empty() ? "" : "; ") + p->name + ": " + o.description + " (default " +
                 o.default_value + ")";
        }
    }
    for (const auto& [name, text] : help) {
        // std::map nodes are stable, so the parser can write straight into values[name].
        opts.add_options()(name.c_str(), po::value(&values[name]), text.c_str());
    }
}

std::optional<std::string> apply_protocol_options(const ProtocolSpec& spec,
                                                  const std::map<std::string, std::string>& values,
                                                  std::map<std::string, std::string>& out) {
    for (const auto& [name, value] : values) {
        if (value.empty()) continue;  // flag not given
        if (spec.option(name) == nullptr) {
            std::string known;
            for (const auto& o : spec.options) known += (known.empty() ? "" : ", --") + o.name;
            return "--" + name + " does not apply to " + spec.name +
                   (known.empty() ? " (it has no protocol options)"
                                  : " (its options: --" + known + ")");
        }
        out[name] = value;
    }
    return std::nullopt;
}

void DeploymentArgs::add_to(po::options_description& opts) {
    // clang-format off
    opts.add_options()
        ("variant", po::value(&variant), "as-specified (default) or hardened")
        ("profile", po::value(&profile), "key profile, e.g. default or weak-key")
        ("mode", po::value(&mode), "protocol mode, e.g. basic or extended")
        ("extended", po::bool_switch(&extended), "shorthand for --mode extended")
        ("instances", po::value(&instances)->composing(), "ROLE=N instances of a role (repeatable)")
        ("set", po::value(&sets)->composing(),
         "ROLE.NAME=VALUE role setting, e.g. MTCd.mic_alg=2 (repeatable; see 'mtcfuzz list')");
    // clang-format on
    add_protocol_option_flags(opts, options);
}

std::optional<std::string> DeploymentArgs::resolve(const ProtocolSpec& spec,
                                                   DeploymentOptions& o) const {
    o.variant = variant.empty() ? spec.variants.front().name : variant;
    o.profile = profile.empty() ? spec.profiles.front().name : profile;
    o.mode = mode.empty() ? spec.modes.front().name : mode;
    if (extended) {
        if (!mode.empty() && mode != "extended") return "--extended conflicts with --mode " + mode;
        o.mode = "extended";
    }
    for (const auto& s : instances) {
        const auto eq = s.find('=');
        if (eq == std::string::npos || eq == 0) return "--instances wants ROLE=N, got '" + s + "'";
        int n = 0;
        const std::string num = s.substr(eq + 1);
        const auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
        if (ec != std::errc() || end != num.data() + num.size() || num.empty()) {
            return "--instances " + s + ": N is not a number";
        }
        o.instances[s.substr(0, eq)] = n;
    }
    for (const auto& kv : sets) {
        const auto dot = kv.find('.');
        const auto eq = kv.find('=');
        if (dot == std::string::npos || eq == std::string::npos || dot == 0 || eq < dot + 2) {
            return "--set wants ROLE.NAME=VALUE, got '" + kv + "'";
        }
        o.settings[kv.substr(0, dot)][kv.substr(dot + 1, eq - dot - 1)] = kv.substr(eq + 1);
    }
    if (auto bad = apply_protocol_options(spec, options, o.options)) return bad;
    if (auto valid = spec.validate(o); !valid) return valid.error().describe();
    return std::nullopt;
}

}  // namespace mtc::cli
