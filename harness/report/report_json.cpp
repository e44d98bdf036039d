// report.json (DESIGN.md's schema plus details), writing all three reports, exit codes.
#include <nlohmann/json.hpp>

#include "harness/report/report.hpp"
#include "harness/runner/files.hpp"

namespace mtc::report {

using nlohmann::ordered_json;

std::string_view to_string(Verdict v) {
    switch (v) {
        case Verdict::holds:
            return "holds";
        case Verdict::violated:
            return "violated";
        case Verdict::not_tested:
            return "not-tested";
        case Verdict::not_applicable:
            return "not-applicable";
    }
    return "not-tested";
}

namespace {

ordered_json strings(const std::vector<std::string>& v) {
    ordered_json a = ordered_json::array();
    for (const std::string& s : v) a.push_back(s);
    return a;
}

ordered_json claim_json(const ClaimVerdict& c) {
    ordered_json j;
    j["id"] = c.id;
    j["statement"] = c.statement;
    j["paper_claim"] = c.paper_claim;
    j["verdict"] = std::string(to_string(c.verdict));
    j["attacks_tried"] = strings(c.attacks_tried);
    j["finding_ids"] = strings(c.finding_ids);
    j["hardened_promises"] = c.hardened_promises;
    j["note"] = c.note;
    return j;
}

ordered_json transcript_json(const TranscriptEntry& t) {
    ordered_json j;
    j["ts_us"] = t.ts_us;
    j["kind"] = t.is_event ? "event" : "message";
    j["from"] = t.from;
    j["to"] = t.to;
    j["label"] = t.label;
    j["note"] = t.note;
    return j;
}

ordered_json event_json(const Event& e) {
    // The event's own JSON Lines form, so report.json and events.jsonl agree member for member.
    ordered_json j = ordered_json::parse(to_json_line(e), nullptr, false);
    if (j.is_discarded()) return ordered_json(to_json_line(e));  // cannot happen; keep the text
    return j;
}

ordered_json finding_json(const Finding& f) {
    ordered_json j;
    j["id"] = f.id;
    j["claim"] = f.claim;
    j["attack"] = f.attack;
    j["summary"] = f.summary;
    j["trace"] = "findings/" + f.id + "/trace.json";
    j["pcap"] = "findings/" + f.id + "/trace.pcap";
    j["strategy"] = f.strategy;
    j["dir"] = f.dir.empty() ? "findings/" + f.id : f.dir;
    ordered_json transcript = ordered_json::array();
    for (const TranscriptEntry& t : f.transcript) transcript.push_back(transcript_json(t));
    j["transcript"] = std::move(transcript);
    ordered_json evidence = ordered_json::array();
    for (const Event& e : f.evidence) evidence.push_back(event_json(e));
    j["evidence"] = std::move(evidence);
    return j;
}

// Attacker-chosen text can hold invalid UTF-8: replace it rather than throw.
std::string dump_pretty(const ordered_json& j) {
    return j.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace

ordered_json to_json(const CampaignReport& r) {
    ordered_json j;
    j["format"] = "mtcfuzz-report/1";
    j["campaign"] = r.campaign;
    j["campaign_file"] = r.campaign_file;
    j["protocol"] = r.protocol;
    j["variant"] = r.variant;
    j["seed"] = r.seed;
    j["started"] = r.started;
    j["duration_s"] = r.duration_s;
    j["sessions"] = ordered_json{{"honest", r.honest_sessions}, {"attack", r.attack_sessions}};
    // Wall time of each phase, so a reader can work out sessions per second.
    j["phases"] = ordered_json{{"honest_s", r.honest_s}, {"attack_s", r.attack_s}};
    ordered_json attacks_run = ordered_json::object();
    for (const auto& kv : r.attacks_run) attacks_run[kv.first] = kv.second;
    j["attacks_run"] = std::move(attacks_run);
    ordered_json claims = ordered_json::array();
    for (const ClaimVerdict& c : r.claims) claims.push_back(claim_json(c));
    j["claims"] = std::move(claims);
    ordered_json findings = ordered_json::array();
    for (const Finding& f : r.findings) findings.push_back(finding_json(f));
    j["findings"] = std::move(findings);
    j["notes"] = strings(r.notes);
    j["failure"] = r.failure.empty() ? ordered_json(nullptr) : ordered_json(r.failure);
    return j;
}

Status write_reports(const CampaignReport& r, const std::string& dir) {
    if (Status s = runner::make_dirs(dir, 0755); !s) return s;
    const std::string base = dir.empty() ? std::string(".") : dir;
    struct Out {
        const char* name;
        std::string content;
    };
    const Out outs[] = {
        {"report.json", dump_pretty(to_json(r))},
        {"report.sarif", to_sarif(r)},
        {"report.md", to_markdown(r)},
    };
    for (const Out& o : outs) {
        if (Status s = runner::write_file_atomic(base + "/" + o.name, o.content, 0644); !s) {
            return s;
        }
    }
    return Ok{};
}

int exit_code(const CampaignReport& r) {
    if (!r.failure.empty()) return 3;
    for (const ClaimVerdict& c : r.claims) {
        if (c.verdict == Verdict::violated) return 1;
    }
    return 0;
}

}  // namespace mtc::report
