#include "harness/runner/dir_storage.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <unistd.h>

#include "harness/runner/files.hpp"

namespace mtc::runner {

namespace fs = std::filesystem;

namespace {
constexpr std::string_view kSuffix = ".v";
}

Result<std::shared_ptr<DirStorage>> DirStorage::open(const std::string& dir) {
    if (dir.empty()) return make_error("state directory: empty path");
    if (auto ok = make_dirs(dir, 0700); !ok)
        return make_error("state directory: " + ok.error().describe());
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        return make_error("state directory " + dir + " is not a directory");
    return std::shared_ptr<DirStorage>(new DirStorage(dir));
}

std::string DirStorage::path(std::string_view key) const {
    return dir_ + "/" + std::string(key) + std::string(kSuffix);
}

Result<std::optional<Bytes>> DirStorage::get(std::string_view key) const {
    if (auto ok = check_storage_key(key); !ok) return ok.error();
    std::error_code ec;
    if (!fs::exists(path(key), ec)) return std::optional<Bytes>{};
    auto content = read_file(path(key));
    if (!content) return content.error();
    if (auto ok = check_storage_value(key, content->size()); !ok) return ok.error();
    return std::optional<Bytes>{Bytes(content->begin(), content->end())};
}

Status DirStorage::put(std::string_view key, BytesView value) {
    if (auto ok = check_storage_key(key); !ok) return ok;
    if (auto ok = check_storage_value(key, value.size()); !ok) return ok;
    return write_file_atomic(
        path(key), std::string_view(reinterpret_cast<const char*>(value.data()), value.size()),
        0600);
}

Status DirStorage::erase(std::string_view key) {
    if (auto ok = check_storage_key(key); !ok) return ok;
    if (::unlink(path(key).c_str()) != 0 && errno != ENOENT)
        return make_error("cannot remove " + path(key) + ": " + std::strerror(errno));
    return Ok{};
}

Result<std::vector<std::string>> DirStorage::keys() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir_, ec)) {
        const std::string name = e.path().filename().string();
        // Only finished values: temporaries are "<key>.v.tmp.<pid>".
        if (name.size() <= kSuffix.size() || !name.ends_with(kSuffix)) continue;
        const std::string key = name.substr(0, name.size() - kSuffix.size());
        if (check_storage_key(key)) out.push_back(key);
    }
    if (ec) return make_error("cannot list " + dir_ + ": " + ec.message());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace mtc::runner
