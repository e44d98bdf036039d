// StreamConn: one framed TCP or TLS connection driven by the event loop.
#include <array>
#include <cerrno>
#include <sys/socket.h>

#include "harness/net/sockaddr.hpp"
#include "harness/net/stream.hpp"

namespace mtc::net {

using std::chrono::milliseconds;

Result<std::shared_ptr<StreamConn>> StreamConn::adopt_accepted(EventLoop& loop, UniqueFd fd,
                                                               Endpoint remote,
                                                               std::shared_ptr<TlsContext> tls) {
    auto conn = std::make_shared<StreamConn>(Key{}, loop, std::move(fd), std::move(remote));
    if (tls) {
        auto session = TlsSession::create(std::move(tls));
        if (!session) return session.error();
        conn->tls_ = std::move(session.value());
    }
    conn->start(/*connecting=*/false);
    return conn;
}

Result<std::shared_ptr<StreamConn>> StreamConn::adopt_connecting(
    EventLoop& loop, UniqueFd fd, Endpoint remote, std::shared_ptr<TlsContext> tls,
    std::optional<std::string> expected_peer) {
    auto conn = std::make_shared<StreamConn>(Key{}, loop, std::move(fd), std::move(remote));
    if (tls) {
        auto session = TlsSession::create(std::move(tls));
        if (!session) return session.error();
        conn->tls_ = std::move(session.value());
    }
    conn->expected_peer_ = std::move(expected_peer);
    conn->start(/*connecting=*/true);
    return conn;
}

StreamConn::StreamConn(Key /*unused*/, EventLoop& loop, UniqueFd fd, Endpoint remote)
    : loop_(loop), fd_(std::move(fd)), remote_(std::move(remote)) {
    if (auto l = local_endpoint(fd_.get())) local_ = std::move(l.value());
}

StreamConn::~StreamConn() {
    // Only reached once closed, or when the loop itself is being destroyed (it moved its
    // tables out first, so these calls are harmless then).
    if (fd_) loop_.unwatch(fd_.get());
    if (ready_timer_ != 0) loop_.cancel(ready_timer_);
    if (linger_timer_ != 0) loop_.cancel(linger_timer_);
}

void StreamConn::start(bool connecting) {
    if (connecting) {
        phase_ = Phase::kConnecting;
    } else {
        phase_ = tls_ ? Phase::kHandshaking : Phase::kReady;
    }
    // The loop owns a reference while the connection is open (released by unwatch).
    auto self = shared_from_this();
    loop_.watch(fd_.get(), 0, [self](short revents) { self->on_io(revents); });
    update_events();
    if (phase_ == Phase::kReady) {
        become_ready(Notify::kNextRound);
        return;
    }
    std::weak_ptr<StreamConn> weak = self;
    ready_timer_ = loop_.after(kReadyTimeout, [weak] {
        auto s = weak.lock();
        if (!s) return;
        s->ready_timer_ = 0;
        if (s->phase_ == Phase::kConnecting) s->fail("connect timeout", Notify::kNow);
        if (s->phase_ == Phase::kHandshaking) s->fail("tls handshake timeout", Notify::kNow);
    });
}

void StreamConn::on_ready(std::function<void()> cb) {
    on_ready_ = std::move(cb);
    if (!ready_announced_ || !is_ready()) return;
    // Set after the announcement: call it on the next round, never from inside this call.
    std::weak_ptr<StreamConn> weak = shared_from_this();
    loop_.after(milliseconds(0), [weak] {
        auto s = weak.lock();
        if (!s || !s->is_ready() || !s->on_ready_) return;
        const auto cb = s->on_ready_;
        cb();
    });
}

std::size_t StreamConn::queued_bytes() const {
    return out_.size() - out_off_ + pending_plain_.size();
}

void StreamConn::send_frame(BytesView frame) {
    if (!is_open()) return;
    if (frame.size() > kMaxStreamFrame) {
        fail("frame too large to send: " + std::to_string(frame.size()) + " bytes, at most " +
                 std::to_string(kMaxStreamFrame),
             Notify::kNextRound);
        return;
    }
    if (queued_bytes() + kLengthPrefixSize + frame.size() > send_limit_) {
        fail("send queue full", Notify::kNextRound);
        return;
    }
    if (tls_ && phase_ != Phase::kReady) {
        append_frame(pending_plain_, frame);
        return;
    }
    if (tls_) {
        Bytes record;
        record.reserve(kLengthPrefixSize + frame.size());
        append_frame(record, frame);
        if (auto st = tls_->write(record); !st) {
            fail(st.error().reason, Notify::kNextRound);
            return;
        }
        tls_->take_output(out_);
    } else {
        append_frame(out_, frame);
    }
    update_events();
}

void StreamConn::close() {
    if (!is_open()) return;
    closing_ = true;
    std::weak_ptr<StreamConn> weak = shared_from_this();
    linger_timer_ = loop_.after(kLingerTimeout, [weak] {
        auto s = weak.lock();
        if (!s) return;
        s->linger_timer_ = 0;
        s->fail("closed locally", Notify::kNow);
    });
    maybe_finish_close(Notify::kNextRound);
}

// --------------------------------------------------------------------------------------------
// Driven by the loop
// --------------------------------------------------------------------------------------------

void StreamConn::on_io(short revents) {
    const auto self = shared_from_this();
    if (phase_ == Phase::kClosed) return;
    if (phase_ == Phase::kConnecting) {
        on_connected();
        return;
    }
    if ((revents & (POLLIN | POLLHUP | POLLERR)) != 0 && !on_readable()) return;
    if ((revents & POLLOUT) != 0) flush();
}

void StreamConn::on_connected() {
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err == 0) {
        // Writable without an error, but is it connected? (A POLLHUP alone would say no.)
        if (auto peer = remote_endpoint(fd_.get()); !peer) err = ENOTCONN;
    }
    if (err != 0) {
        fail(errno_reason("connect to " + remote_.to_string() + " failed", err), Notify::kNow);
        return;
    }
    if (auto l = local_endpoint(fd_.get())) local_ = std::move(l.value());
    if (!tls_) {
        become_ready(Notify::kNow);
        return;
    }
    phase_ = Phase::kHandshaking;
    update_events();
    drive_handshake();  // sends the ClientHello
}

