// Key guessing recipes of sga (protocols/core/guess.hpp): the off-line verifier the captured
// traffic holds, and how one on-line guess is put to a live role.
//
// Off-line (secret "k_d"), find() returns the insider's verifiers first, then the outsider's:
//   B1: an insider d_j that opened A2 holds kt_i ("kt:<ID_dj>", the SealRecipe of spec.cpp), so
//     it opens the B1 that names it as partner and reads N_i and E_{k_di}(N_i xor k_di): a
//     guess of k_di opens that ciphertext and matches N_i, or it does not. Only B1 is searched:
//     B3 is under kt_j, which no recipe hands the attacker by name. As-specified only (hardened
//     A2 does not hand d_j kt_i).
//   Reg: E^x_{k_d}(ID_d) is over the public ID_d, so anyone who captured a Reg tests a guess of
//     k_d on it, in both variants. Reg names no device in clear: ID_d is read off the accepted
//     RegAck that answers it (same session, status 0, ID_d in clear); a Reg without one gives no
//     verifier.
// Each is named "k_d:<ID_d>", the server's name for the device's key, one per device and kind.
// The engine searches the first verifier of each name, hence B1 first.
//
// On-line: a forged A1 that masks a fresh kt with the guessed k_di, sent to the server (see
// online_guess_recipe()).
#pragma once

#include <string>
#include <string_view>

#include "protocols/core/guess.hpp"
#include "protocols/sga/primitives.hpp"

namespace mtc::sga {

GuessRecipe guess_recipe();

// secret "k_d", target_role "SGA", type A1, identity_field "" (A1 names nobody in clear).
// forge() builds the A1 d_i would send if its k_di were the guess:
// E^G_PK((kt xor guess) || ID_di || ID_G || ID_dj || cid) with kt = fresh(16), in the captured
// message's session (the engine's term sets a fresh one before the guess, so the server never
// takes the forgery for a session in progress). When the captured A1 carries the hardened
// N_A / TS / MAC_A, so does the forgery: N_A = fresh(16), TS = the captured TS (forge has no
// clock; the engine guesses within the server's window of the capture), MAC_A under the fresh
// kt. fresh() is called in exactly that order (kt, [N_A]), so a caller that records it holds
// the kt that opens the answer (a4_confirms).
//
// Everything A1 says is inside the RSA ciphertext, so the attacker cannot tell whose A1 it
// captured: the guess is put to online_parties(), a device of the deployment's public plan.
// derive(candidate, identity) takes a non-empty `identity` as ID_di, and an empty one (what an
// empty identity_field gives) as kOnlineVictim, the device online_parties() picks.
OnlineGuessRecipe online_guess_recipe();

// The device the on-line guesses pretend to be, as the provisioning names its first device.
inline constexpr std::string_view kOnlineVictim = "dev-0";

// What a forged A1 names, all public: the victim d_i (kOnlineVictim if the deployment has it,
// else its first Device), its partner d_j and server ID_G, the cid it proposes (the first of its
// `cids` setting: the cid every B1 / A4 of its runs shows in clear), and the server's E^G key.
struct A1Parties {
    std::string id_di, id_g, id_dj;
    CipherId cid = CipherId::aes_128_gcm;
    std::string pk_pem;
};
Result<A1Parties> online_parties(const Deployment& deployment);

// Whether the A4 the server sent for a forged A1 opens under the attacker's kt: it does exactly
// when the guess was k_di (the server unmasked the attacker's kt). `n_a` is the forged N_A in the
// hardened variant (its A4 AAD binds it); empty as-specified.
bool a4_confirms(const Message& a4, BytesView attacker_kt, BytesView n_a = {});

// The weak-key KDF for any candidate string (kd_from_pin without its 6-digit rule, so masks and
// wordlists go through the same function): KBKDF-HMAC-SHA256(candidate; "SGA k_d from PIN",
// ID_d, 16 bytes). Reasons: "device ID must not be empty", "kbkdf: empty key" (empty candidate).
Result<SecretBytes> weak_kd(std::string_view candidate, BytesView id_d);

}  // namespace mtc::sga
