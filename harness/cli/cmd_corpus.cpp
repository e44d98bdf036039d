// mtcfuzz corpus regen: seed corpora, dictionaries and .options files for every fuzz target
// (targets/seeds.hpp), from honest in-process runs of the registered protocols.
//
//   DIR/<target>/<sha256 prefix>   one file per seed input (names as libFuzzer's: by content)
//   DIR/dict/<target>.dict         the target's dictionary
//   DIR/options/<target>.options   its libFuzzer options (ClusterFuzzLite / OSS-Fuzz read them)
//
// Every file is written atomically. Entries already in a corpus directory (merged there by
// `mtcfuzz fuzz`) stay unless --clean.
//
// mtcfuzz corpus merge: adds fuzzing finds (another machine's run, a CI artifact) to a
// target's corpus (corpus_merge.hpp).
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "harness/cli/campaign_output.hpp"
#include "harness/cli/cli_util.hpp"
#include "harness/cli/corpus_entry.hpp"
#include "harness/cli/corpus_merge.hpp"
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

// An AFL++ output directory (-o) or instance directory stands for its queue.
std::string candidates_of(const std::string& dir) {
    namespace fs = std::filesystem;
    for (const std::string& instance : {dir + "/default", dir}) {
        if (fs::exists(instance + "/fuzzer_stats") && fs::is_directory(instance + "/queue"))
            return instance + "/queue";
    }
    return dir;
}

int merge(const std::vector<std::string>& args) {
    po::options_description opts("options");
    std::string engine, bin_dir, corpus;
    std::vector<std::string> positional;
    // clang-format off
    opts.add_options()
        ("args", po::value(&positional)->composing(), "TARGET then DIR...")
        ("engine", po::value(&engine)->default_value("libfuzzer"), "how the target was built: libfuzzer | afl")
        ("bin-dir", po::value(&bin_dir), "where the target is (default: build/fuzz/targets, build/afl/targets for afl)")
        ("corpus", po::value(&corpus)->default_value("corpus"), "seed corpora (adds to CORPUS/TARGET)")
        ("json", po::bool_switch(), "print the result as JSON");
    // clang-format on
    po::positional_options_description pos;
    pos.add("args", -1);
    int code = kOk;
    auto vm =
        parse("corpus merge", "TARGET DIR... [--engine libfuzzer|afl] [--bin-dir D]",
              "Adds to corpus/TARGET the inputs of each DIR that cover something the corpus\n"
              "does not (libFuzzer's -merge=1 rule; with --engine afl by afl-showmap tuples,\n"
              "the target built with afl-clang-fast). DIR: any directory of inputs, e.g.\n"
              "another machine's run; an AFL++ output directory stands for its queue.\n"
              "Inputs that crash or hang are never merged. 'mtcfuzz fuzz' merges its own runs.\n"
              "example: mtcfuzz corpus merge prose_MTCd_fuzzer ci-artifacts/prose_MTCd_fuzzer/new",
              opts, pos, args, code);
    if (!vm) return code;
    if (positional.size() < 2)
        return usage_error("corpus merge", "needs a TARGET and at least one DIR");
    const std::string target = positional[0];
    if (fuzz::find_fuzz_target(target) == nullptr)
        return usage_error("corpus merge",
                           "no fuzz target '" + target + "' (see 'mtcfuzz fuzz --list')");
    if (engine != "libfuzzer" && engine != "afl")
        return usage_error("corpus merge",
                           "--engine must be libfuzzer or afl, got '" + engine + "'");
    std::vector<std::string> inputs;
    for (auto it = positional.begin() + 1; it != positional.end(); ++it) {
        if (!std::filesystem::is_directory(*it))
            return usage_error("corpus merge", *it + " is not a directory");
        inputs.push_back(candidates_of(*it));
    }
    if (bin_dir.empty()) bin_dir = default_target_dir(engine);
    const std::string bin = bin_dir + "/" + target;
    if (::access(bin.c_str(), X_OK) != 0)
        return usage_error("corpus merge", bin + " is not built (docs/fuzzing.md)");
    std::string work = (std::filesystem::temp_directory_path() / "mtcfuzz-merge-XXXXXX").string();
    if (::mkdtemp(work.data()) == nullptr) {
        std::cerr << "mtcfuzz corpus merge: cannot create a scratch directory in /tmp\n";
        return kRunFailed;
    }
    auto m = merge_into_corpus({.engine = engine,
                                .target = std::filesystem::absolute(bin).string(),
                                .corpus = corpus + "/" + target,
                                .inputs = inputs,
                                .work = work});
    if (!m) {
        std::cerr << "mtcfuzz corpus merge: " << m.error().describe() << "\n";
        return kRunFailed;  // the scratch directory stays: the error names its log
    }
    std::error_code ec;
    std::filesystem::remove_all(work, ec);
    if ((*vm)["json"].as<bool>()) {
        std::cout << nlohmann::ordered_json{{"target", target},
                                            {"added", m->added},
                                            {"crashed_or_hung", m->skipped}}
                         .dump(2)
                  << "\n";
    } else {
        std::cout << target << ": " << m->added << (m->added == 1 ? " entry" : " entries")
                  << " added to " << corpus << "/" << target;
        if (m->skipped != 0) std::cout << " (" << m->skipped << " crashed or hung: not merged)";
        std::cout << "\n";
    }
    return kOk;
}

}  // namespace

int cmd_corpus(const std::vector<std::string>& args) {
    if (args.empty()) return usage_error("corpus", "missing subcommand (try: corpus regen)");
    if (args[0] == "--help" || args[0] == "-h") {
        std::cout << "usage: mtcfuzz corpus regen [-o DIR] [--seed S] [--target T]... [--clean]\n"
                     "       mtcfuzz corpus merge TARGET DIR... [--engine libfuzzer|afl]\n"
                     "  regen   seed corpora, dictionaries and .options for every fuzz target\n"
                     "  merge   add the inputs of DIRs that cover something new to a target's "
                     "corpus\n";
        return kOk;
    }
    if (args[0] == "regen") return regen({args.begin() + 1, args.end()});
    if (args[0] == "merge") return merge({args.begin() + 1, args.end()});
    return usage_error("corpus",
                       "unknown subcommand '" + args[0] + "' (try: corpus regen, corpus merge)");
}

}  // namespace mtc::cli
