// Targets for the framework's own untrusted inputs (not a protocol's frames):
//
//   pcap_reader_fuzzer     captured packets: the link-layer, IP (fragments, IPv6 extension
//                          headers), UDP and TCP decoding with stream reassembly, then the
//                          dissector that splits payloads into frames and decodes them, all
//                          as `mtcfuzz pcap ls` and the campaign's pcap loader run them. Input:
//                          byte 0 picks the link type; then packets, each a u16 big-endian
//                          length and that many bytes. (libpcap's own file parsing is not
//                          ours and is left to libpcap's fuzzers.)
//   campaign_file_fuzzer   campaign TOML (attacks/campaign.hpp): parsed strictly, every error
//                          a message with file, line and column.
//   sanitizer_report_fuzzer  crash logs (harness/triage/sanitizer_report.hpp): whatever triage
//                          is pointed at, read or refused with a reason.
#include <array>
#include <string>
#include <string_view>

#include "attacks/campaign.hpp"
#include "harness/pcap/decoder.hpp"
#include "harness/pcap/dissect.hpp"
#include "harness/pcap/layers.hpp"
#include "harness/triage/sanitizer_report.hpp"
#include "protocols/core/inproc_network.hpp"
#include "targets/fuzz_target.hpp"

namespace mtc::fuzz {
namespace {

constexpr std::array<int, 8> kLinkTypes = {
    pcap::kDltEn10mb, pcap::kDltLinuxSll, pcap::kDltLinuxSll2, pcap::kDltNull,
    pcap::kDltLoop,   pcap::kDltRaw,      pcap::kDltIpv4,      pcap::kDltIpv6};

class Discard final : public pcap::RowSink {
public:
    void on_row(const pcap::ListedMessage& row) override { rows += row.fields.size() + 1; }
    std::size_t rows = 0;
};

int run_pcap(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    Discard rows;
    pcap::Dissector dissector(rows);
    pcap::PacketDecoder decoder(kLinkTypes[data[0] % kLinkTypes.size()], dissector);
    std::size_t pos = 1;
    std::int64_t ts = kSeededEpochUs;
    while (pos + 2 <= size) {
        const std::size_t len = (std::size_t{data[pos]} << 8) | data[pos + 1];
        pos += 2;
        const std::size_t n = std::min(len, size - pos);
        // The wire length may exceed what was captured (a snap length): say so as a capture would.
        decoder.packet(ts, BytesView(data + pos, n), static_cast<std::uint32_t>(len));
        pos += n;
        ts += 1000;
    }
    decoder.finish();
    return 0;
}

int run_campaign(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto c = attacks::parse_campaign(text, "fuzz.toml");
    if (!c && c.error().describe().empty())
        security_issue("Low", "campaign parser: an error without a reason");
    return 0;
}

int run_report(const std::uint8_t* data, std::size_t size) {
    const std::string_view log(reinterpret_cast<const char*>(data), size);
    auto r = triage::parse_sanitizer_report(log);
    if (!r) {
        if (r.error().reason.empty())
            security_issue("Low", "sanitizer report parser: refused a log without a reason");
        return 0;
    }
    // What triage buckets on must be there: a crash type, and a stack within its bound.
    if (r->crash_type.empty() || r->tool.empty())
        security_issue("Low", "sanitizer report parser: a report without a crash type or tool");
    if (r->frames.size() > triage::kMaxFrames)
        security_issue("Low", "sanitizer report parser: more frames than kMaxFrames");
    return 0;
}

}  // namespace

std::vector<FuzzTarget> make_input_targets() {
    std::vector<FuzzTarget> out;
    FuzzTarget pcap_target;
    pcap_target.name = "pcap_reader_fuzzer";
    pcap_target.kind = TargetKind::pcap;
    pcap_target.description =
        "captured packets through the packet decoder (IP, UDP, TCP reassembly) and the dissector";
    pcap_target.run = run_pcap;
    out.push_back(std::move(pcap_target));
    FuzzTarget campaign_target;
    campaign_target.name = "campaign_file_fuzzer";
    campaign_target.kind = TargetKind::campaign;
    campaign_target.description = "campaign files (TOML) through the strict campaign parser";
    campaign_target.run = run_campaign;
    out.push_back(std::move(campaign_target));
    FuzzTarget report_target;
    report_target.name = "sanitizer_report_fuzzer";
    report_target.kind = TargetKind::report;
    report_target.description =
        "crash logs (ASan, LSan, UBSan, libFuzzer, oracle markers) through triage's report parser";
    report_target.run = run_report;
    out.push_back(std::move(report_target));
    return out;
}

}  // namespace mtc::fuzz
