// ProSe's attacker recipes (ProtocolSpec::recipes) against the honest roles: the MAC recipe
// recomputes exactly what the MTCd sends, under the key name provisioning uses, and applying
// a forward recipe to an honest message gives what the relay role really sends.
#include "tests/unit/prose_fixture.hpp"

namespace mtc::test {
namespace {

using namespace mtc::prose;

const MacRecipe* mac_recipe(std::uint8_t type) {
    for (const auto& m : prose::spec().recipes.macs) {
        if (m.type == type) return &m;
    }
    return nullptr;
}

// The key an attacker holding the MTCs's credentials would use for `msg` under `recipe`.
const SecretBytes* key_for(const ProseWorld& w, const MacRecipe& recipe, const Message& msg) {
    const FieldSpec* id = schema().message(msg.type)->field(recipe.identity_field);
    if (id == nullptr) return nullptr;
    const std::string name = recipe.secret + ":" + display(msg.get_or_empty(id->tag));
    const auto& secrets = w.d.find("MTCs#0")->creds.secrets;
    auto it = secrets.find(name);
    return it == secrets.end() ? nullptr : &it->second;
}

TEST(ProseRecipes, M1MacRecipeRecomputesTheHonestMTCdMIC) {
    for (const char* mic_alg : {"1", "2"}) {
        ProseWorld w("as-specified", "basic", "default", {}, {{"MTCd#0", {{"mic_alg", mic_alg}}}});
        const Message m1 = w.m1();
        const MacRecipe* r = mac_recipe(M1);
        ASSERT_NE(r, nullptr);
        EXPECT_EQ(r->field, "MTCdMIC");
        const FieldSpec* f = schema().message(M1)->field(r->field);
        ASSERT_NE(f, nullptr);
        const SecretBytes* key = key_for(w, *r, m1);
        ASSERT_NE(key, nullptr) << "no MTCs secret named " << r->secret << ":<MTCdID>";
        EXPECT_EQ(*key, w.psk());
        auto tag = r->compute(m1, view(*key));
        ASSERT_TRUE(tag.ok());
        EXPECT_EQ(*tag, to_bytes(m1.get_or_empty(f->tag))) << "mic_alg " << mic_alg;

        SecretBytes wrong = *key;
        wrong[0] ^= 0x01;
        auto other = r->compute(m1, view(wrong));
        ASSERT_TRUE(other.ok());
        EXPECT_NE(*other, to_bytes(m1.get_or_empty(f->tag)));
    }
}

TEST(ProseRecipes, ARecomputedMicOverAModifiedM2IsAcceptedByTheMTCs) {
    ProseWorld w;
    Message m2 = w.m2(w.m1());
    m2.set(MTCdInfo_Context, to_bytes("moved"));
    const MacRecipe* r = mac_recipe(M2);
    ASSERT_NE(r, nullptr);
    m2.set(MTCdMIC, r->compute(m2, view(*key_for(w, *r, m2))).value());
    EXPECT_EQ(w.to_mtcs(m2).size(), 1u) << w.last_reject("MTCs#0");
}

TEST(ProseRecipes, NoRecipeForMTCsMICWhichNeedsTheRunsM1) {
    EXPECT_EQ(mac_recipe(M3), nullptr);
    EXPECT_EQ(mac_recipe(M4), nullptr);
}

TEST(ProseRecipes, FlowsFollowTheProtocol) {
    const AttackRecipes& r = prose::spec().recipes;
    auto is = [&](std::uint8_t type, const char* from, const char* to) {
        const MessageFlow* f = r.flow(type);
        return f != nullptr && f->from_role == from && f->to_role == to;
    };
    EXPECT_TRUE(is(M1, "MTCd", "UE"));
    EXPECT_TRUE(is(M2, "UE", "MTCs"));
    EXPECT_TRUE(is(M3, "MTCs", "UE"));
    EXPECT_TRUE(is(M4, "UE", "MTCd"));
    for (const auto& f : r.flows) {
        EXPECT_NE(prose::spec().role(f.from_role), nullptr);
        EXPECT_NE(prose::spec().role(f.to_role), nullptr);
    }
}

TEST(ProseRecipes, ForwardRecipesGiveWhatTheUeSends) {
    ProseWorld w;
    const Message m1 = w.m1();
    const Message m2 = w.m2(m1);
    const Message m3 = w.m3(m2);
    const Message m4 = w.m4(m3);
    std::map<std::uint8_t, const Message*> honest = {{M1, &m1}, {M2, &m2}, {M3, &m3}, {M4, &m4}};
    ASSERT_EQ(prose::spec().recipes.forwards.size(), 2u);
    for (const auto& f : prose::spec().recipes.forwards) {
        EXPECT_EQ(f.relay_role, "UE");
        Message out = *honest.at(f.in_type);
        out.type = f.out_type;
        for (const auto& name : f.strip) {
            const FieldSpec* field = schema().message(f.in_type)->field(name);
            ASSERT_NE(field, nullptr) << name;
            out.erase(field->tag);
        }
        EXPECT_EQ(out, *honest.at(f.out_type)) << int(f.in_type) << " -> " << int(f.out_type);
    }
}

}  // namespace
}  // namespace mtc::test
