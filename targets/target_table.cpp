// The table of every target, from the protocol registry (the CLI's: `mtcfuzz fuzz --list`,
// `mtcfuzz corpus regen`). The fuzz binaries do not link it: each holds its own part
// (binary_targets(), entry.hpp), so a binary links one protocol's code only.
#include "protocols/core/registry.hpp"
#include "targets/fuzz_target.hpp"

namespace mtc::fuzz {

const std::vector<FuzzTarget>& fuzz_targets() {
    static const std::vector<FuzzTarget> all = [] {
        std::vector<FuzzTarget> t;
        for (const ProtocolSpec* spec : registered_protocols()) {
            t.push_back(make_decoder_target(*spec));
            for (auto& r : make_role_targets(*spec)) t.push_back(std::move(r));
        }
        t.push_back(make_pcap_target());
        t.push_back(make_campaign_target());
        t.push_back(make_report_target());
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

}  // namespace mtc::fuzz
