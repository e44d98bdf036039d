// SGA roles: honest runs (both variants, both profiles, several devices), registration, the
// message store surviving a server restart, every check rejected with its reason and let
// through when weakened, the paper's insider (A2 opens kt_i) and replay (A1) gaps and their
// hardened fixes, the recipes, and random input.
#include <functional>

#include "protocols/core/codec.hpp"
#include "protocols/core/registry.hpp"
#include "protocols/core/simulation.hpp"
#include "tests/unit/sga_fixture.hpp"

namespace mtc::test {
namespace {

// OAEP's random seed, fixed: these tests look at what is encrypted, not at its randomness.
const Bytes kOaepTestSeed(crypto::kOaepSeedLen, 0x33);

using namespace mtc::sga;
using ::testing::HasSubstr;

SgaOptions with(const std::string& variant, const std::string& profile = "default") {
    SgaOptions o;
    o.variant = variant;
    o.profile = profile;
    return o;
}
SgaOptions hardened() {
    return with("hardened");
}

// ---- Spec ------------------------------------------------------------------------------------

TEST(SgaSpec, RegisteredWithClaimsAndRecipes) {
    EXPECT_EQ(validate_schema(sga::schema()), std::nullopt);
    EXPECT_EQ(find_protocol("sga"), &sga::spec());
    EXPECT_EQ(find_protocol(kProtocolId), &sga::spec());
    for (const char* c : {"secrecy:kt", "secrecy:K", "secrecy:data", "agreement:Device->SGA",
                          "injective:Device->SGA", "agreement:Device->Device", "freshness:K",
                          "guess-resistance:k_d", "liveness:roles"}) {
        bool found = false;
        for (const auto& claim : sga::spec().claims) found = found || claim.id == c;
        EXPECT_TRUE(found) << c;
    }
    for (const auto& m : sga::schema().messages) {
        EXPECT_NE(sga::spec().recipes.flow(m.type), nullptr) << m.name;
    }
}

TEST(SgaSpec, OptionsSettingsAndProvisioning) {
    const ProtocolSpec& p = sga::spec();
    DeploymentOptions o;
    EXPECT_TRUE(p.validate(o).ok());
    o.options = {{"group", "dh_4096"}};
    EXPECT_FALSE(p.validate(o).ok());
    o.options = {};
    o.settings = {{"Device", {{"cids", "1,5"}}}};
    EXPECT_FALSE(p.validate(o).ok());
    o.settings = {{"Device", {{"cids", "2,2"}}}};
    EXPECT_FALSE(p.validate(o).ok());
    o.settings = {{"Device", {{"cids", "4,2"}}}, {"SGA", {{"store_cap", "10"}}}};
    EXPECT_TRUE(p.validate(o).ok());
    o.settings = {{"SGA", {{"store_cap", "0"}}}};
    EXPECT_FALSE(p.validate(o).ok());

    SeededRng rng(1, "provision");
    o.settings = {};
    o.instances = {{"SGA", 2}};
    EXPECT_FALSE(p.provision(o, rng).ok());
    o.instances = {{"Device", 1}};
    EXPECT_FALSE(p.provision(o, rng).ok());
    o.instances = {{"Eve", 1}};
    EXPECT_FALSE(p.provision(o, rng).ok());
    const Deployment& d = sga_cached_deployment("weak-key", 3);
    const InstancePlan* sga = d.find("SGA#0");
    ASSERT_NE(sga, nullptr);
    EXPECT_EQ(sga->creds.identity, "sga-0");
    EXPECT_TRUE(sga->creds.secrets.count("PR") && sga->creds.secrets.count("PR_F"));
    EXPECT_TRUE(sga->creds.secrets.count("k_d:dev-2"));
    EXPECT_EQ(sga->peers.at("dev1"), "Device#1");
    const InstancePlan* d2 = d.find("Device#2");
    EXPECT_EQ(d2->peers.at("partner"), "Device#0");
    EXPECT_EQ(d2->creds.secrets.at("PIN").size(), 6u);
    EXPECT_EQ(kd_from_pin(to_string(view(d2->creds.secrets.at("PIN"))), view(std::string("dev-2")))
                  .value(),
              d2->creds.secrets.at("k_d"));
    EXPECT_EQ(sga->creds.secrets.at("k_d:dev-2"), d2->creds.secrets.at("k_d"));
    EXPECT_TRUE(d2->creds.attrs.count("PK") && d2->creds.attrs.count("PK_F"));
}

// ---- Honest runs -----------------------------------------------------------------------------

SimulationOptions sim(const std::string& variant, const std::string& profile, std::size_t n,
                      int devices = 2, const std::string& grp = "dh_1024_160") {
    SimulationOptions o;
    o.deployment.variant = variant;
    o.deployment.profile = profile;
    o.deployment.options = {{"group", grp}};
    o.deployment.instances = {{"Device", devices}};
    o.sessions = n;
    o.seed = 7;
    return o;
}

TEST(SgaSimulation, BothVariantsAndProfilesCommitOneKeyPerRun) {
    for (const char* variant : {"as-specified", "hardened"}) {
        for (const char* profile : {"default", "weak-key"}) {
            auto r = simulate(sga::spec(), sim(variant, profile, 4, 3));
            ASSERT_TRUE(r.ok()) << r.error().describe();
            EXPECT_TRUE(r->all_committed(sga::spec())) << variant << " " << profile;
            EXPECT_EQ(r->sessions_key_agreed, 4u);
            EXPECT_EQ(r->roles.at("Device").commits, 4u);
            EXPECT_EQ(r->roles.at("Device").rejects, 0u);
            EXPECT_EQ(r->roles.at("SGA").commits, 4u);  // kt_i, under the negotiation id
        }
    }
    auto r = simulate(sga::spec(), sim("hardened", "default", 1, 2, "dh_2048_256"));
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_TRUE(r->all_committed(sga::spec()));
}

TEST(SgaHonest, EventsAgreeAcrossRolesAndDataIsDelivered) {
    for (const char* variant : {"as-specified", "hardened"}) {
        SgaWorld w(with(variant));
        w.run();
        EXPECT_EQ(w.total(EventKind::reject) + w.total(EventKind::error), 0u)
            << w.last_reject("SGA#0") << " / " << w.last_reject("Device#0") << " / "
            << w.last_reject("Device#1");
        auto ci = w.events("Device#0", EventKind::commit);
        ASSERT_EQ(ci.size(), 1u) << variant;
        EXPECT_EQ(ci[0].peer, "dev-1");
        EXPECT_EQ(ci[0].params.at("phase"), "key-exchange");
        // d_j accepts K and the Data on the same params; the server's kt commit is d_i's A1.
        auto aj = w.events("Device#1", EventKind::accept);
        ASSERT_EQ(aj.size(), 2u);
        // Commits also name what their key stands for, for the claim checker.
        EXPECT_EQ(ci[0].params.at("key"), "K,data");
        auto same = [](EventEmitter::Params p) {
            p.erase("key");
            return p;
        };
        EXPECT_EQ(aj[0].params, same(ci[0].params));
        EXPECT_EQ(aj[0].session, ci[0].session);
        EXPECT_EQ(aj[1].params.at("phase"), "data");
        auto cs = w.events("SGA#0", EventKind::commit);
        ASSERT_EQ(cs.size(), 1u);
        EXPECT_EQ(cs[0].session, negotiation_session(ci[0].session));
        EXPECT_EQ(cs[0].peer, "dev-0");
        auto bi = w.events("Device#0", EventKind::begin);
        ASSERT_EQ(bi.size(), 4u);  // A1 (server), B1 (server, d_j), Data (d_j)
        EXPECT_EQ(cs[0].params.at("key"), "kt,data");
        EXPECT_EQ(bi[0].params, same(cs[0].params));
        EXPECT_EQ(bi[0].params.count("N_A"), std::string(variant) == "hardened" ? 1u : 0u);
        EXPECT_EQ(w.count("SGA#0", EventKind::accept), 4u);  // A1, A3, B1, B3
        // Both devices registered (d_j when prompted); the store holds the Data, delivered.
        EXPECT_EQ(w.sent(Reg).size(), 2u);
        EXPECT_EQ(w.sent(DataAck).size(), 1u);
        auto keys = w.storage.at("SGA#0")->keys().value();
        std::size_t msgs = 0;
        for (const auto& k : keys) {
            if (k.rfind("msg-", 0) != 0) continue;
            ++msgs;
            EXPECT_TRUE(
                decode_stored(view(*w.storage.at("SGA#0")->get(k).value())).value().delivered);
        }
        EXPECT_EQ(msgs, 1u);
        // A second run registers nobody again.
        w.run("Device#1");
        EXPECT_EQ(w.sent(Reg).size(), 2u);
        EXPECT_EQ(w.count("Device#1", EventKind::commit), 1u);
        EXPECT_EQ(w.total(EventKind::reject), 0u) << w.last_reject("SGA#0");
    }
}

TEST(SgaHonest, EveryMessageEncodesUnderTheSchemaAndEventsCarryNoSecrets) {
    for (const char* variant : {"as-specified", "hardened"}) {
        SgaWorld w(with(variant, "weak-key"));
        w.run();
        std::set<std::uint8_t> types;
        for (const auto& s : w.log) {
            auto enc = encode(sga::schema(), s.msg);
            ASSERT_TRUE(enc.ok()) << sga::msg_name(s.msg.type) << ": " << enc.error().describe();
            EXPECT_EQ(decode(sga::schema(), view(*enc)).value(), s.msg);
            types.insert(s.msg.type);
        }
        EXPECT_EQ(types.size(), 13u);  // all but Reject
        std::vector<std::string> secrets;
        for (const auto& plan : w.d.instances) {
            for (const auto& [name, value] : plan.creds.secrets) {
                secrets.push_back(to_hex(view(value)));
                secrets.push_back(to_string(view(value)));
            }
        }
        secrets.push_back(to_hex(view(w.kt_of_a1(w.sent(A1).at(0)))));
        for (const auto& e : w.sink.events) {
            const std::string line = to_json_line(e);
            for (const auto& s : secrets) EXPECT_EQ(line.find(s), std::string::npos) << line;
        }
    }
}

TEST(SgaHonest, ManyDevicesEachRunWithTheirPartner) {
    SgaOptions o;
    o.devices = 4;
    SgaWorld w(o);
    for (int k = 0; k < 4; ++k) w.run("Device#" + std::to_string(k));
    for (int k = 0; k < 4; ++k) {
        const std::string dev = "Device#" + std::to_string(k);
        EXPECT_EQ(w.count(dev, EventKind::commit), 1u) << dev;
        EXPECT_EQ(w.count(dev, EventKind::accept), 2u) << dev;
    }
    EXPECT_EQ(w.total(EventKind::reject), 0u) << w.last_reject("SGA#0");
}

// ---- Registration and the store ----------------------------------------------------------------

TEST(SgaRegistration, DevicesAndServerRememberAcrossRestarts) {
    SgaWorld w;
    w.run();
    w.restart("Device#0");
    w.restart("SGA#0");
    w.run();
    EXPECT_EQ(w.sent(Reg).size(), 2u);  // no new registration after the restarts
    EXPECT_EQ(w.count("Device#0", EventKind::commit), 2u);
    EXPECT_EQ(w.total(EventKind::reject), 0u) << w.last_reject("SGA#0");
}

// A Reg for dev-0 under another k_d: refused, and taken when "reg-key" is weakened.
Message reg_with(const SgaWorld& w, const std::string& id, const SecretBytes& k_d) {
    SeededRng rng(5, "reg");
    const RsaKey pk = RsaKey::from_public_pem(w.plan("Device#0").creds.attrs.at("PK")).value();
    Message m = make_msg(Reg, 77);
    m.set(EncKd, eg_encrypt(pk, view(RegKeyPlain{k_d}.encode()), view(kOaepTestSeed)).value());
    m.set(RegCid, Bytes{1});
    m.set(EncId, sym_seal(CipherId::aes_128_gcm, view(k_d), {},
                          view(RegIdPlain{to_bytes(id)}.encode()), rng)
                     .value());
    m.set(CidSet, Bytes{1, 2});
    return m;
}

using Scenario = std::function<void(SgaWorld&)>;

// `f` feeds the bad input to `instance` as its last step; the normal role rejects with
// `reason`, the role weakened in `checks` does not (and takes the input, or rejects later with
// `weak_reason`).
void expect_check(SgaOptions o, const std::string& instance, const std::set<std::string>& checks,
                  const std::string& reason, const Scenario& f,
                  const std::string& weak_reason = "") {
    SgaWorld normal(o);
    f(normal);
    EXPECT_THAT(normal.last_reject(instance), HasSubstr(reason));
    EXPECT_EQ(normal.count(instance, EventKind::reject), 1u) << normal.last_reject(instance);
    if (!weakening_enabled() || checks.empty()) return;
    o.weakened[instance] = checks;
    SgaWorld weak(o);
    f(weak);
    for (const auto& e : weak.events(instance, EventKind::reject)) {
        EXPECT_THAT(e.reason.value_or(""), ::testing::Not(HasSubstr(reason)));
    }
    if (weak_reason.empty()) {
        EXPECT_EQ(weak.count(instance, EventKind::reject), 0u) << weak.last_reject(instance);
    } else {
        EXPECT_THAT(weak.last_reject(instance), HasSubstr(weak_reason));
    }
}

TEST(SgaRegistration, RegKeyMustBeTheProvisionedOne) {
    expect_check({}, "SGA#0", {"reg-key"}, "Reg k_d is not the key provisioned for ID_d",
                 [](SgaWorld& w) {
                     auto out = w.deliver("SGA#0", reg_with(w, "dev-0", SecretBytes(16, 9)), "x");
                     ASSERT_EQ(out.size(), 1u);
                     EXPECT_EQ(out[0].msg.get_or_empty(StatusCode)[0],
                               weakening_enabled() && w.count("SGA#0", EventKind::reject) == 0
                                   ? kAccepted
                                   : kRegRejected);
                 });
    expect_check({}, "SGA#0", {"reg-key"}, "Reg names an unknown device", [](SgaWorld& w) {
        w.deliver("SGA#0", reg_with(w, "dev-77", SecretBytes(16, 9)), "x");
    });
    expect_check({}, "SGA#0", {}, "Reg E_PK(k_d) does not decrypt", [](SgaWorld& w) {
        Message m = reg_with(w, "dev-0", w.secret("Device#0", "k_d"));
        Bytes c = to_bytes(m.get_or_empty(EncKd));
        c[5] ^= 1;
        m.set(EncKd, c);
        w.deliver("SGA#0", m, "x");
    });
}

// Runs until the server is about to forward d_i's Data to d_j.
Message data_to_dj(SgaWorld& w) {
    return w.until(Data, "Device#0", "SGA#0");
}

TEST(SgaStore, DataIsStoredBeforeForwardAndSurvivesARestart) {
    for (const char* variant : {"as-specified", "hardened"}) {
        SgaWorld w(with(variant));
        const Message fwd = data_to_dj(w);
        // Stored (undelivered) before it left the server.
        auto keys = w.storage.at("SGA#0")->keys().value();
        std::vector<std::string> msgs;
        for (const auto& k : keys) {
            if (k.rfind("msg-", 0) == 0) msgs.push_back(k);
        }
        ASSERT_EQ(msgs.size(), 1u);
        EXPECT_FALSE(
            decode_stored(view(*w.storage.at("SGA#0")->get(msgs[0]).value())).value().delivered);
        // The server restarts; the forwarded copy is lost on the way.
        w.restart("SGA#0");
        EXPECT_EQ(w.count("Device#1", EventKind::accept), 1u);  // K only, no Data yet
        // d_j contacts the server (it starts a run of its own): the store re-sends the Data.
        w.run("Device#1");
        EXPECT_EQ(w.count("Device#1", EventKind::accept), 2u) << w.last_reject("Device#1");
        EXPECT_TRUE(
            decode_stored(view(*w.storage.at("SGA#0")->get(msgs[0]).value())).value().delivered);
        EXPECT_EQ(w.events("Device#1", EventKind::accept)[1].params.at("phase"), "data");
        EXPECT_EQ(to_bytes(fwd.get_or_empty(Seq)), u64_bytes(1));
        EXPECT_EQ(w.total(EventKind::reject), 0u) << w.last_reject("SGA#0");
        // A later restart re-sends nothing delivered.
        w.restart("SGA#0");
        const std::size_t before = w.sent(Data).size();
        w.run("Device#1");
        EXPECT_EQ(w.sent(Data).size(), before + 2);  // only d_j's own new Data (two legs)
    }
}

TEST(SgaStore, IsBoundedAndSaysSoWhenFull) {
    SgaOptions o;
    o.settings["SGA#0"] = {{"store_cap", "1"}};
    SgaWorld w(o);
    const Message fwd = data_to_dj(w);  // stored, never acknowledged
    Message again = fwd;
    again.set(Seq, u64_bytes(2));
    w.deliver("SGA#0", again, "Device#0");
    EXPECT_THAT(w.last_reject("SGA#0"), HasSubstr("message store is full (1 undelivered"));
    // Once delivered, its room is reused.
    w.pump("SGA#0", {Outbound{"Device#1", fwd}});
    w.deliver("SGA#0", again, "Device#0");
    EXPECT_EQ(w.count("SGA#0", EventKind::reject), 1u) << w.last_reject("SGA#0");
}

// ---- Server checks ---------------------------------------------------------------------------

TEST(SgaChecks, ServerNegotiation) {
    // cid-common: d_j offers only cid 2 and 3; d_i proposes 1.
    SgaOptions cids;
    cids.settings["Device#1"] = {{"cids", "2,3"}};
    expect_check(cids, "SGA#0", {"cid-common"}, "A1 cid 1 not in CidSet_j",
                 [](SgaWorld& w) { w.run(); });
    // Weakened, d_j itself refuses the cid ("cid-own"), and lets it through weakened.
    SgaOptions both = cids;
    both.weakened["SGA#0"] = {"cid-common"};
    expect_check(both, "Device#1", {"cid-own"}, "A2 cid is not in this device's CidSet",
                 [](SgaWorld& w) { w.run(); });
    // peer-distinct: dev-0 names itself as partner.
    SgaOptions self;
    self.devices = 2;
    expect_check(self, "SGA#0", {"peer-distinct"}, "A1 names its own device as the partner",
                 [](SgaWorld& w) {
                     w.run();  // both registered
                     const Message a1 = w.sent(A1).at(0);
                     const SecretBytes kt = w.kt_of_a1(a1);
                     const RsaKey pk =
                         RsaKey::from_public_pem(w.plan("Device#0").creds.attrs.at("PK")).value();
                     NegotiationRequest req{
                         xor_bytes(view(kt), view(w.secret("Device#0", "k_d"))).value(),
                         to_bytes("dev-0"), to_bytes("sga-0"), to_bytes("dev-0"),
                         CipherId::aes_128_gcm};
                     Message m = make_msg(A1, 555);
                     m.set(CtPK, eg_encrypt(pk, view(req.encode()), view(kOaepTestSeed)).value());
                     w.deliver("SGA#0", m, "Device#0");
                 });
    // id: A1 for another server.
    expect_check({}, "SGA#0", {"id"}, "A1 names another server", [](SgaWorld& w) {
        w.run();
        const RsaKey pk = RsaKey::from_public_pem(w.plan("Device#0").creds.attrs.at("PK")).value();
        NegotiationRequest req{SecretBytes(16, 1), to_bytes("dev-0"), to_bytes("sga-9"),
                               to_bytes("dev-1"), CipherId::aes_128_gcm};
        Message m = make_msg(A1, 556);
        m.set(CtPK, eg_encrypt(pk, view(req.encode()), view(kOaepTestSeed)).value());
        w.deliver("SGA#0", m, "Device#0");
    });
    expect_check({}, "SGA#0", {}, "A1 from an unregistered device", [](SgaWorld& w) {
        const RsaKey pk = RsaKey::from_public_pem(w.plan("Device#0").creds.attrs.at("PK")).value();
        NegotiationRequest req{SecretBytes(16, 1), to_bytes("dev-0"), to_bytes("sga-0"),
                               to_bytes("dev-1"), CipherId::aes_128_gcm};
        Message m = make_msg(A1, 557);
        m.set(CtPK, eg_encrypt(pk, view(req.encode()), view(kOaepTestSeed)).value());
        w.deliver("SGA#0", m, "Device#0");
    });
    expect_check({}, "SGA#0", {}, "A3 for no negotiation awaiting it", [](SgaWorld& w) {
        Message a3 = w.until(A3, "Device#0");
        a3.session ^= 1;
        w.deliver("SGA#0", a3, "Device#1");
    });
}

TEST(SgaChecks, ServerKeyExchange) {
    // B1 re-sealed under kt_i with edits (the test knows kt_i through the server's PR).
    auto b1_edit = [](std::function<void(KeyExchangeRequest&, Message&)> edit) {
        return [edit](SgaWorld& w) {
            Message b1 = w.until(B1, "Device#0");
            const bool h = w.d.options.variant == "hardened";
            const SecretBytes kt = w.kt_of_a1(w.sent(A1).at(0));
            const Bytes n_a = h ? to_bytes(w.sent(A1).at(0).get_or_empty(N_A)) : Bytes{};
            const Bytes aad = sealed_aad(h, B1, b1.session, {view(n_a)});
            auto pt = sym_open(CipherId::aes_128_gcm, view(kt), view(aad), b1.get_or_empty(Ct));
            ASSERT_TRUE(pt.ok());
            auto req = decode_b1(view(*pt)).value();
            edit(req, b1);
            SeededRng rng(3, "reseal");
            b1.set(Ct, sym_seal(CipherId::aes_128_gcm, view(kt), view(aad), view(req.encode()), rng)
                           .value());
            w.pump("Device#0", {Outbound{"SGA#0", b1}}, {B6i, B6j});
        };
    };
    expect_check({}, "SGA#0", {"kex-mac"}, "B1 f_K_s(N) does not verify",
                 b1_edit([](KeyExchangeRequest& r, Message&) { r.mac[0] ^= 1; }));
    expect_check({}, "SGA#0", {"id"}, "B1 plaintext names other identities",
                 b1_edit([](KeyExchangeRequest& r, Message&) { r.id_g = to_bytes("sga-7"); }));
    expect_check({}, "SGA#0", {"id"}, "B1 names other identities",
                 b1_edit([](KeyExchangeRequest&, Message& m) { m.set(ID_dj, to_bytes("dev-5")); }));
    expect_check({}, "SGA#0", {"cid-match"}, "B1 Cid is not the negotiated cid",
                 b1_edit([](KeyExchangeRequest&, Message& m) { m.set(Cid, Bytes{2}); }),
                 "B1 does not open under kt_i");
    // Hardened "kex-clear": the clear K_s is not N^r.
    expect_check(hardened(), "SGA#0", {"kex-clear"}, "B1 clear N or K_s differs",
                 b1_edit([](KeyExchangeRequest& r, Message&) {
                     // An element of the group, but not N^r.
                     const DlGroup G = DlGroup::named(crypto::GroupId::dh_1024_160).value();
                     r.k_s = to_secret(view(encode_element(G, G.g())));
                 }));
    expect_check({}, "SGA#0", {}, "B1 does not open under kt_i", [](SgaWorld& w) {
        Message b1 = w.until(B1, "Device#0");
        Bytes c = to_bytes(b1.get_or_empty(Ct));
        c.back() ^= 1;
        b1.set(Ct, c);
        w.deliver("SGA#0", b1, "Device#0");
    });
    expect_check({}, "SGA#0", {"data-run"}, "Data for no key exchange between ID_src and ID_dst",
                 [](SgaWorld& w) {
                     Message d = w.until(Data, "Device#0");
                     d.session ^= 1;
                     w.deliver("SGA#0", d, "Device#0");
                 });
}

// d_j's kt_j as the server recovers it: A3's (m xor kt_j) xor m, with m read from A2 under k_dj
// (kt_i as-specified, N_S hardened).
SecretBytes kt_j_of(const SgaWorld& w) {
    const SealRecipe& a2_seal = sga::spec().recipes.seals.at(0);
    auto m = a2_seal.open(w.sent(A2).at(0), view(w.secret("Device#1", "k_d"))).value();
    auto a3 =
        decode_a3(view(dg_decrypt(w.server_key(), w.sent(A3).at(0).get_or_empty(CtPK)).value()))
            .value();
    return xor_bytes(view(a3.kt_xor), view(m)).value();
}

TEST(SgaChecks, ServerA3) {
    // A3 re-encrypted under PK with edits (the test reads it with the server's PR).
    auto a3_edit = [](std::function<void(NegotiationResponse&)> edit) {
        return [edit](SgaWorld& w) {
            Message a3 = w.until(A3, "Device#0");
            auto resp =
                decode_a3(view(dg_decrypt(w.server_key(), a3.get_or_empty(CtPK)).value())).value();
            edit(resp);
            const RsaKey pk =
                RsaKey::from_public_pem(w.plan("Device#1").creds.attrs.at("PK")).value();
            a3.set(CtPK, eg_encrypt(pk, view(resp.encode()), view(kOaepTestSeed)).value());
            w.pump("Device#1", {Outbound{"SGA#0", a3}}, {A4});
        };
    };
    for (const SgaOptions& o : {SgaOptions{}, hardened()}) {
        expect_check(o, "SGA#0", {"id"}, "A3 names other identities",
                     a3_edit([](NegotiationResponse& r) { r.id_g = to_bytes("sga-7"); }));
        expect_check(o, "SGA#0", {"id"}, "A3 names other identities",
                     a3_edit([](NegotiationResponse& r) { r.id_di = to_bytes("dev-1"); }));
        expect_check(o, "SGA#0", {"id"}, "A3 names other identities",
                     a3_edit([](NegotiationResponse& r) { r.id_dj = to_bytes("dev-0"); }));
        // Weakened, the server seals A4 under the cid it negotiated.
        expect_check(o, "SGA#0", {"cid-match"}, "A3 cid is not the negotiated cid",
                     a3_edit([](NegotiationResponse& r) { r.cid = CipherId::aes_256_gcm; }));
    }
    expect_check({}, "SGA#0", {}, "A3 does not decrypt under PR", [](SgaWorld& w) {
        Message a3 = w.until(A3, "Device#0");
        Bytes c = to_bytes(a3.get_or_empty(CtPK));
        c[7] ^= 1;
        a3.set(CtPK, c);
        w.deliver("SGA#0", a3, "Device#1");
    });
    // The weakened A3 still reaches d_i as a good A4: the run commits.
    SgaOptions weak;
    weak.weakened["SGA#0"] = {"id", "cid-match"};
    if (weakening_enabled()) {
        SgaWorld w(weak);
        a3_edit([](NegotiationResponse& r) { r.cid = CipherId::aes_256_gcm; })(w);
        EXPECT_EQ(w.count("SGA#0", EventKind::accept), 2u) << w.last_reject("SGA#0");  // A1, A3
    }
}

TEST(SgaChecks, ServerB3) {
    // B3 re-sealed under kt_j with edits.
    auto b3_edit = [](std::function<void(KeyExchangeRequest&, Message&)> edit) {
        return [edit](SgaWorld& w) {
            Message b3 = w.until(B3, "Device#0");
            const bool h = w.d.options.variant == "hardened";
            const SecretBytes kt = kt_j_of(w);
            const Bytes aad = sealed_aad(h, B3, b3.session);
            auto pt = sym_open(CipherId::aes_128_gcm, view(kt), view(aad), b3.get_or_empty(Ct));
            ASSERT_TRUE(pt.ok());
            auto req = decode_b3(view(*pt)).value();
            edit(req, b3);
            SeededRng rng(3, "reseal");
            b3.set(Ct, sym_seal(CipherId::aes_128_gcm, view(kt), view(aad), view(req.encode()), rng)
                           .value());
            w.pump("Device#1", {Outbound{"SGA#0", b3}}, {B6i, B6j});
        };
    };
    for (const SgaOptions& o : {SgaOptions{}, hardened()}) {
        expect_check(o, "SGA#0", {"kex-mac"}, "B3 f_K_s(N) does not verify",
                     b3_edit([](KeyExchangeRequest& r, Message&) { r.mac[0] ^= 1; }));
        expect_check(o, "SGA#0", {"id"}, "B3 plaintext names other identities",
                     b3_edit([](KeyExchangeRequest& r, Message&) { r.id_g = to_bytes("sga-7"); }));
        expect_check(o, "SGA#0", {"id"}, "B3 plaintext names other identities",
                     b3_edit([](KeyExchangeRequest& r, Message&) { r.id_di = to_bytes("dev-1"); }));
        expect_check(
            o, "SGA#0", {"id"}, "B3 names other identities",
            b3_edit([](KeyExchangeRequest&, Message& m) { m.set(ID_d, to_bytes("dev-5")); }));
        expect_check(o, "SGA#0", {"cid-match"}, "B3 Cid is not the negotiated cid",
                     b3_edit([](KeyExchangeRequest&, Message& m) { m.set(Cid, Bytes{2}); }),
                     "B3 does not open under kt_j");
    }
    expect_check(hardened(), "SGA#0", {"kex-clear"}, "B3 clear N or K_s differs",
                 b3_edit([](KeyExchangeRequest& r, Message&) {
                     const DlGroup G = DlGroup::named(crypto::GroupId::dh_1024_160).value();
                     r.k_s = to_secret(view(encode_element(G, G.g())));
                 }));
    expect_check({}, "SGA#0", {}, "B3 does not open under kt_j", [](SgaWorld& w) {
        Message b3 = w.until(B3, "Device#0");
        Bytes c = to_bytes(b3.get_or_empty(Ct));
        c.back() ^= 1;
        b3.set(Ct, c);
        w.deliver("SGA#0", b3, "Device#1");
    });
    expect_check({}, "SGA#0", {}, "B3 for no run awaiting it", [](SgaWorld& w) {
        Message b3 = w.until(B3, "Device#0");
        b3.session ^= 1;
        w.deliver("SGA#0", b3, "Device#1");
    });
    // A B3 before B1 was taken (the run still awaits B1).
    expect_check({}, "SGA#0", {}, "B3 for no run awaiting it", [](SgaWorld& w) {
        const Message b1 = w.until(B1, "Device#0");
        Message b3 = b1;
        b3.type = B3;
        w.deliver("SGA#0", b3, "Device#0");
    });
    expect_check({}, "SGA#0", {}, "B1 for no run awaiting it", [](SgaWorld& w) {
        Message b1 = w.until(B1, "Device#0");
        b1.session ^= 1;
        w.deliver("SGA#0", b1, "Device#0");
    });
}

TEST(SgaChecks, ServerDataAck) {
    // The DataAck of a delivered Data, again: nothing undelivered matches it.
    expect_check({}, "SGA#0", {}, "DataAck for no undelivered stored message", [](SgaWorld& w) {
        w.run();
        ASSERT_EQ(w.count("SGA#0", EventKind::reject), 0u) << w.last_reject("SGA#0");
        EXPECT_TRUE(w.deliver("SGA#0", w.sent(DataAck).at(0), "Device#1").empty());
    });
    // A DataAck for a stored, undelivered Data but another Seq / source / session.
    for (int edit = 0; edit < 3; ++edit) {
        expect_check(
            {}, "SGA#0", {}, "DataAck for no undelivered stored message", [edit](SgaWorld& w) {
                const Message fwd = data_to_dj(w);
                Message ack = make_msg(DataAck, fwd.session);
                ack.set(ID_src, to_bytes(fwd.get_or_empty(ID_src)));
                ack.set(ID_dst, to_bytes(fwd.get_or_empty(ID_dst)));
                ack.set(Seq, u64_bytes(1));
                if (edit == 0) ack.set(Seq, u64_bytes(2));
                if (edit == 1) ack.set(ID_src, to_bytes("dev-7"));
                if (edit == 2) ack.session ^= 1;
                w.deliver("SGA#0", ack, "Device#1");
                // Still undelivered: a restarted server re-sends it to d_j.
                w.restart("SGA#0");
                w.run("Device#1");
                EXPECT_EQ(w.events("Device#1", EventKind::accept).at(1).params.at("phase"), "data");
            });
    }
    expect_check({}, "SGA#0", {}, "DataAck has a field of the wrong length", [](SgaWorld& w) {
        w.run();
        Message ack = w.sent(DataAck).at(0);
        ack.set(Seq, Bytes(7, 0));
        w.deliver("SGA#0", ack, "Device#1");
    });
}

// ---- Device checks ---------------------------------------------------------------------------

TEST(SgaChecks, DeviceNegotiationAndKeyExchange) {
    expect_check({}, "Device#1", {"id"}, "A2 is for another device", [](SgaWorld& w) {
        Message a2 = w.until(A2, "Device#0");
        a2.set(ID_dj, to_bytes("dev-9"));
        w.deliver("Device#1", a2, "SGA#0");
    });
    expect_check({}, "Device#1", {}, "A2 does not open under k_d", [](SgaWorld& w) {
        Message a2 = w.until(A2, "Device#0");
        a2.session ^= 3;  // hardened AAD would catch this; as-specified the tag does not
        Bytes c = to_bytes(a2.get_or_empty(Ct));
        c[20] ^= 1;
        a2.set(Ct, c);
        w.deliver("Device#1", a2, "SGA#0");
    });
    expect_check({}, "Device#0", {"cid-match"}, "A4 Cid is not the cid A1 proposed",
                 [](SgaWorld& w) {
                     Message a4 = w.until(A4, "Device#0");
                     a4.set(Cid, Bytes{2});  // weakened, d_i opens with the cid it proposed
                     w.deliver("Device#0", a4, "SGA#0");
                 });
    expect_check({}, "Device#0", {"b6-mac"}, "B6i f_K_s(ID_di, ID_dj, K_s, N^R_s) does not verify",
                 [](SgaWorld& w) {
                     Message b6 = w.until(B6i, "Device#0");
                     Bytes mac = to_bytes(b6.get_or_empty(MacS));
                     mac[0] ^= 1;
                     b6.set(MacS, mac);
                     w.deliver("Device#0", b6, "SGA#0");
                 });
    expect_check({}, "Device#0", {"id"}, "B6i names other identities", [](SgaWorld& w) {
        Message b6 = w.until(B6i, "Device#0");
        b6.set(ID_dj, to_bytes("dev-4"));  // weakened: the MAC is over the run's own view
        w.deliver("Device#0", b6, "SGA#0");
    });
    // b2-session: a B2 re-sealed under kt_j naming another session.
    expect_check({}, "Device#1", {"b2-session"}, "B2 names another session", [](SgaWorld& w) {
        Message b2 = w.until(B2, "Device#0");
        // kt_j = (kt_i xor kt_j) xor kt_i, from A3 (as-specified) with the server's PR.
        const SecretBytes kt_i = w.kt_of_a1(w.sent(A1).at(0));
        auto a3 =
            decode_a3(view(dg_decrypt(w.server_key(), w.sent(A3).at(0).get_or_empty(CtPK)).value()))
                .value();
        const SecretBytes kt_j = xor_bytes(view(a3.kt_xor), view(kt_i)).value();
        SeededRng rng(4, "b2");
        KeyExchangeInvitation inv{to_bytes("dev-0"), to_bytes("sga-0"), b2.session + 1};
        b2.set(Ct,
               sym_seal(CipherId::aes_128_gcm, view(kt_j), {}, view(inv.encode()), rng).value());
        w.pump("SGA#0", {Outbound{"Device#1", b2}}, {B3});
    });
    expect_check({}, "Device#1", {}, "Data for a session with no key", [](SgaWorld& w) {
        Message d = w.until(Data, "Device#0", "SGA#0");
        d.session ^= 1;
        w.deliver("Device#1", d, "SGA#0");
    });
    expect_check({}, "Device#1", {"id"}, "Data names other identities", [](SgaWorld& w) {
        Message d = w.until(Data, "Device#0", "SGA#0");
        d.set(ID_src, to_bytes("dev-3"));  // as-specified Data binds nothing in its AAD
        w.deliver("Device#1", d, "SGA#0");
    });
    // Hardened, the AAD binds ID_src: weakened "id", the Data no longer opens.
    expect_check(
        hardened(), "Device#1", {"id"}, "Data names other identities",
        [](SgaWorld& w) {
            Message d = w.until(Data, "Device#0", "SGA#0");
            d.set(ID_src, to_bytes("dev-3"));
            w.deliver("Device#1", d, "SGA#0");
        },
        "Data does not open under K");
}

Message status_msg(std::uint8_t type, std::uint64_t session, std::uint8_t status,
                   const std::string& id_g = "sga-0") {
    Message m = make_msg(type, session);
    m.set(ID_G, to_bytes(id_g));
    m.set(StatusCode, Bytes{status});
    return m;
}
bool is_registered(const SgaWorld& w, const std::string& device) {
    auto v = w.storage.at(device)->get("registered");
    return v.ok() && v->has_value();
}

TEST(SgaDevice, ALostRegistrationIsSentAgainAfterTheRetryTime) {
    // The Reg is lost (never delivered): a start right after sends nothing more, but once the
    // retry time has passed the device registers again instead of staying unregistered.
    SgaWorld w;
    const std::vector<Outbound> first = w.r("Device#0").start();
    ASSERT_EQ(first.size(), 1u);
    ASSERT_EQ(first[0].msg.type, Reg);
    EXPECT_TRUE(w.r("Device#0").start().empty());
    w.clock.advance_us(3'000'000);
    const std::vector<Outbound> again = w.r("Device#0").start();
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].msg.type, Reg);
    w.pump("Device#0", again);
    // The three starts waited for the registration; each then ran to its commit.
    EXPECT_EQ(w.count("Device#0", EventKind::commit), 3u) << w.last_reject("Device#0");
}

