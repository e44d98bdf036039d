#include "protocols/core/bytes.hpp"

#include <stdexcept>

#include <openssl/crypto.h>

namespace mtc {

void secure_wipe(void* p, std::size_t n) noexcept {
    if (p != nullptr && n != 0) OPENSSL_cleanse(p, n);
}

std::string to_hex(BytesView v) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(v.size() * 2);
    for (std::uint8_t b : v) {
        out.push_back(kDigits[b >> 4]);
        out.push_back(kDigits[b & 0x0f]);
    }
    return out;
}

std::string display(BytesView v) {
    bool printable = !v.empty();
    for (std::uint8_t b : v) printable = printable && b >= 0x20 && b < 0x7f;
    return printable ? to_string(v) : "0x" + to_hex(v);
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<Bytes> from_hex(std::string_view hex) {
    if (hex.size() % 2 != 0) return std::nullopt;
    Bytes out(hex.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) {
        const int hi = hex_value(hex[2 * i]);
        const int lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
    }
    return out;
}

bool equal_ct(BytesView a, BytesView b) noexcept {
    if (a.size() != b.size()) return false;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::uint16_t get_u16(BytesView in, std::size_t at) {
    return static_cast<std::uint16_t>((in[at] << 8) | in[at + 1]);
}
std::uint32_t get_u32(BytesView in, std::size_t at) {
    return (static_cast<std::uint32_t>(get_u16(in, at)) << 16) | get_u16(in, at + 2);
}
std::uint64_t get_u64(BytesView in, std::size_t at) {
    return (static_cast<std::uint64_t>(get_u32(in, at)) << 32) | get_u32(in, at + 4);
}

Bytes encode_list(std::initializer_list<BytesView> items) {
    Bytes out;
    std::size_t total = 0;
    for (BytesView item : items) total += 2 + item.size();
    out.reserve(total);
    for (BytesView item : items) {
        // Callers pass protocol fields, whose schemas bound them far below 64 KiB.
        if (item.size() > 0xffff) throw std::length_error("encode_list: item over 65535 bytes");
        put_u16(out, static_cast<std::uint16_t>(item.size()));
        out.insert(out.end(), item.begin(), item.end());
    }
    return out;
}

}  // namespace mtc
