// mtcfuzz role: one role instance as a live process.
#include <charconv>
#include <iostream>

#include "harness/cli/cli_util.hpp"
#include "harness/cli/deployment_options.hpp"
#include "harness/runner/role_process.hpp"
#include "protocols/core/registry.hpp"

namespace mtc::cli {

int cmd_role(const std::vector<std::string>& args) {
    po::options_description opts("options");
    runner::RoleProcessOptions o;
    std::vector<std::string> peers, weaken;
    std::string variant, events, ca, cert, key, state_dir;
    std::uint64_t seed = 0;
    // clang-format off
    opts.add_options()
        ("protocol", po::value(&o.protocol), "protocol (see 'mtcfuzz list')")
        ("role", po::value(&o.role), "role of the protocol, e.g. MTCs")
        ("bind", po::value(&o.bind)->required(), "HOST:PORT to listen on (UDP, and TCP for TLS links)")
        ("peer", po::value(&peers)->composing(), "NAME=HOST:PORT address of a peer the keys file names (repeatable)")
        ("keys", po::value(&o.keys_file)->required(), "keys file written by 'mtcfuzz provision'")
        ("control", po::value(&o.control)->required(), "UNIX socket path for the JSON Lines control channel")
        ("variant", po::value(&variant), "override the keys file's variant (as-specified, hardened)")
        ("seed", po::value(&seed), "seed the role's randomness (reproducible runs)")
        ("events", po::value(&events), "also append every event as JSON Lines to FILE")
        ("state-dir", po::value(&state_dir), "durable role state, e.g. a server's message store (default: state/ next to the keys file)")
        ("tls-ca", po::value(&ca), "CA certificate (default: ../pki/ca.pem from the keys file)")
        ("tls-cert", po::value(&cert), "this instance's certificate (default: cert.pem next to the keys file)")
        ("tls-key", po::value(&key), "this instance's private key (default: key.pem next to the keys file)")
        ("retransmit-ms", po::value(&o.retransmit_ms)->default_value(200), "first retransmission timeout of an initiator run, doubled per retry; 0: never retransmit, never time out")
        ("retransmit-tries", po::value(&o.retransmit_tries)->default_value(3), "retransmissions before a run is rejected with 'timeout'")
        ("weaken", po::value(&weaken)->composing(), "TEST BUILDS ONLY: switch off the role's named check CHECK (repeatable; 'mtcfuzz list' shows them)")
        ("allow-remote", po::bool_switch(&o.allow_remote), "allow non-loopback bind and peer addresses");
    // clang-format on
    std::map<std::string, std::string> option_flags;
    add_protocol_option_flags(opts, option_flags);
    po::positional_options_description pos;
    pos.add("protocol", 1).add("role", 1);
    int code = kOk;
    auto vm = parse(
        "role", "PROTOCOL ROLE --bind HOST:PORT --keys FILE --control SOCK [--peer NAME=ADDR ...]",
        "Runs one role instance as a process on the network. Links the paper assumes secure\n"
        "(ProSe UE <-> MTCs) run over TLS 1.3 with client certificates; the others over UDP.\n"
        "The control socket takes {\"cmd\":\"start\"|\"stop\"|\"status\"} lines and streams every\n"
        "event as a JSON line, and after every inbound frame {\"io\":{\"in\":N,\"out\":M}}.\n"
        "SIGTERM shuts the process down cleanly. Addresses must be loopback (127.0.0.0/8,\n"
        "::1) unless --allow-remote is given. --weaken is honoured only by test builds\n"
        "(MTC_ENABLE_WEAKENING); elsewhere it is refused.\n"
        "example: mtcfuzz role prose MTCs --bind 127.0.0.3:4242 --peer ... --keys "
        "DIR/MTCs-0/keys.json \\\n"
        "           --control /tmp/mtcs.sock",
        opts, pos, args, code);
    if (!vm) return code;
    if (o.protocol.empty() || o.role.empty())
        return usage_error("role", "missing PROTOCOL or ROLE");
    for (const auto& p : peers) {
        const auto eq = p.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == p.size()) {
            return usage_error("role", "--peer wants NAME=HOST:PORT, got '" + p + "'");
        }
        o.peers[p.substr(0, eq)] = p.substr(eq + 1);
    }
    if (!variant.empty()) o.variant = variant;
    if (const ProtocolSpec* spec = find_protocol(o.protocol)) {
        if (auto bad = apply_protocol_options(*spec, option_flags, o.options))
            return usage_error("role", *bad);
    }  // an unknown protocol is reported by the role process
    if (vm->count("seed") != 0) o.seed = seed;
    if (!events.empty()) o.events_file = events;
    if (!state_dir.empty()) o.state_dir = state_dir;
    if (!ca.empty()) o.tls_ca = ca;
    if (!cert.empty()) o.tls_cert = cert;
    if (!key.empty()) o.tls_key = key;
    if (o.retransmit_ms < 0 || o.retransmit_ms > 60000 || o.retransmit_tries < 0 ||
        o.retransmit_tries > 20) {
        return usage_error("role", "--retransmit-ms must be 0..60000 and --retransmit-tries 0..20");
    }
    // Checked (exit 2) against the build and the role's declared checks by the role process.
    o.weakened.insert(weaken.begin(), weaken.end());
    return runner::run_role_process(o);
}

}  // namespace mtc::cli
