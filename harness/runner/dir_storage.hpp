// A role's durable state in a directory (`mtcfuzz role --state-dir`): one file per key
// ("<key>.v", mode 0600, directory 0700), each put written atomically (temp file, fsync,
// rename, directory fsync), so a killed process leaves the old value or the new one, never a
// torn one.
#pragma once

#include <memory>
#include <string>

#include "protocols/core/storage.hpp"

namespace mtc::runner {

class DirStorage final : public Storage {
public:
    // Creates the directory (0700) if needed.
    static Result<std::shared_ptr<DirStorage>> open(const std::string& dir);

    [[nodiscard]] Result<std::optional<Bytes>> get(std::string_view key) const override;
    Status put(std::string_view key, BytesView value) override;
    Status erase(std::string_view key) override;
    [[nodiscard]] Result<std::vector<std::string>> keys() const override;

private:
    explicit DirStorage(std::string dir) : dir_(std::move(dir)) {}
    [[nodiscard]] std::string path(std::string_view key) const;
    std::string dir_;
};

}  // namespace mtc::runner
