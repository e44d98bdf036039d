// ProSe's ProtocolSpec: roles, variants, provisioning and the paper's claims.
#include "protocols/prose/spec.hpp"

#include <charconv>
#include <cstdio>

#include "protocols/prose/guess.hpp"
#include "protocols/prose/primitives.hpp"
#include "protocols/prose/roles.hpp"
#include "protocols/prose/schema.hpp"

namespace mtc::prose {
namespace {

std::string id(const char* prefix, int i) {
    return std::string(prefix) + "-" + std::to_string(i);
}
std::string inst(const char* role, int i) {
    return std::string(role) + "#" + std::to_string(i);
}

Result<int> count(const DeploymentOptions& o, const std::string& role, int fallback, int min) {
    auto it = o.instances.find(role);
    const int n = it == o.instances.end() ? fallback : it->second;
    if (n < min || n > 100000) {
        return make_error("prose: " + role + " instances must be between " + std::to_string(min) +
                          " and 100000 (got " + std::to_string(n) + ")");
    }
    return n;
}

Result<Deployment> provision(const DeploymentOptions& o, Rng& rng) {
    for (const auto& [role, n] : o.instances) {
        if (role != "MTCd" && role != "UE" && role != "MTCs" && role != "GW") {
            return make_error("prose: unknown role '" + role + "' (roles: MTCd, UE, MTCs, GW)");
        }
    }
    const bool extended = o.mode == "extended";
    auto n_mtcd = count(o, "MTCd", 1, 1);
    auto n_ue = count(o, "UE", 1, 1);
    auto n_mtcs = count(o, "MTCs", 1, 1);
    auto n_gw = count(o, "GW", extended ? 1 : 0, extended ? 1 : 0);
    for (const auto* r : {&n_mtcd, &n_ue, &n_mtcs, &n_gw}) {
        if (!*r) return r->error();
    }
    if (!extended && *n_gw != 0)
        return make_error("prose: GW instances exist only in the extended mode");

    Deployment d;
    d.options = o;
    std::string all_ues;
    for (int u = 0; u < *n_ue; ++u) all_ues += (u ? "," : "") + id("ue", u);

    std::vector<InstancePlan> mtcs(static_cast<std::size_t>(*n_mtcs));
    for (int s = 0; s < *n_mtcs; ++s) {
        auto& p = mtcs[static_cast<std::size_t>(s)];
        p.role = "MTCs";
        p.instance = inst("MTCs", s);
        p.creds.identity = id("mtcs", s);
        p.creds.attrs["authorised_ues"] = all_ues;
    }
    for (int i = 0; i < *n_mtcd; ++i) {
        InstancePlan p;
        p.role = "MTCd";
        p.instance = inst("MTCd", i);
        p.creds.identity = id("mtcd", i);
        const int s = i % *n_mtcs;
        // In the extended mode the device's UE is the one its GW forwards to.
        const int g = extended ? i % *n_gw : 0;
        const int u = extended ? g % *n_ue : i % *n_ue;
        p.creds.attrs["MTCsID"] = id("mtcs", s);
        SecretBytes psk;
        if (o.profile == "weak-key") {
            char pin[8];
            std::snprintf(pin, sizeof pin, "%06llu",
                          static_cast<unsigned long long>(rng.uniform(1'000'000)));
            auto k = pskey_from_pin(pin, p.creds.identity);
            if (!k) return k.error();
            psk = std::move(k).value();
            p.creds.secrets["PIN"] = to_secret(view(std::string_view(pin)));
            secure_wipe(pin, sizeof pin);
        } else {
            psk = rng.secret_bytes(kPSKeyLen);
        }
        mtcs[static_cast<std::size_t>(s)].creds.secrets["PSKey:" + p.creds.identity] = psk;
        p.creds.secrets["PSKey"] = std::move(psk);
        p.peers["UE"] = inst("UE", u);
        p.peers["MTCs"] = inst("MTCs", s);
        p.peers["relay"] = extended ? inst("GW", g) : inst("UE", u);
        d.instances.push_back(std::move(p));
    }
    for (int u = 0; u < *n_ue; ++u) {
        InstancePlan p;
        p.role = "UE";
        p.instance = inst("UE", u);
        p.creds.identity = id("ue", u);
        for (int s = 0; s < *n_mtcs; ++s) p.peers["MTCs" + std::to_string(s)] = inst("MTCs", s);
        d.instances.push_back(std::move(p));
    }
    for (auto& p : mtcs) d.instances.push_back(std::move(p));
    for (int g = 0; g < *n_gw; ++g) {
        InstancePlan p;
        p.role = "GW";
        p.instance = inst("GW", g);
        p.creds.identity = id("gw", g);
        p.peers["UE"] = inst("UE", g % *n_ue);
        d.instances.push_back(std::move(p));
    }
    return d;
}

std::vector<ClaimSpec> claims() {
    return {
        {"secrecy:DMKey",
         "The attacker never learns a DMKey that an honest MTCd, UE or MTCs committed to.",
         "\"we queried the secrecy of DMkey ... We obtained positive results\" (section V)", true},
        {"agreement:MTCd->MTCs",
         "When the MTCs accepts an MTCd on (MTCdID, MTCsID, UEID, MTCdNonce), that MTCd began a "
         "run with that MTCs on the same values.",
         "\"The authentication is mutual and explicit for the MTCd-MTCs pair by verification of "
         "the MICs\" (section V)",
         true},
        {"injective:MTCd->MTCs",
         "Every MTCs accept of an MTCd matches a distinct MTCd run: a captured M1 cannot be "
         "accepted twice.",
         "\"MTCdNonce and MTCsNonce mitigate replay attacks\" (section V)", true},
        {"agreement:MTCs->MTCd",
         "When the MTCd accepts the MTCs on (MTCdID, MTCsID, UEID, MTCdNonce, MTCsNonce), that "
         "MTCs began a run with that MTCd on the same values.",
         "\"If the verification is successful, the MTCd authenticates the MTCs\" (section IV-B, "
         "message 4)",
         true},
        {"injective:MTCs->MTCd", "Every MTCd accept of the MTCs matches a distinct MTCs run.",
         "\"MTCsNonce and IDs are used again for the novelty of M3\" (section IV-B, message 3)",
         true},
        {"agreement:UE->MTCd",
         "When an MTCd commits a DMKey with UE u, u (if honest) commits the same key with that "
         "MTCd, and no other UE holds it.",
         "\"It is mutual and implicit for MTCd-UE pair, the moment their symmetric keys are "
         "established\" (section V)",
         true},
        {"freshness:DMKey", "No two runs commit the same DMKey.",
         "\"MTCdNonce and MTCsNonce mitigate replay attacks\" (section V)", true},
        {"guess-resistance:PSKey",
         "Captured traffic gives no off-line test for a guess of PSKey, and every failed on-line "
         "guess is detected.",
         "\"Dolev-Yao threat model\" (section V); PSKey is assumed \"only known to itself and to "
         "the MTCs\" (section IV-A). Not claimed for PIN-derived keys: checked for the weak-key "
         "profile.",
         false},
        {"liveness:roles", "No role crashes, hangs or grows without bound under attack.",
         "implicit: \"resilient to attacks\" (section V)", true},
    };
}

// Setting validators: the roles parse the same strings (role_util.hpp).
std::optional<std::string> alg_list(std::string_view v, bool single) {
    std::size_t n = 0;
    std::size_t pos = 0;
    while (pos <= v.size()) {
        const std::size_t comma = std::min(v.find(',', pos), v.size());
        const std::string_view item = v.substr(pos, comma - pos);
        if (item != "1" && item != "2")
            return "algorithm ids are 1 or 2, got '" + std::string(item) + "'";
        ++n;
        pos = comma + 1;
    }
    if (single && n != 1) return std::string("exactly one algorithm id expected");
    return std::nullopt;
}

std::optional<std::string> short_text(std::string_view v) {
    if (v.empty() || v.size() > 256) return std::string("must be 1 to 256 bytes");
    return std::nullopt;
}

std::optional<std::string> ttl(std::string_view v) {
    std::int64_t x = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (ec != std::errc() || end != v.data() + v.size() || x < 0 || x > 10LL * 365 * 86400) {
        return std::string("seconds between 0 and 315360000 expected");
    }
    return std::nullopt;
}

std::vector<SettingSpec> mtcd_settings() {
    return {
        {"mic_alg",
         "MIC the device uses and announces in MTCdInfo.MICAlg: 1 HMAC-SHA256, 2 AES-CMAC", "1",
         [](std::string_view v) { return alg_list(v, true); }},
        {"kdf_algs",
         "KDFs offered in MTCdInfo.KDFAlgs, in order: 1 KBKDF-HMAC-SHA256, 2 KBKDF-CMAC-AES", "1,2",
         [](std::string_view v) { return alg_list(v, false); }},
        {"context", "MTCdInfo.Context: context the device reports (location, battery)", "",
         short_text},
    };
}

std::vector<SettingSpec> mtcs_settings() {
    return {
        {"kdf_pref", "the server's KDF preference order for MTCsInfo.KDFAlg", "1,2",
         [](std::string_view v) { return alg_list(v, false); }},
        {"policy", "MTCsInfo.Policy: usage policy handed to the UE", "usage=d2d", short_text},
        {"policy_ttl_s", "MTCsInfo.Expiry = now + this many seconds", "3600", ttl},
    };
}

// Checks a test build may switch off one by one (Env::weakened). A check is listed only when
// the role can go on without it: those whose data the role needs further on (the MTCd's PSKey
// for an unknown MTCdID, the MTCs's address M1 names, an M1 for an unknown session, a MIC or
// KDF algorithm the role cannot compute) are never skipped and not listed. The GW has none.
std::vector<NamedOption> mtcd_checks() {
    return {
        {"session",
         "M4 answers a pending run, not one already completed (weakened: a completed "
         "run's M4 is taken again)"},
        {"identities", "M4's MTCdID, MTCsID and UEID equal M1's"},
        {"kdf-offered", "MTCsInfo.KDFAlg is one the MTCd offered in M1"},
        {"MTCsMIC", "MTCsMIC verifies under PSKey"},
        {"expiry", "MTCsInfo.Expiry is not in the past"},
    };
}

std::vector<NamedOption> ue_checks() {
    return {
        {"ueid", "M1 names this UE as UEID"},
        {"mtcs-link", "M3 arrived over the authenticated link, from the MTCs that M1 named"},
        {"identities", "M3's MTCdID, MTCsID and UEID equal M1's"},
        {"session", "one run per session id: another M1 on a session in progress is refused"},
    };
}

std::vector<NamedOption> mtcs_checks() {
    return {
        {"ue-link",
         "M2 arrived over the authenticated UE link (weakened: an M2 off the link is "
         "taken as coming from the UE it names)"},
        {"ue-authorised", "the UE is authorised for the service"},
        {"ue-binding", "(hardened) the TLS-authenticated UE is M2's UEID"},
        {"mtcs-id", "M2 is for this MTCs (MTCsID)"},
        {"MTCdMIC", "MTCdMIC verifies under the device's PSKey"},
        {"nonce-record", "(hardened) the MTCdNonce was not seen before for this MTCd"},
    };
}

std::vector<RoleSpec> roles() {
    return {
        {"MTCd", "MTC device: sends M1, checks MTCsMIC in M4, derives DMKey", true, make_mtcd, true,
         mtcd_settings(), mtcd_checks()},
        {"UE",
         "user equipment: relays M1/M2 and M3/M4, receives DMKey from the MTCs",
         false,
         make_ue,
         true,
         {},
         ue_checks()},
        {"MTCs", "MTC server: checks MTCdMIC in M2, sends MTCsMIC and DMKey in M3", false,
         make_mtcs, true, mtcs_settings(), mtcs_checks()},
        {"GW",
         "UE2/GW of the extended mode: forwards M1 and M4 unchanged",
         false,
         make_gw,
         false,
         {},
         {}},
    };
}

// What the attacker engine may know of ProSe (DESIGN.md, "ProtocolSpec").
AttackRecipes recipes() {
    AttackRecipes r;
    // Per message type. In the extended mode the GW sits between MTCd and UE for M1 and M4;
    // the engine takes that from the deployment's peers, so the flows stay per type.
    r.flows = {{M1, "MTCd", "UE"}, {M2, "UE", "MTCs"}, {M3, "MTCs", "UE"}, {M4, "UE", "MTCd"}};
    // The UE forwards M1 as M2 unchanged, and M3 as M4 without DMKey: an insider UE (any UE
    // the MTCs authorises) delivers whatever M1 it is handed over its own TLS link.
    r.forwards = {{M1, M2, "UE", {}}, {M3, M4, "UE", {"DMKey"}}};
    // MTCdMIC is a function of the message alone (its fields and MTCdInfo.MICAlg) and the
    // device's PSKey. Provisioning names that key "PSKey:<MTCdID>" in the MTCs's credentials
    // (the MTCd's own is plain "PSKey"), so secret "PSKey" and identity_field "MTCdID" give
    // the name the attacker looks up. M2 is M1 unchanged, so the same recipe serves both.
    //
    // No recipe for MTCsMIC (M3, M4): its input has MTCdNonce and MTCdInfo, which live only in
    // the M1 of the run, so it cannot be computed from one message; a MacRecipe sees one.
    auto mtcd_mic = [](const Message& m, BytesView key) { return compute_mtcd_mic(key, m); };
    r.macs = {{M1, "MTCdMIC", "PSKey", "MTCdID", mtcd_mic},
              {M2, "MTCdMIC", "PSKey", "MTCdID", mtcd_mic}};
    // DMKey = KDF(PSKey; MTCdID, MTCsID, MTCdNonce, MTCsNonce, UEID) from the run's M1 and
    // its M4 (M3 without DMKey, on the clear PC5 link): the PSKey alone, compromised or
    // guessed, opens every DMKey a device ever made. No ephemeral secret enters it, so the
    // compromise strategy finds ProSe has no forward secrecy (the paper claims none).
    auto dmkey = [](const std::vector<const Message*>& msgs,
                    BytesView psk) -> Result<std::vector<SecretBytes>> {
        if (msgs.size() != 2 || msgs[0] == nullptr || msgs[1] == nullptr)
            return make_error("DMKey: needs the run's M1 and M4");
        if (psk.size() != kPSKeyLen) return make_error("DMKey: not a PSKey (16 bytes)");
        auto k = derive_dmkey(psk, *msgs[0], *msgs[1]);
        if (!k) return k.error();
        std::vector<SecretBytes> out;
        out.push_back(std::move(k).value());
        return out;
    };
    r.keys = {{"DMKey", {M1, M4}, dmkey}};
    // Key guessing (guess.cpp): M1's MTCdMIC is an off-line verifier for PSKey; forged M1s
    // put on-line guesses to the MTCs.
    r.guesses = {guess_recipe()};
    r.online_guesses = {online_guess_recipe()};
    return r;
}

}  // namespace

const ProtocolSpec& spec() {
    static const ProtocolSpec s = [] {
        ProtocolSpec p;
        p.name = "prose";
        p.title = "ProSe direct MTC device / UE key establishment";
        p.paper = "seeds/004_08a015ae7457536c.txt, sections IV-V";
        p.schema = &schema();
        p.roles = roles();
        p.variants = {
            {"as-specified", "exactly the paper: no nonce record, no UE identity binding"},
            {"hardened",
             "MTCs keeps MTCdNonces per MTCd and requires the TLS-authenticated UE to be "
             "M2's UEID"}};
        p.profiles = {{"default", "128-bit random PSKey per MTCd"},
                      {"weak-key", "PSKey derived from a 6-digit PIN with KBKDF"}};
        p.modes = {{"basic", "MTCd - UE - MTCs, 4 messages"},
                   {"extended", "MTCd - GW - UE - MTCs, 6 messages (section IV-C)"}};
        p.secure_links = {{"UE", "MTCs"}};
        p.claims = claims();
        p.provision = provision;
        p.recipes = recipes();
        return p;
    }();
    return s;
}

}  // namespace mtc::prose
