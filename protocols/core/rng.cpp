#include "protocols/core/rng.hpp"

#include <algorithm>
#include <stdexcept>

#include <openssl/rand.h>

#include "protocols/core/crypto/hash.hpp"

namespace mtc {

Bytes Rng::bytes(std::size_t n) {
    Bytes out(n);
    fill(out);
    return out;
}

SecretBytes Rng::secret_bytes(std::size_t n) {
    SecretBytes out(n);
    fill(out);
    return out;
}

std::uint64_t Rng::u64() {
    std::array<std::uint8_t, 8> b{};
    fill(b);
    return get_u64(b, 0);
}

std::uint64_t Rng::uniform(std::uint64_t bound) {
    // Rejection sampling: draw from the largest multiple of bound below 2^64.
    const std::uint64_t limit = UINT64_MAX - (UINT64_MAX % bound);
    for (;;) {
        const std::uint64_t x = u64();
        if (x < limit) return x % bound;
    }
}

void OsRng::fill(std::span<std::uint8_t> out) {
    if (out.empty()) return;
    // RAND_bytes only fails when the OS entropy source is unavailable; nothing can continue
    // safely then, and returning predictable bytes would be worse than stopping.
    if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
        throw std::runtime_error("OpenSSL RAND_bytes failed: no OS entropy");
    }
}

// SP 800-90A section 10.1.2 (HMAC_DRBG): instantiate with entropy = seed (8 bytes, big-endian)
// and the personalisation string; K = 0x00..., V = 0x01..., then Update(seed_material).
SeededRng::SeededRng(std::uint64_t seed, std::string_view personalisation)
    : k_(BytesView(std::array<std::uint8_t, 32>{}.data(), 32)), v_(32, 0x01) {
    Bytes material;
    put_u64(material, seed);
    material.insert(material.end(), personalisation.begin(), personalisation.end());
    update(material);
}

void SeededRng::update(BytesView provided) {
    crypto::Digest t{};
    auto step = [&](std::uint8_t sep) {
        const std::uint8_t s[1] = {sep};
        k_.mac({view(v_), BytesView(s, 1), provided}, t);  // K = HMAC(K, V || sep || provided)
        k_.set_key(BytesView(t.data(), t.size()));
        k_.mac(view(v_), t);  // V = HMAC(K, V)
        std::copy(t.begin(), t.end(), v_.begin());
    };
    step(0x00);
    if (!provided.empty()) step(0x01);
    secure_wipe(t.data(), t.size());
}

void SeededRng::fill(std::span<std::uint8_t> out) {
    crypto::Digest v{};
    std::size_t done = 0;
    while (done < out.size()) {
        k_.mac(view(v_), v);  // V = HMAC(K, V)
        std::copy(v.begin(), v.end(), v_.begin());
        const std::size_t n = std::min(out.size() - done, v.size());
        std::copy_n(v.begin(), n, out.begin() + static_cast<std::ptrdiff_t>(done));
        done += n;
    }
    secure_wipe(v.data(), v.size());
    update({});
}

std::unique_ptr<Rng> make_rng(const std::optional<std::uint64_t>& seed,
                              std::string_view component) {
    if (seed) return std::make_unique<SeededRng>(*seed, component);
    return std::make_unique<OsRng>();
}

}  // namespace mtc