TEST(SgaChecks, DeviceRegAck) {
    // id: a RegAck from another server. Weakened, the device takes it and sends its A1.
    expect_check({}, "Device#0", {"id"}, "RegAck is not for this device or from its server",
                 [](SgaWorld& w) {
                     Message ack = w.until(RegAck, "Device#0");
                     ack.set(ID_G, to_bytes("sga-9"));
                     w.pump("SGA#0", {Outbound{"Device#0", ack}}, {A4});
                     EXPECT_EQ(w.sent(A1).size(),
                               w.count("Device#0", EventKind::reject) == 0 ? 1u : 0u);
                 });
    // A RegAck naming another device, or with a bad status field: no weakening lets it in.
    expect_check({}, "Device#0", {}, "RegAck is not for this device or from its server",
                 [](SgaWorld& w) {
                     Message ack = w.until(RegAck, "Device#0");
                     ack.set(ID_d, to_bytes("dev-1"));
                     w.deliver("Device#0", ack, "SGA#0");
                 });
    expect_check({}, "Device#0", {}, "RegAck is not for this device or from its server",
                 [](SgaWorld& w) {
                     Message ack = w.until(RegAck, "Device#0");
                     ack.set(StatusCode, Bytes{0, 0});
                     w.deliver("Device#0", ack, "SGA#0");
                 });
    expect_check({}, "Device#0", {}, "RegAck for no registration in flight", [](SgaWorld& w) {
        w.run();
        w.deliver("Device#0", status_msg(RegAck, 99, kAccepted), "SGA#0");
    });
    // The same acceptance again, on the registration's own session (the answer to a
    // retransmitted Reg): dropped without a reject, which would end the run it was sent for.
    {
        SgaWorld w;
        const Message ack = w.until(RegAck, "Device#0");
        w.deliver("Device#0", ack, "SGA#0");  // the registration completes, the run goes on
        ASSERT_TRUE(is_registered(w, "Device#0"));
        const std::size_t rejects = w.count("Device#0", EventKind::reject);
        EXPECT_TRUE(w.deliver("Device#0", ack, "SGA#0").empty());
        EXPECT_EQ(w.count("Device#0", EventKind::reject), rejects) << w.last_reject("Device#0");
    }
    // Status 1: every start waiting for the registration is refused; nothing is stored and the
    // next start registers again.
    expect_check({}, "Device#0", {}, "registration refused (status 1)", [](SgaWorld& w) {
        Message ack = w.until(RegAck, "Device#0");
        ack.set(StatusCode, Bytes{kRegRejected});
        EXPECT_TRUE(w.deliver("Device#0", ack, "SGA#0").empty());
        EXPECT_FALSE(is_registered(w, "Device#0"));
        auto again = w.r("Device#0").start();
        ASSERT_EQ(again.size(), 1u);
        EXPECT_EQ(again[0].msg.type, Reg);
    });
    // Status 2 (the server's "register first"): the device forgets its registration and
    // registers again; the RegAck for that re-registration is taken without a run to start.
    SgaWorld w;
    w.run();
    ASSERT_TRUE(is_registered(w, "Device#0"));
    Message prompt = status_msg(RegAck, 123, kNotRegistered);
    prompt.set(ID_d, to_bytes("dev-0"));
    auto out = w.deliver("Device#0", prompt, "SGA#0");
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.type, Reg);
    EXPECT_FALSE(is_registered(w, "Device#0"));
    w.pump("Device#0", std::move(out));
    EXPECT_TRUE(is_registered(w, "Device#0"));
    EXPECT_EQ(w.total(EventKind::reject), 0u) << w.last_reject("Device#0");
    // A second prompt while that Reg is in flight sends no second Reg.
    auto first = w.deliver("Device#0", prompt, "SGA#0");
    EXPECT_EQ(first.size(), 1u);
    EXPECT_TRUE(w.deliver("Device#0", prompt, "SGA#0").empty());
}

