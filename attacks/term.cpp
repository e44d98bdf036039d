#include "attacks/term.hpp"

#include <cstdlib>

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

Result<Bytes> eval_value(const json& v, const TermContext& ctx) {
    if (!v.is_object() || v.size() != 1)
        return make_error("term: a value is {hex|fresh|field: ...}");
    if (auto h = v.find("hex"); h != v.end()) {
        if (!h->is_string()) return make_error("term: hex must be a string");
        auto b = from_hex(h->get<std::string>());
        if (!b) return make_error("term: bad hex value");
        return *b;
    }
    if (auto n = v.find("fresh"); n != v.end()) {
        if (!n->is_number_unsigned() || n->get<std::size_t>() > 4096)
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
            const SecretBytes* key = ctx.knowledge->secret(secret);
            if (key == nullptr)
                return make_error("term: mac: the attacker does not know " + secret);
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
        const std::size_t bit = op.value("bit", std::size_t{0}) % (v.size() * 8);
        v[bit / 8] ^= static_cast<std::uint8_t>(0x80u >> (bit % 8));
    } else if (name == "zero") {
        std::fill(v.begin(), v.end(), 0);
    } else if (name == "truncate") {
        v.resize(std::min(v.size(), op.value("len", std::size_t{0})));
    } else if (name == "extend") {
        auto extra = from_hex(op.value("bytes", std::string("00")));
        if (!extra) return make_error("term: extend bytes must be hex");
        v.insert(v.end(), extra->begin(), extra->end());
    } else {
        return make_error("term: unknown op '" + name + "'");
    }
    m.set(tag, std::move(v));
    return Ok{};
}

}  // namespace

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
