// The crash-log parser on real logs (tests/data/sanitizer_reports, README there) and on the
// truncated and foreign ones triage must file as unparsed.
#include "harness/triage/sanitizer_report.hpp"

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace mtc::triage {
namespace {

std::string report(const std::string& name) {
    std::ifstream in(std::string(MTC_TEST_DATA_DIR) + "/sanitizer_reports/" + name);
    std::stringstream s;
    s << in.rdbuf();
    EXPECT_FALSE(s.str().empty()) << name;
    return s.str();
}

SanitizerReport parsed(const std::string& name) {
    auto r = parse_sanitizer_report(report(name));
    EXPECT_TRUE(r.ok()) << name << ": " << (r ? "" : r.error().describe());
    return r ? *r : SanitizerReport{};
}

TEST(SanitizerReport, HeapOverflowReadAndWrite) {
    const auto read = parsed("heap_overflow_read.txt");
    EXPECT_EQ(read.tool, "AddressSanitizer");
    EXPECT_EQ(read.crash_type, "heap-buffer-overflow");
    EXPECT_EQ(read.access, "READ");
    EXPECT_EQ(read.access_size, 1u);
    ASSERT_GE(read.frames.size(), 3u);
    // The crash stack only, not the allocation stack that follows it.
    EXPECT_EQ(read.frames[0].function, "read_past(unsigned char const*, unsigned long)");
    EXPECT_EQ(read.frames[0].file, "/src/planted/planted.cpp");
    EXPECT_EQ(read.frames[0].line, 7u);
    EXPECT_EQ(read.frames[1].function, "LLVMFuzzerTestOneInput");
    EXPECT_EQ(read.frames[2].function,
              "fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned long)");
    EXPECT_EQ(read.frames[2].file, "");
    EXPECT_NE(read.frames[2].module.find("planted"), std::string::npos);
    for (const Frame& f : read.frames) EXPECT_NE(f.function, "operator new[](unsigned long)");
    EXPECT_NE(read.summary.find("heap-buffer-overflow"), std::string::npos);

    const auto write = parsed("heap_overflow_write.txt");
    EXPECT_EQ(write.crash_type, "heap-buffer-overflow");
    EXPECT_EQ(write.access, "WRITE");
    EXPECT_EQ(write.frames.at(0).function, "write_past(unsigned char const*, unsigned long)");
}

TEST(SanitizerReport, UseAfterFreeNullDereferenceLeak) {
    const auto uaf = parsed("use_after_free.txt");
    EXPECT_EQ(uaf.crash_type, "heap-use-after-free");
    EXPECT_EQ(uaf.access, "READ");
    EXPECT_EQ(uaf.access_size, 4u);
    EXPECT_EQ(uaf.frames.at(0).function, "use_after_free(unsigned char const*)");

    // ASan's SEGV at the zero page is a null dereference, with the access kind of the signal.
    const auto null = parsed("null_deref_segv.txt");
    EXPECT_EQ(null.crash_type, "null-dereference");
    EXPECT_EQ(null.access, "READ");
    EXPECT_EQ(null.frames.at(0).function, "null_deref(unsigned char const*)");

    const auto leak = parsed("leak.txt");
    EXPECT_EQ(leak.tool, "LeakSanitizer");
    EXPECT_EQ(leak.crash_type, "leak");
    EXPECT_EQ(leak.frames.at(0).function, "malloc");
    EXPECT_EQ(leak.frames.at(1).function, "leak(unsigned char const*)");
}

TEST(SanitizerReport, UbsanTimeoutAndTheOracle) {
    const auto ub = parsed("ubsan_shift.txt");
    EXPECT_EQ(ub.tool, "UndefinedBehaviorSanitizer");
    EXPECT_EQ(ub.crash_type, "invalid-shift");
    EXPECT_NE(ub.detail.find("shift exponent 41"), std::string::npos);
    EXPECT_EQ(ub.frames.at(0).function, "ub_shift(unsigned char const*)");

    const auto timeout = parsed("timeout.txt");
    EXPECT_EQ(timeout.tool, "libFuzzer");
    EXPECT_EQ(timeout.crash_type, "timeout");
    ASSERT_GE(timeout.frames.size(), 5u);
    EXPECT_EQ(timeout.frames[4].function, "hang()");

    // The marker turns libFuzzer's "deadly signal" into a security issue at the marker's level.
    const auto oracle = parsed("oracle_libfuzzer.txt");
    EXPECT_EQ(oracle.crash_type, "security-issue");
    EXPECT_EQ(oracle.security_level, "High");
    EXPECT_EQ(oracle.security_what, "agreement:MTCd->UE violated");
    EXPECT_FALSE(oracle.frames.empty());
}

TEST(SanitizerReport, WithoutAStackTheUbsanLocationIsTheFrame) {
    auto r = parse_sanitizer_report(
        "codec.cpp:13:116: runtime error: signed integer overflow: 2147483647 + 1\n"
        "SUMMARY: UndefinedBehaviorSanitizer: undefined-behavior codec.cpp:13:116 in\n");
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_EQ(r->crash_type, "integer-overflow");
    ASSERT_EQ(r->frames.size(), 1u);
    EXPECT_EQ(r->frames[0].file, "codec.cpp");
    EXPECT_EQ(r->frames[0].line, 13u);
    EXPECT_EQ(r->frames[0].column, 116u);
}

TEST(SanitizerReport, ThePlainDriversOracleAbortIsASecurityIssueWithoutAStack) {
    auto r = parse_sanitizer_report("FuzzerSecurityIssueMedium: prose decoder: two encodings\n");
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_EQ(r->crash_type, "security-issue");
    EXPECT_EQ(r->security_level, "Medium");
    EXPECT_EQ(r->security_what, "prose decoder: two encodings");
}

TEST(SanitizerReport, TruncatedAndForeignLogsAreRefusedWithAReason) {
    // Cut right after the header: no stack to bucket on.
    const std::string full = report("heap_overflow_read.txt");
    const std::string cut = full.substr(0, full.find("READ of size"));
    auto truncated = parse_sanitizer_report(cut);
    ASSERT_FALSE(truncated.ok());
    EXPECT_NE(truncated.error().reason.find("no stack trace"), std::string::npos)
        << truncated.error().reason;
    for (const std::string& log : {std::string(), std::string("make: *** [all] Error 2\n"),
                                   std::string("\0\xff\n#\n#1\n#1 0x\n", 12)}) {
        auto r = parse_sanitizer_report(log);
        ASSERT_FALSE(r.ok());
        EXPECT_FALSE(r.error().reason.empty());
    }
}

TEST(SanitizerReport, FrameLines) {
    auto f = parse_frame(
        "    #3 0x7f13be17a04f  (/lib/x86_64-linux-gnu/libc.so.6+0x3c04f) "
        "(BuildId: 93ac61ec5a8eb1396f9fbd350e3169a558528a40)");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->index, 3u);
    EXPECT_EQ(f->function, "");
    EXPECT_EQ(f->module, "/lib/x86_64-linux-gnu/libc.so.6");
    f = parse_frame(
        "#12 0x1 in mtc::prose::MTCd::on_message(mtc::Inbound const&) "
        "/src/protocols/prose/mtcd.cpp:88");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->function, "mtc::prose::MTCd::on_message(mtc::Inbound const&)");
    EXPECT_EQ(f->file, "/src/protocols/prose/mtcd.cpp");
    EXPECT_EQ(f->line, 88u);
    EXPECT_EQ(f->column, 0u);
    EXPECT_FALSE(parse_frame("#x 0x1 in f"));
    EXPECT_FALSE(parse_frame("READ of size 4"));
}

TEST(SanitizerReport, AHugeStackIsCutAtKMaxFrames) {
    std::string log = "==1==ERROR: AddressSanitizer: stack-overflow on address 0x7ffe\n";
    for (int i = 0; i < 1000; ++i)
        log += "    #" + std::to_string(i) + " 0x55 in recurse() /src/r.cpp:3:5\n";
    auto r = parse_sanitizer_report(log);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->crash_type, "stack-overflow");
    EXPECT_EQ(r->frames.size(), kMaxFrames);
}

}  // namespace
}  // namespace mtc::triage
