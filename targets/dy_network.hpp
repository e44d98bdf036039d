// The Dolev-Yao network a role target runs: a protocol's whole deployment in process (roles
// built once per input from a deployment provisioned once), every frame held by the attacker,
// and a program read from the fuzz input that decides what happens to each: delivered,
// dropped, replayed, delivered out of order, mutated field by field, or a frame of its own
// injected. The attacker acts on the role under test: replays, mutations and injections are
// frames to an instance of that role; the honest peers' frames to each other it can only
// deliver, delay or drop. Links the spec marks secure (TLS live) it can delay or drop, never
// read, forge or replay, as with TLS.
//
// The program (targets/README.md, "Role targets"): byte 0 picks the variant (bit 0:
// hardened); then one op a byte, with its operands in the bytes after it:
//
//   0 START i        an initiator instance (i mod their number) begins a run (at most
//                    kDyMaxStarts)
//   1 DELIVER i      deliver held frame i (mod held): any order, so reordering
//   2 DROP i         drop held frame i
//   3 REPLAY i       send again a copy of frame i (mod seen) to the role under test
//   4 MUTATE i f m . change field f of held frame i to the role under test (m: 0 flip bit
//                    <byte>, 1 value of that field from seen frame <byte>, 2 <len> bytes of
//                    the input, 3 remove the field, 4 session id of seen frame <byte>, 5 type
//                    <byte>), then deliver it
//   5 INJECT i n ..  a frame of n (< 512) input bytes to instance i of the role under test
//   6 FLUSH          deliver everything held, in order, and what that causes (bounded)
//   7 CLOCK n        the clock moves n * 10 s on (expiry windows)
//
// When the input ends, everything held is flushed. Delivery is bounded per input
// (kDyMaxDeliveries) so no input runs long. The oracle: in the hardened variant, every claim
// the spec says the hardened variant makes (ClaimSpec::hardened_promises) and the claim checker
// can judge from events and the attacker's knowledge (the keys it read in clear frames) must
// hold; any role that emits a frame its own schema refuses is a finding too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "protocols/core/bytes.hpp"
#include "protocols/core/spec.hpp"

namespace mtc::fuzz {

struct DyOptions {
    // Test-only (MTC_ENABLE_WEAKENING): checks the role under test skips in every instance,
    // so a test can show the oracle catches what the check guards.
    std::set<std::string> weakened;
};

struct DyFinding {
    std::string claim;    // claim id, or "schema:<role>" for a frame the role's schema refuses
    std::string summary;  // no secrets
};

struct DyResult {
    bool hardened = false;
    std::size_t delivered = 0, commits = 0, rejects = 0;
    std::vector<DyFinding> findings;  // empty unless hardened (or a schema bug, any variant)
};

class DyNetwork {
public:
    DyNetwork(const ProtocolSpec& spec, std::string role, DyOptions options = {});
    ~DyNetwork();
    DyNetwork(const DyNetwork&) = delete;
    DyNetwork& operator=(const DyNetwork&) = delete;

    // Runs one program on a fresh set of roles (same deployment, same seeds: deterministic).
    DyResult run(BytesView program);
    // Why the deployment could not be provisioned ("" when it was); run() then does nothing.
    [[nodiscard]] const std::string& setup_error() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Op codes of the program, for seed generators and tests.
enum class DyOp : std::uint8_t {
    start = 0,
    deliver = 1,
    drop = 2,
    replay = 3,
    mutate = 4,
    inject = 5,
    flush = 6,
    clock = 7
};
inline constexpr std::uint8_t kDyHardened = 1;  // byte 0, bit 0
// Bounds on one input. What the oracle judges needs two runs (a replay across runs, an
// injectivity or freshness break) and a few attacker steps. Four honest runs of the protocol
// with the longest runs (SGA, with its group of devices) take about 100 deliveries, under 4/5
// of 128 (a test checks this for every role). The earlier bounds (8 runs, 512 deliveries) had
// the mean ProSe GW seed deliver 159 frames, mostly replays of replays, at half the exec/s
// and with the same coverage (docs/fuzzing.md, "Speed").
inline constexpr std::size_t kDyMaxStarts = 4;
inline constexpr std::size_t kDyMaxDeliveries = 128;

}  // namespace mtc::fuzz
