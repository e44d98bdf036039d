// mtcfuzz dissector: the Wireshark Lua dissector generated from the registered schemas.
#include <iostream>

#include "harness/cli/cli_util.hpp"
#include "harness/cli/dissector_lua.hpp"
#include "protocols/core/registry.hpp"

namespace mtc::cli {

int cmd_dissector(const std::vector<std::string>& args) {
    po::options_description opts("options");
    std::string out_path;
    opts.add_options()("output,o", po::value(&out_path),
                       "write the Lua to FILE (atomically: a reader never sees half a file) "
                       "instead of stdout");
    int code = kOk;
    auto vm = parse(
        "dissector", "[-o FILE]",
        "Writes a Wireshark Lua dissector for every registered protocol (one file, generated\n"
        "from the schemas; the same registry always gives the same bytes). It decodes the\n"
        "16-byte frame header and names every TLV field, flags unknown tags and malformed\n"
        "frames as expert info errors, and finds frames by heuristics on any UDP port and on\n"
        "any TCP port (u32 length prefix per frame, reassembled across segments).\n"
        "\n"
        "Use it for one run:\n"
        "  mtcfuzz dissector -o mtcfuzz.lua\n"
        "  tshark -X lua_script:mtcfuzz.lua -r traffic.pcap -V\n"
        "or install it for Wireshark and tshark (Help > About > Folders > Personal Lua\n"
        "Plugins):\n"
        "  mtcfuzz dissector -o ~/.local/lib/wireshark/plugins/mtcfuzz.lua\n"
        "Display filters: mtcfuzz, mtcfuzz.prose.type == 1, mtcfuzz.session,\n"
        "mtcfuzz.prose.MTCdNonce ('.' in a field name becomes '_'), _ws.expert.severity.\n"
        "Preferences mtcfuzz.udp_ports / mtcfuzz.tcp_ports pin port ranges; Decode As offers\n"
        "'MTCFUZZ' on UDP and TCP. Details: docs/dissector.md.",
        opts, {}, args, code);
    if (!vm) return code;
    const std::string lua = make_dissector_lua(registered_protocols());
    if (out_path.empty() || out_path == "-") {
        std::cout << lua;
        std::cout.flush();
        if (!std::cout) {
            std::cerr << "mtcfuzz dissector: cannot write to stdout\n";
            return kRunFailed;
        }
        return kOk;
    }
    AtomicFile file(out_path);
    if (!file.ok()) return usage_error("dissector", "cannot create " + out_path);
    file.stream() << lua;
    if (auto err = file.commit()) {
        std::cerr << "mtcfuzz dissector: " << *err << "\n";
        return kRunFailed;
    }
    return kOk;
}

}  // namespace mtc::cli
