// Evaluation of attack terms (trace.hpp) into messages.
//
//   {"msg": "r1.M1"}          the first M1 of honest run r1     {"msg": "$in"} the intercepted one
//   {"msg": "o12"}            observation 12 (e.g. loaded from a pcap)
//   {"msg": ..., "with": [OP...]}   the message after the OPs, in order:
//     {"op":"session","value":"fresh"|"0123456789abcdef"|{"run":"r2"}}   new frame session id
//     {"op":"retype","to":"M2"}                   (a relay's forward recipe, without strip)
//     {"op":"strip","field":"DMKey"}              remove a field
//     {"op":"bitflip","field":F,"bit":N}  {"op":"zero","field":F}
//     {"op":"truncate","field":F,"len":N} {"op":"extend","field":F,"bytes":"00ff"}
//     {"op":"set","field":F,"value":VALUE}
//     {"op":"mac","field":F}                      recompute F with its MacRecipe and the known key
//     {"op":"guess","candidate":"123456","secret":"PSKey"}   the message turned into an on-line
//         guess by the protocol's OnlineGuessRecipe for its type ("secret", optional, picks
//         one of several): forged under the key the candidate stands for, with fresh nonces;
//         needs TermContext::deployment. The key lives only inside the op, never in a trace
//   VALUE = {"hex":"..."} | {"fresh":N} (N random attacker bytes) | {"field":"r1.M1.MTCdNonce"}
//         | {"field":"$in.MTCdNonce"}
//         attacker functions (DATA = a VALUE or a list of VALUEs, concatenated):
//         | {"concat":[V...]} | {"hash":DATA} (SHA-256)
//         | {"secret":"PSKey:mtcd-0"} (a compromised long-term secret) | {"key":"DMKey"} (learned)
//         | {"hmac":{"key":DATA,"data":DATA}} | {"cmac":{"key":DATA,"data":DATA}}
//         | {"kdf":{"prf":"hmac"|"cmac","key":DATA,"label":"text","context":DATA,"len":N}}
//         | {"dh_share":{"group":"dh_2048_256","exp":"a"}}   g^x, x the attacker's exponent "a"
//         | {"dh_key":{"group":...,"exp":"a","peer":DATA}}   peer^x
//         | {"seal"|"open":{"alg":1..4,"key":DATA,"nonce":DATA,"aad":DATA,"data":DATA}} (AEAD)
//   No signing function yet (an E2SEC insider could sign with its opened delegation).
// Field-level ops on a message may produce frames that do not encode under the schema (that is
// the point of truncate/extend); the result is then sent as encode_unchecked bytes.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "attacks/knowledge.hpp"
#include "attacks/trace.hpp"
#include "protocols/core/rng.hpp"

namespace mtc::attacks {

struct TermContext {
    const Knowledge* knowledge = nullptr;
    const Message* in = nullptr;  // the intercepted message, for "$in"
    Rng* rng = nullptr;           // the attacker's own randomness ("fresh")
    // Public values of the deployment (group, certificates) that an on-line guess's forger
    // needs ({"op":"guess"}); the attacker learns them like any party on the network.
    const Deployment* deployment = nullptr;
    // Prefix of this trace's run labels in the knowledge ("a17/"): "r1.M1" is looked up as
    // "a17/r1" first, then as "r1" (runs captured before the attacks).
    std::string run_prefix;
    // Session id of an honest run by label (for {"op":"session","value":{"run":"r2"}}).
    std::function<std::optional<std::uint64_t>(const std::string& run)> run_session;
};

Result<Message> eval_term(const Term& term, const TermContext& ctx);

// The attacker's own Diffie-Hellman exponent named `label`, as bytes for a ShareRecipe (whose
// group the protocol's deployment decides): 20 big-endian bytes below 2^159, hence in [1, q-1]
// for the q of every supported group (160 and 256 bits). Deterministic, like the exponents of
// {"dh_share"}: a strategy plans the share g^z as a constant, and a replay sends the same one.
SecretBytes attacker_exponent(std::string_view label);

}  // namespace mtc::attacks
