#include "harness/runner/provision.hpp"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "harness/net/test_pki.hpp"
#include "harness/runner/files.hpp"
#include "harness/runner/keys_file.hpp"
#include "protocols/core/rng.hpp"

namespace mtc::runner {

std::string instance_dir_name(const std::string& instance) {
    std::string s = instance;
    for (char& c : s) {
        if (c == '#' || c == '/' || c == ' ') c = '-';
    }
    return s;
}

namespace {

// Moves an issued certificate and key to the names `mtcfuzz role` expects, mode 0600.
Status settle(net::IssuedCert& c, const std::string& cert, const std::string& key) {
    std::error_code ec;
    std::filesystem::rename(c.cert_file, cert, ec);
    if (!ec) std::filesystem::rename(c.key_file, key, ec);
    if (ec) return make_error("cannot place certificate for " + c.cn + ": " + ec.message());
    c.cert_file = cert;
    c.key_file = key;
    for (const auto& f : {cert, key}) {
        std::filesystem::permissions(
            f, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
            std::filesystem::perm_options::replace, ec);
    }
    return Ok{};
}

}  // namespace

Result<Provisioned> provision_to_dir(const ProvisionRequest& req) {
    namespace fs = std::filesystem;
    if (req.spec == nullptr) return make_error("provision: no protocol");
    if (auto v = req.spec->validate(req.options); !v) return v.error();
    std::error_code ec;
    if (fs::exists(req.dir, ec)) {
        if (!fs::is_directory(req.dir, ec))
            return make_error(req.dir + " exists and is not a directory");
        if (!fs::is_empty(req.dir, ec) && !req.force) {
            return make_error(req.dir + " is not empty (pass --force to overwrite what is there)");
        }
    }
    auto rng = make_rng(req.seed, "provision");
    auto deployment = req.spec->provision(req.options, *rng);
    if (!deployment) return deployment.error();

    Provisioned out;
    out.dir = req.dir;
    out.deployment = *deployment;
    if (auto s = make_dirs(req.dir); !s) return s.error();
    if (auto s = make_dirs(req.dir + "/pki"); !s) return s.error();

    // One CA per deployment; every instance gets a certificate whose CN is its identity.
    auto ca = net::issue_ca(req.dir + "/pki", "mtcfuzz " + req.spec->name + " CA",
                            net::kDefaultValidityDays, req.sync);
    if (!ca) return ca.error();
    if (auto s = settle(*ca, req.dir + "/pki/ca.pem", req.dir + "/pki/ca-key.pem"); !s)
        return s.error();

    // The salt of key fingerprints is shared by the whole deployment, so the commits of
    // different processes can be compared.
    const SecretBytes salt = rng->secret_bytes(32);
    nlohmann::ordered_json pub;
    pub["format"] = "mtcfuzz-deployment/1";
    pub["protocol"] = req.spec->name;
    pub["variant"] = req.options.variant;
    pub["profile"] = req.options.profile;
    pub["mode"] = req.options.mode;
    pub["instances"] = nlohmann::ordered_json::array();
    for (auto& keys : split(req.spec->name, *deployment)) {
        keys.fingerprint_salt = salt;
        const std::string dir = req.dir + "/" + instance_dir_name(keys.plan.instance);
        if (auto s = make_dirs(dir); !s) return s.error();
        auto leaf = net::issue_leaf(*ca, dir, keys.plan.creds.identity, net::kDefaultValidityDays,
                                    req.sync);
        if (!leaf) return leaf.error();
        if (auto s = settle(*leaf, dir + "/cert.pem", dir + "/key.pem"); !s) return s.error();
        std::string text = to_json(keys);
        auto s = write_file_atomic(dir + "/keys.json", text, 0600, req.sync);
        secure_wipe(text.data(), text.size());
        if (!s) return s.error();
        nlohmann::ordered_json ij;
        ij["instance"] = keys.plan.instance;
        ij["role"] = keys.plan.role;
        ij["identity"] = keys.plan.creds.identity;
        ij["dir"] = instance_dir_name(keys.plan.instance);
        ij["peers"] = keys.plan.peers;
        pub["instances"].push_back(ij);
        out.instances.push_back({keys.plan.instance, keys.plan.role, keys.plan.creds.identity, dir,
                                 dir + "/keys.json"});
    }
    if (auto s =
            write_file_atomic(req.dir + "/deployment.json", pub.dump(2) + "\n", 0600, req.sync);
        !s)
        return s.error();
    return out;
}

}  // namespace mtc::runner
