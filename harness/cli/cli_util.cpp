#include "harness/cli/cli_util.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <unistd.h>

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

AtomicFile::AtomicFile(std::string path)
    : path_(std::move(path)), tmp_(path_ + ".tmp." + std::to_string(::getpid())) {
    out_.open(tmp_, std::ios::binary | std::ios::trunc);
}

AtomicFile::~AtomicFile() {
    if (!committed_) {
        out_.close();
        std::error_code ec;
        std::filesystem::remove(tmp_, ec);
    }
}

std::optional<std::string> AtomicFile::commit() {
    out_.flush();
    if (!out_) return "cannot write " + tmp_;
    out_.close();
    std::error_code ec;
    std::filesystem::rename(tmp_, path_, ec);
    if (ec) return "cannot rename " + tmp_ + " to " + path_ + ": " + ec.message();
    committed_ = true;
    return std::nullopt;
}

}  // namespace mtc::cli
