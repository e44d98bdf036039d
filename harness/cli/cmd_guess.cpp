// mtcfuzz guess: off-line key guessing against a capture file.
#include <cstdio>
#include <iostream>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "attacks/guess.hpp"
#include "harness/cli/cli_util.hpp"
#include "harness/runner/pcap_knowledge.hpp"
#include "protocols/core/event.hpp"
#include "protocols/core/registry.hpp"

namespace mtc::cli {
namespace {

using nlohmann::ordered_json;

// The fingerprint reported for a recovered secret: a keyed hash under a fixed public salt, so
// that the same secret gives the same fingerprint in every run and a user holding the key can
// check a hit without the tool printing it.
constexpr std::string_view kFingerprintSalt = "mtcfuzz guess fingerprint";

// "--secret NAME=HEX": a long-term secret an insider holds.
std::optional<std::string> add_secret(attacks::Knowledge& k, const std::string& arg) {
    const auto eq = arg.find('=');
    if (eq == std::string::npos || eq == 0)
        return "--secret '" + arg.substr(0, eq) + "...': expected NAME=HEX, e.g. k_d:dev-1=00ff...";
    auto bytes = from_hex(std::string_view(arg).substr(eq + 1));
    if (!bytes || bytes->empty())
        return "--secret " + arg.substr(0, eq) + ": the value is not non-empty hex";
    k.learn_secret(arg.substr(0, eq), SecretBytes(bytes->begin(), bytes->end()));
    return std::nullopt;
}

void print_progress(const std::string& secret, const attacks::guess::SearchProgress& p, bool tty) {
    const double pct =
        p.total > 0 ? 100.0 * static_cast<double>(p.tested) / static_cast<double>(p.total) : 0;
    std::fprintf(stderr, "%s%s: %llu/%llu (%.1f%%) %.0f guesses/s on %u threads, ETA %.1f s%s",
                 tty ? "\r" : "", secret.c_str(), static_cast<unsigned long long>(p.tested),
                 static_cast<unsigned long long>(p.total), pct, p.rate, p.threads, p.eta_s,
                 tty ? "   " : "\n");
    std::fflush(stderr);
}

ordered_json to_json(const attacks::OfflineGuess& g, bool reveal) {
    const auto& r = g.result;
    ordered_json j = {{"secret", g.secret},       {"verifier", g.verifier},  {"space", g.space},
                      {"found", g.found()},       {"tested", r.tested},      {"total", r.total},
                      {"seconds", r.seconds},     {"rate", r.rate},          {"threads", r.threads},
                      {"exhausted", r.exhausted}, {"timed_out", r.timed_out}};
    if (g.found()) {
        j["fingerprint"] = g.secret_fp;
        j["index"] = r.index;
        if (reveal) j["candidate"] = *r.candidate;
    } else {
        j["full_key_bits"] = g.key_bits;
        j["full_key_rate"] = g.full_key_rate;
    }
    j["note"] = g.note;
    return j;
}

}  // namespace

int cmd_guess(const std::vector<std::string>& args) {
    po::options_description opts("options");
    std::string protocol, pcap_file, space = "pin";
    std::vector<std::string> secrets;
    std::array<std::string, 4> charsets;
    unsigned threads = 0;
    double time_limit = 600;
    // clang-format off
    opts.add_options()
        ("protocol", po::value(&protocol), "registered protocol whose traffic FILE holds")
        ("pcap", po::value(&pcap_file), "capture file (pcap or pcapng) to take verifiers from")
        ("space", po::value(&space), "candidate space: pin, pin:N, mask:MASK, wordlist:FILE (default pin)")
        ("custom-charset1,1", po::value(&charsets[0]), "set ?1 of a mask (hashcat syntax, e.g. ?l?d_)")
        ("custom-charset2,2", po::value(&charsets[1]), "set ?2 of a mask")
        ("custom-charset3,3", po::value(&charsets[2]), "set ?3 of a mask")
        ("custom-charset4,4", po::value(&charsets[3]), "set ?4 of a mask")
        ("threads", po::value(&threads), "search threads (default 0: every core)")
        ("time", po::value(&time_limit), "stop each search after S seconds (default 600)")
        ("secret", po::value(&secrets)->composing(), "NAME=HEX: a secret an insider holds (repeatable)")
        ("reveal", po::bool_switch(), "print a recovered candidate in clear (default: fingerprint only)")
        ("quiet", po::bool_switch(), "no progress lines on stderr")
        ("json", po::bool_switch(), "print one JSON object instead of text");
    // clang-format on
    po::positional_options_description pos;
    pos.add("protocol", 1);
    int code = kOk;
    auto vm = parse(
        "guess", "PROTOCOL --pcap FILE [--space SPEC] [--threads N] [--secret NAME=HEX] [--reveal]",
        "Off-line key guessing. Loads the protocol's messages from FILE (UDP; TLS streams stay\n"
        "opaque), asks the protocol which of them are guessing verifiers for a long-term secret\n"
        "(ProSe: M1's MTCdMIC tests a guess of PSKey; SGA: an insider that opened B1 holds\n"
        "E_k_di(N_i xor k_di) and N_i, and anyone who saw a device's Reg and the RegAck naming\n"
        "it holds E^x_k_d(ID_d)), and tests every candidate of the space through the\n"
        "protocol's weak-key KDF on every core, with progress (rate, ETA) on stderr. It stops at\n"
        "the first hit and prints the secret's fingerprint; the candidate only with --reveal.\n"
        "When nothing is found it prints how long a full-entropy key would take at the rate of\n"
        "the verifier without the KDF.\n\n"
        "Spaces: pin (6 digits), pin:N, mask:MASK with hashcat sets ?d ?l ?u ?s ?a ?h ?H and\n"
        "?1-?4 from --custom-charsetN (the last position varies fastest), wordlist:FILE (one\n"
        "candidate per line, used as is).\n\n"
        "Exit 1 when a secret was recovered, 0 when none was, 2 on bad input.\n"
        "examples:\n"
        "  mtcfuzz run prose --profile weak-key --sessions 1 --pcap p.pcap\n"
        "  mtcfuzz guess prose --pcap p.pcap\n"
        "  mtcfuzz guess prose --pcap p.pcap --space 'mask:?d?d?d?d?d?d' --threads 2 --json\n"
        "  mtcfuzz guess sga --pcap s.pcap --secret k_d:dev-1=<hex of the insider's key>",
        opts, pos, args, code);
    if (!vm) return code;
    if (protocol.empty()) return usage_error("guess", "missing PROTOCOL");
    if (pcap_file.empty()) return usage_error("guess", "missing --pcap FILE");
    const ProtocolSpec* spec = find_protocol(protocol);
    if (spec == nullptr) return usage_error("guess", "unknown protocol '" + protocol + "'");
    if (spec->recipes.guesses.empty()) {
        return usage_error("guess", protocol + " declares no off-line guessing verifier");
    }
    if (time_limit <= 0) return usage_error("guess", "--time must be positive");
    const bool json = (*vm)["json"].as<bool>();
    const bool reveal = (*vm)["reveal"].as<bool>();
    const bool quiet = (*vm)["quiet"].as<bool>();

    attacks::Knowledge k(*spec);
    for (const auto& s : secrets) {
        if (auto why = add_secret(k, s)) return usage_error("guess", *why);
    }
    auto loaded = runner::load_pcap(pcap_file, k);
    if (!loaded) return usage_error("guess", pcap_file + ": " + loaded.error().describe());
    k.open_seals();  // an insider reads what is sealed to it

    KeyFingerprinter fingerprinter(SecretBytes(kFingerprintSalt.begin(), kFingerprintSalt.end()));
    attacks::OfflineGuessInput in;
    in.settings.space = space;
    in.settings.charsets = charsets;
    in.settings.threads = threads;
    in.settings.time_limit_s = time_limit;
    in.derive.fingerprinter = &fingerprinter;
    const bool tty = isatty(STDERR_FILENO) != 0;
    if (!quiet) {
        in.progress = [tty](const std::string& what, const attacks::guess::SearchProgress& p) {
            print_progress(what, p, tty);
        };
    }
    const auto out = attacks::guess_offline(k, in);
    if (!quiet && tty) std::fputs("\n", stderr);
    if (!out.error.empty()) return usage_error("guess", out.error);

    bool found = false;
    for (const auto& g : out.searches) found = found || g.found();
    if (json) {
        ordered_json j = {{"protocol", protocol},
                          {"pcap", pcap_file},
                          {"messages", loaded->loaded},
                          {"skipped", loaded->skipped},
                          {"searches", ordered_json::array()},
                          {"no_verifier", out.no_verifier},
                          {"found", found}};
        for (const auto& g : out.searches) j["searches"].push_back(to_json(g, reveal));
        std::cout << j.dump(2) << "\n";
    } else {
        std::cout << protocol << ": " << loaded->loaded << " messages loaded from " << pcap_file
                  << " (" << loaded->skipped << " other UDP payloads skipped)\n";
        for (const auto& [subject, why] : out.no_verifier)
            std::cout << subject << ": " << why << "\n";
        for (const auto& g : out.searches) {
            std::cout << g.secret << ": " << (g.found() ? "FOUND" : "not found") << "\n  " << g.note
                      << "\n";
            if (g.found() && reveal) std::cout << "  candidate: " << *g.result.candidate << "\n";
        }
    }
    return found ? kViolation : kOk;
}

}  // namespace mtc::cli
