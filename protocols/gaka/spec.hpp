#pragma once

#include "protocols/core/spec.hpp"

namespace mtc::gaka {

// The EPS-AKA baseline and GAKA (registered in protocols/registry.cpp).
const ProtocolSpec& eps_aka_spec();
const ProtocolSpec& gaka_spec();

}  // namespace mtc::gaka
