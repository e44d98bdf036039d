// Small helpers shared by the ProSe roles (private to protocols/prose).
#pragma once

#include <charconv>
#include <string>

#include "protocols/core/event.hpp"
#include "protocols/core/message.hpp"
#include "protocols/core/role.hpp"
#include "protocols/prose/schema.hpp"

namespace mtc::prose {

inline std::string field_str(const Message& m, std::uint8_t tag) {
    return display(m.get_or_empty(tag));
}

// Public run parameters as events carry them; the claim checker matches these across roles.
// `m1` is M1/M2; `m3` is M3/M4 or nullptr before the MTCs answered.
inline EventEmitter::Params run_params(const Message& m1, const Message* m3 = nullptr) {
    // set() moves each value in (an initializer list's elements are const, so they would be
    // copied); every role emits these on every run, the fuzz targets tens of times per input.
    EventEmitter::Params p;
    p.reserve(5);
    p.set("MTCdID", field_str(m1, MTCdID));
    p.set("MTCsID", field_str(m1, MTCsID));
    p.set("UEID", field_str(m1, UEID));
    p.set("MTCdNonce", to_hex(m1.get_or_empty(MTCdNonce)));
    if (m3 != nullptr) p.set("MTCsNonce", to_hex(m3->get_or_empty(MTCsNonce)));
    return p;
}

// "1,2" -> {1, 2}; items that are not numbers in 1..255 are skipped (the spec's provisioning
// validates settings; this only keeps a role from acting on garbage).
inline Bytes parse_alg_list(const std::string& s, Bytes fallback) {
    Bytes out;
    std::size_t pos = 0;
    while (pos <= s.size()) {
        const std::size_t comma = std::min(s.find(',', pos), s.size());
        unsigned v = 0;
        const auto [end, ec] = std::from_chars(s.data() + pos, s.data() + comma, v);
        if (ec == std::errc() && end == s.data() + comma && v >= 1 && v <= 255) {
            out.push_back(static_cast<std::uint8_t>(v));
        }
        pos = comma + 1;
    }
    return out.empty() ? fallback : out;
}

inline std::string setting(const Env& env, const std::string& key, const std::string& fallback) {
    auto it = env.settings.find(key);
    return it == env.settings.end() ? fallback : it->second;
}

inline std::int64_t setting_int(const Env& env, const std::string& key, std::int64_t fallback) {
    const std::string s = setting(env, key, "");
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && end == s.data() + s.size() && !s.empty() ? v : fallback;
}

inline std::string msg_name(std::uint8_t type) {
    const auto* spec = schema().message(type);
    return spec != nullptr ? spec->name : "type " + std::to_string(type);
}

}  // namespace mtc::prose
