// A test-only fuzz target with one planted bug per kind triage must tell apart, for the
// end-to-end triage test (tests/e2e/triage_test.cpp): libFuzzer finds them in seconds and the
// crash files it writes are real ones. Never linked into anything but that test.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "targets/entry.hpp"

namespace {

// noinline: each bug keeps its own frame, the crash state triage buckets on.
__attribute__((noinline)) int planted_heap_read(const std::uint8_t* d, std::size_t n) {
    auto* p = new std::uint8_t[8];
    std::memcpy(p, d, n < 8 ? n : 8);
    const int v = p[8 + (n & 1)];  // one or two past the end
    delete[] p;
    return v;
}

__attribute__((noinline)) void planted_heap_write(const std::uint8_t* d, std::size_t n) {
    auto* p = new std::uint8_t[8];
    p[8 + (n & 1)] = d[1];
    delete[] p;
}

__attribute__((noinline)) int planted_use_after_free(const std::uint8_t* d) {
    auto* p = new int[4];
    p[0] = d[1];
    delete[] p;
    return p[1];  // NOLINT(clang-analyzer-cplusplus.NewDelete): the planted bug
}

__attribute__((noinline)) int planted_null_read(const std::uint8_t* d) {
    int* volatile p = nullptr;
    // d[1] is 'L': always taken.
    return d[1] == 0xFF ? 0 : *p;  // NOLINT(clang-analyzer-core.NullDereference): planted
}

__attribute__((noinline)) void planted_leak(const std::uint8_t* d) {
    auto* volatile p = static_cast<std::uint8_t*>(std::malloc(64));
    p[0] = d[1];
}  // NOLINT(clang-analyzer-unix.Malloc): the planted leak

__attribute__((noinline)) void planted_hang() {
    volatile unsigned x = 0;
    for (;;) x = x + 1;
}

// Crashes on every other run when $PLANTED_FLAKY_FILE names a file to toggle (the triage test's
// flaky input); without it, never.
__attribute__((noinline)) void planted_flaky() {
    const char* state = std::getenv("PLANTED_FLAKY_FILE");
    if (state == nullptr) return;
    if (std::remove(state) == 0) std::abort();  // it was there: this run crashes
    if (std::FILE* f = std::fopen(state, "w")) std::fclose(f);
}

__attribute__((noinline)) void planted_oracle() {
    std::fprintf(stderr,
                 "FuzzerSecurityIssueHigh: agreement:planted->oracle: a planted "
                 "violation\n");
    std::abort();
}

}  // namespace

namespace mtc::fuzz {
void print_targets(std::FILE* out) {
    std::fprintf(out, "  planted_bugs_fuzzer   test-only: one planted bug per crash kind\n");
}
}  // namespace mtc::fuzz

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* d, std::size_t n) {
    // "PL" then a byte naming the bug: the prefix gives the fuzzer coverage to grow a corpus on
    // (every input crashing at once would leave fork mode re-finding one bug), and its
    // comparisons are what libFuzzer's value tracing solves in seconds.
    if (n < 3 || d[0] != 'P' || d[1] != 'L') return 0;
    switch (d[2]) {
        case 'r':
            return planted_heap_read(d, n);
        case 'w':
            planted_heap_write(d, n);
            break;
        case 'u':
            return planted_use_after_free(d);
        case 'n':
            return planted_null_read(d);
        case 'l':
            planted_leak(d);
            break;
        case 'h':
            planted_hang();
            break;
        case 'o':
            planted_oracle();
            break;
        case 'f':
            planted_flaky();
            break;
        default:
            break;
    }
    return 0;
}
