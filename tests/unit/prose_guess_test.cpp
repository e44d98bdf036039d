// ProSe's key-guessing recipes (protocols/prose/guess.cpp) against the real roles in the
// weak-key profile: the off-line verifier in M1 finds the provisioned PIN and nothing else, its
// fast HMAC path agrees with the roles' own primitives for any candidate, an AES-CMAC M1 is
// still tested correctly, and a forged M1 under the right key is accepted by the MTCs.
// Also the DMKey KeyRecipe: PSKey and the run's M1 and M4 give the DMKey the MTCs sent.
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "attacks/compromise.hpp"
#include "attacks/knowledge.hpp"
#include "protocols/prose/guess.hpp"
#include "tests/unit/prose_capture.hpp"
#include "tests/unit/prose_fixture.hpp"

namespace mtc::test {
namespace {

using namespace mtc::prose;

std::string pin_of(const ProseWorld& w, const std::string& mtcd = "MTCd#0") {
    return to_string(view(w.d.find(mtcd)->creds.secrets.at("PIN")));
}

std::vector<std::unique_ptr<GuessVerifier>> verifiers(const std::vector<const Message*>& msgs) {
    GuessInputs in;
    for (std::size_t i = 0; i < msgs.size(); ++i)
        in.observations.push_back({i + 1, msgs[i], false});
    return guess_recipe().find(in);
}

// `m1` re-MICed under the PSKey `candidate` stands for, as the MTCd would have sent it had
// the device's PIN been `candidate`.
Message m1_for(Message m1, std::string_view candidate) {
    const auto psk = pskey_from_pin(candidate, to_string(m1.get_or_empty(MTCdID)));
    EXPECT_TRUE(psk.ok());
    m1.set(MTCdMIC, compute_mtcd_mic(view(*psk), m1).value());
    return m1;
}

// Candidates of every shape a search may feed: PINs, mask and wordlist words with any byte,
// and longer than a block (the KDF then hashes the key first).
std::vector<std::string> random_candidates(std::size_t n) {
    std::mt19937 gen(20240610);
    std::uniform_int_distribution<int> len(1, 80);
    std::uniform_int_distribution<int> byte(0, 255);
    std::vector<std::string> out = {
        "000000", "999999", "0", "x", "p@ss word", std::string(64, 'a'), std::string(65, 'a')};
    while (out.size() < n) {
        std::string c(static_cast<std::size_t>(len(gen)), '\0');
        for (char& ch : c) ch = static_cast<char>(byte(gen));
        out.push_back(std::move(c));
    }
    return out;
}

TEST(ProseGuess, RecipeNamesPSKey) {
    EXPECT_EQ(guess_recipe().secret, "PSKey");
    const OnlineGuessRecipe r = online_guess_recipe();
    EXPECT_EQ(r.secret, "PSKey");
    EXPECT_EQ(r.target_role, "MTCs");
    EXPECT_EQ(r.type, M1);
    EXPECT_EQ(r.identity_field, "MTCdID");
    ASSERT_EQ(prose::spec().recipes.guesses.size(), 1u);
    EXPECT_EQ(prose::spec().recipes.guesses[0].secret, "PSKey");
    EXPECT_TRUE(prose::spec().recipes.guesses[0].find);
}

TEST(ProseGuess, M1VerifierFindsTheProvisionedPinAndNothingElse) {
    ProseWorld w("as-specified", "basic", "weak-key");
    const std::string pin = pin_of(w);
    ASSERT_EQ(pin.size(), 6u);
    const Message m1 = w.m1();
    auto vs = verifiers({&m1});
    ASSERT_EQ(vs.size(), 1u);
    const GuessVerifier& v = *vs[0];

    // The name under which the MTCs holds the device's key, and that key is the PIN's.
    EXPECT_EQ(v.secret(), "PSKey:mtcd-0");
    const auto& mtcs_secrets = w.d.find("MTCs#0")->creds.secrets;
    ASSERT_EQ(mtcs_secrets.count(v.secret()), 1u);
    EXPECT_EQ(mtcs_secrets.at(v.secret()), w.psk());
    EXPECT_EQ(v.description(),
              "MTCdMIC of M1 (observation 1) over MTCdID, MTCsID, UEID, MTCdNonce, MTCdInfo");
    EXPECT_EQ(v.key_len(), kPSKeyLen);
    auto derived = v.derive(pin);
    ASSERT_TRUE(derived.ok());
    EXPECT_EQ(*derived, w.psk());

    auto t = v.tester();
    EXPECT_TRUE(t->test(pin));
    EXPECT_TRUE(t->test_key(view(w.psk())));
    int hits = 0;
    for (int p = 0; p < 3000; ++p) {
        char other[8];
        std::snprintf(other, sizeof other, "%06d", (std::stoi(pin) + 1 + p * 331) % 1'000'000);
        hits += t->test(other) ? 1 : 0;
    }
    EXPECT_EQ(hits, 0);
    EXPECT_FALSE(t->test(""));
    EXPECT_FALSE(v.derive("").ok());
    SecretBytes wrong = w.psk();
    wrong[5] ^= 0x80;
    EXPECT_FALSE(t->test_key(view(wrong)));
    // Still right after misses: the tester's state is per test.
    EXPECT_TRUE(t->test(pin));
}

TEST(ProseGuess, FastHmacPathCountsItsCompressionsExactly) {
    ProseWorld w("as-specified", "basic", "weak-key");
    const Message m1 = w.m1();
    auto vs = verifiers({&m1});
    ASSERT_EQ(vs.size(), 1u);
    // KBKDF block 1: key pads (2), [1]_32 || 20-byte label || 0x00 || "mtcd-0" || [128]_32
    // = 35 bytes (1 block with padding) and the outer digest (1). The MIC: key pads (2),
    // the MIC input (1 block up to 55 bytes, else 2) and the outer digest (1).
    const std::size_t mic_blocks = mtcd_mic_input(m1).size() <= 55 ? 1 : 2;
    EXPECT_EQ(vs[0]->compressions_per_test(), static_cast<double>(2 + 1 + 1 + 2 + mic_blocks + 1));
}

TEST(ProseGuess, FastPathAgreesWithTheRolesPrimitivesForAnyCandidate) {
    ProseWorld w("as-specified", "basic", "weak-key");
    const Message honest = w.m1();
    const auto candidates = random_candidates(200);
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        const std::string& c = candidates[i];
        const Message m1 = m1_for(honest, c);
        auto vs = verifiers({&m1});
        ASSERT_EQ(vs.size(), 1u);
        ASSERT_GT(vs[0]->compressions_per_test(), 0) << "not the fast path";
        auto t = vs[0]->tester();
        EXPECT_TRUE(t->test(c)) << "candidate " << i;
        const std::string& other = candidates[(i + 1) % candidates.size()];
        EXPECT_FALSE(t->test(other)) << "candidate " << i;
        auto key = vs[0]->derive(c);
        ASSERT_TRUE(key.ok());
        EXPECT_TRUE(t->test_key(view(*key)));
    }
}

TEST(ProseGuess, AesCmacM1GoesThroughTheSlowPathCorrectly) {
    ProseWorld w("as-specified", "basic", "weak-key", {}, {{"MTCd#0", {{"mic_alg", "2"}}}});
    const Message m1 = w.m1();
    ASSERT_EQ(mic_alg_of(m1), mic_aes_cmac);
    auto vs = verifiers({&m1});
    ASSERT_EQ(vs.size(), 1u);
    EXPECT_EQ(vs[0]->compressions_per_test(), 0) << "AES-CMAC is not SHA-256 bound";
    auto t = vs[0]->tester();
    EXPECT_TRUE(t->test(pin_of(w)));
    EXPECT_TRUE(t->test_key(view(w.psk())));
    EXPECT_FALSE(t->test(pin_of(w) + "0"));
    EXPECT_FALSE(t->test(""));
    for (const std::string& c : random_candidates(20)) {
        const Message forged = m1_for(m1, c);
        auto fv = verifiers({&forged});
        ASSERT_EQ(fv.size(), 1u);
        EXPECT_TRUE(fv[0]->tester()->test(c));
    }
}

TEST(ProseGuess, OneVerifierPerDeviceAndNoneWithoutM1) {
    ProseWorld w("as-specified", "basic", "weak-key", {{"MTCd", 2}});
    const Message a = w.m1();
    const Message a2 = w.m2(a);
    const Message m3 = w.m3(a2);
    const Message m4 = w.m4(m3);
    const Message again = w.m1();
    auto b_out = w.r("MTCd#1").start();
    ASSERT_EQ(b_out.size(), 1u);
    const Message b = b_out[0].msg;

    EXPECT_TRUE(verifiers({}).empty());
    EXPECT_TRUE(verifiers({&m3, &m4}).empty());
    Message no_mic = a;
    no_mic.erase(MTCdMIC);
    EXPECT_TRUE(verifiers({&no_mic}).empty());

    // M2 is M1 unchanged: a verifier too.
    auto from_m2 = verifiers({&m3, &a2});
    ASSERT_EQ(from_m2.size(), 1u);
    EXPECT_EQ(from_m2[0]->description(),
              "MTCdMIC of M2 (observation 2) over MTCdID, MTCsID, UEID, MTCdNonce, MTCdInfo");
    EXPECT_TRUE(from_m2[0]->tester()->test(pin_of(w)));

    auto vs = verifiers({&a, &a2, &m3, &m4, &again, &b});
    ASSERT_EQ(vs.size(), 2u);
    EXPECT_EQ(vs[0]->secret(), "PSKey:mtcd-0");
    EXPECT_EQ(vs[1]->secret(), "PSKey:mtcd-1");
    EXPECT_TRUE(vs[0]->tester()->test(pin_of(w, "MTCd#0")));
    EXPECT_TRUE(vs[1]->tester()->test(pin_of(w, "MTCd#1")));
    for (const auto& v : vs) EXPECT_EQ(w.d.find("MTCs#0")->creds.secrets.count(v->secret()), 1u);
}

TEST(ProseGuess, ForgedM1UnderTheRightKeyIsAcceptedByTheMTCs) {
    ProseWorld w("as-specified", "basic", "weak-key");
    const Message m1 = w.m1();
    const OnlineGuessRecipe r = online_guess_recipe();
    auto key = r.derive(pin_of(w), m1.get_or_empty(MTCdID));
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(*key, w.psk());

    std::uint8_t next = 0;
    auto fresh = [&next](std::size_t n) { return Bytes(n, ++next); };
    auto forged = r.forge(w.d, m1, view(*key), fresh);
    ASSERT_TRUE(forged.ok()) << forged.error().describe();
    forged->session = m1.session + 1;  // each guess in a fresh session, as the engine sends it
    EXPECT_EQ(forged->get_or_empty(MTCdNonce).size(), m1.get_or_empty(MTCdNonce).size());
    EXPECT_NE(to_bytes(forged->get_or_empty(MTCdNonce)), to_bytes(m1.get_or_empty(MTCdNonce)));
    EXPECT_EQ(forged->get_or_empty(MTCdID).size(), m1.get_or_empty(MTCdID).size());
    EXPECT_EQ(w.to_mtcs(w.m2(*forged)).size(), 1u) << w.last_reject("MTCs#0");

    const std::size_t rejects = w.count("MTCs#0", EventKind::reject);
    auto wrong_key = r.derive("not-the-pin", m1.get_or_empty(MTCdID));
    ASSERT_TRUE(wrong_key.ok());
    auto wrong = r.forge(w.d, m1, view(*wrong_key), fresh);
    ASSERT_TRUE(wrong.ok());
    wrong->session = m1.session + 2;
    EXPECT_TRUE(w.to_mtcs(w.m2(*wrong)).empty());
    EXPECT_EQ(w.count("MTCs#0", EventKind::reject), rejects + 1);

    Message m3;
    m3.protocol = kProtocolId;
    m3.type = M3;
    EXPECT_FALSE(r.forge(w.d, m3, view(*key), fresh).ok());
}

TEST(ProseGuess, DMKeyRecipeDerivesTheRunsKeyFromPSKeyM1AndM4) {
    ProseWorld w("as-specified", "basic", "weak-key");
    const Message m1 = w.m1();
    const Message m3 = w.m3(w.m2(m1));
    const Message m4 = w.m4(m3);
    ASSERT_FALSE(m4.has(DMKey));
    const auto& keys = prose::spec().recipes.keys;
    ASSERT_EQ(keys.size(), 1u);
    const KeyRecipe& r = keys[0];
    EXPECT_EQ(r.key, "DMKey");
    EXPECT_EQ(r.types, (std::vector<std::uint8_t>{M1, M4}));

    auto k = r.derive({&m1, &m4}, view(w.psk()));
    ASSERT_TRUE(k.ok()) << k.error().describe();
    ASSERT_EQ(k->size(), 1u);
    EXPECT_EQ(to_bytes(view(k->at(0))), to_bytes(m3.get_or_empty(DMKey)));

    SecretBytes wrong = w.psk();
    wrong[0] ^= 1;
    auto other = r.derive({&m1, &m4}, view(wrong));
    ASSERT_TRUE(other.ok());
    EXPECT_NE(to_bytes(view(other->at(0))), to_bytes(m3.get_or_empty(DMKey)));
    // Secrets that are no PSKey (a PIN, a DMKey) do not fit.
    EXPECT_FALSE(r.derive({&m1, &m4}, view(w.d.find("MTCd#0")->creds.secrets.at("PIN"))).ok());
    EXPECT_FALSE(r.derive({&m1}, view(w.psk())).ok());
}

// With the DMKey recipe, compromising the devices after the fact opens the DMKey of every earlier
// run from its clear M1 and M4: ProSe has no forward secrecy (and claims none).
TEST(ProseGuess, CompromiseOpensEveryEarlierDMKeyFromTheClearM1AndM4) {
    ProseCapture cap(7, DeploymentOptions{}, {"h1", "h2"});
    attacks::Knowledge k(prose_spec());
    for (const CapturedFrame& f : cap.frames) {
        if (f.frame.secure) continue;  // the attacker on the PC5 link sees M1 and M4
        ASSERT_TRUE(k.observe(f.frame.bytes, f.frame.from, f.frame.to, false, f.run, f.ts_us).ok());
    }
    attacks::CompromiseInput in;
    in.deployment = &cap.d;
    in.fingerprinter = &cap.fp;
    in.runs = {"h1", "h2"};
    for (const Event& e : cap.sink.events) {
        if (e.kind == EventKind::commit && e.key_fp) in.committed_fps.insert(*e.key_fp);
    }
    in.at_us = cap.clock.now_us();
    const attacks::CompromiseOutcome out = attacks::compromise_all(k, in);
    EXPECT_EQ(out.runs_tried, 2u) << out.note;
    ASSERT_EQ(out.recovered.size(), 2u) << out.note;
    EXPECT_NE(out.recovered[0].find("DMKey of run h1"), std::string::npos) << out.recovered[0];
    EXPECT_NE(out.recovered[1].find("DMKey of run h2"), std::string::npos) << out.recovered[1];
}

}  // namespace
}  // namespace mtc::test
