// Reading speed of harness/pcap against tcpdump and a bare libpcap loop, on one file.
//
//   build/release/bench/bench_pcap [PACKETS]        (default 1000000)
//
// Writes PACKETS UDP datagrams carrying ProSe frames (M1..M4, as the hub would) with
// PcapWriter into a temporary directory, then times, on that same file (page cache warm):
//   - bare:    a pcap_next_ex loop that touches nothing (the ceiling for any libpcap reader)
//   - tcpdump: `tcpdump -r FILE -w /dev/null`, spawned, wall time including process start
//   - mtcfuzz read only: PcapReader -> PacketDecoder (link, IP, UDP, conversation table)
//              delivering every payload: the share of the work tcpdump does
//   - mtcfuzz read+dissect: the same into the Dissector (strict decode of every frame, rows
//              with every field rendered): the path `mtcfuzz pcap ls` takes minus printing
// Each is run 3 times and the best kept. Figures are printed, never asserted. The file is
// removed at the end unless MTC_BENCH_KEEP is set (to profile the reader on it).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "harness/pcap/dissect.hpp"
#include "harness/pcap/reader.hpp"
#include "harness/pcap/writer.hpp"
#include "protocols/core/codec.hpp"
#include "protocols/prose/schema.hpp"

namespace {

using mtc::Bytes;
using mtc::Message;
namespace prose = mtc::prose;
namespace mp = mtc::pcap;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

template <typename F>
double best_of_3(F&& f) {
    double best = 1e300;
    for (int i = 0; i < 3; ++i) best = std::min(best, f());
    return best;
}

// Four frames of the sizes an honest ProSe run produces.
std::vector<Bytes> prose_frames() {
    std::vector<Bytes> out;
    for (std::uint8_t type = prose::M1; type <= prose::M4; ++type) {
        Message m;
        m.protocol = prose::kProtocolId;
        m.type = type;
        m.session = 0x1122334455667700ULL + type;
        m.set(prose::MTCdID, mtc::to_bytes("mtcd-000017"));
        m.set(prose::MTCsID, mtc::to_bytes("mtcs-0"));
        if (type <= prose::M2) {
            m.set(prose::MTCdNonce, Bytes(16, 0x11));
            m.set(prose::UEID, mtc::to_bytes("ue-0"));
            m.set(prose::MTCdInfo_MICAlg, Bytes{1});
            m.set(prose::MTCdInfo_KDFAlgs, Bytes{1, 2});
            m.set(prose::MTCdMIC, Bytes(32, 0x22));
        } else {
            m.set(prose::UEID, mtc::to_bytes("ue-0"));
            m.set(prose::MTCsNonce, Bytes(16, 0x33));
            m.set(prose::MTCsInfo_KDFAlg, Bytes{1});
            m.set(prose::MTCsInfo_Expiry, Bytes(8, 0));
            m.set(prose::MTCsMIC, Bytes(32, 0x44));
            if (type == prose::M3) m.set(prose::DMKey, Bytes(32, 0x55));
        }
        auto f = mtc::encode(prose::schema(), m);
        if (!f) {
            std::fprintf(stderr, "bench_pcap: %s\n", f.error().describe().c_str());
            std::exit(3);
        }
        out.push_back(*f);
    }
    return out;
}

class CountRows final : public mp::RowSink {
public:
    void on_row(const mp::ListedMessage& row) override {
        ++rows;
        fields += row.fields.size();
    }
    std::uint64_t rows = 0, fields = 0;
};

double time_bare(const std::string& path, std::uint64_t& packets) {
    char errbuf[PCAP_ERRBUF_SIZE];
    const auto t0 = Clock::now();
    pcap_t* p =
        pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    if (p == nullptr) {
        std::fprintf(stderr, "bench_pcap: %s\n", errbuf);
        std::exit(3);
    }
    pcap_pkthdr* h = nullptr;
    const u_char* d = nullptr;
    std::uint64_t n = 0, bytes = 0;
    while (pcap_next_ex(p, &h, &d) == 1) {
        ++n;
        bytes += h->caplen;
    }
    pcap_close(p);
    const double s = seconds_since(t0);
    packets = n;
    if (bytes == 0) std::printf("(empty)\n");
    return s;
}

double time_tcpdump(const std::string& path) {
    const auto t0 = Clock::now();
    const pid_t pid = ::fork();
    if (pid == 0) {
        std::freopen("/dev/null", "w", stderr);
        ::execlp("tcpdump", "tcpdump", "-r", path.c_str(), "-w", "/dev/null",
                 static_cast<char*>(nullptr));
        ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    const double s = seconds_since(t0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
    return s;
}

class CountPayloads final : public mp::PayloadSink {
public:
    void on_payload(const mp::Payload& p) override {
        ++payloads;
        bytes += p.data.size();
    }
    void on_issue(const mp::DecodeIssue& /*issue*/) override { ++issues; }
    std::uint64_t payloads = 0, bytes = 0, issues = 0;
};

double time_reader(const std::string& path, CountPayloads& sink) {
    const auto t0 = Clock::now();
    sink = CountPayloads{};
    auto r = mp::read_pcap(path, sink);
    const double s = seconds_since(t0);
    if (!r) {
        std::fprintf(stderr, "bench_pcap: %s\n", r.error().describe().c_str());
        std::exit(3);
    }
    return s;
}

double time_mtcfuzz(const std::string& path, CountRows& rows, mp::ReaderStats& stats) {
    const auto t0 = Clock::now();
    rows = CountRows{};
    mp::Dissector dissector(rows);
    auto r = mp::read_pcap(path, dissector);
    const double s = seconds_since(t0);
    if (!r) {
        std::fprintf(stderr, "bench_pcap: %s\n", r.error().describe().c_str());
        std::exit(3);
    }
    stats = *r;
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    const std::uint64_t packets = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
    const auto dir =
        std::filesystem::temp_directory_path() / ("mtc_pcap_bench_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "udp.pcap").string();

    const auto frames = prose_frames();
    auto t0 = Clock::now();
    {
        auto w = mp::PcapWriter::create(path);
        if (!w) {
            std::fprintf(stderr, "bench_pcap: %s\n", w.error().describe().c_str());
            return 3;
        }
        const auto a = mp::Endpoint4::from_host(0x0a000001, 40000);
        const auto b = mp::Endpoint4::from_host(0x0a000002, 5000);
        std::int64_t ts = 1'735'689'600'000'000;
        for (std::uint64_t i = 0; i < packets; ++i) {
            // 64 client ports: 64 UDP conversations.
            auto src = a;
            src.port = static_cast<std::uint16_t>(40000 + i % 64);
            (*w)->udp(ts += 3, i % 2 == 0 ? src : b, i % 2 == 0 ? b : src, frames[i % 4]);
        }
        if (auto s = (*w)->commit(); !s) {
            std::fprintf(stderr, "bench_pcap: %s\n", s.error().describe().c_str());
            return 3;
        }
    }
    const double write_s = seconds_since(t0);
    const auto size = std::filesystem::file_size(path);
    std::printf("file: %s, %llu packets, %.1f MB, written in %.3f s (%.2f M packets/s)\n",
                path.c_str(), static_cast<unsigned long long>(packets), size / 1e6, write_s,
                packets / write_s / 1e6);

    std::uint64_t bare_packets = 0;
    time_bare(path, bare_packets);  // warm the page cache
    const double bare = best_of_3([&] { return time_bare(path, bare_packets); });
    const double tcpdump = best_of_3([&] { return time_tcpdump(path); });
    CountPayloads payloads;
    const double reader = best_of_3([&] { return time_reader(path, payloads); });
    CountRows rows;
    mp::ReaderStats stats;
    const double ours = best_of_3([&] { return time_mtcfuzz(path, rows, stats); });

    const auto rate = [&](double s) { return s > 0 ? packets / s / 1e6 : 0.0; };
    std::printf("bare pcap_next_ex loop:     %7.3f s  %6.2f M packets/s  (ceiling)\n", bare,
                rate(bare));
    if (tcpdump > 0) {
        std::printf("tcpdump -r FILE -w /dev/null: %5.3f s  %6.2f M packets/s\n", tcpdump,
                    rate(tcpdump));
    } else {
        std::printf("tcpdump: not run (not installed or failed)\n");
    }
    std::printf("mtcfuzz read only:          %7.3f s  %6.2f M packets/s  (%llu payloads)\n", reader,
                rate(reader), static_cast<unsigned long long>(payloads.payloads));
    std::printf(
        "mtcfuzz read+dissect:       %7.3f s  %6.2f M packets/s  (%llu messages, %llu "
        "fields, %llu issues)\n",
        ours, rate(ours), static_cast<unsigned long long>(rows.rows),
        static_cast<unsigned long long>(rows.fields),
        static_cast<unsigned long long>(stats.issues));
    if (tcpdump > 0) {
        std::printf(
            "ratio mtcfuzz/tcpdump speed: %.2f read+dissect (goal >= 1.0), %.2f read only\n",
            tcpdump / ours, tcpdump / reader);
    }
    std::printf("ratio mtcfuzz/bare speed:    %.2f read+dissect, %.2f read only\n", bare / ours,
                bare / reader);

    std::error_code ec;
    if (!std::getenv("MTC_BENCH_KEEP")) std::filesystem::remove_all(dir, ec);
    return 0;
}
