// The one injectable source of randomness. Roles, provisioning and the attacker read random
// values only through an Rng, so a seed makes a whole run reproducible.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "protocols/core/bytes.hpp"
#include "protocols/core/crypto/hmac_state.hpp"

namespace mtc {

class Rng {
public:
    virtual ~Rng() = default;
    virtual void fill(std::span<std::uint8_t> out) = 0;

    Bytes bytes(std::size_t n);
    SecretBytes secret_bytes(std::size_t n);
    std::uint64_t u64();
    // Uniform in [0, bound) without modulo bias; bound > 0.
    std::uint64_t uniform(std::uint64_t bound);
};

// OpenSSL's DRBG, seeded by the operating system (normal runs).
class OsRng final : public Rng {
public:
    void fill(std::span<std::uint8_t> out) override;
};

// NIST SP 800-90A HMAC_DRBG (SHA-256) from a fixed seed: the same seed and personalisation
// give the same stream on every machine. Used with --seed and in fuzz targets. Never reseeds.
class SeededRng final : public Rng {
public:
    SeededRng(std::uint64_t seed, std::string_view personalisation);
    void fill(std::span<std::uint8_t> out) override;

private:
    void update(BytesView provided);
    // K as its precomputed HMAC states: the DRBG MACs under one K many times between two
    // updates, and an EVP_MAC context per HMAC was most of a fuzz input's cost (docs/fuzzing.md).
    crypto::HmacSha256State k_;
    SecretBytes v_;  // V
};

// A fresh generator for one component: seeded runs derive an independent stream per
// component name (so scheduling order does not change any stream); unseeded runs use the OS.
std::unique_ptr<Rng> make_rng(const std::optional<std::uint64_t>& seed, std::string_view component);

}  // namespace mtc
