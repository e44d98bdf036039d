// On OpenSSL's low-level SHA-256 (deprecated in OpenSSL 3, still shipped): the same assembly
// (SHA-NI, AVX2) as EVP's, but a context is a plain struct that can be copied, which is the
// whole point here. EVP_MD_CTX_copy would allocate and dispatch through the provider.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "protocols/core/crypto/hmac_state.hpp"

#include <cstring>

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace mtc::crypto {
namespace {

static_assert(SHA256_CBLOCK == HmacSha256State::kBlockLen);
static_assert(SHA256_DIGEST_LENGTH == HmacSha256State::kDigestLen);

// A state is HmacSha256State's opaque copy of a SHA256_CTX (its kStateLen, checked in set_key).
SHA256_CTX load(const auto& state) {
    static_assert(sizeof state == sizeof(SHA256_CTX));
    SHA256_CTX c;
    std::memcpy(&c, state.data(), sizeof c);
    return c;
}

// The key block K0 ^ pad, hashed into a fresh state.
void absorb_key_block(const std::uint8_t* block, auto& state) {
    static_assert(sizeof state == sizeof(SHA256_CTX));
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, block, SHA256_CBLOCK);
    std::memcpy(state.data(), &c, sizeof c);
    OPENSSL_cleanse(&c, sizeof c);
}

}  // namespace

HmacSha256State::HmacSha256State() {
    set_key({});
}

HmacSha256State::HmacSha256State(BytesView key) {
    set_key(key);
}

HmacSha256State::~HmacSha256State() {
    OPENSSL_cleanse(inner_.data(), inner_.size());
    OPENSSL_cleanse(outer_.data(), outer_.size());
}

void HmacSha256State::set_key(BytesView key) {
    static_assert(sizeof(SHA256_CTX) == kStateLen, "kStateLen must be sizeof(SHA256_CTX)");
    static_assert(alignof(SHA256_CTX) <= 8);

    constexpr std::uint8_t ipad = 0x36;
    constexpr std::uint8_t opad = 0x5c;
    std::uint8_t block[kBlockLen] = {};  // K0: the key, zero-padded (RFC 2104, section 2)
    if (key.size() > kBlockLen) {
        SHA256_CTX c;
        SHA256_Init(&c);
        SHA256_Update(&c, key.data(), key.size());
        SHA256_Final(block, &c);
        OPENSSL_cleanse(&c, sizeof c);
    } else if (!key.empty()) {
        std::memcpy(block, key.data(), key.size());
    }
    for (std::uint8_t& b : block) b ^= ipad;
    absorb_key_block(block, inner_);
    for (std::uint8_t& b : block) b ^= ipad ^ opad;
    absorb_key_block(block, outer_);
    OPENSSL_cleanse(block, sizeof block);
}

// The copies need no wiping afterwards: SHA256_Final clears the block buffer, and what is
// left in the chaining words is the inner digest and the MAC, not the key states.
void HmacSha256State::mac(std::span<const BytesView> parts, Out out) const {
    SHA256_CTX c = load(inner_);
    for (const BytesView& p : parts) SHA256_Update(&c, p.data(), p.size());
    std::uint8_t inner_digest[kDigestLen];
    SHA256_Final(inner_digest, &c);
    c = load(outer_);
    SHA256_Update(&c, inner_digest, sizeof inner_digest);
    SHA256_Final(out.data(), &c);
}

void HmacSha256State::mac(BytesView data, Out out) const {
    mac(std::span<const BytesView>(&data, 1), out);
}

void HmacSha256State::mac(std::initializer_list<BytesView> parts, Out out) const {
    mac(std::span<const BytesView>(parts.begin(), parts.size()), out);
}

Digest HmacSha256State::mac(BytesView data) const {
    Digest d{};
    mac(data, Out(d));
    return d;
}

}  // namespace mtc::crypto
