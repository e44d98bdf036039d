#include "targets/seeds.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <unistd.h>

#include "harness/pcap/writer.hpp"
#include "protocols/core/clock.hpp"
#include "protocols/core/codec.hpp"
#include "protocols/core/inproc_network.hpp"
#include "protocols/core/registry.hpp"
#include "protocols/core/rng.hpp"
#include "targets/dy_network.hpp"
#include "targets/fuzz_target.hpp"

namespace mtc::fuzz {
namespace {

constexpr std::size_t kFramesPerType = 2;  // decoder seeds: the first frames of each type
constexpr std::size_t kSteps = 12;         // role seeds: interventions at steps 0..kSteps-1

std::uint8_t op(DyOp o) {
    return static_cast<std::uint8_t>(o);
}

// "\xNN" for every byte: dictionary entries are byte strings.
std::string dict_entry(const std::string& name, BytesView b) {
    std::string s = name + "=\"";
    char buf[5];
    for (std::uint8_t c : b) {
        std::snprintf(buf, sizeof buf, "\\x%02X", c);
        s += buf;
    }
    return s + "\"\n";
}

std::string frame_dict(const ProtocolSpec& spec) {
    const Schema& s = *spec.schema;
    std::string d =
        "# " + spec.name + " frames (generated from the schema by mtcfuzz corpus regen)\n";
    d += dict_entry("magic", Bytes{0x4D, 0x46, kFrameVersion, s.protocol_id});
    std::set<std::string> seen;
    for (const MessageSpec& m : s.messages) {
        d +=
            dict_entry("msg_" + m.name, Bytes{0x4D, 0x46, kFrameVersion, s.protocol_id, m.type, 0});
        for (const FieldSpec& f : m.fields) {
            for (std::uint16_t len : {f.min_len, f.max_len}) {
                const std::string key = std::to_string(f.tag) + "/" + std::to_string(len);
                if (!seen.insert(key).second) continue;
                d += dict_entry("tlv_" + std::to_string(f.tag) + "_" + std::to_string(len),
                                Bytes{f.tag, static_cast<std::uint8_t>(len >> 8),
                                      static_cast<std::uint8_t>(len & 0xff)});
            }
        }
    }
    return d;
}

std::string options(std::size_t max_len, const std::string& target, int timeout_s) {
    return "[libfuzzer]\nmax_len = " + std::to_string(max_len) + "\ndict = " + target +
           ".dict\ntimeout = " + std::to_string(timeout_s) + "\n";
}

// Every frame of `sessions` honest sessions per initiator in one variant, in order.
std::vector<Frame> honest_frames(const ProtocolSpec& spec, const std::string& variant,
                                 const std::string& mode, std::uint64_t seed,
                                 std::size_t sessions) {
    std::vector<Frame> out;
    DeploymentOptions o;
    o.variant = variant;
    if (!mode.empty()) o.mode = mode;
    SeededRng rng(seed, "corpus-provision");
    auto d = spec.provision(o, rng);
    if (!d) return out;
    ManualClock clock(kSeededEpochUs);
    MemorySink sink;
    KeyFingerprinter fp(SecretBytes(32, 0x5a));
    InProcNetwork net(spec, *d, seeded_config(seed, clock, sink, fp));
    net.set_hook([&out](Frame f) {
        out.push_back(f);
        return std::vector<Frame>{std::move(f)};
    });
    for (const InstancePlan& p : d->instances) {
        const RoleSpec* rs = spec.role(p.role);
        if (rs == nullptr || !rs->initiator) continue;
        for (std::size_t s = 0; s < sessions; ++s) {
            net.start(p.instance);
            net.run(4096);
        }
    }
    return out;
}

void add_unique(TargetSeeds& t, Bytes b) {
    if (std::find(t.inputs.begin(), t.inputs.end(), b) == t.inputs.end())
        t.inputs.push_back(std::move(b));
}

TargetSeeds decoder_seeds(const ProtocolSpec& spec, std::uint64_t seed) {
    TargetSeeds t;
    std::vector<std::string> modes{""};
    for (const NamedOption& m : spec.modes) modes.push_back(m.name);
    for (const char* v : {"as-specified", "hardened"}) {
        if (!spec.has_variant(v)) continue;
        for (const std::string& mode : modes) {
            std::map<std::uint8_t, std::size_t> per_type;
            for (Frame& f : honest_frames(spec, v, mode, seed, 2)) {
                auto h = peek_header(view(f.bytes));
                if (!h || per_type[h->type]++ >= kFramesPerType) continue;
                add_unique(t, std::move(f.bytes));
            }
        }
    }
    t.dict = frame_dict(spec);
    t.options = options(8192, decoder_target_name(spec.name), 10);
    return t;
}

TargetSeeds role_seeds(const ProtocolSpec& spec, const RoleSpec& role) {
    TargetSeeds t;
    for (bool hardened : {false, true}) {
        const std::uint8_t v = hardened ? kDyHardened : 0;
        add_unique(t, honest_program(hardened, 1));
        add_unique(t, honest_program(hardened, 2));
        // One intervention at step k of an honest run, every other frame delivered in order.
        for (std::size_t k = 0; k < kSteps; ++k) {
            for (const Bytes& action :
                 {Bytes{op(DyOp::replay), 0}, Bytes{op(DyOp::mutate), 0, 0, 0, 3},
                  Bytes{op(DyOp::drop), 0}, Bytes{op(DyOp::replay), 1}}) {
                Bytes p{v, op(DyOp::start), 0};
                for (std::size_t i = 0; i < k; ++i) {
                    p.push_back(op(DyOp::deliver));
                    p.push_back(0);
                }
                p.insert(p.end(), action.begin(), action.end());
                p.push_back(op(DyOp::flush));
                add_unique(t, std::move(p));
            }
        }
        // A whole run, then every early frame replayed into a second run.
        Bytes p{v, op(DyOp::start), 0, op(DyOp::flush), op(DyOp::start), 1};
        for (std::uint8_t i = 0; i < 4; ++i) {
            p.push_back(op(DyOp::replay));
            p.push_back(i);
        }
        p.push_back(op(DyOp::flush));
        add_unique(t, std::move(p));
    }
    t.dict = frame_dict(spec);
    t.options = options(2048, role_target_name(spec, role.name), 25);
    return t;
}

// A classic pcap file's records as the pcap target's input: link type byte, then u16 length
// + packet per record.
Bytes pcap_input(const std::string& path, std::uint8_t link_index) {
    std::ifstream in(path, std::ios::binary);
    const Bytes file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Bytes out{link_index};
    std::size_t pos = 24;  // global header
    while (pos + 16 <= file.size()) {
        const std::size_t incl = file[pos + 8] | (file[pos + 9] << 8) | (file[pos + 10] << 16) |
                                 (static_cast<std::size_t>(file[pos + 11]) << 24);
        pos += 16;
        if (incl > 0xffff || pos + incl > file.size()) break;
        out.push_back(static_cast<std::uint8_t>(incl >> 8));
        out.push_back(static_cast<std::uint8_t>(incl & 0xff));
        out.insert(out.end(), file.begin() + static_cast<std::ptrdiff_t>(pos),
                   file.begin() + static_cast<std::ptrdiff_t>(pos + incl));
        pos += incl;
    }
    return out;
}

Result<TargetSeeds> pcap_seeds(std::uint64_t seed) {
    namespace fs = std::filesystem;
    TargetSeeds t;
    const fs::path tmp =
        fs::temp_directory_path() / ("mtcfuzz-corpus-" + std::to_string(::getpid()) + ".pcap");
    for (const ProtocolSpec* spec : registered_protocols()) {
        auto w = pcap::PcapWriter::create(tmp.string());
        if (!w) return w.error();
        const auto a = pcap::Endpoint4::from_host(0x7f000001, 4242);
        const auto b = pcap::Endpoint4::from_host(0x7f000002, 4242);
        std::int64_t ts = kSeededEpochUs;
        std::size_t n = 0;
        auto tcp = (*w)->tcp_open(ts, a, b);
        for (const Frame& f : honest_frames(*spec, "as-specified", "", seed, 1)) {
            if (++n > 16) break;
            const bool fwd = (n % 2) == 1;
            (*w)->udp(ts += 1000, fwd ? a : b, fwd ? b : a, view(f.bytes));
            Bytes framed{static_cast<std::uint8_t>(f.bytes.size() >> 24),
                         static_cast<std::uint8_t>(f.bytes.size() >> 16),
                         static_cast<std::uint8_t>(f.bytes.size() >> 8),
                         static_cast<std::uint8_t>(f.bytes.size())};
            framed.insert(framed.end(), f.bytes.begin(), f.bytes.end());
            (*w)->tcp_data(ts += 1000, tcp, fwd, view(framed));
        }
        (*w)->tcp_close(ts + 1000, tcp);
        if (auto s = (*w)->commit(); !s) return s.error();
        add_unique(t, pcap_input(tmp.string(), 0));  // index 0: Ethernet
    }
    std::error_code ec;
    fs::remove(tmp, ec);
    t.dict = "# pcap_reader (link, IP, UDP, TCP and frame constants)\n" +
             dict_entry("ethertype_ipv4", Bytes{0x08, 0x00}) +
             dict_entry("ethertype_ipv6", Bytes{0x86, 0xDD}) +
             dict_entry("ipv4_udp", Bytes{0x45, 0x00}) + dict_entry("proto_udp", Bytes{0x11}) +
             dict_entry("proto_tcp", Bytes{0x06}) + dict_entry("ipv6_frag", Bytes{0x2C}) +
             dict_entry("tls_record", Bytes{0x16, 0x03, 0x03}) +
             dict_entry("frame_magic", Bytes{0x4D, 0x46, kFrameVersion});
    t.options = options(16384, "pcap_reader_fuzzer", 10);
    return t;
}

TargetSeeds campaign_seeds(const std::vector<std::string_view>& campaigns) {
    TargetSeeds t;
    std::set<std::string> words;
    for (std::string_view text : campaigns) {
        add_unique(t, Bytes(text.begin(), text.end()));
        std::istringstream lines{std::string(text)};
        std::string line;
        while (std::getline(lines, line)) {
            if (line.empty() || line[0] == '#') continue;
            if (line[0] == '[') {
                words.insert(line.substr(0, line.find_last_of(']') + 1));
            } else if (auto eq = line.find(" ="); eq != std::string::npos) {
                words.insert(line.substr(0, eq));
            }
        }
    }
    for (const ProtocolSpec* spec : registered_protocols()) {
        words.insert("\"" + spec->name + "\"");
        for (const RoleSpec& r : spec->roles) words.insert(r.name);
        for (const ClaimSpec& c : spec->claims) words.insert("\"" + c.id + "\"");
        for (const NamedOption& v : spec->variants) words.insert("\"" + v.name + "\"");
    }
    t.dict = "# campaign files (keys of the built-in campaigns, protocols, roles, claims)\n";
    std::size_t i = 0;
    for (const std::string& w : words) {
        if (w.empty()) continue;
        t.dict += dict_entry("w" + std::to_string(i++), view(w));
    }
    t.options = options(8192, "campaign_file_fuzzer", 10);
    return t;
}

// Crash logs of every shape the parser reads, in the layout the sanitizers and libFuzzer print
// them (the frames name this project's own functions); the dictionary holds their keywords.
TargetSeeds report_seeds() {
    TargetSeeds t;
    const std::string stack =
        "    #0 0x55672e70610d in mtc::decode(mtc::Schema const&, std::span<unsigned char const>) "
        "/src/mtcfuzz/protocols/core/codec.cpp:120:9\n"
        "    #1 0x55672e706965 in LLVMFuzzerTestOneInput /src/mtcfuzz/targets/entry.cpp:70:12\n"
        "    #2 0x55672e62c2a3 in fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned "
        "long) (/out/prose_decoder_fuzzer+0x432a3) (BuildId: 8699d8bfba6d386e)\n"
        "    #3 0x7fcff7045249  (/lib/x86_64-linux-gnu/libc.so.6+0x27249)\n\n";
    const std::vector<std::string> logs = {
        "==1==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000058 at pc "
        "0x55672e70610e bp 0x7fffa4a77dd0 sp 0x7fffa4a77dc8\nREAD of size 1 at 0x602000000058 "
        "thread T0\n" +
            stack + "0x602000000058 is located 0 bytes to the right of 8-byte region\n" + stack +
            "SUMMARY: AddressSanitizer: heap-buffer-overflow /src/mtcfuzz/protocols/core/"
            "codec.cpp:120:9 in mtc::decode\n",
        "==2==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000054\nWRITE of "
        "size 4 at 0x602000000054 thread T0\n" +
            stack,
        "AddressSanitizer:DEADLYSIGNAL\n==3==ERROR: AddressSanitizer: SEGV on unknown address "
        "0x000000000000 (pc 0x555f832723cf T0)\n==3==The signal is caused by a READ memory "
        "access.\n==3==Hint: address points to the zero page.\n" +
            stack,
        "==4==ERROR: LeakSanitizer: detected memory leaks\n\nDirect leak of 64 byte(s) in 1 "
        "object(s) allocated from:\n" +
            stack,
        "codec.cpp:13:116: runtime error: shift exponent 41 is too large for 32-bit type "
        "'int'\n" +
            stack + "SUMMARY: UndefinedBehaviorSanitizer: undefined-behavior codec.cpp:13:116\n",
        "ALARM: working on the last Unit for 3 seconds\n==5== ERROR: libFuzzer: timeout after 3 "
        "seconds\n" +
            stack,
        "FuzzerSecurityIssueHigh: agreement:MTCd->UE violated\n==6== ERROR: libFuzzer: deadly "
        "signal\n" +
            stack,
        "FuzzerSecurityIssueMedium: prose decoder: a decoded frame re-encodes to other bytes\n",
        "==7== ERROR: libFuzzer: out-of-memory (malloc(4294967296))\n" + stack,
    };
    for (const std::string& log : logs) add_unique(t, Bytes(log.begin(), log.end()));
    const std::vector<std::string> words = {
        "==1==ERROR: ",  "AddressSanitizer: ", "LeakSanitizer: ",   "libFuzzer: ",
        "READ of size ", "WRITE of size ",     ": runtime error: ", "FuzzerSecurityIssue",
        "SUMMARY: ",     "    #0 0x1 in ",     " (BuildId: ",       "+0x",
        "timeout",       "deadly signal",      "zero page",         "caused by a READ",
    };
    t.dict = "# crash logs (sanitizer, libFuzzer and security-oracle report keywords)\n";
    std::size_t i = 0;
    for (const std::string& w : words) t.dict += dict_entry("w" + std::to_string(i++), view(w));
    t.options = options(16384, "sanitizer_report_fuzzer", 10);
    return t;
}

}  // namespace

Bytes honest_program(bool hardened, std::size_t sessions) {
    Bytes p{hardened ? kDyHardened : std::uint8_t{0}};
    for (std::size_t s = 0; s < sessions; ++s) {
        p.push_back(op(DyOp::start));
        p.push_back(static_cast<std::uint8_t>(s));
        p.push_back(op(DyOp::flush));
    }
    return p;
}

Result<std::map<std::string, TargetSeeds>> generate_seeds(
    std::uint64_t seed, const std::vector<std::string_view>& campaigns) {
    std::map<std::string, TargetSeeds> out;
    for (const FuzzTarget& t : fuzz_targets()) {
        switch (t.kind) {
            case TargetKind::decoder:
                out[t.name] = decoder_seeds(*t.spec, seed);
                break;
            case TargetKind::role:
                out[t.name] = role_seeds(*t.spec, *t.spec->role(t.role));
                break;
            case TargetKind::pcap: {
                auto s = pcap_seeds(seed);
                if (!s) return s.error();
                out[t.name] = std::move(s).value();
                break;
            }
            case TargetKind::campaign:
                out[t.name] = campaign_seeds(campaigns);
                if (out[t.name].inputs.empty()) return make_error("no campaign files to seed from");
                break;
            case TargetKind::report:
                out[t.name] = report_seeds();
                break;
        }
    }
    return out;
}

}  // namespace mtc::fuzz
