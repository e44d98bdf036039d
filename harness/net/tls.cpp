#include "harness/net/tls.hpp"

#include <array>
#include <climits>
#include <utility>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace mtc::net {

std::string openssl_error(const std::string& what) {
    std::string out = what;
    const char* sep = ": ";
    while (const unsigned long e = ERR_get_error()) {
        std::array<char, 256> buf{};
        ERR_error_string_n(e, buf.data(), buf.size());
        out += sep;
        out += buf.data();
        sep = "; ";
    }
    return out;
}

// --------------------------------------------------------------------------------------------
// TlsContext
// --------------------------------------------------------------------------------------------

namespace {

struct CtxFree {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using CtxPtr = std::unique_ptr<SSL_CTX, CtxFree>;

}  // namespace

Result<std::shared_ptr<TlsContext>> TlsContext::create(const TlsConfig& config, TlsSide side) {
    ERR_clear_error();
    if (config.ca_file.empty()) return make_error("tls: ca_file is required");
    if (config.cert_file.empty() != config.key_file.empty()) {
        return make_error("tls: cert_file and key_file go together");
    }
    if (side == TlsSide::kServer && config.cert_file.empty()) {
        return make_error("tls: a server needs cert_file and key_file");
    }
    CtxPtr ctx(SSL_CTX_new(side == TlsSide::kServer ? TLS_server_method() : TLS_client_method()));
    if (!ctx) return make_error(openssl_error("tls: SSL_CTX_new"));
    if (SSL_CTX_set_min_proto_version(ctx.get(), TLS1_3_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(ctx.get(), TLS1_3_VERSION) != 1) {
        return make_error(openssl_error("tls: cannot restrict to TLS 1.3"));
    }
    if (SSL_CTX_load_verify_locations(ctx.get(), config.ca_file.c_str(), nullptr) != 1) {
        return make_error(openssl_error("tls: cannot load CA file '" + config.ca_file + "'"));
    }
    if (!config.cert_file.empty()) {
        if (SSL_CTX_use_certificate_chain_file(ctx.get(), config.cert_file.c_str()) != 1) {
            return make_error(
                openssl_error("tls: cannot load certificate '" + config.cert_file + "'"));
        }
        if (SSL_CTX_use_PrivateKey_file(ctx.get(), config.key_file.c_str(), SSL_FILETYPE_PEM) !=
            1) {
            return make_error(openssl_error("tls: cannot load key '" + config.key_file + "'"));
        }
        if (SSL_CTX_check_private_key(ctx.get()) != 1) {
            return make_error(openssl_error("tls: key '" + config.key_file +
                                            "' does not match certificate '" + config.cert_file +
                                            "'"));
        }
    }
    const int mode = side == TlsSide::kServer ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
                                              : SSL_VERIFY_PEER;
    SSL_CTX_set_verify(ctx.get(), mode, nullptr);
    // No resumption: every connection authenticates with certificates, and no tickets travel.
    SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx.get(), SSL_OP_NO_TICKET);
    if (side == TlsSide::kServer) SSL_CTX_set_num_tickets(ctx.get(), 0);
    return std::make_shared<TlsContext>(Key{}, ctx.release(), side);
}

TlsContext::TlsContext(Key /*unused*/, SSL_CTX* ctx, TlsSide side) : ctx_(ctx), side_(side) {}

TlsContext::~TlsContext() {
    SSL_CTX_free(ctx_);
}

// --------------------------------------------------------------------------------------------
// TlsSession
// --------------------------------------------------------------------------------------------

Result<std::unique_ptr<TlsSession>> TlsSession::create(std::shared_ptr<TlsContext> ctx) {
    ERR_clear_error();
    SSL* ssl = SSL_new(ctx->get());
    if (ssl == nullptr) return make_error(openssl_error("tls: SSL_new"));
    // Owned from here on: the session frees it whatever happens next.
    auto session = std::make_unique<TlsSession>(Key{}, std::move(ctx), ssl);
    BIO* rbio = BIO_new(BIO_s_mem());
    BIO* wbio = BIO_new(BIO_s_mem());
    if (rbio == nullptr || wbio == nullptr) {
        BIO_free(rbio);
        BIO_free(wbio);
        return make_error(openssl_error("tls: BIO_new"));
    }
    // An empty read BIO means "wait for more", not end of file.
    BIO_set_mem_eof_return(rbio, -1);
    SSL_set_bio(ssl, rbio, wbio);  // the SSL owns both now
    if (session->ctx_->side() == TlsSide::kServer) {
        SSL_set_accept_state(ssl);
    } else {
        SSL_set_connect_state(ssl);
    }
    return session;
}

TlsSession::TlsSession(Key /*unused*/, std::shared_ptr<TlsContext> ctx, SSL* ssl)
    : ctx_(std::move(ctx)), ssl_(ssl) {}

TlsSession::~TlsSession() {
    SSL_free(ssl_);
}

Status TlsSession::feed(BytesView ciphertext) {
    std::size_t off = 0;
    while (off < ciphertext.size()) {
        const std::size_t chunk = std::min<std::size_t>(ciphertext.size() - off, INT_MAX);
        const int n =
            BIO_write(SSL_get_rbio(ssl_), ciphertext.data() + off, static_cast<int>(chunk));
        if (n <= 0) return make_error(openssl_error("tls: BIO_write"));
        off += static_cast<std::size_t>(n);
    }
    return Ok{};
}

namespace {

// The reason for a failed SSL call: the verification result when that is what failed.
std::string failure(SSL* ssl, int ret, const std::string& what) {
    const int err = SSL_get_error(ssl, ret);
    std::string reason = openssl_error(what);
    const long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK) {
        reason += " (certificate verification: ";
        reason += X509_verify_cert_error_string(verify);
        reason += ")";
    } else if (err == SSL_ERROR_SYSCALL) {
        reason += " (unexpected end of stream)";
    }
    return reason;
}

}  // namespace

