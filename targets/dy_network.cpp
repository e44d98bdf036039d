#include "targets/dy_network.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <optional>

#include "attacks/checker.hpp"
#include "attacks/knowledge.hpp"
#include "protocols/core/clock.hpp"
#include "protocols/core/codec.hpp"
#include "protocols/core/event.hpp"
#include "protocols/core/inproc_network.hpp"
#include "protocols/core/rng.hpp"

namespace mtc::fuzz {
namespace {

constexpr std::uint64_t kSeed = 1;  // one seed: the same input always runs the same way
constexpr std::size_t kMaxOps = 256;
constexpr std::size_t kMaxSeen = 64;
constexpr std::size_t kMaxInject = 511;
constexpr std::size_t kMaxSpliceLen = 64;
constexpr std::int64_t kClockStepUs = 10'000'000;

// The input, read front to back; past its end every read is 0 and done() is true.
class Program {
public:
    explicit Program(BytesView b) : b_(b) {}
    [[nodiscard]] bool done() const { return pos_ >= b_.size(); }
    std::uint8_t byte() { return done() ? 0 : b_[pos_++]; }
    Bytes take(std::size_t n) {
        n = std::min(n, b_.size() - std::min(pos_, b_.size()));
        Bytes out(b_.begin() + static_cast<std::ptrdiff_t>(pos_),
                  b_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
        pos_ += n;
        return out;
    }

private:
    BytesView b_;
    std::size_t pos_ = 0;
};

// Claims the fuzz oracle judges: promised by the hardened variant and decidable from one
// input's events and the attacker's view. Not liveness (a crash is the engine's finding
// already), no-contact (needs labelled honest runs) or forward secrecy (needs a compromise).
std::vector<std::string> oracle_claims(const ProtocolSpec& spec) {
    std::vector<std::string> out;
    for (const ClaimSpec& c : spec.claims) {
        const std::string kind = c.id.substr(0, c.id.find(':'));
        if (!c.hardened_promises || !attacks::ClaimChecker::judges(c.id)) continue;
        if (kind == "liveness" || kind == "no-contact" || kind == "forward-secrecy") continue;
        out.push_back(c.id);
    }
    return out;
}

}  // namespace

struct DyNetwork::Impl {
    const ProtocolSpec& spec;
    std::string role;
    DyOptions options;
    std::string error;
    // Provisioned once: index 0 as-specified, 1 hardened (when the spec has it).
    std::optional<Deployment> deployments[2];
    KeyFingerprinter fingerprinter{SecretBytes(32, 0x5a)};
    std::vector<std::string> claims;
    // Per deployment, fixed across inputs: the instances that start runs, the instances of the
    // role under test, and all of them.
    struct Cast {
        std::vector<std::string> initiators, targets, everyone;
        std::set<std::string> target_set;
    };
    Cast casts[2];
    // Kept across inputs so that each input reuses their storage: the events of an input, its
    // claim checker (hardened deployment) and the message each clear frame of a judged input is
    // decoded into. An input empties the first two before it ends: what one input allocates and
    // the next frees reads as a leak to libFuzzer, which then runs LeakSanitizer on every input.
    MemorySink sink;
    std::unique_ptr<attacks::ClaimChecker> checker;
    Message clear;
    Error undecodable;

    Impl(const ProtocolSpec& s, std::string r, DyOptions o)
        : spec(s), role(std::move(r)), options(std::move(o)), claims(oracle_claims(s)) {
        const char* variants[2] = {"as-specified", "hardened"};
        // The spec's default deployment, in the first mode that deploys the role under test
        // (ProSe's GW exists only in the extended mode).
        std::vector<std::string> modes{""};
        for (const NamedOption& m : spec.modes) modes.push_back(m.name);
        for (int v = 0; v < 2; ++v) {
            if (!spec.has_variant(variants[v])) continue;
            for (const std::string& mode : modes) {
                DeploymentOptions o;
                o.variant = variants[v];
                if (!mode.empty()) o.mode = mode;
                SeededRng rng(kSeed, "fuzz-provision");
                auto d = spec.provision(o, rng);
                if (!d) {
                    error = spec.name + ": provisioning " + o.variant +
                            " failed: " + d.error().describe();
                    return;
                }
                bool deployed = false;
                for (InstancePlan& p : d->instances) {
                    if (p.role != role) continue;
                    p.weakened = options.weakened;
                    deployed = true;
                }
                if (!deployed) continue;
                deployments[v] = std::move(d).value();
                casts[v] = cast_of(*deployments[v]);
                break;
            }
        }
        if (!deployments[0])
            error = spec.name + ": no mode of the as-specified variant deploys " + role;
    }

