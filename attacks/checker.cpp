#include "attacks/checker.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace mtc::attacks {
namespace {

enum class ClaimKind : std::uint8_t {
    secrecy,
    forward_secrecy,
    agreement,
    injective,
    freshness,
    liveness,
    no_contact,
    other
};

ClaimKind kind_of(const std::string& claim_id) {
    const std::string kind = claim_id.substr(0, claim_id.find(':'));
    if (kind == "secrecy") return ClaimKind::secrecy;
    if (kind == "forward-secrecy") return ClaimKind::forward_secrecy;
    if (kind == "agreement") return ClaimKind::agreement;
    if (kind == "injective") return ClaimKind::injective;
    if (kind == "freshness") return ClaimKind::freshness;
    if (kind == "liveness") return ClaimKind::liveness;
    if (kind == "no-contact") return ClaimKind::no_contact;
    return ClaimKind::other;
}

std::string session_hex(std::uint64_t session) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(session));
    return buf;
}

// "1.5 s", "12 ms", "40 us"
std::string duration_text(std::int64_t us) {
    char buf[32];
    if (us >= 1'000'000) {
        std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(us) / 1e6);
    } else if (us >= 1000) {
        std::snprintf(buf, sizeof buf, "%lld ms", static_cast<long long>(us / 1000));
    } else {
        std::snprintf(buf, sizeof buf, "%lld us", static_cast<long long>(us));
    }
    return buf;
}

// "MTCs#0 accept in session 00000000000000ab"
std::string where(const Event& e) {
    return e.instance + " " + std::string(to_string(e.kind)) + " in session " +
           session_hex(e.session);
}

// A protocol that commits several keys names each commit's in its "key" param, a comma list
// of the claim subjects the key stands for (SGA: "kt,data" for the server's kt_i, "K,data"
// for d_i's K, since the data's privacy rests on both). A claim about K ("secrecy:K",
// "forward-secrecy:K", "freshness:K") judges the commits that list K, and every commit of a
// protocol whose commits name none.
bool judges_commit(const std::string& claim, const Event& e) {
    auto it = e.params.find("key");
    if (it == e.params.end()) return true;
    const std::string subject = claim.substr(claim.find(':') + 1);
    const std::string& list = it->second;
    std::size_t pos = 0;
    while (pos <= list.size()) {
        const std::size_t comma = std::min(list.find(',', pos), list.size());
        if (list.compare(pos, comma - pos, subject) == 0) return true;
        pos = comma + 1;
    }
    return false;
}

bool accepts(EventKind k) {
    return k == EventKind::accept || k == EventKind::commit;
}

// Params both events carry agree, and there is at least one such param.
bool params_agree(const Params& a, const Params& b) {
    std::size_t common = 0;
    auto i = a.begin();
    auto j = b.begin();
    while (i != a.end() && j != b.end()) {
        if (i->first < j->first) {
            ++i;
        } else if (j->first < i->first) {
            ++j;
        } else {
            if (i->second != j->second) return false;
            ++common;
            ++i;
            ++j;
        }
    }
    return common != 0;
}

}  // namespace

struct ClaimChecker::Impl {
    // An authentication claim "A->B", parsed once.
    struct Auth {
        std::string claim;
        std::string a, b;
        bool injective = false;
        // (begin event index, accept|commit) -> the B event that first matched it
        std::map<std::pair<std::size_t, EventKind>, std::size_t> matched;
    };

    // Begins of one instance with one peer. Once there are kIndexFrom of them they are indexed
    // by param, so that matching a B event costs about the number of begins that share its
    // nonce, not every begin of the instance (campaigns run thousands of sessions between two
    // instances). Smaller groups are scanned: a fuzz input's few begins would otherwise spend
    // more on building the index's nodes than on matching.
    static constexpr std::size_t kIndexFrom = 16;
    struct BeginGroup {
        std::vector<std::size_t> all;
        std::map<std::string, std::size_t> with_key;  // param name -> begins carrying it
        std::map<std::string, std::map<std::string, std::vector<std::size_t>>> by_value;
    };

