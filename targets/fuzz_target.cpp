#include "targets/fuzz_target.hpp"

#include <cstdio>
#include <cstdlib>

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

std::string decoder_target_name(std::string_view protocol) {
    return std::string(protocol) + "_decoder_fuzzer";
}

void security_issue(std::string_view level, std::string_view what) {
    // libFuzzer's and ClusterFuzz's marker for a logic finding; triage buckets on it.
    std::fprintf(stderr, "FuzzerSecurityIssue%.*s: %.*s\n", static_cast<int>(level.size()),
                 level.data(), static_cast<int>(what.size()), what.data());
    std::fflush(stderr);
    std::abort();
}

}  // namespace mtc::fuzz
