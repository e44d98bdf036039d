// Events: what a role believes, in one schema for every protocol (ProVerif's vocabulary).
// Keys never appear in an event: a commit carries key_fp, an HMAC of the key under a
// per-run salt, so the claim checker can compare keys across roles without seeing them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocols/core/bytes.hpp"
#include "protocols/core/params.hpp"
#include "protocols/core/result.hpp"

namespace mtc {

namespace crypto {
class HmacSha256State;
}
class Clock;

enum class EventKind : std::uint8_t { begin, accept, commit, reject, error, crash };
std::string_view to_string(EventKind k);
std::optional<EventKind> event_kind_from_string(std::string_view s);

struct Event {
    std::int64_t ts_us = 0;
    std::string protocol;
    std::string variant;
    std::string role;
    std::string instance;
    std::uint64_t session = 0;
    EventKind kind = EventKind::begin;
    std::string peer;
    Params params;  // public values only (hex for bytes)
    std::optional<std::string> key_fp;
    std::optional<std::string> reason;
};

// One JSON object, no trailing newline; keys in a fixed order so output is byte-stable.
std::string to_json_line(const Event& e);
// Parses what to_json_line writes; an error names the bad member.
Result<Event> event_from_json(std::string_view line);

// Keyed fingerprint of key material: first 16 bytes of HMAC-SHA256(salt, "mtcfuzz-key-fp" || key),
// hex. The salt is per run; without it a fingerprint says nothing about the key.
class KeyFingerprinter {
public:
    explicit KeyFingerprinter(SecretBytes salt);
    ~KeyFingerprinter();
    KeyFingerprinter(const KeyFingerprinter&) = delete;
    KeyFingerprinter& operator=(const KeyFingerprinter&) = delete;
    // Thread-safe (the keyed state is only read).
    [[nodiscard]] std::string fingerprint(BytesView key) const;

private:
    // The salt-keyed HMAC state is set up once: re-keying per commit cost as much as the
    // handshake's own MICs.
    std::unique_ptr<const crypto::HmacSha256State> mac_;
};

class EventSink {
public:
    virtual ~EventSink() = default;
    virtual void emit(const Event& e) = 0;
    // An event the caller no longer needs (EventEmitter's): a sink that keeps events takes it
    // without a copy (an event is a dozen allocations, and fuzz targets emit on every frame).
    virtual void take(Event&& e) { emit(e); }
};

// Writes JSON Lines to a stream (thread-safe; flushes per line so a crash loses nothing).
class JsonlSink final : public EventSink {
public:
    explicit JsonlSink(std::ostream& out) : out_(out) {}
    void emit(const Event& e) override;

private:
    std::mutex mu_;
    std::ostream& out_;
};

// Keeps events in memory (simulation summaries, tests, fuzz oracles).
class MemorySink final : public EventSink {
public:
    void emit(const Event& e) override { events.push_back(e); }
    void take(Event&& e) override { events.push_back(std::move(e)); }
    std::vector<Event> events;
};

// Fans out to several sinks.
class TeeSink final : public EventSink {
public:
    void add(EventSink& s) { sinks_.push_back(&s); }
    void emit(const Event& e) override {
        for (EventSink* s : sinks_) s->emit(e);
    }

private:
    std::vector<EventSink*> sinks_;
};

// What a role uses to report: stamps protocol/variant/role/instance/time on each event and
// turns keys into fingerprints before anything leaves the role.
class EventEmitter {
public:
    EventEmitter(std::string protocol, std::string variant, std::string role, std::string instance,
                 const Clock& clock, EventSink& sink, const KeyFingerprinter& fp);

    using Params = mtc::Params;
    void begin(std::uint64_t session, std::string_view peer, Params params);
    void accept(std::uint64_t session, std::string_view peer, Params params);
    void commit(std::uint64_t session, std::string_view peer, Params params, BytesView key);
    void reject(std::uint64_t session, std::string_view peer, std::string_view reason,
                Params params = {});
    void error(std::uint64_t session, std::string_view reason);

    [[nodiscard]] const std::string& role() const { return role_; }
    [[nodiscard]] const std::string& instance() const { return instance_; }

private:
    Event make(std::uint64_t session, EventKind kind, std::string_view peer, Params params) const;
    std::string protocol_, variant_, role_, instance_;
    const Clock& clock_;
    EventSink& sink_;
    const KeyFingerprinter& fp_;
};

}  // namespace mtc
