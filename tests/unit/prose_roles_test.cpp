// Every check of every ProSe role, fed exactly the input that fails it, plus honest runs.
// Each negative test also asserts that nothing was accepted or committed, so removing the
// check makes the test fail.
#include "protocols/core/codec.hpp"
#include "protocols/core/role.hpp"
#include "tests/unit/prose_fixture.hpp"

namespace mtc::test {
namespace {

using namespace mtc::prose;
using ::testing::HasSubstr;

TEST(ProseHonest, BasicRunCommitsOneDMKeyOnEveryRole) {
    for (const char* variant : {"as-specified", "hardened"}) {
        ProseWorld w(variant);
        const Message m1 = w.m1();
        const Message m3 = w.m3(w.m2(m1));
        ASSERT_TRUE(m3.has(DMKey));
        const Message m4 = w.m4(m3);
        EXPECT_FALSE(m4.has(DMKey)) << "the UE must delete DMKey before M4";
        EXPECT_TRUE(w.to_mtcd(m4).empty());
        auto c_mtcd = w.events("MTCd#0", EventKind::commit);
        auto c_ue = w.events("UE#0", EventKind::commit);
        auto c_mtcs = w.events("MTCs#0", EventKind::commit);
        ASSERT_EQ(c_mtcd.size(), 1u) << variant;
        ASSERT_EQ(c_ue.size(), 1u);
        ASSERT_EQ(c_mtcs.size(), 1u);
        EXPECT_EQ(c_mtcd[0].key_fp, c_ue[0].key_fp);
        EXPECT_EQ(c_mtcd[0].key_fp, c_mtcs[0].key_fp);
        EXPECT_EQ(c_mtcd[0].params, c_ue[0].params);
        EXPECT_EQ(w.count("MTCd#0", EventKind::reject) + w.count("UE#0", EventKind::reject) +
                      w.count("MTCs#0", EventKind::reject),
                  0u);
        // The MTCd derives DMKey itself; it must equal what the MTCs put in M3.
        auto k = derive_dmkey(view(w.psk()), m1, m4);
        ASSERT_TRUE(k.ok());
        EXPECT_EQ(w.fp.fingerprint(view(*k)), *c_mtcd[0].key_fp);
    }
}

TEST(ProseHonest, EventsCarryNoKeyMaterial) {
    ProseWorld w;
    const Message m3 = w.m3(w.m2(w.m1()));
    w.to_mtcd(w.m4(m3));
    const std::string dmkey_hex = to_hex(m3.get_or_empty(DMKey));
    const std::string psk_hex = to_hex(view(w.psk()));
    for (const auto& e : w.sink.events) {
        const std::string line = to_json_line(e);
        EXPECT_EQ(line.find(dmkey_hex), std::string::npos) << line;
        EXPECT_EQ(line.find(psk_hex), std::string::npos) << line;
    }
}

TEST(ProseHonest, AesCmacMicAndCmacKdfAreNegotiated) {
    ProseWorld w(
        "as-specified", "basic", "default", {},
        {{"MTCd#0", {{"mic_alg", "2"}, {"kdf_algs", "2"}}}, {"MTCs#0", {{"kdf_pref", "1,2"}}}});
    const Message m1 = w.m1();
    EXPECT_EQ(m1.get_or_empty(MTCdMIC).size(), 16u);
    const Message m3 = w.m3(w.m2(m1));
    EXPECT_EQ(kdf_alg_of(m3), kdf_kbkdf_cmac_aes);
    w.to_mtcd(w.m4(m3));
    EXPECT_EQ(w.count("MTCd#0", EventKind::commit), 1u);
}

TEST(ProseHonest, WeakKeyProfileDerivesPSKeyFromThePin) {
    ProseWorld w("as-specified", "basic", "weak-key");
    const auto& creds = w.d.find("MTCd#0")->creds;
    const std::string pin = to_string(view(creds.secrets.at("PIN")));
    ASSERT_EQ(pin.size(), 6u);
    auto k = pskey_from_pin(pin, creds.identity);
    ASSERT_TRUE(k.ok());
    EXPECT_EQ(*k, creds.secrets.at("PSKey"));
    w.to_mtcd(w.m4(w.m3(w.m2(w.m1()))));
    EXPECT_EQ(w.count("MTCd#0", EventKind::commit), 1u);
}

TEST(ProseHonest, ExtendedModeBindsTheGatewayAndForwardsUnchanged) {
    ProseWorld w("as-specified", "extended");
    auto out = w.r("MTCd#0").start();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].to, "GW#0");
    const Message m1 = out[0].msg;
    EXPECT_EQ(to_string(m1.get_or_empty(MTCdInfo_RelayID)), "gw-0");
    auto fwd = w.r("GW#0").on_message(Inbound{m1, "MTCd#0", std::nullopt});
    ASSERT_EQ(fwd.size(), 1u);
    EXPECT_EQ(fwd[0].to, "UE#0");
    EXPECT_EQ(fwd[0].msg, m1);
    auto m2 = w.r("UE#0").on_message(Inbound{m1, "GW#0", std::nullopt});
    const Message m3 = w.m3(m2.at(0).msg);
    auto m4 = w.to_ue(m3);
    ASSERT_EQ(m4.size(), 1u);
    EXPECT_EQ(m4[0].to, "GW#0") << "M4 goes back the way M1 came";
    auto back = w.r("GW#0").on_message(Inbound{m4[0].msg, "UE#0", std::nullopt});
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0].to, "MTCd#0");
    w.to_mtcd(back[0].msg);
    EXPECT_EQ(w.count("MTCd#0", EventKind::commit), 1u);
}

