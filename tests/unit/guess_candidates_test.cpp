// Candidate spaces for off-line key guessing: PINs, hashcat masks with custom sets, wordlists;
// their order, sizes, cursors, and every way a spec can be wrong.
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "attacks/guess/candidates.hpp"
#include "tests/unit/temp_dir.hpp"

namespace mtc::attacks::guess {
namespace {

using Custom = std::array<std::string, 4>;

CandidateSpace must(Result<CandidateSpace> r) {
    EXPECT_TRUE(r.ok()) << r.error().describe();
    return r.ok() ? std::move(*r) : CandidateSpace{};
}

// The error of a spec that must not parse ("" when it parsed).
std::string error_of(std::string_view spec, const Custom& custom = {}) {
    auto r = CandidateSpace::parse(spec, custom);
    return r.ok() ? std::string() : r.error().describe();
}

std::vector<std::string> all(const CandidateSpace& space) {
    std::vector<std::string> out;
    for (std::uint64_t i = 0; i < space.size(); ++i) out.push_back(space.at(i));
    return out;
}

std::vector<std::string> walk(const CandidateSpace& space, std::uint64_t begin, std::uint64_t end) {
    std::vector<std::string> out;
    auto c = space.cursor(begin, end);
    std::string_view v;
    while (c.next(v)) out.emplace_back(v);
    return out;
}

void write_file(const std::string& path, std::string_view content) {
    std::ofstream(path, std::ios::binary) << content;
}

TEST(GuessCandidates, PinSizesAndEnds) {
    const auto six = must(CandidateSpace::parse("pin"));
    EXPECT_EQ(six.size(), 1000000U);
    EXPECT_EQ(six.at(0), "000000");
    EXPECT_EQ(six.at(42), "000042");
    EXPECT_EQ(six.at(999999), "999999");
    EXPECT_EQ(six.describe(), "6-digit PIN (1000000 candidates)");

    const auto four = must(CandidateSpace::parse("pin:4"));
    EXPECT_EQ(four.size(), 10000U);
    EXPECT_EQ(four.at(0), "0000");
    EXPECT_EQ(four.at(9999), "9999");

    const auto one = must(CandidateSpace::pin(1));
    EXPECT_EQ(all(one),
              (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}));

