#include "harness/runner/keys_file.hpp"

#include <nlohmann/json.hpp>

#include "harness/runner/files.hpp"

namespace mtc::runner {

using json = nlohmann::ordered_json;

Deployment InstanceKeys::deployment() const {
    Deployment d;
    d.options = options;
    d.instances.push_back(plan);
    for (const auto& [instance, info] : peers) {
        InstancePlan p;
        p.role = info.role;
        p.instance = instance;
        p.creds.identity = info.identity;
        d.instances.push_back(std::move(p));
    }
    return d;
}

std::string to_json(const InstanceKeys& k) {
    json j;
    j["format"] = "mtcfuzz-keys/1";
    j["protocol"] = k.protocol;
    j["variant"] = k.options.variant;
    j["profile"] = k.options.profile;
    j["mode"] = k.options.mode;
    j["instance"] = k.plan.instance;
    j["role"] = k.plan.role;
    j["identity"] = k.plan.creds.identity;
    j["secrets"] = json::object();
    for (const auto& [name, value] : k.plan.creds.secrets) j["secrets"][name] = to_hex(view(value));
    j["attrs"] = k.plan.creds.attrs;
    j["key_fp_salt"] = to_hex(view(k.fingerprint_salt));
    // Protocol options, role settings and the plan's own, flattened as the role will see them
    // (instantiate_role's order).
    j["settings"] = json::object();
    for (const auto& [name, value] : k.options.options) j["settings"][name] = value;
    if (auto it = k.options.settings.find(k.plan.role); it != k.options.settings.end()) {
        for (const auto& [name, value] : it->second) j["settings"][name] = value;
    }
    for (const auto& [name, value] : k.plan.settings) j["settings"][name] = value;
    j["peers"] = json::object();
    for (const auto& [logical, instance] : k.plan.peers) {
        const auto& info = k.peers.at(instance);
        j["peers"][logical] = {
            {"instance", instance}, {"role", info.role}, {"identity", info.identity}};
    }
    return j.dump(2) + "\n";
}

namespace {

// Field readers that turn every shape mistake into an error naming the key.
struct Reader {
    const json& j;
    const std::string& where;
    std::optional<Error> err;

    std::string str(const char* key) {
        if (err) return {};
        auto it = j.find(key);
        if (it == j.end()) {
            err = make_error(where + ": missing key '" + key + "'");
        } else if (!it->is_string()) {
            err = make_error(where + ": key '" + key + "' must be a string");
        } else {
            return it->get<std::string>();
        }
        return {};
    }
    std::map<std::string, std::string> str_map(const json& obj, const std::string& key) {
        std::map<std::string, std::string> out;
        if (err) return out;
        if (!obj.is_object()) {
            err = make_error(where + ": key '" + key + "' must be an object");
            return out;
        }
        for (const auto& [k, v] : obj.items()) {
            if (!v.is_string()) {
                err = make_error(where + ": " + key + "." + k + " must be a string");
                return out;
            }
            out[k] = v.get<std::string>();
        }
        return out;
    }
    const json& obj(const char* key) {
        static const json kEmpty = json::object();
        if (err) return kEmpty;
        auto it = j.find(key);
        if (it == j.end() || !it->is_object()) {
            err = make_error(where + ": key '" + key + "' must be an object");
            return kEmpty;
        }
        return *it;
    }
};

}  // namespace

Result<InstanceKeys> parse_keys(std::string_view text, const std::string& source) {
    const json j = json::parse(text, nullptr, false);
    if (j.is_discarded()) return make_error(source + ": not valid JSON");
    if (!j.is_object()) return make_error(source + ": expected a JSON object");
    Reader r{j, source, std::nullopt};
    InstanceKeys k;
    if (r.str("format") != "mtcfuzz-keys/1" && !r.err) {
        return make_error(source + ": unsupported format (expected \"mtcfuzz-keys/1\")");
    }
    k.protocol = r.str("protocol");
    k.options.variant = r.str("variant");
    k.options.profile = r.str("profile");
    k.options.mode = r.str("mode");
    k.plan.instance = r.str("instance");
    k.plan.role = r.str("role");
    k.plan.creds.identity = r.str("identity");
    for (const auto& [name, hex] : r.str_map(r.obj("secrets"), "secrets")) {
        auto bytes = from_hex(hex);
        if (!bytes) return make_error(source + ": secrets." + name + " is not hex");
        k.plan.creds.secrets[name] = to_secret(view(*bytes));
        secure_wipe(bytes->data(), bytes->size());
    }
    k.plan.creds.attrs = r.str_map(r.obj("attrs"), "attrs");
    if (auto it = j.find("key_fp_salt"); it != j.end()) {
        auto salt = it->is_string() ? from_hex(it->get<std::string>()) : std::nullopt;
        if (!salt) return make_error(source + ": key_fp_salt must be a hex string");
        k.fingerprint_salt = to_secret(view(*salt));
    }
    k.plan.settings = r.str_map(r.obj("settings"), "settings");
    const json& peers = r.obj("peers");
    for (const auto& [logical, p] : peers.items()) {
        if (!p.is_object()) return make_error(source + ": peers." + logical + " must be an object");
        Reader pr{p, source + ": peers." + logical, std::nullopt};
        const std::string instance = pr.str("instance");
        PeerInfo info{pr.str("role"), pr.str("identity")};
        if (pr.err) return *pr.err;
        k.plan.peers[logical] = instance;
        k.peers[instance] = info;
    }
    if (r.err) return *r.err;
    return k;
}

Result<InstanceKeys> load_keys(const std::string& path) {
    auto content = read_file(path);
    if (!content) return make_error("keys file: " + content.error().reason);
    std::string text = std::move(content).value();
    auto k = parse_keys(text, "keys file " + path);
    secure_wipe(text.data(), text.size());
    return k;
}

std::vector<InstanceKeys> split(const std::string& protocol, const Deployment& d) {
    std::vector<InstanceKeys> out;
    for (const auto& plan : d.instances) {
        InstanceKeys k;
        k.protocol = protocol;
        k.options = d.options;
        k.plan = plan;
        for (const auto& [logical, instance] : plan.peers) {
            if (const InstancePlan* p = d.find(instance))
                k.peers[instance] = {p->role, p->creds.identity};
        }
        out.push_back(std::move(k));
    }
    return out;
}

}  // namespace mtc::runner