// ---- MTCs checks -----------------------------------------------------------------------

struct MtcsCheck : ::testing::Test {
    void expect_rejected(ProseWorld& w, const std::vector<Outbound>& out,
                         const std::string& reason) {
        EXPECT_TRUE(out.empty());
        EXPECT_THAT(w.last_reject("MTCs#0"), HasSubstr(reason));
        EXPECT_EQ(w.count("MTCs#0", EventKind::accept), 0u);
        EXPECT_EQ(w.count("MTCs#0", EventKind::commit), 0u);
    }
};

TEST_F(MtcsCheck, RejectsMessagesOtherThanM2) {
    ProseWorld w;
    expect_rejected(w, w.to_mtcs(w.m1()), "unexpected M1");
}

TEST_F(MtcsCheck, RejectsM2OffTheAuthenticatedLink) {
    ProseWorld w;
    expect_rejected(w, w.to_mtcs(w.m2(w.m1()), std::nullopt), "authenticated UE link");
}

TEST_F(MtcsCheck, RejectsAnUnauthorisedUe) {
    ProseWorld w;
    expect_rejected(w, w.to_mtcs(w.m2(w.m1()), "ue-intruder"), "ue-intruder is not authorised");
}

TEST_F(MtcsCheck, HardenedRejectsAUeThatIsNotM2sUEID) {
    ProseWorld w("hardened", "basic", "default", {{"UE", 2}});
    expect_rejected(w, w.to_mtcs(w.m2(w.m1()), "ue-1"),
                    "authenticated UE ue-1 is not M2's UEID ue-0");
}

TEST_F(MtcsCheck, AsSpecifiedLetsAnotherAuthorisedUeTakeTheDMKey) {
    // The paper's gap, kept on purpose in as-specified: the TLS peer is not tied to UEID.
    ProseWorld w("as-specified", "basic", "default", {{"UE", 2}});
    EXPECT_EQ(w.to_mtcs(w.m2(w.m1()), "ue-1").size(), 1u);
    EXPECT_EQ(w.count("MTCs#0", EventKind::commit), 1u);
}

TEST_F(MtcsCheck, RejectsAnM2ForAnotherServer) {
    ProseWorld w;
    Message m2 = w.m2(w.m1());
    m2.set(MTCsID, to_bytes("mtcs-9"));
    w.remic_m2(m2);
    expect_rejected(w, w.to_mtcs(m2), "M2 is for MTCsID mtcs-9");
}

TEST_F(MtcsCheck, RejectsAnUnknownDevice) {
    ProseWorld w;
    Message m2 = w.m2(w.m1());
    m2.set(MTCdID, to_bytes("mtcd-77"));
    w.remic_m2(m2);
    expect_rejected(w, w.to_mtcs(m2), "unknown MTCdID mtcd-77");
}

