// The SN (MME) of EPS-AKA and GAKA (protocols/gaka/sn.cpp, sn_group.cpp), driven message by
// message. The test plays the HN (MILENAGE, HnSqnGenerator, make_eps_av, the K_SH box) and the
// devices (Usim, GAK and MAC_G) with primitives.hpp and sqn.hpp, so it depends on no other role.
// Covered: the EPS attach and its commit on the vector's K_ASME, re-synchronisation through the
// HN, the device's AuthReject; GAKA's one fetch per group, members challenged with no HN
// traffic, members queued during the fetch, vectors used once, a 1000-member group in several
// parts; every check ("box", "session", "res") refused and let through when weakened; bounds
// under floods; malformed input and missing configuration.
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "protocols/core/rng.hpp"
#include "protocols/core/role.hpp"
#include "protocols/core/storage.hpp"
#include "protocols/gaka/primitives.hpp"
#include "protocols/gaka/roles.hpp"
#include "protocols/gaka/schema.hpp"
#include "protocols/gaka/sqn.hpp"
#include "tests/unit/role_world.hpp"

namespace mtc::test {
namespace {

using namespace mtc::gaka;
using ::testing::HasSubstr;

constexpr const char* kSnInstance = "SN#0";
constexpr const char* kHnAddress = "HN#0";
constexpr const char* kHnIdentity = "hn-0";
constexpr const char* kSnName = "001-01";
constexpr const char* kGid = "group-7";

std::string imsi_of(std::size_t n) {
    std::string digits = std::to_string(n);
    return "00101" + std::string(10 - std::min<std::size_t>(digits.size(), 10), '0') + digits;
}
std::string device_address(const std::string& imsi) {
    return "dev-" + imsi;
}

// One subscriber: the HN's MILENAGE and SQN generator, and the device's USIM.
struct Subscriber {
    Milenage hn;
    HnSqnGenerator gen;
    Usim usim;
};

Subscriber make_subscriber(Rng& rng) {
    const SecretBytes k = rng.secret_bytes(kKeyLen);
    const SecretBytes opc = rng.secret_bytes(kKeyLen);
    return Subscriber{Milenage::from_opc(view(k), view(opc)).value(), HnSqnGenerator{},
                      Usim(Milenage::from_opc(view(k), view(opc)).value())};
}

Message msg(std::uint8_t protocol, std::uint8_t type, std::uint64_t session) {
    Message m;
    m.protocol = protocol;
    m.type = type;
    m.session = session;
    return m;
}

struct SnWorld : RoleWorldBase {
    SeededRng rng{11, "gaka-sn-test"};
    SecretBytes k_sh = SecretBytes(kKeyLen, 0x11);
    SecretBytes k_g = SecretBytes(kKeyLen, 0x22);
    Bytes sn_id = plmn_id(kSnName).value();
    std::uint8_t protocol;
    std::unique_ptr<Role> sn;
    std::map<std::string, Subscriber> subs;
    std::map<std::string, EpsAv> last_av;  // the HN's latest vector per IMSI
    std::vector<Outbound> sent;            // everything the SN sent
    std::size_t to_hn = 0;                 // ... of which to the HN

    explicit SnWorld(std::uint8_t proto = kEpsAkaProtocolId, std::set<std::string> weakened = {})
        : protocol(proto) {
        sn = make_sn(env(std::move(weakened)));
    }

    Env env(std::set<std::string> weakened = {}) {
        Env e;
        e.variant = "as-specified";
        e.profile = "default";
        e.rng = std::make_unique<SeededRng>(5, "role:SN#0");
        e.clock = &clock;
        e.events =
            std::make_unique<EventEmitter>(protocol == kGakaProtocolId ? "gaka" : "eps-aka",
                                           "as-specified", "SN", kSnInstance, clock, sink, fp);
        e.creds.identity = kSnName;
        e.creds.secrets["K_SH"] = k_sh;
        e.creds.attrs["SNid"] = kSnName;
        e.peers["HN"] = Peer{kHnIdentity, kHnAddress};
        e.weakened = std::move(weakened);
        e.storage = std::make_shared<MemoryStorage>();
        return e;
    }

    Subscriber& sub(const std::string& imsi) {
        auto it = subs.find(imsi);
        if (it == subs.end()) it = subs.emplace(imsi, make_subscriber(rng)).first;
        return it->second;
    }

    std::vector<Outbound> deliver(const Message& m, const std::string& from) {
        auto out = sn->on_message(Inbound{m, from, std::nullopt});
        for (const auto& o : out) {
            sent.push_back(o);
            to_hn += o.to == kHnAddress ? 1 : 0;
        }
        return out;
    }
    // A message from the device `imsi` (at its address).
    std::vector<Outbound> from_device(const std::string& imsi, const Message& m) {
        return deliver(m, device_address(imsi));
    }
    std::vector<Outbound> attach(const std::string& imsi, std::uint64_t session) {
        Message m = msg(protocol, AttachReq, session);
        m.set(IMSI, to_bytes(imsi));
        return from_device(imsi, m);
    }
    std::vector<Outbound> group_attach(const std::string& imsi, std::uint64_t session,
                                       const std::string& gid = kGid) {
        Message m = msg(kGakaProtocolId, GroupAttachReq, session);
        m.set(IMSI, to_bytes(imsi));
        m.set(GID, to_bytes(gid));
        return from_device(imsi, m);
    }

    // ---- The HN --------------------------------------------------------------------------------

    // A message from the HN on `session` with the box sealed under `key` (K_SH unless given).
    Message hn_msg(std::uint8_t proto, std::uint8_t type, std::uint64_t session, BytesView plain,
                   const SecretBytes* key = nullptr) {
        Message m = msg(proto, type, session);
        m.set(SNid, sn_id);
        m.set(Box, seal_box(view(key != nullptr ? *key : k_sh), m, plain, rng).value());
        return m;
    }
    AuthDataReqBody open_req(const Message& req) {
        EXPECT_EQ(req.type, AuthDataReq);
        EXPECT_EQ(to_bytes(req.get_or_empty(SNid)), sn_id);
        auto plain = open_box(view(k_sh), req);
        EXPECT_TRUE(plain.ok()) << (plain ? "" : plain.error().reason);
        if (!plain) return {};
        auto body = decode_auth_data_req(view(*plain));
        EXPECT_TRUE(body.ok()) << (body ? "" : body.error().reason);
        return body ? std::move(body).value() : AuthDataReqBody{};
    }
    EpsAv new_av(const std::string& imsi) {
        Subscriber& s = sub(imsi);
        EpsAv av = make_eps_av(s.hn, s.gen, view(sn_id), rng).value();
        last_av[imsi] = av;
        return av;
    }
    // The HN's AuthDataResp to `req` (resynchronising on RAND and AUTS); `label` names another
    // IMSI whose vector it carries instead, `key` another K_SH.
    Message hn_answer(const Message& req, const std::string& label = "",
                      const SecretBytes* key = nullptr) {
        const AuthDataReqBody body = open_req(req);
        const std::string imsi = label.empty() ? body.imsi : label;
        Subscriber& s = sub(imsi);
        if (!body.auts.empty() && label.empty()) {
            EXPECT_TRUE(s.gen.resync(s.hn, view(body.rand), view(body.auts)).ok());
        }
        AuthDataRespBody resp{imsi, new_av(imsi)};
        return hn_msg(req.protocol, AuthDataResp, req.session, view(encode_body(resp)), key);
    }

