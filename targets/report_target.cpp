// sanitizer_report_fuzzer: crash logs (harness/triage/sanitizer_report.hpp), whatever triage is
// pointed at, read or refused with a reason.
#include <string_view>

#include "harness/triage/sanitizer_report.hpp"
#include "targets/fuzz_target.hpp"

namespace mtc::fuzz {
namespace {

int run_report(const std::uint8_t* data, std::size_t size) {
    const std::string_view log(reinterpret_cast<const char*>(data), size);
    auto r = triage::parse_sanitizer_report(log);
    if (!r) {
        if (r.error().reason.empty())
            security_issue("Low", "sanitizer report parser: refused a log without a reason");
        return 0;
    }
    // What triage buckets on must be there: a crash type, and a stack within its bound.
    if (r->crash_type.empty() || r->tool.empty())
        security_issue("Low", "sanitizer report parser: a report without a crash type or tool");
    if (r->frames.size() > triage::kMaxFrames)
        security_issue("Low", "sanitizer report parser: more frames than kMaxFrames");
    return 0;
}

}  // namespace

FuzzTarget make_report_target() {
    return {.name = "sanitizer_report_fuzzer",
            .kind = TargetKind::report,
            .description =
                "crash logs (ASan, LSan, UBSan, libFuzzer, oracle markers) through triage's report "
                "parser",
            .run = run_report};
}

}  // namespace mtc::fuzz