    // A pair of commits of one role that share a key fingerprint or a nonce.
    struct Reuse {
        std::size_t first = 0, second = 0;
        std::string param, value;
    };

    Impl(const ProtocolSpec& s, const Deployment& d, std::vector<std::string> c,
         const KeyFingerprinter& f)
        : spec(&s), claims(std::move(c)), fp(&f) {
        for (const InstancePlan& p : d.instances) {
            identity_of[p.instance] = p.creds.identity;
            role_of[p.instance] = p.role;
            by_identity[p.creds.identity].push_back(p.instance);
        }
        if (s.schema != nullptr) {
            for (const MessageSpec& m : s.schema->messages) {
                for (const FieldSpec& fs : m.fields) {
                    if (fs.kind == FieldKind::nonce) nonce_params.insert(fs.name);
                }
            }
        }
        for (const std::string& id : claims) {
            const ClaimKind k = kind_of(id);
            if (k != ClaimKind::agreement && k != ClaimKind::injective) continue;
            const std::string subject = id.substr(id.find(':') + 1);
            const auto arrow = subject.find("->");
            if (arrow == std::string::npos) continue;
            auths.push_back(Auth{id,
                                 subject.substr(0, arrow),
                                 subject.substr(arrow + 2),
                                 k == ClaimKind::injective,
                                 {}});
        }
    }

    const ProtocolSpec* spec;
    std::vector<std::string> claims;
    const KeyFingerprinter* fp;

    std::map<std::string, std::string> identity_of, role_of;
    std::map<std::string, std::vector<std::string>> by_identity;
    std::set<std::string> nonce_params;
    std::vector<Auth> auths;

    std::vector<Event> events;
    std::size_t events_done = 0;  // events[0, events_done) were examined by check()
    std::vector<std::pair<std::string, std::string>> failures;  // instance, reason
    std::size_t failures_done = 0;
    std::set<std::string> reported;  // claim + '\n' + instance_key

    std::map<std::pair<std::string, std::string>, BeginGroup> begins;  // (instance, peer)
    std::map<std::string, std::vector<std::size_t>> commits_by_fp;
    // Fingerprints of the attacker's keys -> index of the first key with it.
    std::map<std::string, std::size_t> known_fps;
    const Knowledge* keys_of = nullptr;
    std::size_t keys_done = 0;
    std::map<std::string, std::size_t> first_commit;  // role|param|value -> commit index

    // no-contact: per honest run label, the role of its initiator (the sender of the run's
    // first message) and how many of its messages were seen; observations[0, obs_done) were
    // examined.
    struct RunContact {
        std::string initiator_role;
        std::size_t messages = 0;
    };
    std::map<std::string, RunContact> runs;
    std::set<std::string> honest_runs;
    std::size_t obs_done = 0;

    [[nodiscard]] std::string role_or_empty(const std::string& instance) const {
        auto it = role_of.find(instance);
        return it == role_of.end() ? std::string() : it->second;
    }

    [[nodiscard]] bool honest_instance(const Knowledge& k, const std::string& instance) const {
        if (k.is_compromised_instance(instance)) return false;
        auto it = identity_of.find(instance);
        return it == identity_of.end() || !k.is_compromised_identity(it->second);
    }

    // When `instance` (or its identity) was first compromised, if ever.
    [[nodiscard]] std::optional<std::int64_t> instance_compromised_at(
        const Knowledge& k, const std::string& instance) const {
        auto t = k.compromised_at(instance);
        auto it = identity_of.find(instance);
        if (it == identity_of.end()) return t;
        auto ti = k.identity_compromised_at(it->second);
        if (!t) return ti;
        if (!ti) return t;
        return std::min(*t, *ti);
    }

    void report(std::vector<Violation>& out, const std::string& claim, std::string summary,
                std::vector<Event> evidence, std::string key) {
        if (!reported.insert(claim + '\n' + key).second) return;
        out.push_back(Violation{claim, std::move(summary), std::move(evidence), std::move(key)});
    }