    // GAK for `gid` and RAND_G (both sides derive it from K_G).
    SecretBytes gak(const std::string& gid, BytesView rand_g) {
        return derive_gak(view(k_g), view(gid), view(sn_id), rand_g).value();
    }
    // The HN's answer to a GroupAuthDataReq: vectors for the leader and `members`, in parts.
    std::vector<Message> hn_group_answer(const Message& req,
                                         const std::vector<std::string>& members,
                                         const std::string& gid_override = "") {
        EXPECT_EQ(req.type, GroupAuthDataReq);
        EXPECT_EQ(req.protocol, kGakaProtocolId);
        auto plain = open_box(view(k_sh), req);
        EXPECT_TRUE(plain.ok());
        if (!plain) return {};
        const auto body = decode_group_auth_data_req(view(*plain)).value();
        GroupAuthDataRespBody whole;
        whole.gid = gid_override.empty() ? body.gid : gid_override;
        whole.imsi_l = body.imsi_l;
        whole.rand_g = rng.bytes(kRandLen);
        whole.gak = gak(whole.gid, view(whole.rand_g));
        whole.av_l = new_av(body.imsi_l);
        for (const auto& imsi : members) whole.members.push_back(MemberAv{imsi, new_av(imsi)});
        std::vector<Message> out;
        for (const auto& part : split_group_resp(whole)) {
            out.push_back(
                hn_msg(kGakaProtocolId, GroupAuthDataResp, req.session, view(encode_body(part))));
        }
        return out;
    }

    // ---- The device ----------------------------------------------------------------------------

    // The USIM's verdict on an AuthReq / GroupAuthReq, and the message it answers with.
    struct Answer {
        UsimResponse usim;
        Message reply;
    };
    Answer device_answer(const std::string& imsi, const Message& challenge) {
        Answer a;
        a.usim = sub(imsi)
                     .usim.authenticate(challenge.get_or_empty(RAND), challenge.get_or_empty(AUTN))
                     .value();
        switch (a.usim.verdict) {
            case UsimVerdict::accepted:
                a.reply = msg(challenge.protocol, AuthResp, challenge.session);
                a.reply.set(RES, a.usim.res);
                break;
            case UsimVerdict::sync_failure:
                a.reply = msg(challenge.protocol, SyncFailure, challenge.session);
                a.reply.set(AUTS, a.usim.auts);
                break;
            case UsimVerdict::mac_failure:
                a.reply = msg(challenge.protocol, AuthReject, challenge.session);
                a.reply.set(Cause, Bytes{kCauseMacFailure});
                break;
        }
        return a;
    }
    // MAC_G of a GroupAuthReq verifies under the GAK the member derives from K_G.
    bool mac_g_verifies(const Message& gar, const std::string& gid = kGid) {
        const SecretBytes g = gak(gid, gar.get_or_empty(RAND_G));
        return equal_ct(view(mac_g(view(g), gar.get_or_empty(RAND), view(sn_id))),
                        gar.get_or_empty(MAC_G));
    }

    // ---- Whole runs ----------------------------------------------------------------------------

