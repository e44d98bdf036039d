// Loads the UDP frames of a capture file into the attacker's knowledge (TLS streams stay
// opaque: the attacker cannot read them). Shared by `campaign run` ([honest] pcap) and
// `mtcfuzz guess --pcap`.
#pragma once

#include <cstddef>
#include <string>

#include "attacks/knowledge.hpp"
#include "protocols/core/result.hpp"

namespace mtc::runner {

struct PcapLoadStats {
    std::size_t loaded = 0;   // frames that decoded against the protocol's schema
    std::size_t skipped = 0;  // UDP payloads that did not (another protocol, damaged)
};

Result<PcapLoadStats> load_pcap(const std::string& path, attacks::Knowledge& knowledge);

}  // namespace mtc::runner
