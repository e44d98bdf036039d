#include "harness/pcap/layers.hpp"

namespace mtc::pcap {

namespace {

constexpr int kLinktypeRaw = 101;  // the file value, should a caller pass it unmapped

// Big-endian reads, inlined here (they run several times per packet); callers check bounds.
inline std::uint16_t be16(BytesView in, std::size_t at) {
    return static_cast<std::uint16_t>((in[at] << 8) | in[at + 1]);
}
inline std::uint32_t be32(BytesView in, std::size_t at) {
    return (static_cast<std::uint32_t>(be16(in, at)) << 16) | be16(in, at + 2);
}

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86dd;

std::string num(std::size_t v) {
    return std::to_string(v);
}

Error truncated(const char* what, std::size_t have, std::size_t need) {
    std::string s = "truncated ";
    s.append(what).append(" (").append(num(have)).append(" of ").append(num(need));
    s.append(" bytes)");
    return make_error(std::move(s));
}

NetworkLayer by_ethertype(std::uint16_t type, BytesView rest) {
    if (type == kEtherIpv4) return {4, rest};
    if (type == kEtherIpv6) return {6, rest};
    return {0, rest};
}

Result<NetworkLayer> by_version(BytesView rest, const char* link) {
    if (rest.empty()) return make_error(std::string("empty ") + link + " packet");
    const int v = rest[0] >> 4;
    if (v != 4 && v != 6) {
        return make_error(std::string("bad IP version ") + num(static_cast<std::size_t>(v)) +
                          " in " + link + " packet");
    }
    return NetworkLayer{v, rest};
}

Result<NetworkLayer> ethernet(BytesView f) {
    if (f.size() < 14) return truncated("Ethernet header", f.size(), 14);
    std::size_t at = 12;
    std::uint16_t type = be16(f, at);
    // 802.1Q / 802.1ad / old QinQ tags, possibly stacked.
    for (int tags = 0; type == 0x8100 || type == 0x88a8 || type == 0x9100; ++tags) {
        if (tags == 4) return make_error("more than 4 VLAN tags in Ethernet header");
        at += 4;
        if (f.size() < at + 2) return truncated("802.1Q VLAN tag", f.size(), at + 2);
        type = be16(f, at);
    }
    // Values below 0x600 are an 802.3 length (LLC follows): not IP.
    return by_ethertype(type, f.subspan(at + 2));
}

NetworkLayer by_address_family(std::uint32_t af, BytesView rest) {
    if (af == 2) return {4, rest};  // AF_INET everywhere
    // AF_INET6: Linux 10, NetBSD/OpenBSD 24, FreeBSD 28, macOS 30
    if (af == 10 || af == 24 || af == 28 || af == 30) return {6, rest};
    return {0, rest};
}

Result<NetworkLayer> bsd_null(BytesView f) {
    if (f.size() < 4) return truncated("BSD loopback header", f.size(), 4);
    // Host byte order of the capturing machine: whichever reading is small is the right one.
    std::uint32_t af = f[0] | f[1] << 8 | f[2] << 16 | static_cast<std::uint32_t>(f[3]) << 24;
    if (af > 0xffff) af = be32(f, 0);
    return by_address_family(af, f.subspan(4));
}

Result<NetworkLayer> bsd_loop(BytesView f) {
    if (f.size() < 4) return truncated("OpenBSD loopback header", f.size(), 4);
    return by_address_family(be32(f, 0), f.subspan(4));
}

Result<NetworkLayer> linux_sll(BytesView f) {
    if (f.size() < 16) return truncated("Linux cooked (SLL) header", f.size(), 16);
    return by_ethertype(be16(f, 14), f.subspan(16));
}

Result<NetworkLayer> linux_sll2(BytesView f) {
    if (f.size() < 20) return truncated("Linux cooked v2 (SLL2) header", f.size(), 20);
    return by_ethertype(be16(f, 0), f.subspan(20));
}

}  // namespace

bool supported_link_type(int dlt) {
    switch (dlt) {
        case kDltNull:
        case kDltEn10mb:
        case kDltRaw:
        case kLinktypeRaw:
        case kDltLoop:
        case kDltLinuxSll:
        case kDltLinuxSll2:
        case kDltIpv4:
        case kDltIpv6:
            return true;
        default:
            return false;
    }
}

std::string link_type_name(int dlt) {
    switch (dlt) {
        case kDltNull:
            return "NULL (BSD loopback)";
        case kDltEn10mb:
            return "EN10MB (Ethernet)";
        case kDltRaw:
        case kLinktypeRaw:
            return "RAW (raw IP)";
        case kDltLoop:
            return "LOOP (OpenBSD loopback)";
        case kDltLinuxSll:
            return "LINUX_SLL (Linux cooked)";
        case kDltLinuxSll2:
            return "LINUX_SLL2 (Linux cooked v2)";
        case kDltIpv4:
            return "IPV4 (raw IPv4)";
        case kDltIpv6:
            return "IPV6 (raw IPv6)";
        default:
            return "DLT " + std::to_string(dlt);
    }
}

Result<NetworkLayer> parse_link(int dlt, BytesView frame) {
    switch (dlt) {
        case kDltEn10mb:
            return ethernet(frame);
        case kDltNull:
            return bsd_null(frame);
        case kDltLoop:
            return bsd_loop(frame);
        case kDltLinuxSll:
            return linux_sll(frame);
        case kDltLinuxSll2:
            return linux_sll2(frame);
        case kDltRaw:
        case kLinktypeRaw:
            return by_version(frame, "raw IP");
        case kDltIpv4:
            return NetworkLayer{4, frame};
        case kDltIpv6:
            return NetworkLayer{6, frame};
        default:
            return make_error("unsupported link type " + link_type_name(dlt));
    }
}

Result<IpPacket> parse_ipv4(BytesView b) {
    if (b.size() < 20) return truncated("IPv4 header", b.size(), 20);
    if ((b[0] >> 4) != 4) {
        return make_error("bad IP version " + num(b[0] >> 4u) + " in an IPv4 packet");
    }
    const std::size_t ihl = static_cast<std::size_t>(b[0] & 0x0fu) * 4;
    if (ihl < 20) return make_error("bad IPv4 header length " + num(ihl));
    if (b.size() < ihl) return truncated("IPv4 header with options", b.size(), ihl);
    std::size_t total = be16(b, 2);
    if (total == 0) {
        total = b.size();  // TCP segmentation offload on the capturing host leaves it 0
    } else if (total < ihl) {
        return make_error("IPv4 total length " + num(total) + " below its header length " +
                          num(ihl));
    } else if (total > b.size()) {
        return truncated("IPv4 packet", b.size(), total);
    }
    IpPacket ip;
    ip.version = 4;
    ip.src = b.data() + 12;
    ip.dst = b.data() + 16;
    ip.protocol = b[9];
    ip.payload = b.subspan(ihl, total - ihl);
    const std::uint16_t frag = be16(b, 6);
    ip.more_fragments = (frag & 0x2000) != 0;
    ip.frag_offset = static_cast<std::uint32_t>(frag & 0x1fff) * 8;
    ip.fragment = ip.more_fragments || ip.frag_offset != 0;
    ip.frag_id = be16(b, 4);
    return ip;
}

Status walk_ipv6_extensions(std::uint8_t nh, BytesView rest, IpPacket& ip) {
    for (int headers = 0;; ++headers) {
        if (headers == 16) return make_error("more than 16 IPv6 extension headers");
        switch (nh) {
            case 0:    // hop-by-hop options
            case 43:   // routing
            case 60:   // destination options
            case 135:  // mobility
            {
                if (rest.size() < 2) return truncated("IPv6 extension header", rest.size(), 2);
                const std::size_t len = (static_cast<std::size_t>(rest[1]) + 1) * 8;
                if (rest.size() < len) return truncated("IPv6 extension header", rest.size(), len);
                nh = rest[0];
                rest = rest.subspan(len);
                break;
            }
            case 51: {  // authentication header: length in 4-octet units, minus 2
                if (rest.size() < 2) return truncated("IPv6 AH header", rest.size(), 2);
                const std::size_t len = (static_cast<std::size_t>(rest[1]) + 2) * 4;
                if (rest.size() < len) return truncated("IPv6 AH header", rest.size(), len);
                nh = rest[0];
                rest = rest.subspan(len);
                break;
            }
            case 44: {  // fragment
                if (rest.size() < 8) return truncated("IPv6 fragment header", rest.size(), 8);
                const std::uint16_t off = be16(rest, 2);
                const std::uint32_t offset = off & 0xfff8u;
                const bool more = (off & 1) != 0;
                const std::uint8_t next = rest[0];
                if (offset != 0 || more) {
                    ip.fragment = true;
                    ip.frag_offset = offset;
                    ip.more_fragments = more;
                    ip.frag_id = be32(rest, 4);
                    ip.protocol = next;
                    ip.payload = rest.subspan(8);
                    return Ok{};
                }
                nh = next;  // an atomic fragment: the datagram is whole
                rest = rest.subspan(8);
                break;
            }
            default:  // upper layer (or ESP 50 / no next header 59: nothing we can read)
                ip.protocol = nh;
                ip.payload = rest;
                return Ok{};
        }
    }
}

Result<IpPacket> parse_ipv6(BytesView b) {
    if (b.size() < 40) return truncated("IPv6 header", b.size(), 40);
    if ((b[0] >> 4) != 6) {
        return make_error("bad IP version " + num(b[0] >> 4u) + " in an IPv6 packet");
    }
    std::size_t len = be16(b, 4);
    if (len == 0) {
        len = b.size() - 40;  // jumbogram or segmentation offload
    } else if (40 + len > b.size()) {
        return truncated("IPv6 packet", b.size(), 40 + len);
    }
    IpPacket ip;
    ip.version = 6;
    ip.src = b.data() + 8;
    ip.dst = b.data() + 24;
    if (auto s = walk_ipv6_extensions(b[6], b.subspan(40, len), ip); !s) return s.error();
    return ip;
}

Result<UdpDatagram> parse_udp(BytesView b) {
    if (b.size() < 8) return truncated("UDP header", b.size(), 8);
    std::size_t len = be16(b, 4);
    if (len == 0) {
        len = b.size();  // IPv6 jumbogram
    } else if (len < 8) {
        return make_error("bad UDP length " + num(len));
    } else if (len > b.size()) {
        return truncated("UDP datagram", b.size(), len);
    }
    return UdpDatagram{be16(b, 0), be16(b, 2), b.subspan(8, len - 8)};
}

Result<TcpSegment> parse_tcp(BytesView b) {
    if (b.size() < 20) return truncated("TCP header", b.size(), 20);
    const std::size_t doff = static_cast<std::size_t>(b[12] >> 4) * 4;
    if (doff < 20) return make_error("bad TCP data offset " + num(doff));
    if (b.size() < doff) return truncated("TCP header with options", b.size(), doff);
    TcpSegment s;
    s.src_port = be16(b, 0);
    s.dst_port = be16(b, 2);
    s.seq = be32(b, 4);
    s.ack = be32(b, 8);
    s.flags = b[13];
    s.payload = b.subspan(doff);
    return s;
}

}  // namespace mtc::pcap