    // EPS: attach, HN vector, challenge; returns the AuthReq.
    Message challenged(const std::string& imsi, std::uint64_t session) {
        auto req = attach(imsi, session);
        EXPECT_EQ(req.size(), 1u) << last_reject(kSnInstance);
        if (req.size() != 1) return {};
        auto ch = deliver(hn_answer(req[0].msg), kHnAddress);
        EXPECT_EQ(ch.size(), 1u) << last_reject(kSnInstance);
        return ch.empty() ? Message{} : ch[0].msg;
    }
    std::vector<Event> sn_events(EventKind k) const { return events(kSnInstance, k); }
    std::size_t sn_count(EventKind k) const { return count(kSnInstance, k); }
    std::string sn_reject() const { return last_reject(kSnInstance); }
    std::string fp_of(const EpsAv& av) const { return fp.fingerprint(view(av.kasme)); }
};

// ---- EPS-AKA -----------------------------------------------------------------------------------

TEST(GakaSnEps, HappyPathCommitsTheVectorsKasme) {
    SnWorld w;
    const std::string imsi = imsi_of(1);
    auto req = w.attach(imsi, 100);
    ASSERT_EQ(req.size(), 1u);
    EXPECT_EQ(req[0].to, kHnAddress);
    EXPECT_EQ(req[0].msg.protocol, kEpsAkaProtocolId);
    EXPECT_EQ(req[0].msg.session, 100u);  // the device's session id, end to end
    const AuthDataReqBody body = w.open_req(req[0].msg);
    EXPECT_EQ(body.imsi, imsi);
    EXPECT_TRUE(body.rand.empty() && body.auts.empty());

    auto ch = w.deliver(w.hn_answer(req[0].msg), kHnAddress);
    ASSERT_EQ(ch.size(), 1u) << w.sn_reject();
    const EpsAv& av = w.last_av.at(imsi);
    EXPECT_EQ(ch[0].to, device_address(imsi));
    EXPECT_EQ(ch[0].msg.type, AuthReq);
    EXPECT_EQ(ch[0].msg.protocol, kEpsAkaProtocolId);
    EXPECT_EQ(ch[0].msg.session, 100u);
    EXPECT_EQ(to_bytes(ch[0].msg.get_or_empty(RAND)), av.rand);
    EXPECT_EQ(to_bytes(ch[0].msg.get_or_empty(AUTN)), av.autn);
    auto begins = w.sn_events(EventKind::begin);
    ASSERT_EQ(begins.size(), 1u);
    EXPECT_EQ(begins[0].peer, imsi);
    EXPECT_EQ(begins[0].session, 100u);
    EXPECT_EQ(begins[0].params, (EventEmitter::Params{{"RAND", to_hex(view(av.rand))}}));

    auto ans = w.device_answer(imsi, ch[0].msg);
    ASSERT_EQ(ans.usim.verdict, UsimVerdict::accepted) << ans.usim.reason;
    EXPECT_EQ(device_kasme(ans.usim, view(w.sn_id), view(av.autn)).value(), av.kasme);
    EXPECT_TRUE(w.from_device(imsi, ans.reply).empty());
    auto commits = w.sn_events(EventKind::commit);
    ASSERT_EQ(commits.size(), 1u) << w.sn_reject();
    EXPECT_EQ(commits[0].peer, imsi);
    EXPECT_EQ(commits[0].session, 100u);
    EXPECT_EQ(commits[0].params, begins[0].params);
    EXPECT_EQ(commits[0].key_fp, w.fp_of(av));
    EXPECT_EQ(w.sn_count(EventKind::reject) + w.sn_count(EventKind::error), 0u);
    EXPECT_EQ(w.to_hn, 1u);

    // Nothing secret in any event.
    for (const auto& e : w.sink.events) {
        const std::string line = to_json_line(e);
        for (const std::string& s : {to_hex(view(w.k_sh)), to_hex(view(av.kasme)),
                                     to_hex(view(av.xres)), to_hex(ans.usim.res)}) {
            EXPECT_EQ(line.find(s), std::string::npos) << line;
        }
    }
}

TEST(GakaSnEps, ManyAttachesInterleaved) {
    SnWorld w;
    std::vector<Message> reqs;
    for (std::uint64_t s = 1; s <= 5; ++s) reqs.push_back(w.attach(imsi_of(s), s).at(0).msg);
    std::vector<Message> challenges;
    for (auto it = reqs.rbegin(); it != reqs.rend(); ++it) {
        challenges.push_back(w.deliver(w.hn_answer(*it), kHnAddress).at(0).msg);
    }
    for (const auto& ch : challenges) {
        const std::string imsi = imsi_of(ch.session);
        w.from_device(imsi, w.device_answer(imsi, ch).reply);
    }
    EXPECT_EQ(w.sn_count(EventKind::commit), 5u) << w.sn_reject();
    EXPECT_EQ(w.sn_count(EventKind::reject), 0u) << w.sn_reject();
    for (const auto& c : w.sn_events(EventKind::commit)) {
        EXPECT_EQ(c.peer, imsi_of(c.session));
        EXPECT_EQ(c.key_fp, w.fp_of(w.last_av.at(c.peer)));
    }
}

TEST(GakaSnEps, ReplayedAuthRespAfterCommitIsRejected) {
    auto run = [](SnWorld& w) {
        const std::string imsi = imsi_of(1);
        const Message ch = w.challenged(imsi, 7);
        const Message resp = w.device_answer(imsi, ch).reply;
        w.from_device(imsi, resp);
        w.from_device(imsi, resp);  // the replay
    };
    SnWorld normal;
    run(normal);
    EXPECT_EQ(normal.sn_count(EventKind::commit), 1u);
    EXPECT_EQ(normal.sn_count(EventKind::reject), 1u);
    EXPECT_EQ(normal.sn_reject(), "AuthResp for no pending challenge");
    if (!weakening_enabled()) GTEST_SKIP() << "weakening is off in this build";
    SnWorld weak(kEpsAkaProtocolId, {"session"});
    run(weak);
    EXPECT_EQ(weak.sn_count(EventKind::commit), 2u);  // one begin, two commits: a replay
    EXPECT_EQ(weak.sn_count(EventKind::begin), 1u);
    EXPECT_EQ(weak.sn_count(EventKind::reject), 0u) << weak.sn_reject();
}

TEST(GakaSnEps, WrongResIsRejectedAndEndsTheAttach) {
    auto run = [](SnWorld& w) {
        const std::string imsi = imsi_of(1);
        const Message ch = w.challenged(imsi, 7);
        Message forged = msg(kEpsAkaProtocolId, AuthResp, 7);
        forged.set(RES, Bytes(kResLen, 0xab));
        w.from_device(imsi, forged);
        return w.device_answer(imsi, ch).reply;  // the genuine answer, too late
    };
    SnWorld normal;
    const Message genuine = run(normal);
    EXPECT_EQ(normal.sn_reject(), "RES does not match XRES");
    normal.from_device(imsi_of(1), genuine);
    EXPECT_EQ(normal.sn_reject(), "AuthResp for no pending challenge");  // the attach ended
    EXPECT_EQ(normal.sn_count(EventKind::commit), 0u);
    if (!weakening_enabled()) GTEST_SKIP() << "weakening is off in this build";
    SnWorld weak(kEpsAkaProtocolId, {"res"});
    run(weak);
    EXPECT_EQ(weak.sn_count(EventKind::commit), 1u);  // the forged RES is taken
    EXPECT_EQ(weak.sn_count(EventKind::reject), 0u) << weak.sn_reject();
}

TEST(GakaSnEps, BoxUnderAnotherKeyIsRejectedAndTheAttachWaitsOn) {
    SnWorld w;
    const std::string imsi = imsi_of(1);
    const Message req = w.attach(imsi, 9).at(0).msg;
    const SecretBytes other(kKeyLen, 0x99);
    EXPECT_TRUE(w.deliver(w.hn_answer(req, "", &other), kHnAddress).empty());
    EXPECT_EQ(w.sn_reject(), "AuthDataResp box does not open under K_SH");
    EXPECT_EQ(w.sn_events(EventKind::reject).back().peer, kHnIdentity);
    // A genuine box moved onto another attach's session does not open either (AAD).
    const Message req2 = w.attach(imsi_of(2), 10).at(0).msg;
    Message moved = w.hn_answer(req2);
    moved.session = 9;
    EXPECT_TRUE(w.deliver(moved, kHnAddress).empty());
    EXPECT_EQ(w.sn_reject(), "AuthDataResp box does not open under K_SH");
    // Nor does one whose clear SNid was changed.
    Message renamed = w.hn_answer(req);
    renamed.set(SNid, plmn_id("999-99").value());
    EXPECT_TRUE(w.deliver(renamed, kHnAddress).empty());
    EXPECT_EQ(w.sn_count(EventKind::reject), 3u);
    // The attach is still pending: the real HN's answer goes through.
    auto ch = w.deliver(w.hn_answer(req), kHnAddress);
    ASSERT_EQ(ch.size(), 1u) << w.sn_reject();
    EXPECT_EQ(ch[0].msg.type, AuthReq);
    w.from_device(imsi, w.device_answer(imsi, ch[0].msg).reply);
    EXPECT_EQ(w.sn_count(EventKind::commit), 1u);
}

TEST(GakaSnEps, BoxForAnotherImsiIsRejected) {
    // The box is bound to the attach's session, but carries the vector of another subscriber
    // (B): weakened, the SN challenges A's attach with B's vector, B answers, and the SN
    // commits to A with B's key.
    const std::string a = imsi_of(1), b = imsi_of(2);
    auto run = [&](SnWorld& w) {
        const Message req = w.attach(a, 3).at(0).msg;
        auto ch = w.deliver(w.hn_answer(req, b), kHnAddress);
        if (ch.size() == 1) w.from_device(b, w.device_answer(b, ch[0].msg).reply);
    };
    SnWorld normal;
    run(normal);
    EXPECT_THAT(normal.sn_reject(), HasSubstr("AuthDataResp box is for IMSI " + b));
    EXPECT_EQ(normal.sn_count(EventKind::reject), 1u);
    EXPECT_EQ(normal.sn_count(EventKind::begin) + normal.sn_count(EventKind::commit), 0u);
    if (!weakening_enabled()) GTEST_SKIP() << "weakening is off in this build";
    SnWorld weak(kEpsAkaProtocolId, {"box"});
    run(weak);
    auto commits = weak.sn_events(EventKind::commit);
    ASSERT_EQ(commits.size(), 1u) << weak.sn_reject();
    EXPECT_EQ(commits[0].peer, a);
    EXPECT_EQ(commits[0].key_fp, weak.fp_of(weak.last_av.at(b)));  // misbinding
}

TEST(GakaSnEps, SyncFailureResynchronisesThroughTheHn) {
    SnWorld w;
    const std::string imsi = imsi_of(1);
    Subscriber& s = w.sub(imsi);
    // The USIM once accepted a vector far ahead of the HN's counter (another HN copy).
    HnSqnGenerator ahead(100);
    const EpsAv old = make_eps_av(s.hn, ahead, view(w.sn_id), w.rng).value();
    ASSERT_EQ(s.usim.authenticate(view(old.rand), view(old.autn)).value().verdict,
              UsimVerdict::accepted);

    const Message ch = w.challenged(imsi, 21);
    const auto ans = w.device_answer(imsi, ch);
    ASSERT_EQ(ans.usim.verdict, UsimVerdict::sync_failure);
    auto resync = w.from_device(imsi, ans.reply);
    ASSERT_EQ(resync.size(), 1u) << w.sn_reject();
    EXPECT_EQ(resync[0].to, kHnAddress);
    EXPECT_EQ(resync[0].msg.type, AuthDataReq);
    EXPECT_EQ(resync[0].msg.session, 21u);
    const AuthDataReqBody body = w.open_req(resync[0].msg);
    EXPECT_EQ(body.imsi, imsi);
    EXPECT_EQ(body.rand, to_bytes(ch.get_or_empty(RAND)));
    EXPECT_EQ(body.auts, ans.usim.auts);

    auto ch2 = w.deliver(w.hn_answer(resync[0].msg), kHnAddress);  // HN resyncs, new vector
    ASSERT_EQ(ch2.size(), 1u) << w.sn_reject();
    EXPECT_EQ(ch2[0].msg.type, AuthReq);
    EXPECT_NE(to_bytes(ch2[0].msg.get_or_empty(RAND)), to_bytes(ch.get_or_empty(RAND)));
    const auto ans2 = w.device_answer(imsi, ch2[0].msg);
    ASSERT_EQ(ans2.usim.verdict, UsimVerdict::accepted) << ans2.usim.reason;
    w.from_device(imsi, ans2.reply);
    auto commits = w.sn_events(EventKind::commit);
    ASSERT_EQ(commits.size(), 1u) << w.sn_reject();
    EXPECT_EQ(commits[0].key_fp, w.fp_of(w.last_av.at(imsi)));
    EXPECT_EQ(commits[0].params.at("RAND"), to_hex(ch2[0].msg.get_or_empty(RAND)));
    EXPECT_EQ(w.sn_count(EventKind::begin), 2u);
    EXPECT_EQ(w.sn_count(EventKind::reject), 0u);
}

TEST(GakaSnEps, ResynchronisationIsBoundedPerAttach) {
    SnWorld w;
    const std::string imsi = imsi_of(1);
    Message ch = w.challenged(imsi, 5);
    for (int i = 0; i < 3; ++i) {
        Message sf = msg(kEpsAkaProtocolId, SyncFailure, 5);
        sf.set(AUTS, Bytes(kAutsLen, static_cast<std::uint8_t>(i)));
        auto out = w.from_device(imsi, sf);
        if (i < 2) {
            ASSERT_EQ(out.size(), 1u) << w.sn_reject();
            // A test HN that ignores the (garbage) AUTS and sends a fresh vector.
            AuthDataRespBody resp{imsi, w.new_av(imsi)};
            auto next = w.deliver(
                w.hn_msg(kEpsAkaProtocolId, AuthDataResp, 5, view(encode_body(resp))), kHnAddress);
            ASSERT_EQ(next.size(), 1u) << w.sn_reject();
            ch = next[0].msg;
        } else {
            EXPECT_TRUE(out.empty());
        }
    }
    EXPECT_THAT(w.sn_reject(), HasSubstr("after 2 re-synchronisations"));
    w.from_device(imsi, w.device_answer(imsi, ch).reply);
    EXPECT_EQ(w.sn_reject(), "AuthResp for no pending challenge");  // the attach ended
    EXPECT_EQ(w.to_hn, 3u);
}

TEST(GakaSnEps, DeviceAuthRejectEndsTheAttach) {
    SnWorld w;
    const std::string imsi = imsi_of(1);
    const Message ch = w.challenged(imsi, 8);
    Message rej = msg(kEpsAkaProtocolId, AuthReject, 8);
    rej.set(Cause, Bytes{kCauseMacFailure});
    EXPECT_TRUE(w.from_device(imsi, rej).empty());
    EXPECT_EQ(w.sn_reject(), "the device rejected the network (cause 20)");
    EXPECT_EQ(w.sn_events(EventKind::reject).back().peer, imsi);
    w.from_device(imsi, w.device_answer(imsi, ch).reply);
    EXPECT_EQ(w.sn_reject(), "AuthResp for no pending challenge");
    EXPECT_EQ(w.sn_count(EventKind::commit), 0u);
}

TEST(GakaSnEps, AnswersForNoAttachAndOutOfOrderAreRejected) {
    SnWorld w;
    const std::string imsi = imsi_of(1);
    Message resp = msg(kEpsAkaProtocolId, AuthResp, 77);
    resp.set(RES, Bytes(kResLen, 1));
    w.from_device(imsi, resp);
    EXPECT_EQ(w.sn_reject(), "AuthResp for no pending challenge");
    Message sf = msg(kEpsAkaProtocolId, SyncFailure, 77);
    sf.set(AUTS, Bytes(kAutsLen, 1));
    w.from_device(imsi, sf);
    EXPECT_EQ(w.sn_reject(), "SyncFailure for no pending challenge");
    Message rej = msg(kEpsAkaProtocolId, AuthReject, 77);
    rej.set(Cause, Bytes{20});
    w.from_device(imsi, rej);
    EXPECT_EQ(w.sn_reject(), "AuthReject for no pending challenge");
    // An AuthResp before the challenge (the attach waits for its vector).
    const Message req = w.attach(imsi, 78).at(0).msg;
    resp.session = 78;
    w.from_device(imsi, resp);
    EXPECT_EQ(w.sn_reject(), "AuthResp for no pending challenge");
    // A second AuthDataResp for a challenged attach; one for nobody.
    const Message answer = w.hn_answer(req);
    ASSERT_EQ(w.deliver(answer, kHnAddress).size(), 1u);
    EXPECT_TRUE(w.deliver(answer, kHnAddress).empty());
    EXPECT_EQ(w.sn_reject(), "AuthDataResp for no pending vector request");
    Message stray = answer;
    stray.session = 4242;
    EXPECT_TRUE(w.deliver(stray, kHnAddress).empty());
    EXPECT_EQ(w.sn_reject(), "AuthDataResp for no pending vector request");
    // A second AttachReq on a session in progress: a copy from the same device is dropped
    // silently (a retransmission, TS 24.301 5.5.1.2.7 d), another device's is refused.
    const std::size_t rejects = w.sn_count(EventKind::reject);
    EXPECT_TRUE(w.attach(imsi, 78).empty());
    EXPECT_EQ(w.sn_count(EventKind::reject), rejects);
    EXPECT_TRUE(w.attach(imsi_of(2), 78).empty());
    EXPECT_EQ(w.sn_reject(), "AttachReq for a session already in progress");
    EXPECT_EQ(w.to_hn, 1u);
    EXPECT_EQ(w.sn_count(EventKind::commit), 0u);
}

TEST(GakaSnEps, UnexpectedAndMalformedInputIsRejectedNeverThrown) {
    SnWorld w;
    w.from_device(imsi_of(1), msg(kEpsAkaProtocolId, AuthReq, 1));
    EXPECT_EQ(w.sn_reject(),
              "unexpected AuthReq (SN accepts AttachReq, AuthDataResp, AuthResp, AuthReject, "
              "SyncFailure)");
    w.from_device(imsi_of(1), msg(kEpsAkaProtocolId, GroupAttachReq, 1));
    EXPECT_THAT(w.sn_reject(), HasSubstr("unexpected type 8 (SN accepts AttachReq"));
    w.from_device(imsi_of(1), msg(kGakaProtocolId, AttachReq, 1));
    EXPECT_THAT(w.sn_reject(), HasSubstr("unexpected type 1 (SN accepts GroupAttachReq"));
    w.from_device(imsi_of(1), msg(9, AttachReq, 1));
    EXPECT_THAT(w.sn_reject(), HasSubstr("unexpected protocol id 9"));
    w.from_device(imsi_of(1), msg(kEpsAkaProtocolId, AttachReq, 1));
    EXPECT_EQ(w.sn_reject(), "AttachReq lacks IMSI");
    Message bad = msg(kEpsAkaProtocolId, AttachReq, 1);
    bad.set(IMSI, to_bytes("00101abc"));
    w.from_device(imsi_of(1), bad);
    EXPECT_THAT(w.sn_reject(), HasSubstr("IMSI must be decimal digits"));
    EXPECT_EQ(w.sent.size(), 0u);

    // Random messages of every type and both protocols: rejects only, no throw, no crash.
    SeededRng r(99, "garbage");
    for (int i = 0; i < 3000; ++i) {
        Message m = msg(r.uniform(3) == 0 ? kGakaProtocolId : kEpsAkaProtocolId,
                        static_cast<std::uint8_t>(r.uniform(13)), r.uniform(8));
        const auto n = r.uniform(4);
        for (std::uint64_t f = 0; f < n; ++f) {
            m.set(static_cast<std::uint8_t>(1 + r.uniform(12)),
                  r.bytes(static_cast<std::size_t>(r.uniform(40))));
        }
        EXPECT_NO_THROW(w.deliver(m, "eve"));
    }
    EXPECT_EQ(w.sn_count(EventKind::commit), 0u);
    EXPECT_EQ(w.sn_count(EventKind::error), 0u);
}

TEST(GakaSnEps, MissingConfigurationIsAnErrorOnEachMessage) {
    for (int missing = 0; missing < 4; ++missing) {
        SnWorld w;
        Env e = w.env();
        const char* expect = "";
        switch (missing) {
            case 0:
                e.creds.secrets.erase("K_SH");
                expect = "SN lacks its key K_SH";
                break;
            case 1:
                e.creds.attrs.erase("SNid");
                expect = "SN lacks its SNid attribute";
                break;
            case 2:
                e.peers.clear();
                expect = "SN has no HN peer";
                break;
            default:
                e.creds.attrs["SNid"] = "1-2";
                expect = "SN id must be MCC-MNC";
                break;
        }
        w.sn = make_sn(std::move(e));
        EXPECT_TRUE(w.attach(imsi_of(1), 1).empty());
        auto errs = w.sn_events(EventKind::error);
        ASSERT_EQ(errs.size(), 1u) << missing;
        EXPECT_THAT(errs[0].reason.value_or(""), HasSubstr("SN is misconfigured"));
        EXPECT_THAT(errs[0].reason.value_or(""), HasSubstr(expect));
    }
}

TEST(GakaSnEps, FloodOfAttachesEvictsTheOldest) {
    SnWorld w;
    const std::string imsi = imsi_of(1);
    constexpr std::uint64_t kFlood = 10000;
    std::vector<Message> reqs;
    for (std::uint64_t s = 1; s <= kFlood; ++s) {
        auto out = w.attach(imsi, s);
        ASSERT_EQ(out.size(), 1u);
        reqs.push_back(std::move(out[0].msg));
    }
    EXPECT_EQ(w.sn_count(EventKind::reject), 0u);
    // Exactly the newest 4096 attaches are still pending.
    const std::uint64_t first_kept = kFlood - 4096 + 1;
    EXPECT_TRUE(w.deliver(w.hn_answer(reqs.at(first_kept - 2)), kHnAddress).empty());
    EXPECT_EQ(w.sn_reject(), "AuthDataResp for no pending vector request");
    EXPECT_TRUE(w.deliver(w.hn_answer(reqs.at(0)), kHnAddress).empty());
    EXPECT_EQ(w.sn_count(EventKind::reject), 2u);
    EXPECT_EQ(w.deliver(w.hn_answer(reqs.at(first_kept - 1)), kHnAddress).size(), 1u);
    auto last = w.deliver(w.hn_answer(reqs.back()), kHnAddress);
    ASSERT_EQ(last.size(), 1u);
    EXPECT_EQ(w.sn_count(EventKind::reject), 2u) << w.sn_reject();
    // And the newest still completes.
    w.from_device(imsi, w.device_answer(imsi, last[0].msg).reply);
    EXPECT_EQ(w.sn_count(EventKind::commit), 1u) << w.sn_reject();
}

// ---- GAKA --------------------------------------------------------------------------------------

std::vector<std::string> members_of(std::size_t n, std::size_t from = 2) {
    std::vector<std::string> v;
    for (std::size_t i = 0; i < n; ++i) v.push_back(imsi_of(from + i));
    return v;
}

// The leader's attach and the HN's answer; returns the leader's AuthReq.
Message lead(SnWorld& w, const std::string& leader, std::uint64_t session,
             const std::vector<std::string>& members) {
    auto req = w.group_attach(leader, session);
    EXPECT_EQ(req.size(), 1u) << w.sn_reject();
    if (req.size() != 1) return {};
    std::vector<Outbound> out;
    for (const auto& part : w.hn_group_answer(req[0].msg, members)) {
        out = w.deliver(part, kHnAddress);
    }
    EXPECT_EQ(out.size(), 1u) << w.sn_reject();
    return out.empty() ? Message{} : out[0].msg;
}

// A member challenged with a GroupAuthReq: MAC_G and AUTN verify; it answers and is committed.
void member_run(SnWorld& w, const std::string& imsi, std::uint64_t session, const Message& gar) {
    EXPECT_EQ(gar.type, GroupAuthReq);
    EXPECT_EQ(gar.protocol, kGakaProtocolId);
    EXPECT_EQ(gar.session, session);
    EXPECT_TRUE(w.mac_g_verifies(gar)) << imsi;
    EXPECT_EQ(to_bytes(gar.get_or_empty(AUTN)), w.last_av.at(imsi).autn);
    const auto ans = w.device_answer(imsi, gar);
    ASSERT_EQ(ans.usim.verdict, UsimVerdict::accepted) << imsi << ": " << ans.usim.reason;
    const std::size_t commits = w.sn_count(EventKind::commit);
    w.from_device(imsi, ans.reply);
    ASSERT_EQ(w.sn_count(EventKind::commit), commits + 1) << w.sn_reject();
    const Event c = w.sn_events(EventKind::commit).back();
    EXPECT_EQ(c.peer, imsi);
    EXPECT_EQ(c.session, session);
    EXPECT_EQ(c.key_fp, w.fp_of(w.last_av.at(imsi)));
    EXPECT_EQ(c.params, (EventEmitter::Params{{"RAND", to_hex(gar.get_or_empty(RAND))}}));
}

TEST(GakaSnGroup, LeaderFetchesOnceMembersNeedNoHn) {
    SnWorld w(kGakaProtocolId);
    const std::string leader = imsi_of(1);
    const auto members = members_of(8);
    auto req = w.group_attach(leader, 500);
    ASSERT_EQ(req.size(), 1u);
    EXPECT_EQ(req[0].to, kHnAddress);
    EXPECT_EQ(req[0].msg.type, GroupAuthDataReq);
    EXPECT_EQ(req[0].msg.protocol, kGakaProtocolId);
    EXPECT_EQ(req[0].msg.session, 500u);
    EXPECT_EQ(to_bytes(req[0].msg.get_or_empty(SNid)), w.sn_id);
    const auto body =
        decode_group_auth_data_req(view(open_box(view(w.k_sh), req[0].msg).value())).value();
    EXPECT_EQ(body.imsi_l, leader);
    EXPECT_EQ(body.gid, kGid);

    auto parts = w.hn_group_answer(req[0].msg, members);
    ASSERT_EQ(parts.size(), 1u);
    auto ch = w.deliver(parts[0], kHnAddress);
    ASSERT_EQ(ch.size(), 1u) << w.sn_reject();
    // The leader gets a plain AKA challenge with AV_L.
    EXPECT_EQ(ch[0].to, device_address(leader));
    EXPECT_EQ(ch[0].msg.type, AuthReq);
    EXPECT_EQ(ch[0].msg.protocol, kGakaProtocolId);
    EXPECT_EQ(to_bytes(ch[0].msg.get_or_empty(RAND)), w.last_av.at(leader).rand);
    w.from_device(leader, w.device_answer(leader, ch[0].msg).reply);
    ASSERT_EQ(w.sn_count(EventKind::commit), 1u) << w.sn_reject();
    EXPECT_EQ(w.sn_events(EventKind::commit)[0].key_fp, w.fp_of(w.last_av.at(leader)));
    EXPECT_EQ(w.to_hn, 1u);

    // Every member: one GroupAuthReq to the member, nothing to the HN.
    std::uint64_t s = 600;
    for (const auto& m : members) {
        auto out = w.group_attach(m, ++s);
        ASSERT_EQ(out.size(), 1u) << w.sn_reject();
        EXPECT_EQ(out[0].to, device_address(m));
        member_run(w, m, s, out[0].msg);
    }
    EXPECT_EQ(w.to_hn, 1u);  // the paper's point: members cost no SN <-> HN signalling
    EXPECT_EQ(w.sn_count(EventKind::commit), 1 + members.size());
    EXPECT_EQ(w.sn_count(EventKind::begin), 1 + members.size());
    EXPECT_EQ(w.sn_count(EventKind::reject), 0u) << w.sn_reject();
    // No GAK, K_SH, K_ASME or XRES in any event.
    const Bytes rand_g = to_bytes(w.sent.back().msg.get_or_empty(RAND_G));
    std::vector<std::string> secrets = {to_hex(view(w.k_sh)), to_hex(view(w.gak(kGid, rand_g)))};
    for (const auto& [imsi, av] : w.last_av) {
        secrets.push_back(to_hex(view(av.kasme)));
        secrets.push_back(to_hex(view(av.xres)));
    }
    for (const auto& e : w.sink.events) {
        const std::string line = to_json_line(e);
        for (const auto& sec : secrets) EXPECT_EQ(line.find(sec), std::string::npos) << line;
    }
}

TEST(GakaSnGroup, MembersArrivingDuringTheFetchAreQueuedAndServed) {
    SnWorld w(kGakaProtocolId);
    const std::string leader = imsi_of(1);
    const auto members = members_of(3);
    const std::string stranger = imsi_of(99);
    auto req = w.group_attach(leader, 1);
    ASSERT_EQ(req.size(), 1u);
    for (std::size_t i = 0; i < members.size(); ++i) {
        EXPECT_TRUE(w.group_attach(members[i], 10 + i).empty());  // queued
    }
    EXPECT_TRUE(w.group_attach(stranger, 20).empty());
    EXPECT_EQ(w.to_hn, 1u);
    EXPECT_EQ(w.sn_count(EventKind::reject), 0u);

    auto parts = w.hn_group_answer(req[0].msg, members);
    ASSERT_EQ(parts.size(), 1u);
    auto out = w.deliver(parts[0], kHnAddress);
    ASSERT_EQ(out.size(), 1 + members.size());
    EXPECT_EQ(out[0].msg.type, AuthReq);
    EXPECT_EQ(out[0].to, device_address(leader));
    EXPECT_EQ(w.sn_reject(), "IMSI is not in the group's vectors");
    EXPECT_EQ(w.sn_events(EventKind::reject).back().peer, stranger);
    EXPECT_EQ(w.sn_events(EventKind::reject).back().session, 20u);
    for (std::size_t i = 0; i < members.size(); ++i) {
        EXPECT_EQ(out[1 + i].to, device_address(members[i]));
        member_run(w, members[i], 10 + i, out[1 + i].msg);
    }
    w.from_device(leader, w.device_answer(leader, out[0].msg).reply);
    EXPECT_EQ(w.sn_count(EventKind::commit), 1 + members.size());
    EXPECT_EQ(w.sn_count(EventKind::reject), 1u);
    EXPECT_EQ(w.to_hn, 1u);
}

TEST(GakaSnGroup, ADeviceQueuedTwiceIsServedTwiceThroughAnotherFetch) {
    // Two attaches of one device wait for the same fetch (a live run with more sessions in
    // flight than devices): the fetch brings one vector for it, so the second attach waits for
    // the group's next vectors instead of being refused as a stranger.
    SnWorld w(kGakaProtocolId);
    const std::string leader = imsi_of(1);
    const auto members = members_of(2);
    auto req = w.group_attach(leader, 1);
    ASSERT_EQ(req.size(), 1u);
    EXPECT_TRUE(w.group_attach(members[0], 10).empty());
    EXPECT_TRUE(w.group_attach(members[0], 11).empty());
    EXPECT_TRUE(w.group_attach(leader, 12).empty());  // the leader again, too
    auto out = w.deliver(w.hn_group_answer(req[0].msg, members).at(0), kHnAddress);
    ASSERT_EQ(out.size(), 3u) << w.sn_reject();
    EXPECT_EQ(out[0].msg.type, AuthReq);  // the leader's first attach: full AKA with AV_L
    member_run(w, members[0], 10, out[1].msg);
    // The next fetch, for the group's leader, on the first waiting session.
    EXPECT_EQ(out[2].to, kHnAddress);
    EXPECT_EQ(out[2].msg.type, GroupAuthDataReq);
    EXPECT_EQ(out[2].msg.session, 11u);
    EXPECT_EQ(w.to_hn, 2u);
    EXPECT_EQ(
        decode_group_auth_data_req(view(open_box(view(w.k_sh), out[2].msg).value())).value().imsi_l,
        leader);
    auto next = w.deliver(w.hn_group_answer(out[2].msg, members).at(0), kHnAddress);
    ASSERT_EQ(next.size(), 2u) << w.sn_reject();
    member_run(w, members[0], 11, next[0].msg);
    member_run(w, leader, 12, next[1].msg);  // a member's challenge from the new AV_L
    EXPECT_EQ(w.sn_count(EventKind::reject), 0u) << w.sn_reject();
}

TEST(GakaSnGroup, EachVectorIsUsedOnce) {
    SnWorld w(kGakaProtocolId);
    const auto members = members_of(2);
    lead(w, imsi_of(1), 1, members);
    auto first = w.group_attach(members[0], 2);
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].msg.type, GroupAuthReq);
    member_run(w, members[0], 2, first[0].msg);
    // The same member again: its vector is spent, so the SN fetches the group again for its
    // first leader and the member waits.
    auto again = w.group_attach(members[0], 3);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].to, kHnAddress);
    EXPECT_EQ(again[0].msg.type, GroupAuthDataReq);
    EXPECT_EQ(w.to_hn, 2u);
    EXPECT_EQ(decode_group_auth_data_req(view(open_box(view(w.k_sh), again[0].msg).value()))
                  .value()
                  .imsi_l,
              imsi_of(1));
    // The other member still has an unused vector in the current context: served at once,
    // with no HN traffic, while the new fetch is in flight.
    auto other = w.group_attach(members[1], 4);
    ASSERT_EQ(other.size(), 1u) << w.sn_reject();
    member_run(w, members[1], 4, other[0].msg);
    EXPECT_EQ(w.to_hn, 2u);
    // The new vectors arrive: members[0] is challenged as a member (GroupAuthReq, not the full
    // AKA); the leader's new AV_L waits in the context for its next attach.
    auto parts = w.hn_group_answer(again[0].msg, {members[0], members[1]});
    auto out = w.deliver(parts.at(0), kHnAddress);
    ASSERT_EQ(out.size(), 1u) << w.sn_reject();
    EXPECT_EQ(out[0].msg.type, GroupAuthReq);
    member_run(w, members[0], 3, out[0].msg);
    auto leader_again = w.group_attach(imsi_of(1), 5);
    ASSERT_EQ(leader_again.size(), 1u) << w.sn_reject();
    EXPECT_EQ(leader_again[0].msg.type, GroupAuthReq);
    auto next = w.group_attach(members[1], 6);
    ASSERT_EQ(next.size(), 1u) << w.sn_reject();
    member_run(w, members[1], 6, next[0].msg);
    EXPECT_EQ(w.to_hn, 2u);
    EXPECT_EQ(w.sn_count(EventKind::commit), 4u);
    EXPECT_EQ(w.sn_count(EventKind::reject), 0u) << w.sn_reject();
}

