// PcapWriter: the capture every relayed byte goes to. Classic pcap (LINKTYPE_ETHERNET,
// microsecond timestamps); every packet is Ethernet + IPv4 (DF, incrementing id, valid header
// checksum) + UDP or TCP with valid checksums, so Wireshark and tcpdump read it as real traffic.
// TCP conversations are synthesised (handshake, MSS-sized segments with correct seq/ack, the
// peer's ACKs, FIN both ways) so "Follow TCP Stream" shows exactly the bytes relayed.
//
// The file is written to PATH.tmp.<pid> and renamed into place by commit(); destroyed without
// commit(), the writer removes the temporary. Every method is safe to call from any thread.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "harness/pcap/endpoint.hpp"
#include "protocols/core/bytes.hpp"
#include "protocols/core/result.hpp"

namespace mtc::pcap {

// Names one synthesised TCP conversation of one writer.
struct TcpFlowId {
    std::uint32_t value = 0;
    bool operator==(const TcpFlowId&) const = default;
};

class PcapWriter {
public:
    // Largest TCP segment payload written (Ethernet MTU 1500 - 20 IPv4 - 20 TCP).
    static constexpr std::size_t kTcpMss = 1460;
    // Largest UDP payload an IPv4 datagram can carry; longer payloads are cut to this.
    static constexpr std::size_t kMaxUdpPayload = 65535 - 20 - 8;
    static constexpr std::uint32_t kSnaplen = 262144;

    // Creates PATH.tmp.<pid> and writes the file header; the error names the file and errno.
    static Result<std::unique_ptr<PcapWriter>> create(const std::string& path);
    ~PcapWriter();
    PcapWriter(const PcapWriter&) = delete;
    PcapWriter& operator=(const PcapWriter&) = delete;

    // Flushes, closes and renames the temporary to PATH. Fails if any write failed (disk
    // full...) or on a second call; the temporary is removed on failure.
    Status commit();

    // One UDP datagram src -> dst.
    void udp(std::int64_t ts_us, const Endpoint4& src, const Endpoint4& dst, BytesView payload);

    // SYN, SYN-ACK, ACK between client and server; returns the flow for tcp_data/tcp_close.
    TcpFlowId tcp_open(std::int64_t ts_us, const Endpoint4& client, const Endpoint4& server);
    // `bytes` from one side, in segments of at most kTcpMss bytes (PSH|ACK), then the peer's
    // ACK of all of them. An unknown or closed flow is ignored (counted in ignored_calls()).
    void tcp_data(std::int64_t ts_us, TcpFlowId flow, bool from_client, BytesView bytes);
    // FIN|ACK client -> server, FIN|ACK server -> client, ACK client -> server; forgets the flow.
    void tcp_close(std::int64_t ts_us, TcpFlowId flow);

    [[nodiscard]] std::uint64_t packets() const;
    [[nodiscard]] std::uint64_t ignored_calls() const;
    [[nodiscard]] const std::string& path() const { return path_; }

private:
    struct Flow {
        Endpoint4 client, server;
        std::uint32_t client_next = 0;  // next sequence number the client sends
        std::uint32_t server_next = 0;
    };

    PcapWriter(std::string path, std::string tmp, std::FILE* file);

    // Builds Ethernet + IPv4 + TCP around `payload` and writes it.
    void write_tcp(std::int64_t ts_us, const Endpoint4& src, const Endpoint4& dst,
                   std::uint32_t seq, std::uint32_t ack, std::uint8_t flags, BytesView payload);
    // Ethernet + IPv4 header for `l4_len` transport bytes, into packet_ (cleared first).
    void begin_ipv4(const Endpoint4& src, const Endpoint4& dst, std::uint8_t protocol,
                    std::size_t l4_len);
    void write_record(std::int64_t ts_us);
    void write_raw(const void* data, std::size_t n);

    mutable std::mutex mu_;
    std::string path_, tmp_;
    std::FILE* file_ = nullptr;
    std::unique_ptr<char[]> buffer_;  // stdio buffer
    bool committed_ = false;
    int write_errno_ = 0;
    std::uint16_t ip_id_ = 0;
    std::uint32_t next_flow_ = 1;
    std::uint64_t packets_ = 0;
    std::uint64_t ignored_calls_ = 0;
    std::unordered_map<std::uint32_t, Flow> flows_;
    Bytes packet_;  // reused packet buffer
};

}  // namespace mtc::pcap
