#include "harness/triage/sanitizer_report.hpp"

#include <array>
#include <charconv>
#include <utility>

namespace mtc::triage {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

bool starts_with(std::string_view s, std::string_view p) {
    return s.substr(0, p.size()) == p;
}

std::optional<unsigned> number(std::string_view s) {
    unsigned v = 0;
    if (s.empty() || s.size() > 9) return std::nullopt;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

// "path:line:col" or "path:line" into the frame; false when `loc` is neither.
bool source_location(std::string_view loc, Frame& f) {
    const auto last = loc.rfind(':');
    if (last == std::string_view::npos) return false;
    auto tail = number(loc.substr(last + 1));
    if (!tail) return false;
    std::string_view rest = loc.substr(0, last);
    const auto prev = rest.rfind(':');
    if (prev != std::string_view::npos) {
        if (auto line = number(rest.substr(prev + 1))) {
            f.line = *line;
            f.column = *tail;
            f.file = std::string(rest.substr(0, prev));
            return !f.file.empty();
        }
    }
    f.line = *tail;
    f.file = std::string(rest);
    return !f.file.empty();
}

// UBSan's "runtime error: <message>" to a crash type, ClusterFuzz's names where it has one.
std::string ubsan_type(std::string_view message) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kinds = {{
        {"null pointer", "null-dereference"},
        {"signed integer overflow", "integer-overflow"},
        {"unsigned integer overflow", "unsigned-integer-overflow"},
        {"negation of", "integer-overflow"},
        {"shift exponent", "invalid-shift"},
        {"left shift of", "invalid-shift"},
        {"out of bounds for type", "index-out-of-bounds"},
        {"misaligned address", "misaligned-address"},
        {"division by zero", "divide-by-zero"},
        {"is not a valid value for type", "invalid-bool-value"},
        {"pointer overflow", "pointer-overflow"},
        {"outside the range of representable values", "float-cast-overflow"},
    }};
    for (const auto& [needle, type] : kinds) {
        if (message.find(needle) != std::string_view::npos) return std::string(type);
    }
    return "undefined-behavior";
}

// The header of an "ERROR: <Tool>: <rest>" line.
void read_error_header(std::string_view tool, std::string_view rest, SanitizerReport& r) {
    r.tool = std::string(tool);
    r.detail = std::string(rest);
    if (tool == "LeakSanitizer") {
        r.crash_type = "leak";
    } else if (tool == "libFuzzer") {
        if (starts_with(rest, "timeout")) {
            r.crash_type = "timeout";
        } else if (starts_with(rest, "out-of-memory")) {
            r.crash_type = "out-of-memory";
        } else if (starts_with(rest, "deadly signal")) {
            r.crash_type = "deadly-signal";
        } else if (starts_with(rest, "fuzz target exited")) {
            r.crash_type = "fuzz-target-exited";
        } else {
            r.crash_type = std::string(rest.substr(0, rest.find_first_of(" :(")));
        }
    } else if (starts_with(rest, "attempting double-free")) {
        r.crash_type = "double-free";
    } else if (starts_with(rest, "attempting free on address which was not malloc")) {
        r.crash_type = "bad-free";
    } else if (starts_with(rest, "requested allocation size")) {
        r.crash_type = "allocation-size-too-big";
    } else if (rest.find("out of memory") != std::string_view::npos) {
        r.crash_type = "out-of-memory";
    } else {
        r.crash_type = std::string(rest.substr(0, rest.find_first_of(" :")));
    }
    if (r.crash_type.empty()) r.crash_type = "unknown-crash";
}

}  // namespace

std::optional<Frame> parse_frame(std::string_view line) {
    std::string_view s = trim(line);
    if (s.size() < 2 || s[0] != '#') return std::nullopt;
    s.remove_prefix(1);
    const auto sp = s.find(' ');
    if (sp == std::string_view::npos) return std::nullopt;
    auto index = number(s.substr(0, sp));
    if (!index) return std::nullopt;
    s.remove_prefix(sp + 1);
    if (!starts_with(s, "0x")) return std::nullopt;
    const auto pc_end = s.find(' ');
    if (pc_end == std::string_view::npos) return std::nullopt;
    s = trim(s.substr(pc_end));
    Frame f;
    f.index = *index;
    if (const auto b = s.rfind(" (BuildId: "); b != std::string_view::npos)
        s = trim(s.substr(0, b));
    if (starts_with(s, "in ")) s.remove_prefix(3);
    if (!s.empty() && s.back() == ')') {
        // "function (module+0xoffset)", or "(module+0xoffset)" alone.
        const auto open = s.rfind('(');
        const std::string_view module = s.substr(open + 1, s.size() - open - 2);
        const std::string_view before = trim(s.substr(0, open));
        // A symbol's own parentheses ("f(int)") are not a module: those end the line only when
        // no location follows, and then there is no "+0x" inside.
        if (module.find("+0x") != std::string_view::npos || before.empty()) {
            f.module = std::string(module.substr(0, module.find("+0x")));
            f.function = std::string(before);
            return f;
        }
        f.function = std::string(s);
        return f;
    }
    const auto last_space = s.rfind(' ');
    if (last_space != std::string_view::npos && source_location(s.substr(last_space + 1), f)) {
        f.function = std::string(trim(s.substr(0, last_space)));
        return f;
    }
    f.function = std::string(s);
    return f;
}

