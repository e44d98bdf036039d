// Reads what a crashing fuzz target printed: an AddressSanitizer, LeakSanitizer or
// UndefinedBehaviorSanitizer report, a libFuzzer error (timeout, out-of-memory, deadly signal)
// and the security oracle's `FuzzerSecurityIssue<Level>: <claim>` marker. The log is untrusted
// text (a crash file's output, a truncated CI log, anything a user points triage at): parsing is
// one pass over its lines, never throws, and a log it cannot read comes back as an error naming
// why, which triage files under "unparsed" instead of guessing.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/core/result.hpp"

namespace mtc::triage {

// One line of a symbolised (or unsymbolised) stack trace:
//   #1 0x55e6eedefa47 in LLVMFuzzerTestOneInput /src/planted.cpp:23:15
//   #2 0x5571516392a3 in fuzzer::Fuzzer::ExecuteCallback(...) (/out/fuzzer+0x432a3) (BuildId: ..)
//   #3 0x7f13be17a04f  (/lib/x86_64-linux-gnu/libc.so.6+0x3c04f)
struct Frame {
    unsigned index = 0;
    std::string function;  // empty when unsymbolised
    std::string file;      // empty when only a module is known
    unsigned line = 0, column = 0;
    std::string module;  // the binary or library, when no source location is printed
};

struct SanitizerReport {
    // Which tool reported: "AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
    // "libFuzzer".
    std::string tool;
    // The crash type as ClusterFuzz names them: heap-buffer-overflow, heap-use-after-free,
    // double-free, stack-buffer-overflow, SEGV, null-dereference, leak, timeout,
    // out-of-memory, deadly-signal, security-issue, undefined-behavior, ...
    std::string crash_type;
    std::string detail;  // the rest of the header line (UBSan's message, the faulting address)
    std::string access;  // "READ" or "WRITE" when the report says
    std::optional<std::size_t> access_size;
    // From a `FuzzerSecurityIssue<Level>: <what>` line (the role targets' oracle): the level
    // ("High", "Medium", "Low", "Critical") and the violated claim.
    std::string security_level, security_what;
    std::vector<Frame> frames;  // the first stack of the report: where it crashed
    std::string summary;        // the SUMMARY: line, when present
};

// At most this many frames are kept (a stack overflow prints hundreds).
inline constexpr std::size_t kMaxFrames = 64;

// Parses one log. Error (with a reason) when the log holds no report this parser knows, or a
// report with no stack and no source location (truncated).
Result<SanitizerReport> parse_sanitizer_report(std::string_view log);

// One frame line, or nullopt when `line` is not one.
std::optional<Frame> parse_frame(std::string_view line);

}  // namespace mtc::triage
