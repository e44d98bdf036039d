// The static registry of protocols (the one piece of global state). The list itself lives in
// protocols/registry.cpp, the only file that names every protocol.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "protocols/core/spec.hpp"

namespace mtc {

const std::vector<const ProtocolSpec*>& registered_protocols();
const ProtocolSpec* find_protocol(std::string_view name);
const ProtocolSpec* find_protocol(std::uint8_t protocol_id);

}  // namespace mtc
