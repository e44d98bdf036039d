// Byte strings: public Bytes, and SecretBytes that are wiped (OPENSSL_cleanse) when freed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mtc {

using Bytes = std::vector<std::uint8_t>;
using BytesView = std::span<const std::uint8_t>;

// Wipes its memory on deallocation so key material does not linger on the heap.
template <typename T>
struct WipingAllocator {
    using value_type = T;
    WipingAllocator() = default;
    template <typename U>
    WipingAllocator(const WipingAllocator<U>& /*unused*/) {}  // NOLINT(google-explicit-constructor)
    T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
    void deallocate(T* p, std::size_t n) noexcept;
    template <typename U>
    bool operator==(const WipingAllocator<U>& /*unused*/) const {
        return true;
    }
};

void secure_wipe(void* p, std::size_t n) noexcept;

template <typename T>
void WipingAllocator<T>::deallocate(T* p, std::size_t n) noexcept {
    secure_wipe(p, n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
}

using SecretBytes = std::vector<std::uint8_t, WipingAllocator<std::uint8_t>>;

inline BytesView view(const Bytes& b) {
    return {b.data(), b.size()};
}
inline BytesView view(const SecretBytes& b) {
    return {b.data(), b.size()};
}
inline BytesView view(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline Bytes to_bytes(BytesView v) {
    return {v.begin(), v.end()};
}
inline Bytes to_bytes(std::string_view s) {
    return {s.begin(), s.end()};
}
inline SecretBytes to_secret(BytesView v) {
    return {v.begin(), v.end()};
}
inline std::string to_string(BytesView v) {
    return {v.begin(), v.end()};
}

std::string to_hex(BytesView v);
// Printable ASCII as is, anything else as "0x" + hex: for identities in events and logs.
std::string display(BytesView v);
std::optional<Bytes> from_hex(std::string_view hex);

// Constant-time comparison for MACs and other authenticators.
bool equal_ct(BytesView a, BytesView b) noexcept;

// Big-endian integer helpers used by the wire codec and MIC encodings.
inline void put_u16(Bytes& out, std::uint16_t v) {
    const std::uint8_t b[2] = {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
    out.insert(out.end(), b, b + 2);
}
inline void put_u32(Bytes& out, std::uint32_t v) {
    put_u16(out, static_cast<std::uint16_t>(v >> 16));
    put_u16(out, static_cast<std::uint16_t>(v));
}
inline void put_u64(Bytes& out, std::uint64_t v) {
    put_u32(out, static_cast<std::uint32_t>(v >> 32));
    put_u32(out, static_cast<std::uint32_t>(v));
}
std::uint16_t get_u16(BytesView in, std::size_t at);
std::uint32_t get_u32(BytesView in, std::size_t at);
std::uint64_t get_u64(BytesView in, std::size_t at);

// Unambiguous encoding of a list of byte strings (each prefixed with its u16 length), used
// wherever a paper writes MIC(a, b, c) or KDF(a, b, c) over a list of fields.
Bytes encode_list(std::initializer_list<BytesView> items);

}  // namespace mtc
