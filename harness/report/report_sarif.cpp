// report.sarif: SARIF 2.1.0 as GitHub code scanning accepts it. One rule per claim, one result
// per finding, located at the campaign file (the only source artifact a finding has).
#include <cctype>
#include <map>

#include <nlohmann/json.hpp>

#include "harness/report/report.hpp"
#include "protocols/core/bytes.hpp"
#include "protocols/core/crypto/hash.hpp"

namespace mtc::report {

using nlohmann::ordered_json;

namespace {

// "injective:MTCd->MTCs" -> "InjectiveMTCdToMTCs", "guess-resistance:PSKey" ->
// "GuessResistancePSKey": every run of letters and digits, first letter capitalised.
std::string camel_case(std::string_view id) {
    std::string out;
    bool upper_next = true;
    for (std::size_t i = 0; i < id.size(); ++i) {
        const auto c = static_cast<unsigned char>(id[i]);
        if (std::isalnum(c) != 0) {
            out.push_back(upper_next ? static_cast<char>(std::toupper(c)) : static_cast<char>(c));
            upper_next = false;
        } else {
            if (id.substr(i, 2) == "->") {
                out += "To";
                ++i;
            }
            upper_next = true;
        }
    }
    return out.empty() ? std::string("Claim") : out;
}

// The claim's kind: "secrecy:DMKey" -> "secrecy".
std::string_view claim_kind(std::string_view id) {
    return id.substr(0, id.find(':'));
}

// GitHub's security-severity: >= 9 critical, >= 7 high, >= 4 medium.
std::string security_severity_of(std::string_view id) {
    const std::string_view kind = claim_kind(id);
    if (kind == "secrecy" || kind == "injective" || kind == "agreement") return "8.0";
    if (kind == "guess-resistance") return "7.5";
    if (kind == "liveness") return "6.0";
    if (kind == "freshness") return "5.0";
    return "5.0";
}

// Same protocol, variant, claim and attack => same fingerprint, across runs and machines, so
// GitHub tracks one alert rather than opening a new one per run.
std::string fingerprint(const CampaignReport& r, const Finding& f) {
    const std::string key = r.protocol + "|" + r.variant + "|" + f.claim + "|" + f.attack;
    const crypto::Digest d = crypto::sha256(view(key));
    return to_hex(BytesView(d.data(), 16));
}

// A relative path as a URI reference: unreserved characters and '/' as they are, the rest
// percent-encoded (a space in a file name would otherwise make the URI invalid).
std::string uri_path(std::string_view path) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    while (path.substr(0, 2) == "./") path.remove_prefix(2);
    std::string out;
    for (const char ch : path) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) != 0 || ch == '-' || ch == '.' || ch == '_' || ch == '~' || ch == '/') {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xf]);
        }
    }
    return out;
}

ordered_json artifact_location(const std::string& campaign_file) {
    ordered_json a;
    if (!campaign_file.empty() && campaign_file.front() == '/') {
        a["uri"] = "file://" + uri_path(campaign_file);
    } else {
        a["uri"] = uri_path(campaign_file.empty() ? std::string("campaign.toml") : campaign_file);
        a["uriBaseId"] = "%SRCROOT%";
    }
    return a;
}

ordered_json text(const std::string& s) {
    return ordered_json{{"text", s}};
}

ordered_json make_rule(const std::string& id, const std::string& statement,
                       const std::string& paper_claim, const std::string& protocol) {
    const std::string short_text = statement.empty() ? "Claim " + id : statement;
    const std::string full_text = paper_claim.empty() ? short_text : paper_claim;
    ordered_json rule;
    rule["id"] = id;
    rule["name"] = camel_case(id);
    rule["shortDescription"] = text(short_text);
    rule["fullDescription"] = text(full_text);
    std::string help = "Claim " + id + ": " + short_text;
    if (!paper_claim.empty()) help += "\nThe paper says: " + paper_claim;
    help +=
        "\nmtcfuzz's Dolev-Yao attacker found a trace that violates this claim. Reproduce it "
        "with `mtcfuzz campaign replay DIR/findings/<id>`; the campaign's report.md draws the "
        "trace as a sequence diagram.";
    rule["help"] = text(help);
    rule["defaultConfiguration"] = ordered_json{{"level", "error"}};
    ordered_json tags = ordered_json::array({"security"});
    if (!protocol.empty() && protocol != "security") tags.push_back(protocol);
    rule["properties"] = ordered_json{{"tags", std::move(tags)},
                                      {"security-severity", security_severity_of(id)},
                                      {"precision", "high"}};
    return rule;
}

}  // namespace

