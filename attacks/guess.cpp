#include "attacks/guess.hpp"

#include <cmath>
#include <cstdio>
#include <set>
#include <utility>

#include "attacks/guess/online.hpp"
#include "attacks/strategies/strategies.hpp"

namespace mtc::attacks {
namespace {

std::string fixed(double v, int digits) {
    char b[64];
    std::snprintf(b, sizeof b, "%.*f", digits, v);
    return b;
}

// 1234567 -> "1.23 M"; keeps reports readable at any rate.
std::string si(double v) {
    if (v >= 1e9) return fixed(v / 1e9, 2) + " G";
    if (v >= 1e6) return fixed(v / 1e6, 2) + " M";
    if (v >= 1e3) return fixed(v / 1e3, 1) + " k";
    return fixed(v, 0);
}

Result<double> number(const std::string& name, const std::string& v, double min, double max) {
    try {
        std::size_t used = 0;
        const double d = std::stod(v, &used);
        if (used != v.size() || !(d >= min && d <= max)) throw std::invalid_argument(v);
        return d;
    } catch (const std::exception&) {
        return make_error(name + " must be a number from " + fixed(min, 0) + " to " +
                          fixed(max, 0) + ", not '" + v + "'");
    }
}

GuessInputs inputs_of(const Knowledge& k) {
    GuessInputs in;
    in.secrets = &k.secrets();
    for (const Observation& o : k.observations())
        in.observations.push_back(GuessObservation{o.id, &o.msg, o.secure});
    return in;
}

std::string search_note(const OfflineGuess& g) {
    const auto& r = g.result;
    std::string n = "off-line verifier: " + g.verifier + "; " + g.space + " searched on " +
                    std::to_string(r.threads) + (r.threads == 1 ? " thread" : " threads") + " at " +
                    si(r.rate) + " guesses/s";
    if (g.found()) {
        n += ": " + g.secret + " recovered after " + std::to_string(r.tested) + " candidates in " +
             fixed(r.seconds, 2) + " s (fingerprint " + g.secret_fp + ")";
        if (g.opened > 0) {
            n += "; it opened " + std::to_string(g.opened) +
                 (g.opened == 1 ? " sealed secret" : " sealed secrets");
        }
        if (!g.derived.note.empty()) n += "; " + g.derived.note;
        return n;
    }
    n += r.exhausted ? ": exhausted in " + fixed(r.seconds, 2) + " s without a hit"
                     : ": stopped by the time limit after " + std::to_string(r.tested) + " of " +
                           std::to_string(r.total) + " candidates, no hit";
    if (g.full_key_rate > 0 && g.key_bits > 0) {
        n += "; a full-entropy " + std::to_string(g.key_bits) + "-bit key at " +
             si(g.full_key_rate) + " keys/s would take " +
             duration_at_rate(std::pow(2.0L, static_cast<long double>(g.key_bits)),
                              g.full_key_rate) +
             " to search";
    }
    return n;
}

}  // namespace

Result<GuessSettings> GuessSettings::from(const StrategyParams& p) {
    GuessSettings s;
    s.space = p.setting("space", s.space);
    for (int i = 0; i < 4; ++i) s.charsets[i] = p.setting("charset" + std::to_string(i + 1));
    if (auto sp = guess::CandidateSpace::parse(s.space, s.charsets); !sp) return sp.error();
    if (auto v = p.setting("threads"); !v.empty()) {
        auto d = number("threads", v, 0, 1024);
        if (!d) return d.error();
        s.threads = static_cast<unsigned>(*d);
    }
    if (auto v = p.setting("time"); !v.empty()) {
        auto d = number("time", v, 0.01, 86400);
        if (!d) return d.error();
        s.time_limit_s = *d;
    }
    if (auto v = p.setting("online"); !v.empty()) {
        auto d = number("online", v, 0, 100000);
        if (!d) return d.error();
        s.online = static_cast<std::size_t>(*d);
    }
    return s;
}

std::string duration_at_rate(long double n, double rate) {
    if (rate <= 0) return "forever (no rate measured)";
    const long double s = n / static_cast<long double>(rate);
    const auto show = [](long double v, const char* unit) {
        char b[64];
        if (v >= 1e6L) {
            std::snprintf(b, sizeof b, "%.1Le %s", v, unit);
        } else {
            std::snprintf(b, sizeof b, "%.1Lf %s", v, unit);
        }
        return std::string(b);
    };
    if (s < 120) return show(s, "s");
    if (s < 7200) return show(s / 60, "minutes");
    if (s < 172800) return show(s / 3600, "hours");
    if (s < 3.15576e7L * 2) return show(s / 86400, "days");
    return show(s / 3.15576e7L, "years");
}

OfflineGuessOutcome guess_offline(Knowledge& k, const OfflineGuessInput& in) {
    OfflineGuessOutcome out;
    auto space = guess::CandidateSpace::parse(in.settings.space, in.settings.charsets);
    if (!space) {
        out.error = space.error().describe();
        return out;
    }
    for (const GuessRecipe& recipe : k.spec().recipes.guesses) {
        if (!recipe.find) continue;
        const GuessInputs gi = inputs_of(k);
        auto verifiers = recipe.find(gi);
        if (verifiers.empty()) {
            out.no_verifier[recipe.secret] =
                "no off-line verifier for " + recipe.secret + " in the " +
                std::to_string(gi.observations.size()) + " captured messages" +
                (k.compromised_identities().empty() ? " (no insider)" : "");
            continue;
        }
        std::set<std::string> searched;  // one search per secret is enough
        for (const auto& v : verifiers) {
            if (!searched.insert(v->secret()).second) continue;
            if (k.secret(v->secret()) != nullptr) continue;  // held already (an insider's own)
            OfflineGuess g;
            g.subject = recipe.secret;
            g.secret = v->secret();
            g.verifier = v->description();
            g.space = space->describe();
            g.key_bits = v->key_len() * 8;
            guess::SearchOptions so;
            so.threads = in.settings.threads;
            so.time_limit_s = in.settings.time_limit_s;
            if (in.progress) {
                so.progress = [&](const guess::SearchProgress& p) { in.progress(g.secret, p); };
            }
            auto r = guess::search(*v, *space, so);
            if (!r) {
                out.error = g.verifier + ": " + r.error().describe();
                return out;
            }
            g.result = std::move(*r);
            if (g.found()) {
                auto secret = v->derive(*g.result.candidate);
                if (!secret) {
                    out.error = g.verifier + ": " + secret.error().describe();
                    return out;
                }
                if (in.derive.fingerprinter != nullptr)
                    g.secret_fp = in.derive.fingerprinter->fingerprint(view(*secret));
                k.learn_secret(g.secret, std::move(*secret));
                g.opened = k.open_seals();
                // Session keys follow only where honest runs and their commits are known (a
                // campaign); a bare capture gives the secret alone.
                if (!in.derive.runs.empty()) g.derived = derive_session_keys(k, in.derive);
            } else {
                g.full_key_rate =
                    guess::full_key_rate(*v, in.settings.full_rate_s, in.settings.threads);
            }
            g.note = search_note(g);
            out.searches.push_back(std::move(g));
        }
    }
    return out;
}

namespace {

// Plans the on-line guesses (live traces); the off-line search is guess_offline(), called by
// the engine once the other attacks have run (so that insiders have opened what they can).
class GuessStrategy final : public Strategy {
public:
    [[nodiscard]] std::string_view name() const override { return "guess"; }
    [[nodiscard]] std::string_view description() const override {
        return "key guessing: off-line search of the protocol's verifiers, on-line guesses "
               "against a live role";
    }
    [[nodiscard]] std::vector<std::string> options() const override {
        return {"offline", "online"};
    }
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> settings() const override {
        return {{"space", "candidate space: pin, pin:N, mask:MASK or wordlist:FILE"},
                {"charset1", "custom set ?1 of a mask"},
                {"charset2", "custom set ?2 of a mask"},
                {"charset3", "custom set ?3 of a mask"},
                {"charset4", "custom set ?4 of a mask"},
                {"threads", "off-line search threads (0: every core)"},
                {"time", "off-line search limit per verifier, seconds"},
                {"online", "on-line guesses per target role (0: none)"}};
    }
    [[nodiscard]] std::optional<std::string> check_setting(
        const std::string& name, const std::string& value) const override {
        // A charset alone cannot be judged without its mask, and a mask alone not without its
        // charsets: both are checked together when the search starts.
        if (name.rfind("charset", 0) == 0) return std::nullopt;
        StrategyParams p;
        p.settings[name] = value;
        if (name == "space") {
            for (int i = 1; i <= 4; ++i) p.settings["charset" + std::to_string(i)] = "x";
        }
        auto s = GuessSettings::from(p);
        if (!s) return s.error().describe();
        return std::nullopt;
    }
    [[nodiscard]] std::optional<std::string> check_settings(
        const StrategyParams& params) const override {
        auto s = GuessSettings::from(params);
        if (!s) return "of strategy guess: " + s.error().describe();
        return std::nullopt;
    }
    // The on-line guesses (`online = N`); a bad setting plans nothing here and is reported by
    // the engine when it reads the settings for the off-line search.
    [[nodiscard]] std::vector<Trace> plan(const PlanContext& ctx,
                                          const StrategyParams& params) const override {
        auto s = GuessSettings::from(params);
        if (!s || s->online == 0) return {};
        auto space = guess::CandidateSpace::parse(s->space, s->charsets);
        if (!space) return {};
        return guess::plan_online_guesses(ctx, params, *space, s->online);
    }
};

}  // namespace

const Strategy& guess_strategy() {
    static const GuessStrategy s;
    return s;
}

}  // namespace mtc::attacks
