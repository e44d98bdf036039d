// Sequence numbers for AKA (3GPP TS 33.102 section 6.3 and Annex C), and the USIM and HN
// sides of the challenge that carry them (AUTN, AUTS).
//
// Reading of TS 33.102 Annex C (the profile of C.1.1 - C.2, with C.3's parameter choices):
//
// - C.1.1: SQN (48 bits) = SEQ || IND: SEQ the 43 most significant bits, IND the
//   kIndBits = 5 least significant bits, so the USIM keeps a = 2^5 = 32 slots.
// - C.1.2 / C.3.2 (HN): SEQ_HE is one counter per subscriber; each new authentication vector
//   takes SEQ = SEQ_HE + 1 and the next IND value in cyclic order (0, 1, ..., 31, 0, ...).
// - C.2.1 (USIM): an array SEQ_MS(0..a-1), all 0 at first. An SQN = SEQ || IND is fresh iff
//   SEQ > SEQ_MS(IND); on acceptance SEQ_MS(IND) := SEQ. So an old vector whose IND slot has
//   not been used since is still accepted (vectors may be used out of order, e.g. by
//   another serving node), and a vector used once can never be used again: "SQN replayed".
// - C.2.2 (wrap-around protection): with SEQ_MS the highest SEQ in the array, the USIM
//   rejects SEQ - SEQ_MS > delta: "SQN out of range". We take delta = 2^28 (C.3's value).
// - C.2.2 (limit on the age of vectors, optional in the annex, used here): the USIM rejects
//   SEQ_MS - SEQ >= L: "SQN too old". We take L = 32 (= a): a vector may be used out of order
//   as long as fewer than one IND cycle's worth of newer vectors has been accepted since.
// - SQN_MS (what re-synchronisation reports, TS 33.102 6.3.3 and 6.3.5) is the highest SQN the
//   USIM has accepted: SEQ_MS || the IND it came with (0 before the first acceptance).
//
// Re-synchronisation (TS 33.102 6.3.3, 6.3.5): on an SQN failure the USIM answers
//   AUTS = (SQN_MS xor f5*_K(RAND)) || MAC-S,  MAC-S = f1*_K(SQN_MS || RAND || AMF*),
// with AMF* = 0x0000 (the dummy AMF of 6.3.3). The HN recovers SQN_MS with f5*, checks MAC-S
// (rejecting the AUTS if it is wrong) and, unless its next SQN would already be accepted,
// sets SEQ_HE := SEQ_MS so the next vector is fresh again.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "protocols/core/bytes.hpp"
#include "protocols/core/result.hpp"
#include "protocols/gaka/milenage.hpp"

namespace mtc::gaka {

inline constexpr unsigned kIndBits = 5;
inline constexpr std::size_t kIndSlots = std::size_t{1} << kIndBits;  // a = 32
inline constexpr std::uint64_t kSqnMax = (std::uint64_t{1} << 48) - 1;
inline constexpr std::uint64_t kSeqMax = kSqnMax >> kIndBits;
inline constexpr std::uint64_t kDelta = std::uint64_t{1} << 28;       // C.2.2 wrap-around limit
inline constexpr std::uint64_t kAgeLimit = kIndSlots;                 // C.2.2 age limit L
inline constexpr std::size_t kAutnLen = kSqnLen + kAmfLen + kMacLen;  // 16
inline constexpr std::size_t kAutsLen = kSqnLen + kMacLen;            // 14

using Sqn = std::array<std::uint8_t, kSqnLen>;

// SQN as the 48-bit number it is, and back (big-endian, as on the wire).
std::uint64_t sqn_value(const Sqn& sqn);
Result<std::uint64_t> sqn_value(BytesView sqn);  // must be 6 bytes
Sqn sqn_bytes(std::uint64_t sqn);                // the low 48 bits
inline std::uint64_t seq_of(std::uint64_t sqn) {
    return sqn >> kIndBits;
}
inline std::size_t ind_of(std::uint64_t sqn) {
    return static_cast<std::size_t>(sqn & (kIndSlots - 1));
}
inline std::uint64_t make_sqn(std::uint64_t seq, std::size_t ind) {
    return ((seq & kSeqMax) << kIndBits) | (ind & (kIndSlots - 1));
}

struct SqnParams {
    std::uint64_t delta = kDelta;
    std::uint64_t age_limit = kAgeLimit;
};

// The USIM's SQN state (C.2): the SEQ_MS array and the highest SQN accepted.
class UsimSqnState {
public:
    explicit UsimSqnState(SqnParams params = {}) : params_(params) {}

    // Ok when `sqn` is acceptable, else an error whose reason starts with "SQN replayed",
    // "SQN out of range" or "SQN too old".
    [[nodiscard]] Status check(std::uint64_t sqn) const;
    // check(), then record it (SEQ_MS(IND) := SEQ).
    Status accept(std::uint64_t sqn);
    // Records `sqn` without checking it: SEQ_MS(IND) and SQN_MS only ever move up. accept()
    // after a passed check(); alone only where a test-only build skips the freshness check.
    void record(std::uint64_t sqn);

    // The state as a device stores it across restarts (Env::storage): version 1 ||
    // SQN_MS (6) || SEQ_MS(0..31) (6 each), big-endian. decode() refuses anything else,
    // including an array that disagrees with SQN_MS, rather than start again from zero.
    [[nodiscard]] Bytes encode() const;
    static Result<UsimSqnState> decode(BytesView in, SqnParams params = {});

