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

    // A conversation key: both endpoints in canonical order (a <= b).
    struct FlowKey {
        std::uint8_t version = 0;
        std::uint8_t protocol = 0;
        std::uint16_t port_a = 0, port_b = 0;
        std::array<std::uint8_t, 16> addr_a{}, addr_b{};
        bool operator==(const FlowKey& o) const noexcept;
    };
    struct FlowKeyHash {
        std::size_t operator()(const FlowKey& k) const noexcept;
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
    DecodeIssue issue_;
    bool finished_ = false;
};

}  // namespace mtc::pcap
