// The loopback address plan of a live deployment (LiveDeployment, `mtcfuzz run`, campaigns).
//
// Every instance has its own address, so the hub tells senders apart by source IP. With the
// prefix "127.A.B", instance k listens on 127.A.(B + k/120).(k%120 + 1) and its hub front is
// 127.A.(B + k/120).(k%120 + 129): blocks of 120 instances, one /24 each, the front 128 above
// the instance in the same /24. For k < 120 that is the original plan (127.A.B.(k+1) and
// 127.A.B.(k+129)). A deployment needs ceil(n/120) consecutive /24s, so B + that - 1 must stay
// within 255: from B = 0 up to 256 * 120 = 30720 instances.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/core/result.hpp"

namespace mtc::runner {

inline constexpr std::size_t kInstancesPerBlock = 120;
inline constexpr std::size_t kFrontOffset = 128;
inline constexpr std::uint16_t kRolePort = 4242;

struct AddressPrefix {
    unsigned a = 0, b = 0;  // 127.a.b

    // "127.A.B" with A and B in 0..255 (decimal, no leading '+' or spaces).
    static Result<AddressPrefix> parse(std::string_view text) {
        const auto bad = [&] {
            return make_error("address prefix wants 127.A.B (A, B in 0..255), got '" +
                              std::string(text) + "'");
        };
        if (text.substr(0, 4) != "127.") return bad();
        unsigned parts[2] = {0, 0};
        std::size_t part = 0, digits = 0;
        for (const char c : text.substr(4)) {
            if (c == '.') {
                if (digits == 0 || ++part > 1) return bad();
                digits = 0;
                continue;
            }
            if (c < '0' || c > '9' || ++digits > 3) return bad();
            parts[part] = parts[part] * 10 + static_cast<unsigned>(c - '0');
        }
        if (part != 1 || digits == 0 || parts[0] > 255 || parts[1] > 255) return bad();
        return AddressPrefix{parts[0], parts[1]};
    }
    [[nodiscard]] std::string to_string() const {
        return "127." + std::to_string(a) + "." + std::to_string(b);
    }
};

// How many consecutive /24 blocks `instances` instances take (at least 1).
inline std::size_t address_blocks(std::size_t instances) {
    return instances == 0 ? 1 : (instances + kInstancesPerBlock - 1) / kInstancesPerBlock;
}

// Whether `instances` instances fit above `prefix`; the error says by how much they do not.
inline Status check_address_plan(const AddressPrefix& prefix, std::size_t instances) {
    const std::size_t last = prefix.b + address_blocks(instances) - 1;
    if (last <= 255) return Ok{};
    return make_error(std::to_string(instances) + " role instances need " +
                      std::to_string(address_blocks(instances)) + " /24 blocks of " +
                      std::to_string(kInstancesPerBlock) + " from " + prefix.to_string() +
                      ".0, up to 127." + std::to_string(prefix.a) + "." + std::to_string(last) +
                      ", past .255: use a prefix 127.A.B with B <= " +
                      std::to_string(256 - address_blocks(instances)) + " or fewer instances");
}

struct InstanceHosts {
    std::string real, front;  // dotted IPv4 hosts, port kRolePort
};

// Instance k's hosts; the caller has checked the plan (check_address_plan) for k + 1 instances.
inline InstanceHosts instance_hosts(const AddressPrefix& prefix, std::size_t k) {
    const std::string net = "127." + std::to_string(prefix.a) + "." +
                            std::to_string(prefix.b + k / kInstancesPerBlock) + ".";
    const std::size_t host = k % kInstancesPerBlock + 1;
    return {net + std::to_string(host), net + std::to_string(host + kFrontOffset)};
}

}  // namespace mtc::runner
