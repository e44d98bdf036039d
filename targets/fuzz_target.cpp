#include "targets/fuzz_target.hpp"

#include <cstdio>
#include <cstdlib>

#include "protocols/core/registry.hpp"

namespace mtc::fuzz {

std::string_view to_string(TargetKind k) {
    switch (k) {
        case TargetKind::decoder:
            return "decoder";
        case TargetKind::role:
            return "role";
        case TargetKind::pcap:
            return "pcap";
        case TargetKind::campaign:
            return "campaign";
        case TargetKind::report:
            return "report";
    }
    return "?";
}

std::string role_target_name(const ProtocolSpec& spec, std::string_view role) {
    std::string r(role);
    for (char& c : r) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok) c = '_';
    }
    return spec.name + "_" + r + "_fuzzer";
}

std::string decoder_target_name(const ProtocolSpec& spec) {
    return spec.name + "_decoder_fuzzer";
}

const std::vector<FuzzTarget>& fuzz_targets() {
    static const std::vector<FuzzTarget> all = [] {
        std::vector<FuzzTarget> t;
        for (const ProtocolSpec* spec : registered_protocols()) {
            t.push_back(make_decoder_target(*spec));
            for (const RoleSpec& r : spec->roles) t.push_back(make_role_target(*spec, r));
        }
        for (auto& i : make_input_targets()) t.push_back(std::move(i));
        return t;
    }();
    return all;
}

const FuzzTarget* find_fuzz_target(std::string_view name) {
    for (const FuzzTarget& t : fuzz_targets()) {
        if (t.name == name) return &t;
    }
    return nullptr;
}

void security_issue(std::string_view level, std::string_view what) {
    // libFuzzer's and ClusterFuzz's marker for a logic finding; triage buckets on it.
    std::fprintf(stderr, "FuzzerSecurityIssue%.*s: %.*s\n", static_cast<int>(level.size()),
                 level.data(), static_cast<int>(what.size()), what.data());
    std::fflush(stderr);
    std::abort();
}

}  // namespace mtc::fuzz
