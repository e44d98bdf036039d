#include "harness/net/event_loop.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <fcntl.h>
#include <limits>
#include <sys/epoll.h>
#include <unistd.h>
#include <vector>

namespace mtc::net {

namespace {

// Without a self-pipe (pipe2 failed: out of fds) the loop still notices signal stops, by
// never sleeping longer than this.
constexpr int kNoWakePipeMaxSleepMs = 50;
constexpr int kMaxEventsPerWait = 256;

std::uint32_t to_epoll(short events) {
    std::uint32_t e = 0;
    if ((events & POLLIN) != 0) e |= EPOLLIN;
    if ((events & POLLPRI) != 0) e |= EPOLLPRI;
    if ((events & POLLOUT) != 0) e |= EPOLLOUT;
    return e;
}

short from_epoll(std::uint32_t e) {
    short r = 0;
    if ((e & EPOLLIN) != 0) r |= POLLIN;
    if ((e & EPOLLPRI) != 0) r |= POLLPRI;
    if ((e & EPOLLOUT) != 0) r |= POLLOUT;
    if ((e & EPOLLERR) != 0) r |= POLLERR;
    if ((e & EPOLLHUP) != 0) r |= POLLHUP;
    return r;
}

}  // namespace

EventLoop::EventLoop() {
    std::array<int, 2> p{-1, -1};
    if (::pipe2(p.data(), O_NONBLOCK | O_CLOEXEC) == 0) {
        wake_read_ = UniqueFd(p[0]);
        wake_write_ = UniqueFd(p[1]);
    }
    epoll_ = UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
    if (epoll_ && wake_read_) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = wake_read_.get();
        if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wake_read_.get(), &ev) != 0) epoll_.reset();
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
    const bool added = watches_.count(fd) == 0;
    watches_[fd] = Watch{events, next_serial_++, std::make_shared<IoHandler>(std::move(h))};
    epoll_update(fd, events, added);
}

void EventLoop::set_events(int fd, short events) {
    auto it = watches_.find(fd);
    if (it == watches_.end() || it->second.events == events) return;
    it->second.events = events;
    epoll_update(fd, events, false);
}

void EventLoop::unwatch(int fd) {
    if (watches_.erase(fd) == 0) return;
    if (unpollable_.erase(fd) != 0 || !epoll_) return;
    // Fails harmlessly when the fd was closed first (the kernel dropped it already).
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

void EventLoop::epoll_update(int fd, short events, bool added) {
    if (!epoll_ || unpollable_.count(fd) != 0) return;
    epoll_event ev{};
    ev.events = to_epoll(events);
    ev.data.fd = fd;
    // A replaced watch may be a new descriptor behind a reused number: add or modify, whichever
    // the kernel's state calls for.
    int r = ::epoll_ctl(epoll_.get(), added ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev);
    if (r != 0 && errno == EEXIST) r = ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev);
    if (r != 0 && errno == ENOENT) r = ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev);
    if (r != 0) unpollable_.insert(fd);  // EPERM (a regular file), EBADF (closed): poll(2) it
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
    std::vector<pollfd> ready;
    while (!should_stop()) {
        if (until && Clock::now() >= *until) break;
        ready.clear();
        if (epoll_) {
            wait_epoll(poll_timeout_ms(until), ready);
        } else {
            wait_poll(poll_timeout_ms(until), ready);
        }
        if (!ready.empty()) dispatch_io(ready);
        if (!should_stop()) fire_due_timers();
    }
    stop_ = false;
}

void EventLoop::wait_poll(int timeout_ms, std::vector<pollfd>& ready) {
    std::vector<pollfd> fds;
    if (wake_read_) fds.push_back(pollfd{wake_read_.get(), POLLIN, 0});
    for (const auto& [fd, w] : watches_) fds.push_back(pollfd{fd, w.events, 0});
    // EINTR: a signal; its handler may have asked us to stop. Anything else (ENOMEM) is
    // transient for poll: the caller tries again.
    if (::poll(fds.data(), fds.size(), timeout_ms) <= 0) return;
    for (const pollfd& p : fds) {
        if (p.revents != 0) ready.push_back(p);
    }
}

void EventLoop::wait_epoll(int timeout_ms, std::vector<pollfd>& ready) {
    // Descriptors epoll refused first, without blocking: if any is ready, epoll is only asked
    // what is ready now.
    if (!unpollable_.empty()) {
        std::vector<pollfd> fds;
        for (int fd : unpollable_) {
            auto it = watches_.find(fd);
            fds.push_back(pollfd{fd, it == watches_.end() ? short{0} : it->second.events, 0});
        }
        if (::poll(fds.data(), fds.size(), 0) > 0) {
            for (const pollfd& p : fds) {
                if (p.revents != 0) ready.push_back(p);
            }
        }
        if (!ready.empty()) timeout_ms = 0;
    }
    std::array<epoll_event, kMaxEventsPerWait> events{};
    const int n = ::epoll_wait(epoll_.get(), events.data(), kMaxEventsPerWait, timeout_ms);
    for (int i = 0; i < n; ++i) {
        const auto& e = events[static_cast<std::size_t>(i)];
        ready.push_back(pollfd{e.data.fd, 0, from_epoll(e.events)});
    }
    std::sort(ready.begin(), ready.end(),
              [](const pollfd& a, const pollfd& b) { return a.fd < b.fd; });
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
            if (again != watches_.end() && again->second.serial == r.serial) unwatch(r.fd);
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
