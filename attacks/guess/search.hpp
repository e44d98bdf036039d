// The off-line search: tests every candidate of a space against one verifier on N threads,
// reports progress (tested, rate, ETA) at a fixed interval, stops every thread at the first
// hit, and never prints a candidate or a key (the caller decides whether to reveal a hit).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "attacks/guess/candidates.hpp"
#include "protocols/core/guess.hpp"

namespace mtc::attacks::guess {

struct SearchProgress {
    std::uint64_t tested = 0, total = 0;
    double elapsed_s = 0;
    double rate = 0;   // candidates per second over the whole search so far
    double eta_s = 0;  // to exhaust the space at that rate
    unsigned threads = 0;
};

struct SearchOptions {
    unsigned threads = 0;     // 0: every core (std::thread::hardware_concurrency)
    double time_limit_s = 0;  // 0: none; otherwise stop (not exhausted) after this long
    double progress_every_s = 1.0;
    std::function<void(const SearchProgress&)> progress;  // called from the calling thread
};

struct SearchResult {
    std::optional<std::string> candidate;  // the hit (secret material: never log it)
    std::uint64_t index = 0;               // its number in the space
    std::uint64_t tested = 0;              // candidates tested by all threads together
    std::uint64_t total = 0;               // size of the space
    double seconds = 0;                    // wall time
    double rate = 0;                       // tested / seconds
    unsigned threads = 0;
    bool exhausted = false;  // every candidate tested, no hit
    bool timed_out = false;
};

// Splits the space into chunks handed out to threads dynamically (so a slow thread does not
// hold the end back), each thread with its own GuessVerifier::tester().
Result<SearchResult> search(const GuessVerifier& verifier, const CandidateSpace& space,
                            const SearchOptions& options = {});

// Rate of test_key() on random full-entropy keys over about `seconds` on `threads` threads, for
// "how long would the full key space take" (2^(8 * key_len) / rate).
double full_key_rate(const GuessVerifier& verifier, double seconds, unsigned threads = 0);

}  // namespace mtc::attacks::guess
