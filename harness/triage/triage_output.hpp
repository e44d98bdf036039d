// triage.json (for scripts), triage.sarif (SARIF 2.1.0 for GitHub code scanning: one rule per
// crash type, security-severity, partialFingerprints from the bucket, the top project frame as
// location) and triage.md (for a person), each written atomically.
#pragma once

#include <string>

#include "harness/triage/crash_triage.hpp"
#include "protocols/core/result.hpp"

namespace mtc::triage {

std::string to_json(const CrashTriage& t);
std::string to_sarif(const CrashTriage& t);
std::string to_markdown(const CrashTriage& t);

// The SARIF rule of a bucket: "crash/heap-buffer-overflow-write", "security/agreement:MTCd->UE".
std::string rule_id(const CrashBucket& b);

// Writes triage.json, triage.sarif and triage.md into `dir` (made if missing), each atomically.
Status write_triage_files(const std::string& dir, const std::string& json, const std::string& sarif,
                          const std::string& markdown);

}  // namespace mtc::triage
