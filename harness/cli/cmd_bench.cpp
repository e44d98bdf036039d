// mtcfuzz bench: whole-process benchmarks of the live system.
//
// bench gaka-signalling: the GAKA papers' figure 9, communication cost on the SN <-> HN link of
// one GAKA group of n devices against n separate EPS-AKA runs, measured on live processes: for
// each n, one deployment of 1 leader + n-1 members (n sessions) and one of n EPS-AKA devices
// (n sessions), every frame relayed by the hub counted by sender and receiver role.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <set>
#include <sstream>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "harness/cli/campaign_output.hpp"
#include "harness/cli/cli_util.hpp"
#include "harness/report/png_plot.hpp"
#include "harness/runner/files.hpp"
#include "harness/runner/live_run.hpp"
#include "protocols/core/registry.hpp"

namespace mtc::cli {
namespace {

using nlohmann::ordered_json;

constexpr std::size_t kMaxGroupLimit = 5000;  // ~5000 processes: far past the paper's 1000
constexpr const char* kGaka = "gaka";
constexpr const char* kEps = "eps-aka";
constexpr const char* kSn = "SN";
constexpr const char* kHn = "HN";

// What one live run of one protocol at one n put on the wire.
struct Row {
    std::string protocol;
    std::size_t n = 0;          // devices
    std::size_t processes = 0;  // role processes (devices + SN + HN)
    std::size_t sessions = 0, committed = 0;
    bool ok = false;
    runner::HubLinkStats sn_to_hn, hn_to_sn;  // the SN <-> HN link, each way
    runner::HubLinkStats access;              // devices <-> SN, both ways
    double startup_s = 0, run_s = 0;
    std::string failures;  // "; "-joined, empty when ok
    std::string workdir;   // kept after a failed run

    [[nodiscard]] std::uint64_t sn_hn_msgs() const {
        return sn_to_hn.datagrams + hn_to_sn.datagrams;
    }
    [[nodiscard]] std::uint64_t sn_hn_bytes() const {
        return sn_to_hn.datagram_bytes + hn_to_sn.datagram_bytes + sn_to_hn.tcp_bytes +
               hn_to_sn.tcp_bytes;
    }
    [[nodiscard]] std::uint64_t access_bytes() const {
        return access.datagram_bytes + access.tcp_bytes;
    }
};

// 1, 2, 5, 10, 20, 50, ... up to `max`, and `max` itself.
std::vector<std::size_t> log_points(std::size_t max) {
    std::vector<std::size_t> out;
    for (std::size_t decade = 1; decade <= max; decade *= 10) {
        for (std::size_t m : {1, 2, 5}) {
            if (m * decade <= max) out.push_back(m * decade);
        }
        if (decade > max / 10) break;
    }
    if (out.empty() || out.back() != max) out.push_back(max);
    return out;
}

std::optional<std::string> parse_points(const std::string& text, std::vector<std::size_t>& out) {
    std::stringstream in(text);
    std::string item;
    std::set<std::size_t> seen;
    while (std::getline(in, item, ',')) {
        const auto first = item.find_first_not_of(' ');
        const auto last = item.find_last_not_of(' ');
        item = first == std::string::npos ? "" : item.substr(first, last - first + 1);
        if (item.empty() || item.size() > 6 ||
            item.find_first_not_of("0123456789") != std::string::npos) {
            return "--points wants comma-separated group sizes, e.g. 1,10,100; got '" + item + "'";
        }
        const std::size_t n = std::stoul(item);
        if (n < 1 || n > kMaxGroupLimit) {
            return "--points: every group size must be 1.." + std::to_string(kMaxGroupLimit) +
                   ", got " + item;
        }
        seen.insert(n);
    }
    if (seen.empty()) return "--points is empty";
    out.assign(seen.begin(), seen.end());
    return std::nullopt;
}

std::string fmt(double v, const char* f) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

// 1 - gaka/eps, or nullopt without a baseline.
std::optional<double> improvement(double gaka, double eps) {
    if (eps <= 0) return std::nullopt;
    return 1.0 - gaka / eps;
}

struct Bench {
    const ProtocolSpec* gaka = nullptr;
    const ProtocolSpec* eps = nullptr;
    std::optional<std::uint64_t> seed;
    bool progress = true;
    std::string exe;
    std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();

