// SessionTable bounds every role's per-run state: a flood of opening messages evicts the oldest
// runs instead of growing memory.
#include "protocols/core/session_table.hpp"

#include <gtest/gtest.h>

namespace mtc::test {
namespace {

TEST(SessionTable, EvictsTheOldestRunWhenFull) {
    SessionTable<int> t(3);
    t.put(1, 10);
    t.put(2, 20);
    t.put(3, 30);
    t.put(4, 40);
    EXPECT_EQ(t.size(), 3u);
    EXPECT_EQ(t.find(1), nullptr) << "the oldest run goes first";
    ASSERT_NE(t.find(4), nullptr);
    EXPECT_EQ(*t.find(4), 40);
}

TEST(SessionTable, ReplacingARunDoesNotEvictAnother) {
    SessionTable<int> t(2);
    t.put(1, 10);
    t.put(2, 20);
    t.put(2, 21);
    EXPECT_EQ(t.size(), 2u);
    EXPECT_EQ(*t.find(1), 10);
    EXPECT_EQ(*t.find(2), 21);
}

TEST(SessionTable, TakeEndsARunExactlyOnce) {
    SessionTable<int> t(4);
    t.put(7, 70);
    EXPECT_EQ(t.take(7), 70);
    EXPECT_EQ(t.take(7), std::nullopt);
    EXPECT_EQ(t.find(7), nullptr);
}

TEST(SessionTable, TakenRunsDoNotCountAgainstCapacityAfterManyCycles) {
    // Many runs that complete normally, then a full table: the live runs must all still be
    // there (ids left behind by take() must neither evict live runs nor pile up).
    SessionTable<int> t(8);
    for (std::uint64_t s = 0; s < 100000; ++s) {
        t.put(s, 1);
        ASSERT_TRUE(t.take(s).has_value());
    }
    for (std::uint64_t s = 1000000; s < 1000008; ++s) t.put(s, 2);
    EXPECT_EQ(t.size(), 8u);
    for (std::uint64_t s = 1000000; s < 1000008; ++s) EXPECT_NE(t.find(s), nullptr) << s;
    t.put(2000000, 3);  // now the oldest live run is evicted
    EXPECT_EQ(t.find(1000000), nullptr);
    EXPECT_NE(t.find(1000001), nullptr);
}

TEST(SessionTable, ARunReopenedAfterTakeIsYoungestAgain) {
    SessionTable<int> t(2);
    t.put(1, 1);
    t.take(1);
    t.put(2, 2);
    t.put(1, 1);  // reopened: younger than 2
    t.put(3, 3);  // evicts 2, not 1
    EXPECT_EQ(t.find(2), nullptr);
    EXPECT_NE(t.find(1), nullptr);
    EXPECT_NE(t.find(3), nullptr);
}

}  // namespace
}  // namespace mtc::test
