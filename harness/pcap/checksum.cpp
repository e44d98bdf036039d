#include "harness/pcap/checksum.hpp"

namespace mtc::pcap {

void InternetChecksum::add(BytesView bytes) {
    std::size_t i = 0;
    const std::size_t n = bytes.size();
    if (odd_ && n > 0) {
        sum_ += bytes[0];
        odd_ = false;
        i = 1;
    }
    for (; i + 1 < n; i += 2) {
        sum_ += static_cast<std::uint32_t>(bytes[i] << 8 | bytes[i + 1]);
    }
    if (i < n) {
        sum_ += static_cast<std::uint32_t>(bytes[i] << 8);
        odd_ = true;
    }
}

void InternetChecksum::add_u16(std::uint16_t v) {
    const std::uint8_t b[2] = {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
    add(BytesView(b, 2));
}

std::uint16_t InternetChecksum::value() const {
    std::uint64_t s = sum_;
    while ((s >> 16) != 0) s = (s & 0xffff) + (s >> 16);
    return static_cast<std::uint16_t>(~s & 0xffff);
}

std::uint16_t internet_checksum(BytesView header) {
    InternetChecksum c;
    c.add(header);
    return c.value();
}

std::uint16_t transport_checksum_v4(const std::uint8_t* src4, const std::uint8_t* dst4,
                                    std::uint8_t protocol, BytesView segment) {
    InternetChecksum c;
    c.add(BytesView(src4, 4));
    c.add(BytesView(dst4, 4));
    c.add_u16(protocol);
    c.add_u16(static_cast<std::uint16_t>(segment.size()));
    c.add(segment);
    return c.value();
}

}  // namespace mtc::pcap
