// The registry of protocols: the only file that names them all. Adding a protocol means
// adding its spec() here (see docs/adding-a-protocol.md).
#include "protocols/core/registry.hpp"

#include "protocols/e2sec/spec.hpp"
#include "protocols/gaka/spec.hpp"
#include "protocols/prose/spec.hpp"
#include "protocols/sga/spec.hpp"

namespace mtc {

const std::vector<const ProtocolSpec*>& registered_protocols() {
    static const std::vector<const ProtocolSpec*> all = {
        &prose::spec(), &e2sec::spec(), &sga::spec(), &gaka::gaka_spec(), &gaka::eps_aka_spec(),
    };
    return all;
}

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