TEST(GakaSnGroup, ThousandMembersInSeveralParts) {
    SnWorld w(kGakaProtocolId);
    const std::string leader = imsi_of(1);
    const auto members = members_of(1000);
    auto req = w.group_attach(leader, 1);
    ASSERT_EQ(req.size(), 1u);
    auto parts = w.hn_group_answer(req[0].msg, members);
    ASSERT_GE(parts.size(), 2u);
    // Out of order, with a duplicate: nothing until the last distinct part.
    std::reverse(parts.begin(), parts.end());
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
        EXPECT_TRUE(w.deliver(parts[i], kHnAddress).empty());
        EXPECT_TRUE(w.deliver(parts[i], kHnAddress).empty());
    }
    EXPECT_EQ(w.sn_count(EventKind::reject), 0u) << w.sn_reject();
    auto ch = w.deliver(parts.back(), kHnAddress);
    ASSERT_EQ(ch.size(), 1u) << w.sn_reject();
    EXPECT_EQ(ch[0].msg.type, AuthReq);
    std::uint64_t s = 1000;
    std::size_t i = 0;
    for (const auto& m : members) {
        auto out = w.group_attach(m, ++s);
        ASSERT_EQ(out.size(), 1u) << w.sn_reject();
        ASSERT_EQ(out[0].msg.type, GroupAuthReq);
        EXPECT_TRUE(w.mac_g_verifies(out[0].msg));
        if (i++ % 97 == 0) member_run(w, m, s, out[0].msg);
    }
    EXPECT_EQ(w.to_hn, 1u);
    EXPECT_EQ(w.sn_count(EventKind::begin), 1 + members.size());
    EXPECT_EQ(w.sn_count(EventKind::reject), 0u) << w.sn_reject();
}

