#include "harness/net/test_pki.hpp"

#include <array>
#include <cerrno>
#include <fcntl.h>
#include <initializer_list>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "harness/net/fd.hpp"
#include "harness/net/sockaddr.hpp"

namespace mtc::net {

namespace {

struct Free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(X509* p) const { X509_free(p); }
    void operator()(BIO* p) const { BIO_free(p); }
    void operator()(BIGNUM* p) const { BN_free(p); }
    void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Free>;
using CertPtr = std::unique_ptr<X509, Free>;
using BioPtr = std::unique_ptr<BIO, Free>;
using BnPtr = std::unique_ptr<BIGNUM, Free>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Free>;

std::string file_name(std::string_view cn) {
    std::string out;
    for (const char c : cn) {
        const bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        out.push_back(keep ? c : '_');
    }
    if (out.empty() || out.front() == '.') out.insert(out.begin(), '_');
    return out;
}

// Writes `len` bytes to `path` with mode 0600, replacing any previous file.
Status write_private_file(const std::filesystem::path& path, const char* data, std::size_t len,
                          bool sync) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) return make_error(errno_reason("open " + path.string(), errno));
    if (::fchmod(fd.get(), 0600) != 0) {
        return make_error(errno_reason("chmod " + path.string(), errno));
    }
    std::size_t off = 0;
    while (off < len) {
        const ssize_t n = ::write(fd.get(), data + off, len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return make_error(errno_reason("write " + path.string(), errno));
        off += static_cast<std::size_t>(n);
    }
    if (sync && ::fsync(fd.get()) != 0)
        return make_error(errno_reason("fsync " + path.string(), errno));
    return Ok{};
}

// Serialises through a BIO and writes the file. `secret`: the BIO wipes its buffer on free.
template <typename Writer>
Status write_pem(const std::filesystem::path& path, bool secret, bool sync, Writer&& writer) {
    BioPtr bio(BIO_new(secret ? BIO_s_secmem() : BIO_s_mem()));
    if (!bio) return make_error(openssl_error("BIO_new"));
    if (writer(bio.get()) != 1) return make_error(openssl_error("PEM write " + path.string()));
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    if (len <= 0 || data == nullptr) return make_error("PEM write " + path.string() + ": empty");
    return write_private_file(path, data, static_cast<std::size_t>(len), sync);
}

Status add_ext(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
        return make_error(openssl_error(std::string("x509 extension ") + OBJ_nid2sn(nid)));
    }
    return Ok{};
}

struct ExtSpec {
    int nid;
    const char* value;
};

// A certificate for `cn` with `key`, signed by `issuer_key` (`issuer` null: self-signed).
Result<CertPtr> make_cert(std::string_view cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
                          int validity_days, std::initializer_list<ExtSpec> exts) {
    if (cn.empty() || cn.size() > 64) return make_error("CN must be 1..64 characters");
    if (validity_days <= 0) return make_error("validity must be at least one day");
    CertPtr cert(X509_new());
    if (!cert) return make_error(openssl_error("X509_new"));
    std::array<unsigned char, 16> serial{};
    if (RAND_bytes(serial.data(), static_cast<int>(serial.size())) != 1) {
        return make_error(openssl_error("RAND_bytes"));
    }
    serial[0] &= 0x7f;  // positive
    serial[0] |= 0x40;  // and of full length
    BnPtr bn(BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr));
    const long validity_s = static_cast<long>(validity_days) * 86400;
    if (!bn || X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
        BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) == nullptr ||
        X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr ||
        X509_gmtime_adj(X509_getm_notAfter(cert.get()), validity_s) == nullptr ||
        X509_set_pubkey(cert.get(), key) != 1) {
        return make_error(openssl_error("x509 fields"));
    }
    X509_NAME* name = X509_get_subject_name(cert.get());
    if (X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(cn.data()),
                                   static_cast<int>(cn.size()), -1, 0) != 1) {
        return make_error(openssl_error("x509 subject"));
    }
    X509* signer = issuer != nullptr ? issuer : cert.get();
    if (X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) != 1) {
        return make_error(openssl_error("x509 issuer"));
    }
    for (const ExtSpec& e : exts) {
        if (auto st = add_ext(cert.get(), signer, e.nid, e.value); !st) return st.error();
    }
    if (X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) <= 0) {
        return make_error(openssl_error("X509_sign"));
    }
    return cert;
}

