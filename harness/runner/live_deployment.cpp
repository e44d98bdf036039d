#include "harness/runner/live_deployment.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sys/resource.h>

#include <nlohmann/json.hpp>

#include "harness/runner/address_plan.hpp"
#include "harness/runner/keys_file.hpp"
#include "protocols/core/rng.hpp"

namespace mtc::runner {
namespace {

// Descriptors this process holds per instance: the hub's UDP front, its TCP listener (TLS
// links) and the control client; plus room for relayed TCP connections, pcap and log files.
constexpr std::size_t kFdsPerInstance = 3;
constexpr std::size_t kFdsSpare = 256;

}  // namespace

Status ensure_fd_limit(std::size_t instances) {
    const rlim_t need = static_cast<rlim_t>(instances * kFdsPerInstance + kFdsSpare);
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0)
        return make_error(std::string("cannot read the open-file limit: ") + std::strerror(errno));
    if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < need) {
        // Raise the soft limit as far as the hard one allows (children inherit it: harmless).
        const rlim_t cur = lim.rlim_cur;
        lim.rlim_cur = lim.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) lim.rlim_cur = cur;
    }
    if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < need) {
        return make_error(std::to_string(instances) + " role instances need about " +
                          std::to_string(need) + " open files in this process, but the limit is " +
                          std::to_string(lim.rlim_cur) + " (hard limit " +
                          std::to_string(lim.rlim_max) +
                          "): raise it (ulimit -Hn / limits.conf) or deploy fewer instances");
    }
    return Ok{};
}

Result<std::unique_ptr<LiveDeployment>> LiveDeployment::start(net::EventLoop& loop,
                                                              const LiveDeploymentOptions& o,
                                                              pcap::PcapWriter* writer) {
    std::unique_ptr<LiveDeployment> d(new LiveDeployment(loop));
    d->o_ = o;
    // A scratch directory: nothing to keep across a crash, so no fsync.
    ProvisionRequest preq{o.spec, o.deployment, o.workdir + "/keys", true, o.seed, false};
    auto prov = provision_to_dir(preq);
    if (!prov) return prov.error();
    d->prov_ = std::move(prov).value();
    if (d->prov_.instances.empty()) return make_error("deployment has no instances");
    auto first = load_keys(d->prov_.instances.front().keys_file);
    if (!first) return first.error();
    d->salt_ = first->fingerprint_salt;

    // Instance k listens on 127.A.(B + k/120).(k%120 + 1), its hub front is 128 above that
    // (address_plan.hpp): for k < 120, 127.A.B.(k+1) and 127.A.B.(k+129).
    const std::size_t n = d->prov_.instances.size();
    AddressPrefix prefix;
    if (o.addr_prefix.empty()) {
        OsRng rng;
        prefix.a = 16 + static_cast<unsigned>(rng.uniform(200));
        prefix.b =
            static_cast<unsigned>(rng.uniform(257 - std::min<std::size_t>(address_blocks(n), 256)));
    } else {
        auto p = AddressPrefix::parse(o.addr_prefix);
        if (!p) return p.error();
        prefix = *p;
    }
    if (auto s = check_address_plan(prefix, n); !s) return s.error();
    if (auto s = ensure_fd_limit(n); !s) return s.error();
    d->inst_.resize(n);
    for (std::size_t k = 0; k < d->inst_.size(); ++k) {
        const auto& pi = d->prov_.instances[k];
        LiveInstance& i = d->inst_[k];
        i.index = k;
        i.name = pi.instance;
        i.role = pi.role;
        i.identity = pi.identity;
        i.keys_file = pi.keys_file;
        i.control = o.workdir + "/" + instance_dir_name(pi.instance) + ".sock";
        i.log = o.workdir + "/" + instance_dir_name(pi.instance) + ".log";
        const InstanceHosts hosts = instance_hosts(prefix, k);
        i.real = {hosts.real, kRolePort};
        i.front = {hosts.front, kRolePort};
        d->by_name_.emplace(i.name, k);
        for (const auto& r : o.spec->roles)
            i.tcp = i.tcp || o.spec->is_secure_link(pi.role, r.name);
        i.process = o.insiders.count(pi.instance) == 0;
    }
    for (const auto& name : o.insiders) {
        if (d->find(name) == nullptr) return make_error("insider " + name + " is not an instance");
    }
    if (o.direct && (writer != nullptr || !o.insiders.empty()))
        return make_error("a capture and insiders need the hub; they cannot be direct");
    if (!o.direct) {
        std::vector<HubRoute> routes;
        for (const auto& i : d->inst_) routes.push_back({i.name, i.real, i.front, i.tcp});
        d->hub_ = std::make_unique<Hub>(loop, routes, writer);
        if (auto s = d->hub_->start(); !s) return s.error();
    }

    for (auto& i : d->inst_) {
        if (!i.process) continue;
        i.argv = {o.self_exe,         "role",   o.spec->name, i.role,      "--bind",
                  i.real.to_string(), "--keys", i.keys_file,  "--control", i.control};
        const InstancePlan* plan = d->prov_.deployment.find(i.name);
        for (const auto& [logical, target] : plan->peers) {
            i.argv.push_back("--peer");
            const LiveInstance* t = d->find(target);
            i.argv.push_back(logical + "=" + (o.direct ? t->real : t->front).to_string());
        }
        if (o.seed) {
            i.argv.push_back("--seed");
            i.argv.push_back(std::to_string(*o.seed));
        }
        if (o.retransmit_ms) {
            i.argv.push_back("--retransmit-ms");
            i.argv.push_back(std::to_string(*o.retransmit_ms));
        }
        if (o.retransmit_tries) {
            i.argv.push_back("--retransmit-tries");
            i.argv.push_back(std::to_string(*o.retransmit_tries));
        }
        if (auto w = o.weaken.find(i.role); w != o.weaken.end()) {
            for (const auto& check : w->second) {
                i.argv.push_back("--weaken");
                i.argv.push_back(check);
            }
        }
    }
    // Every process first, then every control socket: the processes start up side by side
    // instead of one after the other (a thousand of them in seconds, not minutes).
    for (auto& i : d->inst_) {
        if (!i.process) continue;
        if (auto s = d->spawn_process(i); !s) return s.error();
    }
    std::vector<LiveInstance*> processes;
    for (auto& i : d->inst_) {
        if (!i.process) continue;
        if (auto s = d->connect_control(i); !s) return s.error();
        processes.push_back(&i);
    }
    if (auto s = d->await_ready(processes); !s) return s.error();
    return d;
}

