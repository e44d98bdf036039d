#include "attacks/term.hpp"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "protocols/core/crypto/aead.hpp"
#include "protocols/core/crypto/dl_group.hpp"
#include "protocols/core/crypto/hash.hpp"
#include "protocols/core/crypto/kdf.hpp"

namespace mtc::attacks {
namespace {

using json = nlohmann::json;

// "r1.M1" -> the first M1 of run r1; "o12" -> observation 12; "$in" -> the intercepted one.
Result<Message> resolve_message(const std::string& ref, const TermContext& ctx) {
    if (ref == "$in") {
        if (ctx.in == nullptr) return make_error("term: \"$in\" outside an interception rule");
        return *ctx.in;
    }
    if (ctx.knowledge == nullptr) return make_error("term: no knowledge");
    if (ref.size() > 1 && ref[0] == 'o' && ref.find('.') == std::string::npos) {
        char* end = nullptr;
        const unsigned long id = std::strtoul(ref.c_str() + 1, &end, 10);
        if (end != nullptr && *end == '\0') {
            if (const Observation* o = ctx.knowledge->find(id)) return o->msg;
            return make_error("term: no observation " + ref);
        }
    }
    const auto dot = ref.find('.');
    if (dot == std::string::npos)
        return make_error("term: message reference '" + ref + "' is not RUN.TYPE, oN or $in");
    const Observation* o =
        ctx.knowledge->in_run(ctx.run_prefix + ref.substr(0, dot), ref.substr(dot + 1));
    if (o == nullptr) o = ctx.knowledge->in_run(ref.substr(0, dot), ref.substr(dot + 1));
    if (o == nullptr)
        return make_error("term: no " + ref.substr(dot + 1) + " seen in run " + ref.substr(0, dot));
    return o->msg;
}

Result<const FieldSpec*> field_of(const Schema& schema, const Message& m, const json& op) {
    auto f = op.find("field");
    if (f == op.end() || !f->is_string()) return make_error("term: op needs a \"field\" name");
    const MessageSpec* ms = schema.message(m.type);
    if (ms == nullptr)
        return make_error("term: message type " + std::to_string(m.type) + " unknown");
    const FieldSpec* fs = ms->field(f->get<std::string>());
    if (fs == nullptr)
        return make_error("term: " + ms->name + " has no field " + f->get<std::string>());
    return fs;
}

Result<Bytes> eval_value(const json& v, const TermContext& ctx);

// A non-negative integer member, or `fallback` when absent; anything else is an error (terms
// come from files a person may have edited).
Result<std::size_t> size_arg(const json& obj, const char* key, std::size_t fallback) {
    auto it = obj.find(key);
    if (it == obj.end()) return fallback;
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0)
        return make_error(std::string("term: \"") + key + "\" must be a non-negative integer");
    return it->get<std::size_t>();
}

// A list of values, concatenated ("data": [V, V, ...]); a single value is a list of one.
Result<Bytes> eval_concat(const json& v, const TermContext& ctx) {
    if (!v.is_array()) return eval_value(v, ctx);
    Bytes out;
    for (const auto& x : v) {
        auto b = eval_value(x, ctx);
        if (!b) return b.error();
        out.insert(out.end(), b->begin(), b->end());
    }
    return out;
}

Result<Bytes> member(const json& obj, const char* key, const TermContext& ctx) {
    auto it = obj.find(key);
    if (it == obj.end()) return make_error(std::string("term: missing \"") + key + "\"");
    return eval_concat(*it, ctx);
}

// The attacker's own Diffie-Hellman exponent, named by a label (deterministic, so a trace
// replays with the same share).
Result<std::pair<crypto::DlGroup, crypto::BigNum>> own_exponent(const json& spec) {
    const auto group_id = crypto::group_from_name(spec.value("group", std::string()));
    if (!group_id) return make_error("term: dh needs \"group\": dh_2048_256 or dh_1024_160");
    auto group = crypto::DlGroup::named(*group_id);
    if (!group) return group.error();
    auto rng = make_rng(0, "attacker-dh/" + spec.value("exp", std::string("x")));
    crypto::BigNum x = group->random_scalar(*rng);
    return std::make_pair(std::move(group).value(), std::move(x));
}

// Attacker functions (DESIGN: hash, MIC and KDF with a known key, DH with its own exponents,
// encryption and decryption with a known key).
Result<Bytes> eval_function(const std::string& name, const json& arg, const TermContext& ctx) {
    if (name == "concat") return eval_concat(arg, ctx);
    if (name == "hash") {
        auto data = eval_concat(arg, ctx);
        if (!data) return data.error();
        const auto d = crypto::sha256(view(*data));
        return Bytes(d.begin(), d.end());
    }
    if (name == "secret" || name == "key") {
        if (!arg.is_string()) return make_error("term: " + name + " takes a name");
        const std::string n = arg.get<std::string>();
        if (name == "secret") {
            const SecretBytes* s = ctx.knowledge->secret(n);
            if (s == nullptr) return make_error("term: the attacker does not know secret " + n);
            return Bytes(s->begin(), s->end());
        }
        const auto& keys = ctx.knowledge->keys();
        for (auto it = keys.rbegin(); it != keys.rend(); ++it) {
            if (it->name == n) return Bytes(it->value.begin(), it->value.end());
        }
        return make_error("term: the attacker knows no key named " + n);
    }
    if (!arg.is_object()) return make_error("term: " + name + " takes an object");
    if (name == "hmac" || name == "cmac") {
        auto key = member(arg, "key", ctx);
        auto data = member(arg, "data", ctx);
        if (!key) return key.error();
        if (!data) return data.error();
        if (name == "hmac") {
            const auto d = crypto::hmac_sha256(view(*key), view(*data));
            return Bytes(d.begin(), d.end());
        }
        auto d = crypto::aes_cmac(view(*key), view(*data));
        if (!d) return d.error();
        return Bytes(d->begin(), d->end());
    }
    if (name == "kdf") {
        auto key = member(arg, "key", ctx);
        auto context = member(arg, "context", ctx);
        if (!key) return key.error();
        if (!context) return context.error();
        const std::string label = arg.value("label", std::string());
        const auto prf = arg.value("prf", std::string("hmac")) == "cmac"
                             ? crypto::KbkdfPrf::cmac_aes
                             : crypto::KbkdfPrf::hmac_sha256;
        auto len = size_arg(arg, "len", 32);
        if (!len) return len.error();
        if (*len == 0 || *len > 1024) return make_error("term: kdf len is 1..1024");
        auto k = crypto::kbkdf_counter(
            prf, view(*key),
            BytesView(reinterpret_cast<const std::uint8_t*>(label.data()), label.size()),
            view(*context), *len);
        if (!k) return k.error();
        return Bytes(k->begin(), k->end());
    }
    if (name == "dh_share" || name == "dh_key") {
        auto gx = own_exponent(arg);
        if (!gx) return gx.error();
        const crypto::DlGroup& group = gx->first;
        const crypto::BigNum& x = gx->second;
        if (name == "dh_share") return group.exp_g(x).to_bytes_padded(group.element_bytes());
        auto peer = member(arg, "peer", ctx);
        if (!peer) return peer.error();
        const auto b = crypto::BigNum::from_bytes(view(*peer));
        return group.exp(b, x).to_bytes_padded(group.element_bytes());
    }
    if (name == "seal" || name == "open") {
        const auto alg = crypto::aead_from_id(static_cast<std::uint8_t>(arg.value("alg", 1)));
        if (!alg) return make_error("term: aead alg is 1..4");
        auto key = member(arg, "key", ctx);
        auto nonce = member(arg, "nonce", ctx);
        auto data = member(arg, "data", ctx);
        Result<Bytes> aad = arg.contains("aad") ? member(arg, "aad", ctx) : Result<Bytes>(Bytes{});
        for (const auto* r : {&key, &nonce, &data, &aad}) {
            if (!*r) return r->error();
        }
        if (name == "seal")
            return crypto::aead_seal(*alg, view(*key), view(*nonce), view(*aad), view(*data));
        auto plain = crypto::aead_open(*alg, view(*key), view(*nonce), view(*aad), view(*data));
        if (!plain) return plain.error();
        return Bytes(plain->begin(), plain->end());
    }
    return make_error("term: unknown function '" + name + "'");
}

Result<Bytes> eval_value(const json& v, const TermContext& ctx) {
    if (!v.is_object() || v.size() != 1)
        return make_error("term: a value is {hex|fresh|field|FUNCTION: ...}");
    for (const char* fn : {"concat", "hash", "secret", "key", "hmac", "cmac", "kdf", "dh_share",
                           "dh_key", "seal", "open"}) {
        if (auto it = v.find(fn); it != v.end()) return eval_function(fn, *it, ctx);
    }
    if (auto h = v.find("hex"); h != v.end()) {
        if (!h->is_string()) return make_error("term: hex must be a string");
        auto b = from_hex(h->get<std::string>());
        if (!b) return make_error("term: bad hex value");
        return *b;
    }
    if (auto n = v.find("fresh"); n != v.end()) {
        if (!n->is_number_integer() || n->get<std::int64_t>() < 0 || n->get<std::int64_t>() > 4096)
            return make_error("term: fresh takes a byte count up to 4096");
        if (ctx.rng == nullptr) return make_error("term: no attacker randomness");
        return ctx.rng->bytes(n->get<std::size_t>());
    }
    if (auto f = v.find("field"); f != v.end()) {
        if (!f->is_string()) return make_error("term: field must be a string");
        const std::string ref = f->get<std::string>();
        // MSG.FIELD, where MSG is "$in", "oN" or "RUN.TYPE" and FIELD may itself contain dots
        // ("MTCdInfo.MICAlg").
        auto dot = ref.find('.');
        const bool single =
            ref.rfind("$in.", 0) == 0 ||
            (ref.size() > 1 && ref[0] == 'o' && ref.find_first_not_of("0123456789", 1) == dot);
        if (dot != std::string::npos && !single) dot = ref.find('.', dot + 1);
        if (dot == std::string::npos) return make_error("term: field reference is MSG.FIELD");
        auto m = resolve_message(ref.substr(0, dot), ctx);
        if (!m) return m.error();
        const MessageSpec* ms = ctx.knowledge->spec().schema->message(m->type);
        const FieldSpec* fs = ms == nullptr ? nullptr : ms->field(ref.substr(dot + 1));
        const Bytes* val = fs == nullptr ? nullptr : m->get(fs->tag);
        if (val == nullptr) return make_error("term: " + ref + " is not present");
        return *val;
    }
    return make_error("term: a value is {hex|fresh|field: ...}");
}

// {"op":"guess"}: `m` rewritten by the protocol's OnlineGuessRecipe as a guess that its secret is
// what the candidate stands for. The derived key exists only in here: never in a trace, an error
// or a log (the candidate is a planned guess, in trace.json on purpose).
Status apply_guess(Message& m, const json& op, const TermContext& ctx) {
    auto candidate = op.find("candidate");
    if (candidate == op.end() || !candidate->is_string())
        return make_error("term: guess needs a \"candidate\" string");
    auto secret_arg = op.find("secret");
    if (secret_arg != op.end() && !secret_arg->is_string())
        return make_error("term: guess \"secret\" must be a string");
    const std::string secret = secret_arg == op.end() ? "" : secret_arg->get<std::string>();
    const ProtocolSpec& spec = ctx.knowledge->spec();
    const MessageSpec* ms = spec.schema->message(m.type);
    const std::string type = ms != nullptr ? ms->name : "type " + std::to_string(m.type);
    const OnlineGuessRecipe* r = nullptr;
    for (const OnlineGuessRecipe& x : spec.recipes.online_guesses) {
        if (x.type == m.type && x.forge && x.derive && (secret.empty() || x.secret == secret)) {
            r = &x;
            break;
        }
    }
    if (r == nullptr) {
        return make_error("term: guess: no on-line guessing recipe for " + type +
                          (secret.empty() ? "" : " and secret " + secret));
    }
    if (ctx.deployment == nullptr) return make_error("term: guess needs the deployment");
    if (ctx.rng == nullptr) return make_error("term: no attacker randomness");
    // No identity field: the message names nobody in clear (SGA's A1), and the recipe picks its
    // victim from public data itself.
    static const Bytes nobody;
    const Bytes* who = &nobody;
    if (!r->identity_field.empty()) {
        const FieldSpec* id = ms == nullptr ? nullptr : ms->field(r->identity_field);
        who = id == nullptr ? nullptr : m.get(id->tag);
        if (who == nullptr)
            return make_error("term: guess: " + r->identity_field + " absent from " + type);
    }
    auto key = r->derive(candidate->get<std::string>(), view(*who));
    if (!key) return make_error("term: guess: " + key.error().reason);
    Rng& rng = *ctx.rng;
    auto forged =
        r->forge(*ctx.deployment, m, view(*key), [&rng](std::size_t n) { return rng.bytes(n); });
    if (!forged)
        return make_error("term: guess: cannot forge " + type + ": " + forged.error().reason);
    m = std::move(forged).value();
    return Ok{};
}

Status apply(Message& m, const json& op, const TermContext& ctx) {
    const Schema& schema = *ctx.knowledge->spec().schema;
    if (!op.is_object() || !op.contains("op") || !op["op"].is_string())
        return make_error("term: every op is an object with \"op\"");
    const std::string name = op["op"].get<std::string>();
    if (name == "session") {
        const json& v = op.value("value", json("fresh"));
        if (v.is_string() && v.get<std::string>() == "fresh") {
            if (ctx.rng == nullptr) return make_error("term: no attacker randomness");
            m.session = ctx.rng->u64();
        } else if (v.is_string()) {
            auto b = from_hex(v.get<std::string>());
            if (!b || b->size() != 8) return make_error("term: session is 16 hex digits");
            m.session = get_u64(view(*b), 0);
        } else if (v.is_object() && v.contains("run") && v["run"].is_string()) {
            auto s = ctx.run_session ? ctx.run_session(v["run"].get<std::string>()) : std::nullopt;
            if (!s) return make_error("term: no session known for run " + v["run"].dump());
            m.session = *s;
        } else {
            return make_error("term: session value is \"fresh\", 16 hex digits or {\"run\":R}");
        }
        return Ok{};
    }
    if (name == "retype") {
        if (!op.contains("to") || !op["to"].is_string())
            return make_error("term: retype needs \"to\"");
        const MessageSpec* ms = schema.message(op["to"].get<std::string>());
        if (ms == nullptr) return make_error("term: no message type " + op["to"].dump());
        m.type = ms->type;
        return Ok{};
    }
    if (name == "guess") return apply_guess(m, op, ctx);
    static const std::set<std::string> kFieldOps = {"strip", "set",      "mac",   "bitflip",
                                                    "zero",  "truncate", "extend"};
    if (kFieldOps.count(name) == 0) return make_error("term: unknown op '" + name + "'");
    auto fs = field_of(schema, m, op);
    if (!fs) return fs.error();
    const std::uint8_t tag = (*fs)->tag;
    if (name == "strip") {
        m.erase(tag);
        return Ok{};
    }
    if (name == "set") {
        auto v = eval_value(op.value("value", json()), ctx);
        if (!v) return v.error();
        m.set(tag, std::move(v).value());
        return Ok{};
    }
    if (name == "mac") {
        for (const MacRecipe& r : ctx.knowledge->spec().recipes.macs) {
            if (r.type != m.type || r.field != (*fs)->name) continue;
            const MessageSpec* ms = schema.message(m.type);
            const FieldSpec* id = ms->field(r.identity_field);
            const Bytes* who = id == nullptr ? nullptr : m.get(id->tag);
            if (who == nullptr) return make_error("term: mac: " + r.identity_field + " absent");
            const std::string secret = r.secret + ":" + std::string(who->begin(), who->end());
            const std::string shown = r.secret + ":" + display(view(*who));
            const SecretBytes* key = ctx.knowledge->secret(secret);
            if (key == nullptr) return make_error("term: mac: the attacker does not know " + shown);
            auto mac = r.compute(m, view(*key));
            if (!mac) return mac.error();
            m.set(tag, std::move(mac).value());
            return Ok{};
        }
        return make_error("term: no MIC recipe for " + (*fs)->name);
    }
    const Bytes* cur = m.get(tag);
    if (cur == nullptr) return make_error("term: " + (*fs)->name + " is not present");
    Bytes v = *cur;
    if (name == "bitflip") {
        if (v.empty()) return make_error("term: bitflip on an empty field");
        auto bit_arg = size_arg(op, "bit", 0);
        if (!bit_arg) return bit_arg.error();
        const std::size_t bit = *bit_arg % (v.size() * 8);
        v[bit / 8] ^= static_cast<std::uint8_t>(0x80u >> (bit % 8));
    } else if (name == "zero") {
        std::fill(v.begin(), v.end(), 0);
    } else if (name == "truncate") {
        auto len = size_arg(op, "len", 0);
        if (!len) return len.error();
        v.resize(std::min(v.size(), *len));
    } else if (name == "extend") {
        auto b = op.find("bytes");
        if (b != op.end() && !b->is_string()) return make_error("term: extend bytes must be hex");
        auto extra = from_hex(b == op.end() ? std::string("00") : b->get<std::string>());
        if (!extra) return make_error("term: extend bytes must be hex");
        v.insert(v.end(), extra->begin(), extra->end());
    } else {
        return make_error("term: unknown op '" + name + "'");
    }
    m.set(tag, std::move(v));
    return Ok{};
}

}  // namespace

SecretBytes attacker_exponent(std::string_view label) {
    auto rng = make_rng(0, "attacker-exp/" + std::string(label));
    SecretBytes z = rng->secret_bytes(20);
    z[0] &= 0x7f;  // below 2^159 < q
    if (std::all_of(z.begin(), z.end(), [](std::uint8_t b) { return b == 0; })) z.back() = 1;
    return z;
}

Result<Message> eval_term(const Term& term, const TermContext& ctx) {
    if (ctx.knowledge == nullptr) return make_error("term: no knowledge");
    if (!term.is_object() || !term.contains("msg") || !term["msg"].is_string())
        return make_error("term: expected {\"msg\": REF, \"with\": [OPS]}");
    auto m = resolve_message(term["msg"].get<std::string>(), ctx);
    if (!m) return m.error();
    if (auto w = term.find("with"); w != term.end()) {
        if (!w->is_array()) return make_error("term: \"with\" must be an array");
        for (const auto& op : *w) {
            if (auto s = apply(*m, op, ctx); !s) return s.error();
        }
    }
    return m;
}

}  // namespace mtc::attacks
