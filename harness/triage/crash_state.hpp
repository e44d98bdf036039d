// What makes two crashes "the same bug" and how bad it is, the way ClusterFuzz decides: the
// crash state is the top three frames inside the project (sanitizer, libFuzzer, C/C++ runtime
// and fuzz-harness frames skipped, argument lists dropped); a security-oracle finding's state is
// the claim it names. The severity follows ClusterFuzz's levels (README of issue 9 / docs).
#pragma once

#include <string>
#include <vector>

#include "harness/triage/sanitizer_report.hpp"

namespace mtc::triage {

// True for a frame of the code under test: not a sanitizer or libFuzzer frame, not libc,
// libstdc++ or the allocator, not the fuzz harness (targets/, mtc::fuzz::), and symbolised.
bool is_project_frame(const Frame& f);

// "mtc::prose::MTCd::on_message(mtc::Inbound const&) const" -> "mtc::prose::MTCd::on_message"
std::string function_name(const std::string& symbol);

// The crash state: up to three project frames' function names, top first.
std::vector<std::string> crash_state(const SanitizerReport& r);

// "Critical", "High", "Medium" or "Low".
std::string severity(const SanitizerReport& r);

// The crash type as a triage title: "Heap-buffer-overflow WRITE 4", "Null-dereference READ",
// "Security issue (High)".
std::string crash_title(const SanitizerReport& r);

}  // namespace mtc::triage