bool StreamConn::on_readable() {
    std::array<std::uint8_t, 32768> buf{};
    std::size_t total = 0;
    while (total < kMaxReadPerWakeup) {
        const ssize_t n = ::recv(fd_.get(), buf.data(), buf.size(), MSG_DONTWAIT);
        if (n > 0) {
            total += static_cast<std::size_t>(n);
            if (!on_bytes(BytesView(buf.data(), static_cast<std::size_t>(n)))) return false;
            continue;
        }
        if (n == 0) {
            std::string why = "peer closed the connection";
            if (closing_) {
                why = "closed locally";
            } else if (phase_ == Phase::kHandshaking) {
                why += " during the TLS handshake";
            } else if (decoder_.mid_frame()) {
                why += " mid-frame";
            }
            fail(why, Notify::kNow);
            return false;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        fail(errno_reason("recv", errno), Notify::kNow);
        return false;
    }
    return true;
}

bool StreamConn::on_bytes(BytesView data) {
    if (!tls_) return on_plaintext(data);
    if (auto st = tls_->feed(data); !st) {
        fail(st.error().reason, Notify::kNow);
        return false;
    }
    if (phase_ == Phase::kHandshaking) {
        if (!drive_handshake()) return false;
        if (phase_ != Phase::kReady) return true;
    }
    Bytes plain;
    auto r = tls_->read(plain);
    tls_->take_output(out_);  // a KeyUpdate answer, an alert
    update_events();
    // Deliver what arrived before an error or close_notify.
    if (!plain.empty() && !on_plaintext(plain)) return false;
    if (phase_ == Phase::kClosed) return false;
    if (!r) {
        fail(r.error().reason, Notify::kNow);
        return false;
    }
    if (!*r) {
        std::string why = closing_ ? "closed locally" : "peer closed the connection";
        if (!closing_ && decoder_.mid_frame()) why += " mid-frame";
        fail(why, Notify::kNow);
        return false;
    }
    return true;
}

bool StreamConn::drive_handshake() {
    auto r = tls_->handshake();
    tls_->take_output(out_);
    if (!r) {
        fail(r.error().reason, Notify::kNow);
        return false;
    }
    update_events();
    if (!*r) return true;
    auto cn = tls_->peer_cn();
    if (!cn) {
        fail("tls: " + cn.error().reason, Notify::kNow);
        return false;
    }
    if (expected_peer_ && *expected_peer_ != *cn) {
        fail("peer identity mismatch: expected '" + *expected_peer_ + "', got '" + *cn + "'",
             Notify::kNow);
        return false;
    }
    peer_ = std::move(cn.value());
    become_ready(Notify::kNow);
    return phase_ != Phase::kClosed;
}

bool StreamConn::on_plaintext(BytesView plain) {
    decoder_.feed(plain);
    for (;;) {
        auto frame = decoder_.next();
        if (!frame) {
            fail(frame.error().describe(), Notify::kNow);
            return false;
        }
        if (!frame->has_value()) return true;
        if (closing_ || !on_frame_) continue;  // closing, or nobody listens: dropped
        const auto cb = on_frame_;             // the callback may replace itself
        cb(std::move(**frame));
        if (phase_ == Phase::kClosed) return false;
    }
}

void StreamConn::become_ready(Notify how) {
    phase_ = Phase::kReady;
    if (ready_timer_ != 0) loop_.cancel(std::exchange(ready_timer_, 0));
    if (tls_ && !pending_plain_.empty()) {
        auto st = tls_->write(pending_plain_);
        pending_plain_.clear();
        if (!st) {
            fail(st.error().reason, how);
            return;
        }
        tls_->take_output(out_);
    }
    update_events();
    if (closing_) {
        maybe_finish_close(how);
        return;
    }
    if (how == Notify::kNow) {
        announce_ready();
        return;
    }
    std::weak_ptr<StreamConn> weak = shared_from_this();
    loop_.after(milliseconds(0), [weak] {
        if (auto s = weak.lock()) s->announce_ready();
    });
}

void StreamConn::announce_ready() {
    if (ready_announced_ || !is_ready()) return;
    ready_announced_ = true;
    if (!on_ready_) return;
    const auto cb = on_ready_;
    cb();
}

void StreamConn::flush() {
    while (out_off_ < out_.size()) {
        const ssize_t n = ::send(fd_.get(), out_.data() + out_off_, out_.size() - out_off_,
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0) {
            out_off_ += static_cast<std::size_t>(n);
            continue;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        fail(errno_reason("send", errno), Notify::kNow);
        return;
    }
    if (out_off_ == out_.size()) {
        out_.clear();
        out_off_ = 0;
    } else if (out_off_ >= (std::size_t{64} << 10) && out_off_ >= out_.size() / 2) {
        out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(out_off_));
        out_off_ = 0;
    }
    update_events();
    maybe_finish_close(Notify::kNow);
}

void StreamConn::update_events() {
    if (phase_ == Phase::kClosed) return;
    short events = POLLOUT;
    if (phase_ != Phase::kConnecting) {
        events = static_cast<short>(POLLIN | (out_off_ < out_.size() ? POLLOUT : 0));
    }
    loop_.set_events(fd_.get(), events);
}

void StreamConn::maybe_finish_close(Notify how) {
    if (!closing_ || phase_ != Phase::kReady) return;
    if (tls_ && !shutdown_sent_) {
        shutdown_sent_ = true;
        tls_->shutdown();
        tls_->take_output(out_);
        update_events();
    }
    if (out_off_ < out_.size()) return;  // the loop flushes, then calls again
    ::shutdown(fd_.get(), SHUT_WR);
    fail("closed locally", how);
}

void StreamConn::fail(const std::string& why, Notify how) {
    if (phase_ == Phase::kClosed) return;
    if (tls_) {
        // Best effort, one non-blocking attempt: let the peer read our alert.
        tls_->take_output(out_);
        if (out_off_ < out_.size()) {
            [[maybe_unused]] const ssize_t n =
                ::send(fd_.get(), out_.data() + out_off_, out_.size() - out_off_,
                       MSG_NOSIGNAL | MSG_DONTWAIT);
        }
    }
    phase_ = Phase::kClosed;
    if (ready_timer_ != 0) loop_.cancel(std::exchange(ready_timer_, 0));
    if (linger_timer_ != 0) loop_.cancel(std::exchange(linger_timer_, 0));
    loop_.unwatch(fd_.get());
    fd_.reset();
    tls_.reset();
    Bytes().swap(out_);
    out_off_ = 0;
    Bytes().swap(pending_plain_);
    decoder_ = FrameDecoder{};
    if (how == Notify::kNow) {
        notify_close(why);
        return;
    }
    auto self = shared_from_this();
    loop_.after(milliseconds(0), [self, why] { self->notify_close(why); });
}

void StreamConn::notify_close(const std::string& why) {
    if (close_notified_) return;
    close_notified_ = true;
    auto cb = std::move(on_close_);
    // Break reference cycles through callbacks that captured this connection.
    on_close_ = nullptr;
    on_frame_ = nullptr;
    on_ready_ = nullptr;
    if (cb) cb(why);
}

}  // namespace mtc::net
