// The plain driver (no fuzzing engine): runs a target on files, as ctest's regression runs
// and triage's reproductions do. Started as a target's link (or with $MTC_FUZZ_TARGET set):
//
//   <target> FILE|DIR...   runs every file (directories: every regular file in them, sorted)
//   <binary> --list        the targets, one per line: mtc-fuzz-target NAME KIND DESCRIPTION
//                          (so does any engine's build with MTC_FUZZ_LIST=1 set)
//
// Exit 0 when every input ran; 2 on usage errors or an unreadable input. A finding aborts
// the process (SIGABRT) after its FuzzerSecurityIssue line, a crash is the sanitizer's, as
// under libFuzzer, so the exit status and stderr are what triage expects from any engine.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "targets/entry.hpp"

namespace {

bool read_file(const std::filesystem::path& p, std::vector<std::uint8_t>& out) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return false;
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return !in.bad();
}

}  // namespace

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    using namespace mtc::fuzz;
    if (argc >= 2 && (std::strcmp(argv[1], "--list") == 0)) {
        ::setenv("MTC_FUZZ_LIST", "1", 1);  // LLVMFuzzerInitialize lists and exits
        LLVMFuzzerInitialize(&argc, &argv);
    }
    if (argc >= 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
        std::printf(
            "usage: <target> FILE|DIR...  (plain replay driver, no fuzzing engine)\n"
            "       <binary> --list\n"
            "Runs the target on each file, or on each regular file of each directory.\n"
            "Exit 0 when all ran; 2 on a usage error or an unreadable input; a finding aborts.\n"
            "Targets:\n");
        print_targets(stdout);
        return 0;
    }
    LLVMFuzzerInitialize(&argc, &argv);  // exits 2 when argv[0] names no target
    std::vector<fs::path> files;
    for (int i = 1; i < argc; ++i) {
        const fs::path p(argv[i]);
        std::error_code ec;
        if (fs::is_directory(p, ec)) {
            std::vector<fs::path> in_dir;
            for (const auto& e : fs::directory_iterator(p, ec)) {
                if (e.is_regular_file()) in_dir.push_back(e.path());
            }
            std::sort(in_dir.begin(), in_dir.end());
            files.insert(files.end(), in_dir.begin(), in_dir.end());
        } else if (fs::is_regular_file(p, ec)) {
            files.push_back(p);
        } else {
            std::fprintf(stderr, "%s: no such file or directory: %s\n", argv[0], argv[i]);
            return 2;
        }
    }
    std::vector<std::uint8_t> data;
    for (const fs::path& f : files) {
        if (!read_file(f, data)) {
            std::fprintf(stderr, "%s: cannot read %s\n", argv[0], f.c_str());
            return 2;
        }
        std::fprintf(stderr, "Running: %s (%zu bytes)\n", f.c_str(), data.size());
        LLVMFuzzerTestOneInput(data.data(), data.size());
    }
    std::fprintf(stderr, "Executed %zu inputs\n", files.size());
    return 0;
}