TEST(SgaChecks, DeviceReject) {
    expect_check({}, "Device#0", {}, "Reject for no negotiation awaiting an answer",
                 [](SgaWorld& w) {
                     w.run();
                     w.deliver("Device#0", status_msg(Reject, 4242, kNoCommonCid), "SGA#0");
                 });
    // From another server, for a run that does await A4: not taken (and not weakenable).
    expect_check(
        {}, "Device#0", {}, "Reject for no negotiation awaiting an answer", [](SgaWorld& w) {
            const Message a4 = w.until(A4, "Device#0");
            w.deliver("Device#0", status_msg(Reject, a4.session, kNoCommonCid, "sga-9"), "SGA#0");
        });
    // Status 3 from the server itself (no common cid): d_i's run ends with the reason.
    SgaOptions cids;
    cids.settings["Device#1"] = {{"cids", "2,3"}};
    expect_check(cids, "Device#0", {}, "the server refused the negotiation (status 3)",
                 [](SgaWorld& w) {
                     w.run();
                     ASSERT_EQ(w.sent(Reject).size(), 1u);
                     EXPECT_EQ(w.sent(A4).size(), 0u);
                 });
    // Status 2: d_i forgets its registration, so its next start registers again; the run is
    // over (its A4 is no longer awaited).
    expect_check({}, "Device#0", {}, "the server refused the negotiation (status 2)",
                 [](SgaWorld& w) {
                     const Message a4 = w.until(A4, "Device#0");
                     w.deliver("Device#0", status_msg(Reject, a4.session, kNotRegistered), "SGA#0");
                     EXPECT_FALSE(is_registered(w, "Device#0"));
                     auto again = w.r("Device#0").start();
                     ASSERT_EQ(again.size(), 1u);
                     EXPECT_EQ(again[0].msg.type, Reg);
                 });
    SgaWorld w;
    const Message a4 = w.until(A4, "Device#0");
    w.deliver("Device#0", status_msg(Reject, a4.session, kBadRequest), "SGA#0");
    EXPECT_THAT(w.last_reject("Device#0"),
                HasSubstr("the server refused the negotiation (status 4)"));
    EXPECT_TRUE(is_registered(w, "Device#0"));
    w.deliver("Device#0", a4, "SGA#0");
    EXPECT_THAT(w.last_reject("Device#0"), HasSubstr("A4 for no negotiation awaiting it"));
}

