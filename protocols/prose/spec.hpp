#pragma once

#include "protocols/core/spec.hpp"

namespace mtc::prose {

// The ProSe ProtocolSpec (registered in protocols/registry.cpp).
const ProtocolSpec& spec();

}  // namespace mtc::prose
