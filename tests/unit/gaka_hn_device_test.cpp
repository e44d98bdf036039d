// GAKA / EPS-AKA HN and devices (protocols/gaka/hn.cpp, device.cpp), driven message by message
// through hand-built Envs. The test plays the SN: it holds K_SH, seals the requests, opens the
// HN's answers and challenges the devices with what it found inside. Also: the primitives the
// roles share, the stored SQN states, and for every check a role declares, the attack it stops
// (rejected as built, let through when that check alone is weakened).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "protocols/core/role.hpp"
#include "protocols/core/storage.hpp"
#include "protocols/gaka/primitives.hpp"
#include "protocols/gaka/roles.hpp"
#include "tests/unit/hex_vectors.hpp"
#include "tests/unit/role_world.hpp"

namespace mtc::test {
namespace {

using namespace mtc::gaka;
using ::testing::HasSubstr;

const std::string kSnName = "001-01";
const std::string kGid = "fleet-7";
const std::string kOtherGid = "fleet-9";
const std::string kHn = "HN#0";
const std::string kSnAddr = "SN#0";  // where the devices' and the HN's answers go

std::string imsi_of(std::size_t i) {
    const std::string n = std::to_string(i);
    return "00101" + std::string(10 - n.size(), '0') + n;  // 15 digits
}

Bytes sn_id() {
    return plmn_id(kSnName).value();
}

struct Subscriber {
    std::string imsi;
    SecretBytes k, opc;
};

// subs[0 .. n-1] form group kGid (subs[0] its leader); subs[n] is an outsider, alone in group
// kOtherGid. The HN knows every subscriber, both groups and the SNs 001-01 and 002-02.
struct GakaWorld : RoleWorldBase {
    SeededRng rng{11, "gaka-test"};  // the test's own (SN's, attacker's) randomness
    SecretBytes k_sh, k_sh_other, k_g, k_g_other;
    std::vector<Subscriber> subs;
    std::size_t members;
    std::shared_ptr<MemoryStorage> hn_store = std::make_shared<MemoryStorage>();
    std::vector<std::shared_ptr<MemoryStorage>> dev_store;
    std::uint64_t seed = 100;

    explicit GakaWorld(std::size_t n = 3) : members(n) {
        k_sh = rng.secret_bytes(kKeyLen);
        k_sh_other = rng.secret_bytes(kKeyLen);
        k_g = rng.secret_bytes(kKeyLen);
        k_g_other = rng.secret_bytes(kKeyLen);
        for (std::size_t i = 0; i <= n; ++i) {
            subs.push_back({imsi_of(i), rng.secret_bytes(kKeyLen), rng.secret_bytes(kKeyLen)});
            dev_store.push_back(std::make_shared<MemoryStorage>());
        }
    }
    [[nodiscard]] std::size_t outsider() const { return members; }

    Env env(const std::string& protocol, const std::string& role, const std::string& instance,
            Credentials creds, std::shared_ptr<Storage> storage,
            const std::set<std::string>& weakened) {
        Env e;
        e.variant = "as-specified";
        e.profile = "default";
        e.rng = std::make_unique<SeededRng>(seed++, instance);
        e.clock = &clock;
        e.events =
            std::make_unique<EventEmitter>(protocol, e.variant, role, instance, clock, sink, fp);
        e.creds = std::move(creds);
        e.storage = std::move(storage);
        e.weakened = weakened;
        return e;
    }

    [[nodiscard]] Credentials hn_creds() const {
        Credentials c;
        c.identity = "hn-0";
        c.secrets["K_SH:" + kSnName] = k_sh;
        c.secrets["K_SH:002-02"] = k_sh_other;
        c.secrets["K_G:" + kGid] = k_g;
        c.secrets["K_G:" + kOtherGid] = k_g_other;
        std::string group;
        for (std::size_t i = 0; i < subs.size(); ++i) {
            c.secrets["K:" + subs[i].imsi] = subs[i].k;
            c.secrets["OPc:" + subs[i].imsi] = subs[i].opc;
            if (i < members) group += (group.empty() ? "" : ",") + subs[i].imsi;
        }
        c.attrs["group:" + kGid] = group;
        c.attrs["group:" + kOtherGid] = subs[outsider()].imsi;
        return c;
    }

    std::unique_ptr<Role> hn(const std::set<std::string>& weakened = {},
                             std::shared_ptr<Storage> store = nullptr) {
        return make_hn(env("gaka", "HN", kHn, hn_creds(), store ? store : hn_store, weakened));
    }

    [[nodiscard]] Credentials device_creds(std::size_t i, bool group) const {
        Credentials c;
        c.identity = subs[i].imsi;
        c.secrets["K"] = subs[i].k;
        c.secrets["OPc"] = subs[i].opc;
        c.attrs["SNid"] = kSnName;
        if (group) {
            c.secrets["K_G"] = k_g;
            c.attrs["GID"] = kGid;
        }
        return c;
    }

    std::unique_ptr<Role> device(std::size_t i, bool group,
                                 const std::set<std::string>& weakened = {},
                                 std::shared_ptr<Storage> store = nullptr,
                                 std::optional<Credentials> creds = std::nullopt) {
        Env e =
            env(group ? "gaka" : "eps-aka", "device", dev(i),
                creds ? *creds : device_creds(i, group), store ? store : dev_store[i], weakened);
        e.peers["SN"] = Peer{kSnName, kSnAddr};
        return group ? make_gaka_device(std::move(e)) : make_eps_device(std::move(e));
    }
    static std::string dev(std::size_t i) { return "D#" + std::to_string(i); }

    // ---- The SN's side

    Message auth_data_req(std::uint8_t protocol, std::uint64_t session, const AuthDataReqBody& b,
                          BytesView key) {
        Message m{protocol, AuthDataReq, session, {}};
        m.set(SNid, sn_id());
        m.set(Box, seal_box(key, m, view(encode_body(b)), rng).value());
        return m;
    }
    Message group_auth_data_req(std::uint64_t session, const std::string& imsi_l,
                                const std::string& gid) {
        Message m{kGakaProtocolId, GroupAuthDataReq, session, {}};
        m.set(SNid, sn_id());
        const GroupAuthDataReqBody b{imsi_l, gid};
        m.set(Box, seal_box(view(k_sh), m, view(encode_body(b)), rng).value());
        return m;
    }

