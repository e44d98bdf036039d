// Child processes for the runner: spawn with stdout/stderr to files, signal, wait with a
// deadline. Used by `mtcfuzz run` (one process per role instance) and the e2e tests.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "protocols/core/result.hpp"

namespace mtc::runner {

class Child {
public:
    // Starts argv[0] (a path) with argv; stdout and stderr go to `log_path` (appended).
    static Result<Child> spawn(const std::vector<std::string>& argv, const std::string& log_path);

    Child(Child&& o) noexcept : pid_(o.pid_), status_(o.status_) { o.pid_ = -1; }
    Child& operator=(Child&& o) noexcept;
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child();  // SIGKILLs and reaps a child still running

    [[nodiscard]] pid_t pid() const { return pid_; }
    void signal(int sig) const;
    // Non-blocking: true once the child has exited (status then available).
    bool poll();
    // Waits up to `timeout`; true if it exited.
    bool wait_for(std::chrono::milliseconds timeout);
    // SIGTERM, then SIGKILL after `grace`.
    void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));
    [[nodiscard]] std::optional<int> exit_code() const;    // when it exited normally
    [[nodiscard]] std::optional<int> term_signal() const;  // when a signal ended it

private:
    explicit Child(pid_t pid) : pid_(pid) {}
    pid_t pid_ = -1;
    std::optional<int> status_;
};

}  // namespace mtc::runner
