// harness/net: endpoints, the event loop (timers, signals), UDP, framed TCP and TLS 1.3 with
// mutual authentication, all on loopback. Every wait is bounded, so a bug fails a test
// instead of hanging the suite.
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <netinet/in.h>
#include <optional>
#include <pthread.h>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/net/duplicate_filter.hpp"
#include "harness/net/endpoint.hpp"
#include "harness/net/event_loop.hpp"
#include "harness/net/framing.hpp"
#include "harness/net/retransmit.hpp"
#include "harness/net/sockaddr.hpp"
#include "harness/net/stream.hpp"
#include "harness/net/test_pki.hpp"
#include "harness/net/udp.hpp"
#include "protocols/core/bytes.hpp"

namespace {

using mtc::Bytes;
using mtc::net::connect;
using mtc::net::Endpoint;
using mtc::net::EventLoop;
using mtc::net::parse_endpoint;
using mtc::net::StreamConn;
using mtc::net::StreamListener;
using mtc::net::TlsConfig;
using mtc::net::UdpSocket;
using std::chrono::milliseconds;
using ::testing::HasSubstr;

constexpr milliseconds kWait{5000};

// Runs the loop in short slices until `done` or `limit`; returns done().
bool run_until(EventLoop& loop, const std::function<bool()>& done, milliseconds limit = kWait) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < end) loop.run_for(milliseconds(10));
    return done();
}

Bytes pattern(std::size_t n, std::uint8_t seed) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 31 + (i >> 8));
    return b;
}

Endpoint loopback0() {
    return Endpoint{"127.0.0.1", 0};
}

// ============================================================================================
// Endpoint
// ============================================================================================

TEST(NetEndpoint, ParsesNumericAddresses) {
    auto v4 = parse_endpoint("127.0.0.1:5000");
    ASSERT_TRUE(v4.ok()) << v4.error().reason;
    EXPECT_EQ(v4->host, "127.0.0.1");
    EXPECT_EQ(v4->port, 5000);
    EXPECT_EQ(v4->to_string(), "127.0.0.1:5000");

    auto v6 = parse_endpoint("[::1]:5000");
    ASSERT_TRUE(v6.ok()) << v6.error().reason;
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->to_string(), "[::1]:5000");

    auto canon = parse_endpoint("[0:0:0:0:0:0:0:1]:65535");
    ASSERT_TRUE(canon.ok());
    EXPECT_EQ(*canon, (Endpoint{"::1", 65535}));

    auto any = parse_endpoint("0.0.0.0:0");
    ASSERT_TRUE(any.ok());
    EXPECT_EQ(any->port, 0);
}

TEST(NetEndpoint, RejectsWithReasons) {
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"", "empty endpoint"},
        {"127.0.0.1", "missing port"},
        {"127.0.0.1:", "bad port"},
        {"127.0.0.1:65536", "bad port"},
        {"127.0.0.1:-1", "bad port"},
        {"127.0.0.1:+1", "bad port"},
        {"127.0.0.1:5x", "bad port"},
        {"127.0.0.1:000000080", "bad port"},
        {"localhost:80", "not a numeric address"},
        {"example.org:443", "not a numeric address"},
        {"256.1.1.1:1", "not a numeric address"},
        {"1.2.3:4", "not a numeric address"},
        {" 127.0.0.1:5", "not a numeric address"},
        {"::1:80", "must be in brackets"},
        {"[::1]80", "missing port"},
        {"[::1:80", "missing ']'"},
        {"[127.0.0.1]:5", "not a numeric IPv6 address"},
        {"[fe80::1%lo]:5", "not a numeric address"},
    };
    for (const auto& [text, reason] : bad) {
        auto r = parse_endpoint(text);
        ASSERT_FALSE(r.ok()) << "accepted '" << text << "'";
        EXPECT_THAT(r.error().reason, HasSubstr(reason)) << "for '" << text << "'";
    }
}

TEST(NetEndpoint, Loopback) {
    EXPECT_TRUE((Endpoint{"127.0.0.1", 1}).is_loopback());
    EXPECT_TRUE((Endpoint{"127.255.3.4", 1}).is_loopback());
    EXPECT_TRUE((Endpoint{"::1", 1}).is_loopback());
    EXPECT_FALSE((Endpoint{"128.0.0.1", 1}).is_loopback());
    EXPECT_FALSE((Endpoint{"10.0.0.1", 1}).is_loopback());
    EXPECT_FALSE((Endpoint{"::", 1}).is_loopback());
    EXPECT_FALSE((Endpoint{"::2", 1}).is_loopback());
    EXPECT_FALSE((Endpoint{"not-an-address", 1}).is_loopback());
}

// ============================================================================================
// Framing (pure)
// ============================================================================================

