// The table of subcommands shown by `mtcfuzz --help`.
#include "harness/cli/cli_util.hpp"

namespace mtc::cli {

int cmd_simulate(const std::vector<std::string>& args);
int cmd_list(const std::vector<std::string>& args);
int cmd_dissector(const std::vector<std::string>& args);
int cmd_provision(const std::vector<std::string>& args);
int cmd_role(const std::vector<std::string>& args);
int cmd_run(const std::vector<std::string>& args);
int cmd_pcap(const std::vector<std::string>& args);
int cmd_capture(const std::vector<std::string>& args);
int cmd_campaign(const std::vector<std::string>& args);
int cmd_demo(const std::vector<std::string>& args);
int cmd_guess(const std::vector<std::string>& args);
int cmd_bench(const std::vector<std::string>& args);
int cmd_corpus(const std::vector<std::string>& args);
int cmd_fuzz(const std::vector<std::string>& args);
int cmd_triage(const std::vector<std::string>& args);

const std::vector<Command>& commands() {
    static const std::vector<Command> all = {
        {"simulate", "run honest sessions of a protocol in process and summarise them",
         cmd_simulate},
        {"list", "list registered protocols, roles, variants, profiles, modes and claims",
         cmd_list},
        {"dissector", "write the Wireshark Lua dissector generated from the protocol schemas",
         cmd_dissector},
        {"provision", "write keys, certificates and identities of a deployment to a directory",
         cmd_provision},
        {"role", "run one role instance as a live process (UDP / TLS, control socket)", cmd_role},
        {"run", "honest sessions through live role processes and the relaying hub (pcap)", cmd_run},
        {"pcap", "list the mtcfuzz messages in a capture file: pcap ls FILE [--json]", cmd_pcap},
        {"capture", "record an interface live into a pcap file (libpcap; root or CAP_NET_RAW)",
         cmd_capture},
        {"campaign", "attack campaigns against live roles: campaign run FILE -o DIR | replay",
         cmd_campaign},
        {"guess", "off-line key guessing against a capture: guess PROTOCOL --pcap FILE", cmd_guess},
        {"demo", "every built-in campaign, as-specified and hardened, in one claims table",
         cmd_demo},
        {"bench", "live benchmarks: bench gaka-signalling -o DIR (GAKA vs EPS-AKA, figure 9)",
         cmd_bench},
        {"fuzz", "run built fuzz targets with libFuzzer or AFL++: fuzz [TARGET...] --time S",
         cmd_fuzz},
        {"corpus", "seed corpora, dictionaries, .options of every fuzz target: corpus regen",
         cmd_corpus},
        {"triage",
         "triage crashes (reproduce, bucket, minimise, rank) | triage findings (vs baseline)",
         cmd_triage},
    };
    return all;
}

}  // namespace mtc::cli
