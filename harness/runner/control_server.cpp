#include "harness/runner/control_server.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace mtc::runner {

Result<std::unique_ptr<ControlServer>> ControlServer::listen(net::EventLoop& loop,
                                                             const std::string& path) {
    sockaddr_un addr{};
    if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
        return make_error("control socket path must be 1 to " +
                          std::to_string(sizeof(addr.sun_path) - 1) + " bytes: " + path);
    }
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return make_error(std::string("control socket: ") + std::strerror(errno));
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size());
    ::unlink(path.c_str());
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 16) != 0) {
        const std::string why = std::strerror(errno);
        ::close(fd);
        return make_error("control socket " + path + ": " + why);
    }
    ::chmod(path.c_str(), 0600);
    std::unique_ptr<ControlServer> s(new ControlServer(loop, fd, path));
    loop.watch(fd, POLLIN, [raw = s.get()](short /*ev*/) { raw->accept_clients(); });
    return s;
}

ControlServer::~ControlServer() {
    if (reap_armed_) loop_.cancel(reap_timer_);
    for (auto& c : clients_) {
        if (c.fd >= 0) {
            loop_.unwatch(c.fd);
            ::close(c.fd);
        }
    }
    loop_.unwatch(fd_);
    ::close(fd_);
    ::unlink(path_.c_str());
}

void ControlServer::accept_clients() {
    for (;;) {
        const int cfd = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) return;
        clients_.emplace_back();
        Client& c = clients_.back();
        c.fd = cfd;
        loop_.watch(cfd, POLLIN, [this, &c](short ev) { on_client(c, ev); });
    }
}

void ControlServer::on_client(Client& c, short revents) {
    if (c.dead) return;
    if ((revents & POLLOUT) != 0) flush(c);
    if ((revents & (POLLIN | POLLHUP | POLLERR)) != 0 && !c.dead) {
        char buf[4096];
        for (;;) {
            const ssize_t n = ::read(c.fd, buf, sizeof buf);
            if (n > 0) {
                c.in.append(buf, static_cast<std::size_t>(n));
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
            if (n < 0 && errno == EINTR) continue;
            drop(c);  // EOF or error
            break;
        }
        std::size_t nl;
        while (!c.dead && (nl = c.in.find('\n')) != std::string::npos) {
            const std::string line = c.in.substr(0, nl);
            c.in.erase(0, nl + 1);
            if (on_line_ && !line.empty()) on_line_(line, c);
        }
        if (c.in.size() > kMaxLine) drop(c);  // a line that never ends
        flush(c);                             // the replies just queued
    }
    schedule_reap();
}

void ControlServer::Client::send(const std::string& line) {
    if (dead) return;
    out += line;
    out += '\n';
}

void ControlServer::flush(Client& c) {
    while (!c.dead && !c.out.empty()) {
        const ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
        if (n > 0) {
            c.out.erase(0, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        drop(c);
        return;
    }
    if (c.dead) return;
    if (c.out.size() > kMaxQueued) {
        drop(c);
        return;
    }
    loop_.set_events(c.fd, c.out.empty() ? POLLIN : (POLLIN | POLLOUT));
}

void ControlServer::broadcast(const std::string& line) {
    for (auto& c : clients_) {
        c.send(line);
        flush(c);
    }
    schedule_reap();
}

void ControlServer::drop(Client& c) {
    if (c.dead) return;
    c.dead = true;
    loop_.unwatch(c.fd);
    ::close(c.fd);
    c.fd = -1;
}

// Dead clients are freed from a timer, outside any handler that may still hold a reference.
void ControlServer::schedule_reap() {
    if (reap_armed_) return;
    reap_armed_ = true;
    reap_timer_ = loop_.after(std::chrono::milliseconds(0), [this] {
        reap_armed_ = false;
        clients_.remove_if([](const Client& c) { return c.dead; });
    });
}

}  // namespace mtc::runner
