// Merging an AFL++ run's queue back into a seed corpus, by the rule libFuzzer's -merge=1
// applies to its own runs: an input joins the corpus only if it covers something the corpus
// (and the inputs taken before it) does not. AFL++ has no such merge: afl-cmin rewrites the
// whole set, keeping for each tuple the smallest file, which would drop seeds libFuzzer chose
// and add queue entries that cover nothing new.
//
// Coverage is AFL++'s own: afl-showmap in cmin mode (-Z) over both directories, a tuple being
// an edge with its hit-count bucket. An input that crashes or times out gets an empty map and
// is never merged (it is a finding, and the engine already kept it).
#pragma once

#include <cstddef>
#include <string>

#include "protocols/core/result.hpp"

namespace mtc::cli {

struct AflMergeRequest {
    std::string showmap;  // the afl-showmap binary
    std::string target;   // the AFL++-built target
    std::string corpus;   // the seed corpus, added to
    std::string queue;    // AFL++'s queue (OUT/afl/default/queue)
    std::string work;     // scratch directory (recreated)
    int timeout_ms = 25000;
};

struct AflMergeResult {
    std::size_t added = 0;    // queue entries copied into the corpus
    std::size_t skipped = 0;  // queue entries that crashed or timed out under afl-showmap
};

Result<AflMergeResult> afl_merge(const AflMergeRequest& r);

}  // namespace mtc::cli
