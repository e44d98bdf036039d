#include "harness/runner/hub.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness/net/sockaddr.hpp"
#include "harness/pcap/writer.hpp"
#include "protocols/core/clock.hpp"

namespace mtc::runner {
namespace {

std::int64_t now_us() {
    return SystemClock().now_us();
}

pcap::Endpoint4 ep4(const net::Endpoint& ep) {
    auto sa = net::to_sockaddr(ep);  // hub endpoints are IPv4 loopback addresses
    if (!sa || sa->family() != AF_INET) return {};
    return pcap::Endpoint4::from_sockaddr(*reinterpret_cast<const sockaddr_in*>(sa->get()));
}

// A non-blocking TCP connect to `to` from `from_host`; the descriptor, or -1.
int connect_from(const std::string& from_host, const net::Endpoint& to) {
    auto fd = net::open_socket(to, SOCK_STREAM);
    auto src = net::to_sockaddr(net::Endpoint{from_host, 0});
    auto dst = net::to_sockaddr(to);
    if (!fd || !src || !dst) return -1;
    if (::bind(fd->get(), src->get(), src->len) != 0) return -1;
    if (::connect(fd->get(), dst->get(), dst->len) != 0 && errno != EINPROGRESS) return -1;
    net::set_tcp_nodelay(fd->get());
    return fd->release();
}

}  // namespace

// One relayed TCP connection: client (a role) -> hub front -> server (the real instance).
struct Hub::TcpRelay {
    int client_fd = -1, server_fd = -1;
    std::size_t client_route = 0, server_route = 0;
    std::string to_client, to_server;  // bytes waiting to be written
    bool server_connected = false;
    pcap::TcpFlowId flow{};  // pcap flow
    bool client_eof = false, server_eof = false;
    bool closed = false;
};

Hub::Hub(net::EventLoop& loop, std::vector<HubRoute> routes, pcap::PcapWriter* writer)
    : loop_(loop), routes_(std::move(routes)), writer_(writer) {
    for (std::size_t i = 0; i < routes_.size(); ++i) by_ip_.emplace(routes_[i].real.host, i);
}

Hub::~Hub() {
    for (auto& [fd, r] : relays_) {
        if (fd == r->client_fd || fd == r->server_fd) loop_.unwatch(fd);
    }
    for (auto& [fd, r] : relays_) {
        if (r->client_fd >= 0) ::close(r->client_fd), r->client_fd = -1;
        if (r->server_fd >= 0) ::close(r->server_fd), r->server_fd = -1;
    }
    for (int fd : tcp_listeners_) {
        loop_.unwatch(fd);
        ::close(fd);
    }
}

const HubRoute* Hub::route_by_ip(const std::string& host) const {
    auto it = by_ip_.find(host);
    return it == by_ip_.end() ? nullptr : &routes_[it->second];
}

Status Hub::start() {
    for (std::size_t i = 0; i < routes_.size(); ++i) {
        auto sock = net::UdpSocket::bind(loop_, routes_[i].front);
        if (!sock)
            return make_error("hub: cannot bind UDP " + routes_[i].front.to_string() + ": " +
                              sock.error().describe());
        (*sock)->on_datagram(
            [this, i](Bytes d, const net::Endpoint& from) { on_udp(i, std::move(d), from); });
        udp_.push_back(std::move(sock).value());
        if (!routes_[i].tcp) continue;
        auto sock_fd = net::open_socket(routes_[i].front, SOCK_STREAM);
        auto sa = net::to_sockaddr(routes_[i].front);
        if (!sock_fd || !sa) {
            return make_error("hub: cannot listen on TCP " + routes_[i].front.to_string());
        }
        const int one = 1;
        ::setsockopt(sock_fd->get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(sock_fd->get(), sa->get(), sa->len) != 0 || ::listen(sock_fd->get(), 64) != 0) {
            return make_error("hub: cannot listen on TCP " + routes_[i].front.to_string() + ": " +
                              std::strerror(errno));
        }
        const int fd = sock_fd->release();
        tcp_listeners_.push_back(fd);
        loop_.watch(fd, POLLIN, [this, i, fd](short /*ev*/) { on_accept(i, fd); });
    }
    return Ok{};
}

void Hub::on_udp(std::size_t to_route, Bytes datagram, const net::Endpoint& from) {
    const HubRoute* sender = route_by_ip(from.host);
    if (sender == nullptr) {
        ++stats_.unknown_source;
        return;
    }
    if (hook_ && !hook_(index_of(sender), to_route, datagram)) return;
    inject_udp(index_of(sender), to_route, datagram);
}

bool Hub::inject_udp(std::size_t from, std::size_t to, BytesView datagram) {
    if (from >= routes_.size() || to >= routes_.size() || udp_.size() != routes_.size())
        return false;
    const HubRoute& dst = routes_[to];
    // Sent from the sender's own front socket, so the receiver's reply comes back through us.
    if (!udp_[from]->send_to(dst.real, datagram)) return false;
    ++stats_.datagrams;
    stats_.datagram_bytes += datagram.size();
    HubLinkStats& link = stats_.links[{from, to}];
    ++link.datagrams;
    link.datagram_bytes += datagram.size();
    if (writer_ != nullptr) {
        writer_->udp(now_us(), ep4(routes_[from].real), ep4(dst.real), datagram);
    }
    return true;
}

void Hub::on_accept(std::size_t to_route, int listen_fd) {
    for (;;) {
        sockaddr_storage peer{};
        socklen_t len = sizeof peer;
        const int cfd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&peer), &len,
                                  SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) return;
        const net::Endpoint from = net::from_sockaddr(peer);
        const HubRoute* sender = route_by_ip(from.host);
        const HubRoute& dst = routes_[to_route];
        if (sender == nullptr) {
            ++stats_.unknown_source;
            ::close(cfd);
            continue;
        }
        // Connect to the real instance from the sender's front address.
        const int sfd = connect_from(sender->front.host, dst.real);
        if (sfd < 0) {
            ++stats_.relay_failures;
            ::close(cfd);
            continue;
        }
        net::set_tcp_nodelay(cfd);
        auto r = std::make_shared<TcpRelay>();
        r->client_fd = cfd;
        r->server_fd = sfd;
        r->client_route = index_of(sender);
        r->server_route = to_route;
        if (writer_ != nullptr) {
            r->flow = writer_->tcp_open(now_us(), ep4(from), ep4(dst.real));
        }
        ++stats_.tcp_connections;
        relays_[cfd] = r;
        relays_[sfd] = r;
        loop_.watch(cfd, POLLIN, [this, r](short /*ev*/) { pump(r, true); });
        loop_.watch(sfd, POLLIN | POLLOUT, [this, r](short ev) {
            if (!r->server_connected && (ev & (POLLOUT | POLLERR | POLLHUP)) != 0) {
                int err = 0;
                socklen_t l = sizeof err;
                ::getsockopt(r->server_fd, SOL_SOCKET, SO_ERROR, &err, &l);
                if (err != 0) {
                    close_relay(r);
                    return;
                }
                r->server_connected = true;
            }
            pump(r, false);
        });
    }
}

