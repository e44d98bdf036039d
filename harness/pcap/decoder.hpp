// PacketDecoder: link-layer frames in, transport payloads and DecodeIssues out. It owns the
// IP fragment reassembler, the UDP conversation table and the TCP connections; it knows
// nothing of libpcap (PcapReader feeds it from a file; tests and fuzzers feed it directly).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "harness/pcap/ip_reassembly.hpp"
#include "harness/pcap/layers.hpp"
#include "harness/pcap/payload.hpp"
#include "harness/pcap/tcp_stream.hpp"

namespace mtc::pcap {

class PacketDecoder {
public:
    PacketDecoder(int dlt, PayloadSink& sink);
    ~PacketDecoder();
    PacketDecoder(const PacketDecoder&) = delete;
    PacketDecoder& operator=(const PacketDecoder&) = delete;

    // One captured frame; `wire_len` is its length on the wire (>= captured.size()).
    void packet(std::int64_t ts_us, BytesView captured, std::uint32_t wire_len);
    // A problem with the file itself (read error mid-file): reported like a packet's.
    void file_issue(std::int64_t ts_us, std::string reason);
    // End of input: reports incomplete IP datagrams and TCP holes (delivering the bytes after
    // them with gap_before set), then calls sink.on_end(). Call once.
    void finish();

    [[nodiscard]] const ReaderStats& stats() const { return stats_; }

    // A conversation key: both endpoints in canonical order (a <= b), packed in words so
    // that it is built, compared and hashed with whole-word moves (once per packet).
    // w[0]: version | protocol << 8 | port_a << 16 | port_b << 32; w[1], w[2]: address a
    // (IPv4: w[1] holds its 4 bytes as loaded from the packet, w[2] is 0); w[3], w[4]:
    // address b likewise.
    struct FlowKey {
        std::array<std::uint64_t, 5> w{};
        bool operator==(const FlowKey& o) const noexcept {
            return ((w[0] ^ o.w[0]) | (w[1] ^ o.w[1]) | (w[2] ^ o.w[2]) | (w[3] ^ o.w[3]) |
                    (w[4] ^ o.w[4])) == 0;
        }
    };
    struct FlowKeyHash {
        std::size_t operator()(const FlowKey& k) const noexcept {
            // Multiply-xor over the words: cheap, and well spread for addresses and ports
            // differing in few bits.
            const auto mix = [](std::uint64_t h, std::uint64_t w) {
                h = (h ^ w) * 0xff51afd7ed558ccdULL;
                return h ^ (h >> 32);
            };
            std::uint64_t h = mix(0x9e3779b97f4a7c15ULL, k.w[0]);
            h = mix(h, k.w[1]);
            h = mix(h, k.w[3]);
            if ((k.w[2] | k.w[4]) != 0) {
                h = mix(h, k.w[2]);
                h = mix(h, k.w[4]);
            }
            return static_cast<std::size_t>(h);
        }
    };

private:
    struct UdpFlow;
    struct TcpConnection;

    void issue(std::string reason);
    void network(int version, BytesView bytes);
    void transport(const IpPacket& ip, std::uint8_t protocol, BytesView bytes);
    void udp(const IpPacket& ip, BytesView bytes);
    void tcp(const IpPacket& ip, BytesView bytes);
    void deliver_tcp(TcpConnection& c, int dir, bool gap_before);
    void close_connection(TcpConnection& c);
    // Builds the canonical key; returns true when the packet's source is endpoint a.
    static bool make_key(const IpPacket& ip, std::uint8_t protocol, std::uint16_t src_port,
                         std::uint16_t dst_port, FlowKey& key);

    int dlt_;
    PayloadSink& sink_;
    ReaderStats stats_;
    std::uint64_t index_ = 0;  // current packet, 1-based
    std::int64_t ts_us_ = 0;
    std::uint32_t wire_len_ = 0;
    std::size_t captured_len_ = 0;
    IpReassembler fragments_;
    Bytes datagram_;  // reassembled IP datagram
    std::unordered_map<FlowKey, std::unique_ptr<UdpFlow>, FlowKeyHash> udp_;
    struct UdpCacheSlot {
        FlowKey key;
        UdpFlow* flow = nullptr;
    };
    std::array<UdpCacheSlot, 1024> udp_cache_{};
    std::unordered_map<FlowKey, std::unique_ptr<TcpConnection>, FlowKeyHash> tcp_;
    std::uint64_t next_udp_stream_ = 0;
    std::uint64_t next_tcp_stream_ = 0;
    Payload payload_;  // reused for every delivery
    Bytes tcp_data_;   // TCP bytes being delivered (payload_.data views them)
    DecodeIssue issue_;
    bool finished_ = false;
};

}  // namespace mtc::pcap
