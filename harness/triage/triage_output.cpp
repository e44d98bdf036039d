#include "harness/triage/triage_output.hpp"

#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "harness/runner/files.hpp"
#include "harness/triage/crash_state.hpp"

namespace mtc::triage {
namespace {

using ordered_json = nlohmann::ordered_json;

ordered_json frame_json(const Frame& f) {
    ordered_json j;
    j["function"] = f.function;
    if (!f.file.empty()) {
        j["file"] = f.file;
        j["line"] = f.line;
        if (f.column != 0) j["column"] = f.column;
    }
    if (!f.module.empty()) j["module"] = f.module;
    return j;
}

// GitHub's security-severity: >= 9 critical, >= 7 high, >= 4 medium, else low.
std::string security_severity(const std::string& severity) {
    if (severity == "Critical") return "9.5";
    if (severity == "High") return "8.0";
    if (severity == "Medium") return "5.5";
    return "3.0";
}

const Frame* top_project_frame(const SanitizerReport& r) {
    for (const Frame& f : r.frames) {
        if (is_project_frame(f) && !f.file.empty()) return &f;
    }
    return nullptr;
}

std::string dump(const ordered_json& j) {
    return j.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace

std::string rule_id(const CrashBucket& b) {
    if (b.report.crash_type == "security-issue") {
        // The claim: the marker's text up to its first ": " ("agreement:MTCd->UE: ...").
        const std::string& w = b.report.security_what;
        return "security/" + w.substr(0, w.find(": "));
    }
    std::string id = "crash/" + b.report.crash_type;
    if (!b.report.access.empty()) {
        id += "-";
        for (char c : b.report.access) id += static_cast<char>(c - 'A' + 'a');
    }
    return id;
}

std::string to_json(const CrashTriage& t) {
    ordered_json buckets = ordered_json::array();
    for (const CrashBucket& b : t.buckets) {
        ordered_json j;
        j["id"] = b.id;
        j["rule"] = rule_id(b);
        j["title"] = b.title;
        j["severity"] = b.severity;
        j["crash_type"] = b.report.crash_type;
        j["tool"] = b.report.tool;
        if (!b.report.access.empty()) j["access"] = b.report.access;
        if (b.report.access_size) j["access_size"] = *b.report.access_size;
        if (!b.report.security_level.empty()) {
            j["security_level"] = b.report.security_level;
            j["security_issue"] = b.report.security_what;
        }
        j["state"] = b.state;
        j["inputs"] = b.inputs;
        j["reproduced"] = b.reproduced;
        j["attempts"] = b.attempts;
        j["flaky"] = b.flaky;
        j["minimized"] = b.minimized.empty() ? ordered_json(nullptr) : ordered_json(b.minimized);
        j["minimize_note"] = b.minimize_note;
        ordered_json frames = ordered_json::array();
        for (const Frame& f : b.report.frames) frames.push_back(frame_json(f));
        j["frames"] = std::move(frames);
        buckets.push_back(std::move(j));
    }
    ordered_json unparsed = ordered_json::array();
    for (const UnparsedCrash& u : t.unparsed)
        unparsed.push_back(ordered_json{{"input", u.input}, {"reason", u.reason}});
    ordered_json j;
    j["target"] = t.target;
    j["plain_driver"] = t.plain_bin;
    j["inputs"] = t.inputs;
    j["buckets"] = std::move(buckets);
    j["unparsed"] = std::move(unparsed);
    j["not_reproduced"] = t.not_reproduced;
    return dump(j);
}

std::string to_sarif(const CrashTriage& t) {
    ordered_json rules = ordered_json::array();
    std::map<std::string, std::size_t> index;
    ordered_json results = ordered_json::array();
    for (const CrashBucket& b : t.buckets) {
        const std::string id = rule_id(b);
        if (index.count(id) == 0) {
            index[id] = rules.size();
            ordered_json rule;
            rule["id"] = id;
            rule["shortDescription"] = ordered_json{{"text", b.title}};
            rule["help"] = ordered_json{
                {"text", "A fuzz target crashed (" + b.title +
                             "). Reproduce it with the target's plain driver (" + t.plain_bin +
                             " INPUT); mtcfuzz triage crashes buckets, minimises and ranks."}};
            rule["defaultConfiguration"] = ordered_json{{"level", "error"}};
            rule["properties"] =
                ordered_json{{"tags", ordered_json::array({"security", "fuzzing"})},
                             {"security-severity", security_severity(b.severity)},
                             {"precision", "high"}};
            rules.push_back(std::move(rule));
        }
        ordered_json res;
        res["ruleId"] = id;
        res["ruleIndex"] = index.at(id);
        res["level"] = b.severity == "Low" ? "warning" : "error";
        std::string state;
        for (const std::string& s : b.state) state += (state.empty() ? "" : " <- ") + s;
        res["message"] = ordered_json{{"text", b.title + " in " + t.target + ": " + state + " (" +
                                                   std::to_string(b.inputs.size()) + " input" +
                                                   (b.inputs.size() == 1 ? "" : "s") + ")"}};
        ordered_json physical;
        if (const Frame* f = top_project_frame(b.report)) {
            // Code scanning maps a path relative to the checkout (the working directory triage
            // runs in, as CI does); one outside it stays an absolute file URI.
            std::string uri = f->file;
            const std::string root = std::filesystem::current_path().string() + "/";
            if (uri.rfind(root, 0) == 0) uri.erase(0, root.size());
            while (uri.rfind("./", 0) == 0) uri.erase(0, 2);
            physical["artifactLocation"] =
                uri.front() == '/' ? ordered_json{{"uri", "file://" + uri}}
                                   : ordered_json{{"uri", uri}, {"uriBaseId", "%SRCROOT%"}};
            physical["region"] = ordered_json{{"startLine", std::max(1u, f->line)}};
        } else {
            physical["artifactLocation"] =
                ordered_json{{"uri", "targets/CMakeLists.txt"}, {"uriBaseId", "%SRCROOT%"}};
            physical["region"] = ordered_json{{"startLine", 1}};
        }
        res["locations"] = ordered_json::array({ordered_json{{"physicalLocation", physical}}});
        res["partialFingerprints"] = ordered_json{{"mtcfuzzCrash/v1", b.id}};
        res["properties"] = ordered_json{{"target", t.target},
                                         {"severity", b.severity},
                                         {"flaky", b.flaky},
                                         {"inputs", b.inputs}};
        results.push_back(std::move(res));
    }
    ordered_json driver{{"name", "mtcfuzz"},
                        {"informationUri", "https://github.com/mtcfuzz/mtcfuzz"},
                        {"version", "0.1.0"},
                        {"rules", std::move(rules)}};
    ordered_json run;
    run["tool"] = ordered_json{{"driver", std::move(driver)}};
    run["automationDetails"] = ordered_json{{"id", "mtcfuzz-triage/" + t.target + "/"}};
    run["results"] = std::move(results);
    ordered_json sarif;
    sarif["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
    sarif["version"] = "2.1.0";
    sarif["runs"] = ordered_json::array({std::move(run)});
    return dump(sarif);
}

std::string to_markdown(const CrashTriage& t) {
    std::string md = "# Crash triage: " + t.target + "\n\n";
    md += std::to_string(t.inputs) + " inputs: " + std::to_string(t.buckets.size()) +
          " distinct crashes, " + std::to_string(t.unparsed.size()) + " unparsed, " +
          std::to_string(t.not_reproduced.size()) + " did not reproduce.\n\n";
    if (!t.buckets.empty()) {
        md += "| severity | crash | state | inputs | reproduced | minimised |\n";
        md += "|---|---|---|---|---|---|\n";
        for (const CrashBucket& b : t.buckets) {
            std::string state;
            for (const std::string& s : b.state) state += (state.empty() ? "" : " <br> ") + s;
            md += "| " + b.severity + " | " + b.title + " | " + state + " | " +
                  std::to_string(b.inputs.size()) + " | " + std::to_string(b.reproduced) + "/" +
                  std::to_string(b.attempts) + (b.flaky ? " (flaky)" : "") + " | " +
                  (b.minimized.empty() ? b.minimize_note : b.minimized) + " |\n";
        }
        md += "\n";
    }
    for (const CrashBucket& b : t.buckets) {
        md += "## " + b.severity + ": " + b.title + " (" + b.id + ")\n\n";
        if (!b.report.security_what.empty()) md += "Oracle: " + b.report.security_what + "\n\n";
        md += "Reproduce: `" + t.plain_bin + " " +
              (b.minimized.empty() ? b.inputs.front() : b.minimized) + "`\n\n```\n";
        for (const Frame& f : b.report.frames) {
            md += "#" + std::to_string(f.index) + " " +
                  (f.function.empty() ? "??" : function_name(f.function));
            if (!f.file.empty()) md += " " + f.file + ":" + std::to_string(f.line);
            md += "\n";
        }
        md += "```\n\n";
    }
    if (!t.unparsed.empty()) {
        md += "## Unparsed\n\n";
        for (const UnparsedCrash& u : t.unparsed) md += "- " + u.input + ": " + u.reason + "\n";
        md += "\n";
    }
    if (!t.not_reproduced.empty()) {
        md += "## Did not reproduce\n\n";
        for (const std::string& i : t.not_reproduced) md += "- " + i + "\n";
    }
    return md;
}

Status write_triage_files(const std::string& dir, const std::string& json, const std::string& sarif,
                          const std::string& markdown) {
    if (auto s = runner::make_dirs(dir, 0755); !s) return s;
    const std::filesystem::path d(dir);
    for (const auto& [name, content] :
         {std::pair<const char*, const std::string*>{"triage.json", &json},
          {"triage.sarif", &sarif},
          {"triage.md", &markdown}}) {
        if (auto s = runner::write_file_atomic((d / name).string(), *content, 0644); !s) return s;
    }
    return Ok{};
}

}  // namespace mtc::triage
