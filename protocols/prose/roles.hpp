// ProSe roles (paper 004, section IV-B and IV-C). Factories for the ProtocolSpec.
#pragma once

#include <memory>

#include "protocols/core/role.hpp"

namespace mtc::prose {

// MTC device: starts a run with M1, checks M4 and derives DMKey.
std::unique_ptr<Role> make_mtcd(Env env);
// UE: relays M1 to the MTCs (as M2), takes DMKey out of M3, relays the rest as M4.
std::unique_ptr<Role> make_ue(Env env);
// MTC server: checks MTCdMIC, answers with MTCsMIC and DMKey.
std::unique_ptr<Role> make_mtcs(Env env);
// UE2/GW of the extended mode: forwards M1 and M4 unchanged.
std::unique_ptr<Role> make_gw(Env env);

}  // namespace mtc::prose
