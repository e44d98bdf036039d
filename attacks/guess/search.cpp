#include "attacks/guess/search.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "protocols/core/rng.hpp"

namespace mtc::attacks::guess {
namespace {

using Clock = std::chrono::steady_clock;

// At most this many candidates per chunk, so that a stop reaches every thread quickly; small
// spaces get smaller chunks so that every thread still has work.
constexpr std::uint64_t kMaxChunk = 4096;
constexpr std::uint64_t kChunksPerThread = 8;
// Tested counts are published every so many candidates rather than per candidate: a shared
// counter written by every core on every test would cost more than the test.
constexpr std::uint64_t kPublishEvery = 256;
constexpr std::uint64_t kNoHit = std::numeric_limits<std::uint64_t>::max();
constexpr std::size_t kRandomKeys = 256;  // full_key_rate cycles through this many keys
// Longer waits than this are treated as "forever" (and keep duration arithmetic in range).
constexpr double kMaxSeconds = 1e9;

Clock::duration to_duration(double seconds) {
    const double s = std::clamp(seconds, 0.0, kMaxSeconds);
    if (!(s > 0)) return Clock::duration::zero();  // also NaN, which clamp passes through
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

unsigned resolve_threads(unsigned requested, std::uint64_t work) {
    std::uint64_t n = requested != 0 ? requested : std::thread::hardware_concurrency();
    n = std::min(n, work);
    return static_cast<unsigned>(std::max<std::uint64_t>(n, 1));
}

std::string exception_text(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        return x.what();
    } catch (...) {
        return "unknown exception";
    }
}

// Every thread's own tester; a verifier that cannot make one fails the thread like a throw.
std::unique_ptr<GuessTester> make_tester(const GuessVerifier& verifier) {
    auto tester = verifier.tester();
    if (!tester) throw std::runtime_error("tester() returned no tester");
    return tester;
}

// Everything the search threads share. Atomics are read relaxed: they are stop hints and
// counters; the hit itself is published under the mutex.
struct SearchState {
    SearchState(const GuessVerifier& v, const CandidateSpace& c) : verifier(v), space(c) {}

    const GuessVerifier& verifier;
    const CandidateSpace& space;
    std::uint64_t total = 0, chunk = 0, chunks = 0;

    std::atomic<std::uint64_t> next_chunk{0};
    std::atomic<std::uint64_t> tested{0};
    std::atomic<std::uint64_t> best{kNoHit};  // lowest hit index so far
    std::atomic<bool> halt{false};            // time limit, a failure: stop at once

    std::mutex mu;
    std::condition_variable all_done;
    unsigned running = 0;        // guarded by mu
    std::string hit;             // candidate number `best`, guarded by mu
    std::exception_ptr failure;  // first exception of a worker, guarded by mu

