#include "harness/runner/live_deployment.hpp"

#include <csignal>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "harness/runner/keys_file.hpp"
#include "protocols/core/rng.hpp"

namespace mtc::runner {
namespace {

constexpr std::uint16_t kRolePort = 4242;

}  // namespace

Result<std::unique_ptr<LiveDeployment>> LiveDeployment::start(net::EventLoop& loop,
                                                              const LiveDeploymentOptions& o,
                                                              pcap::PcapWriter* writer) {
    std::unique_ptr<LiveDeployment> d(new LiveDeployment(loop));
    d->o_ = o;
    ProvisionRequest preq{o.spec, o.deployment, o.workdir + "/keys", true, o.seed};
    auto prov = provision_to_dir(preq);
    if (!prov) return prov.error();
    d->prov_ = std::move(prov).value();
    if (d->prov_.instances.empty()) return make_error("deployment has no instances");
    auto first = load_keys(d->prov_.instances.front().keys_file);
    if (!first) return first.error();
    d->salt_ = first->fingerprint_salt;

    // Instance k listens on 127.A.B.(k+1), its hub front is 127.A.B.(k+129).
    if (d->prov_.instances.size() > 120) return make_error("at most 120 role instances");
    OsRng rng;
    const std::string prefix =
        (o.addr_prefix.empty() ? "127." + std::to_string(16 + rng.uniform(200)) + "." +
                                     std::to_string(rng.uniform(256))
                               : o.addr_prefix) +
        ".";
    d->inst_.resize(d->prov_.instances.size());
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
        i.real = {prefix + std::to_string(k + 1), kRolePort};
        i.front = {prefix + std::to_string(k + 129), kRolePort};
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
        if (auto w = o.weaken.find(i.role); w != o.weaken.end()) {
            for (const auto& check : w->second) {
                i.argv.push_back("--weaken");
                i.argv.push_back(check);
            }
        }
    }
    for (auto& i : d->inst_) {
        if (!i.process) continue;
        if (auto s = d->spawn(i); !s) return s.error();
    }
    return d;
}

LiveDeployment::~LiveDeployment() {
    shutting_down_ = true;
    for (auto& i : inst_) i.client.reset();
}

LiveInstance* LiveDeployment::find(const std::string& name) {
    for (auto& i : inst_) {
        if (i.name == name) return &i;
    }
    return nullptr;
}

net::TlsConfig LiveDeployment::tls_of(const LiveInstance& i) const {
    const std::filesystem::path dir = std::filesystem::path(i.keys_file).parent_path();
    return net::TlsConfig{(dir / ".." / "pki" / "ca.pem").string(), (dir / "cert.pem").string(),
                          (dir / "key.pem").string()};
}

Status LiveDeployment::spawn(LiveInstance& i) {
    std::error_code ec;
    std::filesystem::remove(i.control, ec);
    auto child = Child::spawn(i.argv, i.log);
    if (!child) return child.error();
    i.child.emplace(std::move(child).value());
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
        if (on_io_) on_io_(i);
        return;
    }
    if (j.contains("reply") || !j.contains("kind")) return;
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
    return spawn(i);
}

std::vector<std::string> LiveDeployment::shutdown() {
    shutting_down_ = true;
    std::vector<std::string> failures;
    for (auto& i : inst_) i.client.reset();
    for (auto& i : inst_) {
        if (i.child) i.child->signal(SIGTERM);
    }
    for (auto& i : inst_) {
        if (!i.child) continue;
        if (!i.child->wait_for(std::chrono::milliseconds(3000)))
            i.child->stop(std::chrono::milliseconds(0));
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