    const auto longest = must(CandidateSpace::parse("pin:18"));
    EXPECT_EQ(longest.size(), 1000000000000000000ULL);
    EXPECT_EQ(longest.at(longest.size() - 1), std::string(18, '9'));
}

TEST(GuessCandidates, PinRejectsBadDigitCounts) {
    for (const char* spec : {"pin:0", "pin:19", "pin:", "pin:x", "pin:-1", "pin:4x", "pin: 4",
                             "pin:99999999999999999999"}) {
        EXPECT_NE(error_of(spec).find("pin:N needs 1 <= N <= 18"), std::string::npos) << spec;
    }
    for (const int n : {0, -3, 19, 1000}) {
        const auto r = CandidateSpace::pin(n);
        ASSERT_FALSE(r.ok()) << n;
        EXPECT_NE(r.error().describe().find("pin:N needs 1 <= N <= 18"), std::string::npos);
    }
}

TEST(GuessCandidates, MaskOrderLastPositionFastest) {
    const auto space = must(CandidateSpace::parse("mask:?d?l"));
    EXPECT_EQ(space.size(), 260U);
    EXPECT_EQ(space.at(0), "0a");
    EXPECT_EQ(space.at(1), "0b");
    EXPECT_EQ(space.at(25), "0z");
    EXPECT_EQ(space.at(26), "1a");
    EXPECT_EQ(space.at(259), "9z");
    EXPECT_EQ(space.describe(), "mask ?d?l (260 candidates)");
}

TEST(GuessCandidates, BuiltinSets) {
    const auto set_of = [](const char* mask) { return all(must(CandidateSpace::mask(mask))); };
    const auto joined = [](const std::vector<std::string>& v) {
        std::string s;
        for (const auto& c : v) s += c;
        return s;
    };
    EXPECT_EQ(joined(set_of("?d")), "0123456789");
    EXPECT_EQ(joined(set_of("?l")), "abcdefghijklmnopqrstuvwxyz");
    EXPECT_EQ(joined(set_of("?u")), "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    EXPECT_EQ(joined(set_of("?s")), " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");
    EXPECT_EQ(joined(set_of("?h")), "0123456789abcdef");
    EXPECT_EQ(joined(set_of("?H")), "0123456789ABCDEF");
    EXPECT_EQ(joined(set_of("?a")), joined(set_of("?l")) + joined(set_of("?u")) +
                                        joined(set_of("?d")) + joined(set_of("?s")));
    EXPECT_EQ(must(CandidateSpace::mask("?a")).size(), 95U);
}

TEST(GuessCandidates, LiteralsAndEscapedQuestionMark) {
    const auto space = must(CandidateSpace::parse("mask:a?d-??"));
    EXPECT_EQ(space.size(), 10U);
    EXPECT_EQ(space.at(0), "a0-?");
    EXPECT_EQ(space.at(3), "a3-?");
    const auto literal = must(CandidateSpace::mask("pass word"));
    EXPECT_EQ(literal.size(), 1U);
    EXPECT_EQ(literal.at(0), "pass word");
    EXPECT_EQ(must(CandidateSpace::mask("??")).at(0), "?");
}

TEST(GuessCandidates, CustomSets) {
    const Custom custom{"?l?d_", "abca?h", "x??", ""};
    const auto one = must(CandidateSpace::parse("mask:?1?1", custom));
    EXPECT_EQ(one.size(), 37U * 37U);
    EXPECT_EQ(one.at(0), "aa");
    EXPECT_EQ(one.at(26), "a0");
    EXPECT_EQ(one.at(36), "a_");
    EXPECT_EQ(one.at(37), "ba");
    // De-duplicated in first-seen order: "abc" then ?h without its a, b, c.
    const auto two = must(CandidateSpace::mask("?2", custom));
    std::string set;
    for (const auto& c : all(two)) set += c;
    EXPECT_EQ(set, "abc0123456789def");
    EXPECT_EQ(all(must(CandidateSpace::mask("?3", custom))), (std::vector<std::string>{"x", "?"}));
    // Custom sets that are not referenced may be empty.
    EXPECT_EQ(must(CandidateSpace::mask("?d", custom)).size(), 10U);
}

TEST(GuessCandidates, EveryParseErrorSaysWhatAndWhere) {
    struct Case {
        std::string spec;
        Custom custom;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {"mask:?d?d?x",
         {},
         "mask position 3: unknown charset ?x (known: ?d ?l ?u ?s ?a ?h ?H ?1-?4 ?"
         "?)"},
        {"mask:ab?", {}, "mask position 3: '?' at the end"},
        {"mask:?", {}, "mask position 1: '?' at the end"},
        {"mask:", {}, "mask is empty"},
        {"mask:?d?1", {}, "mask position 2: custom charset ?1 is used but empty"},
        {"mask:?4", {"a", "b", "c", ""}, "mask position 1: custom charset ?4 is used but empty"},
        {"mask:?d", {"?2", "", "", ""}, "custom charset 1 position 1: ?2 refers to a custom"},
        {"mask:?d", {"", "", "a?q", ""}, "custom charset 3 position 2: unknown charset ?q"},
        {"mask:?d", {"", "a?", "", ""}, "custom charset 2 position 2: '?' at the end"},
        {std::string("mask:?\x01", 7), {}, "unknown charset ?\\x01"},
        {"mask:" + std::string(20, 'x') + "?a?a?a?a?a?a?a?a?a?a",
         {},
         "mask space exceeds 2^64 candidates"},
        {"foo", {}, "unknown space 'foo' (expected pin, pin:N, mask:MASK or wordlist:FILE)"},
        {"", {}, "unknown space ''"},
        {"PIN", {}, "unknown space 'PIN'"},
        {"mask", {}, "unknown space 'mask'"},
        {"wordlist:", {}, "wordlist: no file name"},
    };
    for (const auto& c : cases) {
        const std::string error = error_of(c.spec, c.custom);
        EXPECT_NE(error.find(c.expected), std::string::npos)
            << "spec '" << c.spec << "' gave '" << error << "'";
    }
}

TEST(GuessCandidates, OverflowDetectedExactlyPast64Bits) {
    const auto digits = [](int n) {
        std::string mask;
        for (int i = 0; i < n; ++i) mask += "?d";
        return mask;
    };
    // 95^9 and 10^19 fit in 64 bits; 95^10 and 10^20 do not.
    EXPECT_EQ(must(CandidateSpace::mask("?a?a?a?a?a?a?a?a?a")).size(), 630249409724609375ULL);
    EXPECT_EQ(must(CandidateSpace::mask(digits(19))).size(), 10000000000000000000ULL);
    EXPECT_NE(error_of("mask:" + digits(20)).find("exceeds 2^64"), std::string::npos);
    EXPECT_NE(error_of("mask:?a?a?a?a?a?a?a?a?a?a").find("exceeds 2^64"), std::string::npos);
    // Literal positions multiply by one: a long literal mask is fine.
    EXPECT_EQ(must(CandidateSpace::mask(std::string(100000, 'z'))).size(), 1U);
}

TEST(GuessCandidates, CursorRangesEqualAt) {
    const auto space = must(CandidateSpace::mask("?1x?d", {"ab-", "", "", ""}));
    ASSERT_EQ(space.size(), 30U);
    const auto expected = all(space);
    EXPECT_EQ(expected.front(), "ax0");
    EXPECT_EQ(expected.back(), "-x9");
    for (std::uint64_t begin = 0; begin <= space.size(); ++begin) {
        for (std::uint64_t end = begin; end <= space.size(); ++end) {
            const std::vector<std::string> want(expected.begin() + static_cast<long>(begin),
                                                expected.begin() + static_cast<long>(end));
            ASSERT_EQ(walk(space, begin, end), want) << begin << ".." << end;
        }
    }
    // Out-of-range bounds are clamped, never read past the space.
    EXPECT_EQ(walk(space, 25, 1000).size(), 5U);
    EXPECT_TRUE(walk(space, 40, 50).empty());
    EXPECT_TRUE(walk(space, 20, 10).empty());
    EXPECT_EQ(space.at(30), "");
}

TEST(GuessCandidates, CursorStopsAndStaysStopped) {
    const auto space = must(CandidateSpace::parse("pin:2"));
    auto c = space.cursor(98, 100);
    std::string_view v;
    ASSERT_TRUE(c.next(v));
    EXPECT_EQ(v, "98");
    ASSERT_TRUE(c.next(v));
    EXPECT_EQ(v, "99");
    EXPECT_FALSE(c.next(v));
    EXPECT_FALSE(c.next(v));
}

TEST(GuessCandidates, EmptySpaceIsHarmless) {
    const CandidateSpace none;
    EXPECT_EQ(none.size(), 0U);
    EXPECT_EQ(none.at(0), "");
    EXPECT_TRUE(walk(none, 0, 10).empty());
    std::string_view v;
    CandidateSpace::Cursor unbound;
    EXPECT_FALSE(unbound.next(v));
}

TEST(GuessCandidates, WordlistLinesAsIs) {
    const test::TempDir dir;
    const auto path = dir.file("words.txt");
    write_file(path, "alpha\r\n\r\nbeta\n\n\ngamma delta \n  \nlast");
    const auto space = must(CandidateSpace::parse("wordlist:" + path));
    EXPECT_EQ(all(space),
              (std::vector<std::string>{"alpha", "beta", "gamma delta ", "  ", "last"}));
    EXPECT_EQ(space.describe(), "wordlist " + path + " (5 candidates)");
    EXPECT_EQ(walk(space, 1, 4), (std::vector<std::string>{"beta", "gamma delta ", "  "}));
    // A last line with its CRLF, and bytes that are not text, are kept as they are.
    write_file(path, std::string("a\tb\0c\r\nd\r\n", 10));
    EXPECT_EQ(all(must(CandidateSpace::wordlist(path))),
              (std::vector<std::string>{std::string("a\tb\0c", 5), "d"}));
}

TEST(GuessCandidates, WordlistErrorsNameTheFile) {
    const test::TempDir dir;
    const auto missing = dir.file("missing.txt");
    auto r = CandidateSpace::wordlist(missing);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().describe().find("wordlist " + missing + ": cannot open"),
              std::string::npos);

    for (const char* content : {"", "\n", "\r\n\n\r\n"}) {
        const auto empty = dir.file("empty.txt");
        write_file(empty, content);
        r = CandidateSpace::wordlist(empty);
        ASSERT_FALSE(r.ok());
        EXPECT_NE(r.error().describe().find("wordlist " + empty + ": no candidates"),
                  std::string::npos);
    }

    r = CandidateSpace::wordlist(dir.path().string());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().describe().find("is a directory"), std::string::npos);

