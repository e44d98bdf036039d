// The multithreaded off-line search against a verifier made up here (a predicate over the
// candidate): hits on any thread count, exhaustion, early stop, time limit, progress, failures,
// and the full-key rate. Nothing here asserts a speed (bench/ measures that).
#include <atomic>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "attacks/guess/search.hpp"
#include "tests/unit/temp_dir.hpp"

namespace mtc::attacks::guess {
namespace {

using Predicate = std::function<bool(std::string_view)>;

class PredicateTester final : public GuessTester {
public:
    PredicateTester(const Predicate& hit, std::atomic<std::uint64_t>& calls)
        : hit_(hit), calls_(calls) {}
    bool test(std::string_view candidate) override {
        calls_.fetch_add(1);
        return hit_(candidate);
    }
    bool test_key(BytesView key) override {
        calls_.fetch_add(1);
        return hit_(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
    }

private:
    const Predicate& hit_;
    std::atomic<std::uint64_t>& calls_;
};

// Hits where `hit` says so and counts every test() and test_key() over all its testers.
class PredicateVerifier final : public GuessVerifier {
public:
    explicit PredicateVerifier(Predicate hit) : hit_(std::move(hit)) {}
    [[nodiscard]] std::string secret() const override { return "PIN:test-device"; }
    [[nodiscard]] std::string description() const override { return "test predicate verifier"; }
    [[nodiscard]] std::unique_ptr<GuessTester> tester() const override {
        return std::make_unique<PredicateTester>(hit_, calls);
    }
    [[nodiscard]] Result<SecretBytes> derive(std::string_view candidate) const override {
        return to_secret(view(candidate));
    }
    [[nodiscard]] std::size_t key_len() const override { return 16; }

