// Endpoint: a numeric IPv4 or IPv6 address and a port. No DNS anywhere in mtcfuzz: a role's
// peers, the attacker and the harness all name each other by address.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/core/result.hpp"

namespace mtc::net {

struct Endpoint {
    std::string host;  // numeric IPv4 ("127.0.0.1") or IPv6 ("::1"), canonical when parsed
    std::uint16_t port = 0;

    // "127.0.0.1:5000", "[::1]:5000".
    [[nodiscard]] std::string to_string() const;
    // 127.0.0.0/8 or ::1. False for a host that is not a numeric address.
    [[nodiscard]] bool is_loopback() const;
    [[nodiscard]] bool is_ipv6() const;
    bool operator==(const Endpoint&) const = default;
};

// "A.B.C.D:PORT" or "[IPV6]:PORT"; port 0..65535 (0 = ephemeral when binding). The host is
// returned in canonical text form (inet_ntop), so equal addresses compare equal.
Result<Endpoint> parse_endpoint(std::string_view s);

// A bare numeric address ("127.0.0.2", "::1"), canonicalised; for source addresses.
Result<std::string> parse_host(std::string_view host);

}  // namespace mtc::net