    void index_begin(std::size_t i) {
        const Event& e = events[i];
        BeginGroup& g = begins[{e.instance, e.peer}];
        g.all.push_back(i);
        if (g.all.size() < kIndexFrom) return;
        // The group just reached kIndexFrom: index every begin so far; later, only this one.
        for (std::size_t k = g.all.size() == kIndexFrom ? 0 : g.all.size() - 1; k < g.all.size();
             ++k) {
            for (const auto& kv : events[g.all[k]].params) {
                ++g.with_key[kv.first];
                g.by_value[kv.first][kv.second].push_back(g.all[k]);
            }
        }
    }

    // Appends to `out` the begins in `g` that agree with `params`, in event order.
    void matching(const BeginGroup& g, const Params& params, std::vector<std::size_t>& out) const {
        // The smallest candidate list: a param every begin carries narrows the search to the
        // begins with the same value; otherwise every begin is a candidate.
        const std::vector<std::size_t>* candidates = &g.all;
        static const std::vector<std::size_t> kNone;
        for (const auto& kv : params) {
            auto wk = g.with_key.find(kv.first);
            if (wk == g.with_key.end() || wk->second != g.all.size()) continue;
            const auto& values = g.by_value.at(kv.first);
            auto v = values.find(kv.second);
            const std::vector<std::size_t>& list = v == values.end() ? kNone : v->second;
            if (list.size() < candidates->size()) candidates = &list;
        }
        for (std::size_t b : *candidates) {
            if (params_agree(events[b].params, params)) out.push_back(b);
        }
    }

    // For a summary: the params of `e` that differ from the closest begin of `groups`: the
    // one with most params equal; among those, one of e's session (with many runs between two
    // instances, every other run's begin differs by its nonce alone too); then the latest.
    [[nodiscard]] std::string differences(const std::vector<const BeginGroup*>& groups,
                                          const Event& e, const Event** closest) const {
        std::size_t best = 0;
        *closest = nullptr;
        for (const BeginGroup* g : groups) {
            for (std::size_t b : g->all) {
                std::size_t equal = 0;
                for (const auto& kv : events[b].params) {
                    auto it = e.params.find(kv.first);
                    if (it != e.params.end() && it->second == kv.second) ++equal;
                }
                const std::size_t score = 2 * equal + (events[b].session == e.session ? 1 : 0);
                if (*closest == nullptr || score >= best) {
                    best = score;
                    *closest = &events[b];
                }
            }
        }
        if (*closest == nullptr) return "";
        std::string out;
        for (const auto& kv : e.params) {
            auto it = (*closest)->params.find(kv.first);
            if (it == (*closest)->params.end() || it->second == kv.second) continue;
            out += (out.empty() ? "" : ", ") + kv.first + "=" + kv.second + " (begun with " +
                   it->second + ")";
        }
        return out.empty() ? "no param in common" : out;
    }

    void check_auth(Auth& c, std::size_t i, const Knowledge& k, std::vector<Violation>& out) {
        const Event& e = events[i];
        if (e.role != c.b || !accepts(e.kind)) return;
        auto b_id = identity_of.find(e.instance);
        if (b_id == identity_of.end() || !honest_instance(k, e.instance)) return;
        auto peers = by_identity.find(e.peer);
        if (peers == by_identity.end()) return;

        const std::string* first_a = nullptr;  // the first honest A instance the peer names
        std::vector<const BeginGroup*> groups;
        std::vector<std::size_t> matches;
        for (const std::string& a : peers->second) {
            if (role_of.at(a) != c.a || !honest_instance(k, a)) continue;
            if (first_a == nullptr) first_a = &a;
            auto g = begins.find({a, b_id->second});
            if (g == begins.end()) continue;
            groups.push_back(&g->second);
            matching(g->second, e.params, matches);
        }
        if (first_a == nullptr) return;  // the peer is not an honest A instance

        if (matches.empty()) {
            const Event* closest = nullptr;
            const std::string diff = differences(groups, e, &closest);
            std::string summary = where(e) + " names " + *first_a + " (" + e.peer +
                                  ") as peer, but " + *first_a + " began no run with " +
                                  e.instance + " (" + b_id->second + ")";
            summary += diff.empty() ? " at all" : " on these params: " + diff;
            std::vector<Event> evidence{e};
            if (closest != nullptr) evidence.push_back(*closest);
            report(out, c.claim, std::move(summary), std::move(evidence),
                   e.instance + "|" + std::to_string(e.session) + "|" +
                       std::string(to_string(e.kind)));
            return;
        }
        if (!c.injective) return;
        std::sort(matches.begin(), matches.end());
        for (std::size_t m : matches) {
            if (c.matched.emplace(std::make_pair(m, e.kind), i).second) return;
        }
        const std::size_t begin = matches.front();
        const Event& earlier = events[c.matched.at({begin, e.kind})];
        std::string summary = where(e) + " matches the run " + events[begin].instance +
                              " began in session " + session_hex(events[begin].session) +
                              ", which " + where(earlier) + " already matched";
        report(out, c.claim, std::move(summary), {events[begin], earlier, e},
               std::to_string(begin) + "|" + std::string(to_string(e.kind)) + "|" + e.instance +
                   "|" + std::to_string(e.session) + "|" + std::to_string(e.ts_us));
    }