    [[nodiscard]] std::uint64_t sqn_ms() const { return sqn_ms_; }  // highest accepted SQN
    [[nodiscard]] std::uint64_t seq_ms() const { return seq_of(sqn_ms_); }
    [[nodiscard]] std::uint64_t seq_ms(std::size_t ind) const { return seq_.at(ind); }

private:
    SqnParams params_;
    std::array<std::uint64_t, kIndSlots> seq_{};
    std::uint64_t sqn_ms_ = 0;
};

// AUTS = (SQN_MS xor f5*(RAND)) || f1*(RAND, SQN_MS, AMF* = 0x0000).
Result<Bytes> make_auts(Milenage& milenage, BytesView rand, std::uint64_t sqn_ms);
// The HN side: SQN_MS from AUTS, or an error when MAC-S does not verify.
Result<std::uint64_t> open_auts(Milenage& milenage, BytesView rand, BytesView auts);

// An EPS / UMTS authentication vector (TS 33.102 6.3.2) before K_ASME.
struct AuthVector {
    Bytes rand;         // 16
    Bytes xres;         // 8
    SecretBytes ck;     // 16
    SecretBytes ik;     // 16
    Bytes autn;         // SQN xor AK || AMF || MAC-A, 16
    Bytes sqn_xor_ak;   // the first field of AUTN (for K_ASME), 6
    std::uint64_t sqn;  // the SQN it carries
};
Result<AuthVector> make_auth_vector(Milenage& milenage, BytesView rand, std::uint64_t sqn,
                                    BytesView amf);

// The HN's per-subscriber SQN generator (C.1.2, C.3.2).
class HnSqnGenerator {
public:
    explicit HnSqnGenerator(std::uint64_t seq_he = 0, SqnParams params = {})
        : params_(params), seq_he_(seq_he) {}

    // SEQ := SEQ_HE + 1, the next IND cyclically; an error once SEQ would not fit 43 bits.
    Result<std::uint64_t> next();
    // Re-synchronisation from the USIM's AUTS for `rand`: checks MAC-S (an error if it does
    // not verify; nothing changes then) and moves SEQ_HE to SEQ_MS when the next SQN would
    // otherwise be rejected. Returns the SQN_MS recovered.
    Result<std::uint64_t> resync(Milenage& milenage, BytesView rand, BytesView auts);

    // As resync(), but with `verify_mac_s` false SQN_MS is taken from AUTS without checking
    // MAC-S (only where a test-only build skips the HN's "auts" check).
    Result<std::uint64_t> resync(Milenage& milenage, BytesView rand, BytesView auts,
                                 bool verify_mac_s);

    [[nodiscard]] std::uint64_t seq_he() const { return seq_he_; }
    [[nodiscard]] std::size_t ind() const { return ind_; }  // IND of the last vector

    // The counter as the HN stores it across restarts (Env::storage): version 1 || SEQ_HE (6)
    // || IND (1). Restoring IND too keeps the cyclic IND order of C.3.2 across a restart.
    [[nodiscard]] Bytes encode() const;
    static Result<HnSqnGenerator> decode(BytesView in, SqnParams params = {});

private:
    SqnParams params_;
    std::uint64_t seq_he_;
    std::size_t ind_ = kIndSlots - 1;  // so the first vector gets IND 0
};

// The USIM's answer to AuthReq(RAND, AUTN) (TS 33.102 6.3.3).
enum class UsimVerdict : std::uint8_t { accepted, mac_failure, sync_failure };

// Which checks authenticate() runs: MAC-A, then SQN freshness. Both run in a real USIM; a
// test-only build switches one off (Role::skips) to show what it stops. With `record` false an
// accepted SQN is not recorded yet: the ME first runs checks of its own (EPS: the AMF
// separation bit, TS 33.401 6.1.2) and records it with Usim::record_sqn only if they pass, so a
// challenge the ME refuses does not use up its SQN.
struct UsimChecks {
    bool mac = true;
    bool sqn = true;
    bool record = true;
};

struct UsimResponse {
    UsimVerdict verdict = UsimVerdict::mac_failure;
    std::string reason;     // why it was not accepted ("MAC failure", "SQN replayed: ...", ...)
    Bytes res;              // accepted: RES (8)
    SecretBytes ck;         // accepted: CK
    SecretBytes ik;         // accepted: IK
    Bytes auts;             // sync_failure: AUTS (14)
    std::uint64_t sqn = 0;  // the SQN AUTN carried (when its MAC verified)
};

class Usim {
public:
    explicit Usim(Milenage milenage, SqnParams params = {})
        : milenage_(std::move(milenage)), sqn_(params) {}
    // A USIM whose SQN state was restored (UsimSqnState::decode).
    Usim(Milenage milenage, UsimSqnState state) : milenage_(std::move(milenage)), sqn_(state) {}

    // Verifies MAC-A, then SQN freshness (recording SQN when accepted). An error only for
    // malformed input (RAND not 16 bytes, AUTN not 16).
    Result<UsimResponse> authenticate(BytesView rand, BytesView autn);
    // The same with a choice of checks (UsimChecks).
    Result<UsimResponse> authenticate(BytesView rand, BytesView autn, UsimChecks checks);

    // Records an SQN that authenticate() accepted with UsimChecks::record false.
    void record_sqn(std::uint64_t sqn) { sqn_.record(sqn); }

    [[nodiscard]] const UsimSqnState& sqn_state() const { return sqn_; }
    Milenage& milenage() { return milenage_; }

private:
    Milenage milenage_;
    UsimSqnState sqn_;
};

}  // namespace mtc::gaka