    [[nodiscard]] double elapsed() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }

    Result<Row> measure(const ProtocolSpec& spec, std::size_t n) const {
        runner::LiveRunOptions o;
        o.spec = &spec;
        if (&spec == gaka) {
            o.deployment.instances = {{"leader", 1}, {"member", static_cast<int>(n - 1)}};
        } else {
            o.deployment.instances = {{"device", static_cast<int>(n)}};
        }
        o.sessions = n;
        o.concurrency = 1;  // the leader's run first, then each member's: the paper's order
        o.seed = seed;
        o.self_exe = exe;
        o.retransmit_ms = 0;  // count protocol messages only, never a retransmitted copy
        o.stall_timeout = std::chrono::seconds(60);
        const bool tty = progress && ::isatty(STDERR_FILENO) == 1;
        if (tty && n >= 20) {
            o.progress = [&spec, n](std::size_t done, std::size_t total) {
                if (done % 10 == 0 || done == total)
                    std::fprintf(stderr, "\r  %s n=%zu: %zu/%zu sessions", spec.name.c_str(), n,
                                 done, total);
                if (done == total) std::fprintf(stderr, "\r\033[K");
            };
        }
        auto r = runner::live_run(o);
        if (!r) return r.error();
        Row row;
        row.protocol = spec.name;
        row.n = n;
        for (const auto& [role, summary] : r->roles) row.processes += summary.instances;
        row.sessions = r->sessions_started;
        row.committed = r->sessions_committed;
        row.ok = r->all_committed() && row.sessions == n;
        for (const auto& [link, stats] : r->role_links) {
            const auto& [from, to] = link;
            if (from == kSn && to == kHn) {
                row.sn_to_hn += stats;
            } else if (from == kHn && to == kSn) {
                row.hn_to_sn += stats;
            } else if ((from == kSn) != (to == kSn) && from != kHn && to != kHn) {
                row.access += stats;
            }
        }
        row.startup_s = r->startup_s;
        row.run_s = r->wall_s;
        for (const auto& [reason, count] : r->failures) {
            row.failures += (row.failures.empty() ? "" : "; ") + reason +
                            (count > 1 ? " (x" + std::to_string(count) + ")" : "");
        }
        if (!row.ok && row.failures.empty())
            row.failures =
                std::to_string(row.committed) + " of " + std::to_string(n) + " committed";
        row.workdir = r->workdir;
        return row;
    }
};

const Row* find_row(const std::vector<Row>& rows, const std::string& protocol, std::size_t n) {
    for (const auto& r : rows) {
        if (r.protocol == protocol && r.n == n) return &r;
    }
    return nullptr;
}

std::string csv(const std::vector<Row>& rows) {
    std::ostringstream out;
    out << "protocol,n,processes,sessions,committed,all_committed,sn_hn_msgs,sn_hn_bytes,"
           "sn_to_hn_msgs,sn_to_hn_bytes,hn_to_sn_msgs,hn_to_sn_bytes,access_msgs,access_bytes,"
           "startup_s,run_s\n";
    for (const auto& r : rows) {
        out << r.protocol << ',' << r.n << ',' << r.processes << ',' << r.sessions << ','
            << r.committed << ',' << (r.ok ? "true" : "false") << ',' << r.sn_hn_msgs() << ','
            << r.sn_hn_bytes() << ',' << r.sn_to_hn.datagrams << ','
            << r.sn_to_hn.datagram_bytes + r.sn_to_hn.tcp_bytes << ',' << r.hn_to_sn.datagrams
            << ',' << r.hn_to_sn.datagram_bytes + r.hn_to_sn.tcp_bytes << ',' << r.access.datagrams
            << ',' << r.access_bytes() << ',' << fmt(r.startup_s, "%.3f") << ','
            << fmt(r.run_s, "%.3f") << '\n';
    }
    return out.str();
}

std::string percent(std::optional<double> v) {
    return v ? fmt(100.0 * *v, "%.1f%%") : "n/a";
}

std::string ratio(double eps, double gaka) {
    return gaka > 0 ? fmt(eps / gaka, "%.2f") : "n/a";
}

std::string markdown(const std::vector<Row>& rows, const std::vector<std::size_t>& points,
                     const Bench& b) {
    std::ostringstream out;
    out << "# GAKA vs EPS-AKA: SN <-> HN signalling\n\n"
        << "Measured by `mtcfuzz bench gaka-signalling` on live role processes: for each n, one "
           "GAKA group (1 leader + n-1 members, n sessions) and n EPS-AKA devices (n sessions), "
           "every frame relayed by the hub between the SN and the HN counted. A message is one "
           "frame (one UDP datagram); bytes are the UDP payloads, i.e. the frames with their "
           "16-byte header (no IP/UDP headers). Seed: "
        << (b.seed ? std::to_string(*b.seed) : std::string("random")) << ".\n\n"
        << "I = 1 - GAKA / EPS-AKA (the share of the SN <-> HN signalling a group saves); "
           "ratio = EPS-AKA / GAKA.\n\n"
        << "| n | EPS-AKA msgs | EPS-AKA bytes | GAKA msgs | GAKA bytes | I (msgs) | I (bytes) | "
           "ratio (bytes) |\n"
        << "|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    for (std::size_t n : points) {
        const Row* e = find_row(rows, kEps, n);
        const Row* g = find_row(rows, kGaka, n);
        if (e == nullptr || g == nullptr) continue;
        const auto em = static_cast<double>(e->sn_hn_msgs()),
                   eb = static_cast<double>(e->sn_hn_bytes());
        const auto gm = static_cast<double>(g->sn_hn_msgs()),
                   gb = static_cast<double>(g->sn_hn_bytes());
        out << "| " << n << " | " << e->sn_hn_msgs() << " | " << e->sn_hn_bytes() << " | "
            << g->sn_hn_msgs() << " | " << g->sn_hn_bytes() << " | " << percent(improvement(gm, em))
            << " | " << percent(improvement(gb, eb)) << " | " << ratio(eb, gb) << " |\n";
    }
    out << "\nFor context, the device <-> SN link (both ways) and the runs:\n\n"
        << "| n | protocol | device<->SN msgs | device<->SN bytes | processes | sessions committed "
           "| start-up s | sessions s |\n"
        << "|---:|---|---:|---:|---:|---:|---:|---:|\n";
    for (std::size_t n : points) {
        for (const char* p : {kEps, kGaka}) {
            const Row* r = find_row(rows, p, n);
            if (r == nullptr) continue;
            out << "| " << n << " | " << p << " | " << r->access.datagrams << " | "
                << r->access_bytes() << " | " << r->processes << " | " << r->committed << "/"
                << r->n << (r->ok ? "" : " FAILED") << " | " << fmt(r->startup_s, "%.2f") << " | "
                << fmt(r->run_s, "%.2f") << " |\n";
        }
    }
    bool failed = false;
    for (const auto& r : rows) {
        if (r.ok) continue;
        if (!failed) out << "\nFailures:\n\n";
        failed = true;
        out << "- " << r.protocol << " n=" << r.n << ": " << r.failures
            << (r.workdir.empty() ? "" : " (work directory " + r.workdir + ")") << "\n";
    }
    return out.str();
}

