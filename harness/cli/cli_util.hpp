// Shared command-line plumbing: exit codes, option parsing with one-line errors, atomic writes.
#pragma once

#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

namespace mtc::cli {

// The exit codes of DESIGN.md, for CI.
enum Exit : int { kOk = 0, kViolation = 1, kUsage = 2, kRunFailed = 3 };

namespace po = boost::program_options;

struct Command {
    std::string name;
    std::string summary;
    std::function<int(const std::vector<std::string>& args)> run;
};

const std::vector<Command>& commands();

// Parses `args` (the words after the subcommand). On --help prints usage and returns kOk in
// `exit_code`; on a bad option prints "mtcfuzz CMD: <reason>" plus a hint and returns kUsage.
// Returns the parsed map only when the command should run.
std::optional<po::variables_map> parse(const std::string& cmd, const std::string& usage,
                                       const std::string& about,
                                       const po::options_description& opts,
                                       const po::positional_options_description& positional,
                                       const std::vector<std::string>& args, int& exit_code);

int usage_error(const std::string& cmd, const std::string& reason);

// A file written in place under a temporary name and renamed over `path` by commit(), so a
// reader never sees a half-written file; destroyed without commit(), it removes the temporary.
class AtomicFile {
public:
    explicit AtomicFile(std::string path);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;
    [[nodiscard]] bool ok() const { return static_cast<bool>(out_); }
    std::ostream& stream() { return out_; }
    // Flushes, closes and renames; returns an error message on failure.
    std::optional<std::string> commit();

private:
    std::string path_, tmp_;
    std::ofstream out_;
    bool committed_ = false;
};

}  // namespace mtc::cli
