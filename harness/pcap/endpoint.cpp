#include "harness/pcap/endpoint.hpp"

#include <arpa/inet.h>
#include <charconv>
#include <netinet/in.h>

namespace mtc::pcap {

Endpoint4 Endpoint4::from_host(std::uint32_t ip_host_order, std::uint16_t port) {
    Endpoint4 e;
    e.ip = {static_cast<std::uint8_t>(ip_host_order >> 24),
            static_cast<std::uint8_t>(ip_host_order >> 16),
            static_cast<std::uint8_t>(ip_host_order >> 8),
            static_cast<std::uint8_t>(ip_host_order)};
    e.port = port;
    return e;
}

Endpoint4 Endpoint4::from_sockaddr(const sockaddr_in& sa) {
    return from_host(ntohl(sa.sin_addr.s_addr), ntohs(sa.sin_port));
}

std::uint32_t Endpoint4::ip_host_order() const {
    return (static_cast<std::uint32_t>(ip[0]) << 24) | (static_cast<std::uint32_t>(ip[1]) << 16) |
           (static_cast<std::uint32_t>(ip[2]) << 8) | ip[3];
}

namespace {

// Parses a decimal number in [0, max] that is all of `s` (no sign, no spaces, 1..5 digits).
bool parse_number(std::string_view s, unsigned max, unsigned& out) {
    if (s.empty() || s.size() > 5) return false;
    unsigned v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || v > max) return false;
    out = v;
    return true;
}

}  // namespace

Result<Endpoint4> parse_endpoint4(std::string_view text) {
    const auto bad = [&](const std::string& why) {
        return make_error("bad endpoint '" + std::string(text) + "': " + why +
                          " (expected a.b.c.d:port)");
    };
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("no ':port'");
    Endpoint4 e;
    unsigned port = 0;
    if (!parse_number(text.substr(colon + 1), 0xffff, port)) return bad("port is not 0..65535");
    e.port = static_cast<std::uint16_t>(port);
    std::string_view host = text.substr(0, colon);
    for (std::size_t i = 0; i < 4; ++i) {
        const auto dot = host.find('.');
        if ((i < 3) != (dot != std::string_view::npos)) return bad("address is not 4 octets");
        unsigned octet = 0;
        if (!parse_number(host.substr(0, dot), 255, octet)) return bad("octet is not 0..255");
        e.ip[i] = static_cast<std::uint8_t>(octet);
        host = dot == std::string_view::npos ? std::string_view{} : host.substr(dot + 1);
    }
    return e;
}

std::string to_string(const Endpoint4& e) {
    return format_endpoint(e.ip.data(), e.ip.size(), e.port);
}

std::string format_endpoint(const std::uint8_t* addr, std::size_t addr_len, std::uint16_t port) {
    std::string out;
    char num[8];
    const auto append_number = [&](unsigned v) {
        const auto r = std::to_chars(num, num + sizeof num, v);
        out.append(num, r.ptr);
    };
    if (addr_len == 4) {
        for (std::size_t i = 0; i < 4; ++i) {
            if (i != 0) out.push_back('.');
            append_number(addr[i]);
        }
    } else {
        char text[INET6_ADDRSTRLEN] = {};
        if (::inet_ntop(AF_INET6, addr, text, sizeof text) == nullptr) return "[?]:0";
        out.push_back('[');
        out.append(text);
        out.push_back(']');
    }
    out.push_back(':');
    append_number(port);
    return out;
}

}  // namespace mtc::pcap