// ---- The paper's gaps and the hardened fixes ---------------------------------------------------

TEST(SgaInsider, AsSpecifiedDjOpensA2ForKtiAndThenB1) {
    SgaWorld w;
    w.run();
    const SealRecipe& a2_seal = sga::spec().recipes.seals.at(0);
    const SealRecipe& b1_seal = sga::spec().recipes.seals.at(1);
    EXPECT_EQ(a2_seal.secret, "k_d");
    EXPECT_EQ(a2_seal.identity_field, "ID_dj");
    EXPECT_EQ(b1_seal.secret, a2_seal.yields);
    // The insider d_j's own k_d opens A2: kt_i, exactly what the server committed with d_i.
    auto kt = a2_seal.open(w.sent(A2).at(0), view(w.secret("Device#1", "k_d")));
    ASSERT_TRUE(kt.ok()) << kt.error().describe();
    EXPECT_EQ(w.fp.fingerprint(view(*kt)), *w.events("SGA#0", EventKind::commit).at(0).key_fp);
    // ... and reads B1: K_is, the MAC key of B6i.
    auto k_is = b1_seal.open(w.sent(B1).at(0), view(*kt));
    ASSERT_TRUE(k_is.ok()) << k_is.error().describe();
    EXPECT_EQ(k_is->size(), w.G->element_bytes());
    EXPECT_FALSE(a2_seal.open(w.sent(A2).at(0), view(SecretBytes(16, 1))).ok());
}

