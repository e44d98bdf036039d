// The event loop on epoll: poll(2) semantics kept (fd order, POLLNVAL for a closed fd, regular
// files always readable), and a round's cost independent of how many descriptors are watched.
#include <algorithm>
#include <chrono>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>

#include "harness/net/event_loop.hpp"
#include "harness/net/fd.hpp"
#include "tests/unit/temp_dir.hpp"

namespace mtc::net {
namespace {

using std::chrono::milliseconds;

struct Pipe {
    UniqueFd r, w;
    Pipe() {
        int p[2] = {-1, -1};
        EXPECT_EQ(::pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
        r = UniqueFd(p[0]);
        w = UniqueFd(p[1]);
    }
};

TEST(EventLoopScale, ReadyDescriptorsAreDispatchedInFdOrder) {
    EventLoop loop;
    std::vector<Pipe> pipes(6);
    std::vector<int> order;
    for (auto& p : pipes) {
        ASSERT_EQ(::write(p.w.get(), "x", 1), 1);
        const int fd = p.r.get();
        loop.watch(fd, POLLIN, [&, fd](short) {
            order.push_back(fd);
            loop.unwatch(fd);
        });
    }
    loop.run_for(milliseconds(20));
    ASSERT_EQ(order.size(), pipes.size());
    EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
}

TEST(EventLoopScale, SetEventsSwitchesBetweenReadAndWrite) {
    EventLoop loop;
    Pipe p;
    int writable = 0;
    loop.watch(p.w.get(), 0, [&](short ev) {
        if ((ev & POLLOUT) != 0) ++writable;
        loop.set_events(p.w.get(), 0);  // once
    });
    loop.run_for(milliseconds(10));
    EXPECT_EQ(writable, 0);  // not asked for
    loop.set_events(p.w.get(), POLLOUT);
    loop.run_for(milliseconds(10));
    EXPECT_EQ(writable, 1);
}

TEST(EventLoopScale, RegularFilesAndClosedDescriptorsBehaveAsUnderPoll) {
    test::TempDir dir;
    EventLoop loop;
    // epoll refuses regular files; poll(2) reports them readable.
    UniqueFd file(::open(dir.file("f").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    ASSERT_TRUE(file);
    int file_calls = 0;
    loop.watch(file.get(), POLLIN, [&](short ev) {
        if ((ev & POLLIN) != 0) ++file_calls;
        loop.unwatch(file.get());
    });
    // A descriptor closed before it is watched is reported POLLNVAL once, then unwatched.
    Pipe p;
    const int closed = p.r.release();
    ::close(closed);
    int nval = 0;
    loop.watch(closed, POLLIN, [&](short ev) {
        if ((ev & POLLNVAL) != 0) ++nval;
    });
    loop.run_for(milliseconds(20));
    EXPECT_EQ(file_calls, 1);
    EXPECT_EQ(nval, 1);
    EXPECT_FALSE(loop.is_watched(closed));
}

// A thousand ping-pongs through one pipe while `idle` other pipes are watched; the best of 3.
std::chrono::steady_clock::duration ping_pong(std::size_t idle_count) {
    auto best = std::chrono::steady_clock::duration::max();
    for (int rep = 0; rep < 3; ++rep) {
        EventLoop loop;
        std::vector<Pipe> idle(idle_count);
        for (auto& p : idle) loop.watch(p.r.get(), POLLIN, [](short) {});
        Pipe busy;
        int rounds = 0;
        loop.watch(busy.r.get(), POLLIN, [&](short) {
            char c = 0;
            while (::read(busy.r.get(), &c, 1) == 1) {
            }
            if (++rounds == 1000) {
                loop.stop();
                return;
            }
            EXPECT_EQ(::write(busy.w.get(), "x", 1), 1);
        });
        EXPECT_EQ(::write(busy.w.get(), "x", 1), 1);
        const auto t0 = std::chrono::steady_clock::now();
        loop.run_for(milliseconds(20000));
        best = std::min(best, std::chrono::steady_clock::now() - t0);
        EXPECT_EQ(rounds, 1000);
        for (auto& p : idle) loop.unwatch(p.r.get());
    }
    return best;
}

TEST(EventLoopScale, ARoundDoesNotCostTheIdleDescriptors) {
    // As many idle pipes as the open-file limit allows, up to 1500 (a hub's worth).
    rlimit lim{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &lim), 0);
    if (lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &lim);
        ::getrlimit(RLIMIT_NOFILE, &lim);
    }
    const std::size_t idle = std::min<std::size_t>(1500, (lim.rlim_cur - 64) / 2);
    const auto alone = ping_pong(0);
    const auto crowded = ping_pong(idle);
    // With poll(2) every round scanned every descriptor: several times slower with 1500.
    EXPECT_LT(crowded, 3 * alone + milliseconds(50))
        << idle << " idle pipes: " << std::chrono::duration<double, std::milli>(crowded).count()
        << " ms vs " << std::chrono::duration<double, std::milli>(alone).count() << " ms alone";
}

}  // namespace
}  // namespace mtc::net
