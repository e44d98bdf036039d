// SGA's key-guessing recipes (protocols/sga/guess.hpp): the insider's off-line verifier in B1
// (found only with kt_i, hits the real PIN, fast path == full check, every cid, nothing in the
// hardened traffic), anyone's in Reg (both variants, named by the accepted RegAck, after the B1
// ones) and the on-line guess in a forged A1 (as-specified: a wrong guess draws no
// reject and a right one opens A4; hardened: a wrong guess is rejected).
#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "attacks/knowledge.hpp"
#include "protocols/core/codec.hpp"
#include "protocols/sga/guess.hpp"
#include "tests/unit/sga_fixture.hpp"

namespace mtc::test {
namespace {

using namespace mtc::sga;
using ::testing::HasSubstr;

SgaOptions weak(const std::string& variant = "as-specified", const std::string& cids = "") {
    SgaOptions o;
    o.variant = variant;
    o.profile = "weak-key";
    if (!cids.empty()) {
        o.settings["Device#0"] = {{"cids", cids}};
        o.settings["Device#1"] = {{"cids", cids}};
    }
    return o;
}

std::string pin(const SgaWorld& w, const std::string& device = "Device#0") {
    return to_string(view(w.secret(device, "PIN")));
}

// A 6-digit candidate other than `not_this`.
std::string other_pin(const std::string& not_this) {
    return not_this == "123456" ? "654321" : "123456";
}

// What the attacker holds after watching every message of `w`, with `insiders` compromised:
// the insider d_j's k_d opens its A2 (the SealRecipe), which yields "kt:<ID_dj>".
struct Attacker {
    attacks::Knowledge k{sga::spec()};
    GuessInputs inputs;

