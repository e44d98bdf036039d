// Prime-order subgroups of Z_p^* (RFC 5114 groups from OpenSSL's named FFC groups) and the
// big-number arithmetic the proxy-signature and Diffie-Hellman protocols need.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "protocols/core/bytes.hpp"
#include "protocols/core/result.hpp"

namespace mtc {
class Rng;
}

namespace mtc::crypto {

// Owning wrapper over a BIGNUM (cleared on destruction: exponents are secrets).
class BigNum {
public:
    BigNum();
    explicit BigNum(unsigned long v);
    static BigNum from_bytes(BytesView big_endian);
    static Result<BigNum> from_hex(std::string_view hex);
    BigNum(const BigNum&);
    BigNum& operator=(const BigNum&);
    BigNum(BigNum&&) noexcept;
    BigNum& operator=(BigNum&&) noexcept;
    ~BigNum();

    [[nodiscard]] Bytes to_bytes() const;                      // minimal big-endian
    [[nodiscard]] Bytes to_bytes_padded(std::size_t n) const;  // left-padded to n bytes
    [[nodiscard]] std::string to_hex() const;
    [[nodiscard]] int num_bits() const;
    [[nodiscard]] bool is_zero() const;
    [[nodiscard]] bool is_one() const;
    [[nodiscard]] int compare(const BigNum& other) const;  // <0, 0, >0
    bool operator==(const BigNum& o) const { return compare(o) == 0; }

    // Raw access for the implementation files only.
    [[nodiscard]] const void* raw() const;
    void* raw_mut();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

enum class GroupId : std::uint8_t { dh_2048_256 = 1, dh_1024_160 = 2 };
std::string_view group_name(GroupId id);
std::optional<GroupId> group_from_name(std::string_view name);

// A group (p, q, g) with g of prime order q. All operations are mod p (elements) or mod q
// (exponents). Methods are const and thread-safe (each call uses its own BN_CTX).
class DlGroup {
public:
    static Result<DlGroup> named(GroupId id);  // from OpenSSL's "dh_2048_256" / "dh_1024_160"

    [[nodiscard]] GroupId id() const { return id_; }
    [[nodiscard]] const BigNum& p() const { return p_; }
    [[nodiscard]] const BigNum& q() const { return q_; }
    [[nodiscard]] const BigNum& g() const { return g_; }
    [[nodiscard]] std::size_t element_bytes() const;  // bytes of p
    [[nodiscard]] std::size_t scalar_bytes() const;   // bytes of q

    // Uniform in [1, q-1], drawn from `rng` (so seeded runs are reproducible).
    [[nodiscard]] BigNum random_scalar(Rng& rng) const;

    [[nodiscard]] BigNum exp_g(const BigNum& e) const;                   // g^e mod p
    [[nodiscard]] BigNum exp(const BigNum& b, const BigNum& e) const;    // b^e mod p
    [[nodiscard]] BigNum mul(const BigNum& a, const BigNum& b) const;    // a*b mod p
    [[nodiscard]] BigNum mul_q(const BigNum& a, const BigNum& b) const;  // a*b mod q
    [[nodiscard]] BigNum add_q(const BigNum& a, const BigNum& b) const;  // a+b mod q
    [[nodiscard]] BigNum sub_q(const BigNum& a, const BigNum& b) const;  // a-b mod q
    [[nodiscard]] BigNum mod_q(const BigNum& a) const;                   // a mod q
    [[nodiscard]] Result<BigNum> inv_q(const BigNum& a) const;           // a^-1 mod q

    // Subgroup membership of a received element: 1 < y < p-1 and y^q == 1 mod p.
    // Returns the reason when the check fails.
    [[nodiscard]] Status check_element(const BigNum& y) const;
    // 0 < s < q.
    [[nodiscard]] Status check_scalar(const BigNum& s) const;

private:
    DlGroup() = default;
    GroupId id_ = GroupId::dh_2048_256;
    BigNum p_, q_, g_;
};

}  // namespace mtc::crypto