    mutable std::atomic<std::uint64_t> calls{0};

private:
    Predicate hit_;
};

PredicateVerifier target(std::string secret) {
    return PredicateVerifier(
        [secret = std::move(secret)](std::string_view c) { return c == secret; });
}

CandidateSpace space(std::string_view spec) {
    auto r = CandidateSpace::parse(spec);
    EXPECT_TRUE(r.ok()) << r.error().describe();
    return r.ok() ? std::move(*r) : CandidateSpace{};
}

SearchOptions on_threads(unsigned n) {
    SearchOptions o;
    o.threads = n;
    return o;
}

TEST(GuessSearch, FindsTheHitOnOneTwoAndFourThreads) {
    const auto pins = space("pin:4");
    for (const unsigned threads : {1U, 2U, 4U}) {
        const auto verifier = target("7342");
        const auto r = search(verifier, pins, on_threads(threads));
        ASSERT_TRUE(r.ok()) << r.error().describe();
        ASSERT_TRUE(r->candidate.has_value()) << threads;
        EXPECT_EQ(*r->candidate, "7342");
        EXPECT_EQ(r->index, 7342U);
        EXPECT_EQ(r->threads, threads);
        EXPECT_EQ(r->total, 10000U);
        EXPECT_FALSE(r->exhausted);
        EXPECT_FALSE(r->timed_out);
        EXPECT_GE(r->tested, 1U);
        EXPECT_EQ(r->tested, verifier.calls.load());
    }
}

TEST(GuessSearch, ExhaustsWithoutHit) {
    for (const unsigned threads : {1U, 3U}) {
        const auto verifier = target("not a pin");
        const auto r = search(verifier, space("pin:4"), on_threads(threads));
        ASSERT_TRUE(r.ok()) << r.error().describe();
        EXPECT_FALSE(r->candidate.has_value());
        EXPECT_TRUE(r->exhausted);
        EXPECT_FALSE(r->timed_out);
        EXPECT_EQ(r->tested, 10000U);
        EXPECT_EQ(r->total, 10000U);
        EXPECT_EQ(verifier.calls.load(), 10000U);
    }
}

TEST(GuessSearch, LowestHitIndexWins) {
    // Every candidate ending in 7 hits; whichever thread gets there first, index 7 is reported.
    for (int run = 0; run < 5; ++run) {
        const PredicateVerifier verifier([](std::string_view c) { return c.back() == '7'; });
        const auto r = search(verifier, space("pin:5"), on_threads(4));
        ASSERT_TRUE(r.ok());
        ASSERT_TRUE(r->candidate.has_value());
        EXPECT_EQ(*r->candidate, "00007");
        EXPECT_EQ(r->index, 7U);
    }
}

TEST(GuessSearch, StopsSoonAfterAHit) {
    // A hit near the start of 10^9 candidates. One thread stops right at it; with four, the
    // others stop within their current chunk once it is found (a bound loose enough for any
    // scheduling of a loaded machine, and still far below the space).
    const auto alone = target("000000100");
    const auto one = search(alone, space("pin:9"), on_threads(1));
    ASSERT_TRUE(one.ok());
    ASSERT_TRUE(one->candidate.has_value());
    EXPECT_EQ(one->index, 100U);
    EXPECT_EQ(one->tested, 101U);
    EXPECT_EQ(alone.calls.load(), 101U);

    const auto shared = target("000000100");
    const auto four = search(shared, space("pin:9"), on_threads(4));
    ASSERT_TRUE(four.ok());
    ASSERT_TRUE(four->candidate.has_value());
    EXPECT_EQ(four->index, 100U);
    EXPECT_LT(four->tested, four->total / 100);
    EXPECT_EQ(four->tested, shared.calls.load());
    EXPECT_FALSE(four->exhausted);
}

TEST(GuessSearch, ThreadsAtMostTheSpaceSize) {
    const auto verifier = target("x");
    const auto r = search(verifier, space("mask:ab?d"), on_threads(64));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->threads, 10U);
    EXPECT_TRUE(r->exhausted);
    const auto single = search(verifier, space("mask:abc"), on_threads(0));
    ASSERT_TRUE(single.ok());
    EXPECT_EQ(single->threads, 1U);
    EXPECT_EQ(single->tested, 1U);
    // threads = 0 means every core (at least one, at most the space).
    const auto all_cores = search(verifier, space("pin:4"));
    ASSERT_TRUE(all_cores.ok());
    EXPECT_GE(all_cores->threads, 1U);
    EXPECT_TRUE(all_cores->exhausted);
}

TEST(GuessSearch, TimeLimitStopsEarly) {
    const auto verifier = target("never");
    SearchOptions o = on_threads(2);
    o.time_limit_s = 0.2;
    const auto r = search(verifier, space("pin:15"), o);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->timed_out);
    EXPECT_FALSE(r->exhausted);
    EXPECT_FALSE(r->candidate.has_value());
    EXPECT_LT(r->tested, r->total);
    EXPECT_EQ(r->tested, verifier.calls.load());
}

TEST(GuessSearch, ProgressFromTheCallingThread) {
    const auto verifier = target("never");
    std::vector<SearchProgress> reports;
    const auto caller = std::this_thread::get_id();
    bool other_thread = false;
    SearchOptions o = on_threads(2);
    o.time_limit_s = 0.3;
    o.progress_every_s = 0.02;
    o.progress = [&](const SearchProgress& p) {
        other_thread = other_thread || std::this_thread::get_id() != caller;
        reports.push_back(p);
    };
    const auto r = search(verifier, space("pin:15"), o);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(other_thread);
    ASSERT_GE(reports.size(), 2U);  // at least one interval report and the final one
    for (std::size_t i = 1; i < reports.size(); ++i) {
        EXPECT_GE(reports[i].tested, reports[i - 1].tested);
    }
    const auto& last = reports.back();
    EXPECT_EQ(last.tested, r->tested);
    EXPECT_EQ(last.total, r->total);
    EXPECT_EQ(last.threads, 2U);
    EXPECT_GE(last.rate, 0.0);
    EXPECT_GE(reports.front().eta_s, 0.0);
}

TEST(GuessSearch, ProgressOnceAtTheEndOfAShortSearch) {
    const auto verifier = target("nope");
    int calls = 0;
    SearchProgress last;
    SearchOptions o = on_threads(1);
    o.progress_every_s = 3600;
    o.progress = [&](const SearchProgress& p) {
        ++calls;
        last = p;
    };
    const auto r = search(verifier, space("pin:3"), o);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(last.tested, 1000U);
    EXPECT_EQ(last.total, 1000U);
    EXPECT_EQ(last.eta_s, 0.0);
}

TEST(GuessSearch, ThrowingTesterIsAnErrorNamingTheVerifier) {
    for (const unsigned threads : {1U, 4U}) {
        const PredicateVerifier verifier([](std::string_view c) -> bool {
            if (c == "0500") throw std::runtime_error("boom");
            return false;
        });
        const auto r = search(verifier, space("pin:4"), on_threads(threads));
        ASSERT_FALSE(r.ok());
        const auto error = r.error().describe();
        EXPECT_NE(error.find("test predicate verifier"), std::string::npos) << error;
        EXPECT_NE(error.find("boom"), std::string::npos) << error;
        EXPECT_EQ(error.find("0500"), std::string::npos) << "a candidate leaked: " << error;
    }
}

TEST(GuessSearch, VerifierWithoutTesterIsAnError) {
    class NoTester final : public GuessVerifier {
        [[nodiscard]] std::string secret() const override { return "K"; }
        [[nodiscard]] std::string description() const override { return "tester-less verifier"; }
        [[nodiscard]] std::unique_ptr<GuessTester> tester() const override { return nullptr; }
        [[nodiscard]] Result<SecretBytes> derive(std::string_view) const override {
            return make_error("none");
        }
        [[nodiscard]] std::size_t key_len() const override { return 16; }
    };
    const NoTester verifier;
    const auto r = search(verifier, space("pin:2"), on_threads(2));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().describe().find("tester-less verifier"), std::string::npos);
    EXPECT_EQ(full_key_rate(verifier, 0.01, 1), 0.0);
}

