#include "protocols/core/storage.hpp"

namespace mtc {

namespace {
constexpr std::size_t kMaxKey = 128;
constexpr std::size_t kMaxValue = 16u << 20;
}  // namespace

Status check_storage_key(std::string_view key) {
    if (key.empty() || key.size() > kMaxKey)
        return make_error("storage key must be 1 to 128 characters, got " +
                          std::to_string(key.size()));
    for (const char c : key) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!ok)
            return make_error("storage key '" + std::string(key) +
                              "' has a character outside [A-Za-z0-9._-]");
    }
    if (key == "." || key == "..")
        return make_error("storage key '" + std::string(key) + "' is reserved");
    return Ok{};
}

Status check_storage_value(std::string_view key, std::size_t size) {
    if (size > kMaxValue)
        return make_error("storage value for '" + std::string(key) + "' is " +
                          std::to_string(size) + " bytes (at most 16 MiB)");
    return Ok{};
}

Result<std::optional<Bytes>> MemoryStorage::get(std::string_view key) const {
    if (auto ok = check_storage_key(key); !ok) return ok.error();
    auto it = data_.find(key);
    if (it == data_.end()) return std::optional<Bytes>{};
    return std::optional<Bytes>{it->second};
}

Status MemoryStorage::put(std::string_view key, BytesView value) {
    if (auto ok = check_storage_key(key); !ok) return ok;
    if (auto ok = check_storage_value(key, value.size()); !ok) return ok;
    data_[std::string(key)] = Bytes(value.begin(), value.end());
    return Ok{};
}

Status MemoryStorage::erase(std::string_view key) {
    if (auto ok = check_storage_key(key); !ok) return ok;
    if (auto it = data_.find(key); it != data_.end()) data_.erase(it);
    return Ok{};
}

Result<std::vector<std::string>> MemoryStorage::keys() const {
    std::vector<std::string> out;
    out.reserve(data_.size());
    for (const auto& [k, v] : data_) out.push_back(k);
    return out;
}

}  // namespace mtc