Result<SanitizerReport> parse_sanitizer_report(std::string_view log) {
    SanitizerReport r;
    bool header = false;      // a report's header line was seen: its stack comes next
    bool in_stack = false;    // reading the first stack
    bool stack_done = false;  // the first stack ended
    bool null_page = false;   // "Hint: address points to the zero page."
    std::optional<Frame> ub_location;
    std::size_t pos = 0;
    while (pos <= log.size()) {
        auto nl = log.find('\n', pos);
        if (nl == std::string_view::npos) nl = log.size();
        const std::string_view line = trim(log.substr(pos, nl - pos));
        pos = nl + 1;

        if (r.security_level.empty() && starts_with(line, "FuzzerSecurityIssue")) {
            const auto colon = line.find(':');
            if (colon != std::string_view::npos) {
                r.security_level = std::string(line.substr(19, colon - 19));
                r.security_what = std::string(trim(line.substr(colon + 1)));
            }
            continue;
        }
        if (starts_with(line, "SUMMARY: ") && r.summary.empty()) {
            r.summary = std::string(line.substr(9));
            continue;
        }
        if (!header) {
            // "==123==ERROR: AddressSanitizer: heap-buffer-overflow on address ..."
            // "==123== ERROR: libFuzzer: timeout after 3 seconds"
            if (const auto e = line.find("ERROR: "); e != std::string_view::npos) {
                const std::string_view after = line.substr(e + 7);
                const auto colon = after.find(": ");
                if (colon != std::string_view::npos && colon > 0 &&
                    after.substr(0, colon).find(' ') == std::string_view::npos) {
                    read_error_header(after.substr(0, colon), after.substr(colon + 2), r);
                    header = true;
                    continue;
                }
            }
            // "file.cpp:13:116: runtime error: shift exponent 41 is too large ..."
            if (const auto u = line.find(": runtime error: "); u != std::string_view::npos) {
                r.tool = "UndefinedBehaviorSanitizer";
                r.detail = std::string(line.substr(u + 17));
                r.crash_type = ubsan_type(r.detail);
                Frame f;
                if (source_location(line.substr(0, u), f)) ub_location = std::move(f);
                header = true;
                continue;
            }
            continue;
        }
        // Inside a report.
        if (!stack_done) {
            if (auto f = parse_frame(line)) {
                if (in_stack && f->index == 0) {  // the next stack ("allocated by ...")
                    stack_done = true;
                } else {
                    in_stack = true;
                    if (r.frames.size() < kMaxFrames) r.frames.push_back(std::move(*f));
                    continue;
                }
            } else if (in_stack) {
                stack_done = true;
            }
        }
        for (const std::string_view kind : {"READ", "WRITE"}) {
            // "READ of size 4 at 0x..." / "The signal is caused by a WRITE memory access."
            if (r.access.empty() && (starts_with(line, kind) ||
                                     line.find(std::string("caused by a ") + std::string(kind)) !=
                                         std::string_view::npos)) {
                r.access = std::string(kind);
                if (starts_with(line.substr(kind.size()), " of size ")) {
                    const std::string_view n = line.substr(kind.size() + 9);
                    if (auto v = number(n.substr(0, n.find(' ')))) r.access_size = *v;
                }
            }
        }
        if (line.find("address points to the zero page") != std::string_view::npos)
            null_page = true;
    }

    if (!header) {
        if (!r.security_level.empty()) {
            // The plain driver: the oracle printed its marker and aborted; no engine report.
            r.tool = "oracle";
            r.crash_type = "security-issue";
            return r;
        }
        return Error{"no sanitizer, libFuzzer or security-oracle report in the log"};
    }
    if (!r.security_level.empty() && (r.crash_type == "deadly-signal" || r.crash_type == "ABRT"))
        r.crash_type = "security-issue";
    if (r.crash_type == "SEGV" && null_page) r.crash_type = "null-dereference";
    if (r.frames.empty() && ub_location) r.frames.push_back(std::move(*ub_location));
    if (r.frames.empty() && r.crash_type != "security-issue" && r.crash_type != "timeout" &&
        r.crash_type != "out-of-memory") {
        return Error{r.tool + " reported " + r.crash_type +
                     " but the log has no stack trace after it (truncated?)"};
    }
    return r;
}

}  // namespace mtc::triage