Status LiveDeployment::await_ready(const std::vector<LiveInstance*>& which) {
    // connect() returns once the kernel queued the connection, before the process accept()ed
    // it; an event it emits in between reaches no client and is lost (a role's first "begin",
    // seen under load). A status reply proves the process holds the connection.
    for (LiveInstance* i : which) {
        i->ready = false;
        if (i->client) i->client->send(R"({"cmd":"status"})");
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10) +
                          std::chrono::milliseconds(20) * which.size();
    for (;;) {
        const auto waiting = std::find_if(which.begin(), which.end(),
                                          [](const LiveInstance* i) { return !i->ready; });
        if (waiting == which.end()) return Ok{};
        if (std::chrono::steady_clock::now() >= deadline || !(*waiting)->client) {
            return make_error(
                (*waiting)->name +
                " did not answer on its control socket (see its log: " + (*waiting)->log + ")");
        }
        loop_.run_for(std::chrono::milliseconds(20));
    }
}

LiveDeployment::~LiveDeployment() {
    shutting_down_ = true;
    for (auto& i : inst_) i.client.reset();
}

LiveInstance* LiveDeployment::find(const std::string& name) {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : &inst_[it->second];
}

net::TlsConfig LiveDeployment::tls_of(const LiveInstance& i) const {
    const std::filesystem::path dir = std::filesystem::path(i.keys_file).parent_path();
    return net::TlsConfig{(dir / ".." / "pki" / "ca.pem").string(), (dir / "cert.pem").string(),
                          (dir / "key.pem").string()};
}

Status LiveDeployment::spawn(LiveInstance& i) {
    if (auto s = spawn_process(i); !s) return s;
    return connect_control(i);
}