Result<Bytes> plot(const std::vector<Row>& rows, const std::vector<std::size_t>& points) {
    report::LinePlot p;
    p.title = "SN<->HN signalling: one GAKA group vs n EPS-AKA runs";
    p.x_label = "n (devices, log scale)";
    p.y_label = "SN<->HN bytes (UDP payloads, log scale)";
    p.log_x = p.log_y = true;
    report::PlotSeries eps{"EPS-AKA (n runs)", {214, 39, 40}, {}, {}, false};
    report::PlotSeries gaka{"GAKA (1 group of n)", {31, 119, 180}, {}, {}, true};
    for (std::size_t n : points) {
        for (auto* s : {&eps, &gaka}) {
            const Row* r = find_row(rows, s == &eps ? kEps : kGaka, n);
            if (r == nullptr || r->sn_hn_bytes() == 0) continue;
            s->x.push_back(static_cast<double>(n));
            s->y.push_back(static_cast<double>(r->sn_hn_bytes()));
        }
    }
    p.series = {eps, gaka};
    auto raster = report::render_plot(p);
    if (!raster) return raster.error();
    return report::encode_png(*raster);
}

ordered_json to_json(const std::vector<Row>& rows, const std::vector<std::size_t>& points,
                     const Bench& b, const std::string& dir, bool ok) {
    ordered_json j;
    j["bench"] = "gaka-signalling";
    j["bytes"] = "UDP payload (frames, 16-byte header included; no IP/UDP headers)";
    j["improvement"] = "I = 1 - GAKA/EPS-AKA";
    j["seed"] = b.seed ? ordered_json(*b.seed) : ordered_json(nullptr);
    j["points"] = points;
    j["out"] = dir;
    j["rows"] = ordered_json::array();
    for (const auto& r : rows) {
        j["rows"].push_back(
            {{"protocol", r.protocol},
             {"n", r.n},
             {"processes", r.processes},
             {"sessions", r.sessions},
             {"committed", r.committed},
             {"all_committed", r.ok},
             {"sn_hn", {{"msgs", r.sn_hn_msgs()}, {"bytes", r.sn_hn_bytes()}}},
             {"sn_to_hn",
              {{"msgs", r.sn_to_hn.datagrams},
               {"bytes", r.sn_to_hn.datagram_bytes + r.sn_to_hn.tcp_bytes}}},
             {"hn_to_sn",
              {{"msgs", r.hn_to_sn.datagrams},
               {"bytes", r.hn_to_sn.datagram_bytes + r.hn_to_sn.tcp_bytes}}},
             {"device_sn", {{"msgs", r.access.datagrams}, {"bytes", r.access_bytes()}}},
             {"startup_s", r.startup_s},
             {"run_s", r.run_s},
             {"failures", r.failures}});
    }
    j["comparison"] = ordered_json::array();
    for (std::size_t n : points) {
        const Row* e = find_row(rows, kEps, n);
        const Row* g = find_row(rows, kGaka, n);
        if (e == nullptr || g == nullptr) continue;
        const auto eb = static_cast<double>(e->sn_hn_bytes()),
                   gb = static_cast<double>(g->sn_hn_bytes());
        const auto em = static_cast<double>(e->sn_hn_msgs()),
                   gm = static_cast<double>(g->sn_hn_msgs());
        const auto opt = [](std::optional<double> v) {
            return v ? ordered_json(*v) : ordered_json(nullptr);
        };
        j["comparison"].push_back({{"n", n},
                                   {"improvement_msgs", opt(improvement(gm, em))},
                                   {"improvement_bytes", opt(improvement(gb, eb))},
                                   {"ratio_bytes", gb > 0 ? ordered_json(eb / gb) : nullptr}});
    }
    j["ok"] = ok;
    return j;
}

