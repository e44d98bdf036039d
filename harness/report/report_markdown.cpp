// report.md: the claims table and one section per finding with a Mermaid sequence diagram.
// Every piece of text may carry attacker-chosen bytes (identities, reject reasons, notes), so
// nothing is pasted raw: table cells and prose are Markdown-escaped, diagram labels
// Mermaid-escaped, code spans fenced with more backticks than they contain.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "harness/report/report.hpp"

namespace mtc::report {

namespace {

// Inline Markdown text (also safe inside a table cell): CommonMark punctuation that could
// start emphasis, links, code, HTML or end a cell is escaped; line breaks become <br>.
std::string md(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        switch (c) {
            case '\\':
            case '|':
            case '`':
            case '*':
            case '_':
            case '[':
            case ']':
            case '~':
            case '#':
            case '!':
            case '$':
                out.push_back('\\');
                out.push_back(c);
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '&':
                out += "&amp;";
                break;
            case '\r':
                if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
                out += "<br>";
                break;
            case '\n':
                out += "<br>";
                break;
            default:
                // Other control characters would only confuse a renderer.
                if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
                    out.push_back(' ');
                } else {
                    out.push_back(c);
                }
        }
    }
    return out;
}

// An inline code span holding `s` verbatim (one line): fenced with one more backtick than the
// longest run inside, padded when it starts or ends with a backtick.
std::string code_span(std::string_view s) {
    std::string body;
    for (const char c : s) body.push_back(c == '\n' || c == '\r' ? ' ' : c);
    std::size_t longest = 0;
    std::size_t run = 0;
    for (const char c : body) {
        run = c == '`' ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    const std::string fence(longest + 1, '`');
    const bool pad = !body.empty() && (body.front() == '`' || body.back() == '`');
    return fence + (pad ? " " : "") + body + (pad ? " " : "") + fence;
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (i != 0) out += sep;
        out += v[i];
    }
    return out;
}

std::string format_duration(double s) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f s", s);
    return buf;
}

// Mermaid label text: the sequence diagram lexer ends a text at '#', ';' and a newline, and
// Mermaid reads "#name;" as an entity (decoded when the SVG is drawn), "%%{...}%%" anywhere as
// a configuration directive and <...> as HTML. All of these become entity codes.
std::string mermaid_text(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (const char c : s) {
        switch (c) {
            case '#':
                out += "#35;";
                break;
            case ';':
                out += "#59;";
                break;
            case '%':
                out += "#37;";
                break;
            case '<':
                out += "#lt;";
                break;
            case '>':
                out += "#gt;";
                break;
            case '"':
                out += "#quot;";
                break;
            case '\'':
                out += "#39;";
                break;
            case '&':
                out += "#amp;";
                break;
            case '`':
                out += "#96;";
                break;
            case '{':
                out += "#123;";
                break;
            case '}':
                out += "#125;";
                break;
            case '\\':
                out += "#92;";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    out.push_back(' ');  // newlines, tabs and other controls
                } else {
                    out.push_back(c);
                }
        }
    }
    return out;
}

bool is_mermaid_keyword(std::string_view id) {
    static const std::set<std::string, std::less<>> kKeywords = {
        "participant", "actor",    "as",
        "loop",        "alt",      "else",
        "opt",         "par",      "and",
        "rect",        "critical", "option",
        "break",       "end",      "note",
        "left",        "right",    "over",
        "of",          "links",    "link",
        "properties",  "details",  "activate",
        "deactivate",  "title",    "autonumber",
        "box",         "create",   "destroy",
        "acctitle",    "accdescr", "sequencediagram"};
    std::string lower;
    for (const char c : id)
        lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    return kKeywords.count(lower) != 0;
}

// Participants in order of first appearance, each with a Mermaid id ([A-Za-z0-9_], not a
// keyword, unique) and, when the id differs from the name, an alias showing the name.
class Participants {
public:
    const std::string& id_of(const std::string& name) {
        auto it = ids_.find(name);
        if (it != ids_.end()) return it->second;
        std::string id;
        for (const char c : name) {
            const auto u = static_cast<unsigned char>(c);
            id.push_back(std::isalnum(u) != 0 || c == '_' ? c : '_');
        }
        if (id.empty() || std::isdigit(static_cast<unsigned char>(id.front())) != 0 ||
            is_mermaid_keyword(id)) {
            id = "p_" + id;
        }
        std::string unique = id;
        for (int n = 2; used_.count(unique) != 0; ++n) unique = id + "_" + std::to_string(n);
        used_.insert(unique);
        order_.push_back(name);
        return ids_.emplace(name, unique).first->second;
    }