    [[nodiscard]] Cast cast_of(const Deployment& dep) const {
        Cast c;
        for (const InstancePlan& plan : dep.instances) {
            c.everyone.push_back(plan.instance);
            if (plan.role == role) c.targets.push_back(plan.instance);
            const RoleSpec* rs = spec.role(plan.role);
            if (rs != nullptr && rs->initiator) c.initiators.push_back(plan.instance);
        }
        c.target_set.insert(c.targets.begin(), c.targets.end());
        return c;
    }

    DyResult run(BytesView input);
    // MTC_FUZZ_TRACE set: every delivery and event to stderr (reading a finding's input).
    const bool trace = std::getenv("MTC_FUZZ_TRACE") != nullptr;
};

DyResult DyNetwork::Impl::run(BytesView input) {
    DyResult r;
    if (!error.empty()) return r;
    Program p(input);
    const bool want_hardened = (p.byte() & kDyHardened) != 0;
    r.hardened = want_hardened && deployments[1].has_value();
    const Deployment& dep = *deployments[r.hardened ? 1 : 0];
    const Cast& cast = casts[r.hardened ? 1 : 0];
    const auto& initiators = cast.initiators;
    const auto& targets = cast.targets;
    const auto& everyone = cast.everyone;
    const auto& target_set = cast.target_set;
    // The attacker's knowledge is read only by the claim checker, which judges hardened runs.
    // Of it, the oracle's claims need only the keys the attacker read in clear frames (secrecy):
    // no observation is kept (no-contact is not judged here).
    const bool judged = r.hardened && !claims.empty();

    ManualClock clock(kSeededEpochUs);
    InProcNetwork net(spec, dep, seeded_config(kSeed, clock, sink, fingerprinter));
    attacks::Knowledge knowledge(spec);

    std::deque<Frame> held;   // sent, not yet delivered: the attacker decides
    std::vector<Frame> seen;  // clear frames seen on the wire (the first kMaxSeen)
    net.set_hook([&](Frame f) {
        if (!f.secure) {
            if (judged && decode_into(*spec.schema, view(f.bytes), clear, undecodable))
                knowledge.learn_keys_in(clear, "on the wire");
            if (seen.size() < kMaxSeen) seen.push_back(f);
        }
        held.push_back(std::move(f));
        return std::vector<Frame>{};
    });

    const auto deliver = [&](Frame f) {
        if (r.delivered >= kDyMaxDeliveries) return;
        if (trace) {
            auto m = decode(*spec.schema, view(f.bytes));
            std::fprintf(stderr, "deliver %s -> %s%s: %s\n", f.from.c_str(), f.to.c_str(),
                         f.secure ? " (secure)" : "",
                         m ? describe(*spec.schema, *m).c_str() : m.error().describe().c_str());
        }
        net.inject(std::move(f));
        r.delivered += net.run(1);
    };
    // Held clear frames to the role under test: what the attacker may rewrite.
    const auto pick_to_target = [&](std::uint8_t i) -> std::optional<std::size_t> {
        std::vector<std::size_t> idx;
        for (std::size_t k = 0; k < held.size(); ++k) {
            if (!held[k].secure && target_set.count(held[k].to) != 0) idx.push_back(k);
        }
        if (idx.empty()) return std::nullopt;
        return idx[i % idx.size()];
    };
    const auto take_held = [&](std::size_t k) {
        Frame f = std::move(held[k]);
        held.erase(held.begin() + static_cast<std::ptrdiff_t>(k));
        return f;
    };
    const auto flush = [&] {
        while (!held.empty() && r.delivered < kDyMaxDeliveries) {
            Frame f = std::move(held.front());
            held.pop_front();
            deliver(std::move(f));
        }
    };

    std::size_t starts = 0;
    for (std::size_t op = 0; op < kMaxOps && !p.done() && r.delivered < kDyMaxDeliveries; ++op) {
        switch (static_cast<DyOp>(p.byte() % 8)) {
            case DyOp::start: {
                const std::uint8_t i = p.byte();
                if (initiators.empty() || starts >= kDyMaxStarts) break;
                ++starts;
                net.start(initiators[i % initiators.size()]);
                break;
            }
            case DyOp::deliver: {
                const std::uint8_t i = p.byte();
                if (!held.empty()) deliver(take_held(i % held.size()));
                break;
            }
            case DyOp::drop: {
                const std::uint8_t i = p.byte();
                if (!held.empty()) take_held(i % held.size());
                break;
            }
            case DyOp::replay: {
                const std::uint8_t i = p.byte();
                std::vector<const Frame*> to_target;
                for (const Frame& f : seen) {
                    if (target_set.count(f.to) != 0) to_target.push_back(&f);
                }
                if (!to_target.empty()) deliver(*to_target[i % to_target.size()]);
                break;
            }
            case DyOp::mutate: {
                const std::uint8_t i = p.byte(), field = p.byte(), how = p.byte(), arg = p.byte();
                const auto k = pick_to_target(i);
                if (!k) break;
                Frame f = take_held(*k);
                auto msg = decode(*spec.schema, view(f.bytes));
                if (!msg) {
                    if (!f.bytes.empty()) f.bytes[arg % f.bytes.size()] ^= 0x01;
                    deliver(std::move(f));
                    break;
                }
                const std::size_t fi = msg->fields.empty() ? 0 : field % msg->fields.size();
                Bytes* value = msg->fields.empty() ? nullptr : &msg->fields[fi].value;
                switch (how % 6) {
                    case 0:
                        if (value != nullptr && !value->empty())
                            (*value)[arg % value->size()] ^=
                                static_cast<std::uint8_t>(1u << (arg % 8));
                        break;
                    case 1: {
                        if (value == nullptr || seen.empty()) break;
                        auto other = decode(*spec.schema, view(seen[arg % seen.size()].bytes));
                        const Bytes* v = other ? other->get(msg->fields[fi].tag) : nullptr;
                        if (v != nullptr) *value = *v;
                        break;
                    }
                    case 2:
                        if (value != nullptr) *value = p.take(arg % (kMaxSpliceLen + 1));
                        break;
                    case 3:
                        if (value != nullptr)
                            msg->fields.erase(msg->fields.begin() +
                                              static_cast<std::ptrdiff_t>(fi));
                        break;
                    case 4:
                        if (!seen.empty()) {
                            auto h = peek_header(view(seen[arg % seen.size()].bytes));
                            if (h) msg->session = h->session;
                        }
                        break;
                    default:
                        msg->type = arg;
                        break;
                }
                f.bytes = encode_unchecked(*msg);
                deliver(std::move(f));
                break;
            }
            case DyOp::inject: {
                const std::uint8_t i = p.byte(), from = p.byte(), len = p.byte();
                Bytes bytes = p.take(std::min(std::size_t{len} * 2, kMaxInject));
                if (targets.empty()) break;
                deliver(Frame{everyone[from % everyone.size()], targets[i % targets.size()],
                              std::move(bytes), false});
                break;
            }
            case DyOp::flush:
                flush();
                break;
            case DyOp::clock:
                clock.advance_us(kClockStepUs * p.byte());
                break;
        }
    }
    flush();

    for (const Event& e : sink.events) {
        if (trace) std::fprintf(stderr, "event %s\n", to_json_line(e).c_str());
        if (e.kind == EventKind::commit) ++r.commits;
        if (e.kind == EventKind::reject) ++r.rejects;
        // InProcNetwork reports a frame a role built that its own schema refuses as an error
        // "encode: ...": the role would send its peer something the peer cannot read.
        if (e.kind == EventKind::error && e.reason && e.reason->rfind("encode:", 0) == 0)
            r.findings.push_back(
                {"schema:" + e.role, e.role + " built a frame its schema refuses: " + *e.reason});
    }
    if (judged) {
        if (!checker)
            checker = std::make_unique<attacks::ClaimChecker>(spec, dep, claims, fingerprinter);
        for (Event& e : sink.events) checker->add(std::move(e));  // the sink is done with them
        for (auto& v : checker->check(knowledge)) r.findings.push_back({v.claim, v.summary});
        checker->reset();
    }
    sink.events.clear();
    return r;
}

DyNetwork::DyNetwork(const ProtocolSpec& spec, std::string role, DyOptions options)
    : impl_(std::make_unique<Impl>(spec, std::move(role), std::move(options))) {}

DyNetwork::~DyNetwork() = default;

DyResult DyNetwork::run(BytesView program) {
    return impl_->run(program);
}

const std::string& DyNetwork::setup_error() const {
    return impl_->error;
}

}  // namespace mtc::fuzz
