// mtcfuzz capture: record an interface live through libpcap into a pcap file.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "harness/cli/cli_util.hpp"
#include "harness/pcap/layers.hpp"
#include "harness/pcap/live_capture.hpp"

namespace mtc::cli {
namespace {

// The capture a SIGINT/SIGTERM stops (signal handlers can reach nothing else).
std::atomic<pcap::LiveCapture*> g_capture{nullptr};

extern "C" void stop_capture(int /*signo*/) {
    if (pcap::LiveCapture* c = g_capture.load()) c->break_loop();
}

// Installs the stop handler for SIGINT and SIGTERM; restores the previous ones when destroyed.
class StopOnSignals {
public:
    explicit StopOnSignals(pcap::LiveCapture& c) {
        g_capture.store(&c);
        struct sigaction sa {};
        sa.sa_handler = stop_capture;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0;  // no SA_RESTART: a blocked read returns and sees the break
        sigaction(SIGINT, &sa, &old_int_);
        sigaction(SIGTERM, &sa, &old_term_);
    }
    ~StopOnSignals() {
        sigaction(SIGINT, &old_int_, nullptr);
        sigaction(SIGTERM, &old_term_, nullptr);
        g_capture.store(nullptr);
    }
    StopOnSignals(const StopOnSignals&) = delete;
    StopOnSignals& operator=(const StopOnSignals&) = delete;

private:
    struct sigaction old_int_ {};
    struct sigaction old_term_ {};
};

}  // namespace

int cmd_capture(const std::vector<std::string>& args) {
    po::options_description opts("options");
    std::string iface, filter, file;
    double duration = 0;
    std::uint64_t count = 0;
    // clang-format off
    opts.add_options()
        ("iface,i", po::value(&iface), "interface to record, e.g. lo or eth0 ('ip link' lists them)")
        ("filter,f", po::value(&filter), "BPF filter, e.g. 'udp port 5000 or tcp port 6000'")
        ("write,w", po::value(&file), "pcap file to write (renamed into place when done)")
        ("duration", po::value(&duration), "stop after S seconds (default: no limit)")
        ("count,c", po::value(&count), "stop after N packets (default: no limit)");
    // clang-format on
    po::positional_options_description pos;
    int code = kOk;
    auto vm = parse(
        "capture", "--iface IF [--filter BPF] -w FILE [--duration S] [--count N]",
        "Records IF live through libpcap (immediate mode, snaplen 65535) into FILE, a pcap\n"
        "written under FILE.tmp.<pid> and renamed into place when the capture ends: on\n"
        "Ctrl-C (SIGINT) or SIGTERM, after --duration seconds, or after --count packets.\n"
        "Prints how many packets were captured and how many the kernel dropped.\n\n"
        "Live capture needs root or CAP_NET_RAW (e.g. 'sudo setcap cap_net_raw+eip\n"
        "$(command -v mtcfuzz)'). Runs through the hub need neither: 'mtcfuzz run --pcap FILE'\n"
        "writes every relayed byte itself.\n\n"
        "Exit 0 when the capture was written; 2 for bad usage, an unknown interface or a bad\n"
        "filter; 3 when capturing failed (permissions, interface down, write error).\n"
        "example:\n"
        "  mtcfuzz capture -i lo -f 'udp or tcp' -w live.pcap --duration 10 &&\n"
        "  mtcfuzz pcap ls live.pcap",
        opts, pos, args, code);
    if (!vm) return code;
    if (iface.empty()) return usage_error("capture", "missing --iface IF");
    if (file.empty()) return usage_error("capture", "missing -w FILE");
    if (duration < 0) return usage_error("capture", "--duration must not be negative");

    pcap::LiveCapture::OpenFailure why = pcap::LiveCapture::OpenFailure::none;
    auto cap = pcap::LiveCapture::open(iface, &why);
    if (!cap) {
        if (why == pcap::LiveCapture::OpenFailure::no_such_device) {
            return usage_error("capture", cap.error().reason);
        }
        std::cerr << "mtcfuzz capture: " << cap.error().reason << "\n";
        return kRunFailed;
    }
    if (!filter.empty()) {
        if (auto s = (*cap)->set_filter(filter); !s)
            return usage_error("capture", s.error().reason);
    }
    if (auto s = (*cap)->start_output(file); !s) {
        std::cerr << "mtcfuzz capture: " << s.error().reason << "\n";
        return kRunFailed;
    }
    std::fprintf(stderr, "capturing on %s (%s)%s%s to %s; Ctrl-C stops\n", iface.c_str(),
                 pcap::link_type_name((*cap)->link_type()).c_str(),
                 filter.empty() ? "" : ", filter: ", filter.c_str(), file.c_str());
    Result<pcap::CaptureSummary> summary = make_error("not run");
    {
        StopOnSignals stop(**cap);
        summary = (*cap)->run(count, duration);
    }
    if (!summary) {
        std::cerr << "mtcfuzz capture: " << summary.error().reason << "\n";
        return kRunFailed;
    }
    if (auto s = (*cap)->commit(); !s) {
        std::cerr << "mtcfuzz capture: " << s.error().reason << "\n";
        return kRunFailed;
    }
    std::printf("%llu packets captured to %s", static_cast<unsigned long long>(summary->captured),
                file.c_str());
    if (summary->have_stats) {
        std::printf(" (kernel: %llu received by the filter, %llu dropped; interface dropped %llu)",
                    static_cast<unsigned long long>(summary->received),
                    static_cast<unsigned long long>(summary->dropped),
                    static_cast<unsigned long long>(summary->if_dropped));
    }
    std::printf("\n");
    return kOk;
}

}  // namespace mtc::cli
