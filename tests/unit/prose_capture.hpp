// Honest ProSe runs on the in-process network (what simulate() runs on) with every frame in
// flight recorded under its run's label: the attacker's view that the knowledge, claim checker
// and strategy tests start from.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "protocols/core/clock.hpp"
#include "protocols/core/event.hpp"
#include "protocols/core/inproc_network.hpp"
#include "protocols/core/registry.hpp"
#include "protocols/core/rng.hpp"

namespace mtc::test {

inline const ProtocolSpec& prose_spec() {
    const ProtocolSpec* p = find_protocol("prose");
    if (p == nullptr) std::abort();
    return *p;
}

struct CapturedFrame {
    Frame frame;
    std::string run;
    std::int64_t ts_us = 0;
};

struct ProseCapture {
    ManualClock clock{1'735'689'600'000'000};
    KeyFingerprinter fp{SecretBytes(32, 0x3c)};
    MemorySink sink;
    Deployment d;
    std::vector<CapturedFrame> frames;
    std::vector<std::size_t> ends;  // sink.events[ends[i-1], ends[i]) belong to run i

    // Provisions with `seed`, then plays one run per label, run i started at
    // initiators[i % n] (every MTCd instance in turn when `initiators` is empty).
    ProseCapture(std::uint64_t seed, const DeploymentOptions& o,
                 const std::vector<std::string>& labels, std::vector<std::string> initiators = {}) {
        SeededRng rng(seed, "provision");
        auto dep = prose_spec().provision(o, rng);
        EXPECT_TRUE(dep.ok()) << (dep.ok() ? "" : dep.error().describe());
        if (!dep.ok()) return;
        d = std::move(dep).value();
        InProcNetwork net(prose_spec(), d, seeded_config(seed, clock, sink, fp));
        std::string run;
        net.set_hook([this, &run](Frame f) {
            frames.push_back(CapturedFrame{f, run, clock.now_us()});
            return std::vector<Frame>{std::move(f)};
        });
        if (initiators.empty()) initiators = net.instances_of("MTCd");
        for (std::size_t i = 0; i < labels.size(); ++i) {
            run = labels[i];
            net.start(initiators.at(i % initiators.size()));
            net.run();
            ends.push_back(sink.events.size());
        }
    }

    static std::vector<std::string> numbered(std::size_t n) {
        std::vector<std::string> out;
        for (std::size_t i = 0; i < n; ++i) out.push_back("run-" + std::to_string(i));
        return out;
    }
};

}  // namespace mtc::test