Status LiveDeployment::spawn_process(LiveInstance& i) {
    std::error_code ec;
    std::filesystem::remove(i.control, ec);
    auto child = Child::spawn(i.argv, i.log);
    if (!child) return child.error();
    i.child.emplace(std::move(child).value());
    return Ok{};
}

Status LiveDeployment::connect_control(LiveInstance& i) {
    auto c = ControlClient::connect(loop_, i.control, std::chrono::milliseconds(10000));
    if (!c) {
        i.child->stop();
        return make_error(i.name + ": " + c.error().describe() + " (see its log: " + i.log + ")");
    }
    i.client = std::move(c).value();
    LiveInstance* self = &i;
    i.client->on_line([this, self](const std::string& line) { on_line(*self, line); });
    i.client->on_close([this, self] {
        if (shutting_down_) return;
        std::string why = "its control socket closed";
        if (self->child && self->child->wait_for(std::chrono::milliseconds(200))) {
            if (auto code = self->child->exit_code()) {
                why = "exited with code " + std::to_string(*code);
            } else if (auto sig = self->child->term_signal()) {
                why = "was killed by signal " + std::to_string(*sig);
            }
        }
        if (on_exit_) on_exit_(*self, why + " (see " + self->log + ")");
    });
    return Ok{};
}

void LiveDeployment::on_line(LiveInstance& i, const std::string& line) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return;
    if (auto io = j.find("io"); io != j.end() && io->is_object()) {
        i.in = io->value("in", std::uint64_t{0});
        i.out = io->value("out", std::uint64_t{0});
        i.copies_dropped = io->value("copies_dropped", std::uint64_t{0});
        if (on_io_) on_io_(i);
        return;
    }
    if (j.contains("reply")) {
        i.ready = true;
        return;
    }
    if (!j.contains("kind")) return;
    auto e = event_from_json(line);
    if (e && on_event_) on_event_(i, *e, line);
}

void LiveDeployment::start_run(LiveInstance& i) {
    if (i.client) i.client->send(R"({"cmd":"start"})");
}

Status LiveDeployment::restart(LiveInstance& i) {
    i.client.reset();
    if (i.child) i.child->stop(std::chrono::milliseconds(500));
    i.child.reset();
    i.base_in += i.in;
    i.base_out += i.out;
    i.in = i.out = 0;
    ++i.restarts;
    if (auto s = spawn(i); !s) return s;
    return await_ready({&i});
}

std::vector<std::string> LiveDeployment::shutdown() {
    shutting_down_ = true;
    std::vector<std::string> failures;
    for (auto& i : inst_) i.client.reset();
    for (auto& i : inst_) {
        if (i.child) i.child->signal(SIGTERM);
    }
    // They exit side by side, so one deadline for all, growing with their number: a hundred
    // sanitised processes running their leak check at exit on two cores need more than the
    // 3 s one process does. One still running then is killed and reported as hung.
    const auto grace =
        std::chrono::milliseconds(3000 + 100 * static_cast<std::int64_t>(inst_.size()));
    const auto deadline = std::chrono::steady_clock::now() + grace;
    for (auto& i : inst_) {
        if (!i.child) continue;
        const auto left = std::max(std::chrono::steady_clock::duration::zero(),
                                   deadline - std::chrono::steady_clock::now());
        if (!i.child->wait_for(std::chrono::duration_cast<std::chrono::milliseconds>(left))) {
            i.child->stop(std::chrono::milliseconds(0));
            char within[32];
            std::snprintf(within, sizeof within, "%.1f s",
                          static_cast<double>(grace.count()) / 1000);
            failures.push_back(i.name + " did not exit within " + within +
                               " of SIGTERM and was killed (see " + i.log + ")");
            continue;
        }
        if (auto code = i.child->exit_code(); code && *code != 0) {
            failures.push_back(i.name + " exited with code " + std::to_string(*code) + " (see " +
                               i.log + ")");
        } else if (auto sig = i.child->term_signal()) {
            failures.push_back(i.name + " ended by signal " + std::to_string(*sig) + " (see " +
                               i.log + ")");
        }
    }
    return failures;
}

}  // namespace mtc::runner
