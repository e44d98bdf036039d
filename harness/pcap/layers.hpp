// Header parsing, one layer at a time: link (Ethernet, BSD loopback, Linux cooked v1/v2, raw
// IP), IPv4, IPv6 (with extension headers), UDP and TCP. Every function is total: a packet it
// cannot parse gives an Error whose reason names the layer and what was wrong, never a crash.
// Views point into the caller's buffer.
#pragma once

#include <cstdint>
#include <string>

#include "protocols/core/bytes.hpp"
#include "protocols/core/result.hpp"

namespace mtc::pcap {

// DLT values as libpcap reports them (pcap_datalink), independent of <pcap.h>.
inline constexpr int kDltNull = 0;
inline constexpr int kDltEn10mb = 1;
inline constexpr int kDltRaw = 12;  // LINKTYPE_RAW (101) in files; libpcap maps it to DLT_RAW
inline constexpr int kDltLoop = 108;
inline constexpr int kDltLinuxSll = 113;
inline constexpr int kDltIpv4 = 228;
inline constexpr int kDltIpv6 = 229;
inline constexpr int kDltLinuxSll2 = 276;

[[nodiscard]] bool supported_link_type(int dlt);
// "EN10MB (Ethernet)" etc. for the link types above, "DLT n" otherwise.
std::string link_type_name(int dlt);

// The network layer found inside a link-layer frame.
struct NetworkLayer {
    int version = 0;  // 4 or 6; 0: some other protocol (ARP, LLC, ...): not an issue, skipped
    BytesView bytes;
};

Result<NetworkLayer> parse_link(int dlt, BytesView frame);

struct IpPacket {
    int version = 4;
    const std::uint8_t* src = nullptr;  // 4 or 16 bytes, into the packet
    const std::uint8_t* dst = nullptr;
    std::uint8_t protocol = 0;  // upper-layer protocol (IPv6: after extension headers)
    BytesView payload;          // the transport bytes, or this fragment's bytes
    bool fragment = false;      // payload is one fragment of a larger datagram
    std::uint32_t frag_id = 0;
    std::uint32_t frag_offset = 0;  // in bytes
    bool more_fragments = false;
    [[nodiscard]] std::size_t addr_len() const { return version == 4 ? 4 : 16; }
};

Result<IpPacket> parse_ipv4(BytesView bytes);
Result<IpPacket> parse_ipv6(BytesView bytes);
// Walks IPv6 extension headers starting at `next_header` over `bytes` (also used on a
// reassembled datagram's fragmentable part); fills protocol/payload/fragment fields of `ip`.
Status walk_ipv6_extensions(std::uint8_t next_header, BytesView bytes, IpPacket& ip);

struct UdpDatagram {
    std::uint16_t src_port = 0, dst_port = 0;
    BytesView payload;
};
Result<UdpDatagram> parse_udp(BytesView bytes);

struct TcpSegment {
    std::uint16_t src_port = 0, dst_port = 0;
    std::uint32_t seq = 0, ack = 0;
    std::uint8_t flags = 0;
    BytesView payload;
    [[nodiscard]] bool fin() const { return (flags & 0x01) != 0; }
    [[nodiscard]] bool syn() const { return (flags & 0x02) != 0; }
    [[nodiscard]] bool rst() const { return (flags & 0x04) != 0; }
    [[nodiscard]] bool has_ack() const { return (flags & 0x10) != 0; }
};
Result<TcpSegment> parse_tcp(BytesView bytes);

inline constexpr std::uint8_t kIpProtoTcp = 6;
inline constexpr std::uint8_t kIpProtoUdp = 17;

}  // namespace mtc::pcap