    // A sparse file just past the limit: refused before anything is read.
    const auto huge = dir.file("huge.txt");
    write_file(huge, "");
    std::filesystem::resize_file(huge, (std::uintmax_t{1} << 30) + 1);
    r = CandidateSpace::wordlist(huge);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().describe().find("wordlist " + huge + ": larger than 1 GiB"),
              std::string::npos);
}

TEST(GuessCandidates, ArbitrarySpecsNeverCrash) {
    std::mt19937 gen(12345);  // NOLINT(cert-msc51-cpp): a fixed seed keeps failures reproducible
    const std::string alphabet = "?dlusahH1234x!\x01\xff:";
    const auto random_text = [&](std::size_t max_len) {
        std::string s(gen() % (max_len + 1), ' ');
        for (auto& c : s) c = alphabet[gen() % alphabet.size()];
        return s;
    };
    for (int i = 0; i < 3000; ++i) {
        const Custom custom{random_text(4), random_text(4), "", random_text(3)};
        const std::string spec = (i % 2 == 0 ? "mask:" : "pin:") + random_text(12);
        const auto r = CandidateSpace::parse(spec, custom);
        if (!r.ok()) {
            EXPECT_FALSE(r.error().describe().empty());
            continue;
        }
        ASSERT_GT(r->size(), 0U);
        const auto last = r->at(r->size() - 1);
        EXPECT_EQ(walk(*r, r->size() - 1, r->size()), std::vector<std::string>{last});
    }
}

}  // namespace
}  // namespace mtc::attacks::guess
