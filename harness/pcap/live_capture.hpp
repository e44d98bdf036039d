// LiveCapture: records an interface through libpcap (immediate mode, snaplen 65535) into a
// pcap file written under a temporary name and renamed into place by commit().
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "protocols/core/result.hpp"

typedef struct pcap pcap_t;                // NOLINT(modernize-use-using): as <pcap/pcap.h>
typedef struct pcap_dumper pcap_dumper_t;  // NOLINT(modernize-use-using)
struct pcap_pkthdr;

namespace mtc::pcap {

struct CaptureSummary {
    std::uint64_t captured = 0;  // packets written to the file
    bool have_stats = false;     // pcap_stats succeeded
    std::uint64_t received = 0;  // ps_recv: packets the kernel passed the filter
    std::uint64_t dropped = 0;   // ps_drop: dropped for lack of buffer space
    std::uint64_t if_dropped = 0;
};

class LiveCapture {
public:
    static constexpr int kSnaplen = 65535;

    enum class OpenFailure { none, no_such_device, permission, other };

    // pcap_create + immediate mode + snaplen + pcap_activate. On failure `why` (if given)
    // says what kind; a permission failure's reason says root or CAP_NET_RAW is needed.
    static Result<std::unique_ptr<LiveCapture>> open(const std::string& iface,
                                                     OpenFailure* why = nullptr);
    ~LiveCapture();
    LiveCapture(const LiveCapture&) = delete;
    LiveCapture& operator=(const LiveCapture&) = delete;

    // Compiles and installs a BPF filter; the error gives libpcap's reason.
    Status set_filter(const std::string& bpf);
    // Opens PATH.tmp.<pid> for pcap_dump.
    Status start_output(const std::string& path);
    // Captures until `count` packets (0: no limit), `duration_s` seconds (0: no limit), or
    // break_loop(). Returns what was captured; an error if libpcap fails mid-way.
    Result<CaptureSummary> run(std::uint64_t count, double duration_s);
    // Stops run() soon; async-signal-safe (pcap_breakloop), for SIGINT/SIGTERM handlers.
    void break_loop();
    // Flushes, closes and renames the output into place.
    Status commit();

    [[nodiscard]] int link_type() const;

private:
    LiveCapture(std::string iface, pcap_t* handle);
    static void on_packet(unsigned char* user, const ::pcap_pkthdr* hdr,
                          const unsigned char* bytes);

    std::string iface_, path_, tmp_;
    pcap_t* handle_ = nullptr;
    pcap_dumper_t* dumper_ = nullptr;
    std::uint64_t captured_ = 0;
    bool committed_ = false;
    // Set by break_loop(): libpcap's own break flag is not checked by a non-blocking read
    // that finds no packet (libpcap 1.10), so the loop checks this one too.
    std::atomic<bool> stop_{false};
};

}  // namespace mtc::pcap
