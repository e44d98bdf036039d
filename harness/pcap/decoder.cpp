#include "harness/pcap/decoder.hpp"

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "harness/pcap/endpoint.hpp"

namespace mtc::pcap {

static_assert(std::has_unique_object_representations_v<PacketDecoder::FlowKey> &&
                  sizeof(PacketDecoder::FlowKey) == 38,
              "FlowKey is compared as raw bytes: it must have no padding");

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

bool PacketDecoder::FlowKey::operator==(const FlowKey& o) const noexcept {
    // Word compares instead of a memcmp call: this runs once per packet.
    const auto* a = reinterpret_cast<const unsigned char*>(this);
    const auto* b = reinterpret_cast<const unsigned char*>(&o);
    std::uint64_t x[5] = {}, y[5] = {};
    std::memcpy(x, a, sizeof(FlowKey));
    std::memcpy(y, b, sizeof(FlowKey));
    return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4])) == 0;
}

std::size_t PacketDecoder::FlowKeyHash::operator()(const FlowKey& k) const noexcept {
    // Multiply-xor over the words that can be nonzero (IPv4 addresses fill the first 4 bytes
    // of their arrays): cheap, and well spread for addresses and ports differing in few bits.
    const auto word = [](const std::uint8_t* p) {
        std::uint64_t w = 0;
        std::memcpy(&w, p, 8);
        return w;
    };
    const auto mix = [](std::uint64_t h, std::uint64_t w) {
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        return h ^ (h >> 32);
    };
    std::uint64_t h =
        mix(0x9e3779b97f4a7c15ULL, static_cast<std::uint64_t>(k.port_a) << 48 |
                                       static_cast<std::uint64_t>(k.port_b) << 32 |
                                       static_cast<std::uint64_t>(k.version) << 8 | k.protocol);
    h = mix(h, word(k.addr_a.data()));
    h = mix(h, word(k.addr_b.data()));
    if (k.version == 6) {
        h = mix(h, word(k.addr_a.data() + 8));
        h = mix(h, word(k.addr_b.data() + 8));
    }
    return static_cast<std::size_t>(h);
}

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
    const std::size_t n = ip.addr_len();
    const int c = std::memcmp(ip.src, ip.dst, n);
    const bool src_is_a = c < 0 || (c == 0 && src_port <= dst_port);
    key.version = static_cast<std::uint8_t>(ip.version);
    key.protocol = protocol;
    key.port_a = src_is_a ? src_port : dst_port;
    key.port_b = src_is_a ? dst_port : src_port;
    std::memcpy(key.addr_a.data(), src_is_a ? ip.src : ip.dst, n);
    std::memcpy(key.addr_b.data(), src_is_a ? ip.dst : ip.src, n);
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
    const std::size_t hash = FlowKeyHash{}(key);
    UdpCacheSlot& slot = udp_cache_[hash % udp_cache_.size()];
    UdpFlow* flow = slot.flow;
    if (flow == nullptr || !(slot.key == key)) {
        auto& owned = udp_[key];
        if (!owned) {
            owned = std::make_unique<UdpFlow>();
            owned->stream = next_udp_stream_++;
            owned->endpoint[0] = format_endpoint(key.addr_a.data(), ip.addr_len(), key.port_a);
            owned->endpoint[1] = format_endpoint(key.addr_b.data(), ip.addr_len(), key.port_b);
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
    payload_.data.assign(d->payload.begin(), d->payload.end());
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
    sink_.on_payload(payload_);
}

void PacketDecoder::close_connection(TcpConnection& c) {
    for (int dir = 0; dir < 2; ++dir) {
        for (;;) {
            payload_.data.clear();
            auto gap = c.dir[dir].skip_gap(true, payload_.data);
            if (!gap) break;
            ++stats_.issues;
            sink_.on_issue(DecodeIssue{
                0, ts_us_,
                "TCP stream " + std::to_string(c.stream) + " " + c.endpoint[dir] + " -> " +
                    c.endpoint[1 - dir] + ": " + std::to_string(gap->length) +
                    " bytes at stream offset " + std::to_string(gap->at) +
                    " missing from the capture; the " + std::to_string(payload_.data.size()) +
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
        conn->endpoint[0] = format_endpoint(key.addr_a.data(), ip.addr_len(), key.port_a);
        conn->endpoint[1] = format_endpoint(key.addr_b.data(), ip.addr_len(), key.port_b);
        // The SYN's sender opens; a SYN-ACK's receiver did; mid-way, the first sender.
        conn->client = seg->syn() && seg->has_ack() ? 1 - dir : dir;
    }
    TcpConnection& c = *conn;
    TcpDirection& d = c.dir[dir];
    if (seg->syn()) d.syn(seg->seq);
    if (seg->rst()) c.rst_seen = true;
    if (!seg->payload.empty()) {
        payload_.data.clear();
        const std::uint32_t seq = seg->syn() ? seg->seq + 1 : seg->seq;
        switch (d.data(seq, seg->payload, payload_.data)) {
            case TcpDirection::Verdict::delivered:
                deliver_tcp(c, dir, false);
                break;
            case TcpDirection::Verdict::buffered: {
                auto gap = d.skip_gap(false, payload_.data);
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
