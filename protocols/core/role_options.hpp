// Small helpers every protocol's roles and provisioning use to read their options: the named
// Diffie-Hellman groups built once, and settings read with a fallback.
#pragma once

#include <array>
#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "protocols/core/crypto/dl_group.hpp"

namespace mtc {

// The two RFC 5114 groups, built once (DlGroup::named asks OpenSSL each time); nullptr when
// this OpenSSL lacks the group.
inline const crypto::DlGroup* named_group(crypto::GroupId id) {
    static const std::array<std::optional<crypto::DlGroup>, 2> groups = [] {
        std::array<std::optional<crypto::DlGroup>, 2> g;
        if (auto r = crypto::DlGroup::named(crypto::GroupId::dh_2048_256))
            g[0] = std::move(r).value();
        if (auto r = crypto::DlGroup::named(crypto::GroupId::dh_1024_160))
            g[1] = std::move(r).value();
        return g;
    }();
    const auto& g = groups[id == crypto::GroupId::dh_2048_256 ? 0 : 1];
    return g ? &*g : nullptr;
}

inline const crypto::DlGroup* group_by_name(std::string_view name) {
    const auto id = crypto::group_from_name(name);
    return id ? named_group(*id) : nullptr;
}

// settings[key], or `fallback` when the key is absent.
inline std::string option_or(const std::map<std::string, std::string>& settings,
                             const std::string& key, std::string_view fallback) {
    auto it = settings.find(key);
    return it == settings.end() ? std::string(fallback) : it->second;
}

// A whole decimal integer, or nullopt.
inline std::optional<std::int64_t> parse_int(std::string_view s) {
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

}  // namespace mtc
