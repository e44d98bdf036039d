// mtcfuzz: one binary, git-style subcommands.
#include <iostream>
#include <string>
#include <vector>

#include "harness/cli/cli_util.hpp"

namespace {

void print_help() {
    std::cout << "usage: mtcfuzz <command> [options]\n\n"
                 "Security fuzzing and attack emulation for machine-type-communication\n"
                 "authentication protocols. Every command takes --help.\n\ncommands:\n";
    for (const auto& c : mtc::cli::commands()) {
        std::cout << "  " << c.name
                  << std::string(12 - std::min<std::size_t>(c.name.size(), 11), ' ') << c.summary
                  << "\n";
    }
    std::cout
        << "\nexit codes: 0 ok, 1 a claim is violated, 2 bad input or usage, 3 the run failed\n"
           "example: mtcfuzz simulate prose --sessions 1000 --seed 7\n";
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        print_help();
        return args.empty() ? mtc::cli::kUsage : mtc::cli::kOk;
    }
    if (args[0] == "--version") {
        std::cout << "mtcfuzz 0.1.0\n";
        return mtc::cli::kOk;
    }
    for (const auto& c : mtc::cli::commands()) {
        if (c.name == args[0]) {
            try {
                return c.run({args.begin() + 1, args.end()});
            } catch (const std::exception& e) {
                // Nothing should get here; if it does, say so instead of aborting.
                std::cerr << "mtcfuzz " << c.name << ": internal error: " << e.what() << "\n";
                return mtc::cli::kRunFailed;
            }
        }
    }
    std::cerr << "mtcfuzz: unknown command '" << args[0] << "' (see 'mtcfuzz --help')\n";
    return mtc::cli::kUsage;
}
