#include "harness/runner/files.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace mtc::runner {

Status write_file_atomic(const std::string& path, std::string_view content, mode_t mode,
                         bool sync) {
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    // O_EXCL with the final mode: the temporary never exists with looser permissions.
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) return make_error("cannot create " + tmp + ": " + std::strerror(errno));
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const std::string why = std::strerror(errno);
            ::close(fd);
            ::unlink(tmp.c_str());
            return make_error("cannot write " + tmp + ": " + why);
        }
        done += static_cast<std::size_t>(n);
    }
    if ((sync && ::fsync(fd) != 0) || ::close(fd) != 0) {
        ::unlink(tmp.c_str());
        return make_error("cannot flush " + tmp + ": " + std::strerror(errno));
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(tmp.c_str());
        return make_error("cannot rename " + tmp + " to " + path + ": " + why);
    }
    if (!sync) return Ok{};
    // The rename itself is durable only once the directory is flushed.
    const std::string dir = std::filesystem::path(path).parent_path().string();
    const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return Ok{};
}

Result<std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error("cannot open " + path + ": " + std::strerror(errno));
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

Status make_dirs(const std::string& path, mode_t mode) {
    std::error_code ec;
    std::filesystem::path p(path);
    std::filesystem::path so_far;
    for (const auto& part : p) {
        so_far /= part;
        if (std::filesystem::exists(so_far, ec)) continue;
        if (::mkdir(so_far.c_str(), mode) != 0 && errno != EEXIST) {
            return make_error("cannot create directory " + so_far.string() + ": " +
                              std::strerror(errno));
        }
    }
    return Ok{};
}

}  // namespace mtc::runner
