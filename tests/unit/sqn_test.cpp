// SQN management (TS 33.102 Annex C profile, protocols/gaka/sqn): the USIM's freshness
// checks, AUTN / AUTS, and the HN's generator with re-synchronisation. The subscriber is
// TS 35.208 Test Set 1 (K, OP); its published f5* (AK*) checks the concealment in AUTS.
#include "protocols/gaka/sqn.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <gtest/gtest.h>

#include "protocols/core/bytes.hpp"
#include "protocols/gaka/milenage.hpp"
#include "tests/unit/hex_vectors.hpp"

namespace {

using mtc::Bytes;
using mtc::BytesView;
using namespace mtc::gaka;

using mtc::test::H;
using mtc::test::hex;

// TS 35.208 Test Set 1 (see milenage_test.cpp for the source).
constexpr std::string_view kK = "465b5ce8b199b49faa5f0a2ee238a6bc";
constexpr std::string_view kOp = "cdc202d5123e20f62b6d676ac72cb318";
constexpr std::string_view kRand1 = "23553cbe9637a89d218ae64dae47bf35";
constexpr std::string_view kSqn1 = "ff9bb4d0b607";
constexpr std::string_view kAkStar1 = "451e8beca43b";
const Bytes kAmf = {0x80, 0x00};

Milenage subscriber() {
    auto m = Milenage::from_op(H(kK), H(kOp));
    EXPECT_TRUE(m.ok());
    return std::move(*m);
}

Bytes rand_n(std::uint8_t n) {
    Bytes r = H(kRand1);
    r.back() ^= n;
    return r;
}

// The USIM's answer to the vector the HN makes for `sqn` with RAND = rand_n(seed); a vector or
// answer that cannot be made fails the test (and answers "MAC failure").
UsimResponse present(Milenage& hn, Usim& usim, std::uint8_t seed, std::uint64_t sqn) {
    auto av = make_auth_vector(hn, rand_n(seed), sqn, kAmf);
    EXPECT_TRUE(av.ok()) << av.error().describe();
    if (!av) return {};
    auto r = usim.authenticate(av->rand, av->autn);
    EXPECT_TRUE(r.ok()) << r.error().describe();
    return r ? std::move(*r) : UsimResponse{};
}

bool starts_with(const std::string& s, std::string_view prefix) {
    return s.rfind(prefix, 0) == 0;
}

TEST(SqnLayout, SeqIndAndBytes) {
    const std::uint64_t sqn = make_sqn(0x123456789ULL, 7);
    EXPECT_EQ(seq_of(sqn), 0x123456789ULL);
    EXPECT_EQ(ind_of(sqn), 7U);
    EXPECT_EQ(sqn_value(sqn_bytes(sqn)), sqn);
    EXPECT_EQ(hex(sqn_bytes(0xff9bb4d0b607ULL)), "ff9bb4d0b607");
    auto v = sqn_value(BytesView(H(kSqn1)));
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(*v, 0xff9bb4d0b607ULL);
    EXPECT_FALSE(sqn_value(BytesView(H("0102"))).ok());
    EXPECT_EQ(kIndSlots, 32U);
}

TEST(SqnUsimState, FreshAcceptedReplayRejected) {
    UsimSqnState st;
    const std::uint64_t sqn = make_sqn(1, 0);
    EXPECT_TRUE(st.accept(sqn).ok());
    EXPECT_EQ(st.sqn_ms(), sqn);
    auto again = st.accept(sqn);
    ASSERT_FALSE(again.ok());
    EXPECT_TRUE(starts_with(again.error().reason, "SQN replayed")) << again.error().reason;
    // SEQ 0 was never accepted but is not above SEQ_MS(IND) = 0 either.
    auto zero = st.check(make_sqn(0, 5));
    ASSERT_FALSE(zero.ok());
    EXPECT_TRUE(starts_with(zero.error().reason, "SQN replayed"));
}

TEST(SqnUsimState, OlderSqnInAnUnusedIndSlotIsAccepted) {
    // Annex C.2.1: vectors may arrive out of order; each IND slot keeps its own SEQ_MS.
    UsimSqnState st;
    ASSERT_TRUE(st.accept(make_sqn(10, 3)).ok());
    EXPECT_TRUE(st.check(make_sqn(9, 4)).ok());
    ASSERT_TRUE(st.accept(make_sqn(9, 4)).ok());
    EXPECT_EQ(st.seq_ms(), 10U);  // the highest stays SEQ 10
    EXPECT_EQ(st.sqn_ms(), make_sqn(10, 3));
    EXPECT_EQ(st.seq_ms(4), 9U);
    // The same older SEQ in the slot that has seen SEQ 10 is a replay.
    auto same_slot = st.check(make_sqn(9, 3));
    ASSERT_FALSE(same_slot.ok());
    EXPECT_TRUE(starts_with(same_slot.error().reason, "SQN replayed"));
    // And the vector just used cannot be used again.
    EXPECT_FALSE(st.check(make_sqn(9, 4)).ok());
}

TEST(SqnUsimState, TooOldRejectedByTheAgeLimit) {
    UsimSqnState st;
    ASSERT_TRUE(st.accept(make_sqn(100, 0)).ok());
    auto old = st.check(make_sqn(100 - kAgeLimit, 5));
    ASSERT_FALSE(old.ok());
    EXPECT_TRUE(starts_with(old.error().reason, "SQN too old")) << old.error().reason;
    EXPECT_TRUE(st.check(make_sqn(100 - kAgeLimit + 1, 5)).ok());
}

TEST(SqnUsimState, OutOfRangeRejectedByDelta) {
    UsimSqnState st;
    ASSERT_TRUE(st.accept(make_sqn(50, 1)).ok());
    auto far = st.check(make_sqn(50 + kDelta + 1, 2));
    ASSERT_FALSE(far.ok());
    EXPECT_TRUE(starts_with(far.error().reason, "SQN out of range")) << far.error().reason;
    EXPECT_TRUE(st.check(make_sqn(50 + kDelta, 2)).ok());
    EXPECT_FALSE(st.check(kSqnMax + 1).ok());
    // With a smaller delta (SqnParams), the same rule at a smaller distance.
    UsimSqnState narrow(SqnParams{.delta = 4, .age_limit = kAgeLimit});
    ASSERT_TRUE(narrow.accept(make_sqn(1, 0)).ok());
    EXPECT_TRUE(narrow.check(make_sqn(5, 1)).ok());
    EXPECT_FALSE(narrow.check(make_sqn(6, 1)).ok());
}

TEST(SqnHn, GeneratorStepsSeqAndCyclesInd) {
    HnSqnGenerator hn;
    auto first = hn.next();
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(seq_of(*first), 1U);
    EXPECT_EQ(ind_of(*first), 0U);
    std::uint64_t last = *first;
    for (std::size_t i = 1; i <= kIndSlots; ++i) {
        auto s = hn.next();
        ASSERT_TRUE(s.ok());
        EXPECT_EQ(seq_of(*s), seq_of(last) + 1);
        EXPECT_EQ(ind_of(*s), i % kIndSlots);
        last = *s;
    }
    HnSqnGenerator full(kSeqMax);
    EXPECT_FALSE(full.next().ok());
}

TEST(SqnAuts, ConcealsSqnMsWithPublishedAkStar) {
    // AUTS = (SQN_MS xor f5*(RAND)) || MAC-S: its first 6 bytes use TS 35.208 Set 1's f5*.
    Milenage m = subscriber();
    const std::uint64_t sqn_ms = 0xff9bb4d0b607ULL;
    auto auts = make_auts(m, H(kRand1), sqn_ms);
    ASSERT_TRUE(auts.ok()) << auts.error().describe();
    ASSERT_EQ(auts->size(), kAutsLen);
    const Bytes sqn = H(kSqn1);
    const Bytes ak_star = H(kAkStar1);
    for (std::size_t i = 0; i < kSqnLen; ++i) EXPECT_EQ((*auts)[i], sqn[i] ^ ak_star[i]);
    auto opened = open_auts(m, H(kRand1), *auts);
    ASSERT_TRUE(opened.ok()) << opened.error().describe();
    EXPECT_EQ(*opened, sqn_ms);
}

TEST(SqnUsim, FreshVectorAcceptedAndReplayRejected) {
    HnSqnGenerator hn;
    Milenage hn_m = subscriber();
    Usim usim(subscriber());

    auto sqn = hn.next();
    ASSERT_TRUE(sqn.ok());
    auto av = make_auth_vector(hn_m, rand_n(1), *sqn, kAmf);
    ASSERT_TRUE(av.ok()) << av.error().describe();
    ASSERT_EQ(av->autn.size(), kAutnLen);

    auto r = usim.authenticate(av->rand, av->autn);
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_EQ(r->verdict, UsimVerdict::accepted) << r->reason;
    EXPECT_EQ(hex(r->res), hex(av->xres));
    EXPECT_EQ(hex(r->ck), hex(av->ck));
    EXPECT_EQ(hex(r->ik), hex(av->ik));
    EXPECT_EQ(r->sqn, *sqn);
    EXPECT_EQ(usim.sqn_state().sqn_ms(), *sqn);

    // The same (RAND, AUTN) again: the MAC verifies, the SQN is a replay.
    auto replay = usim.authenticate(av->rand, av->autn);
    ASSERT_TRUE(replay.ok());
    EXPECT_EQ(replay->verdict, UsimVerdict::sync_failure);
    EXPECT_TRUE(starts_with(replay->reason, "SQN replayed")) << replay->reason;
    EXPECT_EQ(replay->auts.size(), kAutsLen);
    EXPECT_TRUE(replay->res.empty());
    EXPECT_TRUE(replay->ck.empty());
}

TEST(SqnUsim, MacFailureRejectedAndStateUnchanged) {
    HnSqnGenerator hn;
    Milenage hn_m = subscriber();
    Usim usim(subscriber());
    auto sqn = hn.next();
    ASSERT_TRUE(sqn.ok());
    auto av = make_auth_vector(hn_m, rand_n(2), *sqn, kAmf);
    ASSERT_TRUE(av.ok());

    for (std::size_t byte : {std::size_t{0}, kSqnLen, kAutnLen - 1}) {
        Bytes bad = av->autn;
        bad[byte] ^= 0x01;  // SQN xor AK, AMF or MAC-A
        auto r = usim.authenticate(av->rand, bad);
        ASSERT_TRUE(r.ok());
        EXPECT_EQ(r->verdict, UsimVerdict::mac_failure) << "byte " << byte;
        EXPECT_EQ(r->reason, "MAC failure");
        EXPECT_TRUE(r->auts.empty());
    }
    // Another subscriber's key.
    auto other = Milenage::from_op(H("fec86ba6eb707ed08905757b1bb44b8f"), H(kOp));
    ASSERT_TRUE(other.ok());
    Usim stranger(std::move(*other));
    auto r = stranger.authenticate(av->rand, av->autn);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->verdict, UsimVerdict::mac_failure);

