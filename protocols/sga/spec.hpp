// SGA's ProtocolSpec: roles, options, provisioning, claims and the attacker's recipes.
#pragma once

#include "protocols/core/spec.hpp"

namespace mtc::sga {

const ProtocolSpec& spec();

}  // namespace mtc::sga