TEST(GakaSnGroup, MemberSyncFailureResynchronisesIndividually) {
    SnWorld w(kGakaProtocolId);
    const std::string m = imsi_of(2);
    lead(w, imsi_of(1), 1, {m});
    Subscriber& s = w.sub(m);
    HnSqnGenerator ahead(100);  // the member's USIM saw a vector far ahead of the group's
    const EpsAv old = make_eps_av(s.hn, ahead, view(w.sn_id), w.rng).value();
    ASSERT_EQ(s.usim.authenticate(view(old.rand), view(old.autn)).value().verdict,
              UsimVerdict::accepted);
    auto gar = w.group_attach(m, 2);
    ASSERT_EQ(gar.size(), 1u);
    ASSERT_TRUE(w.mac_g_verifies(gar[0].msg));
    const auto ans = w.device_answer(m, gar[0].msg);
    ASSERT_EQ(ans.usim.verdict, UsimVerdict::sync_failure);
    auto resync = w.from_device(m, ans.reply);
    ASSERT_EQ(resync.size(), 1u) << w.sn_reject();
    EXPECT_EQ(resync[0].to, kHnAddress);
    EXPECT_EQ(resync[0].msg.protocol, kGakaProtocolId);
    const AuthDataReqBody body = w.open_req(resync[0].msg);
    EXPECT_EQ(body.imsi, m);
    EXPECT_EQ(body.rand, to_bytes(gar[0].msg.get_or_empty(RAND)));
    EXPECT_EQ(body.auts, ans.usim.auts);
    auto ch = w.deliver(w.hn_answer(resync[0].msg), kHnAddress);
    ASSERT_EQ(ch.size(), 1u) << w.sn_reject();
    EXPECT_EQ(ch[0].msg.type, AuthReq);
    EXPECT_EQ(ch[0].msg.protocol, kGakaProtocolId);
    const auto ans2 = w.device_answer(m, ch[0].msg);
    ASSERT_EQ(ans2.usim.verdict, UsimVerdict::accepted) << ans2.usim.reason;
    w.from_device(m, ans2.reply);
    EXPECT_EQ(w.sn_events(EventKind::commit).back().key_fp, w.fp_of(w.last_av.at(m)));
    EXPECT_EQ(w.sn_count(EventKind::reject), 0u) << w.sn_reject();
}

