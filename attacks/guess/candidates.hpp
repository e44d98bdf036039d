// Candidate spaces for off-line key guessing: every 6-digit PIN, a hashcat-style mask, or the
// lines of a wordlist (rules off). A space is indexed 0..size()-1 so that search threads can
// split it into ranges; a Cursor walks a range without allocating per candidate.
//
// Spec strings (CLI `--space`, a campaign's guess attack `space = "..."`):
//   pin            6-digit PIN, 000000..999999 (the weak-key profiles' secret)
//   pin:N          N-digit PIN, 1 <= N <= 18
//   mask:MASK      hashcat mask: ?d digits, ?l lower, ?u upper, ?s specials (the 33 printable
//                  ASCII punctuation and space characters), ?a = ?l?u?d?s, ?h / ?H hex lower /
//                  upper, ?1..?4 the custom sets, ?? a literal '?', any other byte literal.
//                  The last position varies fastest (as in hashcat's candidate order).
//   wordlist:FILE  one candidate per line ("\n" or "\r\n"), empty lines skipped, used as is.
// Custom sets (`--custom-charset1..4`, a campaign's `charset1..4`) are themselves masks of
// set references and literals, e.g. "?l?d_" (hashcat semantics; no nested custom sets).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/core/result.hpp"

namespace mtc::attacks::guess {

class CandidateSpace {
public:
    // Parses a spec string as above. Errors name what is wrong and where ("mask position 3:
    // unknown set ?x", "wordlist FILE: cannot open: ...", "mask space exceeds 2^64 candidates").
    static Result<CandidateSpace> parse(std::string_view spec,
                                        const std::array<std::string, 4>& custom = {});
    static Result<CandidateSpace> pin(int digits);
    static Result<CandidateSpace> mask(std::string_view mask,
                                       const std::array<std::string, 4>& custom = {});
    static Result<CandidateSpace> wordlist(const std::string& path);

    [[nodiscard]] std::uint64_t size() const;
    // "6-digit PIN (1000000 candidates)", "mask ?u?l?l?d (175760 candidates)", "wordlist
    // words.txt (3 candidates)".
    [[nodiscard]] std::string describe() const;
    // Candidate number `i` (i < size()).
    [[nodiscard]] std::string at(std::uint64_t i) const;

    // Walks candidates [begin, end) in order; next() returns false once past the end. The
    // returned view stays valid until the next call to next().
    class Cursor {
    public:
        bool next(std::string_view& candidate);

    private:
        friend class CandidateSpace;
        const CandidateSpace* space_ = nullptr;
        std::uint64_t pos_ = 0, end_ = 0;
        bool started_ = false;
        std::vector<std::uint32_t> digits_;  // mask/pin: current index in each position's set
        std::string buf_;
    };
    [[nodiscard]] Cursor cursor(std::uint64_t begin, std::uint64_t end) const;

private:
    struct Impl;
    std::shared_ptr<const Impl> impl_;  // immutable after parse: shared by every thread
};

}  // namespace mtc::attacks::guess
