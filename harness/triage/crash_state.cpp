#include "harness/triage/crash_state.hpp"

#include <array>
#include <string_view>

namespace mtc::triage {
namespace {

bool starts_with(std::string_view s, std::string_view p) {
    return s.substr(0, p.size()) == p;
}

// Functions that are never the bug's own frame: reserved names ("__asan_memcpy",
// "__libc_start_main", "__cxa_throw"), the engine, the standard library, the fuzz harness ...
constexpr std::array<std::string_view, 5> kSkippedPrefixes = {
    "__", "fuzzer::", "std::", "mtc::fuzz::", "LLVMFuzzer",
};
// ... and the allocator, libc and the program's entry, by exact name.
constexpr std::array<std::string_view, 18> kSkippedNames = {
    "malloc",          "calloc",
    "realloc",         "free",
    "abort",           "raise",
    "pthread_kill",    "main",
    "_start",          "memcpy",
    "memmove",         "memset",
    "memcmp",          "strlen",
    "operator new",    "operator new[]",
    "operator delete", "operator delete[]",
};

// Libraries that are runtime, not project (frames known only by their module).
constexpr std::array<std::string_view, 5> kRuntimeModules = {
    "libc.so", "libstdc++.so", "libm.so", "ld-linux", "libgcc_s.so",
};

}  // namespace

bool is_project_frame(const Frame& f) {
    if (f.function.empty()) return false;  // unsymbolised: nothing to bucket on
    for (std::string_view p : kSkippedPrefixes) {
        if (starts_with(f.function, p)) return false;
    }
    const std::string name = function_name(f.function);
    for (std::string_view n : kSkippedNames) {
        if (name == n) return false;
    }
    if (f.file.find("/targets/") != std::string::npos) return false;  // the fuzz harness
    if (f.file.find("compiler-rt/") != std::string::npos) return false;
    for (std::string_view m : kRuntimeModules) {
        if (f.file.empty() && f.module.find(m) != std::string::npos) return false;
    }
    return true;
}

std::string function_name(const std::string& symbol) {
    std::string s = symbol;
    // Drop trailing qualifiers, then the argument list: the last balanced "(...)" at the end.
    for (std::string_view q : {" const", " volatile", " &&", " &"}) {
        if (s.size() > q.size() && s.compare(s.size() - q.size(), q.size(), q) == 0)
            s.resize(s.size() - q.size());
    }
    if (!s.empty() && s.back() == ')') {
        int depth = 0;
        for (std::size_t i = s.size(); i-- > 0;) {
            if (s[i] == ')') ++depth;
            if (s[i] == '(' && --depth == 0) {
                // "(anonymous namespace)" is part of a name, not an argument list.
                if (s.compare(i, 21, "(anonymous namespace)") != 0) s.resize(i);
                break;
            }
        }
    }
    return s;
}

std::vector<std::string> crash_state(const SanitizerReport& r) {
    if (r.crash_type == "security-issue") return {"security: " + r.security_what};
    std::vector<std::string> state;
    for (const Frame& f : r.frames) {
        if (!is_project_frame(f)) continue;
        state.push_back(function_name(f.function));
        if (state.size() == 3) break;
    }
    return state;
}

std::string severity(const SanitizerReport& r) {
    static constexpr std::array<std::string_view, 4> kLevels = {"Low", "Medium", "High",
                                                                "Critical"};
    if (r.crash_type == "security-issue") {
        for (std::string_view l : kLevels) {
            if (r.security_level == l) return std::string(l);
        }
        return "Medium";  // a marker with a level this parser does not know
    }
    const std::string& t = r.crash_type;
    std::size_t level = 0;
    // Heap, stack, global, container and dynamic-stack buffer overflows (not the arithmetic
    // ones, nor running out of stack).
    const bool buffer_overflow = t.find("overflow") != std::string::npos && t != "stack-overflow" &&
                                 t != "integer-overflow" && t != "unsigned-integer-overflow" &&
                                 t != "float-cast-overflow" && t != "pointer-overflow";
    // A wild access: no reason to think it only touched the null page.
    const bool wild = t == "SEGV" || t == "bad-free" || t == "index-out-of-bounds";
    if (t.find("use-after") != std::string::npos || t == "double-free") {
        level = 2;
    } else if (buffer_overflow || wild) {
        level = 1;
    }
    // Writing out of bounds lets an attacker choose memory: one level up.
    if (r.access == "WRITE" && level > 0 && level + 1 < kLevels.size()) ++level;
    return std::string(kLevels[level]);
}

std::string crash_title(const SanitizerReport& r) {
    if (r.crash_type == "security-issue") return "Security issue (" + severity(r) + ")";
    std::string t = r.crash_type;
    if (!t.empty() && t[0] >= 'a' && t[0] <= 'z') t[0] = static_cast<char>(t[0] - 'a' + 'A');
    if (!r.access.empty()) t += " " + r.access;
    if (r.access_size) t += " " + std::to_string(*r.access_size);
    return t;
}

}  // namespace mtc::triage
