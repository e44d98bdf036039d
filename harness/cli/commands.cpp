// The table of subcommands shown by `mtcfuzz --help`.
#include "harness/cli/cli_util.hpp"

namespace mtc::cli {

int cmd_simulate(const std::vector<std::string>& args);
int cmd_list(const std::vector<std::string>& args);

const std::vector<Command>& commands() {
    static const std::vector<Command> all = {
        {"simulate", "run honest sessions of a protocol in process and summarise them",
         cmd_simulate},
        {"list", "list registered protocols, roles, variants, profiles, modes and claims",
         cmd_list},
    };
    return all;
}

}  // namespace mtc::cli
