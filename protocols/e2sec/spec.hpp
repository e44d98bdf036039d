// E2SEC's ProtocolSpec: roles, options (signature variant, group), provisioning, claims and
// the attacker's recipes.
#pragma once

#include "protocols/core/spec.hpp"

namespace mtc::e2sec {

const ProtocolSpec& spec();

}  // namespace mtc::e2sec