// Moves bytes: reads what `from_client` (or the server) has, writes what the other side
// can take, and records each chunk read in the pcap.
void Hub::pump(const std::shared_ptr<TcpRelay>& r, bool from_client) {
    if (r->closed) return;
    const int in_fd = from_client ? r->client_fd : r->server_fd;
    std::string& out = from_client ? r->to_server : r->to_client;
    if (from_client || r->server_connected) {
        char buf[16384];
        for (;;) {
            const ssize_t n = ::recv(in_fd, buf, sizeof buf, 0);
            if (n > 0) {
                out.append(buf, static_cast<std::size_t>(n));
                stats_.tcp_bytes += static_cast<std::uint64_t>(n);
                stats_
                    .links[from_client ? std::pair{r->client_route, r->server_route}
                                       : std::pair{r->server_route, r->client_route}]
                    .tcp_bytes += static_cast<std::uint64_t>(n);
                if (writer_ != nullptr) {
                    writer_->tcp_data(now_us(), r->flow, from_client,
                                      BytesView(reinterpret_cast<const std::uint8_t*>(buf),
                                                static_cast<std::size_t>(n)));
                }
                if (out.size() > (4u << 20)) break;  // back-pressure: stop reading until flushed
                continue;
            }
            if (n == 0) {
                (from_client ? r->client_eof : r->server_eof) = true;
                break;
            }
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                (from_client ? r->client_eof : r->server_eof) = true;
            break;
        }
    }
    // Flush both directions.
    auto flush = [](int fd, std::string& buf) {
        while (!buf.empty()) {
            const ssize_t n = ::send(fd, buf.data(), buf.size(), MSG_NOSIGNAL);
            if (n > 0) {
                buf.erase(0, static_cast<std::size_t>(n));
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
        }
        return true;
    };
    bool ok = true;
    if (r->server_connected) ok = flush(r->server_fd, r->to_server) && ok;
    ok = flush(r->client_fd, r->to_client) && ok;
    if (!ok || (r->client_eof && r->to_server.empty()) || (r->server_eof && r->to_client.empty())) {
        close_relay(r);
        return;
    }
    loop_.set_events(r->client_fd, POLLIN | (r->to_client.empty() ? 0 : POLLOUT));
    if (r->server_connected)
        loop_.set_events(r->server_fd, POLLIN | (r->to_server.empty() ? 0 : POLLOUT));
}

void Hub::close_relay(const std::shared_ptr<TcpRelay>& r) {
    if (r->closed) return;
    r->closed = true;
    if (writer_ != nullptr) writer_->tcp_close(now_us(), r->flow);
    for (int* fd : {&r->client_fd, &r->server_fd}) {
        if (*fd < 0) continue;
        loop_.unwatch(*fd);
        relays_.erase(*fd);
        ::close(*fd);
        *fd = -1;
    }
}

}  // namespace mtc::runner
