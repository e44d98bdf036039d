// The ProtocolSpecs of EPS-AKA and GAKA: roles, provisioning, the papers' claims and the
// attacker's recipes. README.md gives the reading each follows.
#include "protocols/gaka/spec.hpp"

#include <cstdio>

#include "protocols/gaka/primitives.hpp"
#include "protocols/gaka/roles.hpp"
#include "protocols/gaka/schema.hpp"

namespace mtc::gaka {
namespace {

constexpr int kMaxDevices = 100000;
constexpr int kMaxSns = 99;  // SNid names 001-01 .. 001-99

std::string inst(const std::string& role, int i) {
    return role + "#" + std::to_string(i);
}

// IMSI of device k: MCC 001, MNC 01 (the test PLMN), MSIN = k in 10 digits.
std::string imsi_of(int k) {
    char buf[24];  // 15 digits for k >= 0; room for any int, which GCC checks the format against
    std::snprintf(buf, sizeof buf, "00101%010d", k);
    return buf;
}

std::string sn_name(int s) {
    // s < kMaxSns: two digits. The buffer fits any int (GCC checks the format against it).
    char buf[16];
    std::snprintf(buf, sizeof buf, "001-%02d", s + 1);
    return buf;
}

std::string gid_of(int g) {
    return "group-" + std::to_string(g);
}

Result<int> count(const std::string& proto, const DeploymentOptions& o, const std::string& role,
                  int fallback, int min, int max) {
    auto it = o.instances.find(role);
    const int n = it == o.instances.end() ? fallback : it->second;
    if (n < min || n > max) {
        return make_error(proto + ": " + role + " instances must be between " +
                          std::to_string(min) + " and " + std::to_string(max) + " (got " +
                          std::to_string(n) + ")");
    }
    return n;
}

Status known_roles(const std::string& proto, const DeploymentOptions& o,
                   std::initializer_list<std::string_view> roles) {
    for (const auto& [role, n] : o.instances) {
        bool known = false;
        std::string list;
        for (std::string_view r : roles) {
            known = known || r == role;
            list += (list.empty() ? "" : ", ") + std::string(r);
        }
        if (!known) {
            return make_error(proto + ": unknown role '" + role + "' (roles: " + list + ")");
        }
    }
    return Ok{};
}

// The HN, and `n_sn` SNs each sharing a K_SH with it. Devices are added by the callers.
struct Core {
    InstancePlan hn;
    std::vector<InstancePlan> sns;
};

Core provision_core(int n_sn, Rng& rng) {
    Core c;
    c.hn.role = "HN";
    c.hn.instance = inst("HN", 0);
    c.hn.creds.identity = "hn-0";
    for (int s = 0; s < n_sn; ++s) {
        InstancePlan p;
        p.role = "SN";
        p.instance = inst("SN", s);
        p.creds.identity = sn_name(s);
        p.creds.attrs["SNid"] = sn_name(s);
        SecretBytes k_sh = rng.secret_bytes(kKeyLen);
        c.hn.creds.secrets["K_SH:" + sn_name(s)] = k_sh;
        p.creds.secrets["K_SH"] = std::move(k_sh);
        p.peers["HN"] = c.hn.instance;
        c.sns.push_back(std::move(p));
    }
    return c;
}

// Device k (IMSI k) with fresh K and OPc, known to the HN, attached through SN s.
InstancePlan device(const std::string& role, int index, int k, int s, Core& c, Rng& rng) {
    InstancePlan p;
    p.role = role;
    p.instance = inst(role, index);
    const std::string imsi = imsi_of(k);
    p.creds.identity = imsi;
    p.creds.attrs["SNid"] = sn_name(s);
    SecretBytes key = rng.secret_bytes(kKeyLen);
    SecretBytes opc = rng.secret_bytes(kKeyLen);
    c.hn.creds.secrets["K:" + imsi] = key;
    c.hn.creds.secrets["OPc:" + imsi] = opc;
    p.creds.secrets["K"] = std::move(key);
    p.creds.secrets["OPc"] = std::move(opc);
    p.peers["SN"] = inst("SN", s);
    return p;
}

Result<Deployment> provision_eps(const DeploymentOptions& o, Rng& rng) {
    const std::string proto = "eps-aka";
    if (Status s = known_roles(proto, o, {"HN", "SN", "device"}); !s) return s.error();
    auto n_hn = count(proto, o, "HN", 1, 1, 1);
    auto n_sn = count(proto, o, "SN", 1, 1, kMaxSns);
    auto n_dev = count(proto, o, "device", 1, 1, kMaxDevices);
    for (const auto* r : {&n_hn, &n_sn, &n_dev}) {
        if (!*r) return r->error();
    }
    Deployment d;
    d.options = o;
    Core c = provision_core(*n_sn, rng);
    std::vector<InstancePlan> devices;
    for (int i = 0; i < *n_dev; ++i) devices.push_back(device("device", i, i, i % *n_sn, c, rng));
    for (auto& p : devices) d.instances.push_back(std::move(p));
    for (auto& p : c.sns) d.instances.push_back(std::move(p));
    d.instances.push_back(std::move(c.hn));
    return d;
}

// Groups: one leader each (leader g leads group g); member j joins group j % groups. Leaders
// come first in the deployment so honest sessions start with them (the SN serves the first
// attach of a group with no vectors as the leader's full AKA).
Result<Deployment> provision_gaka(const DeploymentOptions& o, Rng& rng) {
    const std::string proto = "gaka";
    if (Status s = known_roles(proto, o, {"HN", "SN", "leader", "member"}); !s) return s.error();
    auto n_hn = count(proto, o, "HN", 1, 1, 1);
    auto n_sn = count(proto, o, "SN", 1, 1, kMaxSns);
    auto n_lead = count(proto, o, "leader", 1, 1, 256);
    auto n_mem = count(proto, o, "member", 1, 0, kMaxDevices);
    for (const auto* r : {&n_hn, &n_sn, &n_lead, &n_mem}) {
        if (!*r) return r->error();
    }
    Deployment d;
    d.options = o;
    Core c = provision_core(*n_sn, rng);
    std::vector<SecretBytes> k_g;
    std::vector<std::string> group_imsis(static_cast<std::size_t>(*n_lead));
    for (int g = 0; g < *n_lead; ++g) {
        k_g.push_back(rng.secret_bytes(kKeyLen));
        c.hn.creds.secrets["K_G:" + gid_of(g)] = k_g.back();
    }
    // Every device of a group attaches through the same SN (the group is in one region).
    auto join = [&](InstancePlan p, int g) {
        p.creds.attrs["GID"] = gid_of(g);
        p.creds.secrets["K_G"] = k_g[static_cast<std::size_t>(g)];
        std::string& list = group_imsis[static_cast<std::size_t>(g)];
        list += (list.empty() ? "" : ",") + p.creds.identity;
        d.instances.push_back(std::move(p));
    };
    int k = 0;
    for (int g = 0; g < *n_lead; ++g) join(device("leader", g, k++, g % *n_sn, c, rng), g);
    for (int j = 0; j < *n_mem; ++j) {
        const int g = j % *n_lead;
        join(device("member", j, k++, g % *n_sn, c, rng), g);
    }
    for (int g = 0; g < *n_lead; ++g) {
        c.hn.creds.attrs["group:" + gid_of(g)] = group_imsis[static_cast<std::size_t>(g)];
    }
    for (auto& p : c.sns) d.instances.push_back(std::move(p));
    d.instances.push_back(std::move(c.hn));
    return d;
}

constexpr const char* kTs33102 =
    "TS 33.102 6.3: \"the USIM ... verifies that AUTN can be accepted\" (MAC and SQN freshness)";

std::vector<NamedOption> hn_checks(bool group) {
    std::vector<NamedOption> v = {
        {"box", "the request's Box opens under the K_SH of the SNid it names"},
        {"auts", "a re-synchronisation's AUTS carries a MAC-S that verifies (TS 33.102 6.3.5)"},
    };
    if (group) v.push_back({"member", "IMSI_L is a member of the group GID names"});
    return v;
}

std::vector<NamedOption> sn_checks() {
    return {
        {"box",
         "the HN's Box answers the pending attach: its IMSI, GID, IMSI_L, SNid and parts agree "
         "(a Box that does not open under K_SH is always refused)"},
        {"session", "AuthResp / SyncFailure / AuthReject answer a pending challenge, once"},
        {"res", "RES equals XRES (TS 33.401 6.1.1)"},
    };
}

std::vector<NamedOption> device_checks(bool group) {
    std::vector<NamedOption> v = {
        {"mac", "AUTN's MAC-A equals f1_K(SQN, RAND, AMF) (TS 33.102 6.3.3)"},
        {"sqn", "the SQN is fresh (TS 33.102 Annex C.2: replayed, out of range or too old)"},
        {"amf", "AMF's separation bit is 1 (an E-UTRAN vector, TS 33.401 6.1.2)"},
    };
    if (group) v.push_back({"mac-g", "MAC_G verifies under GAK = KDF(K_G; GID, SNid, RAND_G)"});
    return v;
}

// The claims both protocols share, for device role `dev` ("device", "leader", "member").
void device_claims(std::vector<ClaimSpec>& out, const std::string& dev, const std::string& why) {
    out.push_back(
        {"agreement:SN->" + dev,
         "When a " + dev + " commits with an SN on RAND, that SN began a run with it on that RAND.",
         why, true});
    out.push_back({"injective:SN->" + dev,
                   "Every " + dev + " commit matches a distinct SN challenge: a replayed " +
                       (dev == "member" ? "GroupAuthReq" : "AuthReq") + " is not accepted.",
                   kTs33102, true});
    out.push_back(
        {"agreement:" + dev + "->SN",
         "When the SN commits with a " + dev + " on RAND, that " + dev + " answered that RAND.",
         "TS 33.401 6.1.1: the MME \"checks whether RES equals XRES\"", true});
    out.push_back({"injective:" + dev + "->SN",
                   "Every SN commit matches a distinct " + dev +
                       " answer: a replayed AuthResp is not accepted.",
                   "TS 33.401 6.1.1 (one vector per authentication)", true});
}

std::vector<ClaimSpec> common_claims() {
    return {
        {"secrecy:K_ASME",
         "The attacker never learns a K_ASME an honest device or SN committed to.",
         "TS 33.401 6.1.1 / A.2: K_ASME is derived from CK and IK, which never leave the USIM "
         "and the HN",
         true},
        {"freshness:K_ASME", "No two attaches commit the same K_ASME or RAND.",
         "TS 33.102 6.3.1: \"a fresh authentication vector\" per authentication", true},
        {"liveness:roles", "No role crashes, hangs or grows without bound under attack.",
         "implicit", true},
    };
}

std::vector<ClaimSpec> eps_claims() {
    std::vector<ClaimSpec> c = common_claims();
    device_claims(c, "device",
                  "TS 33.401 6.1.1: EPS AKA provides mutual authentication between the UE and "
                  "the network");
    return c;
}

std::vector<ClaimSpec> gaka_claims() {
    std::vector<ClaimSpec> c = common_claims();
    c.push_back({"no-contact:member->HN",
                 "In the honest runs members start, no message goes to or comes from the HN: "
                 "the SN authenticates every member with the group's vectors and GAK alone.",
                 "paper 002, 3.1: \"the SN is enabled to carry out mutual authentication with "
                 "remaining MTC devices of the group ... without intervention of the remote home "
                 "network\" (figure 7: \"Do not need obtain AVs and the GAK\")",
                 true});
    device_claims(c, "leader",
                  "paper 002, 3.1: \"We first select a leader MTC device of a group and perform a "
                  "full AKA authentication procedure\"");
    device_claims(c, "member",
                  "paper 002, 3.1: \"the SN is enabled to carry out mutual authentication with "
                  "remaining MTC devices of the group using obtained authentication vector and "
                  "GAK without intervention of the remote home network\"");
    return c;
}

std::vector<MessageFlow> eps_flows() {
    return {{AttachReq, "device", "SN"},  {AuthDataReq, "SN", "HN"},  {AuthDataResp, "HN", "SN"},
            {AuthReq, "SN", "device"},    {AuthResp, "device", "SN"}, {AuthReject, "device", "SN"},
            {SyncFailure, "device", "SN"}};
}

std::vector<MessageFlow> gaka_flows() {
    std::vector<MessageFlow> f = {
        {GroupAttachReq, "leader", "SN"}, {GroupAttachReq, "member", "SN"},
        {GroupAuthDataReq, "SN", "HN"},   {GroupAuthDataResp, "HN", "SN"},
        {AuthDataReq, "SN", "HN"},        {AuthDataResp, "HN", "SN"},
        {AuthReq, "SN", "leader"},        {GroupAuthReq, "SN", "member"}};
    for (const char* dev : {"leader", "member"}) {
        for (std::uint8_t t : {AuthResp, AuthReject, SyncFailure}) f.push_back({t, dev, "SN"});
    }
    return f;
}

const std::vector<NamedOption> kVariants = {
    {"as-specified",
     "exactly the reading of PROTOCOLS.md section 2 (the standards' checks; the papers add "
     "none that a variant could drop or harden)"}};
const std::vector<NamedOption> kProfiles = {
    {"default", "random 128-bit K, OPc, K_SH and K_G per device, SN and group"}};

}  // namespace

const ProtocolSpec& eps_aka_spec() {
    static const ProtocolSpec s = [] {
        ProtocolSpec p;
        p.name = "eps-aka";
        p.title = "EPS-AKA with MILENAGE (the GAKA paper's baseline)";
        p.paper =
            "seeds/002_4a9b6b51e24ae8db.txt section 3.1 (baseline); TS 33.401 6.1, "
            "TS 33.102 6.3, TS 35.206";
        p.schema = &eps_aka_schema();
        p.roles = {
            {"HN",
             "home network (HSS/AuC): K, OPc and SQN per subscriber; answers AuthDataReq",
             false,
             make_hn,
             false,
             {},
             hn_checks(false)},
            {"SN",
             "serving network (MME): relays the attach to the HN, challenges, checks RES",
             false,
             make_sn,
             true,
             {},
             sn_checks()},
            {"device",
             "UE with a MILENAGE USIM: AttachReq, checks AUTN, answers RES",
             true,
             make_eps_device,
             true,
             {},
             device_checks(false)},
        };
        p.variants = kVariants;
        p.profiles = kProfiles;
        p.modes = {{"basic", "HN, SN(s), devices; every device runs its own AKA"}};
        p.claims = eps_claims();
        p.provision = provision_eps;
        p.recipes.flows = eps_flows();
        return p;
    }();
    return s;
}

const ProtocolSpec& gaka_spec() {
    static const ProtocolSpec s = [] {
        ProtocolSpec p;
        p.name = "gaka";
        p.title = "GAKA group access authentication and key agreement for MTC";
        p.paper = "seeds/002_4a9b6b51e24ae8db.txt section 3.1, figures 6-9; seeds/001_*";
        p.schema = &gaka_schema();
        p.roles = {
            {"HN",
             "home network: answers GroupAuthDataReq with the group's vectors, GAK and RAND_G, "
             "and AuthDataReq (re-synchronisation)",
             false,
             make_hn,
             false,
             {},
             hn_checks(true)},
            {"SN",
             "serving network: fetches the group's vectors on the leader's attach, then "
             "challenges members with GroupAuthReq (MAC_G) without the HN",
             false,
             make_sn,
             true,
             {},
             sn_checks()},
            {"leader",
             "the group's first device: full AKA (AuthReq) on the group's behalf",
             true,
             make_gaka_device,
             true,
             {},
             device_checks(true)},
            {"member",
             "a group member: GroupAttachReq, checks MAC_G and AUTN of GroupAuthReq (no HN "
             "traffic)",
             true,
             make_gaka_device,
             true,
             {},
             device_checks(true)},
        };
        p.variants = kVariants;
        p.profiles = kProfiles;
        p.modes = {{"basic", "HN, SN(s), one leader per group and its members"}};
        p.claims = gaka_claims();
        p.provision = provision_gaka;
        p.recipes.flows = gaka_flows();
        return p;
    }();
    return s;
}

}  // namespace mtc::gaka