TEST(GakaSnGroup, PartsMustBelongToTheFetchInFlight) {
    // A part sealed for the leader's session but for another group: weakened, the SN installs
    // the other group's vectors and GAK under this group and challenges the leader.
    auto run = [](SnWorld& w) {
        auto req = w.group_attach(imsi_of(1), 1);
        EXPECT_EQ(req.size(), 1u);
        auto parts = w.hn_group_answer(req.at(0).msg, members_of(2), "other-group");
        return w.deliver(parts.at(0), kHnAddress);
    };
    SnWorld normal(kGakaProtocolId);
    EXPECT_TRUE(run(normal).empty());
    EXPECT_THAT(normal.sn_reject(), HasSubstr("GroupAuthDataResp box is for group other-group"));
    EXPECT_EQ(normal.sn_events(EventKind::reject).back().peer, kHnIdentity);
    if (!weakening_enabled()) GTEST_SKIP() << "weakening is off in this build";
    SnWorld weak(kGakaProtocolId, {"box"});
    auto out = run(weak);
    ASSERT_EQ(out.size(), 1u) << weak.sn_reject();
    EXPECT_EQ(out[0].msg.type, AuthReq);
    auto m = weak.group_attach(imsi_of(2), 2);
    ASSERT_EQ(m.size(), 1u);
    EXPECT_FALSE(weak.mac_g_verifies(m[0].msg, kGid));
    EXPECT_TRUE(weak.mac_g_verifies(m[0].msg, "other-group"));
}

