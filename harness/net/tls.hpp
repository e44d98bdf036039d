// TLS 1.3 with mutual certificate authentication, on OpenSSL 3, as a byte transformer: a
// TlsSession never touches a socket. The stream connection feeds it the ciphertext it reads
// and sends the ciphertext it produces (memory BIOs), so all socket I/O — non-blocking,
// MSG_NOSIGNAL, partial writes — lives in one place for plain TCP and TLS alike.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "protocols/core/bytes.hpp"
#include "protocols/core/result.hpp"

using SSL_CTX = struct ssl_ctx_st;
using SSL = struct ssl_st;

namespace mtc::net {

// PEM files. TLS 1.3 only; the peer must present a certificate chaining to ca_file, in both
// directions. The server needs cert_file and key_file; a client without them connects
// without a certificate (and every mtcfuzz server refuses it: kept for negative tests).
struct TlsConfig {
    std::string ca_file, cert_file, key_file;
};

enum class TlsSide { kClient, kServer };

// An SSL_CTX configured from a TlsConfig: shared by every connection of a listener.
class TlsContext {
    struct Key {
        explicit Key() = default;
    };

public:
    static Result<std::shared_ptr<TlsContext>> create(const TlsConfig& config, TlsSide side);

    TlsContext(Key, SSL_CTX* ctx, TlsSide side);
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    [[nodiscard]] SSL_CTX* get() const { return ctx_; }
    [[nodiscard]] TlsSide side() const { return side_; }

private:
    SSL_CTX* ctx_;
    TlsSide side_;
};

// One connection's TLS state.
class TlsSession {
    struct Key {
        explicit Key() = default;
    };

public:
    static Result<std::unique_ptr<TlsSession>> create(std::shared_ptr<TlsContext> ctx);

    TlsSession(Key, std::shared_ptr<TlsContext> ctx, SSL* ssl);
    ~TlsSession();
    TlsSession(const TlsSession&) = delete;
    TlsSession& operator=(const TlsSession&) = delete;

    // Ciphertext read from the socket.
    Status feed(BytesView ciphertext);
    // Advances the handshake: true once complete (and the peer's certificate verified).
    Result<bool> handshake();
    [[nodiscard]] bool handshake_done() const { return done_; }
    // Appends all plaintext available to `out`. Returns false once the peer sent
    // close_notify; an Error when the stream is not valid TLS or the peer sent an alert.
    Result<bool> read(Bytes& out);
    // Encrypts `plaintext` (only after the handshake).
    Status write(BytesView plaintext);
    // Queues close_notify.
    void shutdown();
    // Moves the ciphertext to send to the end of `out`.
    void take_output(Bytes& out);

    // Subject CN of the verified peer certificate (after the handshake).
    Result<std::string> peer_cn() const;

private:
    std::shared_ptr<TlsContext> ctx_;
    SSL* ssl_;
    bool done_ = false;
};

// Every queued OpenSSL error as "what: reason; reason", and the queue cleared.
std::string openssl_error(const std::string& what);

}  // namespace mtc::net
