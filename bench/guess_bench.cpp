// Off-line key guessing speed against this CPU's physical limit, in one run (issue 10).
//
//   build/release/bench/bench_guess [--seconds S] [--reps N] [--json]
//
// The verifier is ProSe's: the MTCdMIC of the M1 of an honest weak-key run (in process), where a
// PIN check is the KBKDF block of PSKey and the HMAC-SHA256 MIC. Measured:
//   raw       SHA-256 compressions per second on one core: SHA256_Update over a 64 KiB buffer
//             (bytes / 64), and one block at a time with SHA256_Transform; the limit is the
//             higher of the two
//   verifier  GuessVerifier::tester()->test over PINs on one thread, and its efficiency:
//             tests/s x compressions_per_test / limit (goal >= 0.5)
//   search    attacks::guess::search on 1 and 2 threads over a space that does not hold the
//             PIN (7-digit PINs, time-limited), and the ratio 2 / 1 (goal >= 1.8)
//   baselines the same check with a fresh EVP_MAC context per HMAC, with two reused EVP_MAC
//             contexts re-keyed per candidate (both OpenSSL's HMAC, here in the bench), and the
//             generic path a protocol calls (pskey_from_pin and compute_mtcd_mic)
// Every method must find the real PIN before it is timed (the PIN itself is never printed).
//
// Shared machines: single-thread rates are per second of the thread's CPU time
// (CLOCK_THREAD_CPUTIME_ID), so that other load does not bend the efficiency. The search is
// timed both ways: per wall second (what a user gets now; needs idle cores to scale) and per
// second of the process's CPU time, whose 2-thread / 1-thread ratio, times 2, is the scaling
// the search would show on two idle cores (it exposes contention, not the machine's load). The
// raw rate of 2 threads hashing at once, per wall second, says how idle the cores were. Every
// figure is the best of N runs (default 3) of S seconds each (default 0.5). Figures are
// printed, never asserted: the ratios are what compares across machines.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <memory>
#include <numeric>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include "attacks/guess/candidates.hpp"
#include "attacks/guess/search.hpp"
#include "protocols/core/codec.hpp"
#include "protocols/core/crypto/hash.hpp"
#include "protocols/core/event.hpp"
#include "protocols/core/inproc_network.hpp"
#include "protocols/core/rng.hpp"
#include "protocols/prose/primitives.hpp"
#include "protocols/prose/schema.hpp"
#include "protocols/prose/spec.hpp"

namespace {

using namespace mtc;

[[noreturn]] void fail(const std::string& why) {
    std::fprintf(stderr, "bench_guess: %s\n", why.c_str());
    std::exit(3);
}

// OpenSSL's HMAC-SHA256 through EVP_MAC, for the baselines (the project's own HMAC is
// HmacSha256State, which the verifier uses): the algorithm fetched once, a context keyed per
// key. fresh_hmac() is a context per MAC, as a one-shot call through EVP costs.
class EvpHmac {
public:
    EvpHmac() : ctx_(EVP_MAC_CTX_new(alg())) {
        if (ctx_ == nullptr) fail("EVP_MAC_CTX_new(HMAC)");
    }
    ~EvpHmac() { EVP_MAC_CTX_free(ctx_); }
    EvpHmac(const EvpHmac&) = delete;
    EvpHmac& operator=(const EvpHmac&) = delete;

    void set_key(BytesView key) {
        char digest[] = "SHA256";
        const OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
            OSSL_PARAM_construct_end()};
        if (EVP_MAC_init(ctx_, key.data(), key.size(), params) != 1) fail("EVP_MAC_init");
    }
    crypto::Digest mac(BytesView data) {
        crypto::Digest out{};
        std::size_t len = 0;
        if (EVP_MAC_init(ctx_, nullptr, 0, nullptr) != 1 ||
            EVP_MAC_update(ctx_, data.data(), data.size()) != 1 ||
            EVP_MAC_final(ctx_, out.data(), &len, out.size()) != 1 || len != out.size())
            fail("EVP_MAC");
        return out;
    }

private:
    static EVP_MAC* alg() {
        static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
        return mac;
    }
    EVP_MAC_CTX* ctx_;
};

