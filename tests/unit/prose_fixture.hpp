// A ProSe deployment whose roles the test drives by hand, message by message, so that each
// check can be fed exactly the input that should fail it.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "protocols/core/clock.hpp"
#include "protocols/core/event.hpp"
#include "protocols/core/instantiate.hpp"
#include "protocols/core/rng.hpp"
#include "protocols/prose/primitives.hpp"
#include "protocols/prose/schema.hpp"
#include "protocols/prose/spec.hpp"
#include "tests/unit/role_world.hpp"

namespace mtc::test {

struct ProseWorld : RoleWorldBase {
    Deployment d;
    std::map<std::string, std::unique_ptr<Role>> roles;

    explicit ProseWorld(const std::string& variant = "as-specified",
                        const std::string& mode = "basic", const std::string& profile = "default",
                        std::map<std::string, int> instances = {},
                        std::map<std::string, std::map<std::string, std::string>> settings = {}) {
        DeploymentOptions o;
        o.variant = variant;
        o.mode = mode;
        o.profile = profile;
        o.instances = std::move(instances);
        SeededRng rng(42, "provision");
        auto dep = prose::spec().provision(o, rng);
        EXPECT_TRUE(dep.ok()) << (dep.ok() ? "" : dep.error().describe());
        d = std::move(dep).value();
        for (auto& plan : d.instances) {
            if (auto it = settings.find(plan.instance); it != settings.end())
                plan.settings = it->second;
        }
        const RoleRuntime rt{42, &clock, &sink, &fp, nullptr};
        for (const auto& plan : d.instances) {
            auto r = instantiate_role(prose::spec(), d, plan, rt,
                                      [](const std::string& i) { return i; });
            EXPECT_TRUE(r.ok());
            roles[plan.instance] = std::move(r).value();
        }
    }

    Role& r(const std::string& instance) { return *roles.at(instance); }
    const SecretBytes& psk(const std::string& mtcd = "MTCd#0") {
        return d.find(mtcd)->creds.secrets.at("PSKey");
    }

    // The honest run, step by step.
    Message m1() {
        auto out = r("MTCd#0").start();
        EXPECT_EQ(out.size(), 1u);
        return out.at(0).msg;
    }
    Message m2(const Message& m1) {
        auto out = r("UE#0").on_message(Inbound{m1, "MTCd#0", std::nullopt});
        EXPECT_EQ(out.size(), 1u);
        return out.at(0).msg;
    }
    std::vector<Outbound> to_mtcs(const Message& m2, std::optional<std::string> peer = "ue-0") {
        return r("MTCs#0").on_message(Inbound{m2, "UE#0", std::move(peer)});
    }
    Message m3(const Message& m2) {
        auto out = to_mtcs(m2);
        EXPECT_EQ(out.size(), 1u);
        return out.at(0).msg;
    }
    std::vector<Outbound> to_ue(const Message& m3, std::optional<std::string> peer = "mtcs-0") {
        return r("UE#0").on_message(Inbound{m3, "MTCs#0", std::move(peer)});
    }
    Message m4(const Message& m3) {
        auto out = to_ue(m3);
        EXPECT_EQ(out.size(), 1u);
        return out.at(0).msg;
    }
    std::vector<Outbound> to_mtcd(const Message& m4) {
        return r("MTCd#0").on_message(Inbound{m4, "UE#0", std::nullopt});
    }

    // Re-signs a modified M2 with the MTCd's PSKey so only the check under test can fail.
    void remic_m2(Message& m2) {
        m2.set(prose::MTCdMIC, prose::compute_mtcd_mic(view(psk()), m2).value());
    }
    // Re-signs a modified M4 (given the M1 it answers) with the PSKey.
    void remic_m4(const Message& m1, Message& m4) {
        m4.set(prose::MTCsMIC, prose::compute_mtcs_mic(view(psk()), m1, m4).value());
    }
};

}  // namespace mtc::test
