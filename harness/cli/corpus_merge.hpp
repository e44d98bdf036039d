// Merging fuzzing finds into a seed corpus, by the rule libFuzzer's -merge=1 applies: an input
// joins the corpus only if it covers something the corpus (and the inputs taken before it)
// does not. `mtcfuzz fuzz` merges each run; `mtcfuzz corpus merge` merges any directories
// (another machine's run, a CI artifact).
//
// libFuzzer: the target's own -merge=1. AFL++ has no such merge: afl-cmin rewrites the whole
// set, keeping for each tuple the smallest file, which would drop seeds libFuzzer chose and
// add entries that cover nothing new. Here coverage is AFL++'s own: afl-showmap in cmin mode
// (-Z) over the corpus and the candidates, a tuple being an edge with its hit-count bucket;
// candidates are taken smallest first and stored under content names (corpus_entry.hpp). An
// input that crashes or times out gets an empty map and is never merged (it is a finding, and
// the engine already kept it).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "protocols/core/result.hpp"

namespace mtc::cli {

struct MergeRequest {
    std::string engine;               // "libfuzzer" or "afl": how `target` was built
    std::string target;               // the target binary
    std::string corpus;               // the seed corpus, added to (created if missing)
    std::vector<std::string> inputs;  // directories of candidates (files directly in them)
    std::string work;                 // scratch directory (recreated) and merge.log
    std::string showmap{};            // afl-showmap (AFL++ only; default: afl_program())
    int timeout_ms = 25000;           // per input
};

struct MergeResult {
    std::size_t added = 0;    // candidates copied into the corpus
    std::size_t skipped = 0;  // candidates that crashed or timed out (AFL++ only; libFuzzer's
                              // merge skips them silently)
};

Result<MergeResult> merge_into_corpus(const MergeRequest& r);

// An AFL++ program ("afl-fuzz", "afl-showmap"): next to $AFL_FUZZ when that names afl-fuzz,
// else in /usr/bin (where Debian's afl++ package puts them).
std::string afl_program(const std::string& name);

// Where the presets build the targets for `engine` (docs/fuzzing.md): build/afl/targets for
// "afl", build/fuzz/targets for libFuzzer.
std::string default_target_dir(const std::string& engine);

}  // namespace mtc::cli
