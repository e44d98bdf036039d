// The Role interface: one party's sans-IO state machine. The same object runs in a unit test,
// a fuzz target, the in-process simulation and a live process; only the Env differs.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocols/core/bytes.hpp"
#include "protocols/core/clock.hpp"
#include "protocols/core/event.hpp"
#include "protocols/core/message.hpp"
#include "protocols/core/rng.hpp"
#include "protocols/core/schema.hpp"
#include "protocols/core/storage.hpp"

namespace mtc {

// Where a message came from or goes to. Opaque to roles: an instance name in process,
// "127.0.0.1:5000" live. A role only ever replies to an Inbound's `from` or to a peer's address.
using Address = std::string;

struct Peer {
    std::string identity;  // the identity the protocol uses (e.g. MTCsID)
    Address address;
};

struct Inbound {
    Message msg;
    Address from;
    // Set only when the link authenticated the sender (TLS with client certificates).
    std::optional<std::string> authenticated_peer;
};

struct Outbound {
    Address to;
    Message msg;
};

// One frame to send. (`return {Outbound{to, msg}};` would copy the message, fields and all:
// the elements of an initializer list are const, and roles answer on every frame.)
inline std::vector<Outbound> send_one(Address to, Message msg) {
    std::vector<Outbound> out;
    out.push_back(Outbound{std::move(to), std::move(msg)});
    return out;
}

// Long-term material of one role instance, as provisioning creates it.
struct Credentials {
    std::string identity;
    std::map<std::string, SecretBytes> secrets;  // e.g. "PSKey:mtcd-0"
    std::map<std::string, std::string> attrs;    // public facts, e.g. "MTCsID"
};

// Everything a role may read: randomness, time, its keys, its peers, its options. Nothing else.
struct Env {
    std::string variant;  // "as-specified" | "hardened"
    std::string profile;  // "default" | "weak-key" | ...
    std::string mode;     // protocol-specific, e.g. "basic" | "extended"
    std::unique_ptr<Rng> rng;
    const Clock* clock = nullptr;
    std::unique_ptr<EventEmitter> events;
    Credentials creds;
    std::map<std::string, Peer> peers;            // logical name -> peer
    std::map<std::string, std::string> settings;  // protocol options (algorithm choices, ...)
    // Test-only: names of checks (RoleSpec::checks) this instance skips. Honoured only in builds
    // configured with MTC_ENABLE_WEAKENING; the CLI refuses to set it otherwise.
    std::set<std::string> weakened;
    // Durable state that survives a restart of the role (never null once instantiated).
    std::shared_ptr<Storage> storage;
};

// True in builds where Env::weakened is honoured (tests); false in release builds.
constexpr bool weakening_enabled() {
#ifdef MTC_ENABLE_WEAKENING
    return true;
#else
    return false;
#endif
}

class Role {
public:
    explicit Role(Env env) : env_(std::move(env)) {}
    virtual ~Role() = default;
    Role(const Role&) = delete;
    Role& operator=(const Role&) = delete;

    // Initiators begin a new run and return its first message(s); responders return {}.
    virtual std::vector<Outbound> start() { return {}; }
    // A decoded inbound message. Every rejection is reported as a reject event with a reason.
    virtual std::vector<Outbound> on_message(const Inbound& in) = 0;

    Env& env() { return env_; }
    [[nodiscard]] const Env& env() const { return env_; }

protected:
    EventEmitter& events() { return *env_.events; }
    // Whether the named check is switched off (test-only builds; always false otherwise, so the
    // check cannot be skipped in a release build whatever the Env says).
    [[nodiscard]] bool skips(std::string_view check) const {
        return weakening_enabled() && env_.weakened.count(std::string(check)) != 0;
    }
    Rng& rng() { return *env_.rng; }
    [[nodiscard]] const Clock& clock() const { return *env_.clock; }

private:
    Env env_;
};

// Decodes a raw frame for `role` and hands it over. A frame that does not decode, or belongs
// to another protocol, becomes a reject event with the decoder's reason and offset; the role
// is not called. Transports, the simulation and fuzz targets all deliver through here.
std::vector<Outbound> deliver_frame(Role& role, const Schema& schema, BytesView frame,
                                    const Address& from,
                                    const std::optional<std::string>& authenticated_peer);

}  // namespace mtc
