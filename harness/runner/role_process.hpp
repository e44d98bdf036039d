// One role instance as a process (`mtcfuzz role`): the role's sans-IO state machine behind
// real sockets (UDP, and TLS 1.3 with client certificates on the links the paper assumes
// secure), a UNIX control socket speaking JSON Lines, retransmission for initiators, and a
// clean shutdown on SIGTERM. After every inbound frame it handles (and every start command)
// it broadcasts {"io":{"in":N,"out":M}}, its cumulative frame counts, so that whoever drives
// the network can tell when it has gone quiet.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace mtc::runner {

struct RoleProcessOptions {
    std::string protocol;
    std::string role;
    std::string keys_file;
    std::string bind;                          // "127.0.0.1:5000"
    std::map<std::string, std::string> peers;  // logical peer name -> "host:port"
    std::string control;                       // UNIX socket path
    std::optional<std::string> variant;        // overrides the keys file's
    // Protocol-wide options (ProtocolSpec::options, e.g. --signature) overriding the keys file's.
    std::map<std::string, std::string> options;
    std::optional<std::uint64_t> seed;
    bool allow_remote = false;
    std::optional<std::string> events_file;  // JSON Lines, besides the control socket
    // Durable role state (Env::storage); default: "state" next to the keys file.
    std::optional<std::string> state_dir;
    // TLS material; defaults: cert.pem and key.pem next to the keys file, ../pki/ca.pem.
    std::optional<std::string> tls_ca, tls_cert, tls_key;
    // Initiator retransmission: first timeout, doubled per retry. 0 ms: an initiator never
    // retransmits and a run never times out (the attacker engine decides when a run is over).
    int retransmit_ms = 200;
    int retransmit_tries = 3;
    // Test-only: checks of the role (RoleSpec::checks) to switch off. Refused (exit 2) by a
    // build without MTC_ENABLE_WEAKENING, and for a name the role does not declare.
    std::set<std::string> weakened;
};

// Runs until SIGTERM/SIGINT or a "stop" command. Returns the process exit code (0 clean
// shutdown, 2 bad options or keys, 3 a socket could not be set up).
int run_role_process(const RoleProcessOptions& options);

}  // namespace mtc::runner
