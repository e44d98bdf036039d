// mtcfuzz corpus regen: seed corpora, dictionaries and .options files for every fuzz target
// (targets/seeds.hpp), from honest in-process runs of the registered protocols.
//
//   DIR/<target>/<sha256 prefix>   one file per seed input (names as libFuzzer's: by content)
//   DIR/dict/<target>.dict         the target's dictionary
//   DIR/options/<target>.options   its libFuzzer options (ClusterFuzzLite / OSS-Fuzz read them)
//
// Every file is written atomically. Entries already in a corpus directory (merged there by
// `mtcfuzz fuzz`) stay unless --clean.
#include <filesystem>
#include <iostream>
#include <set>

#include <nlohmann/json.hpp>

#include "harness/cli/campaign_output.hpp"
#include "harness/cli/cli_util.hpp"
#include "harness/cli/corpus_entry.hpp"
#include "harness/runner/files.hpp"
#include "targets/fuzz_target.hpp"
#include "targets/seeds.hpp"

namespace mtc::cli {
namespace {

int regen(const std::vector<std::string>& args) {
    po::options_description opts("options");
    std::string out = "corpus";
    std::uint64_t seed = 1;
    std::vector<std::string> only;
    // clang-format off
    opts.add_options()
        ("out,o", po::value(&out), "corpus directory (default: corpus)")
        ("seed", po::value(&seed)->default_value(1), "seed of the honest runs (same seed, same files)")
        ("target", po::value(&only)->composing(), "only this target (repeatable; 'mtcfuzz fuzz --list')")
        ("clean", po::bool_switch(), "remove corpus entries this run did not generate (merged finds too)")
        ("json", po::bool_switch(), "print what was written as JSON");
    // clang-format on
    po::positional_options_description pos;
    int code = kOk;
    auto vm = parse("corpus regen", "[-o DIR] [--seed S] [--target T]... [--clean]",
                    "Generates seed inputs for every fuzz target from honest in-process runs of\n"
                    "every registered protocol (decoders: every distinct frame; role targets:\n"
                    "Dolev-Yao programs that run honest sessions and intervene at each step;\n"
                    "the pcap reader: the runs as captured packets; the campaign parser: the\n"
                    "built-in campaigns), plus a dictionary and a .options file per target.\n"
                    "example: mtcfuzz corpus regen -o corpus --seed 1",
                    opts, pos, args, code);
    if (!vm) return code;
    const bool clean = (*vm)["clean"].as<bool>();
    for (const auto& t : only) {
        if (fuzz::find_fuzz_target(t) == nullptr)
            return usage_error("corpus regen",
                               "no fuzz target '" + t + "' (see 'mtcfuzz fuzz --list')");
    }
    std::vector<std::string_view> campaigns;
    for (const auto& [name, text] : embedded_campaigns()) campaigns.push_back(text);
    auto seeds = fuzz::generate_seeds(seed, campaigns);
    if (!seeds) {
        std::cerr << "mtcfuzz corpus regen: " << seeds.error().describe() << "\n";
        return kRunFailed;
    }
    namespace fs = std::filesystem;
    nlohmann::ordered_json report = nlohmann::ordered_json::object();
    for (const auto& [target, s] : *seeds) {
        if (!only.empty() && std::find(only.begin(), only.end(), target) == only.end()) continue;
        const std::string dir = out + "/" + target;
        for (const std::string& d : {dir, out + "/dict", out + "/options"}) {
            if (auto st = runner::make_dirs(d, 0755); !st) {
                std::cerr << "mtcfuzz corpus regen: " << st.error().describe() << "\n";
                return kRunFailed;
            }
        }
        std::set<std::string> written;
        for (const Bytes& b : s.inputs) {
            const std::string name = corpus_entry_name(view(b));
            written.insert(name);
            const std::string_view content(reinterpret_cast<const char*>(b.data()), b.size());
            if (auto st = runner::write_file_atomic(dir + "/" + name, content, 0644, false); !st) {
                std::cerr << "mtcfuzz corpus regen: " << st.error().describe() << "\n";
                return kRunFailed;
            }
        }
        std::size_t removed = 0, kept = 0;
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(dir, ec)) {
            if (written.count(e.path().filename().string()) != 0) continue;
            if (clean && e.is_regular_file()) {
                fs::remove(e.path(), ec);
                ++removed;
            } else {
                ++kept;
            }
        }
        for (const auto& [path, text] :
             {std::pair{out + "/dict/" + target + ".dict", s.dict},
              std::pair{out + "/options/" + target + ".options", s.options}}) {
            if (auto st = runner::write_file_atomic(path, text, 0644, false); !st) {
                std::cerr << "mtcfuzz corpus regen: " << st.error().describe() << "\n";
                return kRunFailed;
            }
        }
        report[target] = {{"seeds", written.size()}, {"kept", kept}, {"removed", removed}};
        if (!(*vm)["json"].as<bool>()) {
            std::cout << target << ": " << written.size() << " seeds"
                      << (kept != 0 ? ", " + std::to_string(kept) + " other entries kept" : "")
                      << (removed != 0 ? ", " + std::to_string(removed) + " removed" : "") << "\n";
        }
    }
    if ((*vm)["json"].as<bool>()) std::cout << report.dump(2) << "\n";
    return kOk;
}

}  // namespace

int cmd_corpus(const std::vector<std::string>& args) {
    if (args.empty()) return usage_error("corpus", "missing subcommand (try: corpus regen)");
    if (args[0] == "--help" || args[0] == "-h") {
        std::cout << "usage: mtcfuzz corpus regen [-o DIR] [--seed S] [--target T]... [--clean]\n"
                     "  regen   seed corpora, dictionaries and .options for every fuzz target\n";
        return kOk;
    }
    if (args[0] == "regen") return regen({args.begin() + 1, args.end()});
    return usage_error("corpus", "unknown subcommand '" + args[0] + "' (try: corpus regen)");
}

}  // namespace mtc::cli
