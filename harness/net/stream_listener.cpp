// StreamListener and connect(): how stream connections come to exist.
#include <cerrno>
#include <sys/socket.h>

#include "harness/net/sockaddr.hpp"
#include "harness/net/stream.hpp"

namespace mtc::net {

Result<std::unique_ptr<StreamListener>> StreamListener::listen(EventLoop& loop,
                                                               const Endpoint& local,
                                                               std::optional<TlsConfig> tls) {
    std::shared_ptr<TlsContext> ctx;
    if (tls) {
        auto c = TlsContext::create(*tls, TlsSide::kServer);
        if (!c) return c.error();
        ctx = std::move(c.value());
    }
    auto addr = to_sockaddr(local);
    if (!addr) return addr.error();
    auto fd = open_socket(local, SOCK_STREAM);
    if (!fd) return fd.error();
    const int on = 1;
    ::setsockopt(fd->get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (::bind(fd->get(), addr->get(), addr->len) != 0) {
        return make_error(errno_reason("bind " + local.to_string(), errno));
    }
    if (::listen(fd->get(), kBacklog) != 0) {
        return make_error(errno_reason("listen " + local.to_string(), errno));
    }
    auto bound = local_endpoint(fd->get());
    if (!bound) return bound.error();
    return std::make_unique<StreamListener>(Key{}, loop, std::move(fd.value()),
                                            std::move(bound.value()), std::move(ctx));
}

StreamListener::StreamListener(Key /*unused*/, EventLoop& loop, UniqueFd fd, Endpoint local,
                               std::shared_ptr<TlsContext> tls)
    : loop_(loop), fd_(std::move(fd)), local_(std::move(local)), tls_(std::move(tls)) {
    loop_.watch(fd_.get(), POLLIN, [this](short /*revents*/) { on_readable(); });
}

StreamListener::~StreamListener() {
    *alive_ = false;
    if (pause_timer_ != 0) loop_.cancel(pause_timer_);
    loop_.unwatch(fd_.get());
}

void StreamListener::on_readable() {
    const std::shared_ptr<bool> alive = alive_;
    for (int i = 0; i < kMaxAcceptsPerWakeup; ++i) {
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        UniqueFd fd(::accept4(fd_.get(), reinterpret_cast<sockaddr*>(&ss), &len,
                              SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!fd) {
            const int err = errno;
            if (err == EINTR || err == ECONNABORTED || err == EPROTO) continue;
            if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
                // Level-triggered poll would report the pending connection forever: pause.
                loop_.set_events(fd_.get(), 0);
                pause_timer_ = loop_.after(kAcceptPause, [this] {
                    pause_timer_ = 0;
                    loop_.set_events(fd_.get(), POLLIN);
                });
            }
            return;  // EAGAIN: all accepted
        }
        set_tcp_nodelay(fd.get());
        auto conn = StreamConn::adopt_accepted(loop_, std::move(fd), from_sockaddr(ss), tls_);
        if (!conn) continue;  // no memory for a TLS session: the socket is closed
        if (!on_accept_) {
            (*conn)->close();
            continue;
        }
        const AcceptHandler cb = on_accept_;
        cb(std::move(conn.value()));
        if (!*alive) return;  // the handler destroyed this listener
    }
}

Result<std::shared_ptr<StreamConn>> connect(EventLoop& loop, const Endpoint& remote,
                                            std::optional<TlsConfig> tls,
                                            std::optional<std::string> expected_peer,
                                            std::optional<std::string> local_ip) {
    if (expected_peer && !tls) {
        return make_error("expected_peer needs TLS: a plain TCP peer has no identity");
    }
    auto addr = to_sockaddr(remote);
    if (!addr) return addr.error();
    std::shared_ptr<TlsContext> ctx;
    if (tls) {
        auto c = TlsContext::create(*tls, TlsSide::kClient);
        if (!c) return c.error();
        ctx = std::move(c.value());
    }
    auto fd = open_socket(remote, SOCK_STREAM);
    if (!fd) return fd.error();
    if (local_ip) {
        auto host = parse_host(*local_ip);
        if (!host) return make_error("local_ip: " + host.error().reason);
        const Endpoint source{std::move(host.value()), 0};
        if (source.is_ipv6() != remote.is_ipv6()) {
            return make_error("local_ip " + source.host + " and " + remote.to_string() +
                              " are of different address families");
        }
        auto src = to_sockaddr(source);
        if (!src) return src.error();
        if (::bind(fd->get(), src->get(), src->len) != 0) {
            return make_error(errno_reason("bind " + source.host, errno));
        }
    }
    set_tcp_nodelay(fd->get());
    if (::connect(fd->get(), addr->get(), addr->len) != 0 && errno != EINPROGRESS) {
        return make_error(errno_reason("connect to " + remote.to_string(), errno));
    }
    return StreamConn::adopt_connecting(loop, std::move(fd.value()), remote, std::move(ctx),
                                        std::move(expected_peer));
}

}  // namespace mtc::net
