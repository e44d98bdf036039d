// IPv4 endpoints for the pcap writer, and address formatting shared by the reader.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/core/result.hpp"

struct sockaddr_in;

namespace mtc::pcap {

// An IPv4 address (network order bytes: {127, 0, 0, 1}) and a port (host order).
struct Endpoint4 {
    std::array<std::uint8_t, 4> ip{};
    std::uint16_t port = 0;

    // From a host-order address, e.g. from_host(0x7f000001, 9000) is 127.0.0.1:9000.
    static Endpoint4 from_host(std::uint32_t ip_host_order, std::uint16_t port);
    static Endpoint4 from_sockaddr(const sockaddr_in& sa);
    [[nodiscard]] std::uint32_t ip_host_order() const;

    bool operator==(const Endpoint4&) const = default;
};

// Parses "a.b.c.d:port" (decimal octets 0..255, port 0..65535, nothing else).
Result<Endpoint4> parse_endpoint4(std::string_view text);

// "a.b.c.d:port".
std::string to_string(const Endpoint4& e);

// "a.b.c.d:port" for a 4-byte address, "[v6]:port" (RFC 5952 text) for a 16-byte one.
std::string format_endpoint(const std::uint8_t* addr, std::size_t addr_len, std::uint16_t port);

}  // namespace mtc::pcap
