#include "harness/net/endpoint.hpp"

#include <arpa/inet.h>
#include <array>
#include <charconv>
#include <cstring>
#include <netinet/in.h>

namespace mtc::net {

namespace {

Result<std::string> canonical(std::string_view host, int family) {
    const std::string text(host);
    std::array<unsigned char, sizeof(in6_addr)> addr{};
    if (inet_pton(family, text.c_str(), addr.data()) != 1) {
        return make_error("not a numeric address: '" + text + "'");
    }
    std::array<char, INET6_ADDRSTRLEN> out{};
    if (inet_ntop(family, addr.data(), out.data(), out.size()) == nullptr) {
        return make_error("not a numeric address: '" + text + "'");
    }
    return std::string(out.data());
}

Result<std::uint16_t> parse_port(std::string_view p) {
    if (p.empty()) return make_error("bad port: empty");
    if (p.size() > 5) return make_error("bad port: '" + std::string(p) + "'");
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
    if (ec != std::errc() || end != p.data() + p.size() || value > 65535) {
        return make_error("bad port: '" + std::string(p) + "'");
    }
    return static_cast<std::uint16_t>(value);
}

}  // namespace

std::string Endpoint::to_string() const {
    if (is_ipv6()) return "[" + host + "]:" + std::to_string(port);
    return host + ":" + std::to_string(port);
}

bool Endpoint::is_ipv6() const {
    return host.find(':') != std::string::npos;
}

bool Endpoint::is_loopback() const {
    if (is_ipv6()) {
        in6_addr a{};
        return inet_pton(AF_INET6, host.c_str(), &a) == 1 && IN6_IS_ADDR_LOOPBACK(&a);
    }
    in_addr a{};
    if (inet_pton(AF_INET, host.c_str(), &a) != 1) return false;
    return (ntohl(a.s_addr) >> 24) == 127;
}

Result<std::string> parse_host(std::string_view host) {
    if (host.empty()) return make_error("not a numeric address: empty");
    if (host.find(':') != std::string_view::npos) return canonical(host, AF_INET6);
    return canonical(host, AF_INET);
}

Result<Endpoint> parse_endpoint(std::string_view s) {
    if (s.empty()) return make_error("empty endpoint");
    std::string_view host;
    std::string_view port;
    if (s.front() == '[') {
        const auto close = s.find(']');
        if (close == std::string_view::npos) return make_error("missing ']' after IPv6 address");
        host = s.substr(1, close - 1);
        const std::string_view rest = s.substr(close + 1);
        if (rest.empty() || rest.front() != ':') return make_error("missing port");
        port = rest.substr(1);
        if (host.find(':') == std::string_view::npos) {
            return make_error("not a numeric IPv6 address: '" + std::string(host) + "'");
        }
    } else {
        const auto colon = s.rfind(':');
        if (colon == std::string_view::npos) return make_error("missing port");
        host = s.substr(0, colon);
        port = s.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) {
            return make_error("IPv6 address must be in brackets: '[" + std::string(host) +
                              "]:PORT'");
        }
    }
    auto p = parse_port(port);
    if (!p) return p.error();
    auto h = parse_host(host);
    if (!h) return h.error();
    return Endpoint{std::move(h.value()), *p};
}

}  // namespace mtc::net
