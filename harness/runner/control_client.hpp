// Client side of a role process's control socket: connect (retrying while the process starts),
// send commands, receive replies and events as JSON lines through an event loop.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "harness/net/event_loop.hpp"
#include "protocols/core/result.hpp"

namespace mtc::runner {

class ControlClient {
public:
    // Retries until `timeout` (the role process may still be starting).
    static Result<std::unique_ptr<ControlClient>> connect(net::EventLoop& loop,
                                                          const std::string& path,
                                                          std::chrono::milliseconds timeout);
    ~ControlClient();
    ControlClient(const ControlClient&) = delete;
    ControlClient& operator=(const ControlClient&) = delete;

    void send(const std::string& line);
    void on_line(std::function<void(const std::string&)> cb) { on_line_ = std::move(cb); }
    void on_close(std::function<void()> cb) { on_close_ = std::move(cb); }
    [[nodiscard]] bool is_open() const { return fd_ >= 0; }

private:
    ControlClient(net::EventLoop& loop, int fd);
    void on_io(short revents);
    void flush();
    void shut();

    net::EventLoop& loop_;
    int fd_;
    std::string in_, out_;
    std::function<void(const std::string&)> on_line_;
    std::function<void()> on_close_;
};

}  // namespace mtc::runner
