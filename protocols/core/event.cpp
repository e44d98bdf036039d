#include "protocols/core/event.hpp"

#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "protocols/core/clock.hpp"
#include "protocols/core/crypto/hmac_state.hpp"

namespace mtc {

std::string_view to_string(EventKind k) {
    switch (k) {
        case EventKind::begin:
            return "begin";
        case EventKind::accept:
            return "accept";
        case EventKind::commit:
            return "commit";
        case EventKind::reject:
            return "reject";
        case EventKind::error:
            return "error";
        case EventKind::crash:
            return "crash";
    }
    return "unknown";
}

std::optional<EventKind> event_kind_from_string(std::string_view s) {
    for (EventKind k : {EventKind::begin, EventKind::accept, EventKind::commit, EventKind::reject,
                        EventKind::error, EventKind::crash}) {
        if (to_string(k) == s) return k;
    }
    return std::nullopt;
}

static std::string format_ts(std::int64_t us) {
    // Seconds with exactly six decimals, built from integers so output is byte-stable.
    const bool neg = us < 0;
    const std::uint64_t a =
        neg ? static_cast<std::uint64_t>(-(us + 1)) + 1 : static_cast<std::uint64_t>(us);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s%llu.%06llu", neg ? "-" : "",
                  static_cast<unsigned long long>(a / 1'000'000),
                  static_cast<unsigned long long>(a % 1'000'000));
    return buf;
}

static std::string session_hex(std::uint64_t s) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(s));
    return buf;
}

std::string to_json_line(const Event& e) {
    // nlohmann::ordered_json keeps insertion order, so the key order is the schema's.
    nlohmann::ordered_json j;
    j["protocol"] = e.protocol;
    j["variant"] = e.variant;
    j["role"] = e.role;
    j["instance"] = e.instance;
    j["session"] = session_hex(e.session);
    j["kind"] = std::string(to_string(e.kind));
    j["peer"] = e.peer;
    j["params"] = nlohmann::ordered_json::object();
    for (const auto& [k, v] : e.params) j["params"][k] = v;
    j["key_fp"] = e.key_fp ? nlohmann::ordered_json(*e.key_fp) : nlohmann::ordered_json(nullptr);
    j["reason"] = e.reason ? nlohmann::ordered_json(*e.reason) : nlohmann::ordered_json(nullptr);
    // Replace invalid UTF-8 rather than throw: reasons may quote attacker-chosen bytes.
    const std::string body =
        j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    // ts is spliced in as a fixed-point literal: a double would not keep microseconds exactly.
    return "{\"ts\":" + format_ts(e.ts_us) + "," + body.substr(1);
}

Result<Event> event_from_json(std::string_view line) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return make_error("event: not a JSON object");
    Event e;
    auto str = [&](const char* key, std::string& out) -> Status {
        auto it = j.find(key);
        if (it == j.end() || !it->is_string())
            return make_error(std::string("event: member '") + key + "' missing or not a string");
        out = it->get<std::string>();
        return Ok{};
    };
    auto opt_str = [&](const char* key, std::optional<std::string>& out) -> Status {
        auto it = j.find(key);
        if (it == j.end() || it->is_null()) return Ok{};
        if (!it->is_string())
            return make_error(std::string("event: member '") + key + "' is not a string or null");
        out = it->get<std::string>();
        return Ok{};
    };
    for (auto [k, out] : {std::pair{"protocol", &e.protocol}, std::pair{"variant", &e.variant},
                          std::pair{"role", &e.role}, std::pair{"instance", &e.instance},
                          std::pair{"peer", &e.peer}}) {
        if (auto s = str(k, *out); !s) return s.error();
    }
    std::string kind, session;
    if (auto s = str("kind", kind); !s) return s.error();
    if (auto k = event_kind_from_string(kind)) {
        e.kind = *k;
    } else {
        return make_error("event: unknown kind '" + kind + "'");
    }
    if (auto s = str("session", session); !s) return s.error();
    auto sb = from_hex(session);
    if (!sb || sb->size() != 8) return make_error("event: session must be 16 hex digits");
    e.session = get_u64(view(*sb), 0);
    auto ts = j.find("ts");
    if (ts == j.end() || !ts->is_number()) return make_error("event: member 'ts' missing");
    e.ts_us = static_cast<std::int64_t>(std::llround(ts->get<double>() * 1e6));
    if (auto p = j.find("params"); p != j.end()) {
        if (!p->is_object()) return make_error("event: member 'params' is not an object");
        for (const auto& [k, v] : p->items()) {
            if (!v.is_string()) return make_error("event: param '" + k + "' is not a string");
            e.params[k] = v.get<std::string>();
        }
    }
    if (auto s = opt_str("key_fp", e.key_fp); !s) return s.error();
    if (auto s = opt_str("reason", e.reason); !s) return s.error();
    return e;
}

KeyFingerprinter::KeyFingerprinter(SecretBytes salt)
    : mac_(std::make_unique<const crypto::HmacSha256State>(view(salt))) {}

KeyFingerprinter::~KeyFingerprinter() = default;

std::string KeyFingerprinter::fingerprint(BytesView key) const {
    static constexpr std::string_view kLabel = "mtcfuzz-key-fp";
    crypto::Digest mac{};
    mac_->mac({view(kLabel), key}, mac);  // HMAC(salt, label || key), without copying the key
    return to_hex(BytesView(mac.data(), 16));
}

void JsonlSink::emit(const Event& e) {
    const std::string line = to_json_line(e);
    std::lock_guard<std::mutex> lock(mu_);
    out_ << line << '\n';
    out_.flush();
}

EventEmitter::EventEmitter(std::string protocol, std::string variant, std::string role,
                           std::string instance, const Clock& clock, EventSink& sink,
                           const KeyFingerprinter& fp)
    : protocol_(std::move(protocol)),
      variant_(std::move(variant)),
      role_(std::move(role)),
      instance_(std::move(instance)),
      clock_(clock),
      sink_(sink),
      fp_(fp) {}

Event EventEmitter::make(std::uint64_t session, EventKind kind, std::string_view peer,
                         Params params) const {
    Event e;
    e.ts_us = clock_.now_us();
    e.protocol = protocol_;
    e.variant = variant_;
    e.role = role_;
    e.instance = instance_;
    e.session = session;
    e.kind = kind;
    e.peer = std::string(peer);
    e.params = std::move(params);
    return e;
}

void EventEmitter::begin(std::uint64_t session, std::string_view peer, Params params) {
    sink_.take(make(session, EventKind::begin, peer, std::move(params)));
}

void EventEmitter::accept(std::uint64_t session, std::string_view peer, Params params) {
    sink_.take(make(session, EventKind::accept, peer, std::move(params)));
}

void EventEmitter::commit(std::uint64_t session, std::string_view peer, Params params,
                          BytesView key) {
    Event e = make(session, EventKind::commit, peer, std::move(params));
    e.key_fp = fp_.fingerprint(key);
    sink_.take(std::move(e));
}

void EventEmitter::reject(std::uint64_t session, std::string_view peer, std::string_view reason,
                          Params params) {
    Event e = make(session, EventKind::reject, peer, std::move(params));
    e.reason = std::string(reason);
    sink_.take(std::move(e));
}

void EventEmitter::error(std::uint64_t session, std::string_view reason) {
    Event e = make(session, EventKind::error, "", {});
    e.reason = std::string(reason);
    sink_.take(std::move(e));
}

}  // namespace mtc
