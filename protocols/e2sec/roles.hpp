// E2SEC roles (paper 000, sections 3.3-3.5). Factories for the ProtocolSpec.
#pragma once

#include <memory>

#include "protocols/core/role.hpp"

namespace mtc::e2sec {

// EPC: the original signer; answers a DelegationReq with a Delegation (eq. 1 / 3).
std::unique_ptr<Role> make_epc(Env env);
// MTC device: verifies S1 (eq. 8-9), answers D1 (eq. 10-12), derives SK (eq. 15).
std::unique_ptr<Role> make_mtcd(Env env);
// MTC server: the initiator; sends S1 (eq. 5-7), verifies D1 (eq. 13-14), derives SK.
std::unique_ptr<Role> make_mtcs(Env env);

}  // namespace mtc::e2sec
