// A decoded protocol message: header values plus TLV fields in ascending tag order.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "protocols/core/bytes.hpp"

namespace mtc {

struct Field {
    std::uint8_t tag = 0;
    Bytes value;
    bool operator==(const Field&) const = default;
};

struct Message {
    std::uint8_t protocol = 0;
    std::uint8_t type = 0;
    std::uint64_t session = 0;
    std::vector<Field> fields;  // kept sorted by tag

    // Value of a field, or nullptr when absent.
    [[nodiscard]] const Bytes* get(std::uint8_t tag) const;
    [[nodiscard]] bool has(std::uint8_t tag) const { return get(tag) != nullptr; }
    // Empty view when absent; use for optional fields whose absence means "empty".
    [[nodiscard]] BytesView get_or_empty(std::uint8_t tag) const;
    // Inserts or replaces, keeping tag order.
    void set(std::uint8_t tag, Bytes value);
    void erase(std::uint8_t tag);

    bool operator==(const Message&) const = default;
};

}  // namespace mtc
