#include "harness/cli/campaign_output.hpp"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <sys/ioctl.h>
#include <unistd.h>

#include "harness/net/endpoint.hpp"

namespace mtc::cli {

namespace fs = std::filesystem;

std::optional<std::string_view> embedded_campaign(std::string_view name) {
    for (const auto& entry : embedded_campaigns()) {
        if (entry.first == name) return entry.second;
    }
    return std::nullopt;
}

std::string embedded_campaign_names() {
    std::string s;
    for (const auto& entry : embedded_campaigns())
        s += (s.empty() ? "" : ", ") + std::string(entry.first);
    return s.empty() ? "none" : s;
}

Result<attacks::Campaign> load_builtin_campaign(std::string_view name) {
    const auto text = embedded_campaign(name);
    if (!text) {
        return make_error("no built-in campaign '" + std::string(name) +
                          "' (built in: " + embedded_campaign_names() + ")");
    }
    return attacks::parse_campaign(*text, "attacks/campaigns/" + std::string(name) + ".toml");
}

Result<attacks::Campaign> load_campaign_arg(const std::string& arg) {
    if (arg.rfind(kBuiltinPrefix, 0) == 0) {
        return load_builtin_campaign(std::string_view(arg).substr(kBuiltinPrefix.size()));
    }
    std::error_code ec;
    const auto status = fs::status(arg, ec);
    if (!fs::exists(status)) {
        return make_error(arg +
                          ": no such file (built-in campaigns: builtin:NAME with NAME one of " +
                          embedded_campaign_names() + ")");
    }
    if (fs::is_directory(status)) return make_error(arg + ": is a directory, not a campaign file");
    auto c = attacks::load_campaign(arg);
    if (!c && c.error().reason.find(arg) == std::string::npos) {
        return make_error(arg + ": " + c.error().describe());
    }
    return c;
}

std::string self_exe() {
    char buf[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "mtcfuzz";
}

std::optional<std::string> check_addr_prefix(const std::string& prefix) {
    const bool shape =
        prefix.rfind("127.", 0) == 0 && std::count(prefix.begin(), prefix.end(), '.') == 2;
    if (!shape || !net::parse_endpoint(prefix + ".1:1"))
        return "--addr-prefix wants 127.A.B, got '" + prefix + "'";
    return std::nullopt;
}

std::string variant_names(const ProtocolSpec& spec) {
    std::string s;
    for (const auto& v : spec.variants) s += (s.empty() ? "" : ", ") + v.name;
    return s;
}

// ---- progress line ----

struct ProgressLine::State {
    std::mutex mu;
    std::string label;
    bool enabled = false;
    bool printed = false;
    bool finished = false;
};

namespace {

std::size_t terminal_columns() {
    winsize ws{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return 0;
}

std::string progress_text(const std::string& label, const runner::CampaignProgress& p) {
    char buf[160];
    std::string attacks = std::to_string(p.attacks_done);
    if (p.attacks_total != 0) attacks += "/" + std::to_string(p.attacks_total);
    std::snprintf(buf, sizeof buf, "honest %zu/%zu  attacks %s  findings %zu  %.1fs/%.0fs",
                  p.honest_done, p.honest_total, attacks.c_str(), p.findings, p.elapsed_s,
                  p.budget_s);
    std::string line = "[" + label + "] " + buf;
    if (!p.current.empty()) line += "  " + p.current;
    return line;
}

// The first `width` columns of `s`, cut at a code point.
std::string cut_columns(const std::string& s, std::size_t width) {
    std::size_t points = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
        if (points++ == width) return s.substr(0, i);
    }
    return s;
}

}  // namespace

ProgressLine::ProgressLine(std::string label, bool enabled) : state_(std::make_shared<State>()) {
    state_->label = std::move(label);
    state_->enabled = enabled && ::isatty(STDERR_FILENO) == 1;
}

ProgressLine::~ProgressLine() {
    finish();
}

std::function<void(const runner::CampaignProgress&)> ProgressLine::callback() const {
    return [state = state_](const runner::CampaignProgress& p) {
        const std::lock_guard<std::mutex> lock(state->mu);
        if (!state->enabled || state->finished) return;
        std::string line = progress_text(state->label, p);
        // A line that wraps cannot be rewritten with '\r': keep it within the terminal.
        if (const std::size_t cols = terminal_columns(); cols > 1)
            line = cut_columns(line, cols - 1);
        line = "\r" + line + "\033[K";
        std::fwrite(line.data(), 1, line.size(), stderr);
        std::fflush(stderr);
        state->printed = true;
    };
}

void ProgressLine::finish() {
    const std::lock_guard<std::mutex> lock(state_->mu);
    if (state_->printed && !state_->finished) {
        std::fputs("\n", stderr);
        std::fflush(stderr);
    }
    state_->finished = true;
}

// ---- tables ----

std::size_t display_width(std::string_view s) {
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char ch) {
        return (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
    }));
}

