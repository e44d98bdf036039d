// Test vectors written as hex: H("00ff") -> bytes (a bad literal fails the test), hex(x) -> the
// lower-case hex of any byte container (arrays, Bytes, SecretBytes).
#pragma once

#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "protocols/core/bytes.hpp"

namespace mtc::test {

inline Bytes H(std::string_view hex) {
    auto b = from_hex(hex);
    EXPECT_TRUE(b.has_value()) << "bad hex in test: " << hex;
    return b.value_or(Bytes{});
}

template <typename T>
std::string hex(const T& v) {
    return to_hex(BytesView(v.data(), v.size()));
}

}  // namespace mtc::test