TEST(GakaSnGroup, BadAndStrayPartsAreRejected) {
    SnWorld w(kGakaProtocolId);
    const std::string leader = imsi_of(1);
    auto req = w.group_attach(leader, 1);
    ASSERT_EQ(req.size(), 1u);
    const Message& r = req[0].msg;
    auto parts = w.hn_group_answer(r, members_of(3));
    // Under another key.
    const SecretBytes other(kKeyLen, 0x77);
    Message wrong = parts[0];
    wrong.set(Box, seal_box(view(other), wrong, view(Bytes(40, 1)), w.rng).value());
    EXPECT_TRUE(w.deliver(wrong, kHnAddress).empty());
    EXPECT_EQ(w.sn_reject(), "GroupAuthDataResp box does not open under K_SH");
    // For no fetch.
    Message stray = parts[0];
    stray.session = 999;
    EXPECT_TRUE(w.deliver(stray, kHnAddress).empty());
    EXPECT_EQ(w.sn_reject(), "GroupAuthDataResp for no group request in flight");
    // Too many parts announced.
    GroupAuthDataRespBody body;
    body.gid = kGid;
    body.imsi_l = leader;
    body.part = 0;
    body.parts = 1000;
    body.rand_g = Bytes(kRandLen, 3);
    body.gak = SecretBytes(kGakLen, 4);
    body.av_l = w.new_av(leader);
    EXPECT_TRUE(w.deliver(w.hn_msg(kGakaProtocolId, GroupAuthDataResp, 1, view(encode_body(body))),
                          kHnAddress)
                    .empty());
    EXPECT_THAT(w.sn_reject(), HasSubstr("announces 1000 parts"));
    // Part 0 of 2 with one RAND_G, part 1 with another: the second disagrees.
    body.parts = 2;
    EXPECT_TRUE(w.deliver(w.hn_msg(kGakaProtocolId, GroupAuthDataResp, 1, view(encode_body(body))),
                          kHnAddress)
                    .empty());
    body.part = 1;
    body.rand_g = Bytes(kRandLen, 5);
    EXPECT_TRUE(w.deliver(w.hn_msg(kGakaProtocolId, GroupAuthDataResp, 1, view(encode_body(body))),
                          kHnAddress)
                    .empty());
    EXPECT_EQ(w.sn_reject(), "GroupAuthDataResp part 1 disagrees with the parts before it");
    // A GroupAuthDataResp under the EPS protocol is not one the SN takes.
    Message eps = parts[0];
    eps.protocol = kEpsAkaProtocolId;
    w.deliver(eps, kHnAddress);
    EXPECT_THAT(w.sn_reject(), HasSubstr("unexpected type 10"));
    EXPECT_EQ(w.sn_count(EventKind::begin), 0u);
    EXPECT_EQ(w.sn_count(EventKind::reject), 5u);
}

