// The loopback address plan of live deployments (harness/runner/address_plan.hpp): the first
// 120 instances keep the original 127.A.B.(k+1) / .(k+129) plan, later ones move to the next
// /24s, and a plan past 127.A.255 is refused.
#include "harness/runner/address_plan.hpp"

#include <set>

#include <gtest/gtest.h>

namespace mtc::runner {
namespace {

AddressPrefix prefix(const char* text) {
    auto p = AddressPrefix::parse(text);
    EXPECT_TRUE(p.ok()) << text;
    return p.ok() ? *p : AddressPrefix{};
}

TEST(AddressPlan, FirstBlockIsTheOriginalPlan) {
    const AddressPrefix p = prefix("127.42.7");
    for (std::size_t k = 0; k < 120; ++k) {
        const auto h = instance_hosts(p, k);
        EXPECT_EQ(h.real, "127.42.7." + std::to_string(k + 1));
        EXPECT_EQ(h.front, "127.42.7." + std::to_string(k + 129));
    }
}

TEST(AddressPlan, LaterInstancesUseTheNextBlocks) {
    const AddressPrefix p = prefix("127.42.7");
    EXPECT_EQ(instance_hosts(p, 119).real, "127.42.7.120");
    EXPECT_EQ(instance_hosts(p, 119).front, "127.42.7.248");
    EXPECT_EQ(instance_hosts(p, 120).real, "127.42.8.1");
    EXPECT_EQ(instance_hosts(p, 120).front, "127.42.8.129");
    EXPECT_EQ(instance_hosts(p, 1001).real, "127.42.15.42");  // 1001 = 8 * 120 + 41
    EXPECT_EQ(instance_hosts(p, 1001).front, "127.42.15.170");
}

TEST(AddressPlan, EveryAddressIsDistinctAndAValidHost) {
    const AddressPrefix p = prefix("127.16.0");
    std::set<std::string> seen;
    const std::size_t n = 3000;
    ASSERT_TRUE(check_address_plan(p, n).ok());
    for (std::size_t k = 0; k < n; ++k) {
        const auto h = instance_hosts(p, k);
        EXPECT_TRUE(seen.insert(h.real).second) << h.real;
        EXPECT_TRUE(seen.insert(h.front).second) << h.front;
        for (const auto& host : {h.real, h.front}) {
            const auto last = std::stoi(host.substr(host.rfind('.') + 1));
            EXPECT_GE(last, 1);
            EXPECT_LE(last, 254);  // never the network or broadcast address of the /24
        }
    }
    EXPECT_EQ(seen.size(), 2 * n);
}

TEST(AddressPlan, BlocksAndTheLimit) {
    EXPECT_EQ(address_blocks(0), 1u);
    EXPECT_EQ(address_blocks(1), 1u);
    EXPECT_EQ(address_blocks(120), 1u);
    EXPECT_EQ(address_blocks(121), 2u);
    EXPECT_EQ(address_blocks(1002), 9u);
    EXPECT_TRUE(check_address_plan(prefix("127.1.247"), 1002).ok());  // up to 127.1.255
    const auto over = check_address_plan(prefix("127.1.248"), 1002);
    ASSERT_FALSE(over.ok());
    EXPECT_NE(over.error().reason.find("past .255"), std::string::npos) << over.error().reason;
    EXPECT_NE(over.error().reason.find("B <= 247"), std::string::npos) << over.error().reason;
    EXPECT_TRUE(check_address_plan(prefix("127.1.255"), 120).ok());
    EXPECT_FALSE(check_address_plan(prefix("127.1.255"), 121).ok());
    EXPECT_TRUE(check_address_plan(prefix("127.1.0"), 256 * 120).ok());
    EXPECT_FALSE(check_address_plan(prefix("127.1.0"), 256 * 120 + 1).ok());
}

TEST(AddressPlan, PrefixParsing) {
    EXPECT_EQ(prefix("127.0.0").to_string(), "127.0.0");
    EXPECT_EQ(prefix("127.255.255").to_string(), "127.255.255");
    for (const char* bad : {"", "127", "127.1", "127.1.", "127..1", "10.1.2", "127.1.2.3",
                            "127.256.1", "127.1.256", "127.1.x", "127.1.1234", " 127.1.2"}) {
        EXPECT_FALSE(AddressPrefix::parse(bad).ok()) << bad;
    }
}

}  // namespace
}  // namespace mtc::runner
