#include "harness/runner/control_client.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

namespace mtc::runner {

Result<std::unique_ptr<ControlClient>> ControlClient::connect(net::EventLoop& loop,
                                                              const std::string& path,
                                                              std::chrono::milliseconds timeout) {
    sockaddr_un addr{};
    if (path.empty() || path.size() >= sizeof(addr.sun_path))
        return make_error("control socket path too long: " + path);
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size());
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string last = "not started";
    for (;;) {
        const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return make_error(std::string("control socket: ") + std::strerror(errno));
        if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
            ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
            return std::unique_ptr<ControlClient>(new ControlClient(loop, fd));
        }
        last = std::strerror(errno);
        ::close(fd);
        if (std::chrono::steady_clock::now() >= deadline) {
            return make_error("cannot connect to control socket " + path + ": " + last);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

ControlClient::ControlClient(net::EventLoop& loop, int fd) : loop_(loop), fd_(fd) {
    loop_.watch(fd_, POLLIN, [this](short ev) { on_io(ev); });
}

ControlClient::~ControlClient() {
    if (fd_ >= 0) {
        loop_.unwatch(fd_);
        ::close(fd_);
    }
}

void ControlClient::send(const std::string& line) {
    if (fd_ < 0) return;
    out_ += line;
    out_ += '\n';
    flush();
}

void ControlClient::flush() {
    while (fd_ >= 0 && !out_.empty()) {
        const ssize_t n = ::send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL);
        if (n > 0) {
            out_.erase(0, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        shut();
        return;
    }
    if (fd_ >= 0) loop_.set_events(fd_, out_.empty() ? POLLIN : (POLLIN | POLLOUT));
}

void ControlClient::on_io(short revents) {
    if (fd_ < 0) return;
    if ((revents & POLLOUT) != 0) flush();
    if ((revents & (POLLIN | POLLHUP | POLLERR)) == 0) return;
    char buf[16384];
    for (;;) {
        const ssize_t n = ::read(fd_, buf, sizeof buf);
        if (n > 0) {
            in_.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        // EOF: deliver what is complete, then report the close.
        std::size_t nl;
        while ((nl = in_.find('\n')) != std::string::npos) {
            const std::string line = in_.substr(0, nl);
            in_.erase(0, nl + 1);
            if (on_line_) on_line_(line);
        }
        shut();
        return;
    }
    std::size_t nl;
    while ((nl = in_.find('\n')) != std::string::npos) {
        const std::string line = in_.substr(0, nl);
        in_.erase(0, nl + 1);
        if (on_line_) on_line_(line);
    }
}

void ControlClient::shut() {
    if (fd_ < 0) return;
    loop_.unwatch(fd_);
    ::close(fd_);
    fd_ = -1;
    if (on_close_) on_close_();
}

}  // namespace mtc::runner
