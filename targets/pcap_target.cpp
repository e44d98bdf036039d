// pcap_reader_fuzzer: captured packets through the link-layer, IP (fragments, IPv6 extension
// headers), UDP and TCP decoding with stream reassembly, then the dissector that splits
// payloads into frames and decodes them, all as `mtcfuzz pcap ls` and the campaign's pcap
// loader run them. Input: byte 0 picks the link type; then packets, each a u16 big-endian
// length and that many bytes. (libpcap's own file parsing is not ours and is left to
// libpcap's fuzzers.)
#include <algorithm>
#include <array>

#include "harness/pcap/decoder.hpp"
#include "harness/pcap/dissect.hpp"
#include "harness/pcap/layers.hpp"
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

}  // namespace

FuzzTarget make_pcap_target() {
    return {.name = "pcap_reader_fuzzer",
            .kind = TargetKind::pcap,
            .description =
                "captured packets through the packet decoder (IP, UDP, TCP reassembly) and the "
                "dissector",
            .run = run_pcap};
}

}  // namespace mtc::fuzz