    [[nodiscard]] std::string declarations() const {
        std::string out;
        for (const std::string& name : order_) {
            const std::string& id = ids_.at(name);
            out += "    participant " + id;
            if (id != name) out += " as " + mermaid_text(name.empty() ? "(unknown)" : name);
            out += "\n";
        }
        return out;
    }

private:
    std::map<std::string, std::string> ids_;
    std::set<std::string> used_;
    std::vector<std::string> order_;
};

std::string with_note(const std::string& label, const std::string& note,
                      std::string_view fallback) {
    std::string text = label.empty() ? std::string(fallback) : label;
    if (!note.empty()) text += " (" + note + ")";
    return mermaid_text(text);
}

std::string evidence_cell(const ClaimVerdict& c) {
    if (!c.finding_ids.empty()) return md(join(c.finding_ids, ", "));
    std::string out;
    if (!c.attacks_tried.empty()) out = "attacks tried: " + join(c.attacks_tried, ", ");
    if (!c.note.empty()) out += (out.empty() ? "" : "; ") + c.note;
    return out.empty() ? "-" : md(out);
}

std::string verdict_cell(Verdict v) {
    const std::string s(to_string(v));
    return v == Verdict::violated ? "**" + s + "**" : s;
}

}  // namespace

std::string mermaid_sequence(const Finding& f) {
    Participants parts;
    std::ostringstream body;
    for (const TranscriptEntry& t : f.transcript) {
        const std::string from = parts.id_of(t.from);
        if (t.is_event) {
            body << "    Note over " << from << ": " << with_note(t.label, t.note, "event") << "\n";
        } else {
            const std::string to = parts.id_of(t.to);
            body << "    " << from << "->>" << to << ": " << with_note(t.label, t.note, "message")
                 << "\n";
        }
    }
    return "sequenceDiagram\n" + parts.declarations() + body.str();
}

std::string to_markdown(const CampaignReport& r) {
    std::ostringstream out;
    out << "# Campaign " << md(r.campaign) << ": " << md(r.protocol) << " (" << md(r.variant)
        << ")\n\n";
    if (!r.campaign_file.empty()) out << "- Campaign file: " << code_span(r.campaign_file) << "\n";
    out << "- Seed: " << r.seed << "\n";
    if (!r.started.empty()) out << "- Started: " << md(r.started) << "\n";
    out << "- Duration: " << format_duration(r.duration_s) << "\n";
    out << "- Sessions: " << r.honest_sessions << " honest, " << r.attack_sessions << " attack";
    if (r.honest_s > 0 || r.attack_s > 0) {
        out << " (honest phase " << format_duration(r.honest_s) << ", attack phase "
            << format_duration(r.attack_s) << ")";
    }
    out << "\n";
    if (!r.attacks_run.empty()) {
        out << "- Attacks run:";
        bool first = true;
        for (const auto& kv : r.attacks_run) {
            out << (first ? " " : ", ") << md(kv.first) << " " << kv.second;
            first = false;
        }
        out << "\n";
    }
    std::size_t violated = 0;
    for (const ClaimVerdict& c : r.claims) violated += c.verdict == Verdict::violated ? 1 : 0;
    out << "- Result: ";
    if (!r.failure.empty()) {
        out << "**the run failed**: " << md(r.failure) << "\n";
    } else if (violated != 0) {
        out << "**" << violated << " of " << r.claims.size() << " claims violated**, "
            << r.findings.size() << " finding" << (r.findings.size() == 1 ? "" : "s") << "\n";
    } else {
        out << "no claim violated\n";
    }

    out << "\n## Claims\n\n";
    out << "| claim | paper says | verdict | evidence |\n";
    out << "|---|---|---|---|\n";
    for (const ClaimVerdict& c : r.claims) {
        out << "| " << md(c.id) << " | " << md(c.paper_claim) << " | " << verdict_cell(c.verdict)
            << " | " << evidence_cell(c) << " |\n";
    }

    if (!r.findings.empty()) {
        out << "\n## Findings\n";
        for (const Finding& f : r.findings) {
            const std::string dir = f.dir.empty() ? "findings/" + f.id : f.dir;
            out << "\n### Finding " << md(f.id) << "\n\n";
            out << "- Claim: " << md(f.claim) << "\n";
            out << "- Attack: " << md(f.attack) << "\n";
            if (!f.strategy.empty()) out << "- Strategy: " << md(f.strategy) << "\n";
            out << "- Summary: " << md(f.summary) << "\n";
            out << "- Replay: " << code_span("mtcfuzz campaign replay " + dir) << "\n";
            out << "- Trace: " << code_span(dir + "/trace.json") << ", "
                << code_span(dir + "/trace.pcap") << "\n";
            out << "\n```mermaid\n" << mermaid_sequence(f) << "```\n";
        }
    }

    if (!r.notes.empty()) {
        out << "\n## Notes\n\n";
        for (const std::string& n : r.notes) out << "- " << md(n) << "\n";
    }
    return out.str();
}

}  // namespace mtc::report
