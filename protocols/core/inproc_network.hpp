// A perfect in-process network for a Deployment: every role instance lives in this process,
// frames are encoded on send and decoded on receipt exactly as on the wire, and links the
// spec marks secure hand the receiver the sender's identity (as mutual TLS would).
// Delivery is FIFO and deterministic. An optional hook sees every frame in flight, which is
// where fuzz targets and the attacker engine take over the network.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocols/core/clock.hpp"
#include "protocols/core/event.hpp"
#include "protocols/core/role.hpp"
#include "protocols/core/spec.hpp"

namespace mtc {

struct Frame {
    Address from;
    Address to;
    Bytes bytes;
    bool secure = false;  // travels over a link the spec marks secure
};

struct InProcConfig {
    std::optional<std::uint64_t> seed;  // per-instance DRBG streams when set, OS DRBG otherwise
    const Clock* clock = nullptr;
    EventSink* sink = nullptr;
    const KeyFingerprinter* fingerprinter = nullptr;
    // When set (it is then also `clock`), advanced by hop_us per hop so that seeded runs have
    // reproducible, ordered timestamps.
    ManualClock* manual_clock = nullptr;
    std::int64_t hop_us = 100;
};

// 2025-01-01T00:00:00Z: where simulated time starts in seeded runs (simulation, fuzz targets).
inline constexpr std::int64_t kSeededEpochUs = 1'735'689'600'000'000;

// A fully deterministic configuration: per-instance DRBG streams from `seed`, time from
// `clock` (advanced per hop), events to `sink`.
InProcConfig seeded_config(std::uint64_t seed, ManualClock& clock, EventSink& sink,
                           const KeyFingerprinter& fingerprinter);

class InProcNetwork {
public:
    // What the hook returns for a frame in flight: the frames to deliver instead (empty: drop).
    using Hook = std::function<std::vector<Frame>(Frame)>;

    InProcNetwork(const ProtocolSpec& spec, const Deployment& deployment, InProcConfig config);

    [[nodiscard]] Role* role(const std::string& instance);
    [[nodiscard]] std::vector<std::string> instances_of(const std::string& role) const;
    void set_hook(Hook hook) { hook_ = std::move(hook); }

    // Asks an initiator instance to begin a run; its first frames are queued.
    void start(const std::string& instance);
    // Queues a raw frame, as an attacker or fuzzer injects it.
    void inject(Frame frame);
    // Delivers queued frames (and what they cause) until the queue is empty or `max_frames`
    // were delivered. Returns the number delivered.
    std::size_t run(std::size_t max_frames = 1'000'000);
    [[nodiscard]] std::size_t pending() const { return queue_.size(); }

private:
    void send(const std::string& from_instance, std::vector<Outbound> out);
    void advance_clock();

    const ProtocolSpec& spec_;
    InProcConfig config_;
    std::map<std::string, std::unique_ptr<Role>> roles_;  // by instance name
    std::map<std::string, std::string> role_of_;          // instance -> role name
    std::map<std::string, std::string> identity_of_;      // instance -> identity
    std::deque<Frame> queue_;
    Hook hook_;
};

}  // namespace mtc
