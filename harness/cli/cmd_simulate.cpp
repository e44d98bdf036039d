// mtcfuzz simulate: honest sessions over the perfect in-process network.
#include <charconv>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "harness/cli/cli_util.hpp"
#include "harness/cli/deployment_options.hpp"
#include "harness/cli/role_table.hpp"
#include "protocols/core/registry.hpp"
#include "protocols/core/simulation.hpp"

namespace mtc::cli {
namespace {

void print_text(const ProtocolSpec& spec, const SimulationOptions& o, const SimulationResult& r,
                bool ok) {
    std::printf("%s (%s, %s mode, %s profile): %zu sessions in %.3f s (%.0f sessions/s)\n",
                spec.name.c_str(), o.deployment.variant.c_str(), o.deployment.mode.c_str(),
                o.deployment.profile.c_str(), r.sessions_started, r.wall_s,
                r.wall_s > 0 ? static_cast<double>(r.sessions_started) / r.wall_s : 0.0);
    print_role_table(spec, r.roles);
    std::printf("key agreement: %zu of %zu sessions committed one key fingerprint on every role",
                r.sessions_key_agreed, r.sessions_started);
    if (r.sessions_key_mismatch != 0)
        std::printf(" (%zu with different keys)", r.sessions_key_mismatch);
    std::printf("\nresult: %s\n", ok ? "ok, every session committed on every role"
                                     : "FAILED, some sessions did not commit on every role");
}

nlohmann::ordered_json to_json(const ProtocolSpec& spec, const SimulationOptions& o,
                               const SimulationResult& r, bool ok) {
    nlohmann::ordered_json j;
    j["protocol"] = spec.name;
    j["variant"] = o.deployment.variant;
    j["mode"] = o.deployment.mode;
    j["profile"] = o.deployment.profile;
    j["seed"] = o.seed ? nlohmann::ordered_json(*o.seed) : nlohmann::ordered_json(nullptr);
    j["sessions"] = r.sessions_started;
    j["sessions_key_agreed"] = r.sessions_key_agreed;
    j["sessions_key_mismatch"] = r.sessions_key_mismatch;
    j["wall_s"] = r.wall_s;
    j["ok"] = ok;
    j["roles"] = role_table_json(r.roles);
    return j;
}

}  // namespace

int cmd_simulate(const std::vector<std::string>& args) {
    po::options_description opts("options");
    std::string protocol, events_path;
    std::size_t sessions = 1;
    std::uint64_t seed = 0;
    DeploymentArgs dep;
    // clang-format off
    opts.add_options()
        ("protocol", po::value(&protocol), "protocol to run (see 'mtcfuzz list')")
        ("sessions,n", po::value(&sessions)->default_value(1), "number of honest sessions");
    dep.add_to(opts);
    opts.add_options()
        ("seed", po::value(&seed), "seed every random value and the clock: same seed, same events")
        ("events", po::value(&events_path), "write every event as JSON Lines to FILE ('-': stdout)")
        ("json", po::bool_switch(), "print the summary as JSON");
    // clang-format on
    po::positional_options_description pos;
    pos.add("protocol", 1);
    int code = kOk;
    auto vm =
        parse("simulate", "PROTOCOL [options]",
              "Runs N honest sessions of PROTOCOL over a perfect in-process network (frames are\n"
              "encoded and decoded as on the wire; links the paper assumes secure carry the\n"
              "sender's identity) and prints what every role did. Protocols: " +
                  protocol_names() +
                  ".\n"
                  "Exit 0 when every session committed on every role with one key, 3 otherwise.",
              opts, pos, args, code);
    if (!vm) return code;
    const ProtocolSpec* spec = require_protocol("simulate", protocol);
    if (spec == nullptr) return kUsage;
    SimulationOptions o;
    o.sessions = sessions;
    if (sessions == 0 || sessions > 100'000'000) {
        return usage_error("simulate", "--sessions must be between 1 and 100000000");
    }
    if (auto err = dep.resolve(*spec, o.deployment)) return usage_error("simulate", *err);
    if (vm->count("seed") != 0) o.seed = seed;

    // Events stream into a temporary file renamed into place at the end: a long run never
    // holds them in memory, and an interrupted run leaves no half-written file behind.
    std::optional<AtomicFile> events_file;
    std::optional<JsonlSink> sink;
    if (!events_path.empty() && events_path != "-") {
        events_file.emplace(events_path);
        if (!events_file->ok())
            return usage_error("simulate", "cannot create events file " + events_path);
        sink.emplace(events_file->stream());
    } else if (events_path == "-") {
        sink.emplace(std::cout);
    }
    if (sink) o.events = &*sink;
    const bool tty = ::isatty(STDERR_FILENO) == 1;
    if (tty && sessions >= 4096) {
        o.progress = [sessions](std::size_t done) {
            std::fprintf(stderr, "\rsimulate: %zu/%zu sessions", done, sessions);
            if (done == sessions) std::fprintf(stderr, "\n");
        };
    }
    auto r = simulate(*spec, o);
    if (!r) return usage_error("simulate", r.error().describe());
    if (events_file) {
        if (auto err = events_file->commit()) {
            std::cerr << "mtcfuzz simulate: " << *err << "\n";
            return kRunFailed;
        }
    }
    const bool ok = r->all_committed(*spec);
    if ((*vm)["json"].as<bool>()) {
        std::cout << to_json(*spec, o, *r, ok).dump(2) << "\n";
    } else if (events_path != "-") {
        print_text(*spec, o, *r, ok);
    }
    return ok ? kOk : kRunFailed;
}

}  // namespace mtc::cli
