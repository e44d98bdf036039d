// The Wireshark Lua dissector for mtcfuzz frames, generated from the registered schemas (see
// docs/dissector.md). `mtcfuzz dissector` writes it; the output depends only on the schemas,
// so the same registry always gives the same bytes.
#pragma once

#include <string>
#include <vector>

#include "protocols/core/spec.hpp"

namespace mtc::cli {

// One self-contained Lua file defining the "mtcfuzz" Proto: frame header, TLVs named from the
// schemas, expert info for every rule of docs/wire-format.md a frame breaks, UDP and TCP
// heuristics (TCP frames carry a u32 big-endian length prefix), port-range preferences and
// "Decode As" entries.
std::string make_dissector_lua(const std::vector<const ProtocolSpec*>& protocols);

}  // namespace mtc::cli
