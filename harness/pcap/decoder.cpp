#include "harness/pcap/decoder.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "harness/pcap/endpoint.hpp"

namespace mtc::pcap {

std::string_view to_string(Transport t) {
    return t == Transport::udp ? "udp" : "tcp";
}

struct PacketDecoder::UdpFlow {
    std::uint64_t stream = 0;
    std::string endpoint[2];  // a, b
    int first_sender = 0;
};

struct PacketDecoder::TcpConnection {
    std::uint64_t stream = 0;
    std::string endpoint[2];  // a, b
    int client = 0;           // which endpoint opened the connection
    TcpDirection dir[2];      // dir[i]: bytes sent by endpoint i
    bool rst_seen = false;
};

PacketDecoder::PacketDecoder(int dlt, PayloadSink& sink) : dlt_(dlt), sink_(sink) {
    fragments_.set_eviction_handler([this](const IpReassembler::Incomplete& inc) {
        ++stats_.issues;
        sink_.on_issue(DecodeIssue{inc.packet, inc.ts_us, inc.reason + " (too many pending)"});
    });
}

PacketDecoder::~PacketDecoder() = default;

void PacketDecoder::issue(std::string reason) {
    if (captured_len_ < wire_len_) {
        reason += " (frame captured short: " + std::to_string(captured_len_) + " of " +
                  std::to_string(wire_len_) + " bytes)";
    }
    ++stats_.issues;
    issue_.packet = index_;
    issue_.ts_us = ts_us_;
    issue_.reason = std::move(reason);
    sink_.on_issue(issue_);
}

void PacketDecoder::file_issue(std::int64_t ts_us, std::string reason) {
    ++stats_.issues;
    sink_.on_issue(DecodeIssue{0, ts_us, std::move(reason)});
}

void PacketDecoder::packet(std::int64_t ts_us, BytesView captured, std::uint32_t wire_len) {
    ++index_;
    ++stats_.packets;
    ts_us_ = ts_us;
    wire_len_ = wire_len;
    captured_len_ = captured.size();
    auto link = parse_link(dlt_, captured);
    if (!link) return issue(link.error().reason);
    if (link->version == 0) {
        ++stats_.not_udp_tcp;
        return;
    }
    network(link->version, link->bytes);
}

void PacketDecoder::network(int version, BytesView bytes) {
    auto ip = version == 4 ? parse_ipv4(bytes) : parse_ipv6(bytes);
    if (!ip) return issue(ip.error().reason);
    if (!ip->fragment) return transport(*ip, ip->protocol, ip->payload);

    ++stats_.fragments;
    std::uint8_t protocol = 0;
    std::string error;
    switch (fragments_.add(*ip, index_, ts_us_, datagram_, protocol, error)) {
        case IpReassembler::Outcome::held:
            return;
        case IpReassembler::Outcome::error:
            return issue(std::move(error));
        case IpReassembler::Outcome::complete:
            break;
    }
    if (ip->version == 6) {
        // The fragmentable part may start with more extension headers.
        IpPacket whole = *ip;
        whole.fragment = false;
        if (auto s = walk_ipv6_extensions(protocol, datagram_, whole); !s) {
            return issue("reassembled IPv6 datagram: " + s.error().reason);
        }
        if (whole.fragment) return issue("reassembled IPv6 datagram is itself a fragment");
        return transport(whole, whole.protocol, whole.payload);
    }
    transport(*ip, protocol, datagram_);
}

void PacketDecoder::transport(const IpPacket& ip, std::uint8_t protocol, BytesView bytes) {
    if (protocol == kIpProtoUdp) return udp(ip, bytes);
    if (protocol == kIpProtoTcp) return tcp(ip, bytes);
    ++stats_.not_udp_tcp;
}

bool PacketDecoder::make_key(const IpPacket& ip, std::uint8_t protocol, std::uint16_t src_port,
                             std::uint16_t dst_port, FlowKey& key) {
    bool src_is_a = false;
    std::uint64_t a[2] = {}, b[2] = {};
    if (ip.version == 4) {
        // Addresses compared as big-endian numbers: the order memcmp gives, without a call.
        const auto be32 = [](const std::uint8_t* p) {
            return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
                   static_cast<std::uint32_t>(p[2]) << 8 | p[3];
        };
        const std::uint32_t s = be32(ip.src), d = be32(ip.dst);
        src_is_a = s < d || (s == d && src_port <= dst_port);
        a[0] = src_is_a ? s : d;
        b[0] = src_is_a ? d : s;
    } else {
        const int c = std::memcmp(ip.src, ip.dst, 16);
        src_is_a = c < 0 || (c == 0 && src_port <= dst_port);
        std::memcpy(a, src_is_a ? ip.src : ip.dst, 16);
        std::memcpy(b, src_is_a ? ip.dst : ip.src, 16);
    }
    const std::uint64_t port_a = src_is_a ? src_port : dst_port;
    const std::uint64_t port_b = src_is_a ? dst_port : src_port;
    key.w[0] = static_cast<std::uint64_t>(ip.version) | static_cast<std::uint64_t>(protocol) << 8 |
               port_a << 16 | port_b << 32;
    key.w[1] = a[0];
    key.w[2] = a[1];
    key.w[3] = b[0];
    key.w[4] = b[1];
    return src_is_a;
}

void PacketDecoder::udp(const IpPacket& ip, BytesView bytes) {
    auto d = parse_udp(bytes);
    if (!d) return issue(d.error().reason);
    ++stats_.udp;
    FlowKey key;
    const bool src_is_a = make_key(ip, kIpProtoUdp, d->src_port, d->dst_port, key);
    const int src = src_is_a ? 0 : 1;
    // A direct-mapped cache in front of the table (UDP flows are never removed, so a cached
    // pointer stays valid): most datagrams skip the table lookup.
    // Its index is a one-multiply hash (the table's full hash runs only on a cache miss).
    const std::uint64_t mixed =
        (key.w[0] ^ key.w[1] << 13 ^ key.w[3] << 29 ^ key.w[2] ^ key.w[4] << 7) *
        0x9e3779b97f4a7c15ULL;
    static_assert(std::tuple_size_v<decltype(udp_cache_)> == 1024);
    UdpCacheSlot& slot = udp_cache_[mixed >> 54];
    UdpFlow* flow = slot.flow;
    if (flow == nullptr || !(slot.key == key)) {
        auto& owned = udp_[key];
        if (!owned) {
            owned = std::make_unique<UdpFlow>();
            owned->stream = next_udp_stream_++;
            owned->endpoint[src] = format_endpoint(ip.src, ip.addr_len(), d->src_port);
            owned->endpoint[1 - src] = format_endpoint(ip.dst, ip.addr_len(), d->dst_port);
            owned->first_sender = src;
        }
        flow = owned.get();
        slot.key = key;
        slot.flow = flow;
    }
    payload_.packet = index_;
    payload_.ts_us = ts_us_;
    payload_.src = flow->endpoint[src];
    payload_.dst = flow->endpoint[1 - src];
    payload_.transport = Transport::udp;
    payload_.stream = flow->stream;
    payload_.from_client = src == flow->first_sender;
    payload_.gap_before = false;
    payload_.data = d->payload;  // a view into the packet: no copy
    sink_.on_payload(payload_);
}

void PacketDecoder::deliver_tcp(TcpConnection& c, int dir, bool gap_before) {
    payload_.packet = index_;
    payload_.ts_us = ts_us_;
    payload_.src = c.endpoint[dir];
    payload_.dst = c.endpoint[1 - dir];
    payload_.transport = Transport::tcp;
    payload_.stream = c.stream;
    payload_.from_client = dir == c.client;
    payload_.gap_before = gap_before;
    payload_.data = view(tcp_data_);
    sink_.on_payload(payload_);
}

void PacketDecoder::close_connection(TcpConnection& c) {
    for (int dir = 0; dir < 2; ++dir) {
        for (;;) {
            tcp_data_.clear();
            auto gap = c.dir[dir].skip_gap(true, tcp_data_);
            if (!gap) break;
            ++stats_.issues;
            sink_.on_issue(DecodeIssue{
                0, ts_us_,
                "TCP stream " + std::to_string(c.stream) + " " + c.endpoint[dir] + " -> " +
                    c.endpoint[1 - dir] + ": " + std::to_string(gap->length) +
                    " bytes at stream offset " + std::to_string(gap->at) +
                    " missing from the capture; the " + std::to_string(tcp_data_.size()) +
                    " bytes after them follow with a gap mark"});
            deliver_tcp(c, dir, true);
        }
    }
}

void PacketDecoder::tcp(const IpPacket& ip, BytesView bytes) {
    auto seg = parse_tcp(bytes);
    if (!seg) return issue(seg.error().reason);
    ++stats_.tcp;
    FlowKey key;
    const bool src_is_a = make_key(ip, kIpProtoTcp, seg->src_port, seg->dst_port, key);
    const int dir = src_is_a ? 0 : 1;
    auto& conn = tcp_[key];
    const bool opening = seg->syn() && !seg->has_ack();
    if (conn && opening) {
        // A SYN on a known conversation: a retransmitted SYN, or a new connection reusing
        // the same ports (the old one is finished first).
        const TcpDirection& d = conn->dir[dir];
        const bool same = d.has_syn() && d.isn() == seg->seq;
        if (!same && (d.started() || conn->dir[1 - dir].started() || conn->rst_seen)) {
            close_connection(*conn);
            conn.reset();
        }
    }
    if (!conn) {
        conn = std::make_unique<TcpConnection>();
        conn->stream = next_tcp_stream_++;
        conn->endpoint[dir] = format_endpoint(ip.src, ip.addr_len(), seg->src_port);
        conn->endpoint[1 - dir] = format_endpoint(ip.dst, ip.addr_len(), seg->dst_port);
        // The SYN's sender opens; a SYN-ACK's receiver did; mid-way, the first sender.
        conn->client = seg->syn() && seg->has_ack() ? 1 - dir : dir;
    }
    TcpConnection& c = *conn;
    TcpDirection& d = c.dir[dir];
    if (seg->syn()) d.syn(seg->seq);
    if (seg->rst()) c.rst_seen = true;
    if (!seg->payload.empty()) {
        tcp_data_.clear();
        const std::uint32_t seq = seg->syn() ? seg->seq + 1 : seg->seq;
        switch (d.data(seq, seg->payload, tcp_data_)) {
            case TcpDirection::Verdict::delivered:
                deliver_tcp(c, dir, false);
                break;
            case TcpDirection::Verdict::buffered: {
                auto gap = d.skip_gap(false, tcp_data_);
                if (gap) {
                    issue("TCP stream " + std::to_string(c.stream) + " " + c.endpoint[dir] +
                          " -> " + c.endpoint[1 - dir] + ": " + std::to_string(gap->length) +
                          " bytes at stream offset " + std::to_string(gap->at) +
                          " still missing with over " + std::to_string(TcpDirection::kMaxBuffered) +
                          " bytes buffered after them; skipped");
                    deliver_tcp(c, dir, true);
                }
                break;
            }
            case TcpDirection::Verdict::retransmitted:
                ++stats_.retransmitted;
                break;
            case TcpDirection::Verdict::before_start:
                issue("TCP stream " + std::to_string(c.stream) + " " + c.endpoint[dir] + " -> " +
                      c.endpoint[1 - dir] + ": " + std::to_string(seg->payload.size()) +
                      " bytes before the first captured segment of a stream seen mid-way");
                break;
            case TcpDirection::Verdict::empty:
                break;
        }
    }
    if (seg->fin()) d.fin();
}

void PacketDecoder::finish() {
    if (finished_) return;
    finished_ = true;
    fragments_.flush([this](const IpReassembler::Incomplete& inc) {
        ++stats_.issues;
        sink_.on_issue(DecodeIssue{inc.packet, inc.ts_us, inc.reason});
    });
    std::vector<TcpConnection*> conns;
    conns.reserve(tcp_.size());
    for (auto& [key, c] : tcp_) conns.push_back(c.get());
    std::sort(conns.begin(), conns.end(),
              [](const TcpConnection* a, const TcpConnection* b) { return a->stream < b->stream; });
    index_ = 0;
    for (TcpConnection* c : conns) close_connection(*c);
    sink_.on_end();
}

}  // namespace mtc::pcap
