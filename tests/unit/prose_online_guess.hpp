// A ProSe on-line guessing recipe of the tests' own, so that the planner, the {"op":"guess"} term
// and the measurement are tested independently of protocols/prose/guess.cpp: a guess is the
// captured M1 with a fresh MTCdNonce and MTCdMIC recomputed under the key the candidate (a PIN)
// stands for in the weak-key profile.
#pragma once

#include <string_view>

#include "protocols/core/spec.hpp"
#include "protocols/prose/primitives.hpp"
#include "protocols/prose/schema.hpp"
#include "protocols/prose/spec.hpp"

namespace mtc::test {

inline OnlineGuessRecipe prose_pin_guess_recipe() {
    OnlineGuessRecipe r;
    r.secret = "PSKey";
    r.target_role = "MTCs";
    r.type = prose::M1;
    r.identity_field = "MTCdID";
    r.forge = [](const Deployment& /*deployment*/, const Message& captured, BytesView key,
                 const std::function<Bytes(std::size_t)>& fresh) -> Result<Message> {
        Message m = captured;
        m.set(prose::MTCdNonce, fresh(prose::kNonceLen));
        auto mic = prose::compute_mtcd_mic(key, m);
        if (!mic) return mic.error();
        m.set(prose::MTCdMIC, std::move(mic).value());
        return m;
    };
    r.derive = [](std::string_view candidate, BytesView identity) {
        return prose::pskey_from_pin(
            candidate,
            std::string_view(reinterpret_cast<const char*>(identity.data()), identity.size()));
    };
    return r;
}

// prose::spec() with exactly that recipe for on-line guessing (whatever guess.cpp declares).
inline const ProtocolSpec& prose_guess_spec() {
    static const ProtocolSpec s = [] {
        ProtocolSpec p = prose::spec();
        p.recipes.online_guesses = {prose_pin_guess_recipe()};
        return p;
    }();
    return s;
}

}  // namespace mtc::test