TEST_F(MtcsCheck, RejectsAnUnsupportedMicAlgorithm) {
    ProseWorld w;
    Message m2 = w.m2(w.m1());
    m2.set(MTCdInfo_MICAlg, Bytes{9});
    expect_rejected(w, w.to_mtcs(m2), "unsupported MTCdInfo.MICAlg 9");
}

TEST_F(MtcsCheck, RejectsAMicOfTheWrongLength) {
    ProseWorld w;
    Message m2 = w.m2(w.m1());
    Bytes mic = *m2.get(MTCdMIC);
    mic.resize(16);
    m2.set(MTCdMIC, mic);
    expect_rejected(w, w.to_mtcs(m2), "MTCdMIC length 16 does not fit MIC algorithm 1");
}

TEST_F(MtcsCheck, RejectsWhenNoOfferedKdfIsSupported) {
    ProseWorld w;
    Message m2 = w.m2(w.m1());
    m2.set(MTCdInfo_KDFAlgs, Bytes{7, 8});
    w.remic_m2(m2);
    expect_rejected(w, w.to_mtcs(m2), "no common KDF");
}

TEST_F(MtcsCheck, RejectsABadMic) {
    ProseWorld w;
    Message m2 = w.m2(w.m1());
    Bytes mic = *m2.get(MTCdMIC);
    mic[0] ^= 1;
    m2.set(MTCdMIC, mic);
    expect_rejected(w, w.to_mtcs(m2), "MTCdMIC verification failed");
}

TEST_F(MtcsCheck, RejectsAnyFieldChangedUnderTheMic) {
    for (std::uint8_t tag : {MTCdNonce, UEID, MTCdInfo_KDFAlgs}) {
        ProseWorld w("as-specified", "basic", "default", {{"UE", 2}});
        Message m2 = w.m2(w.m1());
        m2.set(tag, tag == UEID ? to_bytes("ue-1") : Bytes(16, 1));
        if (tag == MTCdInfo_KDFAlgs) m2.set(tag, Bytes{1});
        expect_rejected(w, w.to_mtcs(m2), "MTCdMIC verification failed");
    }
}

TEST_F(MtcsCheck, HardenedRejectsAReplayedNonce) {
    ProseWorld w("hardened");
    const Message m2 = w.m2(w.m1());
    ASSERT_EQ(w.to_mtcs(m2).size(), 1u);
    Message replay = m2;
    replay.session ^= 0xffff;  // a new run id does not make the nonce fresh
    EXPECT_TRUE(w.to_mtcs(replay).empty());
    EXPECT_THAT(w.last_reject("MTCs#0"), HasSubstr("MTCdNonce replayed"));
    EXPECT_EQ(w.count("MTCs#0", EventKind::commit), 1u);
}

TEST_F(MtcsCheck, AsSpecifiedAcceptsAReplayedM2) {
    // The paper's gap: no nonce record, so a captured M1 yields a second DMKey.
    ProseWorld w("as-specified");
    const Message m2 = w.m2(w.m1());
    ASSERT_EQ(w.to_mtcs(m2).size(), 1u);
    EXPECT_EQ(w.to_mtcs(m2).size(), 1u);
    EXPECT_EQ(w.count("MTCs#0", EventKind::commit), 2u);
}

// ---- UE checks ----------------------------------------------------------------------------

std::size_t ue_forwards(ProseWorld& w) {
    return w.count("UE#0", EventKind::begin) + w.count("UE#0", EventKind::accept) +
           w.count("UE#0", EventKind::commit);
}

TEST(UeCheck, RejectsAnM1ForAnotherUe) {
    ProseWorld w;
    Message m1 = w.m1();
    m1.set(UEID, to_bytes("ue-5"));
    EXPECT_TRUE(w.r("UE#0").on_message(Inbound{m1, "MTCd#0", std::nullopt}).empty());
    EXPECT_THAT(w.last_reject("UE#0"), HasSubstr("M1 names UEID ue-5, not this UE"));
    EXPECT_EQ(ue_forwards(w), 0u);
}

TEST(UeCheck, RejectsAnM1ForAnUnknownServer) {
    ProseWorld w;
    Message m1 = w.m1();
    m1.set(MTCsID, to_bytes("mtcs-9"));
    EXPECT_TRUE(w.r("UE#0").on_message(Inbound{m1, "MTCd#0", std::nullopt}).empty());
    EXPECT_THAT(w.last_reject("UE#0"), HasSubstr("MTCsID mtcs-9, unknown to this UE"));
    EXPECT_EQ(ue_forwards(w), 0u);
}

