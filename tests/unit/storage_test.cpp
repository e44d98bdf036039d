// Role storage: the in-memory store every in-process role gets and the directory store of
// live role processes (atomic files that survive a new process on the same directory).
#include "protocols/core/storage.hpp"

#include <filesystem>
#include <fstream>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "harness/runner/dir_storage.hpp"
#include "tests/unit/temp_dir.hpp"

namespace mtc {
namespace {

void exercise(Storage& s) {
    const Bytes v{1, 2, 3};
    ASSERT_TRUE(s.put("msg-0001", view(v)).ok());
    ASSERT_TRUE(s.put("index", view(Bytes{9})).ok());
    auto got = s.get("msg-0001");
    ASSERT_TRUE(got.ok());
    ASSERT_TRUE(got->has_value());
    EXPECT_EQ(**got, v);
    auto missing = s.get("nothing");
    ASSERT_TRUE(missing.ok());
    EXPECT_FALSE(missing->has_value());
    auto keys = s.keys();
    ASSERT_TRUE(keys.ok());
    EXPECT_EQ(*keys, (std::vector<std::string>{"index", "msg-0001"}));
    ASSERT_TRUE(s.put("msg-0001", view(Bytes{7})).ok());  // replaced, not appended
    EXPECT_EQ(**s.get("msg-0001"), Bytes{7});
    ASSERT_TRUE(s.erase("msg-0001").ok());
    EXPECT_FALSE(s.get("msg-0001")->has_value());
    EXPECT_TRUE(s.erase("msg-0001").ok());  // erasing what is gone is fine
    // Keys become file names live: anything that could leave the directory is refused.
    for (const char* bad : {"", "../x", "a/b", ".", "..", "sp ace"}) {
        const auto r = s.put(bad, view(v));
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_NE(r.error().describe().find("storage key"), std::string::npos);
        EXPECT_FALSE(s.get(bad).ok()) << bad;
    }
    EXPECT_FALSE(s.put(std::string(129, 'k'), view(v)).ok());
    const Bytes huge((16u << 20) + 1, 0);
    EXPECT_FALSE(s.put("huge", view(huge)).ok());
}

TEST(Storage, MemoryStoreKeepsValuesAndRefusesBadKeys) {
    MemoryStorage s;
    exercise(s);
}

TEST(Storage, DirectoryStoreKeepsValuesAndRefusesBadKeys) {
    test::TempDir t;
    auto s = runner::DirStorage::open(t.file("state"));
    ASSERT_TRUE(s.ok()) << s.error().describe();
    exercise(**s);
}

TEST(Storage, DirectoryStoreSurvivesANewProcessAndIgnoresTornTemporaries) {
    test::TempDir t;
    const std::string dir = t.file("state");
    {
        auto s = runner::DirStorage::open(dir);
        ASSERT_TRUE(s.ok());
        ASSERT_TRUE((*s)->put("msg-1", view(Bytes{1, 1})).ok());
    }
    // What a crash between write and rename leaves behind.
    std::ofstream(dir + "/msg-2.v.tmp.12345") << "torn";
    auto again = runner::DirStorage::open(dir);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(**(*again)->get("msg-1"), (Bytes{1, 1}));
    EXPECT_EQ(*(*again)->keys(), std::vector<std::string>{"msg-1"});
    // Private: the directory 0700 and every value 0600.
    struct stat st {};
    ASSERT_EQ(::stat(dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    ASSERT_EQ(::stat((dir + "/msg-1.v").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(Storage, DirectoryStoreRefusesAFileAsItsDirectory) {
    test::TempDir t;
    std::ofstream(t.file("plain")) << "x";
    const auto s = runner::DirStorage::open(t.file("plain"));
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().describe().find("plain"), std::string::npos);
}

}  // namespace
}  // namespace mtc
