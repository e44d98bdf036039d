// ProSe handshakes per second in process (roles + codec + events over the in-process
// network), against the same handshake's crypto calls alone. The ratio crypto/handshake says
// how much the framework adds on top of the cryptography (goal: under 20%).
//
//   build/release/bench/bench_prose
//
// The crypto-only loop makes exactly the calls one honest basic-mode handshake makes:
// 3 random draws (session id, MTCdNonce, MTCsNonce), MTCdMIC computed (MTCd) and verified
// (MTCs), MTCsMIC computed (MTCs) and verified (MTCd), DMKey derived twice (MTCs, MTCd), on
// inputs of the same sizes.
#include <cstdio>
#include <map>

#include <benchmark/benchmark.h>

#include "protocols/core/clock.hpp"
#include "protocols/core/crypto/hash.hpp"
#include "protocols/core/crypto/kdf.hpp"
#include "protocols/core/inproc_network.hpp"
#include "protocols/core/rng.hpp"
#include "protocols/prose/primitives.hpp"
#include "protocols/prose/schema.hpp"
#include "protocols/prose/spec.hpp"

namespace {

using namespace mtc;

class CountingSink final : public EventSink {
public:
    void emit(const Event& /*e*/) override { ++n; }
    std::size_t n = 0;
};

void BM_ProseHandshake(benchmark::State& state) {
    OsRng rng;
    DeploymentOptions o;
    auto d = prose::spec().provision(o, rng);
    SystemClock clock;
    CountingSink sink;
    KeyFingerprinter fp(rng.secret_bytes(32));
    InProcConfig cfg;
    cfg.clock = &clock;
    cfg.sink = &sink;
    cfg.fingerprinter = &fp;
    InProcNetwork net(prose::spec(), *d, cfg);
    for (auto _ : state) {
        net.start("MTCd#0");
        net.run();
    }
    // 9 events per honest handshake: anything else means the bench measured a failure.
    if (sink.n != 9 * static_cast<std::size_t>(state.iterations()))
        state.SkipWithError("handshakes did not all complete");
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ProseHandshake);

void BM_ProseCryptoOnly(benchmark::State& state) {
    OsRng rng;
    const SecretBytes psk = rng.secret_bytes(prose::kPSKeyLen);
    // MIC and KDF inputs of an honest run (ids "mtcd-0", "mtcs-0", "ue-0", 16-byte nonces,
    // MTCdInfo {1}, {1,2}; MTCsInfo {1}, "usage=d2d", 8-byte expiry).
    const Bytes nonce(16, 0xaa), id_d = to_bytes("mtcd-0"), id_s = to_bytes("mtcs-0"),
                                 id_u = to_bytes("ue-0");
    const Bytes dinfo = encode_list({Bytes{1}, Bytes{1, 2}, {}, {}});
    const Bytes sinfo = encode_list({Bytes{1}, to_bytes("usage=d2d"), Bytes(8, 0)});
    const Bytes mtcd_in = encode_list({id_d, id_s, id_u, nonce, dinfo});
    const Bytes mtcs_in = encode_list({id_d, id_s, nonce, nonce, id_u, dinfo, sinfo});
    const Bytes kdf_ctx = encode_list({id_d, id_s, nonce, nonce, id_u});
    const std::string_view label = "ProSe DMKey";
    std::array<std::uint8_t, 16> r16{};
    std::array<std::uint8_t, 8> r8{};
    for (auto _ : state) {
        rng.fill(r8);
        rng.fill(r16);
        rng.fill(r16);
        for (int i = 0; i < 2; ++i) {
            benchmark::DoNotOptimize(crypto::hmac_sha256(view(psk), mtcd_in));
            benchmark::DoNotOptimize(crypto::hmac_sha256(view(psk), mtcs_in));
            benchmark::DoNotOptimize(crypto::kbkdf_counter(crypto::KbkdfPrf::hmac_sha256, view(psk),
                                                           view(label), kdf_ctx, 32));
        }
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ProseCryptoOnly);

// Prints the benchmarks as usual, then the ratio the issue asks for, from the same run.
class RatioReporter final : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const auto& r : runs) {
            if (r.aggregate_name.empty() || r.aggregate_name == "median") {
                cpu_ns[r.run_name.function_name] = r.GetAdjustedCPUTime();
            }
        }
        ConsoleReporter::ReportRuns(runs);
    }
    std::map<std::string, double> cpu_ns;
};

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    const auto hs = reporter.cpu_ns.find("BM_ProseHandshake");
    const auto cr = reporter.cpu_ns.find("BM_ProseCryptoOnly");
    if (hs != reporter.cpu_ns.end() && cr != reporter.cpu_ns.end() && cr->second > 0) {
        std::printf(
            "\nProSe in process: %.0f handshakes/s; crypto alone %.0f/s\n"
            "crypto share of a handshake: %.2f; framework (codec, roles, events) adds %.0f%% "
            "on top of the crypto (goal: under 20%%)\n",
            1e9 / hs->second, 1e9 / cr->second, cr->second / hs->second,
            100.0 * (hs->second / cr->second - 1.0));
    }
    benchmark::Shutdown();
    return 0;
}
