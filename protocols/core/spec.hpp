// ProtocolSpec: everything the framework needs to know about one protocol. CLI, simulation,
// fuzz targets, campaigns and docs iterate the registry of specs and never name a protocol.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/core/guess.hpp"
#include "protocols/core/result.hpp"
#include "protocols/core/role.hpp"
#include "protocols/core/schema.hpp"

namespace mtc {

struct NamedOption {
    std::string name;
    std::string description;
};

// A role option (algorithm choice, policy...), settable per role with --set ROLE.NAME=VALUE.
struct SettingSpec {
    std::string name;
    std::string description;
    std::string default_value;
    // Returns why `value` is unacceptable, or nullopt.
    std::function<std::optional<std::string>(std::string_view value)> check;
};

struct RoleSpec {
    std::string name;  // e.g. "MTCd"
    std::string description;
    bool initiator = false;
    std::function<std::unique_ptr<Role>(Env)> make;
    bool commits_key = true;  // an honest run ends with a commit on this role (forwarders: false)
    std::vector<SettingSpec> settings;
    // Names of the checks this role performs that a test-only build may switch off one by one
    // (Env::weakened, CMake option MTC_ENABLE_WEAKENING), so attack tests can prove they catch
    // the gap each check closes.
    std::vector<NamedOption> checks;
};

// A claim the paper makes, as a checkable statement. id = "<kind>:<subject>".
struct ClaimSpec {
    std::string id;           // e.g. "injective:MTCd->MTCs"
    std::string statement;    // plain words: what must hold
    std::string paper_claim;  // the paper's own words and section
    // The hardened variant is designed to make this hold; fuzz oracles abort when it fails.
    bool hardened_promises = true;
};

// What to deploy: how many instances of each role, and in which variant/profile/mode.
struct DeploymentOptions {
    std::string variant = "as-specified";
    std::string profile = "default";
    std::string mode = "basic";
    std::map<std::string, int> instances;  // role -> count; missing roles get the spec default
    // Protocol-wide options (ProtocolSpec::options, e.g. E2SEC's signature and group): one value
    // for every role of the deployment. Roles read them from Env::settings like role settings.
    std::map<std::string, std::string> options;
    // role -> setting -> value, applied to every instance of the role (see RoleSpec::settings)
    std::map<std::string, std::map<std::string, std::string>> settings;
};

// One planned role instance. Peers name other instances; the network decides addresses.
struct InstancePlan {
    std::string role;
    std::string instance;  // unique, e.g. "MTCd#0"
    Credentials creds;
    std::map<std::string, std::string> peers;  // logical peer name -> instance name
    std::map<std::string, std::string> settings;
    // Test-only: checks (RoleSpec::checks names) this instance skips; copied into
    // Env::weakened by instantiate_role, which refuses names the role does not declare.
    std::set<std::string> weakened;
};

struct Deployment {
    DeploymentOptions options;
    std::vector<InstancePlan> instances;
    [[nodiscard]] const InstancePlan* find(const std::string& instance) const;
};

// Attacker recipes: protocol knowledge the Dolev-Yao engine may use, so that no attack strategy
// ever names a protocol (DESIGN.md, "ProtocolSpec").
//
// Who sends which message to whom. The engine reads links (clear or secure) from secure_links.
struct MessageFlow {
    std::uint8_t type = 0;
    std::string from_role, to_role;
};

// `relay_role` passes `in_type` on as `out_type` by copying its fields, minus `strip`. An
// insider instance of relay_role can therefore turn any captured in_type into an out_type
// and deliver it over its own authenticated link.
struct ForwardRecipe {
    std::uint8_t in_type = 0, out_type = 0;
    std::string relay_role;
    std::vector<std::string> strip;  // field names dropped on the way (e.g. a key for the relay)
};

// How `field` of message `type` is computed from the message and a long-term key the attacker
// may know (compromised, or guessed). `secret` names the key in Credentials::secrets by prefix
// (e.g. "PSKey"); the full name is "<secret>:<identity of identity_field's value>".
struct MacRecipe {
    std::uint8_t type = 0;
    std::string field;
    std::string secret;
    std::string identity_field;  // whose key it is, e.g. "MTCdID"
    std::function<Result<Bytes>(const Message& msg, BytesView key)> compute;
};

// `field` of message `type` is a Diffie-Hellman share g^x in the deployment's group: `share`
// computes the attacker's own share from its exponent, so "own value" attacks substitute a
// real group element (which passes range and subgroup checks) rather than random bytes.
struct ShareRecipe {
    std::uint8_t type = 0;
    std::string field;
    std::function<Result<Bytes>(const Deployment& deployment, BytesView exponent)> share;
};

// How a session key `key` (the claim subject, e.g. "SK") follows from one run's messages of
// `types` (in that order) and one secret exponent (a DH private value the attacker holds or
// has recovered). `derive` returns every candidate key (e.g. the exponent taken as either
// side's), or an error when the messages do not fit. Used by the compromise strategy to test
// forward secrecy: fed every long-term and delegation secret it holds, no candidate may match.
struct KeyRecipe {
    std::string key;
    std::vector<std::uint8_t> types;
    std::function<Result<std::vector<SecretBytes>>(const std::vector<const Message*>& msgs,
                                                   BytesView exponent)>
        derive;
};

// `field` of message `type` is sealed under a long-term key named like a MacRecipe's
// ("<secret>:<identity of identity_field's value>"); `open` returns the plaintext secret,
// learned as "<yields>:<identity>" (e.g. E2SEC's delegation sigma under CK).
struct SealRecipe {
    std::uint8_t type = 0;
    std::string field;
    std::string secret;
    std::string identity_field;
    std::string yields;
    std::function<Result<SecretBytes>(const Message& msg, BytesView key)> open;
};

struct AttackRecipes {
    std::vector<MessageFlow> flows;
    std::vector<ForwardRecipe> forwards;
    std::vector<MacRecipe> macs;
    std::vector<ShareRecipe> shares;
    std::vector<KeyRecipe> keys;
    std::vector<SealRecipe> seals;
    std::vector<GuessRecipe> guesses;               // off-line verifiers (protocols/core/guess.hpp)
    std::vector<OnlineGuessRecipe> online_guesses;  // on-line guesses against a live role
    [[nodiscard]] const MessageFlow* flow(std::uint8_t type) const;
};

struct ProtocolSpec {
    std::string name;  // CLI name, e.g. "prose"
    std::string title;
    std::string paper;  // seed file and section
    const Schema* schema = nullptr;
    std::vector<RoleSpec> roles;
    std::vector<NamedOption> variants;  // first is the default
    std::vector<NamedOption> profiles;  // first is the default
    std::vector<NamedOption> modes;     // first is the default
    // Protocol-wide options: each is a `--NAME VALUE` flag on simulate, run, provision and role,
    // and a key of a campaign file's [deployment] table; the value reaches every role's
    // Env::settings (so option names must differ from role setting names).
    std::vector<SettingSpec> options;
    // Links the paper assumes secure (run over mutually authenticated TLS live); pairs of roles.
    std::vector<std::pair<std::string, std::string>> secure_links;
    std::vector<ClaimSpec> claims;
    // Creates identities and long-term keys for a deployment, drawing randomness from `rng`.
    std::function<Result<Deployment>(const DeploymentOptions&, Rng&)> provision;
    AttackRecipes recipes;

