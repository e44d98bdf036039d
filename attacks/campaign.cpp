// Campaign files: strict TOML reading (docs/campaign-format.md). Every error names the file and,
// where there is a node to point at, its line and column. toml++ reports syntax errors by
// throwing toml::parse_error; semantic errors are thrown here as Invalid; both are caught in
// parse_campaign and never leave this file.
#include "attacks/campaign.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <sstream>
#include <utility>

#include <toml++/toml.h>

#include "protocols/core/registry.hpp"
#include "protocols/core/rng.hpp"

namespace mtc::attacks {
namespace {

namespace fs = std::filesystem;

constexpr std::uintmax_t max_file_size = std::uintmax_t{1024} * 1024;

// A semantic error, already formatted ("file:line:column: message").
struct Invalid {
    std::string message;
};

std::string join(const std::vector<std::string>& items) {
    std::string s;
    for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
    return s;
}

std::string join(std::initializer_list<std::string_view> items) {
    std::string s;
    for (const auto i : items) s += (s.empty() ? "" : ", ") + std::string(i);
    return s;
}

std::string names(const std::vector<NamedOption>& v) {
    std::vector<std::string> n;
    n.reserve(v.size());
    for (const auto& o : v) n.push_back(o.name);
    return join(n);
}

std::string_view type_name(const toml::node& n) {
    switch (n.type()) {
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a float";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

bool before(const toml::source_region& a, const toml::source_region& b) {
    return std::pair(a.begin.line, a.begin.column) < std::pair(b.begin.line, b.begin.column);
}

// The entries of a table in the order they appear in the file (toml::table is sorted by key).
std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(const toml::table& t) {
    std::vector<std::pair<const toml::key*, const toml::node*>> out;
    for (const auto& kv : t) out.emplace_back(&kv.first, &kv.second);
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return before(a.first->source(), b.first->source());
    });
    return out;
}

class Reader {
public:
    explicit Reader(std::string source) : source_(std::move(source)) {}

    [[nodiscard]] std::string at(const toml::source_region& r) const {
        if (r.begin.line == 0) return source_ + ": ";
        return source_ + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column) +
               ": ";
    }
    [[noreturn]] void fail(const toml::source_region& r, const std::string& msg) const {
        throw Invalid{at(r) + msg};
    }
    [[noreturn]] void fail(const std::string& msg) const { throw Invalid{source_ + ": " + msg}; }

    // Every key of `t` must be one of `allowed`; `where` is "[honest]", "an [[attack]]"...
    void only_keys(const toml::table& t, const std::string& where,
                   std::initializer_list<std::string_view> allowed) const {
        only_keys(t, where, std::vector<std::string>(allowed.begin(), allowed.end()));
    }
    void only_keys(const toml::table& t, const std::string& where,
                   const std::vector<std::string>& allowed) const {
        for (const auto& [k, v] : in_file_order(t)) {
            if (std::find(allowed.begin(), allowed.end(), k->str()) != allowed.end()) continue;
            fail(k->source(), "unknown key '" + std::string(k->str()) + "' in " + where +
                                  " (expected: " + join(allowed) + ")");
        }
    }

    const toml::table* table(const toml::node* n, const std::string& what) const {
        if (n == nullptr) return nullptr;
        if (!n->is_table())
            fail(n->source(), what + " must be a table, not " + std::string(type_name(*n)));
        return n->as_table();
    }

    std::string string(const toml::node& n, const std::string& what) const {
        if (!n.is_string()) {
            fail(n.source(), what + " must be a string, not " + std::string(type_name(n)));
        }
        return n.as_string()->get();
    }

    std::string nonempty_string(const toml::node& n, const std::string& what) const {
        std::string s = string(n, what);
        if (s.empty()) fail(n.source(), what + " must not be empty");
        return s;
    }

    std::int64_t integer(const toml::node& n, const std::string& what, std::int64_t lo,
                         std::int64_t hi) const {
        if (!n.is_integer()) {
            fail(n.source(), what + " must be an integer, not " + std::string(type_name(n)));
        }
        const std::int64_t v = n.as_integer()->get();
        if (v < lo || v > hi) {
            if (hi == std::numeric_limits<std::int64_t>::max()) {
                fail(n.source(), what + " must be at least " + std::to_string(lo) + " (got " +
                                     std::to_string(v) + ")");
            }
            fail(n.source(), what + " must be between " + std::to_string(lo) + " and " +
                                 std::to_string(hi) + " (got " + std::to_string(v) + ")");
        }
        return v;
    }