TEST(NetFraming, ReassemblesByteByByte) {
    Bytes stream;
    const Bytes big = pattern(mtc::net::kMaxStreamFrame, 7);
    mtc::net::append_frame(stream, big);
    mtc::net::append_frame(stream, Bytes{});
    mtc::net::append_frame(stream, pattern(3, 1));
    mtc::net::FrameDecoder dec;
    std::vector<Bytes> frames;
    for (std::uint8_t b : stream) {
        dec.feed(mtc::BytesView(&b, 1));
        for (;;) {
            auto f = dec.next();
            ASSERT_TRUE(f.ok());
            if (!f->has_value()) break;
            frames.push_back(std::move(**f));
        }
    }
    ASSERT_EQ(frames.size(), 3U);
    EXPECT_EQ(frames[0], big);
    EXPECT_TRUE(frames[1].empty());
    EXPECT_EQ(frames[2], pattern(3, 1));
    EXPECT_FALSE(dec.mid_frame());
}

TEST(NetFraming, OversizedPrefixIsAStickyError) {
    mtc::net::FrameDecoder dec;
    Bytes stream;
    mtc::net::append_frame(stream, pattern(5, 0));
    mtc::put_u32(stream, mtc::net::kMaxStreamFrame + 1);
    dec.feed(stream);
    auto first = dec.next();
    ASSERT_TRUE(first.ok() && first->has_value());
    auto bad = dec.next();
    ASSERT_FALSE(bad.ok());
    EXPECT_THAT(bad.error().reason, HasSubstr("bad length prefix"));
    EXPECT_EQ(bad.error().offset, 9U);
    dec.feed(pattern(100, 0));
    EXPECT_FALSE(dec.next().ok());
}

// ============================================================================================
// Event loop
// ============================================================================================

TEST(NetEventLoop, TimersFireInDeadlineOrderAndCancelWorks) {
    EventLoop loop;
    std::vector<int> fired;
    loop.after(milliseconds(30), [&] { fired.push_back(3); });
    loop.after(milliseconds(10), [&] { fired.push_back(1); });
    const auto cancelled = loop.after(milliseconds(15), [&] { fired.push_back(99); });
    loop.after(milliseconds(20), [&] { fired.push_back(2); });
    EventLoop::TimerId later = 0;
    later = loop.after(milliseconds(25), [&] { fired.push_back(98); });
    // Cancelling from inside a callback, and adding a timer from inside one.
    loop.after(milliseconds(12), [&] {
        fired.push_back(11);
        loop.cancel(later);
        loop.after(milliseconds(0), [&] { fired.push_back(12); });
    });
    loop.after(milliseconds(40), [&] { loop.stop(); });
    loop.cancel(cancelled);
    loop.cancel(123456);  // unknown: ignored
    const auto start = std::chrono::steady_clock::now();
    loop.run();
    EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(40));
    EXPECT_EQ(fired, (std::vector<int>{1, 11, 12, 2, 3}));
    EXPECT_EQ(loop.pending_timers(), 0U);
}

