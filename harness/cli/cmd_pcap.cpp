// mtcfuzz pcap ls: every mtcfuzz message in a capture file, by field name.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "harness/cli/cli_util.hpp"
#include "harness/pcap/dissect.hpp"
#include "harness/pcap/layers.hpp"
#include "harness/pcap/reader.hpp"
#include "protocols/core/registry.hpp"

namespace mtc::cli {
namespace {

// Prints rows as they come, so a capture of any size lists in constant memory.
class PrintRows final : public pcap::RowSink {
public:
    explicit PrintRows(bool json) : json_(json) {
        if (json_) std::fputs("[", stdout);
    }
    void on_row(const pcap::ListedMessage& row) override {
        if (json_) {
            std::fputs(first_ ? "\n  " : ",\n  ", stdout);
            const std::string line = pcap::to_json(row).dump();
            std::fwrite(line.data(), 1, line.size(), stdout);
        } else {
            std::string line = pcap::to_text(row);
            line.push_back('\n');
            std::fwrite(line.data(), 1, line.size(), stdout);
        }
        first_ = false;
    }
    void on_end() override {
        if (json_) std::fputs(first_ ? "]\n" : "\n]\n", stdout);
    }

private:
    bool json_;
    bool first_ = true;
};

std::string protocol_names() {
    std::string s;
    for (const auto* p : registered_protocols()) s += (s.empty() ? "" : ", ") + p->name;
    return s;
}

int cmd_pcap_ls(const std::vector<std::string>& args) {
    po::options_description opts("options");
    std::string file;
    // clang-format off
    opts.add_options()
        ("file", po::value(&file), "capture file (pcap or pcapng)")
        ("json", po::bool_switch(), "print a JSON array of rows instead of lines (summary on stderr)");
    // clang-format on
    po::positional_options_description pos;
    pos.add("file", 1);
    int code = kOk;
    auto vm = parse(
        "pcap ls", "FILE [--json]",
        "Lists every mtcfuzz message in FILE, one line each: time (UTC), source -> destination,\n"
        "transport, protocol, message type, session and every field by its paper name.\n"
        "Identities that are printable are shown in quotes, every other value in hex.\n\n"
        "FILE is anything libpcap reads (pcap or pcapng; Ethernet, Linux cooked v1/v2, BSD\n"
        "loopback or raw IP; IPv4 with fragments reassembled, IPv6). UDP: one frame per\n"
        "datagram. TCP: streams are reassembled per direction and split into frames, each\n"
        "prefixed with its u32 big-endian length; TLS streams are reported once, undecoded.\n"
        "Registered protocols: " +
            protocol_names() +
            ".\n\n"
            "A packet that is not a message is an error row saying why (not an mtcfuzz frame, a\n"
            "decode error and its offset, a truncated header...): nothing is dropped silently.\n"
            "The last line counts messages and errors.\n\n"
            "Exit 0 when the file was read (even with error rows), 2 when it cannot be read.\n"
            "examples:\n"
            "  mtcfuzz run prose --sessions 3 --pcap prose.pcap && mtcfuzz pcap ls prose.pcap\n"
            "  mtcfuzz pcap ls capture.pcapng --json | jq '.[] | select(.error == null) | .type'",
        opts, pos, args, code);
    if (!vm) return code;
    if (file.empty()) return usage_error("pcap ls", "missing FILE");
    const bool json = (*vm)["json"].as<bool>();

    auto reader = pcap::PcapReader::open(file);
    if (!reader) {
        std::cerr << "mtcfuzz pcap ls: " << reader.error().reason << "\n";
        return kUsage;
    }
    PrintRows out(json);
    pcap::Dissector dissector(out);
    const pcap::ReaderStats rs = (*reader)->run(dissector);
    std::fflush(stdout);
    const pcap::DissectStats& ds = dissector.stats();
    char summary[512];
    std::snprintf(summary, sizeof summary,
                  "%llu messages, %llu errors (%llu packets, link type %s: %llu UDP datagrams, "
                  "%llu TCP segments, %llu not UDP/TCP skipped",
                  static_cast<unsigned long long>(ds.messages),
                  static_cast<unsigned long long>(ds.errors),
                  static_cast<unsigned long long>(rs.packets), (*reader)->link_type_name().c_str(),
                  static_cast<unsigned long long>(rs.udp), static_cast<unsigned long long>(rs.tcp),
                  static_cast<unsigned long long>(rs.not_udp_tcp));
    std::string line = summary;
    if (rs.retransmitted != 0) {
        line += ", " + std::to_string(rs.retransmitted) + " TCP retransmissions";
    }
    if (ds.tls_streams != 0) {
        line += ", " + std::to_string(ds.tls_streams) + " TLS streams (" +
                std::to_string(ds.tls_bytes) + " bytes) not decoded";
    }
    line += ")\n";
    std::fputs(line.c_str(), json ? stderr : stdout);
    return kOk;
}

}  // namespace

int cmd_pcap(const std::vector<std::string>& args) {
    const std::string usage =
        "usage: mtcfuzz pcap ls FILE [--json]\n\n"
        "Reads capture files. Subcommands:\n"
        "  ls    list every mtcfuzz message in FILE by field name (see 'mtcfuzz pcap ls --help')\n"
        "\nRecord an interface with 'mtcfuzz capture'; 'mtcfuzz run --pcap FILE' writes the\n"
        "hub's capture.\n";
    if (args.empty()) {
        std::cerr << "mtcfuzz pcap: missing subcommand (see 'mtcfuzz pcap --help')\n";
        return kUsage;
    }
    if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        std::cout << usage;
        return kOk;
    }
    if (args[0] == "ls") return cmd_pcap_ls({args.begin() + 1, args.end()});
    std::cerr << "mtcfuzz pcap: unknown subcommand '" << args[0]
              << "' (see 'mtcfuzz pcap --help')\n";
    return kUsage;
}

}  // namespace mtc::cli
