// An SGA deployment whose roles the test drives message by message, with every instance's
// storage kept so a role can be re-instantiated over it ("restart"). Provisioning (two RSA-2048
// keygens) is done once per (profile, devices) and cached for the whole test binary.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "protocols/core/clock.hpp"
#include "protocols/core/event.hpp"
#include "protocols/core/instantiate.hpp"
#include "protocols/core/rng.hpp"
#include "protocols/sga/primitives.hpp"
#include "protocols/sga/role_util.hpp"
#include "protocols/sga/schema.hpp"
#include "protocols/sga/spec.hpp"
#include "tests/unit/role_world.hpp"

namespace mtc::test {

struct SgaOptions {
    std::string variant = "as-specified";
    std::string profile = "default";
    std::string group = "dh_1024_160";  // the small group keeps ASan runs quick
    int devices = 2;
    std::map<std::string, std::map<std::string, std::string>> settings;  // instance -> k -> v
    std::map<std::string, std::set<std::string>> weakened;               // instance -> checks
};

inline const Deployment& sga_cached_deployment(const std::string& profile, int devices) {
    static std::map<std::pair<std::string, int>, Deployment> cache;
    auto it = cache.find({profile, devices});
    if (it != cache.end()) return it->second;
    DeploymentOptions opts;
    opts.profile = profile;
    opts.instances = {{"Device", devices}};
    SeededRng rng(42, "provision");
    auto dep = sga::spec().provision(opts, rng);
    EXPECT_TRUE(dep.ok()) << (dep.ok() ? "" : dep.error().describe());
    return cache.emplace(std::make_pair(profile, devices), std::move(dep).value()).first->second;
}

struct SgaWorld : RoleWorldBase {
    Deployment d;
    std::map<std::string, std::unique_ptr<Role>> roles;
    std::map<std::string, std::shared_ptr<MemoryStorage>> storage;
    const sga::DlGroup* G = nullptr;
    struct Sent {
        std::string from, to;
        Message msg;
    };
    std::vector<Sent> log;
    int restarts = 0;

    explicit SgaWorld(const SgaOptions& o = {}) {
        d = sga_cached_deployment(o.profile, o.devices);
        d.options.variant = o.variant;
        d.options.options = {{"group", o.group}};
        for (auto& plan : d.instances) {
            plan.settings = {{"group", o.group}};
            if (auto it = o.settings.find(plan.instance); it != o.settings.end()) {
                for (const auto& [k, v] : it->second) plan.settings[k] = v;
            }
            if (auto it = o.weakened.find(plan.instance); it != o.weakened.end())
                plan.weakened = it->second;
            storage[plan.instance] = std::make_shared<MemoryStorage>();
        }
        G = group_by_name(o.group);
        for (const auto& plan : d.instances) make(plan.instance);
    }

    void make(const std::string& instance) {
        const RoleRuntime rt{42 + restarts, &clock, &sink, &fp, storage.at(instance)};
        auto r = instantiate_role(sga::spec(), d, *d.find(instance), rt,
                                  [](const std::string& i) { return i; });
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().describe());
        roles[instance] = std::move(r).value();
    }
    // A new role object over the same durable storage (what a process restart leaves).
    void restart(const std::string& instance) {
        ++restarts;
        make(instance);
    }

    Role& r(const std::string& instance) { return *roles.at(instance); }
    const InstancePlan& plan(const std::string& instance) const { return *d.find(instance); }
    const SecretBytes& secret(const std::string& instance, const std::string& name) const {
        return plan(instance).creds.secrets.at(name);
    }
    sga::RsaKey server_key(const char* name = "PR") const {
        return sga::RsaKey::from_private_pem(to_string(view(secret("SGA#0", name)))).value();
    }

    // Delivers `out` (sent by `from`) and all it causes, FIFO. A message whose type is in `stop`
    // (and, when `stop_from` is set, that `stop_from` sends) is returned instead of delivered.
    std::vector<Message> pump(const std::string& from, std::vector<Outbound> out,
                              const std::set<std::uint8_t>& stop = {},
                              const std::string& stop_from = "") {
        std::deque<std::pair<std::string, Outbound>> q;
        for (auto& o : out) q.emplace_back(from, std::move(o));
        std::vector<Message> stopped;
        while (!q.empty()) {
            auto [src, o] = std::move(q.front());
            q.pop_front();
            if (stop.count(o.msg.type) != 0 && (stop_from.empty() || stop_from == src)) {
                stopped.push_back(o.msg);
                continue;
            }
            log.push_back(Sent{src, o.to, o.msg});
            for (auto& next : r(o.to).on_message(Inbound{o.msg, src, std::nullopt})) {
                q.emplace_back(o.to, std::move(next));
            }
        }
        return stopped;
    }
    std::vector<Outbound> deliver(const std::string& to, const Message& m,
                                  const std::string& from) {
        log.push_back(Sent{from, to, m});
        return r(to).on_message(Inbound{m, from, std::nullopt});
    }
    // A full run started by `device`.
    void run(const std::string& device = "Device#0") { pump(device, r(device).start()); }
    // Runs `device` until the first message of a type in `stop` (sent by `stop_from` if set).
    Message until(std::uint8_t type, const std::string& device = "Device#0",
                  const std::string& stop_from = "") {
        auto v = pump(device, r(device).start(), {type}, stop_from);
        EXPECT_EQ(v.size(), 1u) << "no " << sga::msg_name(type);
        return v.empty() ? Message{} : v[0];
    }
    // Continues from `m` (sent by `from` to `to`) until `type`.
    Message next(const Message& m, const std::string& from, const std::string& to,
                 std::uint8_t type, const std::string& stop_from = "") {
        auto v = pump(from, {Outbound{to, m}}, {type}, stop_from);
        EXPECT_EQ(v.size(), 1u) << "no " << sga::msg_name(type);
        return v.empty() ? Message{} : v[0];
    }

    // The server's view of an A1: kt_i (decrypting with PR, unmasking with k_di).
    SecretBytes kt_of_a1(const Message& a1, const std::string& device = "Device#0") const {
        auto pt = sga::dg_decrypt(server_key(), a1.get_or_empty(sga::CtPK)).value();
        auto req = sga::decode_a1(view(pt)).value();
        return sga::xor_bytes(view(req.masked_kt), view(secret(device, "k_d"))).value();
    }
    // The messages of `type` in the log.
    std::vector<Message> sent(std::uint8_t type) const {
        std::vector<Message> out;
        for (const auto& s : log) {
            if (s.msg.type == type) out.push_back(s.msg);
        }
        return out;
    }
};

}  // namespace mtc::test