TEST(GuessSearch, ThrowingProgressCallbackIsAnError) {
    const auto verifier = target("never");
    SearchOptions o = on_threads(2);
    o.progress = [](const SearchProgress&) { throw std::runtime_error("callback broke"); };
    const auto r = search(verifier, space("pin:4"), o);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().describe().find("callback broke"), std::string::npos);
}

TEST(GuessSearch, WordlistAndEmptySpace) {
    const test::TempDir dir;
    const auto path = dir.file("words.txt");
    {
        std::ofstream out(path, std::ios::binary);
        for (int i = 0; i < 500; ++i) out << "word" << i << "\r\n";
    }
    const auto verifier = target("word321");
    const auto r = search(verifier, space("wordlist:" + path), on_threads(3));
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(r->candidate.has_value());
    EXPECT_EQ(*r->candidate, "word321");
    EXPECT_EQ(r->index, 321U);

    const auto none = search(verifier, CandidateSpace{}, on_threads(2));
    ASSERT_TRUE(none.ok());
    EXPECT_EQ(none->total, 0U);
    EXPECT_EQ(none->tested, 0U);
    EXPECT_TRUE(none->exhausted);
}

TEST(GuessSearch, FullKeyRateTestsRandomKeysOnEveryThread) {
    std::atomic<int> zero_keys{0};
    const PredicateVerifier verifier([&](std::string_view key) {
        if (key == std::string(16, '\0')) zero_keys.fetch_add(1);
        return false;
    });
    const double rate = full_key_rate(verifier, 0.05, 2);
    EXPECT_GT(rate, 0.0);
    EXPECT_GE(verifier.calls.load(), 2U);  // at least one key per thread
    EXPECT_EQ(zero_keys.load(), 0);        // the keys are random, not a zeroed buffer

    const PredicateVerifier broken([](std::string_view) -> bool { throw std::logic_error("x"); });
    EXPECT_EQ(full_key_rate(broken, 0.01, 2), 0.0);
}

}  // namespace
}  // namespace mtc::attacks::guess