    [[nodiscard]] const RoleSpec* role(std::string_view name) const;
    [[nodiscard]] bool has_variant(std::string_view v) const;
    [[nodiscard]] bool has_profile(std::string_view p) const;
    [[nodiscard]] bool has_mode(std::string_view m) const;
    [[nodiscard]] bool is_secure_link(std::string_view role_a, std::string_view role_b) const;
    [[nodiscard]] const SettingSpec* option(std::string_view name) const;
    // Checks variant, profile, mode, options, role names and settings of `o` against this spec.
    [[nodiscard]] Status validate(const DeploymentOptions& o) const;
    // Checks that every name in `checks` is one of `role_name`'s RoleSpec::checks; the error
    // lists the valid ones. Says nothing about whether this build honours them
    // (weakening_enabled()).
    [[nodiscard]] Status validate_weakened(std::string_view role_name,
                                           const std::set<std::string>& checks) const;
    // Whether one honest session committed on every role it should: each role of `deployed`
    // that commits a key and does not initiate, and exactly one initiator role that commits (a
    // GAKA session is a leader's or a member's, never both; with one initiator role that is the
    // plain "every committing role committed").
    [[nodiscard]] bool session_committed(const std::set<std::string>& deployed,
                                         const std::set<std::string>& committed) const;
};

}  // namespace mtc