crypto::Digest fresh_hmac(BytesView key, BytesView data) {
    EvpHmac h;
    h.set_key(key);
    return h.mac(data);
}

// Seconds on a clock: CLOCK_MONOTONIC (wall), CLOCK_THREAD_CPUTIME_ID, CLOCK_PROCESS_CPUTIME_ID.
double now_s(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

template <typename F>
double best_of(int reps, F&& f) {
    double best = 0;
    for (int i = 0; i < reps; ++i) best = std::max(best, f());
    return best;
}

// The 1-minute load average, or -1 when unknown.
double load_average() {
    std::ifstream f("/proc/loadavg");
    double load = -1;
    if (!(f >> load)) return -1;
    return load;
}

// Calls `step(n)` (which does n units of work) in growing batches until `seconds` have passed
// on `clock`; returns units per second of it.
double rate_of(double seconds, clockid_t clock, const std::function<void(std::uint64_t)>& step) {
    std::uint64_t done = 0;
    std::uint64_t batch = 256;
    const double t0 = now_s(clock);
    double elapsed = 0;
    while (elapsed < seconds) {
        step(batch);
        done += batch;
        elapsed = now_s(clock) - t0;
        if (elapsed < seconds / 20) batch *= 2;
    }
    return static_cast<double>(done) / elapsed;
}

// ---- the physical limit ------------------------------------------------------------------

double raw_compressions_per_s(double seconds, clockid_t clock) {
    constexpr std::size_t kBuf = std::size_t{64} * 1024;
    alignas(64) static const std::array<unsigned char, kBuf> buf{};
    SHA256_CTX c;
    SHA256_Init(&c);
    const double buffers_per_s = rate_of(seconds, clock, [&c](std::uint64_t n) {
        for (std::uint64_t i = 0; i < n; ++i) SHA256_Update(&c, buf.data(), buf.size());
    });
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256_Final(md, &c);
    constexpr double kBlocksPerBuffer = static_cast<double>(kBuf) / SHA256_CBLOCK;
    return buffers_per_s * kBlocksPerBuffer;
}

// The bulk rate per wall second summed over `threads` threads hashing at once: what the
// machine gives a parallel search right now (idle cores, shared units, other load).
double raw_parallel_per_s(unsigned threads, double seconds) {
    std::vector<double> rates(threads);
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
        pool.emplace_back(
            [&rates, t, seconds] { rates[t] = raw_compressions_per_s(seconds, CLOCK_MONOTONIC); });
    }
    for (std::thread& th : pool) th.join();
    return std::accumulate(rates.begin(), rates.end(), 0.0);
}

double transform_per_s(double seconds) {
    alignas(64) static const std::array<unsigned char, SHA256_CBLOCK> block{};
    SHA256_CTX c;
    SHA256_Init(&c);
    return rate_of(seconds, CLOCK_THREAD_CPUTIME_ID, [&c](std::uint64_t n) {
        for (std::uint64_t i = 0; i < n; ++i) SHA256_Transform(&c, block.data());
    });
}

// ---- the verifier -------------------------------------------------------------------------

struct Capture {
    Deployment d;
    Message m1;
    std::string pin;  // secret: only ever compared
};

