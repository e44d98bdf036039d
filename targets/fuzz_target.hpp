// The table of fuzz targets. It is built from the protocol registry (a decoder target and one
// target per role for every registered protocol) plus the framework's own untrusted inputs, so
// a protocol gets its targets by registering in protocols/registry.cpp and nothing else.
//
// Every target is one entry point over bytes. A fuzz binary holds one protocol's decoder, or
// its roles, or the framework's inputs (binary_targets(), entry.hpp), and picks its target
// from the name it was started under (the build links it as `<target>`; see
// targets/README.md): libFuzzer, AFL++ and the plain replay driver all start it that way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/core/schema.hpp"
#include "protocols/core/spec.hpp"

namespace mtc::fuzz {

enum class TargetKind : std::uint8_t { decoder, role, pcap, campaign, report };

std::string_view to_string(TargetKind k);

struct FuzzTarget {
    std::string name;  // binary name: <protocol>_<role|decoder>_fuzzer, or <input>_fuzzer
    TargetKind kind = TargetKind::decoder;
    std::string description;
    const ProtocolSpec* spec = nullptr;  // decoder and role targets
    // {}: a builder may leave it out (gcc warns on members without an initializer).
    std::string role{};  // role targets: the role under test
    // Runs one input. Returns 0 (libFuzzer's "keep going"); a finding aborts the process.
    std::function<int(const std::uint8_t* data, std::size_t size)> run;
};

// `<protocol>_<role>_fuzzer` with characters outside [A-Za-z0-9_-] in the role name replaced
// by '_' (a file name and an OSS-Fuzz fuzzer name).
std::string role_target_name(const ProtocolSpec& spec, std::string_view role);
std::string decoder_target_name(std::string_view protocol);

// Every target of every registered protocol and input (target_table.cpp).
const std::vector<FuzzTarget>& fuzz_targets();
const FuzzTarget* find_fuzz_target(std::string_view name);

// Builders, one per kind (decoder_target.cpp, role_target.cpp, pcap_target.cpp,
// campaign_target.cpp, report_target.cpp). A decoder
// target needs the schema only (`spec` is left null: a decoder binary links no roles); the
// overload taking the spec also sets `spec`, which seed generation needs.
FuzzTarget make_decoder_target(const std::string& protocol, const Schema& schema);
FuzzTarget make_decoder_target(const ProtocolSpec& spec);
FuzzTarget make_role_target(const ProtocolSpec& spec, const RoleSpec& role);
std::vector<FuzzTarget> make_role_targets(const ProtocolSpec& spec);  // one per role
FuzzTarget make_pcap_target();
FuzzTarget make_campaign_target();
FuzzTarget make_report_target();

// A finding: prints libFuzzer's security-issue marker with `what` (no secrets) to stderr and
// aborts, so every engine records the input like a crash.
[[noreturn]] void security_issue(std::string_view level, std::string_view what);

}  // namespace mtc::fuzz