TEST(NetEventLoop, SameDeadlineFiresInInsertionOrder) {
    EventLoop loop;
    std::vector<int> fired;
    for (int i = 0; i < 10; ++i) loop.after(milliseconds(0), [&fired, i] { fired.push_back(i); });
    loop.run_for(milliseconds(20));
    EXPECT_EQ(fired, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(NetEventLoop, RunForReturnsAndStopIsCleared) {
    EventLoop loop;
    const auto start = std::chrono::steady_clock::now();
    loop.run_for(milliseconds(30));
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_GE(took, milliseconds(30));
    EXPECT_LT(took, milliseconds(2000));
    // stop() before run(): the run returns at once, and the flag does not stick.
    loop.stop();
    loop.run();
    bool fired = false;
    loop.after(milliseconds(5), [&] { fired = true; });
    loop.run_for(milliseconds(50));
    EXPECT_TRUE(fired);
}

TEST(NetEventLoop, HandlerRemovedByEarlierHandlerIsNotCalled) {
    EventLoop loop;
    int p1[2];
    int p2[2];
    ASSERT_EQ(::pipe(p1), 0);
    ASSERT_EQ(::pipe(p2), 0);
    mtc::net::UniqueFd r1(p1[0]), w1(p1[1]), r2(p2[0]), w2(p2[1]);
    ASSERT_EQ(::write(w1.get(), "x", 1), 1);
    ASSERT_EQ(::write(w2.get(), "y", 1), 1);
    // The loop dispatches in fd order: the lower fd runs first and removes the other one.
    const int first = std::min(r1.get(), r2.get());
    const int second = std::max(r1.get(), r2.get());
    int first_calls = 0;
    int second_calls = 0;
    loop.watch(first, POLLIN, [&](short) {
        ++first_calls;
        loop.unwatch(second);
        loop.unwatch(first);  // removing itself while running is fine too
    });
    loop.watch(second, POLLIN, [&](short) { ++second_calls; });
    loop.run_for(milliseconds(30));
    EXPECT_EQ(first_calls, 1);
    EXPECT_EQ(second_calls, 0);
}

EventLoop* g_signal_loop = nullptr;

extern "C" void on_sigusr1(int /*sig*/) {
    if (g_signal_loop != nullptr) g_signal_loop->stop_from_signal();
}

class NetSignal : public ::testing::Test {
protected:
    void SetUp() override {
        struct sigaction sa {};
        sa.sa_handler = on_sigusr1;
        sigemptyset(&sa.sa_mask);
        ASSERT_EQ(::sigaction(SIGUSR1, &sa, &old_), 0);
        g_signal_loop = &loop_;
    }
    void TearDown() override {
        g_signal_loop = nullptr;
        ::sigaction(SIGUSR1, &old_, nullptr);
    }
    EventLoop loop_;
    struct sigaction old_ {};
};

TEST_F(NetSignal, RaisedSignalStopsRun) {
    bool watchdog = false;
    loop_.after(milliseconds(20), [] { std::raise(SIGUSR1); });
    loop_.after(kWait, [&] {
        watchdog = true;
        loop_.stop();
    });
    loop_.run();
    EXPECT_FALSE(watchdog);
    EXPECT_TRUE(loop_.signal_stop_requested());
    // Sticky until reset: a SIGTERM means shut down.
    loop_.run();
    EXPECT_FALSE(watchdog);
    loop_.reset_signal_stop();
    EXPECT_FALSE(loop_.signal_stop_requested());
}

TEST_F(NetSignal, SignalWakesABlockedPoll) {
    // Nothing to wait for but the signal: run() sleeps in poll with no timeout.
    const pthread_t main_thread = ::pthread_self();
    std::thread sender([main_thread] {
        std::this_thread::sleep_for(milliseconds(50));
        ::pthread_kill(main_thread, SIGUSR1);
    });
    const auto start = std::chrono::steady_clock::now();
    loop_.run();
    sender.join();
    EXPECT_LT(std::chrono::steady_clock::now() - start, kWait);
    EXPECT_TRUE(loop_.signal_stop_requested());
}

TEST_F(NetSignal, StopFromAnotherThreadUsesTheSelfPipe) {
    // The handler runs on a thread that is not in poll: only the self-pipe can wake the loop.
    std::thread other([this] {
        std::this_thread::sleep_for(milliseconds(50));
        loop_.stop_from_signal();
    });
    loop_.run();
    other.join();
    EXPECT_TRUE(loop_.signal_stop_requested());
}

// ============================================================================================
// Retransmission schedule
// ============================================================================================

TEST(NetRetransmit, DefaultPolicyIs200msDoublingThreeRetries) {
    const mtc::net::RetransmitPolicy p;
    EXPECT_EQ(p.wait_after(0), milliseconds(200));
    EXPECT_EQ(p.wait_after(1), milliseconds(400));
    EXPECT_EQ(p.wait_after(3), milliseconds(1600));
    EXPECT_EQ(p.retries, 3U);
    EXPECT_EQ(p.give_up_after(), milliseconds(3000));
}

TEST(NetRetransmit, ResendsThenGivesUpOnce) {
    EventLoop loop;
    mtc::net::Retransmitter rt(loop, {milliseconds(10), 2, 3});
    const auto start = std::chrono::steady_clock::now();
    std::vector<milliseconds> resent_at;
    std::optional<milliseconds> gave_up_at;
    auto since = [&] {
        return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
    };
    rt.arm([&] { resent_at.push_back(since()); }, [&] { gave_up_at = since(); });
    EXPECT_TRUE(rt.armed());
    ASSERT_TRUE(run_until(loop, [&] { return gave_up_at.has_value(); }));
    ASSERT_EQ(resent_at.size(), 3U);
    EXPECT_GE(resent_at[0], milliseconds(10));
    EXPECT_GE(resent_at[1], milliseconds(30));
    EXPECT_GE(resent_at[2], milliseconds(70));
    EXPECT_GE(*gave_up_at, milliseconds(150));
    EXPECT_FALSE(rt.armed());
    EXPECT_EQ(rt.retransmissions(), 3U);
    loop.run_for(milliseconds(50));
    EXPECT_EQ(resent_at.size(), 3U);
}

TEST(NetRetransmit, DisarmStopsEverything) {
    EventLoop loop;
    mtc::net::Retransmitter rt(loop, {milliseconds(5), 2, 3});
    int resent = 0;
    bool gave_up = false;
    rt.arm(
        [&] {
            ++resent;
            rt.disarm();  // the answer arrived right after the first copy
        },
        [&] { gave_up = true; });
    loop.run_for(milliseconds(100));
    EXPECT_EQ(resent, 1);
    EXPECT_FALSE(gave_up);
    EXPECT_FALSE(rt.armed());
    EXPECT_EQ(loop.pending_timers(), 0U);
}

// ============================================================================================
// UDP
// ============================================================================================

TEST(NetUdp, RoundTripOfSeveralDatagrams) {
    EventLoop loop;
    auto a = UdpSocket::bind(loop, loopback0());
    auto b = UdpSocket::bind(loop, loopback0());
    ASSERT_TRUE(a.ok()) << a.error().reason;
    ASSERT_TRUE(b.ok()) << b.error().reason;
    const Endpoint a_ep = (*a)->local();
    const Endpoint b_ep = (*b)->local();
    EXPECT_NE(a_ep.port, 0);
    EXPECT_EQ(a_ep.host, "127.0.0.1");

    std::vector<Bytes> sent;
    for (std::size_t i = 0; i < 40; ++i)
        sent.push_back(pattern(i * 97 % 1400, static_cast<std::uint8_t>(i)));
    sent.push_back(Bytes{});
    sent.push_back(pattern(60000, 9));

    std::vector<Bytes> at_b;
    std::vector<Bytes> echoed;
    (*b)->on_datagram([&](Bytes d, const Endpoint& from) {
        EXPECT_EQ(from, a_ep);
        EXPECT_TRUE((*b)->send_to(from, d).ok());
        at_b.push_back(std::move(d));
    });
    (*a)->on_datagram([&](Bytes d, const Endpoint& from) {
        EXPECT_EQ(from, b_ep);
        echoed.push_back(std::move(d));
    });
    // All queued before the loop runs: one wake-up has to drain many datagrams.
    for (const Bytes& d : sent) {
        auto st = (*a)->send_to(b_ep, d);
        ASSERT_TRUE(st.ok()) << st.error().reason;
    }
    ASSERT_TRUE(run_until(loop, [&] { return echoed.size() == sent.size(); }));
    EXPECT_EQ(at_b, sent);
    EXPECT_EQ(echoed, sent);
}

TEST(NetUdp, HandlerMayDestroyItsSocket) {
    EventLoop loop;
    auto a = UdpSocket::bind(loop, loopback0());
    auto b = UdpSocket::bind(loop, loopback0());
    ASSERT_TRUE(a.ok() && b.ok());
    std::unique_ptr<UdpSocket> receiver = std::move(b.value());
    int got = 0;
    receiver->on_datagram([&](Bytes, const Endpoint&) {
        ++got;
        receiver.reset();
    });
    for (int i = 0; i < 5; ++i) ASSERT_TRUE((*a)->send_to(receiver->local(), pattern(10, 1)).ok());
    loop.run_for(milliseconds(50));
    EXPECT_EQ(got, 1);
}

TEST(NetUdp, Ipv6LoopbackAndFamilyMismatch) {
    EventLoop loop;
    auto a = UdpSocket::bind(loop, Endpoint{"::1", 0});
    if (!a.ok()) GTEST_SKIP() << "no IPv6 loopback: " << a.error().reason;
    auto b = UdpSocket::bind(loop, Endpoint{"::1", 0});
    ASSERT_TRUE(b.ok());
    std::optional<Endpoint> from;
    (*b)->on_datagram([&](Bytes, const Endpoint& f) { from = f; });
    ASSERT_TRUE((*a)->send_to((*b)->local(), pattern(8, 0)).ok());
    ASSERT_TRUE(run_until(loop, [&] { return from.has_value(); }));
    EXPECT_EQ(*from, (*a)->local());
    EXPECT_EQ(from->to_string(), "[::1]:" + std::to_string((*a)->local().port));
    auto st = (*a)->send_to(Endpoint{"127.0.0.1", 9}, pattern(8, 0));
    ASSERT_FALSE(st.ok());
    EXPECT_THAT(st.error().reason, HasSubstr("address family"));
}

// ============================================================================================
// Framed TCP
// ============================================================================================

// A listener whose connections echo every frame and record how they ended.
struct EchoServer {
    std::unique_ptr<StreamListener> listener;
    std::vector<std::shared_ptr<StreamConn>> conns;
    std::vector<Bytes> frames;
    std::vector<std::string> closes;
    int ready = 0;

    static std::unique_ptr<EchoServer> start(EventLoop& loop, std::optional<TlsConfig> tls) {
        auto s = std::make_unique<EchoServer>();
        auto l = StreamListener::listen(loop, loopback0(), std::move(tls));
        EXPECT_TRUE(l.ok()) << (l.ok() ? "" : l.error().reason);
        if (!l.ok()) return nullptr;
        s->listener = std::move(l.value());
        EchoServer* self = s.get();
        s->listener->on_accept([self](std::shared_ptr<StreamConn> c) {
            StreamConn* raw = c.get();
            c->on_ready([self] { ++self->ready; });
            c->on_frame([self, raw](Bytes f) {
                raw->send_frame(f);
                self->frames.push_back(std::move(f));
            });
            c->on_close([self](const std::string& why) { self->closes.push_back(why); });
            self->conns.push_back(std::move(c));
        });
        return s;
    }
};

// What a client connection saw.
struct ClientLog {
    bool ready = false;
    std::vector<Bytes> frames;
    std::optional<std::string> closed;

    void attach(StreamConn& c) {
        c.on_ready([this] { ready = true; });
        c.on_frame([this](Bytes f) { frames.push_back(std::move(f)); });
        c.on_close([this](const std::string& why) { closed = why; });
    }
};

TEST(NetStream, FramingRoundTripWithLargestFrameAndManySmallOnes) {
    EventLoop loop;
    auto server = EchoServer::start(loop, std::nullopt);
    ASSERT_TRUE(server);
    auto c = connect(loop, server->listener->local(), std::nullopt);
    ASSERT_TRUE(c.ok()) << c.error().reason;
    ClientLog log;
    log.attach(**c);

    std::vector<Bytes> sent;
    sent.push_back(pattern(mtc::net::kMaxStreamFrame, 3));  // 65551 bytes
    sent.push_back(Bytes{});
    for (int i = 0; i < 2000; ++i)
        sent.push_back(pattern(1 + i % 40, static_cast<std::uint8_t>(i)));
    sent.push_back(pattern(mtc::net::kMaxStreamFrame, 4));
    // All queued before the connection exists: flushed in as few writes as the kernel takes.
    for (const Bytes& f : sent) (*c)->send_frame(f);
    EXPECT_GT((*c)->queued_bytes(), 2 * mtc::net::kMaxStreamFrame);

    ASSERT_TRUE(run_until(loop, [&] { return log.frames.size() == sent.size(); }));
    EXPECT_TRUE(log.ready);
    EXPECT_EQ(server->ready, 1);
    EXPECT_EQ(server->frames, sent);
    EXPECT_EQ(log.frames, sent);
    EXPECT_FALSE((*c)->peer_identity().has_value());
    EXPECT_EQ((*c)->remote(), server->listener->local());
    ASSERT_EQ(server->conns.size(), 1U);
    EXPECT_EQ(server->conns[0]->remote(), (*c)->local());
    EXPECT_EQ((*c)->queued_bytes(), 0U);

    // Graceful close: the client reports "closed locally", the server sees the peer leave.
    (*c)->close();
    EXPECT_FALSE((*c)->is_open());
    ASSERT_TRUE(run_until(loop, [&] { return log.closed && !server->closes.empty(); }));
    EXPECT_EQ(*log.closed, "closed locally");
    EXPECT_EQ(server->closes[0], "peer closed the connection");
}

TEST(NetStream, FramesSentThenClosedBeforeConnectingStillArrive) {
    EventLoop loop;
    auto server = EchoServer::start(loop, std::nullopt);
    ASSERT_TRUE(server);
    auto c = connect(loop, server->listener->local(), std::nullopt);
    ASSERT_TRUE(c.ok());
    ClientLog log;
    log.attach(**c);
    (*c)->send_frame(pattern(100, 1));
    (*c)->close();
    (*c)->send_frame(pattern(100, 2));  // after close: ignored
    ASSERT_TRUE(run_until(loop, [&] { return log.closed && !server->closes.empty(); }));
    EXPECT_EQ(server->frames, (std::vector<Bytes>{pattern(100, 1)}));
    EXPECT_EQ(*log.closed, "closed locally");
    EXPECT_FALSE(log.ready);  // closed before ready: on_ready is not announced
}

// A plain blocking socket, to play a misbehaving peer byte by byte.
mtc::net::UniqueFd raw_connect(const Endpoint& to) {
    auto addr = mtc::net::to_sockaddr(to);
    mtc::net::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!addr.ok() || !fd || ::connect(fd.get(), addr->get(), addr->len) != 0) return {};
    return fd;
}

TEST(NetStream, PartialReadsReassembleAFrame) {
    EventLoop loop;
    auto server = EchoServer::start(loop, std::nullopt);
    ASSERT_TRUE(server);
    auto raw = raw_connect(server->listener->local());
    ASSERT_TRUE(raw);
    Bytes wire;
    const Bytes frame = pattern(1000, 5);
    mtc::net::append_frame(wire, frame);
    const std::size_t cuts[] = {0, 1, 3, 4, 5, 500, wire.size()};
    for (std::size_t i = 0; i + 1 < std::size(cuts); ++i) {
        ASSERT_EQ(::send(raw.get(), wire.data() + cuts[i], cuts[i + 1] - cuts[i], MSG_NOSIGNAL),
                  static_cast<ssize_t>(cuts[i + 1] - cuts[i]));
        loop.run_for(milliseconds(5));
    }
    ASSERT_TRUE(run_until(loop, [&] { return !server->frames.empty(); }));
    EXPECT_EQ(server->frames[0], frame);
}

TEST(NetStream, BadLengthPrefixClosesWithReason) {
    EventLoop loop;
    auto server = EchoServer::start(loop, std::nullopt);
    ASSERT_TRUE(server);
    auto raw = raw_connect(server->listener->local());
    ASSERT_TRUE(raw);
    Bytes wire;
    mtc::net::append_frame(wire, pattern(20, 0));  // one good frame first
    mtc::put_u32(wire, mtc::net::kMaxStreamFrame + 1);
    wire.insert(wire.end(), 100, 0xAA);
    ASSERT_EQ(::send(raw.get(), wire.data(), wire.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(wire.size()));
    ASSERT_TRUE(run_until(loop, [&] { return !server->closes.empty(); }));
    EXPECT_EQ(server->frames.size(), 1U);
    EXPECT_THAT(server->closes[0], HasSubstr("bad length prefix"));
    EXPECT_THAT(server->closes[0], HasSubstr("65552"));
    EXPECT_FALSE(server->conns[0]->is_open());
    // The peer sees the connection go (an abort: what was queued for it is dropped).
    const timeval tv{5, 0};
    ASSERT_EQ(::setsockopt(raw.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
    std::vector<std::uint8_t> buf(1024);
    ssize_t n = 0;
    while ((n = ::recv(raw.get(), buf.data(), buf.size(), 0)) > 0) {
    }
    EXPECT_TRUE(n == 0 || errno == ECONNRESET) << "recv: " << n << " errno " << errno;
}

TEST(NetStream, GarbageFromAPeerNeverCrashes) {
    EventLoop loop;
    auto server = EchoServer::start(loop, std::nullopt);
    ASSERT_TRUE(server);
    for (int round = 0; round < 20; ++round) {
        auto raw = raw_connect(server->listener->local());
        ASSERT_TRUE(raw);
        Bytes junk = pattern(static_cast<std::size_t>(round) * 37 + 1,
                             static_cast<std::uint8_t>(round * 13));
        ASSERT_EQ(::send(raw.get(), junk.data(), junk.size(), MSG_NOSIGNAL),
                  static_cast<ssize_t>(junk.size()));
        raw.reset();
    }
    ASSERT_TRUE(run_until(loop, [&] { return server->closes.size() == 20; }));
    for (const std::string& why : server->closes) EXPECT_FALSE(why.empty());
}

TEST(NetStream, ResetByPeerWhileSendingIsAReasonNotASignal) {
    EventLoop loop;
    auto server = EchoServer::start(loop, std::nullopt);
    ASSERT_TRUE(server);
    auto raw = raw_connect(server->listener->local());
    ASSERT_TRUE(raw);
    ASSERT_TRUE(run_until(loop, [&] { return server->ready == 1; }));
    // The server has a lot queued for a peer that then resets the connection: no SIGPIPE.
    for (int i = 0; i < 40; ++i)
        server->conns[0]->send_frame(pattern(mtc::net::kMaxStreamFrame, 1));
    const linger abort_on_close{1, 0};
    ASSERT_EQ(
        ::setsockopt(raw.get(), SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close), 0);
    raw.reset();
    ASSERT_TRUE(run_until(loop, [&] { return !server->closes.empty(); }));
    EXPECT_FALSE(server->closes[0].empty());
}

TEST(NetStream, SendQueueIsBounded) {
    EventLoop loop;
    auto server = EchoServer::start(loop, std::nullopt);
    ASSERT_TRUE(server);
    auto c = connect(loop, server->listener->local(), std::nullopt);
    ASSERT_TRUE(c.ok());
    ClientLog log;
    log.attach(**c);
    const Bytes big = pattern(mtc::net::kMaxStreamFrame, 1);
    // More than 4 MiB queued before anything could be written.
    for (int i = 0; i < 100 && (*c)->is_open(); ++i) (*c)->send_frame(big);
    EXPECT_FALSE((*c)->is_open());
    EXPECT_FALSE(log.closed.has_value());  // reported from the loop, not from send_frame
    ASSERT_TRUE(run_until(loop, [&] { return log.closed.has_value(); }));
    EXPECT_EQ(*log.closed, "send queue full");
}

TEST(NetStream, OversizedFrameIsNotSent) {
    EventLoop loop;
    auto server = EchoServer::start(loop, std::nullopt);
    ASSERT_TRUE(server);
    auto c = connect(loop, server->listener->local(), std::nullopt);
    ASSERT_TRUE(c.ok());
    ClientLog log;
    log.attach(**c);
    (*c)->send_frame(pattern(mtc::net::kMaxStreamFrame + 1, 0));
    ASSERT_TRUE(run_until(loop, [&] { return log.closed.has_value(); }));
    EXPECT_THAT(*log.closed, HasSubstr("frame too large to send"));
}

TEST(NetStream, ConnectionRefusedIsReported) {
    EventLoop loop;
    std::uint16_t port = 0;
    {
        auto l = StreamListener::listen(loop, loopback0(), std::nullopt);
        ASSERT_TRUE(l.ok());
        port = (*l)->local().port;
    }
    auto c = connect(loop, Endpoint{"127.0.0.1", port}, std::nullopt);
    if (!c.ok()) {
        EXPECT_THAT(c.error().reason, HasSubstr("refused"));
        return;
    }
    ClientLog log;
    log.attach(**c);
    ASSERT_TRUE(run_until(loop, [&] { return log.closed.has_value(); }));
    EXPECT_THAT(*log.closed, HasSubstr("refused"));
    EXPECT_FALSE(log.ready);
}

TEST(NetStream, BindsTheRequestedSourceAddress) {
    EventLoop loop;
    auto server = EchoServer::start(loop, std::nullopt);
    ASSERT_TRUE(server);
    auto c = connect(loop, server->listener->local(), std::nullopt, std::nullopt, "127.0.0.42");
    ASSERT_TRUE(c.ok()) << c.error().reason;
    ClientLog log;
    log.attach(**c);
    ASSERT_TRUE(run_until(loop, [&] { return log.ready && server->ready == 1; }));
    EXPECT_EQ((*c)->local().host, "127.0.0.42");
    EXPECT_EQ(server->conns[0]->remote().host, "127.0.0.42");

    auto bad = connect(loop, server->listener->local(), std::nullopt, std::nullopt, "::1");
    ASSERT_FALSE(bad.ok());
    EXPECT_THAT(bad.error().reason, HasSubstr("address families"));
    auto no_tls = connect(loop, server->listener->local(), std::nullopt, "mtcs-0");
    ASSERT_FALSE(no_tls.ok());
    EXPECT_THAT(no_tls.error().reason, HasSubstr("needs TLS"));
}

// ============================================================================================
// TLS 1.3, mutual authentication
// ============================================================================================

class NetTls : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        std::string tmpl = ::testing::TempDir() + "mtc_net_pki_XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = new std::filesystem::path(tmpl);
        auto pki = mtc::net::make_test_pki(*dir_ / "main", {"mtcs-0", "ue-0"});
        ASSERT_TRUE(pki.ok()) << pki.error().reason;
        pki_ = new mtc::net::TestPki(std::move(pki.value()));
        auto other = mtc::net::make_test_pki(*dir_ / "other", {"mtcs-0"}, "some other CA");
        ASSERT_TRUE(other.ok()) << other.error().reason;
        other_ = new mtc::net::TestPki(std::move(other.value()));
    }
    static void TearDownTestSuite() {
        std::error_code ec;
        if (dir_ != nullptr) std::filesystem::remove_all(*dir_, ec);
        delete dir_;
        delete pki_;
        delete other_;
        dir_ = nullptr;
        pki_ = nullptr;
        other_ = nullptr;
    }

    static std::filesystem::path* dir_;
    static mtc::net::TestPki* pki_;
    static mtc::net::TestPki* other_;
    EventLoop loop_;
};

std::filesystem::path* NetTls::dir_ = nullptr;
mtc::net::TestPki* NetTls::pki_ = nullptr;
mtc::net::TestPki* NetTls::other_ = nullptr;

TEST_F(NetTls, PkiFilesArePrivateAndNamedByCn) {
    ASSERT_EQ(pki_->leaves.size(), 2U);
    for (const auto* cert : {&pki_->ca, &pki_->leaves.at("ue-0")}) {
        for (const auto& file : {cert->cert_file, cert->key_file}) {
            struct stat st {};
            ASSERT_EQ(::stat(file.c_str(), &st), 0) << file;
            EXPECT_EQ(st.st_mode & 0777, 0600U) << file;
        }
    }
    EXPECT_EQ(pki_->leaves.at("ue-0").cert_file.filename(), "ue-0.crt");
    EXPECT_EQ(pki_->ca.cert_file.filename(), "mtcfuzz_test_CA.crt");
    EXPECT_TRUE(pki_->config_for("nobody").cert_file.empty());
}

TEST_F(NetTls, MutualAuthRoundTripBothSidesSeeTheOtherCn) {
    auto server = EchoServer::start(loop_, pki_->config_for("mtcs-0"));
    ASSERT_TRUE(server);
    auto c = connect(loop_, server->listener->local(), pki_->config_for("ue-0"), "mtcs-0");
    ASSERT_TRUE(c.ok()) << c.error().reason;
    ClientLog log;
    log.attach(**c);
    std::vector<Bytes> sent = {pattern(mtc::net::kMaxStreamFrame, 1), pattern(16, 2)};
    for (int i = 0; i < 300; ++i) sent.push_back(pattern(20 + i, static_cast<std::uint8_t>(i)));
    for (const Bytes& f : sent) (*c)->send_frame(f);  // queued until the handshake is done
    ASSERT_TRUE(run_until(loop_, [&] { return log.frames.size() == sent.size(); }))
        << (log.closed ? *log.closed : std::string("no close"));
    EXPECT_TRUE(log.ready);
    EXPECT_EQ(log.frames, sent);
    EXPECT_EQ(server->frames, sent);
    EXPECT_EQ((*c)->peer_identity(), std::optional<std::string>("mtcs-0"));
    ASSERT_EQ(server->conns.size(), 1U);
    EXPECT_EQ(server->conns[0]->peer_identity(), std::optional<std::string>("ue-0"));
    EXPECT_TRUE((*c)->is_tls());

    (*c)->close();
    ASSERT_TRUE(run_until(loop_, [&] { return log.closed && !server->closes.empty(); }));
    EXPECT_EQ(*log.closed, "closed locally");
    EXPECT_EQ(server->closes[0], "peer closed the connection");
}

TEST_F(NetTls, ClientWithoutCertificateIsRefused) {
    auto server = EchoServer::start(loop_, pki_->config_for("mtcs-0"));
    ASSERT_TRUE(server);
    auto c = connect(loop_, server->listener->local(), pki_->config_for("nobody"));
    ASSERT_TRUE(c.ok()) << c.error().reason;
    ClientLog log;
    log.attach(**c);
    (*c)->send_frame(pattern(10, 0));
    ASSERT_TRUE(run_until(loop_, [&] { return log.closed && !server->closes.empty(); }));
    EXPECT_TRUE(server->frames.empty());
    EXPECT_EQ(server->ready, 0);
    EXPECT_THAT(server->closes[0], HasSubstr("tls handshake failed"));
    EXPECT_THAT(server->closes[0], HasSubstr("certificate"));
    EXPECT_THAT(*log.closed, HasSubstr("certificate required"));
    EXPECT_FALSE(server->conns[0]->peer_identity().has_value());
}

TEST_F(NetTls, ServerCertificateFromAnotherCaIsRefused) {
    auto server = EchoServer::start(loop_, other_->config_for("mtcs-0"));
    ASSERT_TRUE(server);
    auto c = connect(loop_, server->listener->local(), pki_->config_for("ue-0"), "mtcs-0");
    ASSERT_TRUE(c.ok());
    ClientLog log;
    log.attach(**c);
    ASSERT_TRUE(run_until(loop_, [&] { return log.closed && !server->closes.empty(); }));
    EXPECT_FALSE(log.ready);
    EXPECT_THAT(*log.closed, HasSubstr("certificate verification"));
    EXPECT_FALSE((*c)->peer_identity().has_value());
    EXPECT_TRUE(server->frames.empty());
}

TEST_F(NetTls, ClientCertificateFromAnotherCaIsRefused) {
    auto server = EchoServer::start(loop_, pki_->config_for("mtcs-0"));
    ASSERT_TRUE(server);
    TlsConfig client = other_->config_for("mtcs-0");
    client.ca_file = pki_->ca.cert_file.string();  // trusts the server, but is not trusted
    auto c = connect(loop_, server->listener->local(), client, "mtcs-0");
    ASSERT_TRUE(c.ok());
    ClientLog log;
    log.attach(**c);
    (*c)->send_frame(pattern(10, 0));
    ASSERT_TRUE(run_until(loop_, [&] { return log.closed && !server->closes.empty(); }));
    EXPECT_TRUE(server->frames.empty());
    EXPECT_THAT(server->closes[0], HasSubstr("certificate verification"));
}

TEST_F(NetTls, ExpectedPeerMismatchIsRefused) {
    auto server = EchoServer::start(loop_, pki_->config_for("mtcs-0"));
    ASSERT_TRUE(server);
    auto c = connect(loop_, server->listener->local(), pki_->config_for("ue-0"), "mtcs-1");
    ASSERT_TRUE(c.ok());
    ClientLog log;
    log.attach(**c);
    (*c)->send_frame(pattern(10, 0));
    ASSERT_TRUE(run_until(loop_, [&] { return log.closed.has_value(); }));
    EXPECT_FALSE(log.ready);
    EXPECT_EQ(*log.closed, "peer identity mismatch: expected 'mtcs-1', got 'mtcs-0'");
    EXPECT_FALSE((*c)->peer_identity().has_value());
    loop_.run_for(milliseconds(50));
    EXPECT_TRUE(server->frames.empty());
}

TEST_F(NetTls, PlainTcpClientAgainstTlsServerIsClosed) {
    auto server = EchoServer::start(loop_, pki_->config_for("mtcs-0"));
    ASSERT_TRUE(server);
    auto c = connect(loop_, server->listener->local(), std::nullopt);
    ASSERT_TRUE(c.ok());
    ClientLog log;
    log.attach(**c);
    (*c)->send_frame(pattern(100, 0));
    ASSERT_TRUE(run_until(loop_, [&] { return !server->closes.empty(); }));
    EXPECT_THAT(server->closes[0], HasSubstr("tls handshake failed"));
    EXPECT_TRUE(server->frames.empty());
}

TEST_F(NetTls, BadFilesFailAtSetup) {
    TlsConfig missing{(*dir_ / "nope.crt").string(), "", ""};
    auto l = StreamListener::listen(loop_, loopback0(), pki_->config_for("nobody"));
    ASSERT_FALSE(l.ok());
    EXPECT_THAT(l.error().reason, HasSubstr("server needs cert_file"));
    auto c = connect(loop_, Endpoint{"127.0.0.1", 9}, missing);
    ASSERT_FALSE(c.ok());
    EXPECT_THAT(c.error().reason, HasSubstr("cannot load CA file"));
    TlsConfig mismatched = pki_->config_for("ue-0");
    mismatched.key_file = pki_->leaves.at("mtcs-0").key_file.string();
    auto m = StreamListener::listen(loop_, loopback0(), mismatched);
    ASSERT_FALSE(m.ok());
    EXPECT_THAT(m.error().reason, HasSubstr("key"));
}

}  // namespace

TEST(NetDuplicateFilter, DropsACopyFromTheSameSenderWithinTheWindowOnly) {
    using mtc::net::DuplicateFilter;
    DuplicateFilter f(milliseconds(100), 3);
    const auto t0 = DuplicateFilter::Clock::time_point{};
    const mtc::Bytes a = {1, 2, 3}, b = {1, 2, 4};
    EXPECT_FALSE(f.repeated("udp:1", a, t0));
    EXPECT_TRUE(f.repeated("udp:1", a, t0 + milliseconds(99)));    // a copy
    EXPECT_FALSE(f.repeated("udp:2", a, t0 + milliseconds(99)));   // another sender
    EXPECT_FALSE(f.repeated("udp:1", b, t0 + milliseconds(99)));   // other bytes
    EXPECT_FALSE(f.repeated("udp:1", a, t0 + milliseconds(100)));  // the window has passed
    EXPECT_EQ(f.dropped(), 1u);
    // Bounded: past capacity the oldest frame is forgotten first.
    DuplicateFilter small(milliseconds(1000), 2);
    for (std::uint8_t i = 0; i < 3; ++i) EXPECT_FALSE(small.repeated("x", mtc::Bytes{i}, t0));
    EXPECT_TRUE(small.repeated("x", mtc::Bytes{2}, t0));
    EXPECT_TRUE(small.repeated("x", mtc::Bytes{1}, t0));
    EXPECT_FALSE(small.repeated("x", mtc::Bytes{0}, t0));  // evicted
}
