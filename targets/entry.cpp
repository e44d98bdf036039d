// The libFuzzer entry points every engine calls (libFuzzer, AFL++'s libFuzzer-compatible
// driver, the plain replay driver, OSS-Fuzz / ClusterFuzzLite's $LIB_FUZZING_ENGINE). A
// binary holds one or more targets (binary_targets()); the target is the name it was started
// under (each target is a link to it), or $MTC_FUZZ_TARGET when started under its own name.
#include "targets/entry.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "targets/fuzz_target.hpp"

namespace mtc::fuzz {
namespace {

const FuzzTarget* g_target = nullptr;

const FuzzTarget* find_in_binary(std::string_view name) {
    for (const FuzzTarget& t : binary_targets()) {
        if (t.name == name) return &t;
    }
    return nullptr;
}

std::string basename_of(const char* path) {
    std::string s = path == nullptr ? "" : path;
    const auto slash = s.find_last_of('/');
    return slash == std::string::npos ? s : s.substr(slash + 1);
}

}  // namespace

const FuzzTarget* select_target(const char* argv0) {
    if (const FuzzTarget* t = find_in_binary(basename_of(argv0))) return t;
    const char* env = std::getenv("MTC_FUZZ_TARGET");
    if (env != nullptr) return find_in_binary(env);
    return nullptr;
}

void print_targets(std::FILE* out) {
    for (const FuzzTarget& t : binary_targets()) {
        std::fprintf(out, "  %-34s %s\n", t.name.c_str(), t.description.c_str());
    }
}

}  // namespace mtc::fuzz

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    using namespace mtc::fuzz;
    if (std::getenv("MTC_FUZZ_LIST") != nullptr) {  // for the build's links and ctest
        // Each line starts with a marker: an engine's driver may print its own text first
        // (AFL++'s does, on stdout).
        for (const FuzzTarget& t : binary_targets()) {
            std::printf("mtc-fuzz-target %s %s %s\n", t.name.c_str(),
                        std::string(to_string(t.kind)).c_str(), t.description.c_str());
        }
        std::exit(0);
    }
    const char* argv0 = (argc != nullptr && *argc > 0) ? (*argv)[0] : nullptr;
    g_target = select_target(argv0);
    if (g_target == nullptr) {
        std::fprintf(stderr,
                     "mtcfuzz fuzz targets: started as '%s', which names no target, and "
                     "MTC_FUZZ_TARGET is not set to one. Run a target by its link "
                     "(build/<preset>/targets/<name>) or set MTC_FUZZ_TARGET. Targets:\n",
                     argv0 == nullptr ? "?" : argv0);
        print_targets(stderr);
        std::exit(2);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return mtc::fuzz::g_target->run(data, size);
}