// One honest weak-key run on the in-process network; the M1 as it travelled.
Capture honest_run() {
    const ProtocolSpec& spec = prose::spec();
    DeploymentOptions o;
    o.profile = "weak-key";
    SeededRng rng(2024, "provision");
    auto dep = spec.provision(o, rng);
    if (!dep) fail("provision: " + dep.error().describe());
    Capture c;
    c.d = std::move(dep).value();
    ManualClock clock{1'735'689'600'000'000};
    KeyFingerprinter fp{SecretBytes(32, 0x3c)};
    MemorySink sink;
    InProcConfig cfg;
    cfg.seed = 2024;
    cfg.clock = &clock;
    cfg.manual_clock = &clock;
    cfg.sink = &sink;
    cfg.fingerprinter = &fp;
    InProcNetwork net(spec, c.d, cfg);
    std::optional<Message> m1;
    net.set_hook([&m1, &spec](Frame f) {
        auto m = decode(*spec.schema, view(f.bytes));
        if (m && m->type == prose::M1 && !m1) m1 = *m;
        return std::vector<Frame>{std::move(f)};
    });
    net.start("MTCd#0");
    net.run();
    const auto commits = std::count_if(sink.events.begin(), sink.events.end(),
                                       [](const Event& e) { return e.kind == EventKind::commit; });
    if (!m1 || commits < 3) fail("the honest run did not complete");
    c.m1 = *m1;
    c.pin = to_string(view(c.d.find("MTCd#0")->creds.secrets.at("PIN")));
    return c;
}

// 000000, 000001, ...: the PIN space without formatting a number per candidate.
class PinOdometer {
public:
    std::string_view next() {
        for (std::size_t i = digits_.size(); i-- > 0;) {
            if (digits_[i] != '9') {
                ++digits_[i];
                break;
            }
            digits_[i] = '0';
        }
        return {digits_.data(), digits_.size()};
    }

private:
    std::array<char, 6> digits_ = {'9', '9', '9', '9', '9', '9'};  // next() gives 000000 first
};

// A PIN check: true when `pin` is the device's.
using Check = std::function<bool(std::string_view pin)>;

// Checks that `check` finds the real PIN (and not a wrong one), then times it over PINs.
double pin_rate(const Capture& c, double seconds, const Check& check, const char* what) {
    std::string wrong = c.pin;
    wrong[0] = wrong[0] == '9' ? '0' : static_cast<char>(wrong[0] + 1);
    if (!check(c.pin) || check(wrong)) fail(std::string(what) + " does not find the PIN");
    PinOdometer pins;
    return rate_of(seconds, CLOCK_THREAD_CPUTIME_ID, [&](std::uint64_t n) {
        for (std::uint64_t i = 0; i < n; ++i) (void)check(pins.next());
    });
}

// KBKDF block 1 of the weak-key KDF (crypto/kdf.hpp layout), for the EVP baselines only; each
// baseline first proves it finds the PIN, which checks this layout too.
Bytes prf_input(const Message& m1) {
    Bytes in;
    put_u32(in, 1);
    const std::string_view label = prose::kPskeyFromPinLabel;
    in.insert(in.end(), label.begin(), label.end());
    in.push_back(0);
    const BytesView id = m1.get_or_empty(prose::MTCdID);
    in.insert(in.end(), id.begin(), id.end());
    put_u32(in, static_cast<std::uint32_t>(prose::kPSKeyLen * 8));
    return in;
}

// ---- output -------------------------------------------------------------------------------

struct Row {
    std::string name;
    double per_s;
    double of_limit;  // compressions per second as a share of the limit
};

struct SearchRate {
    double wall = 0;  // tests per wall second
    double cpu = 0;   // tests per second of the process's CPU time
};

std::string si(double x) {
    char b[32];
    if (x >= 1e6) {
        std::snprintf(b, sizeof b, "%.3f M", x / 1e6);
    } else {
        std::snprintf(b, sizeof b, "%.1f k", x / 1e3);
    }
    return b;
}

}  // namespace

