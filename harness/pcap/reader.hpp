// PcapReader: any capture file libpcap reads (pcap, pcapng; microsecond or nanosecond
// timestamps, delivered as microseconds) through the PacketDecoder.
#pragma once

#include <memory>
#include <string>

#include "harness/pcap/payload.hpp"
#include "protocols/core/result.hpp"

typedef struct pcap pcap_t;  // NOLINT(modernize-use-using): matches <pcap/pcap.h>

namespace mtc::pcap {

class PcapReader {
public:
    // Opens `path`; the error names the file and gives libpcap's reason.
    static Result<std::unique_ptr<PcapReader>> open(const std::string& path);
    ~PcapReader();
    PcapReader(const PcapReader&) = delete;
    PcapReader& operator=(const PcapReader&) = delete;

    [[nodiscard]] int link_type() const;  // DLT value
    [[nodiscard]] std::string link_type_name() const;

    // Reads every packet into `sink`, then finishes (incomplete reassemblies are reported)
    // and calls sink.on_end(). A read error mid-file (a truncated file) is reported as a
    // DecodeIssue and ends the read. Call once.
    ReaderStats run(PayloadSink& sink);

private:
    PcapReader(std::string path, pcap_t* handle);
    std::string path_;
    pcap_t* handle_ = nullptr;
};

// Opens `path` and runs it into `sink`.
Result<ReaderStats> read_pcap(const std::string& path, PayloadSink& sink);

}  // namespace mtc::pcap