    EXPECT_EQ(usim.sqn_state().sqn_ms(), 0U);
    auto good = usim.authenticate(av->rand, av->autn);
    ASSERT_TRUE(good.ok());
    EXPECT_EQ(good->verdict, UsimVerdict::accepted) << good->reason;

    EXPECT_FALSE(usim.authenticate(Bytes(15, 0), av->autn).ok());
    EXPECT_FALSE(usim.authenticate(av->rand, Bytes(15, 0)).ok());
}

TEST(SqnUsim, SyncFailureRecoversThroughAuts) {
    Milenage hn_m = subscriber();
    Usim usim(subscriber());
    HnSqnGenerator hn;
    for (std::uint8_t i = 0; i < 5; ++i) {
        auto sqn = hn.next();
        ASSERT_TRUE(sqn.ok());
        const auto r = present(hn_m, usim, static_cast<std::uint8_t>(10 + i), *sqn);
        ASSERT_EQ(r.verdict, UsimVerdict::accepted) << r.reason;
    }
    const std::uint64_t usim_sqn_ms = usim.sqn_state().sqn_ms();
    EXPECT_EQ(seq_of(usim_sqn_ms), 5U);

    // An HN that lost its counter starts again at SEQ 1: the USIM sees a replay.
    HnSqnGenerator lost;
    auto stale = lost.next();
    ASSERT_TRUE(stale.ok());
    const auto r = present(hn_m, usim, 20, *stale);
    ASSERT_EQ(r.verdict, UsimVerdict::sync_failure);
    EXPECT_TRUE(starts_with(r.reason, "SQN replayed")) << r.reason;

    // The HN opens AUTS, recovers SQN_MS and moves SEQ_HE to SEQ_MS.
    auto sqn_ms = lost.resync(hn_m, rand_n(20), r.auts);
    ASSERT_TRUE(sqn_ms.ok()) << sqn_ms.error().describe();
    EXPECT_EQ(*sqn_ms, usim_sqn_ms);
    EXPECT_EQ(lost.seq_he(), 5U);

    // The next vector is accepted.
    auto next = lost.next();
    ASSERT_TRUE(next.ok());
    const auto r2 = present(hn_m, usim, 21, *next);
    EXPECT_EQ(r2.verdict, UsimVerdict::accepted) << r2.reason;
}

