#include "harness/triage/findings_triage.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "harness/report/report.hpp"
#include "harness/runner/files.hpp"
#include "protocols/core/crypto/hash.hpp"

namespace mtc::triage {
namespace fs = std::filesystem;
namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

constexpr const char* kBaselineFormat = "mtcfuzz-findings-baseline/1";

std::string bucket_id(const std::string& protocol, const std::string& variant,
                      const std::string& claim, const std::string& attack) {
    const std::string key = protocol + "|" + variant + "|" + claim + "|" + attack;
    const crypto::Digest d = crypto::sha256(view(key));
    return "B-" + to_hex(BytesView(d.data(), 8));
}

std::string text_of(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The trace's length: its attack steps when trace.json is there and reads, else the number of
// transcript lines the report holds.
std::size_t trace_steps(const std::string& folder, const std::string& dir, const json& finding) {
    if (auto text = runner::read_file((fs::path(folder) / dir / "trace.json").string())) {
        const json t = json::parse(*text, nullptr, false);
        if (t.is_object() && t.contains("attack") && t["attack"].is_object()) {
            const auto& steps = t["attack"].value("steps", json::array());
            if (steps.is_array()) return steps.size();
        }
        if (t.is_object()) return 0;  // the honest runs alone violated the claim
    }
    const auto it = finding.find("transcript");
    return it != finding.end() && it->is_array() ? it->size() : 0;
}

Result<std::set<std::string>> read_baseline(const std::string& path) {
    auto text = runner::read_file(path);
    if (!text) return Error{"baseline " + path + ": " + text.error().describe()};
    const json j = json::parse(*text, nullptr, false);
    if (!j.is_object() || text_of(j, "format") != kBaselineFormat)
        return Error{"baseline " + path + ": not a " + std::string(kBaselineFormat) + " file"};
    const auto known = j.find("known");
    if (known == j.end() || !known->is_array())
        return Error{"baseline " + path + ": \"known\" must be an array"};
    std::set<std::string> ids;
    for (std::size_t i = 0; i < known->size(); ++i) {
        const json& k = (*known)[i];
        const std::string id = k.is_object() ? text_of(k, "id") : std::string();
        if (id.empty())
            return Error{"baseline " + path + ": known[" + std::to_string(i) + "] has no id"};
        ids.insert(id);
    }
    return ids;
}

std::string dump(const ordered_json& j) {
    return j.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace

std::size_t FindingsTriage::new_buckets() const {
    return static_cast<std::size_t>(std::count_if(buckets.begin(), buckets.end(),
                                                  [](const FindingBucket& b) { return !b.known; }));
}

Result<std::vector<std::string>> report_folders(const std::vector<std::string>& paths) {
    std::vector<std::string> out;
    for (const std::string& p : paths) {
        std::error_code ec;
        if (fs::is_regular_file(fs::path(p) / "report.json", ec)) {
            out.push_back(p);
            continue;
        }
        if (!fs::is_directory(p, ec)) return Error{"report folder " + p + ": no such directory"};
        std::vector<std::string> sub;
        for (const auto& e : fs::directory_iterator(p, ec)) {
            if (e.is_directory() && fs::is_regular_file(e.path() / "report.json", ec))
                sub.push_back(e.path().string());
        }
        if (sub.empty())
            return Error{"report folder " + p + ": no report.json in it or its sub-folders"};
        std::sort(sub.begin(), sub.end());
        out.insert(out.end(), sub.begin(), sub.end());
    }
    return out;
}

Result<FindingsTriage> triage_findings(const std::vector<std::string>& folders,
                                       const std::string& baseline_path) {
    FindingsTriage t;
    t.baseline = baseline_path;
    std::set<std::string> known;
    if (!baseline_path.empty()) {
        auto b = read_baseline(baseline_path);
        if (!b) return b.error();
        known = std::move(b).value();
    }
    std::map<std::string, FindingBucket> buckets;
    for (const std::string& folder : folders) {
        const std::string path = (fs::path(folder) / "report.json").string();
        auto text = runner::read_file(path);
        if (!text) {
            t.unreadable.push_back({path, text.error().describe()});
            continue;
        }
        const json r = json::parse(*text, nullptr, false);
        if (!r.is_object() || text_of(r, "format") != "mtcfuzz-report/1") {
            t.unreadable.push_back({path, "not an mtcfuzz-report/1 report (truncated or foreign)"});
            continue;
        }
        const auto findings = r.find("findings");
        if (findings == r.end() || !findings->is_array()) {
            t.unreadable.push_back({path, "\"findings\" is missing or not an array"});
            continue;
        }
        ++t.reports;
        const std::string protocol = text_of(r, "protocol"), variant = text_of(r, "variant");
        for (const json& f : *findings) {
            FindingRef ref;
            ref.report = folder;
            ref.id = f.is_object() ? text_of(f, "id") : std::string();
            const std::string claim = f.is_object() ? text_of(f, "claim") : std::string();
            if (ref.id.empty() || claim.empty()) {
                t.unreadable.push_back({path, "a finding without an id or a claim"});
                continue;
            }
            const std::string attack = text_of(f, "attack");
            ref.dir = text_of(f, "dir");
            if (ref.dir.empty() || ref.dir.find("..") != std::string::npos)
                ref.dir = "findings/" + ref.id;
            ref.summary = text_of(f, "summary");
            ref.steps = trace_steps(folder, ref.dir, f);
            const std::string id = bucket_id(protocol, variant, claim, attack);
            auto [it, fresh] = buckets.try_emplace(id);
            FindingBucket& b = it->second;
            if (fresh) {
                b = FindingBucket{id, protocol, variant, claim, attack, known.count(id) != 0,
                                  {}, ref};
            } else if (ref.steps < b.shortest.steps) {
                b.shortest = ref;
            }
            b.findings.push_back(std::move(ref));
        }
    }
    for (auto& [id, b] : buckets) t.buckets.push_back(std::move(b));
    std::stable_sort(t.buckets.begin(), t.buckets.end(),
                     [](const FindingBucket& a, const FindingBucket& b) {
                         if (a.known != b.known) return !a.known;
                         return std::tie(a.protocol, a.variant, a.claim, a.attack) <
                                std::tie(b.protocol, b.variant, b.claim, b.attack);
                     });
    return t;
}

std::string baseline_json(const FindingsTriage& t) {
    ordered_json known = ordered_json::array();
    for (const FindingBucket& b : t.buckets) {
        known.push_back(ordered_json{{"id", b.id},
                                     {"protocol", b.protocol},
                                     {"variant", b.variant},
                                     {"claim", b.claim},
                                     {"attack", b.attack}});
    }
    return dump(ordered_json{{"format", kBaselineFormat}, {"known", std::move(known)}});
}

std::string findings_json(const FindingsTriage& t) {
    ordered_json buckets = ordered_json::array();
    for (const FindingBucket& b : t.buckets) {
        ordered_json members = ordered_json::array();
        for (const FindingRef& f : b.findings)
            members.push_back(ordered_json{{"report", f.report}, {"id", f.id}, {"steps", f.steps}});
        buckets.push_back(ordered_json{
            {"id", b.id},
            {"status", b.known ? "known" : "new"},
            {"protocol", b.protocol},
            {"variant", b.variant},
            {"claim", b.claim},
            {"attack", b.attack},
            {"shortest",
             ordered_json{{"report", b.shortest.report},
                          {"id", b.shortest.id},
                          {"dir", b.shortest.dir},
                          {"steps", b.shortest.steps},
                          {"summary", b.shortest.summary},
                          {"replay", "mtcfuzz campaign replay " +
                                         (fs::path(b.shortest.report) / b.shortest.dir).string()}}},
            {"findings", std::move(members)}});
    }
    ordered_json unreadable = ordered_json::array();
    for (const auto& u : t.unreadable)
        unreadable.push_back(ordered_json{{"path", u.path}, {"reason", u.reason}});
    return dump(ordered_json{
        {"reports", t.reports},
        {"baseline", t.baseline.empty() ? ordered_json(nullptr) : ordered_json(t.baseline)},
        {"new", t.new_buckets()},
        {"buckets", std::move(buckets)},
        {"unreadable", std::move(unreadable)}});
}

std::string findings_sarif(const FindingsTriage& t) {
    ordered_json rules = ordered_json::array();
    std::map<std::string, std::size_t> index;
    ordered_json results = ordered_json::array();
    for (const FindingBucket& b : t.buckets) {
        if (index.count(b.claim) == 0) {
            index[b.claim] = rules.size();
            rules.push_back(ordered_json{
                {"id", b.claim},
                {"shortDescription", ordered_json{{"text", "Claim " + b.claim + " violated"}}},
                {"defaultConfiguration", ordered_json{{"level", "error"}}},
                {"properties",
                 ordered_json{{"tags", ordered_json::array({"security"})},
                              {"security-severity", report::claim_security_severity(b.claim)}}}});
        }
        const std::string replay = (fs::path(b.shortest.report) / b.shortest.dir).string();
        results.push_back(ordered_json{
            {"ruleId", b.claim},
            {"ruleIndex", index.at(b.claim)},
            {"level", "error"},
            {"message",
             ordered_json{{"text", b.protocol + " (" + b.variant + "): " + b.claim +
                                       " violated by " + b.attack + " (" +
                                       (b.known ? "known" : "new") +
                                       "; replay: mtcfuzz campaign replay " + replay + ")"}}},
            {"locations",
             ordered_json::array({ordered_json{
                 {"physicalLocation",
                  ordered_json{{"artifactLocation",
                                ordered_json{{"uri", "attacks/campaigns/" + b.protocol + ".toml"},
                                             {"uriBaseId", "%SRCROOT%"}}},
                               {"region", ordered_json{{"startLine", 1}}}}}}})},
            {"partialFingerprints", ordered_json{{"mtcfuzzFinding/v1", b.id}}},
            {"baselineState", b.known ? "unchanged" : "new"},
            {"properties",
             ordered_json{
                 {"variant", b.variant}, {"attack", b.attack}, {"findings", b.findings.size()}}}});
    }
    ordered_json driver{{"name", "mtcfuzz"},
                        {"informationUri", "https://github.com/mtcfuzz/mtcfuzz"},
                        {"version", "0.1.0"},
                        {"rules", std::move(rules)}};
    ordered_json run{{"tool", ordered_json{{"driver", std::move(driver)}}},
                     {"automationDetails", ordered_json{{"id", "mtcfuzz-triage/findings/"}}},
                     {"results", std::move(results)}};
    return dump(ordered_json{{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
                             {"version", "2.1.0"},
                             {"runs", ordered_json::array({std::move(run)})}});
}

std::string findings_markdown(const FindingsTriage& t) {
    std::string md = "# Findings triage\n\n" + std::to_string(t.reports) + " reports, " +
                     std::to_string(t.buckets.size()) + " distinct findings, " +
                     std::to_string(t.new_buckets()) + " new" +
                     (t.baseline.empty() ? " (no baseline)" : " against " + t.baseline) + ".\n\n";
    if (!t.buckets.empty()) {
        md += "| status | protocol | variant | claim | attack | findings | shortest trace |\n";
        md += "|---|---|---|---|---|---|---|\n";
        for (const FindingBucket& b : t.buckets) {
            md += "| " + std::string(b.known ? "known" : "**new**") + " | " + b.protocol + " | " +
                  b.variant + " | " + b.claim + " | `" + b.attack + "` | " +
                  std::to_string(b.findings.size()) + " | " +
                  (fs::path(b.shortest.report) / b.shortest.dir).string() + " (" +
                  std::to_string(b.shortest.steps) + " steps) |\n";
        }
        md += "\n";
    }
    if (!t.unreadable.empty()) {
        md += "## Unreadable\n\n";
        for (const auto& u : t.unreadable) md += "- " + u.path + ": " + u.reason + "\n";
    }
    return md;
}

}  // namespace mtc::triage
