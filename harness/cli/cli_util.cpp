#include "harness/cli/cli_util.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace mtc::cli {

int usage_error(const std::string& cmd, const std::string& reason) {
    std::cerr << "mtcfuzz " << cmd << ": " << reason << " (see 'mtcfuzz " << cmd << " --help')\n";
    return kUsage;
}

std::optional<po::variables_map> parse(const std::string& cmd, const std::string& usage,
                                       const std::string& about,
                                       const po::options_description& opts,
                                       const po::positional_options_description& positional,
                                       const std::vector<std::string>& args, int& exit_code) {
    po::options_description all;
    all.add(opts);
    all.add_options()("help,h", "show this help");
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
        if (vm.count("help") != 0) {
            std::cout << "usage: mtcfuzz " << cmd << " " << usage << "\n\n"
                      << about << "\n\n"
                      << all << "\n";
            exit_code = kOk;
            return std::nullopt;
        }
        po::notify(vm);
    } catch (const po::error& e) {
        exit_code = usage_error(cmd, e.what());
        return std::nullopt;
    }
    return vm;
}

std::optional<std::string> write_file_atomic(const std::string& path, const std::string& content) {
    namespace fs = std::filesystem;
    const fs::path target(path);
    fs::path tmp = target;
    tmp += ".tmp." + std::to_string(::getpid());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) return "cannot create " + tmp.string();
        out << content;
        out.flush();
        if (!out) {
            std::error_code ec;
            fs::remove(tmp, ec);
            return "cannot write " + tmp.string();
        }
    }
    std::error_code ec;
    fs::rename(tmp, target, ec);
    if (ec) {
        fs::remove(tmp, ec);
        return "cannot rename " + tmp.string() + " to " + path + ": " + ec.message();
    }
    return std::nullopt;
}

}  // namespace mtc::cli
