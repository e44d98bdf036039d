// Key guessing as a protocol declares it (issue 10). Off-line: which captured messages let an
// attacker test a guess of a long-term secret with no role involved (a "verifier"), and how a
// candidate (a PIN, a password) becomes that secret (the weak-key profile's KDF). On-line: how
// to put one guess to a live role, so the engine can measure whether the role notices.
//
// The search itself (candidate spaces, threads, progress) is attacks/guess/; it never names a
// protocol. A protocol's verifiers and forgers live next to its primitives
// (protocols/<p>/guess.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/core/bytes.hpp"
#include "protocols/core/message.hpp"
#include "protocols/core/result.hpp"

namespace mtc {

struct Deployment;

// Tests candidates against one verifier. Holds per-thread scratch state (reused MAC contexts,
// buffers), so it is not thread-safe: every search thread makes its own.
class GuessTester {
public:
    virtual ~GuessTester() = default;
    // Whether `candidate`, fed through the weak-key KDF, is the secret. No allocation per call
    // on the fast paths (this is the inner loop of the search).
    virtual bool test(std::string_view candidate) = 0;
    // Whether `key` itself is the secret (a full-entropy key: no KDF). Used to measure the rate
    // at which a full key space would be searched.
    virtual bool test_key(BytesView key) = 0;
};

// One off-line guessing verifier found in captured traffic.
class GuessVerifier {
public:
    virtual ~GuessVerifier() = default;
    // Full name of the secret it tests, as in Credentials::secrets: "PSKey:mtcd-0".
    [[nodiscard]] virtual std::string secret() const = 0;
    // What the verifier is, for reports (no secret): "MTCdMIC of M1 (observation 3)".
    [[nodiscard]] virtual std::string description() const = 0;
    [[nodiscard]] virtual std::unique_ptr<GuessTester> tester() const = 0;
    // The secret a candidate stands for (the weak-key KDF), e.g. once test() hit.
    [[nodiscard]] virtual Result<SecretBytes> derive(std::string_view candidate) const = 0;
    // Length of a full-entropy key of this kind (for test_key and the full-space estimate).
    [[nodiscard]] virtual std::size_t key_len() const = 0;
    // SHA-256 compression-function calls per test() (the bench compares the rate to the raw
    // compression rate); 0 when the test is not SHA-256 bound.
    [[nodiscard]] virtual double compressions_per_test() const { return 0; }
};

// What the attacker holds when it looks for verifiers.
struct GuessObservation {
    std::size_t id = 0;  // observation number (for descriptions)
    const Message* msg = nullptr;
    bool secure = false;  // seen by an insider at the end of an authenticated link
};
struct GuessInputs {
    std::vector<GuessObservation> observations;  // in order of capture
    // Secrets the attacker holds by full name (compromised insiders, opened seals).
    const std::map<std::string, SecretBytes>* secrets = nullptr;
};

// The protocol's off-line recipe for the secret named `secret` (the claim subject of
// guess-resistance:<secret>, e.g. "PSKey").
struct GuessRecipe {
    std::string secret;
    // Every verifier the inputs contain (at most one per secret is enough; more are fine).
    std::function<std::vector<std::unique_ptr<GuessVerifier>>(const GuessInputs&)> find;
};

// On-line guessing: the protocol's recipe for putting one guess of `secret` to a live role.
// The engine sends `forge`'s message in place of a captured message of type `type` (delivered
// as that captured one was, to the role that received it), one per candidate, and counts the
// reject events of `target_role` while the guesses run: a failed guess that leaves no reject
// event is an undetected on-line guess.
struct OnlineGuessRecipe {
    std::string secret;       // claim subject, e.g. "PSKey"
    std::string target_role;  // the role that ought to notice a wrong guess, e.g. "MTCs"
    std::uint8_t type = 0;    // the message the guess travels in, e.g. M1
    // `captured` rewritten as a guess that the secret is `key` (fresh nonces from `fresh`, so
    // that no guess is a replay; public keys from `deployment`). Errors when the captured
    // message does not fit.
    std::function<Result<Message>(const Deployment& deployment, const Message& captured,
                                  BytesView key, const std::function<Bytes(std::size_t)>& fresh)>
        forge;
    // The weak-key KDF: the key a candidate stands for, for the identity `identity` (the value
    // of the identity field of the captured message).
    std::function<Result<SecretBytes>(std::string_view candidate, BytesView identity)> derive;
    // The field naming whose key is guessed, e.g. "MTCdID"; empty when the message names
    // nobody in clear (SGA's A1 is all ciphertext): derive() then gets an empty identity and
    // the recipe picks its victim from public data, as forge() does.
    std::string identity_field;
};

}  // namespace mtc