    // Commits (by index) whose key the attacker knows, with the index of that key, found
    // since the last call: old commits against new keys and new commits against all keys.
    std::vector<std::pair<std::size_t, std::size_t>> exposed_commits(const Knowledge& k) {
        std::vector<std::pair<std::size_t, std::size_t>> out;
        const auto& keys = k.keys();
        if (keys_of != &k || keys.size() < keys_done) {
            // Another Knowledge than before: every key of it is new.
            keys_of = &k;
            keys_done = 0;
            known_fps.clear();
        }
        // Keys only grow: fingerprint each once, and look for the old commits it exposes.
        for (std::size_t j = keys_done; j < keys.size(); ++j) {
            const std::string f = fp->fingerprint(view(keys[j].value));
            if (!known_fps.emplace(f, j).second) continue;
            auto it = commits_by_fp.find(f);
            if (it == commits_by_fp.end()) continue;
            for (std::size_t c : it->second) {
                if (c < events_done) out.emplace_back(c, j);
            }
        }
        keys_done = keys.size();
        // New commits against every key.
        for (std::size_t i = events_done; i < events.size(); ++i) {
            const Event& e = events[i];
            if (e.kind != EventKind::commit || !e.key_fp) continue;
            auto it = known_fps.find(*e.key_fp);
            if (it != known_fps.end()) out.emplace_back(i, it->second);
        }
        return out;
    }
};

ClaimChecker::ClaimChecker(const ProtocolSpec& spec, const Deployment& deployment,
                           std::vector<std::string> claims, const KeyFingerprinter& fingerprinter)
    : impl_(std::make_unique<Impl>(spec, deployment, std::move(claims), fingerprinter)) {}

ClaimChecker::~ClaimChecker() = default;

void ClaimChecker::add(const Event& e) {
    impl_->events.push_back(e);
}

void ClaimChecker::add(Event&& e) {
    impl_->events.push_back(std::move(e));
}

void ClaimChecker::reset() {
    Impl& s = *impl_;
    for (Impl::Auth& a : s.auths) a.matched.clear();
    s.events.clear();  // keeps its capacity for the next run
    s.events_done = 0;
    s.failures.clear();
    s.failures_done = 0;
    s.reported.clear();
    s.begins.clear();
    s.commits_by_fp.clear();
    s.known_fps.clear();
    s.keys_of = nullptr;
    s.keys_done = 0;
    s.first_commit.clear();
    s.runs.clear();
    s.honest_runs.clear();
    s.obs_done = 0;
}

void ClaimChecker::add_liveness_failure(const std::string& instance, const std::string& reason) {
    impl_->failures.emplace_back(instance, reason);
}

const std::vector<std::string>& ClaimChecker::claims() const {
    return impl_->claims;
}

void ClaimChecker::add_honest_run(const std::string& run) {
    impl_->honest_runs.insert(run);
}

