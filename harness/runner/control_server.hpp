// The control socket of a role process: a UNIX stream socket speaking JSON Lines. Clients
// send commands one per line; the process answers and streams every event to every client.
#pragma once

#include <functional>
#include <list>
#include <memory>
#include <string>

#include "harness/net/event_loop.hpp"
#include "protocols/core/result.hpp"

namespace mtc::runner {

class ControlServer {
public:
    class Client {
    public:
        void send(const std::string& line);  // queued; a client that stops reading is dropped
    private:
        friend class ControlServer;
        int fd = -1;
        std::string in, out;
        bool dead = false;
    };

    // Removes a stale socket file at `path` first (a previous process that was killed).
    static Result<std::unique_ptr<ControlServer>> listen(net::EventLoop& loop,
                                                         const std::string& path);
    ~ControlServer();
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    void on_line(std::function<void(const std::string&, Client&)> cb) { on_line_ = std::move(cb); }
    void broadcast(const std::string& line);

private:
    ControlServer(net::EventLoop& loop, int fd, std::string path)
        : loop_(loop), fd_(fd), path_(std::move(path)) {}
    void accept_clients();
    void on_client(Client& c, short revents);
    void flush(Client& c);
    void drop(Client& c);
    void schedule_reap();

    net::EventLoop& loop_;
    int fd_;
    std::string path_;
    std::list<Client> clients_;
    std::function<void(const std::string&, Client&)> on_line_;
    bool reap_armed_ = false;
    net::EventLoop::TimerId reap_timer_ = 0;
    static constexpr std::size_t kMaxQueued = 8 << 20;  // per client, then it is dropped
    static constexpr std::size_t kMaxLine = 64 << 10;
};

}  // namespace mtc::runner