TEST(SgaInsider, HardenedA2OpensNothingOfKti) {
    SgaWorld w(hardened());
    w.run();
    const SealRecipe& a2_seal = sga::spec().recipes.seals.at(0);
    const SealRecipe& b1_seal = sga::spec().recipes.seals.at(1);
    auto x = a2_seal.open(w.sent(A2).at(0), view(w.secret("Device#1", "k_d")));
    ASSERT_TRUE(x.ok());  // d_j still reads A2: the server's nonce
    EXPECT_NE(w.fp.fingerprint(view(*x)), *w.events("SGA#0", EventKind::commit).at(0).key_fp);
    EXPECT_FALSE(b1_seal.open(w.sent(B1).at(0), view(*x)).ok());
    // Nor does A4 hand d_i anything of kt_j: its xor field is zero.
    const SecretBytes kt_i = w.kt_of_a1(w.sent(A1).at(0));
    const Message a4 = w.sent(A4).at(0);
    const Bytes n_a = to_bytes(w.sent(A1).at(0).get_or_empty(N_A));
    auto pt = sym_open(CipherId::aes_128_gcm, view(kt_i),
                       view(sealed_aad(true, A4, a4.session, {view(n_a)})), a4.get_or_empty(Ct));
    ASSERT_TRUE(pt.ok());
    EXPECT_EQ(decode_a4(view(*pt)).value().kt_xor, SecretBytes(16, 0));
}

