// File helpers for the runner: atomic writes (temp + rename) with an explicit mode, so keys
// are never world-readable even for an instant, and whole-file reads with clear errors.
#pragma once

#include <string>
#include <sys/types.h>

#include "protocols/core/result.hpp"

namespace mtc::runner {

// `sync`: fsync the file and its directory, so the write survives a crash; a scratch
// directory (a live run's keys and sockets) has no use for that and skips it.
Status write_file_atomic(const std::string& path, std::string_view content, mode_t mode = 0600,
                         bool sync = true);
Result<std::string> read_file(const std::string& path);
// mkdir -p with the given mode for directories created here.
Status make_dirs(const std::string& path, mode_t mode = 0700);

}  // namespace mtc::runner
