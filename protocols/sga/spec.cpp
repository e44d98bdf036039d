// SGA's ProtocolSpec: roles, options, provisioning, the paper's claims and the attacker's recipes.
#include "protocols/sga/spec.hpp"

#include <cstdio>

#include "protocols/sga/guess.hpp"
#include "protocols/sga/role_util.hpp"
#include "protocols/sga/roles.hpp"
#include "protocols/sga/schema.hpp"

namespace mtc::sga {
namespace {

Result<int> count(const DeploymentOptions& o, const std::string& role, int fallback, int min,
                  int max) {
    auto it = o.instances.find(role);
    const int n = it == o.instances.end() ? fallback : it->second;
    if (n < min || n > max) {
        return make_error("sga: " + role + " instances must be between " + std::to_string(min) +
                          " and " + std::to_string(max) + " (got " + std::to_string(n) + ")");
    }
    return n;
}

// Server keys (two RSA-2048 pairs: E^G and F_G), one k_d per device (random, or from a 6-digit
// PIN in the weak-key profile) shared with the server, every device paired with the next.
Result<Deployment> provision(const DeploymentOptions& o, Rng& rng) {
    for (const auto& [role, n] : o.instances) {
        if (role != "SGA" && role != "Device") {
            return make_error("sga: unknown role '" + role + "' (roles: SGA, Device)");
        }
    }
    auto n_sga = count(o, "SGA", 1, 1, 1);
    if (!n_sga) return n_sga.error();
    auto n_dev = count(o, "Device", 2, 2, 100000);
    if (!n_dev) return n_dev.error();

    Deployment d;
    d.options = o;
    InstancePlan sga;
    sga.role = "SGA";
    sga.instance = "SGA#0";
    sga.creds.identity = "sga-0";
    std::map<std::string, std::string> pub;
    for (const auto& [priv_name, pub_name] : {std::pair{"PR", "PK"}, {"PR_F", "PK_F"}}) {
        auto key = RsaKey::generate(kRsaBits, rng);  // seeded provisioning: the same keys
        if (!key) return make_error("sga: RSA key generation: " + key.error().reason);
        auto pr = key->private_pem();
        auto pk = key->public_pem();
        if (!pr || !pk) return make_error("sga: RSA key export failed");
        sga.creds.secrets[priv_name] = to_secret(view(std::string_view(*pr)));
        pub[pub_name] = *pk;
        sga.creds.attrs[pub_name] = *pk;
    }
    std::vector<InstancePlan> devices;
    for (int k = 0; k < *n_dev; ++k) {
        InstancePlan p;
        p.role = "Device";
        p.instance = "Device#" + std::to_string(k);
        p.creds.identity = "dev-" + std::to_string(k);
        SecretBytes k_d;
        if (o.profile == "weak-key") {
            char pin[8];
            std::snprintf(pin, sizeof pin, "%06llu",
                          static_cast<unsigned long long>(rng.uniform(1'000'000)));
            auto kd = kd_from_pin(pin, view(p.creds.identity));
            if (!kd) return kd.error();
            k_d = std::move(kd).value();
            p.creds.secrets["PIN"] = to_secret(view(std::string_view(pin)));
            secure_wipe(pin, sizeof pin);
        } else {
            k_d = generate_kd(rng);
        }
        sga.creds.secrets["k_d:" + p.creds.identity] = k_d;
        p.creds.secrets["k_d"] = std::move(k_d);
        for (const auto& [name, pem] : pub) p.creds.attrs[name] = pem;
        p.creds.attrs["ID_G"] = sga.creds.identity;
        p.peers["SGA"] = sga.instance;
        p.peers["partner"] = "Device#" + std::to_string((k + 1) % *n_dev);
        sga.peers["dev" + std::to_string(k)] = p.instance;
        devices.push_back(std::move(p));
    }
    d.instances.push_back(std::move(sga));
    for (auto& p : devices) d.instances.push_back(std::move(p));
    return d;
}

std::vector<ClaimSpec> claims() {
    return {
        {"secrecy:kt",
         "The attacker never learns a kt_i the server committed with an honest d_i: kt_i is "
         "shared by d_i and the server only, and guards A4 and B1. The paper's relay claim "
         "(5.5) rests on it: a relaying adversary must not derive the keys of what it relays.",
         "\"Only if the adversary could derive the symmetric key, the adversary cannot know any "
         "message within them\" (section 5.5, relay attack); \"Adversaries can utilize a "
         "malicious smart device to hear any message transmitted between the GA and other smart "
         "devices\" (section 5.4)",
         true},
        {"secrecy:K", "The attacker never learns a K that d_i committed with an honest d_j.",
         "\"the smart device d_i will compute the secure E2E M2M Session key by the equation "
         "(N_j^R_s)^R_i = K_isj\" (section 4.4, B7); \"Only if the adversary could derive the "
         "symmetric key, the adversary cannot know any message within them\" (section 5.5)",
         true},
        {"secrecy:data",
         "The Data d_i sends an honest d_j stays private: the attacker learns neither the K "
         "(committed by d_i) that seals it nor the kt_i (committed by the server) that guards the "
         "key exchange it comes from.",
         "\"Messages are encrypted by using the negotiated symmetric key cryptographic function "
         "... the proposed SGA can easily prevent the data privacy attack\" (section 5.4)",
         true},
        {"agreement:Device->SGA",
         "When the server accepts (or commits kt_i) with a device on (phase, ID_di, ID_dj, cid "
         "[, N_A]) or on a key exchange, that device began that run with the server.",
         "\"CA of SGA server could verify the both smart devices d_i and d_j are legal or not\" "
         "(section 5.1)",
         true},
        {"injective:Device->SGA",
         "Every server acceptance of a device matches a distinct run of that device: a replayed "
         "A1 does not start a second negotiation.",
         "\"the proposed secure E2E M2M SGA could provide the mutual authentication mechanism in "
         "IoTs system\" (section 5.1); \"The adversary relays a message sent by the smart device "
         "to trick the SGA server\" (section 5.5)",
         true},
        {"agreement:Device->Device",
         "When a device commits K, accepts K or accepts Data with another device on (phase, "
         "ID_di, ID_dj, cid, session [, Seq]), that device began the same run with it (the relay "
         "claim).",
         "\"When both smart devices and SGA server execute the authentication procedures as "
         "described above, attackers engaging in relay attacks will be detected\" (section 5.5)",
         true},
        {"freshness:K",
         "No two runs commit the same key (K at d_i, kt_i at the server) or the same nonce.",
         "\"exchange session key produced according to distinct random numbers kept by the CA of "
         "the SGA server only for session s\" (section 5.5)",
         true},
        {"guess-resistance:k_d",
         "Captured traffic (and what an insider d_j is handed) gives no off-line test for a "
         "guess of a device's k_d, and every failed on-line guess is detected.",
         "\"the proposed schemes could effectually protect the off-line key guessing attack\" "
         "(section 5.2); \"the proposed schemes could resist the undetectable on-line key guessing "
         "attack\" (section 5.3). Not claimed for PIN-derived keys: checked for the weak-key "
         "profile.",
         false},
        {"liveness:roles", "No role crashes, hangs or grows without bound under attack.",
         "implicit: \"SGAs ... enable the performance, scalability and security needed for high "
         "scale M2M deployments\" (section 3)",
         true},
    };
}

std::optional<std::string> group_check(std::string_view v) {
    const auto gid = crypto::group_from_name(v);
    if (!gid) return std::string("group must be dh_2048_256 or dh_1024_160");
    if (named_group(*gid) == nullptr) return std::string("this OpenSSL lacks the group");
    return std::nullopt;
}

std::optional<std::string> cids_check(std::string_view v) {
    auto c = parse_cids(v);
    if (!c) return c.error().reason;
    return std::nullopt;
}

std::optional<std::string> positive(std::string_view v, std::int64_t max) {
    const auto x = parse_int(v);
    if (!x || *x < 1 || *x > max) return "an integer between 1 and " + std::to_string(max);
    return std::nullopt;
}

std::vector<NamedOption> server_checks() {
    return {
        {"reg-key",
         "Reg's k_d is the key provisioned for ID_d (weakened: any registrant's key is taken, "
         "also for unknown identities)"},
        {"id", "the identities inside A1 / A3 / B1 / B3 (and B1's clear ones) are the run's"},
        {"peer-distinct", "A1 names another device as d_j"},
        {"cid-common", "A1's cid is in CidSet_i and CidSet_j (A2)"},
        {"cid-match", "A3's cid and B1 / B3's Cid are the negotiated cid (A4)"},
        {"kex-mac", "B4: f_K_s(N) verifies with the recovered N and r"},
        {"kex-clear", "(hardened) B1 / B3's clear N and K_s are the recovered ones"},
        {"a1-mac", "(hardened) A1's MAC_A verifies under kt_i"},
        {"a1-fresh", "(hardened) A1's TS is within window_s of the server's clock"},
        {"a1-replay", "(hardened) A1's (ID_di, N_A) is not in the replay record, nor older"},
        {"data-run", "Data names the two devices of a key exchange this server completed"},
    };
}

std::vector<NamedOption> device_checks() {
    return {
        {"id",
         "RegAck / A2 / A4 / B2 / B6 / Data name this device, its server and the run's devices"},
        {"cid-own", "(d_j) A2's cid is in this device's CidSet"},
        {"cid-match", "A4 / B2 / Data carry the negotiated cid"},
        {"b2-session", "(d_j) B2's session id is the frame's"},
        {"b6-mac", "B7: f_K_s(ID_di, ID_dj, K_s, N^R_s) verifies"},
    };
}

std::vector<RoleSpec> roles() {
    return {
        {"SGA",
         "the SGA server with its CA module: registry (4.1), negotiation (A2, A4), key exchange "
         "(B2, B4-B6), message store and delivery (4.5)",
         false,
         make_server,
         false,
         {{"store_cap", "most messages the store holds (delivered ones are dropped first)", "4096",
           [](std::string_view v) { return positive(v, 1'000'000); }},
          {"window_s", "(hardened) A1 timestamps are accepted within this many seconds", "120",
           [](std::string_view v) { return positive(v, 86400); }}},
         server_checks()},
        {"Device",
         "a smart device: registers, starts a negotiation, key exchange and one Data with its "
         "partner (d_i), answers as d_j",
         true,
         make_device,
         true,
         {{"cids",
           "the device's CidSet in preference order (1 AES-128-GCM, 2 ChaCha20-Poly1305, "
           "3 AES-128-CCM, 4 AES-256-GCM); d_i proposes the first",
           std::string(kDefaultCids), cids_check}},
         device_checks()},
    };
}

const DlGroup* deployment_group(const Deployment& d) {
    return group_by_name(option_or(d.options.options, "group", kDefaultGroup));
}

Result<Bytes> share(const Deployment& d, BytesView exponent) {
    const DlGroup* G = deployment_group(d);
    if (G == nullptr) return make_error("sga share: unknown group");
    const BigNum x = G->mod_q(BigNum::from_bytes(exponent));
    if (x.is_zero()) return make_error("sga share: exponent is 0 mod q");
    return encode_element(*G, G->exp_g(x));
}

// K candidates of one run from its B6i and B6j and one exponent: (N_other^R_s)^x for each.
Result<std::vector<SecretBytes>> derive_k(const std::vector<const Message*>& msgs,
                                          BytesView exponent) {
    if (msgs.size() != 2 || msgs[0] == nullptr || msgs[1] == nullptr || msgs[0]->type != B6i ||
        msgs[1]->type != B6j) {
        return make_error("sga K: expects the B6i and the B6j of one run");
    }
    std::vector<SecretBytes> out;
    for (const Message* m : msgs) {
        const BytesView y = m->get_or_empty(NRs);
        for (crypto::GroupId gid : {crypto::GroupId::dh_2048_256, crypto::GroupId::dh_1024_160}) {
            const DlGroup* G = named_group(gid);
            if (G == nullptr || y.size() != G->element_bytes()) continue;
            const BigNum x = BigNum::from_bytes(exponent);
            out.push_back(session_key_material(*G, G->exp(BigNum::from_bytes(y), x)));
        }
    }
    if (out.empty()) return make_error("sga K: N^R_s fits no known group");
    return out;
}

Result<SecretBytes> open_b1_ks(const Message& m, BytesView kt) {
    auto req = open_kex(m, kt);
    if (!req) return req.error();
    return req->k_s;
}

// What the attacker engine may know of SGA (README.md, "Recipes"). No secure links: the paper
// protects every message itself.
AttackRecipes recipes() {
    AttackRecipes r;
    r.flows = {{Reg, "Device", "SGA"},  {RegAck, "SGA", "Device"}, {Reject, "SGA", "Device"},
               {A1, "Device", "SGA"},   {A2, "SGA", "Device"},     {A3, "Device", "SGA"},
               {A4, "SGA", "Device"},   {B1, "Device", "SGA"},     {B2, "SGA", "Device"},
               {B3, "Device", "SGA"},   {B6i, "SGA", "Device"},    {B6j, "SGA", "Device"},
               {Data, "Device", "SGA"}, {Data, "SGA", "Device"},   {DataAck, "Device", "SGA"}};
    r.shares = {{B6i, "N^R_s", share}, {B6j, "N^R_s", share}};
    r.keys = {{"K", {B6i, B6j}, derive_k}};
    // A2 is sealed under d_j's k_d ("k_d:<ID_dj>"); as-specified it opens to kt_i (learned as
    // "kt:<ID_dj>": the kt handed to that d_j), the key of the B1 that names the same ID_dj.
    r.seals = {
        {A2, "Ct", "k_d", "ID_dj", "kt",
         [](const Message& m, BytesView key) { return open_a2_kt(m, key); }},
        {B1, "Ct", "kt", "ID_dj", "K_s",
         [](const Message& m, BytesView key) { return open_b1_ks(m, key); }},
    };
    // Key guessing (guess.cpp): an insider that opened B1 holds E_{k_di}(N_i xor k_di) and N_i,
    // an off-line verifier for k_di; forged A1s put on-line guesses to the server.
    r.guesses = {guess_recipe()};
    r.online_guesses = {online_guess_recipe()};
    return r;
}

}  // namespace

const ProtocolSpec& spec() {
    static const ProtocolSpec s = [] {
        ProtocolSpec p;
        p.name = "sga";
        p.title = "SGA: security gateway application with negotiation, key exchange and delivery";
        p.paper = "seeds/003_155fb8f5bfd11c13.txt, sections 4 and 5";
        p.schema = &schema();
        p.roles = roles();
        p.variants = {
            {"as-specified",
             "exactly the paper: A2 hands d_j kt_i xor k_dj, A4 hands d_i kt_i xor kt_j; nothing "
             "fresh in A1 or B1; no AAD"},
            {"hardened",
             "A2 / A3 / A4 carry a server nonce instead of kt_i / kt_j; A1 carries N_A, TS and "
             "MAC_A under kt_i with a bounded replay record; every E^x binds type and session"}};
        p.profiles = {{"default", "128-bit random k_d per device"},
                      {"weak-key", "k_d derived from a 6-digit PIN with KBKDF (secret PIN too)"}};
        p.modes = {{"basic", "one SGA server, devices paired round-robin (4.3-4.5)"}};
        p.options = {{"group",
                      "the (p, q, g) group of N = g^R: dh_2048_256 (default) or dh_1024_160",
                      std::string(kDefaultGroup), group_check}};
        p.claims = claims();
        p.provision = provision;
        p.recipes = recipes();
        return p;
    }();
    return s;
}

}  // namespace mtc::sga
