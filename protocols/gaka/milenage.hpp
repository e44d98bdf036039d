// MILENAGE (3GPP TS 35.206): the example 3GPP authentication and key generation functions
// f1, f1*, f2, f3, f4, f5 and f5*, and OPc from OP, on OpenSSL AES-128.
//
// The kernel E_K is AES-128 (Rijndael with a 128-bit block and key), one block at a time: an
// EVP ECB context keyed once with K and reused for every block of every function. With
// TEMP = E_K(RAND xor OPc) and rot(x, r) the cyclic left rotation of the 128-bit x by r bits:
//
//   OPc  = OP xor E_K(OP)
//   OUT1 = E_K(TEMP xor rot(IN1 xor OPc, r1) xor c1) xor OPc,  IN1 = SQN || AMF || SQN || AMF
//   OUTi = E_K(rot(TEMP xor OPc, ri) xor ci) xor OPc,           i = 2, 3, 4, 5
//   f1 = MAC-A = OUT1[0..63]    f1* = MAC-S = OUT1[64..127]
//   f5 = AK    = OUT2[0..47]    f2  = RES   = OUT2[64..127]
//   f3 = CK    = OUT3           f4  = IK    = OUT4          f5* = AK* = OUT5[0..47]
//
// with the standard constants (TS 35.206 section 4.1): r1 = 64, r2 = 0, r3 = 32, r4 = 64,
// r5 = 96 bits; c1 = 0, c2 = 1, c3 = 2, c4 = 4, c5 = 8 (in the last bit positions).
//
// Every input is checked for its length; K, OPc, CK, IK, AK and every intermediate block are
// secrets: they live in SecretBytes or are wiped before the stack frame is left.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "protocols/core/bytes.hpp"
#include "protocols/core/result.hpp"

namespace mtc::gaka {

inline constexpr std::size_t kKeyLen = 16;   // K, OP, OPc (and K_SH, K_G)
inline constexpr std::size_t kRandLen = 16;  // RAND
inline constexpr std::size_t kSqnLen = 6;    // SQN, AK, AK*
inline constexpr std::size_t kAmfLen = 2;    // AMF
inline constexpr std::size_t kMacLen = 8;    // MAC-A, MAC-S
inline constexpr std::size_t kResLen = 8;    // RES / XRES (MILENAGE's f2 is 64 bits)
inline constexpr std::size_t kCkLen = 16;    // CK, IK

using Mac = std::array<std::uint8_t, kMacLen>;
using Ak = std::array<std::uint8_t, kSqnLen>;

// f2..f5 of one RAND, computed together (they share TEMP).
struct F2345 {
    Bytes res;       // f2, 8 bytes (RES at the USIM, XRES at the HN)
    SecretBytes ck;  // f3, 16 bytes
    SecretBytes ik;  // f4, 16 bytes
    SecretBytes ak;  // f5, 6 bytes
};

class Milenage {
public:
    // OPc = OP xor E_K(OP). K and OP must be 16 bytes.
    static Result<SecretBytes> compute_opc(BytesView k, BytesView op);

    // A MILENAGE instance for subscriber key K, from the operator's OP (OPc is derived) or
    // from OPc directly (what a USIM or an HSS stores). Both must be 16 bytes.
    static Result<Milenage> from_op(BytesView k, BytesView op);
    static Result<Milenage> from_opc(BytesView k, BytesView opc);

    ~Milenage();
    Milenage(const Milenage&) = delete;
    Milenage& operator=(const Milenage&) = delete;
    Milenage(Milenage&&) noexcept;
    Milenage& operator=(Milenage&&) noexcept;

    [[nodiscard]] const SecretBytes& opc() const;

    // f1 (MAC-A) and f1* (MAC-S) over RAND (16), SQN (6) and AMF (2).
    Result<Mac> f1(BytesView rand, BytesView sqn, BytesView amf);
    Result<Mac> f1_star(BytesView rand, BytesView sqn, BytesView amf);

    // f2 (RES), f3 (CK), f4 (IK), f5 (AK) of RAND (16).
    Result<F2345> f2345(BytesView rand);
    // f5* (AK for re-synchronisation) of RAND (16).
    Result<SecretBytes> f5_star(BytesView rand);

private:
    struct Impl;
    explicit Milenage(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace mtc::gaka
