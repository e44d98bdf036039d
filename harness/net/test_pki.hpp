// A small X.509 issuer on OpenSSL 3: an EC P-256 certificate authority and leaf certificates
// whose subject CN is a role instance's identity, written as PEM files with mode 0600. The
// TLS tests use it to make a throwaway PKI; `mtcfuzz provision` uses it to make a
// deployment's. Leaves carry both serverAuth and clientAuth: a role may be either side.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "harness/net/tls.hpp"
#include "protocols/core/result.hpp"

namespace mtc::net {

// A certificate and its private key, as files.
struct IssuedCert {
    std::string cn;
    std::filesystem::path cert_file;  // PEM certificate
    std::filesystem::path key_file;   // PEM PKCS#8 private key, unencrypted, mode 0600
};

inline constexpr int kDefaultValidityDays = 3650;

// A self-signed CA certificate for `cn`, written to dir/<name>.crt and dir/<name>.key, where
// <name> is the CN with every character outside [A-Za-z0-9._-] replaced by '_'. Creates
// `dir` if needed (mode 0700). `sync`: fsync the files (skipped for scratch directories).
Result<IssuedCert> issue_ca(const std::filesystem::path& dir, std::string_view cn,
                            int validity_days = kDefaultValidityDays, bool sync = true);

// A leaf certificate for `cn` signed by `ca` (read back from ca's files), written to `dir`
// the same way.
Result<IssuedCert> issue_leaf(const IssuedCert& ca, const std::filesystem::path& dir,
                              std::string_view cn, int validity_days = kDefaultValidityDays,
                              bool sync = true);

struct TestPki {
    IssuedCert ca;
    std::map<std::string, IssuedCert> leaves;  // by CN

    // The TlsConfig that makes `cn` present its certificate and trust this CA; a config with
    // an empty certificate when `cn` is unknown.
    [[nodiscard]] TlsConfig config_for(const std::string& cn) const;
};

// One CA ("mtcfuzz test CA" unless named) and a leaf per identity, all in `dir`.
Result<TestPki> make_test_pki(const std::filesystem::path& dir,
                              const std::vector<std::string>& identities,
                              std::string_view ca_cn = "mtcfuzz test CA");

}  // namespace mtc::net