TEST(SgaReplay, AsSpecifiedServerTakesAReplayedA1AsANewNegotiation) {
    SgaWorld w;
    w.run();
    Message a1 = w.sent(A1).at(0);
    a1.session ^= 0x77;
    w.pump("Device#0", {Outbound{"SGA#0", a1}}, {A4});
    // Two negotiations, one d_i run: a second accept and a second commit of the same kt_i.
    auto commits = w.events("SGA#0", EventKind::commit);
    ASSERT_EQ(commits.size(), 2u);
    EXPECT_EQ(commits[0].key_fp, commits[1].key_fp);
    EXPECT_EQ(commits[0].params, commits[1].params);
    EXPECT_EQ(w.count("Device#0", EventKind::begin), 4u);
    EXPECT_EQ(w.sent(A2).size(), 2u);
    EXPECT_EQ(w.count("SGA#0", EventKind::reject), 0u);
}

TEST(SgaReplay, HardenedServerChecksA1Freshness) {
    expect_check(hardened(), "SGA#0", {"a1-replay"}, "A1 N_A was already used", [](SgaWorld& w) {
        w.run();
        Message a1 = w.sent(A1).at(0);
        a1.session ^= 0x77;
        w.pump("Device#0", {Outbound{"SGA#0", a1}}, {A4});
    });
    expect_check(hardened(), "SGA#0", {"a1-mac"}, "A1 MAC_A does not verify", [](SgaWorld& w) {
        w.run();
        Message a1 = w.sent(A1).at(0);
        a1.session ^= 0x77;
        a1.set(N_A, Bytes(16, 3));  // a fresh nonce without kt_i to MAC it
        w.pump("Device#0", {Outbound{"SGA#0", a1}}, {A4});
    });
    expect_check(hardened(), "SGA#0", {"a1-fresh"}, "A1 timestamp is outside the freshness window",
                 [](SgaWorld& w) {
                     const Message a1 = w.until(A1, "Device#0");
                     w.clock.advance_us(121'000'000);
                     w.deliver("SGA#0", a1, "Device#0");
                 });
    // After a restart, an A1 stamped earlier is refused (the record starts afresh).
    expect_check(hardened(), "SGA#0", {"a1-replay"}, "A1 is older than the replay record",
                 [](SgaWorld& w) {
                     w.run();
                     w.clock.advance_us(5'000'000);
                     w.restart("SGA#0");
                     Message a1 = w.sent(A1).at(0);
                     a1.session ^= 0x77;
                     w.pump("Device#0", {Outbound{"SGA#0", a1}}, {A4});
                 });
}

