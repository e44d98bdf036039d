// Crash state and severity on the real logs of tests/data/sanitizer_reports and on stacks that
// go through the fuzz harness and the runtime.
#include "harness/triage/crash_state.hpp"

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace mtc::triage {
namespace {

SanitizerReport load(const std::string& name) {
    std::ifstream in(std::string(MTC_TEST_DATA_DIR) + "/sanitizer_reports/" + name);
    std::stringstream s;
    s << in.rdbuf();
    auto r = parse_sanitizer_report(s.str());
    EXPECT_TRUE(r.ok()) << name;
    return r ? *r : SanitizerReport{};
}

using State = std::vector<std::string>;

TEST(CrashState, TopProjectFramesWithoutArgumentsOrRuntime) {
    // read_past <- LLVMFuzzerTestOneInput <- libFuzzer <- libc: only read_past is project code.
    EXPECT_EQ(crash_state(load("heap_overflow_read.txt")), State{"read_past"});
    // The leak's first frame is malloc: skipped.
    EXPECT_EQ(crash_state(load("leak.txt")), State{"leak"});
    EXPECT_EQ(crash_state(load("timeout.txt")), State{"hang"});
    EXPECT_EQ(crash_state(load("oracle_libfuzzer.txt")),
              State{"security: agreement:MTCd->UE violated"});

    SanitizerReport r;
    r.crash_type = "heap-buffer-overflow";
    const std::string decode =
        "mtc::decode(mtc::Schema const&, std::span<unsigned char const, 18446744073709551615ul>)";
    const std::vector<std::string> stack = {
        "__asan_memcpy",
        decode,
        "std::vector<int>::push_back(int&&)",
        "mtc::(anonymous namespace)::read_tlv(mtc::Reader&) const",
        "mtc::fuzz::(anonymous namespace)::run_decoder(mtc::Schema const&)",
        "mtc::prose::MTCd::on_message(mtc::Inbound const&)",
        "mtc::prose::MTCd::start()",
    };
    for (const std::string& f : stack) {
        Frame fr;
        fr.function = f;
        fr.file = "/src/mtcfuzz/protocols/core/codec.cpp";
        r.frames.push_back(fr);
    }
    EXPECT_EQ(crash_state(r), (State{"mtc::decode", "mtc::(anonymous namespace)::read_tlv",
                                     "mtc::prose::MTCd::on_message"}));
    // A project-looking frame in the harness's sources is harness.
    r.frames[1].file = "/src/mtcfuzz/targets/decoder_target.cpp";
    EXPECT_EQ(crash_state(r).front(), "mtc::(anonymous namespace)::read_tlv");
}

TEST(CrashState, FunctionNames) {
    EXPECT_EQ(function_name("operator new[](unsigned long)"), "operator new[]");
    EXPECT_EQ(function_name("a::B<int (*)(char)>::f(int) const"), "a::B<int (*)(char)>::f");
    EXPECT_EQ(function_name("Foo::operator()(int)"), "Foo::operator()");
    EXPECT_EQ(function_name("hang()"), "hang");
    EXPECT_EQ(function_name("mtc::(anonymous namespace)"), "mtc::(anonymous namespace)");
    EXPECT_EQ(function_name("plain_c_symbol"), "plain_c_symbol");
}

TEST(CrashState, SeverityFollowsClusterFuzzLevels) {
    EXPECT_EQ(severity(load("use_after_free.txt")), "High");
    EXPECT_EQ(severity(load("heap_overflow_read.txt")), "Medium");
    EXPECT_EQ(severity(load("heap_overflow_write.txt")), "High");  // a WRITE: one level up
    EXPECT_EQ(severity(load("null_deref_segv.txt")), "Low");
    EXPECT_EQ(severity(load("leak.txt")), "Low");
    EXPECT_EQ(severity(load("timeout.txt")), "Low");
    EXPECT_EQ(severity(load("ubsan_shift.txt")), "Low");
    EXPECT_EQ(severity(load("oracle_libfuzzer.txt")), "High");  // the marker's own level
    SanitizerReport uaf_write;
    uaf_write.crash_type = "heap-use-after-free";
    uaf_write.access = "WRITE";
    EXPECT_EQ(severity(uaf_write), "Critical");
    SanitizerReport null_write;
    null_write.crash_type = "null-dereference";
    null_write.access = "WRITE";
    EXPECT_EQ(severity(null_write), "Low");  // a null page stays low, written or read
    SanitizerReport marker;
    marker.crash_type = "security-issue";
    marker.security_level = "Catastrophic";
    EXPECT_EQ(severity(marker), "Medium");
}

TEST(CrashState, Titles) {
    EXPECT_EQ(crash_title(load("heap_overflow_write.txt")), "Heap-buffer-overflow WRITE 1");
    EXPECT_EQ(crash_title(load("null_deref_segv.txt")), "Null-dereference READ");
    EXPECT_EQ(crash_title(load("oracle_libfuzzer.txt")), "Security issue (High)");
}

}  // namespace
}  // namespace mtc::triage