    void record_hit(std::uint64_t index, std::string_view candidate) {
        const std::lock_guard lock(mu);
        if (index >= best.load(std::memory_order_relaxed)) return;
        hit.assign(candidate);
        best.store(index, std::memory_order_relaxed);
    }
    void record_failure(std::exception_ptr e) {
        const std::lock_guard lock(mu);
        if (!failure) failure = std::move(e);
        halt.store(true, std::memory_order_relaxed);
    }
    void worker_done() {
        const std::lock_guard lock(mu);
        --running;
        all_done.notify_all();
    }
    // Whether candidate `index` still needs testing: not once halted, nor past a known hit
    // (indices below a hit still do, so the lowest hit wins whatever the scheduling).
    [[nodiscard]] bool wanted(std::uint64_t index) const {
        return !halt.load(std::memory_order_relaxed) &&
               index < best.load(std::memory_order_relaxed);
    }
};

void test_chunk(SearchState& s, GuessTester& tester, std::uint64_t begin, std::uint64_t end) {
    auto cursor = s.space.cursor(begin, end);
    std::string_view candidate;
    std::uint64_t unpublished = 0;
    for (std::uint64_t index = begin; s.wanted(index) && cursor.next(candidate); ++index) {
        const bool hit = tester.test(candidate);
        ++unpublished;
        if (hit) {
            s.record_hit(index, candidate);
            break;
        }
        if (unpublished == kPublishEvery) {
            s.tested.fetch_add(unpublished, std::memory_order_relaxed);
            unpublished = 0;
        }
    }
    s.tested.fetch_add(unpublished, std::memory_order_relaxed);
}

void run_worker(SearchState& s) {
    try {
        const auto tester = make_tester(s.verifier);
        for (;;) {
            const std::uint64_t c = s.next_chunk.fetch_add(1, std::memory_order_relaxed);
            if (c >= s.chunks) break;
            const std::uint64_t begin = c * s.chunk;
            if (!s.wanted(begin)) break;  // chunks are handed out in order: later ones too
            test_chunk(s, *tester, begin, std::min(begin + s.chunk, s.total));
        }
    } catch (...) {
        s.record_failure(std::current_exception());
    }
    s.worker_done();
}

SearchProgress snapshot(const SearchState& s, Clock::time_point start, unsigned threads,
                        bool finished) {
    SearchProgress p;
    p.tested = s.tested.load(std::memory_order_relaxed);
    p.total = s.total;
    p.elapsed_s = seconds_since(start);
    p.rate = p.elapsed_s > 0 ? static_cast<double>(p.tested) / p.elapsed_s : 0;
    if (!finished && p.rate > 0) p.eta_s = static_cast<double>(p.total - p.tested) / p.rate;
    p.threads = threads;
    return p;
}

// The calling thread's part: wakes for progress reports and the time limit until every worker
// has returned. Returns whether the time limit was reached.
bool supervise(SearchState& s, const SearchOptions& options, Clock::time_point start,
               unsigned threads) {
    const bool reporting = options.progress && options.progress_every_s > 0;
    const auto every = to_duration(options.progress_every_s);
    const bool limited = options.time_limit_s > 0;
    const auto deadline = start + to_duration(options.time_limit_s);
    auto next_report = start + every;
    bool timed_out = false;
    std::unique_lock lock(s.mu);
    const auto finished = [&] { return s.running == 0; };
    while (!finished()) {
        if (!reporting && (!limited || timed_out)) {
            s.all_done.wait(lock, finished);
            break;
        }
        auto wake = reporting ? next_report : deadline;
        if (limited && !timed_out) wake = std::min(wake, deadline);
        if (s.all_done.wait_until(lock, wake, finished)) break;
        const auto now = Clock::now();
        if (limited && now >= deadline && !timed_out) {
            timed_out = true;
            s.halt.store(true, std::memory_order_relaxed);
        }
        if (reporting && now >= next_report) {
            lock.unlock();
            options.progress(snapshot(s, start, threads, false));
            lock.lock();
            next_report = Clock::now() + every;
        }
    }
    return timed_out;
}

std::string safe_description(const GuessVerifier& verifier) {
    try {
        return verifier.description();
    } catch (...) {
        return "(no description)";
    }
}

}  // namespace

Result<SearchResult> search(const GuessVerifier& verifier, const CandidateSpace& space,
                            const SearchOptions& options) {
    SearchState s(verifier, space);
    s.total = space.size();
    const unsigned threads = resolve_threads(options.threads, s.total);
    s.chunk = std::clamp<std::uint64_t>(s.total / (threads * kChunksPerThread), 1, kMaxChunk);
    s.chunks = s.total / s.chunk + (s.total % s.chunk != 0 ? 1 : 0);

    const auto start = Clock::now();
    bool timed_out = false;
    std::exception_ptr stopped;  // the calling thread's own failure
    {
        // Declared after the state they use, so they are joined before it goes.
        std::vector<std::jthread> workers;
        try {
            workers.reserve(threads);
            for (unsigned t = 0; t < threads; ++t) {
                {
                    const std::lock_guard lock(s.mu);
                    ++s.running;
                }
                try {
                    workers.emplace_back([&s] { run_worker(s); });
                } catch (...) {
                    s.worker_done();  // the thread that did not start
                    throw;
                }
            }
            timed_out = supervise(s, options, start, threads);
            if (options.progress) options.progress(snapshot(s, start, threads, true));
        } catch (...) {
            // Cannot start a thread, or the progress callback threw: stop, then report it.
            stopped = std::current_exception();
            s.halt.store(true, std::memory_order_relaxed);
        }
    }  // joins every worker

    if (s.failure) {
        return make_error("guess verifier " + safe_description(verifier) +
                          " failed: " + exception_text(s.failure));
    }
    if (stopped) {
        return make_error("guess search with verifier " + safe_description(verifier) +
                          " stopped: " + exception_text(stopped));
    }
    SearchResult r;
    r.tested = s.tested.load();
    r.total = s.total;
    r.seconds = seconds_since(start);
    r.rate = r.seconds > 0 ? static_cast<double>(r.tested) / r.seconds : 0;
    r.threads = threads;
    if (s.best.load() != kNoHit) {
        r.candidate = std::move(s.hit);
        r.index = s.best.load();
    } else {
        r.exhausted = r.tested == r.total;
        r.timed_out = !r.exhausted && timed_out;
    }
    return r;
}

namespace {

// One thread of full_key_rate: keys tested per second until `stop` (at least one key).
double key_rate(const GuessVerifier& verifier, BytesView keys, std::size_t key_len,
                const std::atomic<bool>& stop) {
    const auto tester = make_tester(verifier);
    const auto start = Clock::now();
    std::uint64_t count = 0;
    std::size_t k = 0;
    do {
        (void)tester->test_key(keys.subspan(k * key_len, key_len));
        k = (k + 1) % kRandomKeys;
        ++count;
    } while (!stop.load(std::memory_order_relaxed));
    const double elapsed = seconds_since(start);
    return elapsed > 0 ? static_cast<double>(count) / elapsed : 0;
}

}  // namespace

// A verifier (or a thread) that fails makes the measurement meaningless: the rate is then 0.
double full_key_rate(const GuessVerifier& verifier, double seconds, unsigned threads) {
    const unsigned n = resolve_threads(threads, std::numeric_limits<std::uint64_t>::max());
    std::atomic<bool> stop{false};
    std::atomic<bool> failed{false};
    std::vector<double> rates(n, 0);
    try {
        const std::size_t key_len = verifier.key_len();
        if (key_len > std::numeric_limits<std::size_t>::max() / kRandomKeys) return 0;
        // Drawn before the clock starts: the rate is of test_key alone.
        const Bytes keys = OsRng().bytes(kRandomKeys * key_len);
        std::vector<std::jthread> workers;
        workers.reserve(n);
        try {
            for (unsigned t = 0; t < n; ++t) {
                workers.emplace_back([&, t] {
                    try {
                        rates[t] = key_rate(verifier, keys, key_len, stop);
                    } catch (...) {
                        failed.store(true);
                    }
                });
            }
            std::this_thread::sleep_for(to_duration(seconds));
        } catch (...) {
            failed.store(true);
        }
        stop.store(true);
    } catch (...) {  // key_len() or the random keys
        failed.store(true);
    }
    if (failed.load()) return 0;
    double total = 0;
    for (const double r : rates) total += r;
    return total;
}

}  // namespace mtc::attacks::guess