TEST(SgaReplay, AFloodOfA1sKeepsTheRunTableBounded) {
    SgaWorld w;
    w.run();
    Message a1 = w.sent(A1).at(0);
    for (std::uint64_t i = 1; i <= 5000; ++i) {
        a1.session = 1000 + i;
        w.r("SGA#0").on_message(Inbound{a1, "x", std::nullopt});
    }
    EXPECT_EQ(w.count("SGA#0", EventKind::crash), 0u);
}

// ---- Recipes and robustness --------------------------------------------------------------------

TEST(SgaRecipes, SharesAndKeys) {
    SgaWorld w;
    const auto& r = sga::spec().recipes;
    ASSERT_EQ(r.shares.size(), 2u);
    Deployment d = w.d;
    d.options.options = {{"group", "dh_1024_160"}};
    auto share = r.shares[0].share(d, view(Bytes{1, 2, 3}));
    ASSERT_TRUE(share.ok());
    EXPECT_EQ(*share, encode_element(*w.G, w.G->exp_g(BigNum(0x010203))));
    EXPECT_FALSE(r.shares[1].share(d, view(w.G->q().to_bytes())).ok());
    w.run();
    const Message b6i = w.sent(B6i).at(0);
    const Message b6j = w.sent(B6j).at(0);
    auto c = r.keys.at(0).derive({&b6i, &b6j}, view(Bytes{5}));
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->size(), 2u);
    EXPECT_FALSE(r.keys.at(0).derive({&b6j, &b6i}, view(Bytes{5})).ok());
}

