// mtcfuzz list: what the registry holds.
#include <iostream>

#include <nlohmann/json.hpp>

#include "harness/cli/cli_util.hpp"
#include "protocols/core/registry.hpp"
#include "protocols/core/role.hpp"

namespace mtc::cli {

int cmd_list(const std::vector<std::string>& args) {
    po::options_description opts("options");
    opts.add_options()("json", po::bool_switch(), "print as JSON");
    int code = kOk;
    auto vm =
        parse("list", "[--json]",
              "Lists every registered protocol with its roles, variants, key profiles, modes,\n"
              "protocol options (e.g. E2SEC's --signature, --group), role settings, the checks\n"
              "each role lets a test build switch off (--weaken),\n"
              "and the claims its paper makes (as checkable claim ids).",
              opts, {}, args, code);
    if (!vm) return code;
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (const ProtocolSpec* p : registered_protocols()) {
        nlohmann::ordered_json pj;
        pj["name"] = p->name;
        pj["id"] = p->schema->protocol_id;
        pj["title"] = p->title;
        pj["paper"] = p->paper;
        pj["options"] = nlohmann::ordered_json::array();
        for (const auto& o : p->options) {
            pj["options"].push_back(
                {{"name", o.name}, {"default", o.default_value}, {"description", o.description}});
        }
        for (const auto& r : p->roles) {
            for (const auto& st : r.settings) {
                pj["settings"].push_back({{"role", r.name},
                                          {"name", st.name},
                                          {"default", st.default_value},
                                          {"description", st.description}});
            }
        }
        for (const auto& r : p->roles) {
            nlohmann::ordered_json checks = nlohmann::ordered_json::array();
            for (const auto& c : r.checks)
                checks.push_back({{"name", c.name}, {"description", c.description}});
            pj["roles"].push_back({{"name", r.name},
                                   {"initiator", r.initiator},
                                   {"description", r.description},
                                   {"checks", checks}});
        }
        for (const auto& v : p->variants)
            pj["variants"].push_back({{"name", v.name}, {"description", v.description}});
        for (const auto& v : p->profiles)
            pj["profiles"].push_back({{"name", v.name}, {"description", v.description}});
        for (const auto& v : p->modes)
            pj["modes"].push_back({{"name", v.name}, {"description", v.description}});
        for (const auto& c : p->claims)
            pj["claims"].push_back(
                {{"id", c.id}, {"statement", c.statement}, {"paper_claim", c.paper_claim}});
        for (const auto& m : p->schema->messages) pj["messages"].push_back(m.name);
        j.push_back(pj);
    }
    if ((*vm)["json"].as<bool>()) {
        std::cout << j.dump(2) << "\n";
        return kOk;
    }
    for (const auto& pj : j) {
        std::cout << pj["name"].get<std::string>() << ": " << pj["title"].get<std::string>() << " ("
                  << pj["paper"].get<std::string>() << ")\n  roles:";
        for (const auto& r : pj["roles"]) std::cout << " " << r["name"].get<std::string>();
        std::cout << "\n  variants:";
        for (const auto& v : pj["variants"]) std::cout << " " << v["name"].get<std::string>();
        std::cout << "\n  profiles:";
        for (const auto& v : pj["profiles"]) std::cout << " " << v["name"].get<std::string>();
        std::cout << "\n  modes:";
        for (const auto& v : pj["modes"]) std::cout << " " << v["name"].get<std::string>();
        std::cout << "\n  messages:";
        for (const auto& m : pj["messages"]) std::cout << " " << m.get<std::string>();
        std::cout << "\n  options (--NAME VALUE, or NAME = \"VALUE\" in a campaign's [deployment]):"
                  << (pj["options"].empty() ? " none" : "") << "\n";
        for (const auto& o : pj["options"]) {
            std::cout << "    --" << o["name"].get<std::string>() << " (default '"
                      << o["default"].get<std::string>()
                      << "'): " << o["description"].get<std::string>() << "\n";
        }
        std::cout << "  settings (--set ROLE.NAME=VALUE):\n";
        for (const auto& st : pj["settings"]) {
            std::cout << "    " << st["role"].get<std::string>() << "."
                      << st["name"].get<std::string>() << " (default '"
                      << st["default"].get<std::string>()
                      << "'): " << st["description"].get<std::string>() << "\n";
        }
        std::cout << "  weakenable checks (test builds only: mtcfuzz role ... --weaken CHECK)"
                  << (weakening_enabled() ? "" : " [not honoured by this build]") << ":\n";
        for (const auto& r : pj["roles"]) {
            for (const auto& c : r["checks"]) {
                std::cout << "    " << r["name"].get<std::string>() << "."
                          << c["name"].get<std::string>() << ": "
                          << c["description"].get<std::string>() << "\n";
            }
        }
        std::cout << "  claims:\n";
        for (const auto& c : pj["claims"]) {
            std::cout << "    " << c["id"].get<std::string>() << ": "
                      << c["statement"].get<std::string>() << "\n";
        }
    }
    return kOk;
}

}  // namespace mtc::cli
