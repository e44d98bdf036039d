// The Internet checksum (RFC 1071) for IPv4 headers and the UDP/TCP pseudo-header sums.
#pragma once

#include <cstddef>
#include <cstdint>

#include "protocols/core/bytes.hpp"

namespace mtc::pcap {

// Ones'-complement sum over a sequence of byte runs, as if they were one buffer (a run may
// have odd length: the next run continues at the odd byte).
class InternetChecksum {
public:
    void add(BytesView bytes);
    void add_u16(std::uint16_t v);
    // The checksum field value: the complement of the folded sum.
    [[nodiscard]] std::uint16_t value() const;

private:
    std::uint64_t sum_ = 0;
    bool odd_ = false;  // an odd number of bytes so far: the next byte is a low byte
};

// The checksum of `header` (its checksum field included; 0 there when computing).
std::uint16_t internet_checksum(BytesView header);

// UDP/TCP checksum over the IPv4 pseudo-header (src, dst, zero, protocol, length) and
// `segment` (transport header with its checksum field included, plus payload).
std::uint16_t transport_checksum_v4(const std::uint8_t* src4, const std::uint8_t* dst4,
                                    std::uint8_t protocol, BytesView segment);

}  // namespace mtc::pcap