Result<KeyPtr> new_key() {
    KeyPtr key(EVP_EC_gen("P-256"));
    if (!key) return make_error(openssl_error("EC P-256 key generation"));
    return key;
}

Status ensure_dir(const std::filesystem::path& dir) {
    std::error_code ec;
    if (std::filesystem::create_directories(dir, ec); ec) {
        return make_error("create " + dir.string() + ": " + ec.message());
    }
    return Ok{};
}

Result<IssuedCert> write_pair(const std::filesystem::path& dir, std::string_view cn, X509* cert,
                              EVP_PKEY* key, bool sync) {
    IssuedCert out{std::string(cn), dir / (file_name(cn) + ".crt"), dir / (file_name(cn) + ".key")};
    if (auto st = write_pem(out.key_file, /*secret=*/true, sync,
                            [&](BIO* b) {
                                return PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0,
                                                                nullptr, nullptr);
                            });
        !st) {
        return st.error();
    }
    if (auto st = write_pem(out.cert_file, /*secret=*/false, sync,
                            [&](BIO* b) { return PEM_write_bio_X509(b, cert); });
        !st) {
        return st.error();
    }
    return out;
}

}  // namespace

Result<IssuedCert> issue_ca(const std::filesystem::path& dir, std::string_view cn,
                            int validity_days, bool sync) {
    if (auto st = ensure_dir(dir); !st) return st.error();
    auto key = new_key();
    if (!key) return key.error();
    auto cert = make_cert(cn, key->get(), nullptr, nullptr, validity_days,
                          {{NID_basic_constraints, "critical,CA:TRUE"},
                           {NID_key_usage, "critical,keyCertSign,cRLSign"},
                           {NID_subject_key_identifier, "hash"}});
    if (!cert) return cert.error();
    return write_pair(dir, cn, cert->get(), key->get(), sync);
}

Result<IssuedCert> issue_leaf(const IssuedCert& ca, const std::filesystem::path& dir,
                              std::string_view cn, int validity_days, bool sync) {
    if (auto st = ensure_dir(dir); !st) return st.error();
    BioPtr cert_bio(BIO_new_file(ca.cert_file.c_str(), "r"));
    CertPtr ca_cert(cert_bio ? PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr)
                             : nullptr);
    if (!ca_cert) return make_error(openssl_error("read CA certificate " + ca.cert_file.string()));
    BioPtr key_bio(BIO_new_file(ca.key_file.c_str(), "r"));
    KeyPtr ca_key(key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr)
                          : nullptr);
    if (!ca_key) return make_error(openssl_error("read CA key " + ca.key_file.string()));
    auto key = new_key();
    if (!key) return key.error();
    auto cert = make_cert(cn, key->get(), ca_cert.get(), ca_key.get(), validity_days,
                          {{NID_basic_constraints, "critical,CA:FALSE"},
                           {NID_key_usage, "critical,digitalSignature"},
                           {NID_ext_key_usage, "serverAuth,clientAuth"},
                           {NID_subject_key_identifier, "hash"},
                           {NID_authority_key_identifier, "keyid:always"}});
    if (!cert) return cert.error();
    return write_pair(dir, cn, cert->get(), key->get(), sync);
}

TlsConfig TestPki::config_for(const std::string& cn) const {
    TlsConfig c{ca.cert_file.string(), "", ""};
    if (auto it = leaves.find(cn); it != leaves.end()) {
        c.cert_file = it->second.cert_file.string();
        c.key_file = it->second.key_file.string();
    }
    return c;
}

Result<TestPki> make_test_pki(const std::filesystem::path& dir,
                              const std::vector<std::string>& identities, std::string_view ca_cn) {
    auto ca = issue_ca(dir, ca_cn);
    if (!ca) return ca.error();
    TestPki pki{std::move(ca.value()), {}};
    for (const std::string& id : identities) {
        if (id == pki.ca.cn) return make_error("identity '" + id + "' is the CA's CN");
        auto leaf = issue_leaf(pki.ca, dir, id);
        if (!leaf) return leaf.error();
        pki.leaves.emplace(id, std::move(leaf.value()));
    }
    return pki;
}

}  // namespace mtc::net
