// The static registry of protocols (the one piece of global state). Its list is generated from
// the mtc_register_protocol() call in each protocol's CMakeLists.txt, the only place that
// names a protocol (protocols/CMakeLists.txt).
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
