// A corpus entry's file name: its content's SHA-256, 40 hex digits (like libFuzzer's content
// names), so an input is stored once however many runs find it.
#pragma once

#include <string>

#include "protocols/core/bytes.hpp"
#include "protocols/core/crypto/hash.hpp"

namespace mtc::cli {

inline std::string corpus_entry_name(BytesView b) {
    constexpr std::size_t kNameHexChars = 40;
    const auto d = crypto::sha256(b);
    return to_hex(BytesView(d.data(), d.size())).substr(0, kNameHexChars);
}

}  // namespace mtc::cli