int main(int argc, char** argv) {
    double seconds = 0.5;
    int reps = 3;
    bool json = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--json") {
            json = true;
        } else if (a == "--seconds" && i + 1 < argc) {
            seconds = std::strtod(argv[++i], nullptr);
            if (!(seconds > 0 && seconds < 3600)) fail("--seconds: between 0 and 3600");
        } else if (a == "--reps" && i + 1 < argc) {
            const std::string_view n = argv[++i];
            const auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), reps);
            if (ec != std::errc() || end != n.data() + n.size() || reps < 1 || reps > 100)
                fail("--reps: between 1 and 100");
        } else {
            std::fprintf(stderr, "usage: bench_guess [--seconds S] [--reps N] [--json]\n");
            return 2;
        }
    }

    const Capture cap = honest_run();
    const GuessRecipe& recipe = prose::spec().recipes.guesses.at(0);
    GuessInputs in;
    in.observations.push_back({1, &cap.m1, false});
    auto verifiers = recipe.find(in);
    if (verifiers.size() != 1) fail("no verifier in the honest M1");
    const GuessVerifier& v = *verifiers[0];
    const double cpt = v.compressions_per_test();

    // (a) the physical limit
    const double load = load_average();
    const double bulk =
        best_of(reps, [&] { return raw_compressions_per_s(seconds, CLOCK_THREAD_CPUTIME_ID); });
    const double transform = best_of(reps, [&] { return transform_per_s(seconds); });
    const double limit = std::max(bulk, transform);
    const double bulk_wall = best_of(reps, [&] { return raw_parallel_per_s(1, seconds); });
    const double bulk2_wall = best_of(reps, [&] { return raw_parallel_per_s(2, seconds); });

    // (b) the verifier, one thread
    auto tester = v.tester();
    const double verifier = best_of(reps, [&] {
        return pin_rate(
            cap, seconds, [&](std::string_view p) { return tester->test(p); }, "the verifier");
    });
    const double efficiency = verifier * cpt / limit;

    // (c) search() on 1 and 2 threads, over a space without the PIN
    auto space = attacks::guess::CandidateSpace::pin(7);
    if (!space) fail(space.error().describe());
    SearchRate search[2];
    for (unsigned t = 1; t <= 2; ++t) {
        for (int i = 0; i < reps; ++i) {
            attacks::guess::SearchOptions so;
            so.threads = t;
            so.time_limit_s = 2 * seconds;
            const double cpu0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
            auto r = attacks::guess::search(v, *space, so);
            const double cpu = now_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
            if (!r) fail("search: " + r.error().describe());
            if (r->candidate) fail("search hit a 7-digit candidate");
            if (r->threads != t) fail("search ran another number of threads");
            search[t - 1].wall = std::max(search[t - 1].wall, r->rate);
            search[t - 1].cpu = std::max(search[t - 1].cpu, static_cast<double>(r->tested) / cpu);
        }
    }
    const double scaling_wall = search[1].wall / search[0].wall;
    const double scaling_idle = 2 * search[1].cpu / search[0].cpu;

    // (d) baselines
    const Bytes kdf_in = prf_input(cap.m1);
    const Bytes mic_in = prose::mtcd_mic_input(cap.m1);
    const Bytes mic = to_bytes(cap.m1.get_or_empty(prose::MTCdMIC));
    auto mic_matches = [&mic](const crypto::Digest& d) {
        return std::memcmp(d.data(), mic.data(), std::min(d.size(), mic.size())) == 0;
    };
    const double fresh_evp = best_of(reps, [&] {
        return pin_rate(
            cap, seconds,
            [&](std::string_view p) {
                const crypto::Digest k = fresh_hmac(view(p), view(kdf_in));
                return mic_matches(fresh_hmac(BytesView(k).first(prose::kPSKeyLen), view(mic_in)));
            },
            "fresh EVP_MAC");
    });
    EvpHmac prf;
    EvpHmac mac;
    const double reused_evp = best_of(reps, [&] {
        return pin_rate(
            cap, seconds,
            [&](std::string_view p) {
                prf.set_key(view(p));
                const crypto::Digest k = prf.mac(view(kdf_in));
                mac.set_key(BytesView(k).first(prose::kPSKeyLen));
                return mic_matches(mac.mac(view(mic_in)));
            },
            "reused EVP_MAC");
    });
    const std::string mtcd_id = to_string(cap.m1.get_or_empty(prose::MTCdID));
    const double generic = best_of(reps, [&] {
        return pin_rate(
            cap, seconds,
            [&](std::string_view p) {
                auto k = prose::pskey_from_pin(p, mtcd_id);
                if (!k) return false;
                auto t = prose::compute_mtcd_mic(view(*k), cap.m1);
                return t && *t == mic;
            },
            "generic");
    });

    const std::vector<Row> rows = {
        {"raw SHA-256 compressions, bulk", bulk, bulk / limit},
        {"raw SHA-256 compressions, SHA256_Transform", transform, transform / limit},
        {"verifier tests", verifier, efficiency},
        {"baseline: fresh EVP_MAC per HMAC", fresh_evp, fresh_evp * cpt / limit},
        {"baseline: reused EVP_MAC", reused_evp, reused_evp * cpt / limit},
        {"baseline: generic (pskey_from_pin + compute_mtcd_mic)", generic, generic * cpt / limit},
    };

    if (json) {
        nlohmann::json j;
        j["verifier"] = v.description();
        j["compressions_per_test"] = cpt;
        j["seconds_per_run"] = seconds;
        j["runs_per_figure"] = reps;
        j["load_average_1min"] = load;
        j["hardware_threads"] = std::thread::hardware_concurrency();
        j["per_cpu_second"] = {{"limit_compressions", limit},
                               {"bulk_compressions", bulk},
                               {"transform_compressions", transform},
                               {"verifier_tests", verifier},
                               {"fresh_evp_mac_tests", fresh_evp},
                               {"reused_evp_mac_tests", reused_evp},
                               {"generic_tests", generic},
                               {"search_1_thread_tests", search[0].cpu},
                               {"search_2_threads_tests", search[1].cpu}};
        j["per_wall_second"] = {{"bulk_1_thread_compressions", bulk_wall},
                                {"bulk_2_threads_compressions", bulk2_wall},
                                {"search_1_thread_tests", search[0].wall},
                                {"search_2_threads_tests", search[1].wall}};
        j["efficiency"] = efficiency;
        j["scaling_wall"] = scaling_wall;
        j["scaling_idle_cores"] = scaling_idle;
        j["raw_scaling_wall"] = bulk2_wall / bulk_wall;
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }
    const unsigned hw = std::thread::hardware_concurrency();
    std::printf("verifier: %s\n", v.description().c_str());
    std::printf("SHA-256 compressions per PIN test: %.0f\n", cpt);
    std::printf("best of %d runs of %.2f s; load average %.2f on %u hardware threads\n\n", reps,
                seconds, load, hw);
    std::printf("one thread, per CPU second                         per second  x limit\n");
    for (const Row& r : rows) {
        std::printf("  %-46s %12s %8.2f\n", r.name.c_str(), si(r.per_s).c_str(), r.of_limit);
    }
    std::printf("\nsearch(), tests per second            per wall second  per CPU second\n");
    for (unsigned t = 0; t < 2; ++t) {
        std::printf("  %u thread%s %36s %15s\n", t + 1, t == 0 ? " " : "s",
                    si(search[t].wall).c_str(), si(search[t].cpu).c_str());
    }
    std::printf("\nefficiency (verifier, 1 thread): %.2f of the limit (goal >= 0.5)\n", efficiency);
    std::printf(
        "scaling 1 -> 2 threads: %.2fx on two idle cores (from CPU time; goal >= 1.8), "
        "%.2fx in wall time now\n",
        scaling_idle, scaling_wall);
    std::printf("cores now: raw hashing on 2 threads gives %.2fx the wall rate of 1\n",
                bulk2_wall / bulk_wall);
    std::printf("verifier vs fresh EVP_MAC: %.1fx, vs reused EVP_MAC: %.1fx\n",
                verifier / fresh_evp, verifier / reused_evp);
    return 0;
}
