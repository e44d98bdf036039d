#include "protocols/core/schema.hpp"

#include <array>
#include <cstddef>
#include <string>
#include <utility>

namespace mtc {

namespace {

constexpr std::array<std::pair<FieldKind, std::string_view>, 10> kKindNames{{
    {FieldKind::identity, "identity"},
    {FieldKind::nonce, "nonce"},
    {FieldKind::group_element, "group-element"},
    {FieldKind::scalar, "scalar"},
    {FieldKind::mac, "mac"},
    {FieldKind::ciphertext, "ciphertext"},
    {FieldKind::key, "key"},
    {FieldKind::timestamp, "timestamp"},
    {FieldKind::alg_id, "alg-id"},
    {FieldKind::opaque, "opaque"},
}};

std::string describe_message(const MessageSpec& m) {
    return "message " + m.name + " (type " + std::to_string(m.type) + ")";
}

std::string describe_field(const FieldSpec& f) {
    return "field " + f.name + " (tag " + std::to_string(f.tag) + ")";
}

}  // namespace

std::string_view to_string(FieldKind k) {
    for (const auto& [kind, name] : kKindNames) {
        if (kind == k) return name;
    }
    return "unknown";
}

std::optional<FieldKind> field_kind_from_string(std::string_view s) {
    for (const auto& [kind, name] : kKindNames) {
        if (name == s) return kind;
    }
    return std::nullopt;
}

const FieldSpec* MessageSpec::field(std::uint8_t tag) const {
    for (const FieldSpec& f : fields) {
        if (f.tag == tag) return &f;
    }
    return nullptr;
}

const FieldSpec* MessageSpec::field(std::string_view name) const {
    for (const FieldSpec& f : fields) {
        if (f.name == name) return &f;
    }
    return nullptr;
}

const MessageSpec* Schema::message(std::uint8_t type) const {
    for (const MessageSpec& m : messages) {
        if (m.type == type) return &m;
    }
    return nullptr;
}

const MessageSpec* Schema::message(std::string_view name) const {
    for (const MessageSpec& m : messages) {
        if (m.name == name) return &m;
    }
    return nullptr;
}

std::optional<std::string> validate_schema(const Schema& schema) {
    const std::string where = "schema " + schema.protocol + ": ";
    for (std::size_t i = 0; i < schema.messages.size(); ++i) {
        const MessageSpec& m = schema.messages[i];
        for (std::size_t j = 0; j < i; ++j) {
            const MessageSpec& earlier = schema.messages[j];
            if (earlier.type == m.type) {
                return where + "duplicate message type " + std::to_string(m.type) + " (" +
                       earlier.name + " and " + m.name + ")";
            }
            if (earlier.name == m.name) {
                return where + "duplicate message name " + m.name + " (types " +
                       std::to_string(earlier.type) + " and " + std::to_string(m.type) + ")";
            }
        }
        const std::string in_msg = where + describe_message(m) + ": ";
        for (std::size_t k = 0; k < m.fields.size(); ++k) {
            const FieldSpec& f = m.fields[k];
            if (k > 0) {
                const FieldSpec& prev = m.fields[k - 1];
                if (f.tag == prev.tag) {
                    return in_msg + "duplicate field tag " + std::to_string(f.tag) + " (" +
                           prev.name + " and " + f.name + ")";
                }
                if (f.tag < prev.tag) {
                    return in_msg + "field tags out of order: " + describe_field(f) + " after " +
                           describe_field(prev);
                }
            }
            for (std::size_t j = 0; j < k; ++j) {
                if (m.fields[j].name == f.name) {
                    return in_msg + "duplicate field name " + f.name + " (tags " +
                           std::to_string(m.fields[j].tag) + " and " + std::to_string(f.tag) + ")";
                }
            }
            if (f.max_len < 1) return in_msg + describe_field(f) + ": max_len must be at least 1";
            if (f.min_len > f.max_len) {
                return in_msg + describe_field(f) + ": min_len " + std::to_string(f.min_len) +
                       " > max_len " + std::to_string(f.max_len);
            }
        }
    }
    return std::nullopt;
}

}  // namespace mtc
