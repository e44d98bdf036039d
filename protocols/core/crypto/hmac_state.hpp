// HMAC-SHA256 (RFC 2104) with the key's inner and outer SHA-256 states computed once.
//
// HMAC(K, m) = H((K0 ^ opad) || H((K0 ^ ipad) || m)): the two key blocks are one compression
// each, the same for every message. set_key() runs them once and keeps the two chaining
// states; mac() copies them and hashes only the message and the inner digest. That is what a
// reused EVP_MAC context does too, but through the provider's parameter parsing and
// digest-context dispatch on every call, which for the key guesser's one- or two-block keys
// and messages costs several times the compressions themselves (docs/bench-guess.md); and a
// fresh EVP_MAC context per MAC allocates about 14 times (docs/fuzzing.md, "Speed"). It is the
// project's one HMAC-SHA256: crypto::hmac_sha256 and the KBKDF's HMAC PRF are built on it.
//
// No allocation anywhere: the states live in the object, the output in the caller's buffer.
// The header keeps OpenSSL out of its includers: the states are opaque bytes here, checked
// against sizeof(SHA256_CTX) in the .cpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>

#include "protocols/core/bytes.hpp"
#include "protocols/core/crypto/hash.hpp"

namespace mtc::crypto {

class HmacSha256State {
public:
    static constexpr std::size_t kBlockLen = 64;
    static constexpr std::size_t kDigestLen = 32;
    using Out = std::span<std::uint8_t, kDigestLen>;

    HmacSha256State();  // the empty key
    explicit HmacSha256State(BytesView key);
    ~HmacSha256State();  // wipes both states: each is as good as the key
    HmacSha256State(const HmacSha256State&) = default;
    HmacSha256State& operator=(const HmacSha256State&) = default;

    // Any length; a key longer than a block is hashed first (RFC 2104, section 2).
    void set_key(BytesView key);

    // The MAC of `data`, or of the concatenation of `parts` (without building it).
    void mac(BytesView data, Out out) const;
    void mac(std::span<const BytesView> parts, Out out) const;
    void mac(std::initializer_list<BytesView> parts, Out out) const;
    [[nodiscard]] Digest mac(BytesView data) const;

    // SHA-256 compression-function calls, for rates measured against the raw compression rate:
    // set_key() with a key of `key_len` bytes (the two pad blocks, after hashing a long key),
    // and mac() over `msg_len` bytes (the message after the inner pad block, then the inner
    // digest after the outer one; SHA-256 pads with 0x80 and a 64-bit length: 9 bytes).
    static constexpr std::size_t key_compressions(std::size_t key_len) {
        return (key_len > kBlockLen ? padded_blocks(key_len) : 0) + 2;
    }
    static constexpr std::size_t mac_compressions(std::size_t msg_len) {
        return padded_blocks(msg_len) + padded_blocks(kDigestLen);
    }

private:
    static constexpr std::size_t padded_blocks(std::size_t len) {
        return (len + 9 + kBlockLen - 1) / kBlockLen;
    }

    // sizeof(SHA256_CTX): eight chaining words, the bit count, one block buffer, two counters.
    static constexpr std::size_t kStateLen = 112;
    alignas(8) std::array<std::uint8_t, kStateLen> inner_{};
    alignas(8) std::array<std::uint8_t, kStateLen> outer_{};
};

}  // namespace mtc::crypto
