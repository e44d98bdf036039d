// Durable state a role keeps across restarts (SGA's message store). Roles stay sans-IO: they
// see this interface in their Env. In process, in tests and in fuzz targets it is memory; a
// live role process gives a directory (harness/runner/dir_storage.hpp) where every put is
// atomic (temp file, fsync, rename), so a crash leaves either the old or the new value.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/core/bytes.hpp"
#include "protocols/core/result.hpp"

namespace mtc {

class Storage {
public:
    virtual ~Storage() = default;
    // Keys are 1..128 characters of [A-Za-z0-9._-] (they become file names live); anything
    // else is an error, as is a value over 16 MiB.
    [[nodiscard]] virtual Result<std::optional<Bytes>> get(std::string_view key) const = 0;
    virtual Status put(std::string_view key, BytesView value) = 0;
    virtual Status erase(std::string_view key) = 0;
    // Every key, sorted.
    [[nodiscard]] virtual Result<std::vector<std::string>> keys() const = 0;
};

// Checks a key and a value size against the rules above; the error names the key.
Status check_storage_key(std::string_view key);
Status check_storage_value(std::string_view key, std::size_t size);

class MemoryStorage final : public Storage {
public:
    [[nodiscard]] Result<std::optional<Bytes>> get(std::string_view key) const override;
    Status put(std::string_view key, BytesView value) override;
    Status erase(std::string_view key) override;
    [[nodiscard]] Result<std::vector<std::string>> keys() const override;

private:
    std::map<std::string, Bytes, std::less<>> data_;
};

}  // namespace mtc
