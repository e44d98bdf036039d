// Params: an event's name -> value pairs in one sorted vector, standing in for the std::map
// events used to carry (same iteration order, lookups, equality).
#include "protocols/core/params.hpp"

#include <map>
#include <stdexcept>

#include <gtest/gtest.h>

namespace mtc {
namespace {

std::map<std::string, std::string> as_map(const Params& p) {
    std::map<std::string, std::string> m;
    for (const auto& [k, v] : p) m.emplace(k, v);
    return m;
}

TEST(Params, IteratesByNameWhateverTheOrderOfInsertion) {
    Params p;
    p.set("UEID", "ue-0");
    p.set("MTCdNonce", "00ff");
    p["MTCsID"] = "mtcs-0";
    p.set("ID_X", "x");
    std::vector<std::string> names;
    for (const auto& [k, v] : p) names.push_back(k);
    EXPECT_EQ(names, (std::vector<std::string>{"ID_X", "MTCdNonce", "MTCsID", "UEID"}));
    EXPECT_EQ(p.size(), 4U);
}

TEST(Params, SetAndIndexReplaceAnExistingValue) {
    Params p{{"a", "1"}, {"b", "2"}};
    p.set("a", "3");
    p["b"] = "4";
    EXPECT_EQ(as_map(p), (std::map<std::string, std::string>{{"a", "3"}, {"b", "4"}}));
    EXPECT_EQ(p["c"], "");  // indexing a missing name inserts it empty, as std::map does
    EXPECT_EQ(p.size(), 3U);
}

TEST(Params, ANameGivenTwiceInAListKeepsItsFirstValueAsStdMapDoes) {
    const Params p{{"k", "first"}, {"k", "second"}};
    const std::map<std::string, std::string> m{{"k", "first"}, {"k", "second"}};
    EXPECT_EQ(as_map(p), m);
}

TEST(Params, FindAtCountEraseAndEquality) {
    Params p{{"MTCdNonce", "aa"}, {"UEID", "ue-0"}};
    ASSERT_NE(p.find("UEID"), p.end());
    EXPECT_EQ(p.find("UEID")->second, "ue-0");
    EXPECT_EQ(p.find("UE"), p.end());     // a prefix is not a name
    EXPECT_EQ(p.find("UEIDx"), p.end());  // nor is a longer name
    EXPECT_EQ(p.at("MTCdNonce"), "aa");
    EXPECT_THROW((void)p.at("missing"), std::out_of_range);
    EXPECT_EQ(p.count("UEID"), 1U);
    EXPECT_TRUE(p.contains("MTCdNonce"));
    EXPECT_EQ(p.erase("missing"), 0U);
    EXPECT_EQ(p.erase("UEID"), 1U);
    EXPECT_EQ(p.count("UEID"), 0U);
    EXPECT_EQ(p, (Params{{"MTCdNonce", "aa"}}));
    EXPECT_NE(p, (Params{{"MTCdNonce", "ab"}}));
    EXPECT_NE(p, (Params{}));
    EXPECT_TRUE(Params{}.empty());
    // Equal whatever order the same pairs were given in.
    EXPECT_EQ((Params{{"a", "1"}, {"b", "2"}}), (Params{{"b", "2"}, {"a", "1"}}));
}

}  // namespace
}  // namespace mtc
