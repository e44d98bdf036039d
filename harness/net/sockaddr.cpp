#include "harness/net/sockaddr.hpp"

#include <arpa/inet.h>
#include <array>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>

namespace mtc::net {

Result<SockAddr> to_sockaddr(const Endpoint& ep) {
    SockAddr sa;
    if (ep.is_ipv6()) {
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_port = htons(ep.port);
        if (inet_pton(AF_INET6, ep.host.c_str(), &a.sin6_addr) != 1) {
            return make_error("not a numeric address: '" + ep.host + "'");
        }
        std::memcpy(&sa.storage, &a, sizeof a);
        sa.len = sizeof a;
    } else {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(ep.port);
        if (inet_pton(AF_INET, ep.host.c_str(), &a.sin_addr) != 1) {
            return make_error("not a numeric address: '" + ep.host + "'");
        }
        std::memcpy(&sa.storage, &a, sizeof a);
        sa.len = sizeof a;
    }
    return sa;
}

Endpoint from_sockaddr(const sockaddr_storage& ss) {
    std::array<char, INET6_ADDRSTRLEN> text{};
    if (ss.ss_family == AF_INET6) {
        sockaddr_in6 a{};
        std::memcpy(&a, &ss, sizeof a);
        inet_ntop(AF_INET6, &a.sin6_addr, text.data(), text.size());
        return Endpoint{text.data(), ntohs(a.sin6_port)};
    }
    if (ss.ss_family == AF_INET) {
        sockaddr_in a{};
        std::memcpy(&a, &ss, sizeof a);
        inet_ntop(AF_INET, &a.sin_addr, text.data(), text.size());
        return Endpoint{text.data(), ntohs(a.sin_port)};
    }
    return Endpoint{};
}

Result<UniqueFd> open_socket(const Endpoint& ep, int type) {
    const int family = ep.is_ipv6() ? AF_INET6 : AF_INET;
    UniqueFd fd(::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) return make_error(errno_reason("socket", errno));
    if (family == AF_INET6) {
        const int on = 1;  // an IPv6 socket speaks IPv6 only: no v4-mapped surprises
        ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    }
    return fd;
}

void set_tcp_nodelay(int fd) {
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

Result<Endpoint> local_endpoint(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
        return make_error(errno_reason("getsockname", errno));
    }
    return from_sockaddr(ss);
}

Result<Endpoint> remote_endpoint(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
        return make_error(errno_reason("getpeername", errno));
    }
    return from_sockaddr(ss);
}

std::string errno_reason(const std::string& what, int err) {
    return what + ": " + std::strerror(err);  // NOLINT(concurrency-mt-unsafe): single-threaded
}

}  // namespace mtc::net