std::string ClaimChecker::note(const std::string& claim_id) const {
    if (kind_of(claim_id) != ClaimKind::no_contact) return {};
    const std::string subject = claim_id.substr(claim_id.find(':') + 1);
    const auto arrow = subject.find("->");
    if (arrow == std::string::npos) return {};
    const std::string a = subject.substr(0, arrow), b = subject.substr(arrow + 2);
    std::size_t runs = 0, messages = 0;
    for (const auto& [label, run] : impl_->runs) {
        if (run.initiator_role != a) continue;
        ++runs;
        messages += run.messages;
    }
    return std::to_string(runs) + " honest runs started by a " + a + " (" +
           std::to_string(messages) + " messages) checked for traffic to or from a " + b;
}

bool ClaimChecker::judges(const std::string& claim_id) {
    return kind_of(claim_id) != ClaimKind::other;
}

std::vector<Violation> ClaimChecker::check(const Knowledge& knowledge) {
    Impl& s = *impl_;
    std::vector<Violation> out;
    const std::size_t from = s.events_done;
    const std::size_t to = s.events.size();

    // Index the new events first, so that a begin that arrived after its acceptance (events
    // from different processes interleave) still counts.
    std::vector<Impl::Reuse> reuses;
    std::string first_key;  // role|key name|param|value, built in place for each lookup
    const auto note_commit = [&](std::size_t i, std::string_view key_name, std::string_view param,
                                 std::string_view value) {
        first_key.assign(s.events[i].role).append("|").append(key_name).append("|");
        first_key.append(param).append("|").append(value);
        const auto it = s.first_commit.find(first_key);
        if (it == s.first_commit.end()) {
            s.first_commit.emplace(first_key, i);
        } else {
            reuses.push_back(Impl::Reuse{it->second, i, std::string(param), std::string(value)});
        }
    };
    for (std::size_t i = from; i < to; ++i) {
        const Event& e = s.events[i];
        if (e.kind == EventKind::begin) s.index_begin(i);
        if (e.kind != EventKind::commit) continue;
        const auto named = e.params.find("key");
        const std::string_view key_name =
            named == e.params.end() ? std::string_view() : std::string_view(named->second);
        if (e.key_fp) {
            s.commits_by_fp[*e.key_fp].push_back(i);
            note_commit(i, key_name, "key_fp", *e.key_fp);
        }
        for (const auto& kv : e.params) {
            if (s.nonce_params.count(kv.first) != 0) note_commit(i, key_name, kv.first, kv.second);
        }
    }
    const auto exposed = s.exposed_commits(knowledge);

    for (const std::string& claim : s.claims) {
        switch (kind_of(claim)) {
            case ClaimKind::secrecy:
                for (const auto& [c, key] : exposed) {
                    const Event& e = s.events[c];
                    if (!judges_commit(claim, e) || !s.honest_instance(knowledge, e.instance) ||
                        knowledge.is_compromised_identity(e.peer)) {
                        continue;
                    }
                    const KnownKey& kk = knowledge.keys()[key];
                    s.report(out, claim,
                             "the attacker knows the key " + e.instance + " committed in session " +
                                 session_hex(e.session) + " with honest peer " + e.peer +
                                 " (known key " + kk.name + ", " + kk.source + ")",
                             {e}, e.instance + "|" + std::to_string(e.session) + "|" + *e.key_fp);
                }
                break;
            case ClaimKind::forward_secrecy:
                for (const auto& [c, key] : exposed) {
                    const Event& e = s.events[c];
                    if (!judges_commit(claim, e)) continue;
                    // Honest at commit time: neither the committing instance nor its peer
                    // was compromised at or before the commit.
                    const auto mine = s.instance_compromised_at(knowledge, e.instance);
                    const auto peer = knowledge.identity_compromised_at(e.peer);
                    if ((mine && *mine <= e.ts_us) || (peer && *peer <= e.ts_us)) continue;
                    std::string later;
                    if (mine || peer) {
                        const std::int64_t first = mine && peer ? std::min(*mine, *peer)
                                                   : mine       ? *mine
                                                                : *peer;
                        later = ", " + duration_text(first - e.ts_us) +
                                " before the first compromise of either party";
                    }
                    const KnownKey& kk = knowledge.keys()[key];
                    s.report(out, claim,
                             "the attacker knows the key " + e.instance + " committed in session " +
                                 session_hex(e.session) + " with peer " + e.peer +
                                 " while both were honest" + later + " (known key " + kk.name +
                                 ", " + kk.source + ")",
                             {e}, e.instance + "|" + std::to_string(e.session) + "|" + *e.key_fp);
                }
                break;
            case ClaimKind::agreement:
            case ClaimKind::injective:
                for (Impl::Auth& a : s.auths) {
                    if (a.claim != claim) continue;
                    for (std::size_t i = from; i < to; ++i) s.check_auth(a, i, knowledge, out);
                }
                break;
            case ClaimKind::freshness:
                for (const Impl::Reuse& r : reuses) {
                    const Event& first = s.events[r.first];
                    const Event& second = s.events[r.second];
                    if (!judges_commit(claim, second)) continue;
                    const std::string what = r.param == "key_fp"
                                                 ? "a key (fingerprint " + r.value + ")"
                                                 : r.param + "=" + r.value;
                    s.report(out, claim,
                             "two " + second.role + " commits share " + what + ": " + where(first) +
                                 " and " + where(second),
                             {first, second}, second.role + "|" + r.param + "|" + r.value);
                }
                break;
            case ClaimKind::liveness:
                for (std::size_t i = from; i < to; ++i) {
                    const Event& e = s.events[i];
                    if (e.kind != EventKind::crash) continue;
                    s.report(out, claim,
                             e.instance + " crashed in session " + session_hex(e.session) + ": " +
                                 e.reason.value_or("no reason given"),
                             {e},
                             "crash|" + e.instance + "|" + std::to_string(e.session) + "|" +
                                 std::to_string(e.ts_us));
                }
                for (std::size_t i = s.failures_done; i < s.failures.size(); ++i) {
                    const auto& [instance, reason] = s.failures[i];
                    Event e;
                    e.ts_us = s.events.empty() ? 0 : s.events.back().ts_us;
                    e.protocol = s.spec->name;
                    auto r = s.role_of.find(instance);
                    if (r != s.role_of.end()) e.role = r->second;
                    e.instance = instance;
                    e.kind = EventKind::crash;
                    e.reason = reason;
                    s.report(out, claim, instance + " failed: " + reason, {e},
                             "failure|" + instance + "|" + std::to_string(i));
                }
                break;
            case ClaimKind::no_contact: {
                const std::string subject = claim.substr(claim.find(':') + 1);
                const auto arrow = subject.find("->");
                if (arrow == std::string::npos) break;
                const std::string a = subject.substr(0, arrow), b = subject.substr(arrow + 2);
                const auto& obs = knowledge.observations();
                for (std::size_t i = s.obs_done; i < obs.size(); ++i) {
                    const Observation& o = obs[i];
                    if (s.honest_runs.count(o.run) == 0) continue;  // not the honest phase's
                    auto& run = s.runs[o.run];
                    if (run.messages++ == 0) run.initiator_role = s.role_or_empty(o.from);
                    if (run.initiator_role != a) continue;
                    const std::string from = s.role_or_empty(o.from), to = s.role_or_empty(o.to);
                    if (from != b && to != b) continue;
                    const std::string type = s.spec->schema->message(o.msg.type) != nullptr
                                                 ? s.spec->schema->message(o.msg.type)->name
                                                 : std::to_string(o.msg.type);
                    s.report(out, claim,
                             "honest run " + o.run + ", started by an " + a + ", put " + type +
                                 " on the link " + o.from + " -> " + o.to,
                             {}, "run|" + o.run);
                }
                break;
            }
            case ClaimKind::other:
                break;
        }
    }
    // Every no-contact claim has seen the observations so far.
    s.obs_done = knowledge.observations().size();
    s.events_done = to;
    s.failures_done = s.failures.size();
    return out;
}

}  // namespace mtc::attacks
