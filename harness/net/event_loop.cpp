#include "harness/net/event_loop.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <fcntl.h>
#include <limits>
#include <unistd.h>
#include <vector>

namespace mtc::net {

namespace {

// Without a self-pipe (pipe2 failed: out of fds) the loop still notices signal stops, by
// never sleeping longer than this.
constexpr int kNoWakePipeMaxSleepMs = 50;

}  // namespace

EventLoop::EventLoop() {
    std::array<int, 2> p{-1, -1};
    if (::pipe2(p.data(), O_NONBLOCK | O_CLOEXEC) == 0) {
        wake_read_ = UniqueFd(p[0]);
        wake_write_ = UniqueFd(p[1]);
    }
}

EventLoop::~EventLoop() {
    // Handlers and timers may own objects (connections) whose destructors call back into the
    // loop (unwatch, cancel): move them out first so those calls find empty tables.
    auto watches = std::move(watches_);
    watches_.clear();
    auto timers = std::move(timers_);
    timers_.clear();
    timer_deadlines_.clear();
    watches.clear();
    timers.clear();
}

void EventLoop::watch(int fd, short events, IoHandler h) {
    watches_[fd] = Watch{events, next_serial_++, std::make_shared<IoHandler>(std::move(h))};
}

void EventLoop::set_events(int fd, short events) {
    auto it = watches_.find(fd);
    if (it != watches_.end()) it->second.events = events;
}

void EventLoop::unwatch(int fd) {
    watches_.erase(fd);
}

EventLoop::TimerId EventLoop::after(std::chrono::milliseconds d, std::function<void()> f) {
    const TimerId id = next_timer_++;
    const auto deadline = Clock::now() + std::max(d, std::chrono::milliseconds(0));
    timers_.emplace(TimerKey{deadline, id}, std::move(f));
    timer_deadlines_.emplace(id, deadline);
    return id;
}

void EventLoop::cancel(TimerId id) {
    auto it = timer_deadlines_.find(id);
    if (it == timer_deadlines_.end()) return;
    timers_.erase(TimerKey{it->second, id});
    timer_deadlines_.erase(it);
}

void EventLoop::run() {
    run_until(std::nullopt);
}

void EventLoop::run_for(std::chrono::milliseconds d) {
    run_until(Clock::now() + d);
}

void EventLoop::stop() {
    stop_ = true;
}

void EventLoop::wake() noexcept {
    const int fd = wake_write_.get();
    if (fd < 0) return;
    const int saved = errno;  // a signal handler must leave errno as it found it
    const char byte = 1;
    // A full pipe already guarantees a wake-up: EAGAIN is fine.
    [[maybe_unused]] const ssize_t n = ::write(fd, &byte, 1);
    errno = saved;
}

void EventLoop::stop_from_signal() noexcept {
    signal_stop_.store(true);
    wake();
}

int EventLoop::poll_timeout_ms(std::optional<Clock::time_point> until) const {
    std::optional<Clock::time_point> next = until;
    if (!timers_.empty()) {
        const auto t = timers_.begin()->first.deadline;
        if (!next || t < *next) next = t;
    }
    int ms = -1;
    if (next) {
        const auto left = *next - Clock::now();
        if (left <= Clock::duration::zero()) return 0;
        // Round up, so the loop does not wake just before a deadline and spin.
        const auto up = std::chrono::ceil<std::chrono::milliseconds>(left).count();
        ms = static_cast<int>(std::min<long long>(up, std::numeric_limits<int>::max()));
    }
    if (!wake_read_) ms = (ms < 0) ? kNoWakePipeMaxSleepMs : std::min(ms, kNoWakePipeMaxSleepMs);
    return ms;
}

void EventLoop::drain_wake_pipe() const {
    std::array<char, 64> buf{};
    while (::read(wake_read_.get(), buf.data(), buf.size()) > 0) {
    }
}

void EventLoop::run_until(std::optional<Clock::time_point> until) {
    std::vector<pollfd> fds;
    while (!should_stop()) {
        if (until && Clock::now() >= *until) break;
        fds.clear();
        if (wake_read_) fds.push_back(pollfd{wake_read_.get(), POLLIN, 0});
        for (const auto& [fd, w] : watches_) fds.push_back(pollfd{fd, w.events, 0});
        const int n = ::poll(fds.data(), fds.size(), poll_timeout_ms(until));
        if (n < 0) {
            // EINTR: a signal; its handler may have asked us to stop. Anything else (ENOMEM)
            // is transient for poll: try again.
            continue;
        }
        if (n > 0) dispatch_io(fds);
        if (!should_stop()) fire_due_timers();
    }
    stop_ = false;
}

void EventLoop::dispatch_io(const std::vector<pollfd>& fds) {
    struct Ready {
        int fd;
        std::uint64_t serial;
        short revents;
    };
    std::vector<Ready> ready;
    for (const pollfd& p : fds) {
        if (p.revents == 0) continue;
        if (wake_read_ && p.fd == wake_read_.get()) {
            drain_wake_pipe();
            continue;
        }
        auto it = watches_.find(p.fd);
        if (it != watches_.end()) ready.push_back(Ready{p.fd, it->second.serial, p.revents});
    }
    for (const Ready& r : ready) {
        if (should_stop()) return;
        auto it = watches_.find(r.fd);
        if (it == watches_.end() || it->second.serial != r.serial) continue;
        const short always = POLLERR | POLLHUP | POLLNVAL;
        const short revents = static_cast<short>(r.revents & (it->second.events | always));
        if (revents == 0) continue;
        // Keep the handler alive while it runs, even if it unwatches itself.
        const std::shared_ptr<IoHandler> handler = it->second.handler;
        (*handler)(revents);
        if ((revents & POLLNVAL) != 0) {
            auto again = watches_.find(r.fd);
            if (again != watches_.end() && again->second.serial == r.serial) watches_.erase(again);
        }
    }
}

void EventLoop::fire_due_timers() {
    // Only timers due now and existing now: one added by a callback waits for the next round.
    const auto now = Clock::now();
    std::vector<TimerKey> due;
    for (const auto& entry : timers_) {
        if (entry.first.deadline > now) break;
        due.push_back(entry.first);
    }
    for (const TimerKey& k : due) {
        if (should_stop()) return;
        auto it = timers_.find(k);
        if (it == timers_.end()) continue;  // cancelled by an earlier callback
        std::function<void()> f = std::move(it->second);
        timers_.erase(it);
        timer_deadlines_.erase(k.id);
        f();
    }
}

}  // namespace mtc::net
