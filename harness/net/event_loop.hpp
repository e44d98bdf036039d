// EventLoop: the one I/O loop of a process, on epoll(7) (level-triggered, with poll(2)
// semantics: POLLIN / POLLOUT in, POLLERR / POLLHUP always reported), so a round costs what is
// ready, not what is watched: the hub of a thousand-instance deployment watches some three
// thousand descriptors. A descriptor epoll refuses (a regular file, one already closed) is
// polled with poll(2) instead, and a closed one reported POLLNVAL. Should epoll itself be
// unavailable the whole loop falls back to poll(2). Single-threaded: every function except
// wake() and stop_from_signal() must be called on the loop's thread (from handlers or between
// runs). Ready descriptors are dispatched in fd order.
//
// I/O handlers and timers may watch, unwatch, set_events, add and cancel timers, and stop
// the loop from inside their callbacks: the loop dispatches from a snapshot and looks every
// handler up again before calling it, so a handler removed by an earlier callback of the same
// round is not called. A fd that is unwatched and watched again within one round (fd number
// reuse) does not receive the stale readiness of its predecessor.
//
// The loop must outlive everything that watches it (sockets, listeners, connections).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <poll.h>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "harness/net/fd.hpp"
#include "protocols/core/bytes.hpp"

namespace mtc::net {

class EventLoop {
public:
    using IoHandler = std::function<void(short revents)>;
    using TimerId = std::uint64_t;
    using Clock = std::chrono::steady_clock;

    EventLoop();
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // Registers (or replaces) the handler of `fd` for poll events (POLLIN, POLLOUT).
    // POLLERR, POLLHUP and POLLNVAL are always reported. A fd reported POLLNVAL (closed while
    // still watched, a bug) is unwatched after its handler ran, so it cannot spin the loop.
    void watch(int fd, short events, IoHandler h);
    void set_events(int fd, short events);
    void unwatch(int fd);
    [[nodiscard]] bool is_watched(int fd) const { return watches_.count(fd) != 0; }

    // Runs `f` once, on the loop, `d` from now (d <= 0: on the next round). Timers with the
    // same deadline fire in the order they were added. A timer added by a timer callback
    // fires in a later round, never in the round that added it.
    TimerId after(std::chrono::milliseconds d, std::function<void()> f);
    // Cancels a pending timer; unknown or already fired ids are ignored.
    void cancel(TimerId id);
    [[nodiscard]] std::size_t pending_timers() const { return timers_.size(); }

    // Dispatches I/O and timers until stop() (or stop_from_signal()).
    void run();
    // Like run(), but returns after at most `d`.
    void run_for(std::chrono::milliseconds d);
    // Makes run() / run_for() return once the current callback returns. A stop() while the
    // loop is not running makes the next run() return at once. The flag is cleared when
    // run() returns, so the loop can be run again.
    void stop();

    // Async-signal-safe (and safe from any thread): interrupts a blocking poll so that the
    // loop re-checks its stop flags. Writes one byte to the loop's self-pipe.
    void wake() noexcept;
    // Async-signal-safe: sets the signal-stop flag and wakes the loop; run() returns soon.
    // Unlike stop() this flag is sticky (a SIGTERM means "shut down", also for later runs)
    // until reset_signal_stop().
    void stop_from_signal() noexcept;
    // A receive buffer of at least `size` bytes shared by everything on this loop, for a handler
    // that reads into it and copies out before calling anyone back (UdpSocket): one buffer per
    // loop instead of one per socket (a hub has a thousand sockets).
    Bytes& scratch(std::size_t size) {
        if (scratch_.size() < size) scratch_.resize(size);
        return scratch_;
    }

    [[nodiscard]] bool signal_stop_requested() const noexcept { return signal_stop_.load(); }
    void reset_signal_stop() noexcept { signal_stop_.store(false); }

private:
    struct Watch {
        short events = 0;
        std::uint64_t serial = 0;
        std::shared_ptr<IoHandler> handler;
    };
    struct TimerKey {
        Clock::time_point deadline;
        TimerId id;
        bool operator<(const TimerKey& o) const {
            return deadline != o.deadline ? deadline < o.deadline : id < o.id;
        }
    };

    void run_until(std::optional<Clock::time_point> until);
    // One wait: the ready descriptors with their revents, in fd order.
    void wait_poll(int timeout_ms, std::vector<pollfd>& ready);
    void wait_epoll(int timeout_ms, std::vector<pollfd>& ready);
    void epoll_update(int fd, short events, bool added);
    [[nodiscard]] bool should_stop() const { return stop_ || signal_stop_.load(); }
    int poll_timeout_ms(std::optional<Clock::time_point> until) const;
    void dispatch_io(const std::vector<pollfd>& fds);
    void fire_due_timers();
    void drain_wake_pipe() const;

    std::map<int, Watch> watches_;
    Bytes scratch_;
    UniqueFd epoll_;            // -1: plain poll(2) for everything
    std::set<int> unpollable_;  // watched fds epoll refused, polled with poll(2)
    std::uint64_t next_serial_ = 1;
    std::map<TimerKey, std::function<void()>> timers_;
    std::unordered_map<TimerId, Clock::time_point> timer_deadlines_;
    TimerId next_timer_ = 1;
    bool stop_ = false;
    std::atomic<bool> signal_stop_{false};
    static_assert(std::atomic<bool>::is_always_lock_free, "signal-safe flag must be lock-free");
    UniqueFd wake_read_;
    UniqueFd wake_write_;
};

}  // namespace mtc::net