    Attacker(const SgaWorld& w, const std::vector<std::string>& insiders) {
        for (const auto& i : insiders) k.compromise(i, w.plan(i).creds);
        for (const auto& s : w.log) {
            auto frame = encode(sga::schema(), s.msg);
            EXPECT_TRUE(frame.ok());
            EXPECT_TRUE(k.observe(std::move(frame).value(), s.from, s.to, false, "", 0).ok());
        }
        for (const auto& o : k.observations()) inputs.observations.push_back({o.id, &o.msg, false});
        inputs.secrets = &k.secrets();
    }
    std::vector<std::unique_ptr<GuessVerifier>> find() const { return guess_recipe().find(inputs); }
};

bool is_b1(const GuessVerifier& v) {
    return v.description().find(" in B1 ") != std::string::npos;
}
bool is_reg(const GuessVerifier& v) {
    return v.description().find(" in Reg ") != std::string::npos;
}
// The secret names of the Reg verifiers, in order; every verifier is a Reg one when `only_reg`.
std::vector<std::string> reg_names(const std::vector<std::unique_ptr<GuessVerifier>>& found,
                                   bool only_reg) {
    std::vector<std::string> names;
    for (const auto& v : found) {
        if (is_reg(*v)) names.push_back(v->secret());
        if (only_reg) EXPECT_TRUE(is_reg(*v)) << v->description();
    }
    return names;
}
const std::vector<std::string> kBothDevices{"k_d:dev-0", "k_d:dev-1"};

// The full check the server makes (B4), as the reference for the tester's fast path.
bool reference(const SgaWorld& w, const Message& b1, BytesView kt_i, BytesView k_d) {
    auto req = open_kex(b1, kt_i).value();
    const auto cid = cid_from_byte(b1.get_or_empty(Cid)[0]).value();
    auto n = open_masked_n(*w.G, cid, k_d, view(req.enc_masked_n));
    return n.ok() && encode_element(*w.G, *n) == req.n;
}

TEST(SgaGuess, WeakKdIsTheProvisioningKdfForAnyCandidate) {
    const Bytes id = to_bytes("dev-0");
    EXPECT_EQ(weak_kd("012345", view(id)).value(), kd_from_pin("012345", view(id)).value());
    EXPECT_TRUE(weak_kd("hunter2", view(id)).ok());  // masks and wordlists: any string
    EXPECT_NE(weak_kd("hunter2", view(id)).value(),
              weak_kd("hunter2", view(to_bytes("dev-1"))).value());
    EXPECT_FALSE(weak_kd("", view(id)).ok());
    EXPECT_FALSE(weak_kd("012345", BytesView{}).ok());
}

TEST(SgaGuess, InsiderDjHoldsAnOfflineVerifierForKdi) {
    SgaWorld w(weak());
    w.run();
    Attacker eve(w, {"Device#1"});
    ASSERT_NE(eve.k.secret("kt:dev-1"), nullptr);
    auto found = eve.find();
    ASSERT_EQ(found.size(), 3u);  // B1 for dev-0, then the Reg ones
    const GuessVerifier& v = *found[0];
    ASSERT_TRUE(is_b1(v)) << v.description();
    EXPECT_EQ(v.secret(), "k_d:dev-0");
    EXPECT_TRUE(w.plan("SGA#0").creds.secrets.count(v.secret()));  // the engine's name for it
    EXPECT_THAT(v.description(), HasSubstr("E_{k_di}(N_i xor k_di) in B1 (observation "));
    EXPECT_THAT(v.description(), HasSubstr("opened with kt_i from A2"));
    EXPECT_EQ(v.key_len(), 16u);
    // dev-0's KDF input fits one block: 4 compressions for k_d, 6 for both k_d-keyed blocks.
    EXPECT_EQ(v.compressions_per_test(), 10.0);

    const std::string real = pin(w);
    EXPECT_EQ(v.derive(real).value(), w.secret("Device#0", "k_d"));
    auto t = v.tester();
    EXPECT_TRUE(t->test(real));
    EXPECT_FALSE(t->test(other_pin(real)));
    EXPECT_FALSE(t->test(""));
    EXPECT_FALSE(t->test(real + "0"));
    EXPECT_TRUE(t->test_key(view(w.secret("Device#0", "k_d"))));
    EXPECT_FALSE(t->test_key(view(w.secret("Device#1", "k_d"))));
    EXPECT_FALSE(t->test_key(view(SecretBytes(15, 1))));
    // The tester is reusable: the scratch state of one guess does not leak into the next.
    EXPECT_TRUE(t->test(real));
    EXPECT_FALSE(t->test(other_pin(real)));
}

TEST(SgaGuess, FastPathAgreesWithTheFullCheckOnEveryCid) {
    SeededRng rng(9, "candidates");
    for (const char* cid : {"1", "2", "3", "4"}) {
        SCOPED_TRACE(std::string("cid ") + cid);
        SgaWorld w(weak("as-specified", cid));
        w.run();
        const Message b1 = w.sent(B1).at(0);
        ASSERT_EQ(b1.get_or_empty(Cid)[0], std::stoi(cid));
        Attacker eve(w, {"Device#1"});
        auto found = eve.find();
        ASSERT_FALSE(found.empty());
        ASSERT_TRUE(is_b1(*found[0]));
        auto t = found[0]->tester();
        const SecretBytes& kt_i = *eve.k.secret("kt:dev-1");
        std::vector<std::string> candidates{pin(w), pin(w, "Device#1")};
        for (int i = 0; i < 40; ++i) {
            const Bytes r = rng.bytes(3);
            candidates.push_back(std::to_string((r[0] << 16 | r[1] << 8 | r[2]) % 1'000'000));
        }
        for (const auto& c : candidates) {
            auto k_d = weak_kd(c, view(to_bytes("dev-0"))).value();
            const bool want = reference(w, b1, view(kt_i), view(k_d));
            EXPECT_EQ(t->test(c), want) << "candidate #" << (&c - candidates.data());
            EXPECT_EQ(t->test_key(view(k_d)), want);
        }
        EXPECT_TRUE(t->test(pin(w)));
    }
}

TEST(SgaGuess, AnOutsiderGetsRegVerifiersOnly) {
    SgaWorld w(weak());
    w.run();
    ASSERT_EQ(w.sent(Reg).size(), 2u);  // a fresh world registers both devices in the capture
    EXPECT_EQ(reg_names(Attacker(w, {}).find(), true), kBothDevices);
    // A kt that is not kt_i opens no B1.
    Attacker wrong(w, {});
    std::map<std::string, SecretBytes> secrets{{"kt:dev-1", SecretBytes(16, 7)}};
    wrong.inputs.secrets = &secrets;
    EXPECT_EQ(reg_names(wrong.find(), true), kBothDevices);
    // No secrets at all: the Reg verifiers need none.
    wrong.inputs.secrets = nullptr;
    EXPECT_EQ(reg_names(wrong.find(), true), kBothDevices);
    GuessInputs none;
    EXPECT_TRUE(guess_recipe().find(none).empty());
    EXPECT_EQ(guess_recipe().secret, "k_d");
}

TEST(SgaGuess, HardenedTrafficHandsTheInsiderNoB1Verifier) {
    SgaWorld w(weak("hardened"));
    w.run();
    Attacker eve(w, {"Device#1"});
    // d_j still opens its A2, but what it holds is the server's nonce, not kt_i.
    ASSERT_NE(eve.k.secret("kt:dev-1"), nullptr);
    // Reg is the same in both variants.
    EXPECT_EQ(reg_names(eve.find(), true), kBothDevices);
}

// ---- Off-line: Reg -----------------------------------------------------------------------

TEST(SgaGuess, RegVerifierHitsEachDevicesPinInBothVariants) {
    for (const char* variant : {"as-specified", "hardened"}) {
        SCOPED_TRACE(variant);
        SgaWorld w(weak(variant));
        w.run();
        Attacker eve(w, {});
        auto found = eve.find();
        ASSERT_EQ(found.size(), 2u);
        for (const auto& [device, id] : {std::pair{"Device#0", "dev-0"}, {"Device#1", "dev-1"}}) {
            SCOPED_TRACE(device);
            const std::string name = std::string("k_d:") + id;
            const auto& v = *std::find_if(found.begin(), found.end(),
                                          [&](const auto& f) { return f->secret() == name; });
            EXPECT_TRUE(w.plan("SGA#0").creds.secrets.count(v->secret()));  // the engine's name
            // The Reg the verifier names is that device's.
            std::vector<std::size_t> regs;
            for (const auto& o : eve.k.observations()) {
                if (o.msg.type == Reg && o.from == device) regs.push_back(o.id);
            }
            ASSERT_EQ(regs.size(), 1u);
            const std::size_t reg_obs = regs[0];
            EXPECT_EQ(v->description(), "E^x_{k_d}(ID_d) in Reg (observation " +
                                            std::to_string(reg_obs) + ") over the public ID_d");
            EXPECT_EQ(v->key_len(), 16u);
            // 4 compressions for k_d, 4 for k_d's pads and the E^x key block (no mask).
            EXPECT_EQ(v->compressions_per_test(), 8.0);

            const std::string real = pin(w, device);
            const std::string other_device =
                device == std::string("Device#0") ? "Device#1" : "Device#0";
            EXPECT_EQ(v->derive(real).value(), w.secret(device, "k_d"));
            auto t = v->tester();
            EXPECT_TRUE(t->test(real));
            EXPECT_FALSE(t->test(other_pin(real)));
            EXPECT_EQ(t->test(pin(w, other_device)), pin(w, other_device) == real);
            EXPECT_FALSE(t->test(""));
            EXPECT_FALSE(t->test(real + "0"));
            EXPECT_TRUE(t->test_key(view(w.secret(device, "k_d"))));
            EXPECT_FALSE(t->test_key(view(w.secret(other_device, "k_d"))));
            EXPECT_FALSE(t->test_key(view(SecretBytes(15, 1))));
            EXPECT_TRUE(t->test(real));  // reusable
        }
    }
}

TEST(SgaGuess, RegFastPathAgreesWithTheFullOpenOnEveryCid) {
    SeededRng rng(10, "candidates");
    for (const char* cid : {"1", "2", "3", "4"}) {
        SCOPED_TRACE(std::string("cid ") + cid);
        SgaWorld w(weak("as-specified", cid));  // Reg's x is the first cid of the CidSet
        w.run();
        const Message reg = w.sent(Reg).at(0);
        ASSERT_EQ(reg.get_or_empty(RegCid)[0], std::stoi(cid));
        auto found = Attacker(w, {}).find();
        ASSERT_EQ(reg_names(found, true), kBothDevices);
        auto t = found[0]->tester();
        std::vector<std::string> candidates{pin(w), pin(w, "Device#1")};
        for (int i = 0; i < 40; ++i) {
            const Bytes r = rng.bytes(3);
            candidates.push_back(std::to_string((r[0] << 16 | r[1] << 8 | r[2]) % 1'000'000));
        }
        const Bytes id = to_bytes("dev-0");
        for (const auto& c : candidates) {
            auto k_d = weak_kd(c, view(id)).value();
            // The server's check of Reg: open under k_d, decode ID_d.
            auto pt = sym_open(cid_from_byte(reg.get_or_empty(RegCid)[0]).value(), view(k_d), {},
                               reg.get_or_empty(EncId));
            const bool want =
                pt.ok() && decode_reg_id(view(*pt)).ok() && decode_reg_id(view(*pt))->id_d == id;
            EXPECT_EQ(t->test(c), want) << "candidate #" << (&c - candidates.data());
            EXPECT_EQ(t->test_key(view(k_d)), want);
        }
        EXPECT_TRUE(t->test(pin(w)));
    }
}

TEST(SgaGuess, B1VerifiersComeBeforeRegOnes) {
    SgaWorld w(weak());
    w.run();
    auto found = Attacker(w, {"Device#1"}).find();
    ASSERT_EQ(found.size(), 3u);
    EXPECT_TRUE(is_b1(*found[0]));
    EXPECT_EQ(found[0]->secret(), "k_d:dev-0");  // the same name as a Reg verifier after it
    EXPECT_EQ(reg_names(found, false), kBothDevices);
    EXPECT_TRUE(is_reg(*found[1]));
    EXPECT_TRUE(is_reg(*found[2]));
}

TEST(SgaGuess, ARegWithoutItsAcceptedRegAckGivesNoVerifier) {
    SgaWorld w(weak());
    w.run();
    Attacker eve(w, {});
    // Reg names nobody in clear: without the RegAck that names ID_d there is no name to search.
    std::erase_if(eve.inputs.observations,
                  [](const GuessObservation& o) { return o.msg->type == RegAck; });
    EXPECT_TRUE(eve.find().empty());
}

// ---- On-line --------------------------------------------------------------------------------

// fresh() that keeps what it handed out (kt, [N_A]: guess.hpp's order); its rng also draws the
// fresh session the engine's {"op":"session"} gives the captured message before the guess.
struct Fresh {
    static inline std::uint64_t next_seed = 11;
    SeededRng rng{next_seed++, "fresh"};
    std::vector<Bytes> given;
    std::function<Bytes(std::size_t)> fn() {
        return [this](std::size_t n) {
            given.push_back(rng.bytes(n));
            return given.back();
        };
    }
};

TEST(SgaGuess, OnlineRecipeNamesTheA1Guess) {
    const OnlineGuessRecipe r = online_guess_recipe();
    EXPECT_EQ(r.secret, "k_d");
    EXPECT_EQ(r.target_role, "SGA");
    EXPECT_EQ(r.type, A1);
    // A1 names nobody in clear: with no identity the guess is for kOnlineVictim.
    EXPECT_EQ(r.identity_field, "");
    EXPECT_EQ(r.derive("012345", BytesView{}).value(),
              r.derive("012345", view(to_bytes("dev-0"))).value());
    EXPECT_EQ(r.derive("012345", view(to_bytes("dev-1"))).value(),
              kd_from_pin("012345", view(to_bytes("dev-1"))).value());

    SgaWorld w(weak("as-specified", "3,1"));
    auto parties = online_parties(w.d);
    ASSERT_TRUE(parties.ok()) << parties.error().describe();
    EXPECT_EQ(parties->id_di, "dev-0");
    EXPECT_EQ(parties->id_dj, "dev-1");
    EXPECT_EQ(parties->id_g, "sga-0");
    EXPECT_EQ(parties->cid, CipherId::aes_128_ccm);
    Fresh fresh;
    EXPECT_FALSE(r.forge(w.d, make_msg(A3, 1), view(SecretBytes(16, 1)), fresh.fn()).ok());
    EXPECT_FALSE(r.forge(w.d, make_msg(A1, 1), view(SecretBytes(15, 1)), fresh.fn()).ok());
    Deployment empty;
    EXPECT_FALSE(r.forge(empty, make_msg(A1, 1), view(SecretBytes(16, 1)), fresh.fn()).ok());
}

TEST(SgaGuess, AsSpecifiedServerCannotTellAWrongGuessAndA4ConfirmsTheRightOne) {
    SgaWorld w(weak());
    w.run();  // both devices registered; the A1 the attacker captured
    Message captured = w.sent(A1).at(0);
    const OnlineGuessRecipe r = online_guess_recipe();
    const std::string real = pin(w);
    const std::size_t rejects = w.count("SGA#0", EventKind::reject);

    for (const std::string& candidate : {other_pin(real), std::string("guess"), real}) {
        const bool right = candidate == real;
        SCOPED_TRACE(right ? "right guess" : "wrong guess");
        const SecretBytes key = r.derive(candidate, BytesView{}).value();
        Fresh fresh;
        captured.session = fresh.rng.u64();
        auto a1 = r.forge(w.d, captured, view(key), fresh.fn());
        ASSERT_TRUE(a1.ok()) << a1.error().describe();
        ASSERT_EQ(fresh.given.size(), 2u);  // kt, then E^G's OAEP seed
        EXPECT_EQ(a1->session, captured.session);
        EXPECT_TRUE(encode(sga::schema(), *a1).ok());
        // The server unmasks whatever the guess made of kt, sends A2 to d_j, takes its A3 and
        // answers d_i with A4 (held back here: the attacker reads it off the wire).
        auto a4 = w.pump("Eve", {Outbound{"SGA#0", *a1}}, {A4});
        ASSERT_EQ(a4.size(), 1u);
        EXPECT_EQ(w.count("SGA#0", EventKind::reject), rejects) << w.last_reject("SGA#0");
        EXPECT_EQ(a4_confirms(a4[0], view(fresh.given[0])), right);
        if (right) {
            // The server committed the attacker's kt with dev-0.
            EXPECT_EQ(w.fp.fingerprint(view(fresh.given[0])),
                      *w.events("SGA#0", EventKind::commit).back().key_fp);
        }
    }
    EXPECT_FALSE(a4_confirms(w.sent(A2).at(0), view(SecretBytes(16, 0))));
}

TEST(SgaGuess, HardenedServerRejectsEveryWrongGuess) {
    SgaWorld w(weak("hardened"));
    w.run();
    Message captured = w.sent(A1).at(0);
    ASSERT_TRUE(captured.has(N_A));
    const OnlineGuessRecipe r = online_guess_recipe();
    const std::string real = pin(w);

    for (const std::string& candidate : {other_pin(real), std::string("guess")}) {
        const std::size_t rejects = w.count("SGA#0", EventKind::reject);
        Fresh fresh;
        captured.session = fresh.rng.u64();
        auto a1 =
            r.forge(w.d, captured, view(r.derive(candidate, BytesView{}).value()), fresh.fn());
        ASSERT_TRUE(a1.ok()) << a1.error().describe();
        ASSERT_EQ(fresh.given.size(), 3u);  // kt, E^G's OAEP seed, N_A
        EXPECT_EQ(to_bytes(a1->get_or_empty(N_A)), fresh.given[2]);
        EXPECT_EQ(to_bytes(a1->get_or_empty(TS)), to_bytes(captured.get_or_empty(TS)));
        EXPECT_TRUE(w.pump("Eve", {Outbound{"SGA#0", *a1}}, {A4}).empty());
        EXPECT_EQ(w.count("SGA#0", EventKind::reject), rejects + 1);
        EXPECT_EQ(w.last_reject("SGA#0"), "A1 MAC_A does not verify");
    }
    // The right guess is taken (hardening detects wrong guesses; it does not stop a right one).
    const std::size_t rejects = w.count("SGA#0", EventKind::reject);
    Fresh fresh;
    captured.session = fresh.rng.u64();
    auto a1 = r.forge(w.d, captured, view(r.derive(real, BytesView{}).value()), fresh.fn());
    ASSERT_TRUE(a1.ok());
    auto a4 = w.pump("Eve", {Outbound{"SGA#0", *a1}}, {A4});
    ASSERT_EQ(a4.size(), 1u);
    EXPECT_EQ(w.count("SGA#0", EventKind::reject), rejects) << w.last_reject("SGA#0");
    EXPECT_TRUE(a4_confirms(a4[0], view(fresh.given[0]), a1->get_or_empty(N_A)));
    EXPECT_FALSE(a4_confirms(a4[0], view(fresh.given[0])));  // the AAD binds N_A
}

}  // namespace
}  // namespace mtc::test
