// The relaying hub of `mtcfuzz run`: every role instance is reached through a front address
// on the hub, and the hub forwards to the instance's real address. UDP datagrams are relayed
// one by one, TCP connections byte for byte (TLS stays end to end: the hub, like the
// attacker of the design, sees TLS links only as TCP bytes). Every datagram and every relayed
// TCP chunk is written to the pcap with the real endpoints, so the capture reads as if it had
// been taken on the wire between the roles.
//
// Senders are told apart by source IP: each instance has its own 127.x.y.z address.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "harness/net/endpoint.hpp"
#include "harness/net/event_loop.hpp"
#include "harness/net/udp.hpp"
#include "protocols/core/result.hpp"

namespace mtc::pcap {
class PcapWriter;
}

namespace mtc::runner {

struct HubRoute {
    std::string instance;
    net::Endpoint real;   // where the role process listens
    net::Endpoint front;  // where the hub listens on its behalf
    bool tcp = false;     // the instance also listens on TCP (TLS links)
};

// What the hub relayed from one route to another. Datagram bytes are UDP payloads (one
// protocol frame each); TCP bytes are the relayed stream bytes (TLS records of the frames).
struct HubLinkStats {
    std::uint64_t datagrams = 0, datagram_bytes = 0;
    std::uint64_t tcp_bytes = 0;
    HubLinkStats& operator+=(const HubLinkStats& o) {
        datagrams += o.datagrams;
        datagram_bytes += o.datagram_bytes;
        tcp_bytes += o.tcp_bytes;
        return *this;
    }
};

struct HubStats {
    std::uint64_t datagrams = 0, datagram_bytes = 0;
    std::uint64_t tcp_connections = 0, tcp_bytes = 0;
    std::uint64_t unknown_source = 0;  // datagrams or connections from no known instance
    std::uint64_t relay_failures = 0;  // connections the hub could not pass on to the instance
    // By (sender route, receiver route): every relayed or injected datagram and TCP byte.
    std::map<std::pair<std::size_t, std::size_t>, HubLinkStats> links;
};

class Hub {
public:
    Hub(net::EventLoop& loop, std::vector<HubRoute> routes, pcap::PcapWriter* writer);
    ~Hub();
    Hub(const Hub&) = delete;
    Hub& operator=(const Hub&) = delete;

    Status start();
    [[nodiscard]] const HubStats& stats() const { return stats_; }

    // The attacker's hand on the wire (campaigns): called for every datagram before it is
    // relayed; returning false means the hook took it (dropped, held, or to be re-sent through
    // inject_udp) and the hub passes nothing on.
    using UdpHook =
        std::function<bool(std::size_t from_route, std::size_t to_route, const Bytes& datagram)>;
    void set_udp_hook(UdpHook hook) { hook_ = std::move(hook); }
    // Sends a datagram to route `to` from route `from`'s front address, so it appears to come
    // from that instance and the answer comes back through the hub; recorded in the pcap with
    // `from`'s real address as source.
    bool inject_udp(std::size_t from, std::size_t to, BytesView datagram);
    [[nodiscard]] const std::vector<HubRoute>& routes() const { return routes_; }

private:
    struct TcpRelay;
    void on_udp(std::size_t to_route, Bytes datagram, const net::Endpoint& from);
    void on_accept(std::size_t to_route, int listen_fd);
    void pump(const std::shared_ptr<TcpRelay>& r, bool from_client);
    void close_relay(const std::shared_ptr<TcpRelay>& r);
    [[nodiscard]] const HubRoute* route_by_ip(const std::string& host) const;  // O(1)
    [[nodiscard]] std::size_t index_of(const HubRoute* r) const {
        return static_cast<std::size_t>(r - routes_.data());
    }

    net::EventLoop& loop_;
    std::vector<HubRoute> routes_;
    std::unordered_map<std::string, std::size_t> by_ip_;  // real host -> route index
    pcap::PcapWriter* writer_;
    std::vector<std::unique_ptr<net::UdpSocket>> udp_;  // front sockets, by route index
    std::vector<int> tcp_listeners_;
    std::map<int, std::shared_ptr<TcpRelay>> relays_;  // by either fd
    HubStats stats_;
    UdpHook hook_;
};

}  // namespace mtc::runner