std::string claim_security_severity(std::string_view claim) {
    return security_severity_of(claim);
}

std::string to_sarif(const CampaignReport& r) {
    ordered_json rules = ordered_json::array();
    std::map<std::string, std::size_t> rule_index;
    for (const ClaimVerdict& c : r.claims) {
        if (rule_index.count(c.id) != 0) continue;
        rule_index.emplace(c.id, rules.size());
        rules.push_back(make_rule(c.id, c.statement, c.paper_claim, r.protocol));
    }
    // A finding must name a rule; a claim missing from the table still gets one.
    for (const Finding& f : r.findings) {
        if (rule_index.count(f.claim) != 0) continue;
        rule_index.emplace(f.claim, rules.size());
        rules.push_back(make_rule(f.claim, "", "", r.protocol));
    }

    ordered_json results = ordered_json::array();
    for (const Finding& f : r.findings) {
        const std::string dir = f.dir.empty() ? "findings/" + f.id : f.dir;
        ordered_json res;
        res["ruleId"] = f.claim;
        res["ruleIndex"] = rule_index.at(f.claim);
        res["level"] = "error";
        const std::string summary =
            f.summary.empty() ? "Claim " + f.claim + " violated" : f.summary;
        res["message"] = text(summary + " (attack: " + f.attack +
                              "; replay: mtcfuzz campaign replay " + dir + ")");
        ordered_json physical;
        physical["artifactLocation"] = artifact_location(r.campaign_file);
        physical["region"] = ordered_json{{"startLine", 1}};
        res["locations"] = ordered_json::array({ordered_json{{"physicalLocation", physical}}});
        res["partialFingerprints"] = ordered_json{{"mtcfuzzFinding/v1", fingerprint(r, f)}};
        res["properties"] = ordered_json{{"strategy", f.strategy},
                                         {"variant", r.variant},
                                         {"finding", f.id},
                                         {"attack", f.attack},
                                         {"dir", dir}};
        results.push_back(std::move(res));
    }

    ordered_json invocation;
    invocation["executionSuccessful"] = r.failure.empty();
    ordered_json notifications = ordered_json::array();
    if (!r.failure.empty()) {
        notifications.push_back(ordered_json{{"level", "error"}, {"message", text(r.failure)}});
    }
    for (const std::string& n : r.notes) {
        notifications.push_back(ordered_json{{"level", "note"}, {"message", text(n)}});
    }
    if (!notifications.empty()) invocation["toolExecutionNotifications"] = std::move(notifications);

    ordered_json verdicts = ordered_json::array();
    for (const ClaimVerdict& c : r.claims) {
        ordered_json v;
        v["claim"] = c.id;
        v["verdict"] = std::string(to_string(c.verdict));
        v["finding_ids"] = c.finding_ids;
        v["attacks_tried"] = c.attacks_tried;
        if (!c.note.empty()) v["note"] = c.note;
        verdicts.push_back(std::move(v));
    }

    ordered_json driver;
    driver["name"] = "mtcfuzz";
    driver["informationUri"] = "https://github.com/mtcfuzz/mtcfuzz";
    driver["version"] = "0.1.0";
    driver["semanticVersion"] = "0.1.0";
    driver["rules"] = std::move(rules);

    ordered_json run;
    run["tool"] = ordered_json{{"driver", std::move(driver)}};
    // One category per campaign, so uploads of different campaigns do not replace each other.
    run["automationDetails"] =
        ordered_json{{"id", "mtcfuzz/" + (r.campaign.empty() ? r.protocol : r.campaign) + "/"}};
    run["invocations"] = ordered_json::array({std::move(invocation)});
    run["results"] = std::move(results);
    run["properties"] = ordered_json{{"campaign", r.campaign},
                                     {"protocol", r.protocol},
                                     {"variant", r.variant},
                                     {"seed", r.seed},
                                     {"verdicts", std::move(verdicts)}};

    ordered_json sarif;
    sarif["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
    sarif["version"] = "2.1.0";
    sarif["runs"] = ordered_json::array({std::move(run)});
    return sarif.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace mtc::report
