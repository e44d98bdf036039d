// Helpers for the end-to-end campaign tests: run a campaign file through the mtcfuzz binary
// and read its report.
#pragma once

#include <string>
#include <vector>

#include "tests/e2e/live_helpers.hpp"

namespace mtc::e2e {

struct CampaignRun {
    std::string dir;
    Cmd cmd;
    nlohmann::json report;  // report.json, or a discarded value when there is none
    std::string events;     // events.jsonl
};

// Writes `toml` as DIR/c.toml in a fresh temporary DIR and runs it into DIR/out.
inline CampaignRun run_campaign(const std::string& tag, const std::string& toml,
                                const std::string& extra_args = "") {
    CampaignRun c;
    c.dir = temp_dir(tag);
    const std::string file = c.dir + "/c.toml";
    std::ofstream(file) << toml;
    c.cmd = mtcfuzz("campaign run " + file + " -o " + c.dir + "/out --quiet " + extra_args);
    c.report = nlohmann::json::parse(slurp(c.dir + "/out/report.json"), nullptr, false);
    c.events = slurp(c.dir + "/out/events.jsonl");
    return c;
}

// The report's verdict on `claim`, or "absent".
inline std::string verdict(const nlohmann::json& report, const std::string& claim) {
    for (const auto& c : report["claims"]) {
        if (c["id"] == claim) return c["verdict"];
    }
    return "absent";
}

// Findings for `claim` found by `strategy`.
inline std::vector<nlohmann::json> findings(const nlohmann::json& report, const std::string& claim,
                                            const std::string& strategy) {
    std::vector<nlohmann::json> out;
    for (const auto& f : report["findings"]) {
        if (f["claim"] == claim && f["strategy"] == strategy) out.push_back(f);
    }
    return out;
}

// What to print when a campaign test fails.
inline std::string diag(const CampaignRun& c) {
    return "exit " + std::to_string(c.cmd.code) + "\nstderr: " + c.cmd.err +
           "\nreport notes: " + (c.report.is_object() ? c.report["notes"].dump() : "none") +
           "\nfindings: " + (c.report.is_object() ? c.report["findings"].dump(1) : "none");
}

}  // namespace mtc::e2e
