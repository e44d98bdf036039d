// `mtcfuzz triage crashes`: reproduce crash inputs with a target's plain driver (ASan+UBSan),
// read each report, bucket duplicates by crash state, mark flaky ones, minimise one input per
// bucket with the libFuzzer build of the same target, and rank the buckets by severity.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "harness/triage/sanitizer_report.hpp"
#include "protocols/core/result.hpp"

namespace mtc::triage {

struct CrashTriageOptions {
    std::string target;         // the target's name (for the outputs)
    std::string plain_bin;      // its plain driver: `plain_bin FILE` replays one input
    std::string libfuzzer_bin;  // optional: its libFuzzer build (hang stacks, minimisation)
    int runs = 3;               // reproductions per input (flakiness: k of n)
    std::chrono::seconds timeout{25};
    std::chrono::seconds minimize_time{30};  // per bucket; 0: no minimisation
    std::string out_dir;                     // minimised inputs go to out_dir/inputs
    std::function<void(const std::string&)> progress;
};

struct CrashBucket {
    std::string id;  // stable: a hash of the bucket key (crash type, access, state)
    std::string title, severity;
    std::vector<std::string> state;
    SanitizerReport report;            // of the bucket's first input
    std::vector<std::string> inputs;   // every input that landed here
    int reproduced = 0, attempts = 0;  // over all its inputs
    bool flaky = false;                // some input crashed in only some of its runs
    std::string minimized;             // out_dir/inputs/<id>.min, or empty
    std::string minimize_note;         // why there is none, or what minimisation did
};

struct UnparsedCrash {
    std::string input, reason;
};

struct CrashTriage {
    std::string target;
    std::string plain_bin;             // what reproduces an input: `plain_bin INPUT`
    std::vector<CrashBucket> buckets;  // most severe first
    std::vector<UnparsedCrash> unparsed;
    std::vector<std::string> not_reproduced;
    std::size_t inputs = 0;
};

// Files and directories (libFuzzer crash-/leak-/timeout-/oom- files, AFL++ crashes/ and hangs/
// folders) to the input files, sorted; AFL++'s README.txt and dotfiles are skipped.
Result<std::vector<std::string>> crash_inputs(const std::vector<std::string>& paths);

Result<CrashTriage> triage_crashes(const CrashTriageOptions& o,
                                   const std::vector<std::string>& inputs);

}  // namespace mtc::triage
