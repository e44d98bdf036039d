#include "harness/triage/crash_triage.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <unistd.h>

#include "harness/runner/process.hpp"
#include "harness/triage/crash_state.hpp"
#include "protocols/core/crypto/hash.hpp"

namespace mtc::triage {
namespace fs = std::filesystem;
namespace {

// The sanitizers' options for a reproduction: leaks reported, UBSan with its stack, an abort()
// (the security oracle's) reported with a stack too. The user's own options come after ours,
// so theirs win.
class SanitizerEnv {
public:
    SanitizerEnv() {
        set("ASAN_OPTIONS", "detect_leaks=1:handle_abort=1:symbolize=1:abort_on_error=0");
        set("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1:symbolize=1");
    }
    ~SanitizerEnv() {
        for (const auto& [name, old] : saved_) {
            if (old) {
                ::setenv(name.c_str(), old->c_str(), 1);
            } else {
                ::unsetenv(name.c_str());
            }
        }
    }
    SanitizerEnv(const SanitizerEnv&) = delete;
    SanitizerEnv& operator=(const SanitizerEnv&) = delete;

private:
    void set(const std::string& name, const std::string& ours) {
        const char* old = std::getenv(name.c_str());
        saved_[name] = old == nullptr ? std::nullopt : std::optional<std::string>(old);
        ::setenv(name.c_str(), (old == nullptr ? ours : ours + ":" + old).c_str(), 1);
    }
    std::map<std::string, std::optional<std::string>> saved_;
};

struct Attempt {
    bool crashed = false, hung = false;
    std::string log;
};

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

Result<Attempt> run_once(const std::vector<std::string>& argv, std::chrono::seconds timeout,
                         const std::string& log_path) {
    std::error_code ec;
    fs::remove(log_path, ec);
    auto child = runner::Child::spawn(argv, log_path);
    if (!child) return Error{"cannot start " + argv[0] + ": " + child.error().describe()};
    Attempt a;
    if (!child->wait_for(timeout)) {
        child->stop(std::chrono::milliseconds(500));
        a.hung = true;
    } else {
        a.crashed = child->term_signal().has_value() || child->exit_code().value_or(0) != 0;
    }
    a.log = slurp(log_path);
    return a;
}

std::string bucket_key(const SanitizerReport& r, const std::vector<std::string>& state) {
    std::string k = r.crash_type + "|" + r.access;
    for (const std::string& s : state) k += "|" + s;
    return k;
}

std::string short_hash(const std::string& s) {
    const crypto::Digest d = crypto::sha256(view(s));
    return to_hex(BytesView(d.data(), 8));
}

// A crash with no project frame still needs a state: its top symbolised frame, or the type.
std::vector<std::string> state_of(const SanitizerReport& r) {
    auto state = crash_state(r);
    if (!state.empty()) return state;
    for (const Frame& f : r.frames) {
        if (!f.function.empty()) return {"(no project frame) " + function_name(f.function)};
    }
    return {"(no stack)"};
}

// The report of one reproducing run: the plain driver's log, or for a hang the libFuzzer
// build's (libFuzzer prints the stack of a unit that runs past -timeout; the plain driver is
// just killed).
Result<SanitizerReport> report_of(const CrashTriageOptions& o, const Attempt& a,
                                  const std::string& input, const std::string& log_path) {
    if (!a.hung) return parse_sanitizer_report(a.log);
    if (!o.libfuzzer_bin.empty()) {
        const std::vector<std::string> argv = {
            o.libfuzzer_bin, "-timeout=" + std::to_string(o.timeout.count()), "-runs=1", input};
        auto again = run_once(argv, o.timeout + std::chrono::seconds(15), log_path);
        if (!again) return again.error();
        auto r = parse_sanitizer_report(again->log);
        if (r && r->crash_type == "timeout") return r;
    }
    SanitizerReport r;
    r.tool = "triage";
    r.crash_type = "timeout";
    r.detail = "the plain driver ran past " + std::to_string(o.timeout.count()) + " s";
    return r;
}

void minimize(const CrashTriageOptions& o, CrashBucket& b, const std::string& key,
              const std::string& log_path) {
    if (o.libfuzzer_bin.empty()) {
        b.minimize_note = "not minimised: no libFuzzer build of the target given";
        return;
    }
    if (o.minimize_time.count() == 0) {
        b.minimize_note = "not minimised (--minimize-time 0)";
        return;
    }
    if (b.report.crash_type == "timeout") {
        b.minimize_note = "not minimised: a hang (libFuzzer minimises crashes only)";
        return;
    }
    std::error_code ec;
    fs::create_directories(fs::path(o.out_dir) / "inputs", ec);
    const std::string out = (fs::path(o.out_dir) / "inputs" / (b.id + ".min")).string();
    const std::string tmp = out + ".tmp";
    fs::remove(tmp, ec);
    const std::vector<std::string> argv = {
        o.libfuzzer_bin, "-minimize_crash=1",
        "-max_total_time=" + std::to_string(o.minimize_time.count()), "-exact_artifact_path=" + tmp,
        b.inputs.front()};
    auto run = run_once(argv, o.minimize_time + o.timeout + std::chrono::seconds(30), log_path);
    if (!run || !fs::exists(tmp)) {
        b.minimize_note = "not minimised: libFuzzer's -minimize_crash left no input";
        return;
    }
    // The smaller input must still be this bug, not another one found on the way.
    auto check = run_once({o.plain_bin, tmp}, o.timeout, log_path);
    auto r = check ? parse_sanitizer_report(check->log) : Result<SanitizerReport>(check.error());
    if (!r || bucket_key(*r, state_of(*r)) != key) {
        b.minimize_note = "not kept: the minimised input crashes differently";
        fs::remove(tmp, ec);
        return;
    }
    fs::rename(tmp, out, ec);
    if (ec) {
        b.minimize_note = "not kept: " + ec.message();
        return;
    }
    b.minimized = out;
    b.minimize_note = "minimised from " + std::to_string(fs::file_size(b.inputs.front(), ec)) +
                      " to " + std::to_string(fs::file_size(out, ec)) + " bytes";
}

int rank(const std::string& severity) {
    if (severity == "Critical") return 0;
    if (severity == "High") return 1;
    if (severity == "Medium") return 2;
    return 3;
}

}  // namespace

Result<std::vector<std::string>> crash_inputs(const std::vector<std::string>& paths) {
    std::vector<std::string> out;
    for (const std::string& p : paths) {
        std::error_code ec;
        const auto st = fs::status(p, ec);
        if (ec || !fs::exists(st)) return Error{"crash input " + p + ": no such file or directory"};
        if (fs::is_regular_file(st)) {
            out.push_back(p);
            continue;
        }
        if (!fs::is_directory(st)) return Error{"crash input " + p + ": not a file or directory"};
        std::vector<std::string> files;
        for (const auto& e : fs::directory_iterator(p, ec)) {
            const std::string name = e.path().filename().string();
            if (!e.is_regular_file() || name.empty() || name[0] == '.' || name == "README.txt")
                continue;
            files.push_back(e.path().string());
        }
        if (ec) return Error{"crash input " + p + ": " + ec.message()};
        std::sort(files.begin(), files.end());
        out.insert(out.end(), files.begin(), files.end());
    }
    return out;
}

Result<CrashTriage> triage_crashes(const CrashTriageOptions& o,
                                   const std::vector<std::string>& inputs) {
    if (o.runs < 1) return Error{"runs must be at least 1"};
    if (::access(o.plain_bin.c_str(), X_OK) != 0)
        return Error{"plain driver " + o.plain_bin + " is not an executable file"};
    if (!o.libfuzzer_bin.empty() && ::access(o.libfuzzer_bin.c_str(), X_OK) != 0)
        return Error{"libFuzzer build " + o.libfuzzer_bin + " is not an executable file"};
    std::error_code ec;
    fs::create_directories(o.out_dir, ec);
    if (ec) return Error{"cannot create " + o.out_dir + ": " + ec.message()};
    const std::string log_path = (fs::path(o.out_dir) / ".reproduce.log").string();
    SanitizerEnv env;

    CrashTriage t;
    t.target = o.target;
    t.plain_bin = o.plain_bin;
    t.inputs = inputs.size();
    std::map<std::string, CrashBucket> by_key;
    std::vector<std::string> order;  // keys in first-seen order
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        const std::string& input = inputs[i];
        if (o.progress) {
            o.progress("[" + std::to_string(i + 1) + "/" + std::to_string(inputs.size()) + "] " +
                       input);
        }
        int crashed = 0;
        std::optional<Result<SanitizerReport>> first;
        for (int k = 0; k < o.runs; ++k) {
            auto a = run_once({o.plain_bin, input}, o.timeout, log_path);
            if (!a) return a.error();
            if (!a->crashed && !a->hung) continue;
            ++crashed;
            if (!first) first = report_of(o, *a, input, log_path);
        }
        if (crashed == 0) {
            t.not_reproduced.push_back(input);
            continue;
        }
        if (!first->ok()) {
            t.unparsed.push_back({input, first->error().describe()});
            continue;
        }
        const SanitizerReport& r = first->value();
        const auto state = state_of(r);
        const std::string key = bucket_key(r, state);
        auto [it, fresh] = by_key.try_emplace(key);
        CrashBucket& b = it->second;
        if (fresh) {
            order.push_back(key);
            b.id = short_hash(o.target + "|" + key);
            b.title = crash_title(r);
            b.severity = severity(r);
            b.state = state;
            b.report = r;
        }
        b.inputs.push_back(input);
        b.reproduced += crashed;
        b.attempts += o.runs;
        b.flaky = b.flaky || crashed < o.runs;
    }
    for (const std::string& key : order) {
        CrashBucket& b = by_key.at(key);
        if (o.progress) o.progress("minimising bucket " + b.id + " (" + b.title + ")");
        minimize(o, b, key, log_path);
        t.buckets.push_back(std::move(b));
    }
    fs::remove(log_path, ec);
    std::stable_sort(t.buckets.begin(), t.buckets.end(),
                     [](const CrashBucket& a, const CrashBucket& b) {
                         return rank(a.severity) < rank(b.severity);
                     });
    return t;
}

}  // namespace mtc::triage