TEST(UeCheck, RejectsUnexpectedMessageTypes) {
    ProseWorld w;
    const Message m2 = w.m2(w.m1());
    EXPECT_TRUE(w.r("UE#0").on_message(Inbound{m2, "X", std::nullopt}).empty());
    EXPECT_THAT(w.last_reject("UE#0"), HasSubstr("unexpected M2"));
}

TEST(UeCheck, RejectsM3OffTheAuthenticatedLink) {
    ProseWorld w;
    const Message m3 = w.m3(w.m2(w.m1()));
    EXPECT_TRUE(w.to_ue(m3, std::nullopt).empty());
    EXPECT_THAT(w.last_reject("UE#0"),
                HasSubstr("did not arrive over the authenticated MTCs link"));
    EXPECT_EQ(w.count("UE#0", EventKind::commit), 0u);
}

TEST(UeCheck, RejectsM3ForAnUnknownSession) {
    ProseWorld w;
    Message m3 = w.m3(w.m2(w.m1()));
    m3.session += 1;
    EXPECT_TRUE(w.to_ue(m3).empty());
    EXPECT_THAT(w.last_reject("UE#0"), HasSubstr("M3 for an unknown session"));
    EXPECT_EQ(w.count("UE#0", EventKind::commit), 0u);
}

TEST(UeCheck, RejectsM3FromAnotherAuthenticatedServer) {
    ProseWorld w;
    const Message m3 = w.m3(w.m2(w.m1()));
    EXPECT_TRUE(w.to_ue(m3, "mtcs-evil").empty());
    EXPECT_THAT(w.last_reject("UE#0"),
                HasSubstr("authenticated peer mtcs-evil, but M1 named MTCsID mtcs-0"));
    EXPECT_EQ(w.count("UE#0", EventKind::commit), 0u);
}

TEST(UeCheck, RejectsM3WhoseIdentitiesDoNotMatchM1) {
    for (auto [tag, name] : {std::pair{MTCdID, "MTCdID"}, {MTCsID, "MTCsID"}, {UEID, "UEID"}}) {
        ProseWorld w;
        Message m3 = w.m3(w.m2(w.m1()));
        m3.set(tag, to_bytes("someone-else"));
        EXPECT_TRUE(w.to_ue(m3).empty());
        EXPECT_THAT(w.last_reject("UE#0"),
                    HasSubstr(std::string("M3 ") + name + " someone-else does not match"));
        EXPECT_EQ(w.count("UE#0", EventKind::commit), 0u);
    }
}

// ---- MTCd checks --------------------------------------------------------------------------

struct MtcdCheck : ::testing::Test {
    ProseWorld w;
    Message m1, m4;
    void SetUp() override {
        m1 = w.m1();
        m4 = w.m4(w.m3(w.m2(m1)));
    }
    void expect_rejected(const Message& m, const std::string& reason) {
        EXPECT_TRUE(w.to_mtcd(m).empty());
        EXPECT_THAT(w.last_reject("MTCd#0"), HasSubstr(reason));
        EXPECT_EQ(w.count("MTCd#0", EventKind::accept), 0u);
        EXPECT_EQ(w.count("MTCd#0", EventKind::commit), 0u);
    }
};

TEST_F(MtcdCheck, RejectsMessagesOtherThanM4) {
    Message m3 = m4;
    m3.type = M3;
    expect_rejected(m3, "unexpected M3");
}

TEST_F(MtcdCheck, RejectsAnUnknownSession) {
    m4.session += 1;
    expect_rejected(m4, "M4 for an unknown session");
}

TEST_F(MtcdCheck, RejectsAReplayedM4) {
    w.to_mtcd(m4);
    ASSERT_EQ(w.count("MTCd#0", EventKind::commit), 1u);
    EXPECT_TRUE(w.to_mtcd(m4).empty());
    EXPECT_THAT(w.last_reject("MTCd#0"), HasSubstr("already completed"));
    EXPECT_EQ(w.count("MTCd#0", EventKind::commit), 1u);
}