TEST(SqnUsim, OutOfRangeSqnRecoversThroughAuts) {
    Milenage hn_m = subscriber();
    Usim usim(subscriber());
    HnSqnGenerator ahead(kDelta + 100);  // an HN counter far ahead of the USIM
    auto sqn = ahead.next();
    ASSERT_TRUE(sqn.ok());
    const auto r = present(hn_m, usim, 30, *sqn);
    ASSERT_EQ(r.verdict, UsimVerdict::sync_failure);
    EXPECT_TRUE(starts_with(r.reason, "SQN out of range")) << r.reason;

    auto sqn_ms = ahead.resync(hn_m, rand_n(30), r.auts);
    ASSERT_TRUE(sqn_ms.ok()) << sqn_ms.error().describe();
    EXPECT_EQ(*sqn_ms, 0U);
    EXPECT_EQ(ahead.seq_he(), 0U);
    auto next = ahead.next();
    ASSERT_TRUE(next.ok());
    const auto r2 = present(hn_m, usim, 31, *next);
    EXPECT_EQ(r2.verdict, UsimVerdict::accepted) << r2.reason;
}

TEST(SqnHn, ResyncKeepsACounterThatIsAlreadyAhead) {
    Milenage m = subscriber();
    HnSqnGenerator hn(40);
    auto auts = make_auts(m, rand_n(40), make_sqn(12, 3));
    ASSERT_TRUE(auts.ok());
    auto sqn_ms = hn.resync(m, rand_n(40), *auts);
    ASSERT_TRUE(sqn_ms.ok());
    EXPECT_EQ(*sqn_ms, make_sqn(12, 3));
    EXPECT_EQ(hn.seq_he(), 40U);  // SEQ 41 would be accepted: nothing to reset
}

TEST(SqnHn, AutsWithBadMacSRejected) {
    Milenage m = subscriber();
    HnSqnGenerator hn(3);
    auto auts = make_auts(m, rand_n(50), make_sqn(9, 1));
    ASSERT_TRUE(auts.ok());

    Bytes bad_mac = *auts;
    bad_mac.back() ^= 0x80;
    auto r = hn.resync(m, rand_n(50), bad_mac);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().reason, "AUTS MAC-S failure");
    EXPECT_EQ(hn.seq_he(), 3U);

    // A changed concealed SQN_MS breaks MAC-S too, and so does another RAND.
    Bytes bad_sqn = *auts;
    bad_sqn[0] ^= 0x01;
    EXPECT_FALSE(hn.resync(m, rand_n(50), bad_sqn).ok());
    EXPECT_FALSE(hn.resync(m, rand_n(51), *auts).ok());
    EXPECT_FALSE(hn.resync(m, rand_n(50), Bytes(13, 0)).ok());
    EXPECT_EQ(hn.seq_he(), 3U);

    auto ok = hn.resync(m, rand_n(50), *auts);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(hn.seq_he(), 9U);
}

}  // namespace
