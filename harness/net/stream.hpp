// Stream connections: frames over TCP, each prefixed by its length (u32 big-endian, at most
// kMaxStreamFrame = 16 + 65535 bytes; see framing.hpp), optionally inside TLS 1.3 with mutual
// certificate authentication (see tls.hpp). Used for the links the papers assume secure
// (ProSe UE<->MTCs); docs/transports.md has the whole picture.
//
// Lifetime: while a connection is open the event loop holds a reference to it, so a caller
// may drop its shared_ptr and still get its callbacks; once closed, the loop lets go and the
// callbacks are cleared (which breaks cycles through lambdas that captured the connection).
//
// Callbacks: on_ready, on_frame and on_close run from the event loop, never from inside a
// call the owner made (send_frame, close): a failure found there (send queue full) is
// reported on the loop's next round. on_close runs exactly once per connection, whatever
// closed it, with a reason: "closed locally" after close(), otherwise what went wrong.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "harness/net/endpoint.hpp"
#include "harness/net/event_loop.hpp"
#include "harness/net/fd.hpp"
#include "harness/net/framing.hpp"
#include "harness/net/tls.hpp"
#include "protocols/core/bytes.hpp"
#include "protocols/core/result.hpp"

namespace mtc::net {

class StreamConn : public std::enable_shared_from_this<StreamConn> {
    struct Key {
        explicit Key() = default;
    };

public:
    // A slow peer cannot make a connection hold more than this much unsent data.
    static constexpr std::size_t kDefaultSendQueueLimit = std::size_t{4} << 20;
    // Connect plus TLS handshake must complete within this, or the connection closes.
    static constexpr std::chrono::milliseconds kReadyTimeout{10'000};
    // After close(), queued data gets this long to drain before the socket is dropped.
    static constexpr std::chrono::milliseconds kLingerTimeout{2'000};
    // At most this much is read from one connection per loop round (fairness).
    static constexpr std::size_t kMaxReadPerWakeup = std::size_t{1} << 20;

    // Queues a frame (length prefix added here). Frames sent before on_ready are queued
    // and flushed once the connection is ready. A frame larger than kMaxStreamFrame, or one
    // that would take the queue over its limit, closes the connection ("frame too large to
    // send", "send queue full"). Ignored once the connection is closed or closing.
    void send_frame(BytesView frame);
    void on_frame(std::function<void(Bytes frame)> cb) { on_frame_ = std::move(cb); }
    void on_close(std::function<void(const std::string& why)> cb) { on_close_ = std::move(cb); }
    // Connected (and TLS handshake done, peer verified). Set after the connection became
    // ready, the callback is still called, on the next loop round.
    void on_ready(std::function<void()> cb);

    // TLS: subject CN of the verified peer certificate (once ready); nullopt for plain TCP.
    [[nodiscard]] const std::optional<std::string>& peer_identity() const { return peer_; }
    [[nodiscard]] Endpoint remote() const { return remote_; }
    [[nodiscard]] Endpoint local() const { return local_; }
    [[nodiscard]] bool is_tls() const { return tls_ != nullptr; }
    [[nodiscard]] bool is_ready() const { return phase_ == Phase::kReady && !closing_; }

    // Graceful: no more frames are delivered or accepted, queued frames are flushed (for at
    // most kLingerTimeout; before the connection is ready that includes connecting and the
    // handshake), TLS sends close_notify, then the socket closes and on_close("closed
    // locally") runs.
    void close();
    // Open from creation (connecting included) until close() or a failure.
    [[nodiscard]] bool is_open() const { return phase_ != Phase::kClosed && !closing_; }

    // Bytes queued and not yet written to the socket (frames, prefixes, TLS overhead).
    [[nodiscard]] std::size_t queued_bytes() const;
    void set_send_queue_limit(std::size_t bytes) { send_limit_ = bytes; }

    // Used by StreamListener and connect(); not for other callers.
    static Result<std::shared_ptr<StreamConn>> adopt_accepted(EventLoop& loop, UniqueFd fd,
                                                              Endpoint remote,
                                                              std::shared_ptr<TlsContext> tls);
    static Result<std::shared_ptr<StreamConn>> adopt_connecting(
        EventLoop& loop, UniqueFd fd, Endpoint remote, std::shared_ptr<TlsContext> tls,
        std::optional<std::string> expected_peer);

    StreamConn(Key, EventLoop& loop, UniqueFd fd, Endpoint remote);
    ~StreamConn();
    StreamConn(const StreamConn&) = delete;
    StreamConn& operator=(const StreamConn&) = delete;

private:
    enum class Phase { kConnecting, kHandshaking, kReady, kClosed };
    enum class Notify { kNow, kNextRound };

    void start(bool connecting);
    void on_io(short revents);
    void on_connected();
    bool on_readable();
    bool on_bytes(BytesView data);
    bool drive_handshake();
    bool on_plaintext(BytesView plain);
    void become_ready(Notify how);
    void announce_ready();
    void flush();
    void update_events();
    void maybe_finish_close(Notify how);
    void fail(const std::string& why, Notify how);
    void notify_close(const std::string& why);

    EventLoop& loop_;
    UniqueFd fd_;
    Endpoint remote_;
    Endpoint local_;
    Phase phase_ = Phase::kConnecting;
    bool closing_ = false;
    bool shutdown_sent_ = false;
    bool close_notified_ = false;
    bool ready_announced_ = false;
    std::unique_ptr<TlsSession> tls_;
    std::optional<std::string> expected_peer_;
    std::optional<std::string> peer_;
    FrameDecoder decoder_;
    Bytes out_;                // bytes for the socket (ciphertext under TLS)
    std::size_t out_off_ = 0;  // out_[0, out_off_) already written
    Bytes pending_plain_;      // TLS: framed plaintext queued before the handshake finished
    std::size_t send_limit_ = kDefaultSendQueueLimit;
    EventLoop::TimerId ready_timer_ = 0;
    EventLoop::TimerId linger_timer_ = 0;
    std::function<void(Bytes)> on_frame_;
    std::function<void(const std::string&)> on_close_;
    std::function<void()> on_ready_;
};

class StreamListener {
    struct Key {
        explicit Key() = default;
    };

public:
    using AcceptHandler = std::function<void(std::shared_ptr<StreamConn>)>;

    // Listens on `local` (port 0 = ephemeral; see local()). With `tls`, every accepted
    // connection runs the server side of a TLS 1.3 handshake and must present a client
    // certificate chaining to tls->ca_file. Bad TLS files fail here, not per connection.
    static Result<std::unique_ptr<StreamListener>> listen(EventLoop& loop, const Endpoint& local,
                                                          std::optional<TlsConfig> tls);

    StreamListener(Key, EventLoop& loop, UniqueFd fd, Endpoint local,
                   std::shared_ptr<TlsContext> tls);
    ~StreamListener();
    StreamListener(const StreamListener&) = delete;
    StreamListener& operator=(const StreamListener&) = delete;

    [[nodiscard]] Endpoint local() const { return local_; }
    // Called as soon as TCP accepted a connection (before the TLS handshake: set on_ready to
    // learn when the peer is verified, on_close to learn why it was refused). Without a
    // handler, accepted connections are closed at once.
    void on_accept(AcceptHandler cb) { on_accept_ = std::move(cb); }

    static constexpr int kBacklog = 128;
    static constexpr int kMaxAcceptsPerWakeup = 64;
    // Out of file descriptors: stop accepting for this long instead of spinning.
    static constexpr std::chrono::milliseconds kAcceptPause{100};

private:
    void on_readable();

    EventLoop& loop_;
    UniqueFd fd_;
    Endpoint local_;
    std::shared_ptr<TlsContext> tls_;
    AcceptHandler on_accept_;
    EventLoop::TimerId pause_timer_ = 0;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Non-blocking connect (then the client side of the TLS handshake when `tls` is set).
// expected_peer (TLS only): a server certificate whose CN differs closes the connection with
// a reason. local_ip: bind the socket to this source address first (the harness gives every
// role instance its own 127.x.y.z). Errors found at once (bad address, bad TLS files,
// unreachable network) come back here; later ones (refused, timeout, handshake) go to
// on_close.
Result<std::shared_ptr<StreamConn>> connect(EventLoop& loop, const Endpoint& remote,
                                            std::optional<TlsConfig> tls,
                                            std::optional<std::string> expected_peer = std::nullopt,
                                            std::optional<std::string> local_ip = std::nullopt);

}  // namespace mtc::net