std::string shorten(std::string_view text, std::size_t width) {
    std::string one_line;
    one_line.reserve(text.size());
    for (const char ch : text) {
        const bool space = ch == '\n' || ch == '\r' || ch == '\t' || ch == ' ';
        if (space && (one_line.empty() || one_line.back() == ' ')) continue;
        one_line.push_back(space ? ' ' : ch);
    }
    while (!one_line.empty() && one_line.back() == ' ') one_line.pop_back();
    if (display_width(one_line) <= width) return one_line;
    if (width <= 3) return std::string(width, '.');
    // Keep width - 3 code points, then back up to a word boundary if one is near.
    std::size_t points = 0, cut = 0;
    for (; cut < one_line.size(); ++cut) {
        if ((static_cast<unsigned char>(one_line[cut]) & 0xC0) == 0x80) continue;
        if (points == width - 3) break;
        ++points;
    }
    std::string out = one_line.substr(0, cut);
    if (const auto sp = out.rfind(' '); sp != std::string::npos && sp + 12 > out.size() && sp > 0)
        out.resize(sp);
    while (!out.empty() &&
           (out.back() == ' ' || out.back() == ',' || out.back() == ';' || out.back() == '.'))
        out.pop_back();
    return out + "...";
}

namespace {

// "a, b, c +N more", within about `width` columns.
std::string join_some(const std::vector<std::string>& items, std::size_t width) {
    std::string s;
    std::size_t shown = 0;
    for (const auto& item : items) {
        const std::size_t more = items.size() - shown - 1;
        const std::string tail = more == 0 ? "" : " +" + std::to_string(more) + " more";
        const std::string next = (s.empty() ? "" : s + ", ") + item;
        if (shown > 0 && display_width(next) + tail.size() > width) break;
        s = next;
        ++shown;
    }
    if (shown < items.size()) s += " +" + std::to_string(items.size() - shown) + " more";
    return s;
}

}  // namespace

std::string evidence(const report::ClaimVerdict& c) {
    switch (c.verdict) {
        case report::Verdict::violated:
            if (c.finding_ids.empty()) return c.note.empty() ? "(no finding recorded)" : c.note;
            return join_some(c.finding_ids, 60);
        case report::Verdict::holds:
            // A claim judged by one dedicated step (forward secrecy by the compromise) says
            // what that step tried.
            if (!c.note.empty()) return shorten(c.note, 70);
            if (c.attacks_tried.empty()) return "attacks tried: none";
            return "attacks tried: " + join_some(c.attacks_tried, 60);
        case report::Verdict::not_tested:
        case report::Verdict::not_applicable:
            break;
    }
    return c.note.empty() ? "-" : shorten(c.note, 70);
}

void print_table(std::ostream& out, const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths(header.size(), 0);
    const auto measure = [&widths](const std::vector<std::string>& row) {
        for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i)
            widths[i] = std::max(widths[i], display_width(row[i]));
    };
    measure(header);
    for (const auto& row : rows) measure(row);
    const auto print_row = [&out, &widths](const std::vector<std::string>& row) {
        std::string line;
        for (std::size_t i = 0; i < widths.size(); ++i) {
            const std::string cell = i < row.size() ? row[i] : "";
            if (i != 0) line += " | ";
            line += cell;
            if (i + 1 < widths.size()) line.append(widths[i] - display_width(cell), ' ');
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out << line << "\n";
    };
    print_row(header);
    std::string rule;
    for (std::size_t i = 0; i < widths.size(); ++i) {
        if (i != 0) rule += "-+-";
        rule.append(widths[i], '-');
    }
    out << rule << "\n";
    for (const auto& row : rows) print_row(row);
}

// ---- output folders ----

bool is_missing_or_empty(const std::string& dir) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) return true;
    return fs::is_directory(dir, ec) && fs::is_empty(dir, ec);
}

std::optional<std::string> clear_campaign_outputs(const std::string& dir) {
    for (const char* name :
         {"report.json", "report.sarif", "report.md", "events.jsonl", "traffic.pcap", "findings"}) {
        std::error_code ec;
        fs::remove_all(fs::path(dir) / name, ec);
        if (ec) return "cannot remove " + (fs::path(dir) / name).string() + ": " + ec.message();
    }
    return std::nullopt;
}

}  // namespace mtc::cli
