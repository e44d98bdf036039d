#include "attacks/trace.hpp"

#include <array>

namespace mtc::attacks {
namespace {

constexpr std::array<std::pair<RuleAction, std::string_view>, 6> kActions = {{
    {RuleAction::forward, "forward"},
    {RuleAction::drop, "drop"},
    {RuleAction::replace, "replace"},
    {RuleAction::divert, "divert"},
    {RuleAction::reorder, "reorder"},
    {RuleAction::reflect, "reflect"},
}};

Result<std::string> str_member(const nlohmann::json& j, const char* key, bool required,
                               const std::string& where) {
    auto it = j.find(key);
    if (it == j.end()) {
        if (required) return make_error(where + ": missing \"" + key + "\"");
        return std::string();
    }
    if (!it->is_string()) return make_error(where + ": \"" + key + "\" must be a string");
    return it->get<std::string>();
}

}  // namespace

std::string_view to_string(RuleAction a) {
    for (const auto& [action, name] : kActions) {
        if (action == a) return name;
    }
    return "forward";
}

nlohmann::ordered_json to_json(const Trace& t) {
    nlohmann::ordered_json j;
    j["strategy"] = t.strategy;
    j["signature"] = t.signature;
    j["description"] = t.description;
    j["steps"] = nlohmann::ordered_json::array();
    for (const Step& s : t.steps) {
        nlohmann::ordered_json js;
        if (s.kind == StepKind::honest) {
            js["do"] = "honest";
            js["run"] = s.run;
            js["at"] = s.at;
            if (!s.rules.empty()) {
                js["rules"] = nlohmann::ordered_json::array();
                for (const Rule& r : s.rules) {
                    nlohmann::ordered_json jr;
                    jr["match"] = r.match;
                    jr["action"] = std::string(to_string(r.action));
                    if (!r.term.is_null()) jr["term"] = r.term;
                    if (!r.via.empty()) jr["via"] = r.via;
                    if (!r.to.empty()) jr["to"] = r.to;
                    js["rules"].push_back(std::move(jr));
                }
            }
        } else {
            js["do"] = "send";
            js["to"] = s.to;
            js["via"] = s.via;
            if (!s.as.empty()) js["as"] = s.as;
            js["term"] = s.term;
        }
        j["steps"].push_back(std::move(js));
    }
    return j;
}

Result<Trace> trace_from_json(const nlohmann::json& j) {
    if (!j.is_object()) return make_error("trace: not a JSON object");
    Trace t;
    for (auto [key, out] :
         {std::pair{"strategy", &t.strategy}, std::pair{"signature", &t.signature},
          std::pair{"description", &t.description}}) {
        auto v = str_member(j, key, std::string_view(key) != "description", "trace");
        if (!v) return v.error();
        *out = std::move(v).value();
    }
    auto steps = j.find("steps");
    if (steps == j.end() || !steps->is_array() || steps->empty())
        return make_error("trace: \"steps\" must be a non-empty array");
    for (std::size_t i = 0; i < steps->size(); ++i) {
        const auto& js = (*steps)[i];
        const std::string where = "trace step " + std::to_string(i + 1);
        if (!js.is_object()) return make_error(where + ": not an object");
        auto kind = str_member(js, "do", true, where);
        if (!kind) return kind.error();
        Step s;
        if (*kind == "honest") {
            s.kind = StepKind::honest;
            auto run = str_member(js, "run", true, where);
            auto at = str_member(js, "at", true, where);
            if (!run) return run.error();
            if (!at) return at.error();
            s.run = *run;
            s.at = *at;
            if (auto rules = js.find("rules"); rules != js.end()) {
                if (!rules->is_array()) return make_error(where + ": \"rules\" must be an array");
                for (const auto& jr : *rules) {
                    if (!jr.is_object()) return make_error(where + ": a rule is not an object");
                    Rule r;
                    auto match = str_member(jr, "match", true, where + " rule");
                    auto action = str_member(jr, "action", true, where + " rule");
                    auto via = str_member(jr, "via", false, where + " rule");
                    auto to = str_member(jr, "to", false, where + " rule");
                    for (const auto* v : {&match, &action, &via, &to}) {
                        if (!*v) return v->error();
                    }
                    r.match = *match;
                    r.via = *via;
                    r.to = *to;
                    bool known = false;
                    for (const auto& [a, name] : kActions) {
                        if (name == *action) r.action = a, known = true;
                    }
                    if (!known)
                        return make_error(where + ": unknown rule action '" + *action + "'");
                    if (auto term = jr.find("term"); term != jr.end()) r.term = *term;
                    s.rules.push_back(std::move(r));
                }
            }
        } else if (*kind == "send") {
            s.kind = StepKind::send;
            auto to = str_member(js, "to", true, where);
            auto via = str_member(js, "via", false, where);
            auto as = str_member(js, "as", false, where);
            for (const auto* v : {&to, &via, &as}) {
                if (!*v) return v->error();
            }
            s.to = *to;
            s.via = via->empty() ? "clear" : *via;
            s.as = *as;
            auto term = js.find("term");
            if (term == js.end()) return make_error(where + ": missing \"term\"");
            s.term = *term;
        } else {
            return make_error(where + ": unknown step '" + *kind + "' (honest or send)");
        }
        t.steps.push_back(std::move(s));
    }
    return t;
}

}  // namespace mtc::attacks
