#include "attacks/compromise.hpp"

#include <algorithm>
#include <map>
#include <utility>

namespace mtc::attacks {
namespace {

std::string plural(std::size_t n, const std::string& one, const std::string& many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
    return out;
}

struct Exponent {
    std::string label;  // "secret x:mtcd-0", "key DMKey": names only, never the value
    SecretBytes value;
};

// Every distinct value the attacker holds, in a fixed order: secrets by name, then keys in the
// order learned.
std::vector<Exponent> exponents(const Knowledge& k) {
    std::vector<Exponent> out;
    auto add = [&out](std::string label, const SecretBytes& v) {
        if (v.empty()) return;
        const bool seen =
            std::any_of(out.begin(), out.end(), [&v](const Exponent& e) { return e.value == v; });
        if (!seen) out.push_back(Exponent{std::move(label), v});
    };
    for (const auto& [name, value] : k.secrets()) add("secret " + name, value);
    for (const KnownKey& key : k.keys()) add("key " + key.name, key.value);
    return out;
}

}  // namespace

SessionKeyDerivation derive_session_keys(Knowledge& k, const DeriveInput& in) {
    SessionKeyDerivation out;
    const std::vector<Exponent> exps = exponents(k);
    out.secrets = exps.size();

    // run -> message type -> the run's first message of that type.
    std::map<std::string, std::map<std::uint8_t, const Observation*>> by_run;
    for (const std::string& run : in.runs) by_run[run];
    for (const Observation& o : k.observations()) {
        auto it = by_run.find(o.run);
        if (it != by_run.end()) it->second.emplace(o.msg.type, &o);
    }

    const auto& recipes = k.spec().recipes.keys;
    for (const KeyRecipe& r : recipes) {
        if (std::find(out.key_names.begin(), out.key_names.end(), r.key) == out.key_names.end())
            out.key_names.push_back(r.key);
    }
    // Learned after the loops: learn_key grows the knowledge the loops read from.
    std::vector<KnownKey> found;
    for (const std::string& run : in.runs) {
        const auto& msgs_of = by_run.at(run);
        bool tried = false;
        for (const KeyRecipe& r : recipes) {
            if (!r.derive || r.types.empty()) continue;
            std::vector<const Message*> msgs;
            for (std::uint8_t t : r.types) {
                auto m = msgs_of.find(t);
                if (m == msgs_of.end()) break;
                msgs.push_back(&m->second->msg);
            }
            if (msgs.size() != r.types.size()) continue;
            tried = true;
            bool recovered = false;
            for (const Exponent& e : exps) {
                auto candidates = r.derive(msgs, view(e.value));
                if (!candidates) continue;  // the value does not fit as an exponent
                for (SecretBytes& c : *candidates) {
                    ++out.derivations;
                    if (in.fingerprinter == nullptr || c.empty()) continue;
                    const std::string fp = in.fingerprinter->fingerprint(view(c));
                    if (in.committed_fps.count(fp) == 0) continue;
                    const std::string source = r.key + " of run " + run + " from " + e.label;
                    if (!recovered) out.recovered.push_back(source);
                    recovered = true;
                    found.push_back(KnownKey{r.key, std::move(c), source});
                }
            }
            if (recovered) out.recovered_runs.push_back(run);
        }
        if (tried) ++out.runs_tried;
    }
    for (KnownKey& f : found) k.learn_key(std::move(f.name), std::move(f.value), f.source);

    const std::string keys =
        out.key_names.empty() ? std::string("session key") : join(out.key_names, "/");
    if (recipes.empty()) {
        out.note = k.spec().name + " declares no session-key recipe, so no " + in.runs_are +
                   "key was derived";
    } else if (out.runs_tried == 0) {
        out.note = "no honest run carried every message a " + keys + " recipe needs";
    } else {
        out.note = plural(out.derivations, "key derivation", "key derivations") + " from " +
                   plural(out.secrets, "secret", "secrets") + " over " +
                   plural(out.runs_tried, "run", "runs");
        out.note +=
            out.recovered_runs.empty()
                ? "; no " + in.runs_are + keys + " recovered"
                : "; recovered the " + keys + " of " +
                      plural(out.recovered_runs.size(), in.runs_are + "run", in.runs_are + "runs") +
                      " (" + join(out.recovered_runs, ", ") + ")";
    }
    return out;
}

CompromiseOutcome compromise_all(Knowledge& k, const CompromiseInput& in) {
    CompromiseOutcome out;
    if (in.deployment != nullptr) {
        for (const InstancePlan& p : in.deployment->instances) {
            if (k.is_compromised_instance(p.instance)) continue;
            k.compromise(p.instance, p.creds, in.at_us);
            ++out.instances;
        }
    }
    out.opened = k.open_seals();
    out.honest_runs = in.runs.size();
    const SessionKeyDerivation d = derive_session_keys(
        k, DeriveInput{in.fingerprinter, in.runs, in.committed_fps, "earlier "});
    out.runs_tried = d.runs_tried;
    out.secrets = d.secrets;
    out.derivations = d.derivations;
    out.recovered = d.recovered;

    std::string note = "compromised " + plural(out.instances, "instance", "instances") + " after " +
                       plural(out.honest_runs, "honest run", "honest runs");
    if (out.opened > 0) note += "; opened " + plural(out.opened, "sealed secret", "sealed secrets");
    out.note = note + "; " + d.note;
    return out;
}

namespace {

// Plans no traces: the compromise is off-line work on knowledge (compromise_all), called by
// the engine after every other attack, so that it cannot help them.
class CompromiseStrategy final : public Strategy {
public:
    [[nodiscard]] std::string_view name() const override { return "compromise"; }
    [[nodiscard]] std::string_view description() const override {
        return "forward secrecy: compromise every honest instance after the attacks, then derive "
               "earlier session keys from every secret held";
    }
    [[nodiscard]] std::vector<std::string> options() const override { return {"all-instances"}; }
    [[nodiscard]] std::vector<Trace> plan(const PlanContext& /*ctx*/,
                                          const StrategyParams& /*params*/) const override {
        return {};
    }
};

}  // namespace

const Strategy& compromise_strategy() {
    static const CompromiseStrategy s;
    return s;
}

}  // namespace mtc::attacks
