// Per-protocol message schemas: which fields each message type carries, of what kind and size.
// The codec, the fuzz-target generator, the dissector and the attacker all read schemas.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtc {

// What a field *is*, so attacker strategies can work on any protocol without naming it.
enum class FieldKind : std::uint8_t {
    identity,
    nonce,
    group_element,
    scalar,
    mac,
    ciphertext,
    key,
    timestamp,
    alg_id,
    opaque,
};

std::string_view to_string(FieldKind k);
std::optional<FieldKind> field_kind_from_string(std::string_view s);

struct FieldSpec {
    std::uint8_t tag = 0;
    std::string name;  // the paper's name, e.g. "MTCdNonce"
    FieldKind kind = FieldKind::opaque;
    std::uint16_t min_len = 0;
    std::uint16_t max_len = 0;
    bool required = true;
};

struct MessageSpec {
    std::uint8_t type = 0;
    std::string name;               // e.g. "M1"
    std::vector<FieldSpec> fields;  // strictly ascending tags

    [[nodiscard]] const FieldSpec* field(std::uint8_t tag) const;
    [[nodiscard]] const FieldSpec* field(std::string_view name) const;
};

struct Schema {
    std::string protocol;  // e.g. "prose"
    std::uint8_t protocol_id = 0;
    std::vector<MessageSpec> messages;

    [[nodiscard]] const MessageSpec* message(std::uint8_t type) const;
    [[nodiscard]] const MessageSpec* message(std::string_view name) const;
};

// Checks a schema is well formed (ascending unique tags, min <= max, unique names). A unit
// test runs it over every registered protocol, so a protocol author learns of a mistake at once.
std::optional<std::string> validate_schema(const Schema& schema);

}  // namespace mtc
