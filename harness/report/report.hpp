// Campaign reports: report.json (DESIGN.md's schema, plus details), report.sarif (SARIF 2.1.0,
// one rule per claim, one result per finding) and report.md (claims table, and a Mermaid
// sequence diagram per finding). Every file is written atomically.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocols/core/event.hpp"
#include "protocols/core/result.hpp"

namespace mtc::report {

enum class Verdict { holds, violated, not_tested, not_applicable };
std::string_view to_string(Verdict v);

struct ClaimVerdict {
    std::string id, statement, paper_claim;
    Verdict verdict = Verdict::not_tested;
    bool hardened_promises = true;
    std::vector<std::string> attacks_tried;  // "replay (12)": strategy and attack sessions
    std::vector<std::string> finding_ids;
    std::string note;  // e.g. why not tested
};

// One line of a finding's message sequence: a message on the wire, or an event at a role.
struct TranscriptEntry {
    std::int64_t ts_us = 0;
    std::string from, to;   // instance names, or "Attacker"
    std::string label;      // "M1", or "commit", "reject"
    std::string note;       // "replayed", "MTCdNonce bit 3 flipped", a reject reason
    bool is_event = false;  // an event at `from` (drawn as a note), not a message
};

struct Finding {
    std::string id;        // stable: same campaign, seed and attack => same id
    std::string claim;     // claim id
    std::string strategy;  // "replay", ...
    std::string attack;    // the attack's signature
    std::string summary;
    nlohmann::ordered_json trace;  // the replayable trace (trace.json)
    std::string dir;               // "findings/<id>", relative to the report
    std::vector<TranscriptEntry> transcript;
    std::vector<Event> evidence;
};

struct CampaignReport {
    std::string campaign, campaign_file, protocol, variant;
    std::uint64_t seed = 0;
    std::string started;  // ISO 8601 UTC
    double duration_s = 0;
    std::size_t honest_sessions = 0, attack_sessions = 0;
    // Wall time of the honest phase and of the attack phase (sessions per second = n / s).
    double honest_s = 0, attack_s = 0;
    std::map<std::string, std::size_t> attacks_run;  // strategy -> attack sessions
    std::vector<ClaimVerdict> claims;
    std::vector<Finding> findings;
    std::vector<std::string> notes;  // budget exhausted, restarts, ...
    std::string failure;             // non-empty: the run itself failed (exit 3)
};

nlohmann::ordered_json to_json(const CampaignReport& r);
std::string to_sarif(const CampaignReport& r);
// GitHub's security-severity of a violated claim, by its kind ("secrecy:DMKey" -> "8.0").
std::string claim_security_severity(std::string_view claim);
std::string to_markdown(const CampaignReport& r);
std::string mermaid_sequence(const Finding& f);

// Writes report.json, report.sarif and report.md into `dir` (atomically, each).
Status write_reports(const CampaignReport& r, const std::string& dir);

// DESIGN.md exit codes: 0 every claim holds, 1 a claim is violated, 3 the run failed.
int exit_code(const CampaignReport& r);

}  // namespace mtc::report
