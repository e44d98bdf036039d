// Shared by the libFuzzer entry points and the plain replay driver.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>

#include "targets/fuzz_target.hpp"

namespace mtc::fuzz {

// The target named by the basename of `argv0`, else by $MTC_FUZZ_TARGET; nullptr if neither.
const FuzzTarget* select_target(const char* argv0);
// "  name  description" per target.
void print_targets(std::FILE* out);

}  // namespace mtc::fuzz

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv);
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
