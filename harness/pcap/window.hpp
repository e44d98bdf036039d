// Cutting a time window out of a capture: a finding's trace.pcap is the slice of the
// campaign's traffic.pcap its attack session spans.
#pragma once

#include <cstdint>
#include <string>

#include "protocols/core/result.hpp"

namespace mtc::pcap {

// Copies every packet of `in` (any file libpcap reads) whose timestamp, in microseconds since
// the epoch, is in [from_us, to_us] to a new classic pcap `out` with the same link type and
// snaplen, in file order. `out` is written to OUT.tmp.<pid> and renamed into place, so it is
// either complete or absent. Errors name the file (unreadable input, a read error mid-file,
// an unwritable output).
Status copy_window(const std::string& in, const std::string& out, std::int64_t from_us,
                   std::int64_t to_us);

}  // namespace mtc::pcap
