// UdpSocket: one bound, non-blocking UDP socket on the event loop. Every link of the live
// system except ProSe UE<->MTCs is plain UDP: one protocol frame per datagram.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include "harness/net/endpoint.hpp"
#include "harness/net/event_loop.hpp"
#include "harness/net/fd.hpp"
#include "protocols/core/bytes.hpp"
#include "protocols/core/result.hpp"

namespace mtc::net {

class UdpSocket {
    struct Key {
        explicit Key() = default;
    };

public:
    using DatagramHandler = std::function<void(Bytes datagram, const Endpoint& from)>;

    // Binds `local` (port 0 = ephemeral; see local() for the port chosen).
    static Result<std::unique_ptr<UdpSocket>> bind(EventLoop& loop, const Endpoint& local);

    UdpSocket(Key, EventLoop& loop, UniqueFd fd, Endpoint local);
    ~UdpSocket();
    UdpSocket(const UdpSocket&) = delete;
    UdpSocket& operator=(const UdpSocket&) = delete;

    [[nodiscard]] Endpoint local() const { return local_; }

    // Sends one datagram now. Errors (a full socket buffer included: UDP drops, it does not
    // queue) come back as a Status; nothing is retried.
    Status send_to(const Endpoint& to, BytesView datagram);

    // Called for each datagram received. Each wake-up drains every pending datagram (batches
    // of recvmmsg) up to kMaxDatagramsPerWakeup, so a flood cannot starve other sockets; the
    // rest follow on the next round. The handler may destroy this socket.
    void on_datagram(DatagramHandler cb) { on_datagram_ = std::move(cb); }

    static constexpr std::size_t kMaxDatagram = 65535;
    static constexpr std::size_t kBatch = 8;
    static constexpr std::size_t kMaxDatagramsPerWakeup = 4096;

private:
    void on_readable();

    EventLoop& loop_;
    UniqueFd fd_;
    Endpoint local_;
    DatagramHandler on_datagram_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // false once destroyed
};

}  // namespace mtc::net