    // An array of distinct non-empty strings, with each string's location.
    std::vector<std::pair<std::string, toml::source_region>> strings(
        const toml::node& n, const std::string& what, bool allow_empty = false) const {
        if (!n.is_array()) {
            fail(n.source(),
                 what + " must be an array of strings, not " + std::string(type_name(n)));
        }
        const toml::array& a = *n.as_array();
        if (a.empty() && !allow_empty) fail(n.source(), what + " must not be an empty array");
        std::vector<std::pair<std::string, toml::source_region>> out;
        for (const toml::node& e : a) {
            std::string s = nonempty_string(e, "each entry of " + what);
            for (const auto& prev : out) {
                if (prev.first == s) {
                    fail(e.source(), "duplicate entry '" + s + "' in " + what + " (first at line " +
                                         std::to_string(prev.second.begin.line) + ")");
                }
            }
            out.emplace_back(std::move(s), e.source());
        }
        return out;
    }

private:
    std::string source_;
};

// The instances a deployment would have, to check insider/compromised names against.
struct InstanceCheck {
    const ProtocolSpec* spec = nullptr;
    std::optional<Deployment> deployment;
    DeploymentOptions options;

    [[nodiscard]] std::vector<std::string> of_role(const std::string& role) const {
        std::vector<std::string> out;
        if (deployment) {
            for (const auto& p : deployment->instances) {
                if (p.role == role) out.push_back(p.instance);
            }
            return out;
        }
        auto it = options.instances.find(role);
        const int n = it == options.instances.end() ? 1 : it->second;
        for (int k = 0; k < n; ++k) out.push_back(role + "#" + std::to_string(k));
        return out;
    }
};

void check_instance_names(const Reader& rd, const toml::node& n, const std::string& what,
                          const InstanceCheck& ic, std::vector<std::string>& out) {
    for (auto& [name, where] : rd.strings(n, what, true)) {
        const auto hash = name.find('#');
        const std::string role = name.substr(0, hash == std::string::npos ? 0 : hash);
        if (hash == std::string::npos || role.empty() || hash + 1 == name.size()) {
            rd.fail(where, "'" + name + "' in " + what +
                               " is not an instance name (expected <Role>#<k>, e.g. " +
                               (ic.spec->roles.empty() ? "X" : ic.spec->roles.front().name) +
                               "#0)");
        }
        if (ic.spec->role(role) == nullptr) {
            std::vector<std::string> roles;
            for (const auto& r : ic.spec->roles) roles.push_back(r.name);
            rd.fail(where, "'" + name + "' in " + what + ": " + ic.spec->name +
                               " has no role named '" + role + "' (roles: " + join(roles) + ")");
        }
        const auto existing = ic.of_role(role);
        if (std::find(existing.begin(), existing.end(), name) == existing.end()) {
            rd.fail(where, "'" + name + "' in " + what +
                               " is not an instance of this deployment (" + role + " instances: " +
                               (existing.empty() ? std::string("none") : join(existing)) +
                               "; see deployment.instances)");
        }
        out.push_back(name);
    }
}

void read_campaign_table(const Reader& rd, const toml::table& root, Campaign& c) {
    const toml::table* t = rd.table(root.get("campaign"), "[campaign]");
    if (t == nullptr) rd.fail("missing the [campaign] table (with name and protocol)");
    rd.only_keys(*t, "[campaign]", {"name", "protocol", "description", "seed"});
    const toml::node* name = t->get("name");
    if (name == nullptr) rd.fail(t->source(), "[campaign] is missing the required key 'name'");
    c.name = rd.nonempty_string(*name, "campaign.name");
    const toml::node* protocol = t->get("protocol");
    if (protocol == nullptr) {
        rd.fail(t->source(), "[campaign] is missing the required key 'protocol'");
    }
    const std::string p = rd.string(*protocol, "campaign.protocol");
    c.spec = find_protocol(p);
    if (c.spec == nullptr) {
        std::vector<std::string> known;
        for (const auto* s : registered_protocols()) known.push_back(s->name);
        rd.fail(protocol->source(),
                "unknown protocol '" + p + "' (registered: " + join(known) + ")");
    }
    if (const toml::node* d = t->get("description")) {
        c.description = rd.string(*d, "campaign.description");
    }
    if (const toml::node* s = t->get("seed")) {
        c.seed = static_cast<std::uint64_t>(
            rd.integer(*s, "campaign.seed", 0, std::numeric_limits<std::int64_t>::max()));
    }
}

std::string role_list(const ProtocolSpec& spec) {
    std::vector<std::string> roles;
    for (const auto& r : spec.roles) roles.push_back(r.name);
    return join(roles);
}

const RoleSpec& known_role(const Reader& rd, const ProtocolSpec& spec, const std::string& role,
                           const toml::source_region& where, const std::string& what) {
    const RoleSpec* r = spec.role(role);
    if (r == nullptr) {
        rd.fail(where, what + ": " + spec.name + " has no role named '" + role +
                           "' (roles: " + role_list(spec) + ")");
    }
    return *r;
}

void read_named(const Reader& rd, const toml::table& t, const char* key,
                const std::vector<NamedOption>& options, std::string& out) {
    if (!options.empty()) out = options.front().name;
    const toml::node* n = t.get(key);
    if (n == nullptr) return;
    const std::string what = std::string("deployment.") + key;
    out = rd.string(*n, what);
    const bool known = std::any_of(options.begin(), options.end(),
                                   [&](const NamedOption& o) { return o.name == out; });
    if (!known) {
        rd.fail(n->source(),
                "unknown " + std::string(key) + " '" + out + "' (one of: " + names(options) + ")");
    }
}

void add_setting(const Reader& rd, const ProtocolSpec& spec, DeploymentOptions& o,
                 const std::string& role, const std::string& name, const toml::node& value,
                 const toml::source_region& key_at) {
    const std::string what = "deployment.settings \"" + role + "." + name + "\"";
    known_role(rd, spec, role, key_at, what);
    const std::string v = rd.string(value, what);
    auto& slot = o.settings[role];
    if (slot.count(name) != 0) rd.fail(key_at, "duplicate setting " + role + "." + name);
    // One setting at a time against the spec, so that the error points at this line.
    DeploymentOptions one;
    one.variant = o.variant;
    one.profile = o.profile;
    one.mode = o.mode;
    one.settings[role][name] = v;
    if (auto valid = spec.validate(one); !valid) rd.fail(value.source(), valid.error().describe());
    slot[name] = v;
}

void read_settings(const Reader& rd, const ProtocolSpec& spec, const toml::node& n,
                   DeploymentOptions& o) {
    const toml::table* t = rd.table(&n, "deployment.settings");
    for (const auto& [k, v] : in_file_order(*t)) {
        const std::string key(k->str());
        if (v->is_table()) {  // settings = { MTCd = { mic_alg = "2" } } or MTCd.mic_alg = "2"
            for (const auto& [k2, v2] : in_file_order(*v->as_table())) {
                add_setting(rd, spec, o, key, std::string(k2->str()), *v2, k2->source());
            }
            continue;
        }
        const auto dot = key.find('.');
        if (dot == std::string::npos || dot == 0 || dot + 1 == key.size()) {
            rd.fail(k->source(), "deployment.settings key '" + key + "' is not ROLE.NAME (e.g. \"" +
                                     (spec.roles.empty() ? "Role" : spec.roles.front().name) +
                                     ".name\" = \"value\")");
        }
        add_setting(rd, spec, o, key.substr(0, dot), key.substr(dot + 1), *v, k->source());
    }
}

void read_weaken(const Reader& rd, const ProtocolSpec& spec, const toml::node& n, Campaign& c) {
    if (!weakening_enabled()) {
        rd.fail(n.source(),
                "deployment.weaken: this build has no test-only weakening (configure with "
                "-DMTC_ENABLE_WEAKENING=ON, as the dev preset does)");
    }
    const toml::table* t = rd.table(&n, "deployment.weaken");
    for (const auto& [k, v] : in_file_order(*t)) {
        const std::string role(k->str());
        const std::string what = "deployment.weaken." + role;
        const RoleSpec& rs = known_role(rd, spec, role, k->source(), "deployment.weaken");
        std::set<std::string> checks;
        for (auto& [name, where] : rd.strings(*v, what, true)) {
            const std::string& check = name;  // clang 14 cannot capture a structured binding
            const bool known = std::any_of(rs.checks.begin(), rs.checks.end(),
                                           [&](const NamedOption& o) { return o.name == check; });
            if (!known) {
                rd.fail(where,
                        "unknown check '" + check + "' for role " + role +
                            (rs.checks.empty() ? std::string(" (it has no weakenable checks)")
                                               : " (checks: " + names(rs.checks) + ")"));
            }
            checks.insert(check);
        }
        if (!checks.empty()) c.weaken[role] = std::move(checks);
    }
}

void read_deployment(const Reader& rd, const toml::table& root, Campaign& c) {
    const ProtocolSpec& spec = *c.spec;
    DeploymentOptions& o = c.deployment;
    const toml::table empty;
    const toml::table* found = rd.table(root.get("deployment"), "[deployment]");
    const toml::table& t = found != nullptr ? *found : empty;
    std::vector<std::string> keys = {"variant",  "profile",     "mode",     "instances",
                                     "insiders", "compromised", "settings", "weaken"};
    for (const auto& opt : spec.options) keys.push_back(opt.name);  // e.g. E2SEC's signature
    rd.only_keys(t, "[deployment]", keys);
    read_named(rd, t, "variant", spec.variants, o.variant);
    read_named(rd, t, "profile", spec.profiles, o.profile);
    read_named(rd, t, "mode", spec.modes, o.mode);
    for (const auto& opt : spec.options) {
        const toml::node* n = t.get(opt.name);
        if (n == nullptr) continue;
        const std::string v = rd.string(*n, "deployment." + opt.name);
        if (opt.check) {
            if (auto why = opt.check(v)) {
                rd.fail(n->source(), "deployment." + opt.name + " = \"" + v + "\": " + *why);
            }
        }
        o.options[opt.name] = v;
    }

    if (const toml::node* n = t.get("instances")) {
        const toml::table* it = rd.table(n, "deployment.instances");
        for (const auto& [k, v] : in_file_order(*it)) {
            const std::string role(k->str());
            known_role(rd, spec, role, k->source(), "deployment.instances");
            o.instances[role] =
                static_cast<int>(rd.integer(*v, "deployment.instances." + role, 1, 10000));
        }
    }
    if (const toml::node* n = t.get("settings")) read_settings(rd, spec, *n, o);
    if (const toml::node* n = t.get("weaken")) read_weaken(rd, spec, *n, c);

    if (auto valid = spec.validate(o); !valid) rd.fail(t.source(), valid.error().describe());

    InstanceCheck ic{&spec, std::nullopt, o};
    if (spec.provision) {
        // Provisioning applies the spec's own defaults and limits (which roles a mode has...).
        SeededRng rng(0, "campaign-check");
        auto d = spec.provision(o, rng);
        if (!d) {
            const toml::node* n = t.get("instances");
            rd.fail(n != nullptr ? n->source() : t.source(), "deployment: " + d.error().describe());
        }
        ic.deployment = std::move(*d);
    }
    if (const toml::node* n = t.get("insiders")) {
        check_instance_names(rd, *n, "deployment.insiders", ic, c.insiders);
    }
    if (const toml::node* n = t.get("compromised")) {
        check_instance_names(rd, *n, "deployment.compromised", ic, c.compromised);
    }
}

void read_honest(const Reader& rd, const toml::table& root, Campaign& c, const fs::path& base) {
    const toml::table* t = rd.table(root.get("honest"), "[honest]");
    if (t == nullptr) return;
    rd.only_keys(*t, "[honest]", {"sessions", "pcap"});
    if (const toml::node* n = t->get("sessions")) {
        c.honest_sessions = static_cast<std::size_t>(rd.integer(*n, "honest.sessions", 0, 10000));
    }
    if (const toml::node* n = t->get("pcap")) {
        const fs::path p(rd.nonempty_string(*n, "honest.pcap"));
        c.pcap = (p.is_absolute() || base.empty() ? p : (base / p).lexically_normal()).string();
    }
}

void read_budget(const Reader& rd, const toml::table& root, Campaign& c) {
    const toml::table* t = rd.table(root.get("budget"), "[budget]");
    if (t == nullptr) return;
    rd.only_keys(*t, "[budget]", {"seconds", "sessions"});
    if (const toml::node* n = t->get("seconds")) {
        double s = 0;
        if (n->is_integer()) {
            s = static_cast<double>(n->as_integer()->get());
        } else if (n->is_floating_point()) {
            s = n->as_floating_point()->get();
        } else {
            rd.fail(n->source(), "budget.seconds must be a number (integer or float), not " +
                                     std::string(type_name(*n)));
        }
        if (!std::isfinite(s) || s <= 0) {
            std::ostringstream v;
            v << s;
            rd.fail(n->source(),
                    "budget.seconds must be a finite number > 0 (got " + v.str() + ")");
        }
        c.budget_s = s;
    }
    if (const toml::node* n = t->get("sessions")) {
        c.budget_sessions = static_cast<std::size_t>(
            rd.integer(*n, "budget.sessions", 1, std::numeric_limits<std::int64_t>::max()));
    }
}

void read_attacks(const Reader& rd, const toml::table& root, Campaign& c) {
    const toml::node* n = root.get("attack");
    if (n == nullptr) {
        rd.fail("no [[attack]] table: a campaign runs at least one attack (strategies: " + [] {
            std::vector<std::string> s;
            for (const auto* st : strategies()) s.emplace_back(st->name());
            return join(s);
        }() + ")");
    }
    if (n->is_array() && n->as_array()->empty()) {
        rd.fail(n->source(), "attack must not be empty: write at least one [[attack]] table");
    }
    if (!n->is_array_of_tables()) {
        rd.fail(n->source(), "attack must be an array of tables (write [[attack]]), not " +
                                 std::string(type_name(*n)));
    }
    std::vector<std::string> all;
    for (const auto* st : strategies()) all.emplace_back(st->name());
    std::vector<toml::source_region> seen;
    for (const toml::node& e : *n->as_array()) {
        const toml::table& t = *e.as_table();
        const toml::node* s = t.get("strategy");
        if (s == nullptr) rd.fail(t.source(), "[[attack]] is missing the required key 'strategy'");
        StrategyParams p;
        p.strategy = rd.string(*s, "attack.strategy");
        const Strategy* st = find_strategy(p.strategy);
        if (st == nullptr) {
            rd.fail(s->source(),
                    "unknown strategy '" + p.strategy + "' (strategies: " + join(all) + ")");
        }
        std::vector<std::string> keys = {"strategy", "only"};
        for (const auto& [name, what] : st->settings()) keys.push_back(name);
        rd.only_keys(t, "an [[attack]] of strategy " + p.strategy, keys);
        for (const auto& [name, what] : st->settings()) {
            const toml::node* v = t.get(name);
            if (v == nullptr) continue;
            std::string value;
            if (v->is_integer()) {
                value = std::to_string(v->as_integer()->get());
            } else if (v->is_floating_point()) {
                value = std::to_string(v->as_floating_point()->get());
            } else {
                value = rd.string(*v, "attack." + name);
            }
            if (auto why = st->check_setting(name, value)) {
                rd.fail(v->source(), "attack." + name + ": " + *why);
            }
            p.settings[name] = value;
        }
        for (std::size_t i = 0; i < c.attacks.size(); ++i) {
            if (c.attacks[i].strategy == p.strategy) {
                rd.fail(s->source(), "duplicate [[attack]] with strategy '" + p.strategy +
                                         "' (first at line " + std::to_string(seen[i].begin.line) +
                                         "; list every sub-attack in one 'only')");
            }
        }
        if (const toml::node* only = t.get("only")) {
            const std::vector<std::string> options = st->options();
            for (auto& [o, where] : rd.strings(*only, "attack.only")) {
                if (std::find(options.begin(), options.end(), o) == options.end()) {
                    rd.fail(where, "strategy " + p.strategy + " has no option '" + o +
                                       "' (options: " + join(options) + ")");
                }
                p.only.push_back(o);
            }
        }
        if (auto why = st->check_settings(p)) rd.fail(t.source(), "[[attack]] " + *why);
        seen.push_back(s->source());
        c.attacks.push_back(std::move(p));
    }
}

void read_claims(const Reader& rd, const toml::table& root, Campaign& c) {
    const ProtocolSpec& spec = *c.spec;
    std::vector<std::string> all;
    for (const auto& cl : spec.claims) all.push_back(cl.id);
    const toml::table* t = rd.table(root.get("claims"), "[claims]");
    const toml::node* check = nullptr;
    if (t != nullptr) {
        rd.only_keys(*t, "[claims]", {"check"});
        check = t->get("check");
    }
    if (check == nullptr) {
        c.claims = all;
        return;
    }
    const auto ids = rd.strings(*check, "claims.check");
    for (const auto& [id, where] : ids) {
        if (id == "*") {
            if (ids.size() != 1) {
                rd.fail(where,
                        "claims.check: \"*\" (every claim) cannot be combined with claim ids");
            }
            c.claims = all;
            return;
        }
        if (std::find(all.begin(), all.end(), id) == all.end()) {
            rd.fail(where, "unknown claim '" + id + "' for " + spec.name +
                               " (claims: " + join(all) + ", or \"*\" for all)");
        }
        c.claims.push_back(id);
    }
}

Result<Campaign> parse(std::string_view text, const std::string& source, const fs::path& base) {
    Campaign c;
    c.source = source;
    try {
        const toml::table root = toml::parse(text, source);
        const Reader rd(source);
        const std::initializer_list<std::string_view> tables = {"campaign", "deployment", "honest",
                                                                "budget",   "attack",     "claims"};
        for (const auto& [k, v] : in_file_order(root)) {
            if (std::find(tables.begin(), tables.end(), k->str()) != tables.end()) continue;
            if (v->is_table() || v->is_array_of_tables()) {
                rd.fail(k->source(), "unknown table [" + std::string(k->str()) +
                                         "] (expected: " + join(tables) + ")");
            }
            rd.fail(k->source(), "unknown key '" + std::string(k->str()) +
                                     "' at the top level (keys belong in a table: " + join(tables) +
                                     ")");
        }
        read_campaign_table(rd, root, c);
        read_deployment(rd, root, c);
        read_honest(rd, root, c, base);
        read_budget(rd, root, c);
        read_attacks(rd, root, c);
        read_claims(rd, root, c);
    } catch (const toml::parse_error& e) {
        const auto& b = e.source().begin;
        return make_error(source + ":" + std::to_string(b.line) + ":" + std::to_string(b.column) +
                          ": " + std::string(e.description()));
    } catch (const Invalid& e) {
        return make_error(e.message);
    }
    return c;
}

}  // namespace

Result<Campaign> parse_campaign(std::string_view toml, const std::string& source) {
    return parse(toml, source, fs::path());
}

Result<Campaign> load_campaign(const std::string& path) {
    std::error_code ec;
    const fs::path p(path);
    const auto st = fs::status(p, ec);
    if (ec || !fs::exists(st)) {
        return make_error(path + ": cannot open campaign file: " +
                          (ec ? ec.message() : std::string("no such file")));
    }
    if (fs::is_directory(st)) {
        return make_error(path + ": is a directory, not a campaign file (give the .toml file)");
    }
    if (!fs::is_regular_file(st)) return make_error(path + ": not a regular file");
    const auto size = fs::file_size(p, ec);
    if (ec) return make_error(path + ": cannot read campaign file: " + ec.message());
    if (size > max_file_size) {
        return make_error(path + ": campaign file is larger than 1 MiB (" + std::to_string(size) +
                          " bytes)");
    }
    std::ifstream in(p, std::ios::binary);
    if (!in) return make_error(path + ": cannot open campaign file: " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return make_error(path + ": cannot read campaign file");
    return parse(text.str(), path, p.parent_path());
}

}  // namespace mtc::attacks
