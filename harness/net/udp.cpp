#include "harness/net/udp.hpp"

#include <array>
#include <cerrno>
#include <netinet/in.h>
#include <sys/socket.h>

#include "harness/net/sockaddr.hpp"

namespace mtc::net {

Result<std::unique_ptr<UdpSocket>> UdpSocket::bind(EventLoop& loop, const Endpoint& local) {
    auto addr = to_sockaddr(local);
    if (!addr) return addr.error();
    auto fd = open_socket(local, SOCK_DGRAM);
    if (!fd) return fd.error();
    // A deep receive queue absorbs bursts (a flood, a hub relaying many roles) instead of
    // dropping them. SO_RCVBUFFORCE passes net.core.rmem_max when we may (root); otherwise
    // the kernel caps SO_RCVBUF at that limit, which is still the best we can get.
    const int want = 4 << 20;
    if (::setsockopt(fd->get(), SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof want) != 0) {
        ::setsockopt(fd->get(), SOL_SOCKET, SO_RCVBUF, &want, sizeof want);
    }
    if (::bind(fd->get(), addr->get(), addr->len) != 0) {
        return make_error(errno_reason("bind " + local.to_string(), errno));
    }
    auto bound = local_endpoint(fd->get());
    if (!bound) return bound.error();
    return std::make_unique<UdpSocket>(Key{}, loop, std::move(fd.value()), std::move(*bound));
}

UdpSocket::UdpSocket(Key /*unused*/, EventLoop& loop, UniqueFd fd, Endpoint local)
    : loop_(loop), fd_(std::move(fd)), local_(std::move(local)) {
    loop_.watch(fd_.get(), POLLIN, [this](short /*revents*/) { on_readable(); });
}

UdpSocket::~UdpSocket() {
    *alive_ = false;
    loop_.unwatch(fd_.get());
}

Status UdpSocket::send_to(const Endpoint& to, BytesView datagram) {
    auto addr = to_sockaddr(to);
    if (!addr) return addr.error();
    if (addr->family() != (local_.is_ipv6() ? AF_INET6 : AF_INET)) {
        return make_error("address family mismatch: " + local_.to_string() + " -> " +
                          to.to_string());
    }
    if (datagram.size() > kMaxDatagram) return make_error("datagram too large");
    const ssize_t n =
        ::sendto(fd_.get(), datagram.data(), datagram.size(), MSG_NOSIGNAL, addr->get(), addr->len);
    if (n < 0) return make_error(errno_reason("sendto " + to.to_string(), errno));
    if (static_cast<std::size_t>(n) != datagram.size()) return make_error("short datagram send");
    return Ok{};
}

void UdpSocket::on_readable() {
    // The loop's shared buffer: the batch is copied out before any handler runs.
    Bytes& buffers = loop_.scratch(kBatch * kMaxDatagram);
    std::array<mmsghdr, kBatch> msgs{};
    std::array<iovec, kBatch> iov{};
    std::array<sockaddr_storage, kBatch> from{};
    const std::shared_ptr<bool> alive = alive_;
    std::size_t delivered = 0;
    while (delivered < kMaxDatagramsPerWakeup) {
        for (std::size_t i = 0; i < kBatch; ++i) {
            iov[i] = iovec{buffers.data() + i * kMaxDatagram, kMaxDatagram};
            msgs[i] = mmsghdr{};
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &from[i];
            msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
        }
        const int n = ::recvmmsg(fd_.get(), msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
        if (n <= 0) return;  // EAGAIN (drained) or an error a datagram socket can ignore
        // Copy the batch out before calling back: the handler may destroy this socket.
        std::vector<std::pair<Bytes, Endpoint>> batch;
        batch.reserve(static_cast<std::size_t>(n));
        for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
            if ((msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0) continue;
            const std::uint8_t* p = buffers.data() + i * kMaxDatagram;
            batch.emplace_back(Bytes(p, p + msgs[i].msg_len), from_sockaddr(from[i]));
        }
        for (auto& [data, sender] : batch) {
            if (!*alive) return;
            ++delivered;
            if (on_datagram_) {
                // Copy: the handler may replace itself.
                const DatagramHandler cb = on_datagram_;
                cb(std::move(data), sender);
            }
        }
        if (!*alive) return;
        if (static_cast<std::size_t>(n) < kBatch) return;  // the queue was emptied
    }
}

}  // namespace mtc::net
