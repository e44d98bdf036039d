// The attacker functions of attack terms (attacks/term.hpp): each computes what the real
// primitive computes, and fails with a reason when the attacker lacks what it needs.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "attacks/term.hpp"
#include "protocols/core/codec.hpp"
#include "protocols/core/crypto/aead.hpp"
#include "protocols/core/crypto/dl_group.hpp"
#include "protocols/core/registry.hpp"
#include "protocols/core/rng.hpp"

namespace mtc::attacks {
namespace {

using json = nlohmann::json;

class TermFunctions : public ::testing::Test {
protected:
    TermFunctions() : spec_(*find_protocol("prose")), k_(spec_) {
        // One M1 to hang values on: the term sets its Context field to the function's output.
        Message m1;
        m1.protocol = spec_.schema->protocol_id;
        m1.type = spec_.schema->message("M1")->type;
        m1.session = 1;
        const MessageSpec& ms = *spec_.schema->message("M1");
        for (const FieldSpec& f : ms.fields) {
            if (f.required) m1.set(f.tag, Bytes(std::max<std::size_t>(f.min_len, 1), 0x11));
        }
        auto frame = encode(*spec_.schema, m1);
        EXPECT_TRUE(frame) << frame.error().describe();
        EXPECT_TRUE(k_.observe(*frame, "MTCd#0", "UE#0", false, "h1", 0));
        rng_ = make_rng(1, "term-functions");
    }

    // Evaluates VALUE by setting it into M1's MTCdInfo.Context and reading it back.
    Result<Bytes> value(const json& v) {
        TermContext ctx;
        ctx.knowledge = &k_;
        ctx.rng = rng_.get();
        const json term = {
            {"msg", "h1.M1"},
            {"with", json::array({{{"op", "set"}, {"field", "MTCdInfo.Context"}, {"value", v}}})}};
        auto m = eval_term(term, ctx);
        if (!m) return m.error();
        const FieldSpec* f = spec_.schema->message("M1")->field("MTCdInfo.Context");
        return *m->get(f->tag);
    }

    static json hex(std::string_view text) {
        return {{"hex", to_hex(BytesView(reinterpret_cast<const std::uint8_t*>(text.data()),
                                         text.size()))}};
    }

    const ProtocolSpec& spec_;
    Knowledge k_;
    std::unique_ptr<Rng> rng_;
};

TEST_F(TermFunctions, HashIsSha256OfTheConcatenation) {
    // FIPS 180-2 example: SHA-256("abc"), given in two parts.
    auto h = value({{"hash", json::array({hex("ab"), hex("c")})}});
    ASSERT_TRUE(h) << h.error().describe();
    EXPECT_EQ(to_hex(*h), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(TermFunctions, HmacMatchesRfc4231Case2) {
    auto m =
        value({{"hmac", {{"key", hex("Jefe")}, {"data", hex("what do ya want for nothing?")}}}});
    ASSERT_TRUE(m) << m.error().describe();
    EXPECT_EQ(to_hex(*m), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_F(TermFunctions, DiffieHellmanWithTheAttackersOwnExponentAgrees) {
    // The attacker's share g^a and a victim's g^y: the attacker's key (g^y)^a equals the
    // victim's (g^a)^y.
    auto group = crypto::DlGroup::named(crypto::GroupId::dh_1024_160);
    ASSERT_TRUE(group);
    auto share = value({{"dh_share", {{"group", "dh_1024_160"}, {"exp", "a"}}}});
    ASSERT_TRUE(share) << share.error().describe();
    auto vrng = make_rng(2, "victim");
    const crypto::BigNum y = group->random_scalar(*vrng);
    const Bytes gy = group->exp_g(y).to_bytes_padded(group->element_bytes());
    auto key = value(
        {{"dh_key", {{"group", "dh_1024_160"}, {"exp", "a"}, {"peer", {{"hex", to_hex(gy)}}}}}});
    ASSERT_TRUE(key) << key.error().describe();
    const Bytes victim = group->exp(crypto::BigNum::from_bytes(view(*share)), y)
                             .to_bytes_padded(group->element_bytes());
    EXPECT_EQ(*key, victim);
    // Another exponent label gives another share.
    auto other = value({{"dh_share", {{"group", "dh_1024_160"}, {"exp", "b"}}}});
    ASSERT_TRUE(other);
    EXPECT_NE(*other, *share);
    EXPECT_FALSE(value({{"dh_share", {{"group", "no-such-group"}}}}));
}

TEST_F(TermFunctions, SealAndOpenWithAKnownKey) {
    const json key = {{"hex", std::string(32, 'a')}};
    const json nonce = {{"hex", std::string(24, 'b')}};
    auto ct =
        value({{"seal", {{"alg", 1}, {"key", key}, {"nonce", nonce}, {"data", hex("secret")}}}});
    ASSERT_TRUE(ct) << ct.error().describe();
    EXPECT_EQ(ct->size(), 6 + crypto::kAeadTagLen);
    auto pt = value(
        {{"open", {{"alg", 1}, {"key", key}, {"nonce", nonce}, {"data", {{"hex", to_hex(*ct)}}}}}});
    ASSERT_TRUE(pt) << pt.error().describe();
    EXPECT_EQ(std::string(pt->begin(), pt->end()), "secret");
    // A wrong key does not open it.
    auto bad = value({{"open",
                       {{"alg", 1},
                        {"key", {{"hex", std::string(32, 'c')}}},
                        {"nonce", nonce},
                        {"data", {{"hex", to_hex(*ct)}}}}}});
    EXPECT_FALSE(bad);
}

TEST_F(TermFunctions, SecretsAndKeysOnlyWhenTheAttackerHasThem) {
    auto missing = value({{"secret", "PSKey:mtcd-0"}});
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().reason.find("does not know secret PSKey:mtcd-0"), std::string::npos);
    Credentials creds;
    creds.identity = "mtcd-0";
    creds.secrets["PSKey"] = SecretBytes(16, 0x42);
    k_.compromise("MTCd#0", creds);
    auto got = value({{"secret", "PSKey:mtcd-0"}});
    ASSERT_TRUE(got) << got.error().describe();
    EXPECT_EQ(*got, Bytes(16, 0x42));

    EXPECT_FALSE(value({{"key", "DMKey"}}));
    k_.learn_key("DMKey", SecretBytes(32, 0x07), "test");
    auto dm = value(
        {{"kdf",
          {{"key", {{"key", "DMKey"}}}, {"label", "L"}, {"context", hex("c")}, {"len", 16}}}});
    ASSERT_TRUE(dm) << dm.error().describe();
    EXPECT_EQ(dm->size(), 16u);
    EXPECT_FALSE(value({{"nosuchfunction", 1}}));
}

}  // namespace
}  // namespace mtc::attacks