Result<bool> TlsSession::handshake() {
    if (done_) return true;
    ERR_clear_error();
    const int ret = SSL_do_handshake(ssl_);
    if (ret == 1) {
        if (SSL_get_verify_result(ssl_) != X509_V_OK ||
            SSL_get0_peer_certificate(ssl_) == nullptr) {
            return make_error("tls handshake failed: peer certificate not verified");
        }
        done_ = true;
        return true;
    }
    const int err = SSL_get_error(ssl_, ret);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return false;
    return make_error(failure(ssl_, ret, "tls handshake failed"));
}

Result<bool> TlsSession::read(Bytes& out) {
    std::array<std::uint8_t, 16384> buf{};
    for (;;) {
        ERR_clear_error();
        const int n = SSL_read(ssl_, buf.data(), static_cast<int>(buf.size()));
        if (n > 0) {
            out.insert(out.end(), buf.begin(), buf.begin() + n);
            continue;
        }
        const int err = SSL_get_error(ssl_, n);
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return true;
        if (err == SSL_ERROR_ZERO_RETURN) return false;
        return make_error(failure(ssl_, n, "tls"));
    }
}

Status TlsSession::write(BytesView plaintext) {
    if (!done_) return make_error("tls: write before the handshake completed");
    std::size_t off = 0;
    while (off < plaintext.size()) {
        ERR_clear_error();
        const std::size_t chunk = std::min<std::size_t>(plaintext.size() - off, INT_MAX);
        const int n = SSL_write(ssl_, plaintext.data() + off, static_cast<int>(chunk));
        if (n <= 0) return make_error(failure(ssl_, n, "tls write failed"));
        off += static_cast<std::size_t>(n);
    }
    return Ok{};
}

void TlsSession::shutdown() {
    ERR_clear_error();
    if (done_) SSL_shutdown(ssl_);
    ERR_clear_error();
}

void TlsSession::take_output(Bytes& out) {
    BIO* wbio = SSL_get_wbio(ssl_);
    std::array<std::uint8_t, 16384> buf{};
    while (BIO_ctrl_pending(wbio) > 0) {
        const int n = BIO_read(wbio, buf.data(), static_cast<int>(buf.size()));
        if (n <= 0) break;
        out.insert(out.end(), buf.begin(), buf.begin() + n);
    }
}

Result<std::string> TlsSession::peer_cn() const {
    X509* cert = SSL_get0_peer_certificate(ssl_);
    if (cert == nullptr || SSL_get_verify_result(ssl_) != X509_V_OK) {
        return make_error("no verified peer certificate");
    }
    X509_NAME* subject = X509_get_subject_name(cert);
    const int idx = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (idx < 0) return make_error("peer certificate has no CN");
    if (X509_NAME_get_index_by_NID(subject, NID_commonName, idx) >= 0) {
        return make_error("peer certificate has more than one CN");
    }
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, idx));
    unsigned char* utf8 = nullptr;
    const int len = ASN1_STRING_to_UTF8(&utf8, data);
    if (len < 0) return make_error("peer certificate CN is not a valid string");
    std::string cn(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len));
    OPENSSL_free(utf8);
    if (cn.empty() || cn.find('\0') != std::string::npos) {
        return make_error("peer certificate CN is empty or contains NUL");
    }
    return cn;
}

}  // namespace mtc::net
