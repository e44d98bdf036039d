// The attacker's knowledge: every message it has seen (on the wire, from a pcap, or as an
// insider at the end of an authenticated link), decoded and typed by the schema and grouped
// by session; the keys it has learned; and the long-term secrets it holds because it
// compromised an instance (insiders are compromised, registered, authorised instances), with
// the time of each compromise (forward secrecy is judged against it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "protocols/core/bytes.hpp"
#include "protocols/core/message.hpp"
#include "protocols/core/spec.hpp"

namespace mtc::attacks {

struct Observation {
    std::size_t id = 0;  // index in Knowledge::observations()
    std::int64_t ts_us = 0;
    std::string from, to;  // instance names; "" when unknown (e.g. loaded from a pcap)
    bool secure = false;   // seen by an insider at the end of an authenticated link
    std::string run;       // label of the honest run it belongs to, "" if none
    Bytes frame;           // exactly as seen
    Message msg;           // decoded against the schema
};

// A value the attacker holds, with where it came from (for reports; never printed in clear).
struct KnownKey {
    std::string name;  // field or secret name, e.g. "DMKey", "PSKey:mtcd-0"
    SecretBytes value;
    std::string source;  // e.g. "field DMKey of M3 (observation 12)"
};

class Knowledge {
public:
    explicit Knowledge(const ProtocolSpec& spec) : spec_(&spec) {}

    // Records a frame; a frame that does not decode is kept out (the error says why).
    Result<const Observation*> observe(Bytes frame, std::string from, std::string to, bool secure,
                                       std::string run, std::int64_t ts_us);
    [[nodiscard]] const std::vector<Observation>& observations() const { return obs_; }
    [[nodiscard]] const Observation* find(std::size_t id) const;
    // First observation of message `type_name` in honest run `run`.
    [[nodiscard]] const Observation* in_run(const std::string& run,
                                            const std::string& type_name) const;
    [[nodiscard]] std::vector<const Observation*> of_type(std::uint8_t type) const;
    // Every distinct value of a field of `kind` seen anywhere (for "swap in a value of the
    // same kind"), in order of first sight.
    [[nodiscard]] std::vector<Bytes> values_of_kind(FieldKind kind) const;

    void learn_key(std::string name, SecretBytes value, std::string source);
    // Whatever the attacker can read, it keeps: every field of kind `key` in `msg` (a message
    // it saw in clear, or as an insider) becomes a known key, its source "field F of M seen
    // <how>".
    void learn_keys_in(const Message& msg, const std::string& how);
    [[nodiscard]] const std::vector<KnownKey>& keys() const { return keys_; }

    // Compromise of an instance at `at_us` (the events' clock; 0 = from the start, as for
    // insiders and `compromised = [...]`): its long-term secrets become known. A second
    // compromise of the same instance keeps the earlier time.
    void compromise(const std::string& instance, const Credentials& creds, std::int64_t at_us = 0);
    [[nodiscard]] bool is_compromised_instance(const std::string& instance) const;
    [[nodiscard]] bool is_compromised_identity(const std::string& identity) const;
    [[nodiscard]] const std::set<std::string>& compromised_identities() const { return ids_; }
    // When the instance (or the identity) was first compromised; nullopt while it is honest.
    [[nodiscard]] std::optional<std::int64_t> compromised_at(const std::string& instance) const;
    [[nodiscard]] std::optional<std::int64_t> identity_compromised_at(
        const std::string& identity) const;
    // A long-term secret by its full name ("PSKey:mtcd-0"), when compromised or learned.
    [[nodiscard]] const SecretBytes* secret(const std::string& name) const;
    // Every secret held, by full name (compromised, and learned with learn_secret).
    [[nodiscard]] const std::map<std::string, SecretBytes>& secrets() const { return secrets_; }
    // A secret recovered otherwise (e.g. opened from a sealed field with a compromised key),
    // named like a long-term one ("sigma:mtcd-0"); an already held name keeps its value.
    void learn_secret(const std::string& name, SecretBytes value);
    // Opens every sealed field (SealRecipe) whose key the attacker holds, until nothing new
    // opens (an opened secret may be the key of another seal); each plaintext is learned as
    // the secret "<yields>:<identity>" and as a key (so secrecy claims see it). observe() calls
    // it, so an insider reads what is sealed to it as soon as it is seen; after a compromise
    // the caller does (the compromise strategy counts what opened).
    // Returns how many secrets it learned.
    std::size_t open_seals();

    [[nodiscard]] const ProtocolSpec& spec() const { return *spec_; }

private:
    const ProtocolSpec* spec_;
    std::vector<Observation> obs_;
    std::vector<KnownKey> keys_;
    std::set<std::string> ids_;
    std::map<std::string, std::int64_t> instance_at_, identity_at_;
    std::map<std::string, SecretBytes> secrets_;
};

}  // namespace mtc::attacks
