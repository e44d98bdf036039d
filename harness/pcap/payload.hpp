// What the reader produces: transport payloads (UDP datagrams, newly contiguous TCP bytes)
// and a DecodeIssue for every packet it could not parse. Nothing is dropped silently: a
// packet is a payload, an issue, or counted in ReaderStats::not_udp_tcp (ARP, ICMP, ...).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/core/bytes.hpp"

namespace mtc::pcap {

enum class Transport : std::uint8_t { udp, tcp };

std::string_view to_string(Transport t);

struct Payload {
    std::uint64_t packet = 0;  // 1-based index in the file of the packet that completed it
    std::int64_t ts_us = 0;    // that packet's timestamp, microseconds since the epoch
    // "a.b.c.d:port" or "[v6]:port". Views, like `data`: valid only during on_payload.
    std::string_view src, dst;
    Transport transport = Transport::udp;
    // Conversation number in order of first appearance, shared by both directions (like
    // Wireshark's udp.stream / tcp.stream); UDP and TCP are numbered separately.
    std::uint64_t stream = 0;
    bool from_client = true;  // TCP: direction (client = the side that sent the SYN, or the
                              // first sender of a stream seen mid-way). UDP: always true.
    // TCP: bytes before these are missing from the capture, so a stream parser must resync.
    bool gap_before = false;
    // The payload bytes: a view into the reader's buffers, valid only during on_payload
    // (copy them, or make a PayloadCopy, to keep them).
    BytesView data;
};

// An owned copy of a Payload, for a sink that keeps payloads past the call.
struct PayloadCopy {
    std::uint64_t packet = 0;
    std::int64_t ts_us = 0;
    std::string src, dst;
    Transport transport = Transport::udp;
    std::uint64_t stream = 0;
    bool from_client = true;
    bool gap_before = false;
    Bytes data;

    PayloadCopy() = default;
    explicit PayloadCopy(const Payload& p)
        : packet(p.packet),
          ts_us(p.ts_us),
          src(p.src),
          dst(p.dst),
          transport(p.transport),
          stream(p.stream),
          from_client(p.from_client),
          gap_before(p.gap_before),
          data(p.data.begin(), p.data.end()) {}
};

struct DecodeIssue {
    std::uint64_t packet = 0;  // 1-based index in the file; 0 when it concerns no one packet
    std::int64_t ts_us = 0;
    std::string reason;
};

struct ReaderStats {
    std::uint64_t packets = 0;        // records read from the file
    std::uint64_t udp = 0;            // UDP datagrams (after IP reassembly)
    std::uint64_t tcp = 0;            // TCP segments
    std::uint64_t fragments = 0;      // IP fragments held for reassembly
    std::uint64_t not_udp_tcp = 0;    // parsed fine but neither UDP nor TCP (ARP, ICMP, ...)
    std::uint64_t retransmitted = 0;  // TCP segments whose bytes had all been seen already
    std::uint64_t issues = 0;         // DecodeIssues reported
};

// Receives what the reader produces, in file order. The references, and the views inside a
// Payload (src, dst, data), are only valid during the call (the reader reuses its buffers).
class PayloadSink {
public:
    virtual ~PayloadSink() = default;
    virtual void on_payload(const Payload& p) = 0;
    virtual void on_issue(const DecodeIssue& issue) = 0;
    // After the last packet (and the end-of-file flush of incomplete reassemblies).
    virtual void on_end() {}
};

}  // namespace mtc::pcap
