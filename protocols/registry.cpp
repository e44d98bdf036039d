// Lookups in the registry of protocols. The list itself, registered_protocols(), is generated
// from each protocol's mtc_register_protocol() call (protocols/CMakeLists.txt).
#include "protocols/core/registry.hpp"

namespace mtc {

const ProtocolSpec* find_protocol(std::string_view name) {
    for (const ProtocolSpec* p : registered_protocols()) {
        if (p->name == name) return p;
    }
    return nullptr;
}

const ProtocolSpec* find_protocol(std::uint8_t protocol_id) {
    for (const ProtocolSpec* p : registered_protocols()) {
        if (p->schema->protocol_id == protocol_id) return p;
    }
    return nullptr;
}

}  // namespace mtc