int gaka_signalling(const std::vector<std::string>& args) {
    po::options_description opts("options");
    std::size_t max_group = 1000;
    std::string out_dir, points_text;
    std::uint64_t seed = 0;
    // clang-format off
    opts.add_options()
        ("max-group", po::value(&max_group)->default_value(1000), ("largest group size n, 1.." + std::to_string(kMaxGroupLimit)).c_str())
        ("out,o", po::value(&out_dir), "output directory (created if missing): gaka-signalling.{csv,md,png}")
        ("points", po::value(&points_text), "explicit group sizes instead of the log-spaced ones, e.g. 1,10,100,1000")
        ("seed", po::value(&seed), "seed keys and the roles' randomness (default: random)")
        ("json", po::bool_switch(), "print the results as JSON on stdout")
        ("quiet", po::bool_switch(), "no progress on stderr");
    // clang-format on
    po::positional_options_description pos;
    int code = kOk;
    auto vm = parse(
        "bench gaka-signalling", "-o DIR [--max-group N] [--points LIST] [--seed S] [--json]",
        "The GAKA papers' figure 9: communication cost on the SN <-> HN link of group\n"
        "authentication against separate EPS-AKA runs, measured on live processes.\n\n"
        "For each group size n (log-spaced 1, 2, 5, 10, 20, 50, ... up to --max-group, which\n"
        "is always included, or --points) it runs two deployments through the hub, one\n"
        "'mtcfuzz role' process per instance:\n"
        "  gaka     1 leader + n-1 members, SN, HN; n sessions (leader first, then members):\n"
        "           the leader's attach fetches the whole group's vectors from the HN\n"
        "           (GroupAuthDataReq, GroupAuthDataResp in as many parts as 64 KiB frames\n"
        "           need); members are served by the SN alone.\n"
        "  eps-aka  n devices, SN, HN; n sessions: each attach costs AuthDataReq + AuthDataResp.\n"
        "and counts every frame the hub relays between the SN and the HN (messages = frames =\n"
        "UDP datagrams; bytes = UDP payloads, the frames including their 16-byte header, no\n"
        "IP/UDP headers), plus the device <-> SN traffic for context. The roles run with\n"
        "--retransmit-ms 0 (initiators never retransmit), so only protocol messages are\n"
        "counted. Every session must commit on every role.\n\n"
        "Improvement: I = 1 - GAKA/EPS-AKA (of SN <-> HN bytes, and of messages); ratio =\n"
        "EPS-AKA/GAKA. Writes DIR/gaka-signalling.csv (one row per n and protocol),\n"
        "DIR/gaka-signalling.md (the comparison table) and DIR/gaka-signalling.png (SN <-> HN\n"
        "bytes over n, both axes log), each atomically. A group of 1000 runs 1002 processes,\n"
        "on 127.A.B.0/24 .. 127.A.(B+8).0/24 (120 instances a /24); the open-file limit is\n"
        "raised to the hard limit when needed. Progress (n, elapsed time) goes to stderr.\n\n"
        "Exit 0 when every session of every run committed, 3 otherwise (the files are written\n"
        "either way), 2 on bad arguments.\n"
        "examples:\n"
        "  mtcfuzz bench gaka-signalling --max-group 1000 -o out/\n"
        "  mtcfuzz bench gaka-signalling --points 1,10,100 -o out/ --seed 7 --json",
        opts, pos, args, code);
    if (!vm) return code;
    const std::string cmd = "bench gaka-signalling";
    if (out_dir.empty()) return usage_error(cmd, "-o/--out DIR is required");
    if (max_group < 1 || max_group > kMaxGroupLimit) {
        return usage_error(cmd, "--max-group must be 1.." + std::to_string(kMaxGroupLimit) +
                                    ", got " + std::to_string(max_group));
    }
    std::vector<std::size_t> points;
    if (!points_text.empty()) {
        if (auto why = parse_points(points_text, points)) return usage_error(cmd, *why);
        if (!(*vm)["max-group"].defaulted() && points.back() > max_group) {
            return usage_error(cmd, "--points has " + std::to_string(points.back()) +
                                        ", above --max-group " + std::to_string(max_group));
        }
    } else {
        points = log_points(max_group);
    }
    Bench b;
    b.gaka = find_protocol(kGaka);
    b.eps = find_protocol(kEps);
    if (b.gaka == nullptr || b.eps == nullptr) {
        std::cerr << "mtcfuzz " << cmd << ": the gaka and eps-aka protocols are not registered in "
                  << "this build (see 'mtcfuzz list')\n";
        return kRunFailed;
    }
    for (const auto* spec : {b.gaka, b.eps}) {
        for (const char* role : {kSn, kHn}) {
            if (spec->role(role) == nullptr) {
                std::cerr << "mtcfuzz " << cmd << ": " << spec->name << " has no role " << role
                          << "\n";
                return kRunFailed;
            }
        }
    }
    if (vm->count("seed") != 0) b.seed = seed;
    b.progress = !(*vm)["quiet"].as<bool>();
    b.exe = self_exe();
    if (auto s = runner::make_dirs(out_dir, 0755); !s) {
        std::cerr << "mtcfuzz " << cmd << ": " << s.error().describe() << "\n";
        return kRunFailed;
    }

    std::vector<Row> rows;
    std::string error;
    for (std::size_t n : points) {
        for (const ProtocolSpec* spec : {b.eps, b.gaka}) {
            if (b.progress) {
                std::fprintf(stderr, "bench: n=%zu %s (%zu processes) ... [%.1f s]\n", n,
                             spec->name.c_str(), n + 2, b.elapsed());
            }
            auto row = b.measure(*spec, n);
            if (!row) {
                error = spec->name + " n=" + std::to_string(n) + ": " + row.error().describe();
                break;
            }
            if (b.progress) {
                std::fprintf(stderr,
                             "bench: n=%zu %s: %zu/%zu committed, SN<->HN %llu msgs %llu bytes, "
                             "start-up %.2f s, sessions %.2f s%s\n",
                             n, spec->name.c_str(), row->committed, n,
                             static_cast<unsigned long long>(row->sn_hn_msgs()),
                             static_cast<unsigned long long>(row->sn_hn_bytes()), row->startup_s,
                             row->run_s, row->ok ? "" : (" FAILED: " + row->failures).c_str());
            }
            rows.push_back(std::move(row).value());
        }
        if (!error.empty()) break;
    }

    bool ok = error.empty();
    for (const auto& r : rows) ok = ok && r.ok;
    const std::string base = out_dir + "/gaka-signalling";
    std::vector<std::string> write_errors;
    auto write = [&](const std::string& path, std::string_view content) {
        if (auto s = runner::write_file_atomic(path, content, 0644); !s)
            write_errors.push_back(s.error().describe());
    };
    write(base + ".csv", csv(rows));
    write(base + ".md", markdown(rows, points, b));
    if (auto png = plot(rows, points)) {
        write(base + ".png",
              std::string_view(reinterpret_cast<const char*>(png->data()), png->size()));
    } else {
        write_errors.push_back("plot: " + png.error().describe());
    }
    if ((*vm)["json"].as<bool>())
        std::cout << to_json(rows, points, b, out_dir, ok).dump(2) << "\n";
    if (b.progress) {
        std::fprintf(stderr, "bench: %s in %.1f s; wrote %s.{csv,md,png}\n", ok ? "done" : "FAILED",
                     b.elapsed(), base.c_str());
    }
    for (const auto& e : write_errors) std::cerr << "mtcfuzz " << cmd << ": " << e << "\n";
    if (!error.empty()) std::cerr << "mtcfuzz " << cmd << ": " << error << "\n";
    for (const auto& r : rows) {
        if (!r.ok) {
            std::cerr << "mtcfuzz " << cmd << ": " << r.protocol << " n=" << r.n << ": "
                      << r.failures << (r.workdir.empty() ? "" : " (kept " + r.workdir + ")")
                      << "\n";
        }
    }
    return ok && write_errors.empty() ? kOk : kRunFailed;
}

struct BenchEntry {
    const char* name;
    const char* summary;
    int (*run)(const std::vector<std::string>&);
};

constexpr BenchEntry kBenches[] = {
    {"gaka-signalling",
     "SN<->HN messages and bytes of one GAKA group of n vs n EPS-AKA runs (figure 9)",
     gaka_signalling},
};

void print_bench_help() {
    std::cout << "usage: mtcfuzz bench BENCH [options]\n\n"
                 "Whole-process benchmarks on live role processes. Every bench takes --help.\n\n"
                 "benches:\n";
    for (const auto& b : kBenches) std::cout << "  " << b.name << "  " << b.summary << "\n";
    std::cout << "\nexample: mtcfuzz bench gaka-signalling --max-group 1000 -o out/\n";
}

}  // namespace

int cmd_bench(const std::vector<std::string>& args) {
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        print_bench_help();
        return args.empty() ? kUsage : kOk;
    }
    for (const auto& b : kBenches) {
        if (args[0] == b.name) return b.run({args.begin() + 1, args.end()});
    }
    return usage_error("bench", "unknown bench '" + args[0] + "'; benches: gaka-signalling");
}

}  // namespace mtc::cli
