// The baseline of bench/fuzz_targets.sh: a target that does nothing, built with exactly the
// flags of the real ones (sanitizers, coverage), so a target's exec/s is reported as a ratio
// against the engine's own per-input cost measured in the same run.
#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    (void)data;
    (void)size;
    return 0;
}
