// Builds one role instance from its plan: its Env (own DRBG stream, clock, event emitter,
// credentials, peers resolved to addresses). Shared by the in-process network, tests, fuzz
// targets and live role processes, which differ only in how instance names become addresses.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "protocols/core/result.hpp"
#include "protocols/core/spec.hpp"
#include "protocols/core/storage.hpp"

namespace mtc {

struct RoleRuntime {
    std::optional<std::uint64_t> seed;  // seeded: DRBG stream "role:<instance>"
    const Clock* clock = nullptr;
    EventSink* sink = nullptr;
    const KeyFingerprinter* fingerprinter = nullptr;
    // The instance's durable state; null gives it a fresh MemoryStorage.
    std::shared_ptr<Storage> storage;
};

using AddressOf = std::function<Address(const std::string& instance)>;

Result<std::unique_ptr<Role>> instantiate_role(const ProtocolSpec& spec,
                                               const Deployment& deployment,
                                               const InstancePlan& plan, const RoleRuntime& runtime,
                                               const AddressOf& address_of);

}  // namespace mtc
