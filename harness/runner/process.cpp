#include "harness/runner/process.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <signal.h>
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
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(log);
        return make_error(std::string("spawn: fork failed: ") + std::strerror(errno));
    }
    if (pid == 0) {
        ::dup2(log, STDOUT_FILENO);
        ::dup2(log, STDERR_FILENO);
        ::execv(args[0], args.data());
        const std::string msg = "exec " + argv[0] + " failed: " + std::strerror(errno) + "\n";
        (void)!::write(STDERR_FILENO, msg.data(), msg.size());
        ::_exit(127);
    }
    ::close(log);
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
