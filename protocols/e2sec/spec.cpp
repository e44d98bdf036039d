// E2SEC's ProtocolSpec: roles, options, provisioning, the paper's claims and the attacker's
// recipes.
#include "protocols/e2sec/spec.hpp"

#include "protocols/e2sec/role_util.hpp"
#include "protocols/e2sec/roles.hpp"
#include "protocols/e2sec/schema.hpp"

namespace mtc::e2sec {
namespace {

std::string id(const char* prefix, int i) {
    return std::string(prefix) + "-" + std::to_string(i);
}
std::string inst(const char* role, int i) {
    return std::string(role) + "#" + std::to_string(i);
}

Result<int> count(const DeploymentOptions& o, const std::string& role, int fallback, int min,
                  int max) {
    auto it = o.instances.find(role);
    const int n = it == o.instances.end() ? fallback : it->second;
    if (n < min || n > max) {
        return make_error("e2sec: " + role + " instances must be between " + std::to_string(min) +
                          " and " + std::to_string(max) + " (got " + std::to_string(n) + ")");
    }
    return n;
}

std::string public_key(const DlGroup& G, const BigNum& v) {
    return to_hex(view(encode_element(G, v)));
}

// Key pairs in the deployment's group; CK_X per proxy stands for the AKA / NDS-IP key the
// delegation travels under; every proxy knows v_EPC and the keys of the peers it talks to.
Result<Deployment> provision(const DeploymentOptions& o, Rng& rng) {
    for (const auto& [role, n] : o.instances) {
        if (role != "EPC" && role != "MTCD" && role != "MTCS") {
            return make_error("e2sec: unknown role '" + role + "' (roles: EPC, MTCD, MTCS)");
        }
    }
    auto n_epc = count(o, "EPC", 1, 1, 1);
    auto n_mtcd = count(o, "MTCD", 1, 1, 100000);
    auto n_mtcs = count(o, "MTCS", 1, 1, 100000);
    for (const auto* r : {&n_epc, &n_mtcd, &n_mtcs}) {
        if (!*r) return r->error();
    }
    const std::string grp = option_or(o.options, "group", kDefaultGroup);
    const DlGroup* G = group_by_name(grp);
    if (G == nullptr) return make_error("e2sec: unknown or unavailable group '" + grp + "'");

    Deployment d;
    d.options = o;
    InstancePlan epc;
    epc.role = "EPC";
    epc.instance = inst("EPC", 0);
    epc.creds.identity = id("epc", 0);
    const KeyPair epc_key = generate_keypair(*G, rng);
    Bytes epc_x = encode_scalar(*G, epc_key.x);
    epc.creds.secrets["x"] = to_secret(view(epc_x));
    secure_wipe(epc_x.data(), epc_x.size());

    auto proxy = [&](const char* role, const char* prefix, int i) {
        InstancePlan p;
        p.role = role;
        p.instance = inst(role, i);
        p.creds.identity = id(prefix, i);
        const KeyPair kp = generate_keypair(*G, rng);
        Bytes x = encode_scalar(*G, kp.x);
        p.creds.secrets["x"] = to_secret(view(x));
        secure_wipe(x.data(), x.size());
        SecretBytes ck = rng.secret_bytes(kCKLen);
        epc.creds.secrets["CK:" + p.creds.identity] = ck;
        p.creds.secrets["CK"] = std::move(ck);
        p.creds.attrs["ID_EPC"] = epc.creds.identity;
        p.creds.attrs["v_EPC"] = public_key(*G, epc_key.v);
        p.creds.attrs["v"] = public_key(*G, kp.v);
        p.peers["EPC"] = epc.instance;
        return p;
    };
    std::vector<InstancePlan> mtcs;
    for (int s = 0; s < *n_mtcs; ++s) mtcs.push_back(proxy("MTCS", "mtcs", s));
    std::vector<InstancePlan> mtcd;
    for (int i = 0; i < *n_mtcd; ++i) {
        InstancePlan p = proxy("MTCD", "mtcd", i);
        // MTCD i is served by MTCS i mod n; each knows the other's public key.
        InstancePlan& server = mtcs[static_cast<std::size_t>(i % *n_mtcs)];
        p.creds.attrs["v:" + server.creds.identity] = server.creds.attrs.at("v");
        server.creds.attrs["v:" + p.creds.identity] = p.creds.attrs.at("v");
        p.peers["MTCS"] = server.instance;
        server.peers["MTCD" + std::to_string(i / *n_mtcs)] = p.instance;
        mtcd.push_back(std::move(p));
    }
    d.instances.push_back(std::move(epc));
    for (auto& p : mtcd) d.instances.push_back(std::move(p));
    for (auto& p : mtcs) d.instances.push_back(std::move(p));
    return d;
}

std::vector<ClaimSpec> claims() {
    return {
        {"secrecy:SK", "The attacker never learns an SK that an honest MTCD or MTCS committed to.",
         "\"the session key SK between them can be derived by Diffie-Hellmen (DH) key agreement\" "
         "(section 3.5, eq. 15); \"RESULT not attacker_p1 (s[ ]) is true. It manifests that the "
         "secrecy of SK and KFS/KBS hold\" (section 4.2)",
         true},
        {"forward-secrecy:SK",
         "After x_MTCD, x_MTCS, every CK and the delegations (sigma) are compromised, the SKs "
         "committed earlier stay secret: no long-term or delegation secret yields them.",
         "\"our proposed E2SEC scheme adopts the DH key exchange ... they can guarantee the "
         "freshness of the DH session key\" and \"can provide KFS and KBS\" (section 4.1, \"key "
         "forward/backward secrecy\")",
         true},
        {"agreement:MTCS->MTCD",
         "When an MTCD accepts or commits with an MTCS on (ID_MTCS, ID_MTCD, gA), that MTCS began "
         "a run with that MTCD on the same values.",
         "\"the MTCD can verify (i) the MTCS has been authenticated by the EPC ... and (ii) it has "
         "performed a correct authentication with the MTCS that wants to communicate with it\" "
         "(section 3.5, step 2)",
         true},
        {"injective:MTCS->MTCD",
         "Every MTCD accept (and commit) of an MTCS matches a distinct MTCS run: a captured S1 "
         "cannot be accepted twice.",
         "\"if the adversary A forges and/or modifies the authentication messages, all the "
         "malicious operations could be detected\" and A can \"replay the authentication "
         "messages\" (section 2.2, \"Entity Mutual Authentication\")",
         true},
        {"agreement:MTCD->MTCS",
         "When an MTCS accepts or commits with an MTCD on (ID_MTCS, ID_MTCD, gA, gB), that MTCD "
         "began a run with that MTCS on the same values.",
         "\"the MTCS can verify (i) the corresponding MTCD has been authenticated by the EPC ... "
         "and (ii) it has performed a correct authentication with the MTCD that it wants to "
         "communicate with\" (section 3.5, step 4)",
         true},
        {"injective:MTCD->MTCS", "Every MTCS accept of an MTCD matches a distinct MTCD run.",
         "\"event (termMTCS(spkey)) ==> event(acceptsMTCD(spkey))\" (section 4.2) and the "
         "replaying adversary of section 2.2",
         true},
        {"freshness:SK", "No two runs commit the same SK.",
         "\"Because the DH secret keys are generated by the random values of the MTCS and MTCD, "
         "they can guarantee the freshness of the DH session key\" (section 4.1)",
         true},
        {"liveness:roles", "No role crashes, hangs or grows without bound under attack.",
         "implicit: \"It can also prevent various security threats\" (section 6)", true},
    };
}

std::optional<std::string> signature_check(std::string_view v) {
    if (variant_from_name(v)) return std::nullopt;
    return std::string("signature must be elgamal, schnorr or dsa (section 5.2)");
}

std::optional<std::string> group_check(std::string_view v) {
    const auto gid = crypto::group_from_name(v);
    if (!gid) return std::string("group must be dh_2048_256 or dh_1024_160");
    if (named_group(*gid) == nullptr) return std::string("this OpenSSL lacks the group");
    return std::nullopt;
}

std::optional<std::string> ttl_check(std::string_view v) {
    const auto x = parse_int(v);
    if (!x || *x < 0 || *x > 10LL * 365 * 86400) {
        return std::string("seconds between 0 and 315360000 expected");
    }
    return std::nullopt;
}

// Checks a test build may switch off one by one (Env::weakened). Not listed, because the role
// cannot go on without them: a missing field, an unknown sig_alg, another group, a non-canonical
// length, a signer without a known public key, a Delegation that does not open under CK, an
// unknown session.
std::vector<NamedOption> signed_checks() {
    return {
        {"sig-alg", "sig_alg is the configured signature (weakened: any of the three is taken)"},
        {"r-form", "only the variant's r is present (weakened: the other one is ignored)"},
        {"id", "the message names this role and the expected peer"},
        {"warrant-delegator", "the peer's warrant names ID_EPC as the delegator"},
        {"warrant-proxy", "the peer's warrant names the signer as the proxy"},
        {"warrant-expiry", "the peer's warrant has not expired (now <= T_valid)"},
        {"subgroup",
         "the DH share, K and r (E-ElGamal / E-Schnorr) are in the order-q subgroup (K and r are "
         "checked again inside the signature check)"},
        {"r-range", "(E-DSA) 0 < r_q < q (checked again inside the signature check)"},
        {"s-range", "0 < s < q (checked again inside the signature check)"},
        {"h-recompute", "the transmitted h equals the recomputed hash"},
        {"signature", "the proxy-signature equation holds (eq. 9 / 14, section 5.2)"},
        {"delegation-request",
         "a Delegation answers this proxy's pending DelegationReq (session, N_req, ID_X)"},
        {"delegation-warrant",
         "the delegation's warrant names ID_EPC, this proxy, and has not expired (eq. 2 / 4)"},
        {"delegation-equation",
         "g^sigma == v_EPC^e K (eq. 2 / 4) and the proxy relation (eq. 8 / 13) hold"},
    };
}

std::vector<NamedOption> mtcd_checks() {
    auto v = signed_checks();
    v.push_back(
        {"challenge",
         "(hardened) S1 answers this session's pending challenge, once, and signs its N_D"});
    v.push_back(
        {"session", "(hardened) Confirm answers a run awaiting it, not one already completed"});
    v.push_back({"confirm", "(hardened) MAC_S verifies under the key confirmation key"});
    return v;
}

std::vector<NamedOption> mtcs_checks() {
    auto v = signed_checks();
    v.push_back({"session", "D1 answers a run that sent S1, not one already completed"});
    return v;
}

std::vector<RoleSpec> roles() {
    return {
        {"EPC",
         "core network, the original signer: answers DelegationReq with (sigma, m, K) (eq. 1 / 3) "
         "sealed under the proxy's CK",
         false,
         make_epc,
         false,
         {{"warrant_ttl_s", "T_valid = now + this many seconds", "86400", ttl_check}},
         {}},
        {"MTCD",
         "MTC device: checks S1 (eq. 8-9), answers D1 (eq. 10-12), derives SK (eq. 15)",
         false,
         make_mtcd,
         true,
         {},
         mtcd_checks()},
        {"MTCS",
         "MTC server, the initiator: sends S1 (eq. 5-7), checks D1 (eq. 13-14), derives SK",
         true,
         make_mtcs,
         true,
         {},
         mtcs_checks()},
    };
}

// SK candidates of one run from its S1, its D1 and one exponent (README.md, "Recipes").
Result<std::vector<SecretBytes>> derive_sk(const std::vector<const Message*>& msgs,
                                           BytesView exponent) {
    if (msgs.size() != 2 || msgs[0] == nullptr || msgs[1] == nullptr || msgs[0]->type != S1 ||
        msgs[1]->type != D1) {
        return make_error("e2sec SK: expects the S1 and the D1 of one run");
    }
    const Message& s1 = *msgs[0];
    const Message& d1 = *msgs[1];
    for (const auto& [m, tag] :
         {std::pair{&s1, gA}, {&d1, gB}, {&s1, Group}, {&d1, ID_MTCD}, {&d1, ID_MTCS}}) {
        if (!m->has(tag)) return make_error("e2sec SK: a field of S1 / D1 is missing");
    }
    const BytesView grp = s1.get_or_empty(Group);
    const DlGroup* G = grp.size() == 1 && (grp[0] == 1 || grp[0] == 2)
                           ? named_group(static_cast<crypto::GroupId>(grp[0]))
                           : nullptr;
    if (G == nullptr) return make_error("e2sec SK: S1 names no known group");
    const BigNum x = BigNum::from_bytes(exponent);
    std::vector<SecretBytes> out;
    for (std::uint8_t side : {gB, gA}) {
        const Message& m = side == gB ? d1 : s1;
        const SecretBytes z =
            encode_shared_secret(*G, G->exp(BigNum::from_bytes(m.get_or_empty(side)), x));
        out.push_back(session_key(view(z), s1.get_or_empty(gA), d1.get_or_empty(gB),
                                  d1.get_or_empty(ID_MTCD), d1.get_or_empty(ID_MTCS)));
        // The MTCD keys its SK with S1's identities; they differ from D1's only when tampered.
        if (!equal_ct(s1.get_or_empty(ID_MTCD), d1.get_or_empty(ID_MTCD)) ||
            !equal_ct(s1.get_or_empty(ID_MTCS), d1.get_or_empty(ID_MTCS))) {
            out.push_back(session_key(view(z), s1.get_or_empty(gA), d1.get_or_empty(gB),
                                      s1.get_or_empty(ID_MTCD), s1.get_or_empty(ID_MTCS)));
        }
    }
    return out;
}

Result<Bytes> share(const Deployment& d, BytesView exponent) {
    const std::string grp = option_or(d.options.options, "group", kDefaultGroup);
    const DlGroup* G = group_by_name(grp);
    if (G == nullptr) return make_error("e2sec share: unknown group '" + grp + "'");
    const BigNum x = G->mod_q(BigNum::from_bytes(exponent));
    if (x.is_zero()) return make_error("e2sec share: exponent is 0 mod q");
    return encode_element(*G, G->exp_g(x));
}

// What the attacker engine may know of E2SEC (DESIGN.md, "ProtocolSpec"). No secure links: the
// paper's delegation channel is modelled by the AEAD under CK, everything else is in the clear.
AttackRecipes recipes() {
    AttackRecipes r;
    r.flows = {
        {DelegationReq, "MTCS", "EPC"}, {DelegationReq, "MTCD", "EPC"}, {Delegation, "EPC", "MTCS"},
        {Delegation, "EPC", "MTCD"},    {Trigger, "MTCS", "MTCD"},      {Challenge, "MTCD", "MTCS"},
        {S1, "MTCS", "MTCD"},           {D1, "MTCD", "MTCS"},           {Confirm, "MTCS", "MTCD"}};
    r.shares = {{S1, "gA", share}, {D1, "gB", share}};
    r.keys = {{"SK", {S1, D1}, derive_sk}};
    // The EPC names CK_X "CK:<ID_X>"; opening yields sigma, learned as "sigma:<ID_X>".
    r.seals = {{Delegation, "EncSigma", "CK", "ID_X", "sigma",
                [](const Message& m, BytesView key) { return open_sigma(m, key); }}};
    return r;
}

}  // namespace

const ProtocolSpec& spec() {
    static const ProtocolSpec s = [] {
        ProtocolSpec p;
        p.name = "e2sec";
        p.title = "E2SEC proxy-signature end-to-end AKA between MTC device and MTC server";
        p.paper = "seeds/000_91913a6170d28aa8.txt, sections 3.3-3.5, 4 and 5.2";
        p.schema = &schema();
        p.roles = roles();
        p.variants = {
            {"as-specified",
             "exactly the paper: S1, D1; the MTCD commits as it sends D1 (no challenge, no key "
             "confirmation)"},
            {"hardened",
             "Trigger / Challenge: the MTCD's fresh N_D is signed into S1; the MTCS confirms SK "
             "with MAC_S and the MTCD commits only then"}};
        p.profiles = {{"default", "random long-term keys in the chosen group, 128-bit CK"}};
        p.modes = {{"basic", "EPC, MTCD(s), MTCS(s); the MTCS initiates (section 3.5)"}};
        p.options = {
            {"signature",
             "proxy-signature equation (section 5.2): elgamal (E-ElGamal, eq. 6-7), schnorr "
             "(E-Schnorr) or dsa (E-DSA)",
             std::string(kDefaultSignature), signature_check},
            {"group",
             "the (p, q, g) group: dh_2048_256 (RFC 5114 2.3) or dh_1024_160 (RFC 5114 2.1, the "
             "paper's 1024-bit setting)",
             std::string(kDefaultGroup), group_check},
        };
        p.claims = claims();
        p.provision = provision;
        p.recipes = recipes();
        return p;
    }();
    return s;
}

}  // namespace mtc::e2sec