TEST_F(MtcdCheck, RejectsIdentitiesThatDoNotMatchM1) {
    for (auto [tag, name] : {std::pair{MTCdID, "MTCdID"}, {MTCsID, "MTCsID"}, {UEID, "UEID"}}) {
        Message bad = m4;
        bad.set(tag, to_bytes("someone-else"));
        w.remic_m4(m1, bad);
        expect_rejected(bad, std::string("M4 ") + name + " someone-else does not match");
    }
}

TEST_F(MtcdCheck, RejectsAKdfItDidNotOffer) {
    ProseWorld only_hmac("as-specified", "basic", "default", {}, {{"MTCd#0", {{"kdf_algs", "1"}}}});
    const Message a1 = only_hmac.m1();
    Message bad = only_hmac.m4(only_hmac.m3(only_hmac.m2(a1)));
    bad.set(MTCsInfo_KDFAlg, Bytes{kdf_kbkdf_cmac_aes});
    only_hmac.remic_m4(a1, bad);
    EXPECT_TRUE(only_hmac.to_mtcd(bad).empty());
    EXPECT_THAT(only_hmac.last_reject("MTCd#0"), HasSubstr("MTCsInfo.KDFAlg 2 was not offered"));
    EXPECT_EQ(only_hmac.count("MTCd#0", EventKind::commit), 0u);
}

TEST_F(MtcdCheck, RejectsABadServerMic) {
    Bytes mic = *m4.get(MTCsMIC);
    mic.back() ^= 0x80;
    m4.set(MTCsMIC, mic);
    expect_rejected(m4, "MTCsMIC verification failed");
}

TEST_F(MtcdCheck, RejectsAFieldChangedUnderTheServerMic) {
    m4.set(MTCsNonce, Bytes(16, 0));
    expect_rejected(m4, "MTCsMIC verification failed");
}

TEST_F(MtcdCheck, RejectsAnExpiredPolicy) {
    Bytes past;
    put_u64(past, static_cast<std::uint64_t>(w.clock.now_s() - 1));
    m4.set(MTCsInfo_Expiry, past);
    w.remic_m4(m1, m4);
    expect_rejected(m4, "DMKey already expired");
}

TEST_F(MtcdCheck, RejectsAnExpiryOfTheWrongSizeEvenWithoutTheDecoder) {
    m4.set(MTCsInfo_Expiry, Bytes{1, 2, 3});  // a message built in memory, never decoded
    w.remic_m4(m1, m4);
    expect_rejected(m4, "MTCsInfo.Expiry is not 8 bytes");
}

// ---- GW checks and frame delivery ---------------------------------------------------------

TEST(GwCheck, RejectsAnM4ForAnUnknownSessionAndOtherTypes) {
    ProseWorld w("as-specified", "extended");
    Message m4;
    m4.protocol = kProtocolId;
    m4.type = M4;
    m4.session = 99;
    EXPECT_TRUE(w.r("GW#0").on_message(Inbound{m4, "UE#0", std::nullopt}).empty());
    EXPECT_THAT(w.last_reject("GW#0"), HasSubstr("M4 for an unknown session"));
    m4.type = M3;
    EXPECT_TRUE(w.r("GW#0").on_message(Inbound{m4, "UE#0", std::nullopt}).empty());
    EXPECT_THAT(w.last_reject("GW#0"), HasSubstr("unexpected M3"));
}

TEST(FrameDelivery, AMalformedFrameBecomesARejectWithTheDecodeReason) {
    ProseWorld w;
    const Message m1 = w.m1();
    Bytes frame = encode(schema(), m1).value();
    frame.pop_back();  // truncated
    EXPECT_TRUE(deliver_frame(w.r("UE#0"), schema(), frame, "MTCd#0", std::nullopt).empty());
    EXPECT_THAT(w.last_reject("UE#0"), HasSubstr("decode: "));
    EXPECT_EQ(w.events("UE#0", EventKind::reject).back().session, m1.session);
    const Bytes garbage = {0xde, 0xad};
    EXPECT_TRUE(deliver_frame(w.r("MTCs#0"), schema(), garbage, "UE#0", "ue-0").empty());
    EXPECT_THAT(w.last_reject("MTCs#0"), HasSubstr("decode: "));
}

}  // namespace
}  // namespace mtc::test
