// ProSe through the generic simulation: every variant and mode completes with one DMKey per
// session, and a seed makes the event stream byte-identical.
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "protocols/core/registry.hpp"
#include "protocols/core/simulation.hpp"
#include "protocols/prose/schema.hpp"
#include "protocols/prose/spec.hpp"

namespace mtc::test {
namespace {

SimulationOptions opts(const std::string& variant, const std::string& mode, std::size_t n,
                       std::optional<std::uint64_t> seed = std::nullopt) {
    SimulationOptions o;
    o.deployment.variant = variant;
    o.deployment.mode = mode;
    o.sessions = n;
    o.seed = seed;
    return o;
}

TEST(Registry, EveryRegisteredSchemaIsWellFormedAndUnique) {
    std::set<std::uint8_t> ids;
    std::set<std::string> names;
    for (const ProtocolSpec* p : registered_protocols()) {
        ASSERT_NE(p->schema, nullptr) << p->name;
        EXPECT_EQ(validate_schema(*p->schema), std::nullopt) << p->name;
        EXPECT_TRUE(ids.insert(p->schema->protocol_id).second) << p->name;
        EXPECT_TRUE(names.insert(p->name).second) << p->name;
        EXPECT_FALSE(p->variants.empty() || p->profiles.empty() || p->modes.empty()) << p->name;
        for (const auto& c : p->claims) EXPECT_NE(c.id.find(':'), std::string::npos) << c.id;
    }
}

TEST(ProseSimulation, SchemaIsWellFormedAndRegistered) {
    EXPECT_EQ(validate_schema(prose::schema()), std::nullopt);
    EXPECT_EQ(find_protocol("prose"), &prose::spec());
    EXPECT_EQ(find_protocol(prose::kProtocolId), &prose::spec());
}

TEST(ProseSimulation, EveryVariantAndModeCommitsEverySession) {
    for (const char* variant : {"as-specified", "hardened"}) {
        for (const char* mode : {"basic", "extended"}) {
            auto r = simulate(prose::spec(), opts(variant, mode, 50));
            ASSERT_TRUE(r.ok()) << r.error().describe();
            EXPECT_TRUE(r->all_committed(prose::spec())) << variant << " " << mode;
            EXPECT_EQ(r->sessions_key_agreed, 50u);
            EXPECT_EQ(r->roles.at("MTCd").commits, 50u);
            EXPECT_EQ(r->roles.at("UE").commits, 50u);
            EXPECT_EQ(r->roles.at("MTCs").commits, 50u);
        }
    }
}

TEST(ProseSimulation, ManyInstancesAndWeakKeysStillCommit) {
    auto o = opts("hardened", "extended", 40);
    o.deployment.profile = "weak-key";
    o.deployment.instances = {{"MTCd", 5}, {"UE", 3}, {"GW", 2}, {"MTCs", 2}};
    auto r = simulate(prose::spec(), o);
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_TRUE(r->all_committed(prose::spec()));
    EXPECT_EQ(r->roles.at("MTCd").instances, 5u);
}

TEST(ProseSimulation, BadDeploymentsAreErrorsNotCrashes) {
    auto o = opts("as-specified", "basic", 1);
    o.deployment.instances = {{"GW", 1}};
    EXPECT_FALSE(simulate(prose::spec(), o).ok());
    o.deployment.instances = {{"MTCd", 0}};
    EXPECT_FALSE(simulate(prose::spec(), o).ok());
    o.deployment.instances = {{"Eve", 1}};
    EXPECT_FALSE(simulate(prose::spec(), o).ok());
    EXPECT_FALSE(simulate(prose::spec(), opts("relaxed", "basic", 1)).ok());
}

std::string events_of(std::uint64_t seed, const std::string& mode) {
    std::ostringstream out;
    JsonlSink sink(out);
    auto o = opts("as-specified", mode, 20, seed);
    o.events = &sink;
    EXPECT_TRUE(simulate(prose::spec(), o).ok());
    return out.str();
}

TEST(ProseSimulation, SameSeedGivesByteIdenticalEvents) {
    for (const char* mode : {"basic", "extended"}) {
        const std::string a = events_of(7, mode);
        EXPECT_FALSE(a.empty());
        EXPECT_EQ(a, events_of(7, mode));
        EXPECT_NE(a, events_of(8, mode));
    }
}

TEST(ProseSimulation, UnseededRunsDiffer) {
    std::ostringstream a, b;
    JsonlSink sa(a), sb(b);
    auto o = opts("as-specified", "basic", 3);
    o.events = &sa;
    ASSERT_TRUE(simulate(prose::spec(), o).ok());
    o.events = &sb;
    ASSERT_TRUE(simulate(prose::spec(), o).ok());
    EXPECT_NE(a.str(), b.str());
}

}  // namespace
}  // namespace mtc::test
