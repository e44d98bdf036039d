#include "harness/runner/process.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace mtc::runner {

Result<Child> Child::spawn(const std::vector<std::string>& argv, const std::string& log_path) {
    if (argv.empty()) return make_error("spawn: empty command");
    const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (log < 0) return make_error("spawn: cannot open " + log_path + ": " + std::strerror(errno));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    // posix_spawn, not fork: glibc starts the child with vfork semantics (CLONE_VM), so the
    // cost does not grow with this process's memory (a hub with a thousand sockets, an ASan
    // build's shadow maps): a thousand role processes start in seconds. Every descriptor of
    // ours is O_CLOEXEC, so the child keeps only stdin and the log as stdout and stderr.
    posix_spawn_file_actions_t actions;
    if (const int e = ::posix_spawn_file_actions_init(&actions); e != 0) {
        ::close(log);
        return make_error(std::string("spawn: ") + std::strerror(e));
    }
    ::posix_spawn_file_actions_adddup2(&actions, log, STDOUT_FILENO);
    ::posix_spawn_file_actions_adddup2(&actions, log, STDERR_FILENO);
    pid_t pid = -1;
    const int e = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
    ::posix_spawn_file_actions_destroy(&actions);
    ::close(log);
    if (e != 0) return make_error("spawn: cannot start " + argv[0] + ": " + std::strerror(e));
    return Child(pid);
}

Child& Child::operator=(Child&& o) noexcept {
    if (this != &o) {
        if (pid_ > 0 && !status_) stop(std::chrono::milliseconds(0));
        pid_ = o.pid_;
        status_ = o.status_;
        o.pid_ = -1;
    }
    return *this;
}

Child::~Child() {
    if (pid_ > 0 && !status_) stop(std::chrono::milliseconds(0));
}

void Child::signal(int sig) const {
    if (pid_ > 0 && !status_) ::kill(pid_, sig);
}

bool Child::poll() {
    if (status_) return true;
    if (pid_ <= 0) return true;
    int st = 0;
    const pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) status_ = st;
    return status_.has_value();
}

bool Child::wait_for(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!poll()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

void Child::stop(std::chrono::milliseconds grace) {
    if (poll()) return;
    signal(SIGTERM);
    if (grace.count() > 0 && wait_for(grace)) return;
    signal(SIGKILL);
    int st = 0;
    if (::waitpid(pid_, &st, 0) == pid_) status_ = st;
}

std::optional<int> Child::exit_code() const {
    if (!status_ || !WIFEXITED(*status_)) return std::nullopt;
    return WEXITSTATUS(*status_);
}

std::optional<int> Child::term_signal() const {
    if (!status_ || !WIFSIGNALED(*status_)) return std::nullopt;
    return WTERMSIG(*status_);
}

}  // namespace mtc::runner
