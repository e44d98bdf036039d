// Seed corpora, dictionaries and .options files for every fuzz target, generated from honest
// in-process runs of the registered protocols (`mtcfuzz corpus regen`). Deterministic for a
// seed: the same seed gives the same bytes.
//
//   decoder targets  every distinct frame of honest runs in both variants
//   role targets     programs (dy_network.hpp) that run honest sessions whole, step by step,
//                    and with a replay, a mutation or a drop at each step toward the role
//   pcap_reader      the honest runs' frames as captured packets (Ethernet/IPv4/UDP, written
//                    by the pcap writer and re-read), plus TCP streams of length-prefixed
//                    frames, in the target's input format
//   campaign_file    the built-in campaign files (attacks/campaigns/*.toml, as embedded)
//
// Dictionaries: the frame header of each message type and every field's TLV header, from the
// schemas; TOML keys and names (protocols, roles, claims) for the campaign parser.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/core/bytes.hpp"
#include "protocols/core/result.hpp"

namespace mtc::fuzz {

struct TargetSeeds {
    std::vector<Bytes> inputs;  // distinct
    std::string dict;           // libFuzzer / AFL++ dictionary text
    std::string options;        // the .options file (libFuzzer section)
};

// `campaigns`: the campaign files' texts the campaign target starts from (the built-in ones).
Result<std::map<std::string, TargetSeeds>> generate_seeds(
    std::uint64_t seed, const std::vector<std::string_view>& campaigns);

// The role-target program that runs `sessions` honest sessions (byte 0: variant).
Bytes honest_program(bool hardened, std::size_t sessions);

}  // namespace mtc::fuzz