TEST(SgaRobustness, RandomMessagesNeverCrashARole) {
    for (const char* variant : {"as-specified", "hardened"}) {
        SgaWorld w(with(variant));
        w.run();
        SeededRng rng(11, "garbage");
        const Message b1 = w.sent(B1).at(0);
        for (int i = 0; i < 300; ++i) {
            Message m;
            m.protocol = kProtocolId;
            m.type = static_cast<std::uint8_t>(rng.uniform(16));
            m.session = rng.uniform(2) == 0 ? b1.session : rng.uniform(4);
            for (std::uint8_t tag = 1; tag <= 21; ++tag) {
                if (rng.uniform(3) == 0) continue;
                const std::size_t len = rng.uniform(2) == 0 ? rng.uniform(300) : rng.uniform(3);
                m.set(tag, rng.bytes(len));
            }
            if (rng.uniform(2) == 0) m.set(Cid, Bytes{static_cast<std::uint8_t>(rng.uniform(6))});
            if (rng.uniform(3) == 0) m.set(Seq, rng.bytes(8));
            for (const char* r : {"SGA#0", "Device#0", "Device#1"}) w.deliver(r, m, "fuzz");
        }
        EXPECT_EQ(w.total(EventKind::crash), 0u);
    }
}

}  // namespace
}  // namespace mtc::test
