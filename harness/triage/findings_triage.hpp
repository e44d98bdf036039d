// `mtcfuzz triage findings`: merges campaign report folders, buckets their findings by
// (protocol, variant, claim, attack signature), keeps the shortest trace of each bucket, and
// marks each bucket new or known against a baseline file kept in the repository, so that CI
// fails on new findings only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "protocols/core/result.hpp"

namespace mtc::triage {

struct FindingRef {
    std::string report;     // the report folder
    std::string id;         // the finding's id in that report
    std::string dir;        // its folder (trace.json, trace.pcap), relative to the report
    std::string summary;    // what the claim checker said
    std::size_t steps = 0;  // length of its trace: attack steps, or transcript lines
};

struct FindingBucket {
    std::string id;  // stable: a hash of protocol, variant, claim and attack signature
    std::string protocol, variant, claim, attack;
    bool known = false;  // listed in the baseline
    std::vector<FindingRef> findings;
    FindingRef shortest;
};

struct UnreadableReport {
    std::string path, reason;
};

struct FindingsTriage {
    std::size_t reports = 0;
    std::vector<FindingBucket> buckets;  // new first, then by protocol, variant, claim
    std::vector<UnreadableReport> unreadable;
    std::string baseline;  // the baseline file read, or empty
    [[nodiscard]] std::size_t new_buckets() const;
};

// Report folders: a folder with a report.json, or a folder whose sub-folders have one (the
// output of `mtcfuzz demo`). Error when a path is neither.
Result<std::vector<std::string>> report_folders(const std::vector<std::string>& paths);

// `baseline_path` may be empty (every bucket is new); a baseline that does not parse is an
// error naming the file and what is wrong.
Result<FindingsTriage> triage_findings(const std::vector<std::string>& folders,
                                       const std::string& baseline_path);

// The baseline that marks every bucket of `t` known (for --update-baseline).
std::string baseline_json(const FindingsTriage& t);

std::string findings_json(const FindingsTriage& t);
std::string findings_sarif(const FindingsTriage& t);
std::string findings_markdown(const FindingsTriage& t);

}  // namespace mtc::triage