    // One fresh vector for subscriber i, as the SN finds it in the HN's box.
    EpsAv vector_for(Role& hn, std::size_t i, std::uint8_t protocol = kEpsAkaProtocolId,
                     std::uint64_t session = 1) {
        auto out = hn.on_message(
            {auth_data_req(protocol, session, {subs[i].imsi, {}, {}}, view(k_sh)), kSnAddr, {}});
        EXPECT_EQ(out.size(), 1U) << last_reject(kHn);
        if (out.size() != 1) return {};
        const Message& m = out[0].msg;
        EXPECT_EQ(out[0].to, kSnAddr);
        EXPECT_EQ(m.protocol, protocol);
        EXPECT_EQ(m.type, AuthDataResp);
        EXPECT_EQ(m.session, session);
        auto plain = open_box(view(k_sh), m);
        EXPECT_TRUE(plain.ok()) << plain.error().describe();
        if (!plain) return {};
        auto body = decode_auth_data_resp(view(*plain));
        EXPECT_TRUE(body.ok()) << body.error().describe();
        if (!body) return {};
        EXPECT_EQ(body->imsi, subs[i].imsi);
        return std::move(body->av);
    }

    // The SQN a vector of subscriber i carries (AUTN's SQN xor AK, unmasked with f5).
    std::uint64_t sqn_of(std::size_t i, const EpsAv& av) {
        auto m = Milenage::from_opc(view(subs[i].k), view(subs[i].opc));
        auto f = m->f2345(view(av.rand));
        Sqn sqn{};
        for (std::size_t j = 0; j < kSqnLen; ++j) sqn[j] = av.autn[j] ^ f->ak[j];
        return sqn_value(sqn);
    }
};

Message auth_req(std::uint8_t protocol, std::uint64_t session, const EpsAv& av) {
    Message m{protocol, AuthReq, session, {}};
    m.set(RAND, av.rand);
    m.set(AUTN, av.autn);
    return m;
}

Message group_auth_req(std::uint64_t session, const EpsAv& av, const Bytes& rand_g, BytesView gak) {
    Message m{kGakaProtocolId, GroupAuthReq, session, {}};
    m.set(RAND, av.rand);
    m.set(AUTN, av.autn);
    m.set(RAND_G, rand_g);
    m.set(MAC_G, mac_g(gak, view(av.rand), view(sn_id())));
    return m;
}

std::vector<Outbound> to(Role& r, const Message& m) {
    return r.on_message(Inbound{m, kSnAddr, std::nullopt});
}

std::uint64_t attach(Role& dev) {
    auto out = dev.start();
    EXPECT_EQ(out.size(), 1U);
    return out.empty() ? 0 : out[0].msg.session;
}

// The one message a role answered with, checked to be of `type` and to go back to the SN.
Message only(const std::vector<Outbound>& out, std::uint8_t type) {
    EXPECT_EQ(out.size(), 1U);
    if (out.size() != 1) return {};
    EXPECT_EQ(out[0].to, kSnAddr);
    EXPECT_EQ(static_cast<int>(out[0].msg.type), static_cast<int>(type));
    return out[0].msg;
}

// Every part of a group answer, opened and decoded.
std::vector<GroupAuthDataRespBody> open_parts(const std::vector<Outbound>& out, BytesView k_sh) {
    std::vector<GroupAuthDataRespBody> parts;
    for (const Outbound& o : out) {
        EXPECT_EQ(o.msg.type, GroupAuthDataResp);
        auto plain = open_box(k_sh, o.msg);
        EXPECT_TRUE(plain.ok()) << plain.error().describe();
        if (!plain) continue;
        auto body = decode_group_auth_data_resp(view(*plain));
        EXPECT_TRUE(body.ok()) << body.error().describe();
        if (body) parts.push_back(std::move(*body));
    }
    return parts;
}

// ---- Primitives --------------------------------------------------------------------------------

TEST(GakaPrimitives, PlmnIdIsBcdAndRoundTrips) {
    EXPECT_EQ(hex(plmn_id("001-01").value()), "00f110");
    EXPECT_EQ(hex(plmn_id("310-410").value()), "130014");
    for (const char* name : {"001-01", "310-410", "262-01", "999-999"}) {
        auto id = plmn_id(name);
        ASSERT_TRUE(id.ok()) << name;
        EXPECT_EQ(plmn_name(view(*id)), name);
    }
    for (const char* bad : {"00101", "01-01", "001-1", "0a1-01", "001-0001", ""}) {
        EXPECT_FALSE(plmn_id(bad).ok()) << bad;
    }
    EXPECT_EQ(plmn_name(view(Bytes{0x00, 0xf1})).front(), '?');
}

TEST(GakaPrimitives, CheckImsi) {
    EXPECT_TRUE(check_imsi("001010000000001").ok());
    EXPECT_TRUE(check_imsi("123456").ok());
    EXPECT_THAT(check_imsi("12345").error().reason, HasSubstr("6..15 digits"));
    EXPECT_FALSE(check_imsi("0010100000000012").ok());
    EXPECT_THAT(check_imsi("00101000000000a").error().reason, HasSubstr("digits only"));
}

EpsAv sample_av(std::uint8_t fill) {
    return EpsAv{Bytes(kRandLen, fill), Bytes(kResLen, fill), Bytes(kAutnLen, fill),
                 SecretBytes(kKasmeLen, fill)};
}

// Each decoder takes its encoding whole, and refuses it one byte short (naming the last item)
// or one byte long.
template <typename Decode>
void expect_strict(std::string_view what, BytesView enc, std::string_view last_item,
                   Decode decode) {
    SCOPED_TRACE(std::string(what));
    EXPECT_TRUE(decode(enc).ok());
    auto short_by_one = decode(enc.first(enc.size() - 1));
    ASSERT_FALSE(short_by_one.ok());
    EXPECT_THAT(short_by_one.error().reason, HasSubstr(std::string(what)));
    EXPECT_THAT(short_by_one.error().reason, HasSubstr(std::string(last_item)));
    Bytes longer = to_bytes(enc);
    longer.push_back(0);
    auto long_by_one = decode(view(longer));
    ASSERT_FALSE(long_by_one.ok());
    EXPECT_THAT(long_by_one.error().reason, HasSubstr(std::string(what)));
}

TEST(GakaPrimitives, DecodersRejectTruncationAndTrailingBytes) {
    const std::string imsi = imsi_of(1);
    expect_strict("AuthDataReq box", view(encode_body(AuthDataReqBody{imsi, {}, {}})), "IMSI",
                  decode_auth_data_req);
    const Bytes resync = encode_body(AuthDataReqBody{imsi, Bytes(kRandLen, 1), Bytes(kAutsLen, 2)});
    expect_strict("AuthDataReq box", view(resync), "AUTS", decode_auth_data_req);
    auto with_rand = decode_auth_data_req(view(resync).first(2 + imsi.size() + 2 + kRandLen));
    ASSERT_FALSE(with_rand.ok());
    EXPECT_THAT(with_rand.error().reason, HasSubstr("AUTS is missing"));

    const SecretBytes resp = encode_body(AuthDataRespBody{imsi, sample_av(3)});
    expect_strict("AuthDataResp box", view(resp), "K_ASME", decode_auth_data_resp);
    expect_strict("GroupAuthDataReq box", view(encode_body(GroupAuthDataReqBody{imsi, kGid})),
                  "GID", decode_group_auth_data_req);

    GroupAuthDataRespBody g;
    g.gid = kGid;
    g.imsi_l = imsi;
    g.rand_g = Bytes(kRandLen, 4);
    g.gak = SecretBytes(kGakLen, 5);
    g.av_l = sample_av(6);
    g.members.push_back({imsi_of(2), sample_av(7)});
    g.members.push_back({imsi_of(3), sample_av(8)});
    const SecretBytes group = encode_body(g);
    expect_strict("GroupAuthDataResp box", view(group), "K_ASME", decode_group_auth_data_resp);
    auto decoded = decode_group_auth_data_resp(view(group));
    ASSERT_TRUE(decoded.ok());
    ASSERT_EQ(decoded->members.size(), 2U);
    EXPECT_EQ(decoded->members[1].imsi, imsi_of(3));
    EXPECT_EQ(decoded->members[1].av.kasme, g.members[1].av.kasme);
}

TEST(GakaPrimitives, BoxBindsProtocolTypeSessionAndSnid) {
    SeededRng rng(3, "box");
    const SecretBytes k_sh = rng.secret_bytes(kKeyLen);
    const Bytes plain = {1, 2, 3, 4, 5};
    Message m{kGakaProtocolId, AuthDataReq, 7, {}};
    m.set(SNid, sn_id());
    m.set(Box, seal_box(view(k_sh), m, view(plain), rng).value());
    auto opened = open_box(view(k_sh), m);
    ASSERT_TRUE(opened.ok()) << opened.error().describe();
    EXPECT_EQ(to_bytes(view(*opened)), plain);

    auto moved = [&](auto change) {
        Message c = m;
        change(c);
        auto r = open_box(view(k_sh), c);
        return r.ok() ? std::string("opened") : r.error().reason;
    };
    const std::string fails = "box does not open under K_SH";
    EXPECT_EQ(moved([](Message& c) { c.type = AuthDataResp; }), fails);
    EXPECT_EQ(moved([](Message& c) { c.session = 8; }), fails);
    EXPECT_EQ(moved([](Message& c) { c.protocol = kEpsAkaProtocolId; }), fails);
    EXPECT_EQ(moved([](Message& c) { c.set(SNid, plmn_id("002-02").value()); }), fails);
    EXPECT_THAT(moved([](Message& c) { c.erase(SNid); }), HasSubstr("no SNid"));
    const SecretBytes other = rng.secret_bytes(kKeyLen);
    EXPECT_FALSE(open_box(view(other), m).ok());
    // Sealing needs the SNid in place first: the AAD covers it.
    Message bare{kGakaProtocolId, AuthDataReq, 7, {}};
    EXPECT_FALSE(seal_box(view(k_sh), bare, view(plain), rng).ok());
}

// ---- Stored SQN state (sqn.hpp additions) -----------------------------------------------------

TEST(GakaSqnState, UsimStateRoundTripsAndRefusesCorruption) {
    UsimSqnState fresh;
    auto d0 = UsimSqnState::decode(view(fresh.encode()));
    ASSERT_TRUE(d0.ok()) << d0.error().describe();
    EXPECT_EQ(d0->sqn_ms(), 0U);

    UsimSqnState st;
    ASSERT_TRUE(st.accept(make_sqn(5, 3)).ok());
    ASSERT_TRUE(st.accept(make_sqn(7, 4)).ok());
    ASSERT_TRUE(st.accept(make_sqn(6, 5)).ok());
    const Bytes enc = st.encode();
    EXPECT_EQ(enc.size(), 1 + kSqnLen * (1 + kIndSlots));
    auto d = UsimSqnState::decode(view(enc));
    ASSERT_TRUE(d.ok()) << d.error().describe();
    EXPECT_EQ(d->sqn_ms(), st.sqn_ms());
    for (std::size_t i = 0; i < kIndSlots; ++i) EXPECT_EQ(d->seq_ms(i), st.seq_ms(i)) << i;
    EXPECT_THAT(d->check(make_sqn(7, 4)).error().reason, HasSubstr("SQN replayed"));
    EXPECT_TRUE(d->check(make_sqn(8, 6)).ok());

    EXPECT_FALSE(UsimSqnState::decode(view(enc).first(enc.size() - 1)).ok());
    Bytes version = enc;
    version[0] = 2;
    EXPECT_THAT(UsimSqnState::decode(view(version)).error().reason, HasSubstr("version"));
    Bytes lying = enc;
    lying[kSqnLen] ^= 0x20;  // SQN_MS's SEQ no longer the array's highest
    EXPECT_THAT(UsimSqnState::decode(view(lying)).error().reason, HasSubstr("disagrees"));
}

TEST(GakaSqnState, HnGeneratorRoundTripsSeqAndInd) {
    HnSqnGenerator g;
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(g.next().ok());
    auto d = HnSqnGenerator::decode(view(g.encode()));
    ASSERT_TRUE(d.ok()) << d.error().describe();
    EXPECT_EQ(d->seq_he(), 3U);
    EXPECT_EQ(d->ind(), 2U);
    EXPECT_EQ(d->next().value(), g.next().value());  // SEQ 4, IND 3 on both
    Bytes bad = g.encode();
    bad.back() = static_cast<std::uint8_t>(kIndSlots);
    EXPECT_THAT(HnSqnGenerator::decode(view(bad)).error().reason, HasSubstr("IND"));
    EXPECT_FALSE(HnSqnGenerator::decode(view(bad).first(3)).ok());
}

TEST(GakaSqnState, UsimChecksCanBeChosenAndRecordingDeferred) {
    GakaWorld w(1);
    auto hn_side = Milenage::from_opc(view(w.subs[0].k), view(w.subs[0].opc)).value();
    Usim usim(Milenage::from_opc(view(w.subs[0].k), view(w.subs[0].opc)).value());
    const Bytes rand(kRandLen, 0x42);
    auto v = make_auth_vector(hn_side, view(rand), make_sqn(1, 0), BytesView(kAmfEps)).value();
    // Verified but not recorded: the same challenge is still fresh afterwards.
    const UsimChecks deferred{true, true, false};
    EXPECT_EQ(usim.authenticate(view(rand), view(v.autn), deferred).value().verdict,
              UsimVerdict::accepted);
    EXPECT_EQ(usim.sqn_state().sqn_ms(), 0U);
    auto r = usim.authenticate(view(rand), view(v.autn), deferred).value();
    ASSERT_EQ(r.verdict, UsimVerdict::accepted);
    usim.record_sqn(r.sqn);
    EXPECT_EQ(usim.sqn_state().sqn_ms(), make_sqn(1, 0));
    EXPECT_EQ(usim.authenticate(view(rand), view(v.autn)).value().verdict,
              UsimVerdict::sync_failure);
    // MAC before SQN: a replay with a bad MAC is a MAC failure.
    Bytes forged = v.autn;
    forged.back() ^= 1;
    EXPECT_EQ(usim.authenticate(view(rand), view(forged)).value().verdict,
              UsimVerdict::mac_failure);
    // Switched off one by one.
    EXPECT_EQ(usim.authenticate(view(rand), view(v.autn), {true, false, true}).value().verdict,
              UsimVerdict::accepted);
    EXPECT_EQ(usim.authenticate(view(rand), view(forged), {false, false, true}).value().verdict,
              UsimVerdict::accepted);
    // record() only moves SEQ_MS up.
    UsimSqnState st;
    st.record(make_sqn(5, 2));
    st.record(make_sqn(3, 2));
    EXPECT_EQ(st.seq_ms(2), 5U);
    EXPECT_EQ(st.sqn_ms(), make_sqn(5, 2));
}

// ---- HN and device: EPS-AKA --------------------------------------------------------------------

TEST(GakaHnDevice, HnVectorIsAcceptedByTheDevice) {
    GakaWorld w;
    auto hn = w.hn();
    auto dev = w.device(0, false);
    auto start = dev->start();
    ASSERT_EQ(start.size(), 1U);
    EXPECT_EQ(start[0].to, kSnAddr);
    EXPECT_EQ(start[0].msg.protocol, kEpsAkaProtocolId);
    EXPECT_EQ(start[0].msg.type, AttachReq);
    EXPECT_EQ(to_string(start[0].msg.get_or_empty(IMSI)), w.subs[0].imsi);
    const std::uint64_t s = start[0].msg.session;

    const EpsAv av = w.vector_for(*hn, 0, kEpsAkaProtocolId, s);
    ASSERT_EQ(av.autn.size(), kAutnLen);
    const Message resp = only(to(*dev, auth_req(kEpsAkaProtocolId, s, av)), AuthResp);
    EXPECT_EQ(resp.session, s);
    EXPECT_EQ(resp.protocol, kEpsAkaProtocolId);
    EXPECT_EQ(to_bytes(resp.get_or_empty(RES)), av.xres);

    const auto begins = w.events(GakaWorld::dev(0), EventKind::begin);
    const auto commits = w.events(GakaWorld::dev(0), EventKind::commit);
    ASSERT_EQ(begins.size(), 1U);
    ASSERT_EQ(commits.size(), 1U);
    EXPECT_EQ(commits[0].peer, kSnName);
    EXPECT_EQ(commits[0].session, s);
    EXPECT_EQ(commits[0].params.at("RAND"), hex(av.rand));
    EXPECT_EQ(begins[0].params, commits[0].params);
    // The device's K_ASME is the one the HN put in the box for the SN.
    EXPECT_EQ(commits[0].key_fp, w.fp.fingerprint(view(av.kasme)));
    EXPECT_EQ(w.total(EventKind::reject), 0U);

    // The same challenge again on the same attach: the USIM refuses its SQN.
    only(to(*dev, auth_req(kEpsAkaProtocolId, s, av)), SyncFailure);
    EXPECT_NE(w.last_reject(GakaWorld::dev(0)).find("SQN replayed"), std::string::npos);
}

TEST(GakaHnDevice, ReplayedAuthReqIsRefusedAndItsAutsResynchronises) {
    GakaWorld w;
    auto hn = w.hn();
    auto dev = w.device(0, false);
    const EpsAv av = w.vector_for(*hn, 0);
    only(to(*dev, auth_req(kEpsAkaProtocolId, attach(*dev), av)), AuthResp);

    // A false base station replays the captured challenge on the device's next attach.
    const std::uint64_t s2 = attach(*dev);
    const Message sync = only(to(*dev, auth_req(kEpsAkaProtocolId, s2, av)), SyncFailure);
    EXPECT_THAT(w.last_reject(GakaWorld::dev(0)), HasSubstr("SQN replayed"));
    EXPECT_EQ(sync.session, s2);
    ASSERT_EQ(sync.get_or_empty(AUTS).size(), kAutsLen);

    // The SN relays RAND and AUTS; the HN resynchronises and the next vector is accepted on the
    // same attach.
    const AuthDataReqBody resync{w.subs[0].imsi, av.rand, to_bytes(sync.get_or_empty(AUTS))};
    auto out = to(*hn, w.auth_data_req(kEpsAkaProtocolId, s2, resync, view(w.k_sh)));
    const Message m = only(out, AuthDataResp);
    auto body = decode_auth_data_resp(view(open_box(view(w.k_sh), m).value()));
    ASSERT_TRUE(body.ok());
    only(to(*dev, auth_req(kEpsAkaProtocolId, s2, body->av)), AuthResp);
    EXPECT_EQ(w.count(GakaWorld::dev(0), EventKind::commit), 2U);
}

TEST(GakaHnDevice, LostHnCounterRecoversThroughResync) {
    GakaWorld w;
    auto dev = w.device(0, false);
    auto hn = w.hn();
    EpsAv first;
    EpsAv last;
    for (int i = 0; i < 3; ++i) {
        last = w.vector_for(*hn, 0);
        only(to(*dev, auth_req(kEpsAkaProtocolId, attach(*dev), last)), AuthResp);
        if (i == 0) first = last;
    }

    // An HN that lost its counter starts again at SEQ 1: the device reports its SQN_MS in AUTS
    // and the HN moves SEQ_HE past it.
    auto lost = w.hn({}, std::make_shared<MemoryStorage>());
    const EpsAv again = w.vector_for(*lost, 0);
    EXPECT_EQ(w.sqn_of(0, again), w.sqn_of(0, first));
    const std::uint64_t s = attach(*dev);
    const Message sync = only(to(*dev, auth_req(kEpsAkaProtocolId, s, again)), SyncFailure);
    const AuthDataReqBody resync{w.subs[0].imsi, again.rand, to_bytes(sync.get_or_empty(AUTS))};
    const Message m =
        only(to(*lost, w.auth_data_req(kEpsAkaProtocolId, s, resync, view(w.k_sh))), AuthDataResp);
    auto body = decode_auth_data_resp(view(open_box(view(w.k_sh), m).value()));
    ASSERT_TRUE(body.ok());
    EXPECT_EQ(seq_of(w.sqn_of(0, body->av)), seq_of(w.sqn_of(0, last)) + 1);
    only(to(*dev, auth_req(kEpsAkaProtocolId, s, body->av)), AuthResp);
}

TEST(GakaHnDevice, BitFlippedAutnIsAMacFailure) {
    GakaWorld w;
    auto hn = w.hn();
    auto dev = w.device(0, false);
    const EpsAv av = w.vector_for(*hn, 0);
    const std::uint64_t s = attach(*dev);
    for (std::size_t at : {std::size_t{0}, kSqnLen + 1, kAutnLen - 1}) {  // SQN^AK, AMF, MAC-A
        EpsAv forged = av;
        forged.autn[at] ^= 0x04;
        const Message rej = only(to(*dev, auth_req(kEpsAkaProtocolId, s, forged)), AuthReject);
        EXPECT_EQ(to_bytes(rej.get_or_empty(Cause)), Bytes{kCauseMacFailure});
        EXPECT_EQ(w.last_reject(GakaWorld::dev(0)), "MAC failure");
    }
    // Nothing was used up: the genuine challenge still goes through on the same attach.
    only(to(*dev, auth_req(kEpsAkaProtocolId, s, av)), AuthResp);
    EXPECT_EQ(w.count(GakaWorld::dev(0), EventKind::commit), 1U);
}

TEST(GakaHnDevice, DeviceRebuiltOnItsStorageStillRefusesTheReplay) {
    GakaWorld w;
    auto hn = w.hn();
    const EpsAv av = w.vector_for(*hn, 0);
    {
        auto dev = w.device(0, false);
        only(to(*dev, auth_req(kEpsAkaProtocolId, attach(*dev), av)), AuthResp);
    }
    auto restarted = w.device(0, false);
    only(to(*restarted, auth_req(kEpsAkaProtocolId, attach(*restarted), av)), SyncFailure);
    EXPECT_THAT(w.last_reject(GakaWorld::dev(0)), HasSubstr("SQN replayed"));
    // Control: it is the stored state that refuses it, a device with none accepts.
    auto blank = w.device(0, false, {}, std::make_shared<MemoryStorage>());
    only(to(*blank, auth_req(kEpsAkaProtocolId, attach(*blank), av)), AuthResp);
}

TEST(GakaHnDevice, HnRebuiltOnItsStorageDoesNotReuseSqns) {
    GakaWorld w;
    EpsAv first;
    {
        auto hn = w.hn();
        first = w.vector_for(*hn, 0);
    }
    auto restarted = w.hn();
    const EpsAv second = w.vector_for(*restarted, 0);
    EXPECT_EQ(w.sqn_of(0, second), make_sqn(seq_of(w.sqn_of(0, first)) + 1, 1));
    auto dev = w.device(0, false);
    only(to(*dev, auth_req(kEpsAkaProtocolId, attach(*dev), first)), AuthResp);
    only(to(*dev, auth_req(kEpsAkaProtocolId, attach(*dev), second)), AuthResp);
    // Control: an HN without the stored counter would hand out the first SQN again.
    auto blank = w.hn({}, std::make_shared<MemoryStorage>());
    EXPECT_EQ(w.sqn_of(0, w.vector_for(*blank, 0)), w.sqn_of(0, first));
}

// ---- HN: what it refuses -----------------------------------------------------------------------

TEST(GakaHn, BoxNotUnderTheSnsKeyIsRefused) {
    GakaWorld w;
    auto hn = w.hn();
    const AuthDataReqBody body{w.subs[0].imsi, {}, {}};
    // Sealed under another key.
    const SecretBytes wrong = w.rng.secret_bytes(kKeyLen);
    EXPECT_TRUE(to(*hn, w.auth_data_req(kEpsAkaProtocolId, 1, body, view(wrong))).empty());
    EXPECT_EQ(w.last_reject(kHn), "box does not open under K_SH");
    // Sealed under 001-01's key but claiming to come from 002-02 (whose key the HN also has).
    Message m = w.auth_data_req(kEpsAkaProtocolId, 1, body, view(w.k_sh));
    Message other_sn = m;
    other_sn.set(SNid, plmn_id("002-02").value());
    EXPECT_TRUE(to(*hn, other_sn).empty());
    EXPECT_EQ(w.last_reject(kHn), "box does not open under K_SH");
    // A genuine box moved to another attach.
    Message moved = m;
    moved.session = 2;
    EXPECT_TRUE(to(*hn, moved).empty());
    EXPECT_EQ(w.last_reject(kHn), "box does not open under K_SH");
    // From an SN the HN has no key for.
    Message unknown = m;
    unknown.set(SNid, plmn_id("003-03").value());
    EXPECT_TRUE(to(*hn, unknown).empty());
    EXPECT_THAT(w.last_reject(kHn), HasSubstr("unknown SN"));
    const auto rejects = w.events(kHn, EventKind::reject);
    EXPECT_EQ(rejects.front().peer, kSnName);
    // The genuine one is answered.
    only(to(*hn, m), AuthDataResp);
}

TEST(GakaHn, UnknownImsiAndUnexpectedMessagesAreRefused) {
    GakaWorld w;
    auto hn = w.hn();
    EXPECT_TRUE(to(*hn, w.auth_data_req(kEpsAkaProtocolId, 1, {imsi_of(777), {}, {}}, view(w.k_sh)))
                    .empty());
    EXPECT_EQ(w.last_reject(kHn), "unknown IMSI");
    EXPECT_EQ(w.events(kHn, EventKind::reject).back().params.at("IMSI"), imsi_of(777));
    // GroupAuthDataReq belongs to GAKA only.
    Message g = w.group_auth_data_req(1, w.subs[0].imsi, kGid);
    g.protocol = kEpsAkaProtocolId;
    EXPECT_TRUE(to(*hn, g).empty());
    EXPECT_EQ(w.last_reject(kHn), "unexpected GroupAuthDataReq (HN accepts AuthDataReq)");
    EXPECT_TRUE(to(*hn, auth_req(kGakaProtocolId, 1, sample_av(1))).empty());
    EXPECT_EQ(w.last_reject(kHn), "unexpected AuthReq (HN accepts AuthDataReq, GroupAuthDataReq)");
    // Unknown group.
    EXPECT_TRUE(to(*hn, w.group_auth_data_req(1, w.subs[0].imsi, "nobody")).empty());
    EXPECT_EQ(w.last_reject(kHn), "unknown group");
    EXPECT_EQ(w.total(EventKind::error), 0U);
}

TEST(GakaHn, AutsWithWrongMacSIsRefused) {
    GakaWorld w;
    auto hn = w.hn();
    auto dev = w.device(0, false);
    const EpsAv av = w.vector_for(*hn, 0);
    only(to(*dev, auth_req(kEpsAkaProtocolId, attach(*dev), av)), AuthResp);
    const std::uint64_t s = attach(*dev);
    const Message sync = only(to(*dev, auth_req(kEpsAkaProtocolId, s, av)), SyncFailure);
    Bytes auts = to_bytes(sync.get_or_empty(AUTS));
    auts.back() ^= 1;  // MAC-S
    EXPECT_TRUE(to(*hn, w.auth_data_req(kEpsAkaProtocolId, s, {w.subs[0].imsi, av.rand, auts},
                                        view(w.k_sh)))
                    .empty());
    EXPECT_EQ(w.last_reject(kHn), "AUTS MAC-S failure");
    // The same AUTS with RAND of another challenge fails too (MAC-S covers RAND).
    Bytes genuine = to_bytes(sync.get_or_empty(AUTS));
    EXPECT_TRUE(
        to(*hn, w.auth_data_req(kEpsAkaProtocolId, s, {w.subs[0].imsi, Bytes(kRandLen, 9), genuine},
                                view(w.k_sh)))
            .empty());
    EXPECT_EQ(w.last_reject(kHn), "AUTS MAC-S failure");
}

// ---- GAKA: the group ---------------------------------------------------------------------------

TEST(GakaGroup, LeaderOutsideTheGroupIsRefused) {
    GakaWorld w;
    auto hn = w.hn();
    EXPECT_TRUE(to(*hn, w.group_auth_data_req(1, w.subs[w.outsider()].imsi, kGid)).empty());
    EXPECT_EQ(w.last_reject(kHn), "IMSI_L is not a member of GID");
    const auto rej = w.events(kHn, EventKind::reject).back();
    EXPECT_EQ(rej.params.at("GID"), kGid);
    EXPECT_EQ(rej.params.at("IMSI_L"), w.subs[w.outsider()].imsi);
}

TEST(GakaGroup, MembersAcceptTheGroupVectorsWithoutTheHn) {
    GakaWorld w(3);
    auto hn = w.hn();
    auto leader = w.device(0, true);
    auto start = leader->start();
    ASSERT_EQ(start.size(), 1U);
    EXPECT_EQ(start[0].msg.type, GroupAttachReq);
    EXPECT_EQ(start[0].msg.protocol, kGakaProtocolId);
    EXPECT_EQ(to_string(start[0].msg.get_or_empty(GID)), kGid);
    const std::uint64_t s_l = start[0].msg.session;

    auto out = to(*hn, w.group_auth_data_req(s_l, w.subs[0].imsi, kGid));
    for (const Outbound& o : out) EXPECT_EQ(o.msg.session, s_l);
    const auto parts = open_parts(out, view(w.k_sh));
    ASSERT_EQ(parts.size(), 1U);
    const GroupAuthDataRespBody& g = parts[0];
    EXPECT_EQ(g.imsi_l, w.subs[0].imsi);
    ASSERT_EQ(g.members.size(), 2U);
    EXPECT_EQ(g.members[0].imsi, w.subs[1].imsi);
    EXPECT_EQ(g.members[1].imsi, w.subs[2].imsi);
    EXPECT_EQ(g.gak, derive_gak(view(w.k_g), view(kGid), view(sn_id()), view(g.rand_g)).value());

    // The leader: a normal challenge with AV_L.
    only(to(*leader, auth_req(kGakaProtocolId, s_l, g.av_l)), AuthResp);
    EXPECT_EQ(w.events(GakaWorld::dev(0), EventKind::commit).at(0).key_fp,
              w.fp.fingerprint(view(g.av_l.kasme)));
    // The members: GroupAuthReq under GAK, no HN in sight.
    for (std::size_t i = 1; i < 3; ++i) {
        auto member = w.device(i, true);
        const std::uint64_t s = attach(*member);
        const EpsAv& av = g.members[i - 1].av;
        const Message resp =
            only(to(*member, group_auth_req(s, av, g.rand_g, view(g.gak))), AuthResp);
        EXPECT_EQ(to_bytes(resp.get_or_empty(RES)), av.xres);
        const auto commits = w.events(GakaWorld::dev(i), EventKind::commit);
        ASSERT_EQ(commits.size(), 1U);
        EXPECT_EQ(commits[0].key_fp, w.fp.fingerprint(view(av.kasme)));
        EXPECT_EQ(commits[0].params.at("RAND"), hex(av.rand));
        EXPECT_EQ(commits[0].params.at("challenge"), "GroupAuthReq");
        EXPECT_EQ(commits[0].params.count("RAND_G"),
                  0U);  // shared by the group: not a nonce of the run
        EXPECT_EQ(w.events(GakaWorld::dev(i), EventKind::begin).at(0).params, commits[0].params);
    }
    EXPECT_EQ(w.total(EventKind::reject), 0U);
}

TEST(GakaGroup, MacGUnderAnotherGroupsKeyIsRefused) {
    GakaWorld w;
    auto hn = w.hn();
    auto member = w.device(1, true);
    const EpsAv av = w.vector_for(*hn, 1, kGakaProtocolId);
    const Bytes rand_g(kRandLen, 0x33);
    const SecretBytes other_gak =
        derive_gak(view(w.k_g_other), view(kGid), view(sn_id()), view(rand_g)).value();
    const std::uint64_t s = attach(*member);
    const Message rej =
        only(to(*member, group_auth_req(s, av, rand_g, view(other_gak))), AuthReject);
    EXPECT_EQ(to_bytes(rej.get_or_empty(Cause)), Bytes{kCauseMacFailure});
    EXPECT_EQ(w.last_reject(GakaWorld::dev(1)),
              "MAC_G failure: the SN does not hold this group's GAK");
    // The vector itself is fine: with the right GAK the same challenge goes through.
    const SecretBytes gak =
        derive_gak(view(w.k_g), view(kGid), view(sn_id()), view(rand_g)).value();
    only(to(*member, group_auth_req(s, av, rand_g, view(gak))), AuthResp);
}

TEST(GakaGroup, ThousandMembersSplitIntoPartsThatReassemble) {
    GakaWorld w(1000);
    auto hn = w.hn();
    auto out = to(*hn, w.group_auth_data_req(5, w.subs[0].imsi, kGid));
    ASSERT_GE(out.size(), 2U) << w.last_reject(kHn);
    const auto parts = open_parts(out, view(w.k_sh));
    ASSERT_EQ(parts.size(), out.size());
    std::set<std::string> imsis;
    std::size_t total = 0;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        EXPECT_EQ(parts[i].part, i);
        EXPECT_EQ(parts[i].parts, parts.size());
        EXPECT_EQ(parts[i].gak, parts[0].gak);
        EXPECT_EQ(parts[i].rand_g, parts[0].rand_g);
        EXPECT_EQ(parts[i].av_l.autn, parts[0].av_l.autn);
        total += parts[i].members.size();
        for (const MemberAv& m : parts[i].members) imsis.insert(m.imsi);
        EXPECT_LE(out[i].msg.get_or_empty(Box).size(), kBoxOverhead + kMaxBoxPlain);
    }
    EXPECT_EQ(total, 999U);
    EXPECT_EQ(imsis.size(), 999U);
    EXPECT_EQ(imsis.count(w.subs[0].imsi), 0U);
    EXPECT_EQ(imsis.count(w.subs[999].imsi), 1U);
}

// ---- Devices: what they refuse -----------------------------------------------------------------

TEST(GakaDevice, MisconfiguredDeviceReportsErrorsAndNeverCrashes) {
    GakaWorld w;
    auto no_k = w.device_creds(0, false);
    no_k.secrets.erase("K");
    auto dev = w.device(0, false, {}, nullptr, no_k);
    EXPECT_TRUE(dev->start().empty());
    EXPECT_TRUE(to(*dev, auth_req(kEpsAkaProtocolId, 1, sample_av(1))).empty());
    const auto errors = w.events(GakaWorld::dev(0), EventKind::error);
    ASSERT_EQ(errors.size(), 2U);
    EXPECT_THAT(*errors[1].reason, HasSubstr("lacks its K / OPc"));

    auto no_kg = w.device_creds(1, true);
    no_kg.secrets.erase("K_G");
    auto g = w.device(1, true, {}, nullptr, no_kg);
    EXPECT_TRUE(g->start().empty());
    EXPECT_THAT(*w.events(GakaWorld::dev(1), EventKind::error).back().reason,
                HasSubstr("lacks K_G"));

    // A stored SQN state that does not read back is an error, not a fresh USIM.
    auto corrupt = std::make_shared<MemoryStorage>();
    ASSERT_TRUE(corrupt->put("usim.sqn", view(Bytes{1, 2, 3})).ok());
    auto c = w.device(2, false, {}, corrupt);
    EXPECT_TRUE(c->start().empty());
    EXPECT_THAT(*w.events(GakaWorld::dev(2), EventKind::error).back().reason,
                HasSubstr("USIM SQN state"));

    // No SN to attach to.
    Env e = w.env("eps-aka", "device", "D#lonely", w.device_creds(0, false),
                  std::make_shared<MemoryStorage>(), {});
    auto lonely = make_eps_device(std::move(e));
    EXPECT_TRUE(lonely->start().empty());
    EXPECT_EQ(*w.events("D#lonely", EventKind::error).back().reason, "device has no SN peer");
}

TEST(GakaDevice, UnexpectedMessagesAreRefused) {
    GakaWorld w;
    auto eps = w.device(0, false);
    const std::uint64_t s = attach(*eps);
    EXPECT_TRUE(to(*eps, group_auth_req(s, sample_av(1), Bytes(kRandLen, 1), view(w.k_g))).empty());
    EXPECT_EQ(w.last_reject(GakaWorld::dev(0)), "unexpected GroupAuthReq (device accepts AuthReq)");
    auto gaka = w.device(1, true);
    Message attach_req{kGakaProtocolId, AttachReq, attach(*gaka), {}};
    EXPECT_TRUE(to(*gaka, attach_req).empty());
    EXPECT_EQ(w.last_reject(GakaWorld::dev(1)),
              "unexpected AttachReq (device accepts AuthReq, GroupAuthReq)");
    Message bare{kEpsAkaProtocolId, AuthReq, s, {}};
    EXPECT_TRUE(to(*eps, bare).empty());
    EXPECT_EQ(w.last_reject(GakaWorld::dev(0)), "AuthReq lacks RAND or AUTN");
}

// The network may authenticate a device at any time (TS 24.301 5.4.2.1): a challenge is
// answered in any session, and only the USIM's checks (MAC-A, SQN, AMF) decide.
TEST(GakaDevice, ChallengeInAnySessionIsAnsweredAndOnlyTheUsimDecides) {
    GakaWorld w;
    auto hn = w.hn();
    auto dev = w.device(0, false);
    const EpsAv av = w.vector_for(*hn, 0);
    only(to(*dev, auth_req(kEpsAkaProtocolId, 42, av)), AuthResp);
    EXPECT_EQ(w.count(GakaWorld::dev(0), EventKind::commit), 1U);
    // The same challenge in yet another session: now the SQN check refuses it.
    only(to(*dev, auth_req(kEpsAkaProtocolId, 43, av)), SyncFailure);
    EXPECT_NE(w.last_reject(GakaWorld::dev(0)).find("SQN replayed"), std::string::npos);
}

// ---- Every check, weakened: the attack it stops goes through -----------------------------------

// HN "box": an attacker with no K_SH asks for a vector through an unprotected box. The
// weakened HN answers in kind, and the attacker then passes for the SN to the device.
std::vector<Outbound> clear_box_request(GakaWorld& w, Role& hn) {
    Message m{kEpsAkaProtocolId, AuthDataReq, 1, {}};
    m.set(SNid, sn_id());
    Bytes box(kBoxNonceLen, 0);
    const Bytes plain = encode_body(AuthDataReqBody{w.subs[0].imsi, {}, {}});
    box.insert(box.end(), plain.begin(), plain.end());
    box.resize(box.size() + kBoxTagLen, 0);
    m.set(Box, box);
    return to(hn, m);
}

TEST(GakaWeaken, HnBox) {
    {
        GakaWorld w;
        auto hn = w.hn();
        EXPECT_TRUE(clear_box_request(w, *hn).empty());
        EXPECT_EQ(w.last_reject(kHn), "box does not open under K_SH");
    }
    if (!weakening_enabled()) GTEST_SKIP() << "weakening is off in this build";
    GakaWorld w;
    auto hn = w.hn({"box"});
    const Message m = only(clear_box_request(w, *hn), AuthDataResp);
    const Bytes& box = *m.get(Box);
    auto stolen =
        decode_auth_data_resp(BytesView(box).subspan(kBoxNonceLen, box.size() - kBoxOverhead));
    ASSERT_TRUE(stolen.ok()) << stolen.error().describe();
    auto dev = w.device(0, false);
    only(to(*dev, auth_req(kEpsAkaProtocolId, attach(*dev), stolen->av)), AuthResp);
    EXPECT_EQ(w.events(GakaWorld::dev(0), EventKind::commit).at(0).key_fp,
              w.fp.fingerprint(view(stolen->av.kasme)));  // the attacker holds K_ASME
}

// HN "auts": a forged AUTS (no K behind it) desynchronises the subscriber: SEQ_HE jumps to
// whatever the concealed field unmasks to, and the device refuses every later vector.
std::vector<Outbound> forged_auts(GakaWorld& w, Role& hn) {
    const AuthDataReqBody b{w.subs[0].imsi, Bytes(kRandLen, 0x11), Bytes(kAutsLen, 0x5a)};
    return to(hn, w.auth_data_req(kEpsAkaProtocolId, 1, b, view(w.k_sh)));
}

TEST(GakaWeaken, HnAuts) {
    {
        GakaWorld w;
        auto hn = w.hn();
        EXPECT_TRUE(forged_auts(w, *hn).empty());
        EXPECT_EQ(w.last_reject(kHn), "AUTS MAC-S failure");
        auto dev = w.device(0, false);
        only(to(*dev, auth_req(kEpsAkaProtocolId, attach(*dev), w.vector_for(*hn, 0))), AuthResp);
    }
    if (!weakening_enabled()) GTEST_SKIP() << "weakening is off in this build";
    GakaWorld w;
    auto hn = w.hn({"auts"});
    const Message m = only(forged_auts(w, *hn), AuthDataResp);
    auto body = decode_auth_data_resp(view(open_box(view(w.k_sh), m).value()));
    ASSERT_TRUE(body.ok());
    auto dev = w.device(0, false);
    only(to(*dev, auth_req(kEpsAkaProtocolId, attach(*dev), body->av)), SyncFailure);
    EXPECT_THAT(w.last_reject(GakaWorld::dev(0)), HasSubstr("SQN out of range"));
}

// HN "member": an SN gets the group's GAK (and vectors for all its members) by naming a
// leader from outside the group.
TEST(GakaWeaken, HnMember) {
    {
        GakaWorld w;
        auto hn = w.hn();
        EXPECT_TRUE(to(*hn, w.group_auth_data_req(1, w.subs[w.outsider()].imsi, kGid)).empty());
        EXPECT_EQ(w.last_reject(kHn), "IMSI_L is not a member of GID");
    }
    if (!weakening_enabled()) GTEST_SKIP() << "weakening is off in this build";
    GakaWorld w;
    auto hn = w.hn({"member"});
    const auto parts = open_parts(
        to(*hn, w.group_auth_data_req(1, w.subs[w.outsider()].imsi, kGid)), view(w.k_sh));
    ASSERT_EQ(parts.size(), 1U);
    EXPECT_EQ(parts[0].members.size(), w.members);
    EXPECT_EQ(parts[0].gak,
              derive_gak(view(w.k_g), view(kGid), view(sn_id()), view(parts[0].rand_g)).value());
}

// Device "session": a challenge the device never asked for (no attach started) is answered.
// Device "mac": an AUTN with a forged MAC-A is taken.
TEST(GakaWeaken, DeviceMac) {
    auto forged = [](GakaWorld& w, Role& hn, Role& dev) {
        EpsAv av = w.vector_for(hn, 0);
        av.autn.back() ^= 0x80;
        return to(dev, auth_req(kEpsAkaProtocolId, attach(dev), av));
    };
    {
        GakaWorld w;
        auto hn = w.hn();
        auto dev = w.device(0, false);
        only(forged(w, *hn, *dev), AuthReject);
        EXPECT_EQ(w.last_reject(GakaWorld::dev(0)), "MAC failure");
    }
    if (!weakening_enabled()) GTEST_SKIP() << "weakening is off in this build";
    GakaWorld w;
    auto hn = w.hn();
    auto dev = w.device(0, false, {"mac"});
    only(forged(w, *hn, *dev), AuthResp);
}

// Device "sqn": a captured challenge replayed on a later attach is answered again (the
// same K_ASME a second time).
TEST(GakaWeaken, DeviceSqn) {
    auto replay = [](GakaWorld& w, Role& hn, Role& dev) {
        const EpsAv av = w.vector_for(hn, 0);
        only(to(dev, auth_req(kEpsAkaProtocolId, attach(dev), av)), AuthResp);
        return to(dev, auth_req(kEpsAkaProtocolId, attach(dev), av));
    };
    {
        GakaWorld w;
        auto hn = w.hn();
        auto dev = w.device(0, false);
        only(replay(w, *hn, *dev), SyncFailure);
        EXPECT_THAT(w.last_reject(GakaWorld::dev(0)), HasSubstr("SQN replayed"));
    }
    if (!weakening_enabled()) GTEST_SKIP() << "weakening is off in this build";
    GakaWorld w;
    auto hn = w.hn();
    auto dev = w.device(0, false, {"sqn"});
    only(replay(w, *hn, *dev), AuthResp);
    const auto commits = w.events(GakaWorld::dev(0), EventKind::commit);
    ASSERT_EQ(commits.size(), 2U);
    EXPECT_EQ(commits[0].key_fp, commits[1].key_fp);
}

// Device "amf": a non-EPS (UMTS, separation bit 0) vector is used for an EPS attach.
TEST(GakaWeaken, DeviceAmf) {
    auto umts = [](GakaWorld& w, Role& dev) {
        auto m = Milenage::from_opc(view(w.subs[0].k), view(w.subs[0].opc)).value();
        const Bytes rand(kRandLen, 0x24);
        const Bytes amf = {0x00, 0x00};
        auto v = make_auth_vector(m, view(rand), make_sqn(1, 0), view(amf)).value();
        Message req{kEpsAkaProtocolId, AuthReq, attach(dev), {}};
        req.set(RAND, v.rand);
        req.set(AUTN, v.autn);
        return to(dev, req);
    };
    {
        GakaWorld w;
        auto dev = w.device(0, false);
        const Message rej = only(umts(w, *dev), AuthReject);
        EXPECT_EQ(to_bytes(rej.get_or_empty(Cause)), Bytes{kCauseNonEps});
        EXPECT_THAT(w.last_reject(GakaWorld::dev(0)), HasSubstr("separation bit"));
        // The refused challenge did not use up SQN 1: the HN's first EPS vector is fresh.
        auto hn = w.hn();
        only(to(*dev, auth_req(kEpsAkaProtocolId, attach(*dev), w.vector_for(*hn, 0))), AuthResp);
    }
    if (!weakening_enabled()) GTEST_SKIP() << "weakening is off in this build";
    GakaWorld w;
    auto dev = w.device(0, false, {"amf"});
    only(umts(w, *dev), AuthResp);
}

// GAKA device "mac-g": an SN that holds no GAK of this group (here: another group's) gets a
// member to authenticate it.
TEST(GakaWeaken, DeviceMacG) {
    auto foreign = [](GakaWorld& w, Role& hn, Role& dev) {
        const EpsAv av = w.vector_for(hn, 1, kGakaProtocolId);
        const Bytes rand_g(kRandLen, 0x33);
        const SecretBytes gak =
            derive_gak(view(w.k_g_other), view(kOtherGid), view(sn_id()), view(rand_g)).value();
        return to(dev, group_auth_req(attach(dev), av, rand_g, view(gak)));
    };
    {
        GakaWorld w;
        auto hn = w.hn();
        auto dev = w.device(1, true);
        only(foreign(w, *hn, *dev), AuthReject);
        EXPECT_THAT(w.last_reject(GakaWorld::dev(1)), HasSubstr("MAC_G failure"));
    }
    if (!weakening_enabled()) GTEST_SKIP() << "weakening is off in this build";
    GakaWorld w;
    auto hn = w.hn();
    auto dev = w.device(1, true, {"mac-g"});
    only(foreign(w, *hn, *dev), AuthResp);
}

}  // namespace
}  // namespace mtc::test
