// Helpers for the end-to-end tests: run the mtcfuzz binary, read JSON, run shell tools.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace mtc::e2e {

struct Cmd {
    int code = -1;
    std::string out, err;
};

inline std::string temp_dir(const std::string& tag) {
    std::string t =
        (std::filesystem::temp_directory_path() / ("mtc-e2e-" + tag + "-XXXXXX")).string();
    if (::mkdtemp(t.data()) == nullptr) return "/tmp";
    return t;
}

inline std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Runs a shell command line, capturing stdout and stderr.
inline Cmd sh(const std::string& line) {
    static int n = 0;
    const std::string base =
        "/tmp/mtc-e2e-cmd-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
    const int status = std::system((line + " >" + base + ".out 2>" + base + ".err").c_str());
    Cmd c;
    c.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    c.out = slurp(base + ".out");
    c.err = slurp(base + ".err");
    std::filesystem::remove(base + ".out");
    std::filesystem::remove(base + ".err");
    return c;
}

inline Cmd mtcfuzz(const std::string& args) {
    return sh(std::string(MTCFUZZ_BIN) + " " + args);
}

inline bool have(const std::string& tool) {
    return sh("command -v " + tool).code == 0;
}

}  // namespace mtc::e2e