TEST(GakaSnGroup, QueueAndGroupsAreBounded) {
    SnWorld w(kGakaProtocolId);
    // 5000 members during one fetch: 4096 wait, the rest are refused.
    ASSERT_EQ(w.group_attach(imsi_of(1), 1).size(), 1u);
    for (std::uint64_t s = 2; s < 5002; ++s) {
        EXPECT_TRUE(w.group_attach(imsi_of(1000 + s), s).empty());
    }
    EXPECT_EQ(w.sn_count(EventKind::reject), 5000u - 4096u);
    EXPECT_THAT(w.sn_reject(), HasSubstr("already has 4096 members waiting"));
    EXPECT_EQ(w.to_hn, 1u);

    // 300 groups: the oldest (group-7, its fetch in flight) is evicted, its attaches refused.
    SnWorld g(kGakaProtocolId);
    auto req = g.group_attach(imsi_of(1), 1);
    ASSERT_EQ(req.size(), 1u);
    EXPECT_TRUE(g.group_attach(imsi_of(2), 2).empty());  // queued on group-7
    for (std::uint64_t i = 0; i < 300; ++i) {
        EXPECT_EQ(g.group_attach(imsi_of(100 + i), 100 + i, "g" + std::to_string(i)).size(), 1u);
    }
    auto rejects = g.sn_events(EventKind::reject);
    ASSERT_GE(rejects.size(), 2u);
    EXPECT_THAT(rejects[0].reason.value_or(""), HasSubstr("group group-7 evicted"));
    EXPECT_EQ(rejects[0].session, 1u);
    EXPECT_EQ(rejects[1].session, 2u);
    // 301 groups made, 45 evicted: each leader refused, and group-7's waiting member.
    EXPECT_EQ(rejects.size(), 301u - 256u + 1u);
    // The evicted fetch's answer finds nothing.
    EXPECT_TRUE(g.deliver(g.hn_group_answer(req[0].msg, {}).at(0), kHnAddress).empty());
    EXPECT_EQ(g.sn_reject(), "GroupAuthDataResp for no group request in flight");
}

TEST(GakaSnGroup, AFetchTheHnNeverAnswersGivesWay) {
    SnWorld w(kGakaProtocolId);
    auto first = w.group_attach(imsi_of(1), 1);
    ASSERT_EQ(first.size(), 1u);
    EXPECT_TRUE(w.group_attach(imsi_of(2), 2).empty());  // waits
    w.clock.advance_us(31'000'000);
    auto second = w.group_attach(imsi_of(3), 3);  // leads a new fetch
    ASSERT_EQ(second.size(), 1u);
    EXPECT_EQ(second[0].msg.type, GroupAuthDataReq);
    EXPECT_THAT(w.sn_reject(), HasSubstr("did not answer the group request"));
    EXPECT_EQ(w.sn_events(EventKind::reject).back().session, 1u);
    // The late answer to the first fetch is refused; the new one serves the waiting member.
    EXPECT_TRUE(w.deliver(w.hn_group_answer(first[0].msg, {imsi_of(2)}).at(0), kHnAddress).empty());
    EXPECT_EQ(w.sn_reject(), "GroupAuthDataResp for no group request in flight");
    auto out = w.deliver(w.hn_group_answer(second[0].msg, {imsi_of(2)}).at(0), kHnAddress);
    ASSERT_EQ(out.size(), 2u) << w.sn_reject();
    EXPECT_EQ(out[0].to, device_address(imsi_of(3)));
    EXPECT_EQ(out[0].msg.type, AuthReq);
    member_run(w, imsi_of(2), 2, out[1].msg);
}

TEST(GakaSnGroup, ChecksApplyToGroupChallengesToo) {
    // "res" and "session" on a member challenged from the group's vectors.
    for (const char* check : {"res", "session"}) {
        auto run = [&](SnWorld& w) {
            lead(w, imsi_of(1), 1, {imsi_of(2)});
            const auto gar = w.group_attach(imsi_of(2), 2);
            if (gar.size() != 1) return;
            Message resp = w.device_answer(imsi_of(2), gar[0].msg).reply;
            if (std::string(check) == "res") resp.set(RES, Bytes(kResLen, 0));
            w.from_device(imsi_of(2), resp);
            if (std::string(check) == "session") w.from_device(imsi_of(2), resp);
        };
        SnWorld normal(kGakaProtocolId);
        run(normal);
        EXPECT_EQ(normal.sn_count(EventKind::reject), 1u) << check;
        EXPECT_EQ(normal.sn_count(EventKind::commit), std::string(check) == "res" ? 0u : 1u);
        if (!weakening_enabled()) continue;
        SnWorld weak(kGakaProtocolId, {check});
        run(weak);
        EXPECT_EQ(weak.sn_count(EventKind::reject), 0u) << check << ": " << weak.sn_reject();
        EXPECT_EQ(weak.sn_count(EventKind::commit), std::string(check) == "res" ? 1u : 2u);
    }
}

TEST(GakaSnGroup, MalformedGroupAttachIsRejected) {
    SnWorld w(kGakaProtocolId);
    Message m = msg(kGakaProtocolId, GroupAttachReq, 1);
    m.set(IMSI, to_bytes(imsi_of(1)));
    w.deliver(m, "eve");
    EXPECT_EQ(w.sn_reject(), "GroupAttachReq lacks IMSI or GID");
    m.set(GID, Bytes(kMaxGid + 1, 'g'));
    w.deliver(m, "eve");
    EXPECT_THAT(w.sn_reject(), HasSubstr("GID must have 1..32 bytes"));
    m.set(GID, to_bytes(kGid));
    m.set(IMSI, to_bytes("12"));
    w.deliver(m, "eve");
    EXPECT_THAT(w.sn_reject(), HasSubstr("IMSI must have 6..15 digits"));
    ASSERT_EQ(w.group_attach(imsi_of(1), 5).size(), 1u);
    // Another GID or another device on that session is refused.
    const std::size_t rejects = w.sn_count(EventKind::reject);
    EXPECT_TRUE(w.group_attach(imsi_of(1), 5, "group-8").empty());
    EXPECT_EQ(w.sn_reject(), "GroupAttachReq for a session already in progress");
    EXPECT_TRUE(w.group_attach(imsi_of(2), 5).empty());
    EXPECT_EQ(w.sn_count(EventKind::reject), rejects + 2);
    EXPECT_EQ(w.to_hn, 1u);
}

// TS 24.301 5.5.1.2.7 d): a device whose timer ran out while the SN waited on the HN sends its
// GroupAttachReq again; the copy is dropped without a reject (a reject would end the attach it
// repeats) and without a second fetch, and the attach goes on to commit.
TEST(GakaSnGroup, ARetransmittedGroupAttachIsDroppedAndTheAttachGoesOn) {
    SnWorld w(kGakaProtocolId);
    const std::string leader = imsi_of(1);
    const std::string member = imsi_of(2);
    auto req = w.group_attach(leader, 1);
    ASSERT_EQ(req.size(), 1u);
    EXPECT_TRUE(w.group_attach(leader, 1).empty());  // while the fetch is in flight
    EXPECT_TRUE(w.group_attach(member, 2).empty());  // queued
    EXPECT_TRUE(w.group_attach(member, 2).empty());  // queued, again
    EXPECT_EQ(w.sn_count(EventKind::reject), 0u) << w.sn_reject();
    EXPECT_EQ(w.to_hn, 1u);
    auto out = w.deliver(w.hn_group_answer(req[0].msg, {member}).at(0), kHnAddress);
    ASSERT_EQ(out.size(), 2u) << w.sn_reject();      // one challenge each, not one per copy
    EXPECT_TRUE(w.group_attach(member, 2).empty());  // after its challenge went out
    EXPECT_EQ(w.sn_count(EventKind::reject), 0u) << w.sn_reject();
    w.from_device(leader, w.device_answer(leader, out[0].msg).reply);
    member_run(w, member, 2, out[1].msg);
    EXPECT_EQ(w.sn_count(EventKind::commit), 2u) << w.sn_reject();
    EXPECT_EQ(w.to_hn, 1u);
}

}  // namespace
}  // namespace mtc::test
