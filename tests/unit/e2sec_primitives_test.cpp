// E2SEC primitives (protocols/e2sec/primitives.hpp): delegation (eq. 1-4), proxy key (eq. 5,
// 8, 10, 13) and the three proxy-signature variants (eq. 6-7, 9, 11-12, 14; section 5.2), each
// over both named groups, with one negative test per rejection reason.
#include <memory>
#include <string>
#include <tuple>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "protocols/core/bytes.hpp"
#include "protocols/core/crypto/dl_group.hpp"
#include "protocols/core/rng.hpp"
#include "protocols/e2sec/primitives.hpp"

namespace {

using mtc::Bytes;
using mtc::to_bytes;
using mtc::view;
using mtc::crypto::BigNum;
using mtc::crypto::DlGroup;
using mtc::crypto::GroupId;
using namespace mtc::e2sec;
using ::testing::StartsWith;

constexpr std::uint64_t kNow = 1'700'000'000;
constexpr std::uint64_t kNotAfter = kNow + 3600;

const Bytes& id_epc() {
    static const Bytes b = to_bytes("EPC-1");
    return b;
}
const Bytes& id_proxy() {
    static const Bytes b = to_bytes("MTCS-7");
    return b;
}
const Bytes& id_other() {
    static const Bytes b = to_bytes("MTCD-9");
    return b;
}

DlGroup load(GroupId id) {
    auto g = DlGroup::named(id);
    EXPECT_TRUE(g.ok()) << g.error().describe();
    return std::move(g).value();
}

// p-1: the element of order 2 (p is odd, so p-1 only changes the last byte).
BigNum p_minus_1(const DlGroup& G) {
    Bytes pb = G.p().to_bytes();
    pb.back() = static_cast<std::uint8_t>(pb.back() - 1);
    return BigNum::from_bytes(view(pb));
}

// The smallest y >= 2 outside the order-q subgroup (in range, so only y^q != 1 rejects it).
BigNum outside_subgroup(const DlGroup& G) {
    for (unsigned long y = 2; y < 100; ++y) {
        if (!G.exp(BigNum(y), G.q()).is_one()) return BigNum(y);
    }
    ADD_FAILURE() << "no non-subgroup element below 100";
    return BigNum(0);
}

BigNum plus_one(const DlGroup& G, const BigNum& s) {
    return G.add_q(s, BigNum(1));
}

std::string reason(const mtc::Status& st) {
    return st.ok() ? std::string("<ok>") : st.error().reason;
}

const std::string kElementRange = "element out of range (must satisfy 1 < y < p-1)";
const std::string kElementSubgroup = "element not in the order-q subgroup";

// ---------------------------------------------------------------------------------------------
// Warrant and hashing (group-independent parts).

TEST(E2secWarrant, EncodeDecodeRoundTrip) {
    const Warrant w{id_epc(), id_proxy(), kNotAfter};
    const Bytes enc = w.encode();
    ASSERT_EQ(enc.size(), 4 + id_epc().size() + 4 + id_proxy().size() + 8);
    auto back = Warrant::decode(view(enc));
    ASSERT_TRUE(back.ok()) << back.error().describe();
    EXPECT_EQ(*back, w);

    // Length prefixes make the encoding unambiguous: ("EPC-1","M") != ("EPC-","1M").
    const Warrant a{to_bytes("EPC-1"), to_bytes("M"), 5};
    const Warrant b{to_bytes("EPC-"), to_bytes("1M"), 5};
    EXPECT_NE(a.encode(), b.encode());

    Bytes truncated = enc;
    truncated.pop_back();
    EXPECT_FALSE(Warrant::decode(view(truncated)).ok());
    EXPECT_FALSE(Warrant::decode(view(Bytes{0, 0, 0, 9, 'x'})).ok());
    Bytes longer = enc;
    longer.push_back(0);
    EXPECT_FALSE(Warrant::decode(view(longer)).ok());
}

TEST(E2secWarrant, Checks) {
    const Warrant w{id_epc(), id_proxy(), kNotAfter};
    EXPECT_TRUE(check_warrant(w, view(id_epc()), view(id_proxy()), kNow).ok());
    EXPECT_TRUE(check_warrant(w, view(id_epc()), view(id_proxy()), kNotAfter).ok());  // inclusive
    EXPECT_EQ(reason(check_warrant(w, view(id_epc()), view(id_proxy()), kNotAfter + 1)),
              "warrant expired");
    EXPECT_EQ(reason(check_warrant(w, view(id_epc()), view(id_other()), kNow)),
              "warrant names another proxy");
    EXPECT_EQ(reason(check_warrant(w, view(id_other()), view(id_proxy()), kNow)),
              "warrant names another delegator");
}

TEST(E2secVariant, Names) {
    for (auto v : {SignatureVariant::elgamal, SignatureVariant::schnorr, SignatureVariant::dsa}) {
        EXPECT_EQ(variant_from_name(variant_name(v)), v);
    }
    EXPECT_FALSE(variant_from_name("rsa").has_value());
}

// ---------------------------------------------------------------------------------------------
// Delegation and proxy key, per group.

class E2secDelegationTest : public ::testing::TestWithParam<GroupId> {
protected:
    void SetUp() override {
        group_ = std::make_unique<DlGroup>(load(GetParam()));
        rng_ = mtc::make_rng(42, "e2sec-delegation-test");
        designator_ = generate_keypair(G(), *rng_);
        proxy_ = generate_keypair(G(), *rng_);
        d_ = delegate(G(), designator_.x, Warrant{id_epc(), id_proxy(), kNotAfter}, *rng_);
    }
    const DlGroup& G() const { return *group_; }
    mtc::Status verify(const Delegation& d, const BigNum& v_D) const {
        return verify_delegation(G(), v_D, d, view(id_epc()), view(id_proxy()), kNow);
    }

    std::unique_ptr<DlGroup> group_;
    std::unique_ptr<mtc::Rng> rng_;
    KeyPair designator_, proxy_;
    Delegation d_;
};

TEST_P(E2secDelegationTest, RoundTripAndProxyRelation) {
    EXPECT_TRUE(G().check_element(d_.K).ok());
    EXPECT_EQ(reason(verify(d_, designator_.v)), "<ok>");  // eq. (2)/(4)

    auto pk = derive_proxy_key(G(), d_, proxy_.x, designator_.v);  // eq. (5)/(10)
    ASSERT_TRUE(pk.ok()) << pk.error().describe();
    EXPECT_EQ(G().exp_g(pk->sigma_prime), pk->v_prime);                           // g^sigma' == v'
    auto v_prime = proxy_public_key(G(), designator_.v, proxy_.v, d_.m_w, d_.K);  // eq. (8)/(13)
    ASSERT_TRUE(v_prime.ok()) << v_prime.error().describe();
    EXPECT_EQ(*v_prime, pk->v_prime);
    // sigma' = sigma + x_P * e.
    const BigNum e = delegation_hash(G(), d_.m_w, d_.K);
    EXPECT_EQ(pk->sigma_prime, G().add_q(d_.sigma, G().mul_q(proxy_.x, e)));
    // e is h(m_w || K) mod q as documented.
    const Bytes m = d_.m_w.encode();
    const Bytes k = encode_element(G(), d_.K);
    EXPECT_EQ(e, hash_to_scalar(G(), {view(m), view(k)}));
    EXPECT_LT(e.compare(G().q()), 0);
}

TEST_P(E2secDelegationTest, RejectsSigmaOffByOne) {
    Delegation d = d_;
    d.sigma = plus_one(G(), d.sigma);
    EXPECT_EQ(reason(verify(d, designator_.v)), "delegation equation fails");
    // The proxy key derived from it fails the proxy relation.
    auto pk = derive_proxy_key(G(), d, proxy_.x, designator_.v);
    ASSERT_FALSE(pk.ok());
    EXPECT_EQ(pk.error().reason, "proxy relation fails");
}

TEST_P(E2secDelegationTest, RejectsWrongDesignatorKey) {
    const KeyPair other = generate_keypair(G(), *rng_);
    EXPECT_EQ(reason(verify(d_, other.v)), "delegation equation fails");
    auto pk = derive_proxy_key(G(), d_, proxy_.x, other.v);
    ASSERT_FALSE(pk.ok());
    EXPECT_EQ(pk.error().reason, "proxy relation fails");
}

TEST_P(E2secDelegationTest, RejectsTamperedWarrant) {
    Delegation d = d_;
    d.m_w.not_after += 86400;  // still names us and is unexpired: only the equation catches it
    EXPECT_EQ(reason(verify(d, designator_.v)), "delegation equation fails");
}

TEST_P(E2secDelegationTest, RejectsForeignWarrant) {
    // A genuine delegation to another proxy, presented to us.
    const Delegation foreign =
        delegate(G(), designator_.x, Warrant{id_epc(), id_other(), kNotAfter}, *rng_);
    EXPECT_EQ(reason(verify(foreign, designator_.v)), "warrant names another proxy");
    // ... and one from another delegator identity.
    const Delegation other_epc =
        delegate(G(), designator_.x, Warrant{id_other(), id_proxy(), kNotAfter}, *rng_);
    EXPECT_EQ(reason(verify(other_epc, designator_.v)), "warrant names another delegator");
}

TEST_P(E2secDelegationTest, RejectsExpiredWarrant) {
    EXPECT_TRUE(
        verify_delegation(G(), designator_.v, d_, view(id_epc()), view(id_proxy()), kNotAfter)
            .ok());
    EXPECT_EQ(reason(verify_delegation(G(), designator_.v, d_, view(id_epc()), view(id_proxy()),
                                       kNotAfter + 1)),
              "warrant expired");
}

TEST_P(E2secDelegationTest, RejectsKOutsideSubgroup) {
    Delegation d = d_;
    d.K = p_minus_1(G());
    EXPECT_EQ(reason(verify(d, designator_.v)), "K not in the subgroup: " + kElementRange);
    d.K = outside_subgroup(G());
    EXPECT_EQ(reason(verify(d, designator_.v)), "K not in the subgroup: " + kElementSubgroup);
    auto v_prime = proxy_public_key(G(), designator_.v, proxy_.v, d.m_w, d.K);
    ASSERT_FALSE(v_prime.ok());
    EXPECT_EQ(v_prime.error().reason, "K not in the subgroup: " + kElementSubgroup);
}

TEST_P(E2secDelegationTest, RejectsKeysOutsideSubgroup) {
    EXPECT_EQ(reason(verify(d_, p_minus_1(G()))), "v_D not in the subgroup: " + kElementRange);
    EXPECT_EQ(reason(verify(d_, BigNum(1))), "v_D not in the subgroup: " + kElementRange);
    auto v_prime = proxy_public_key(G(), designator_.v, p_minus_1(G()), d_.m_w, d_.K);
    ASSERT_FALSE(v_prime.ok());
    EXPECT_EQ(v_prime.error().reason, "v_P not in the subgroup: " + kElementRange);
}

TEST_P(E2secDelegationTest, RejectsSigmaOutOfRange) {
    for (const BigNum& s : {BigNum(0), G().q()}) {
        Delegation d = d_;
        d.sigma = s;
        EXPECT_EQ(reason(verify(d, designator_.v)), "sigma out of range");
        auto pk = derive_proxy_key(G(), d, proxy_.x, designator_.v);
        ASSERT_FALSE(pk.ok());
        EXPECT_EQ(pk.error().reason, "sigma out of range");
    }
}

INSTANTIATE_TEST_SUITE_P(E2secGroups, E2secDelegationTest,
                         ::testing::Values(GroupId::dh_1024_160, GroupId::dh_2048_256),
                         [](const ::testing::TestParamInfo<GroupId>& info) {
                             return std::string(mtc::crypto::group_name(info.param));
                         });

// ---------------------------------------------------------------------------------------------
// Proxy signatures, per variant x group.

using SigParam = std::tuple<SignatureVariant, GroupId>;

class E2secProxySignatureTest : public ::testing::TestWithParam<SigParam> {
protected:
    void SetUp() override {
        variant_ = std::get<0>(GetParam());
        group_ = std::make_unique<DlGroup>(load(std::get<1>(GetParam())));
        rng_ = mtc::make_rng(7, "e2sec-proxy-signature-test");
        designator_ = generate_keypair(G(), *rng_);
        proxy_ = generate_keypair(G(), *rng_);
        d_ = delegate(G(), designator_.x, Warrant{id_epc(), id_proxy(), kNotAfter}, *rng_);
        ASSERT_TRUE(verify(d_, designator_.v).ok());
        auto pk = derive_proxy_key(G(), d_, proxy_.x, designator_.v);
        ASSERT_TRUE(pk.ok()) << pk.error().describe();
        key_ = std::move(pk).value();
        M_ = to_bytes("MTCS-7|MTCD-9|g^a");
        auto sig = proxy_sign(G(), variant_, key_.sigma_prime, view(M_), *rng_);
        ASSERT_TRUE(sig.ok()) << sig.error().describe();
        sig_ = std::move(sig).value();
    }
    const DlGroup& G() const { return *group_; }
    mtc::Status verify(const Delegation& d, const BigNum& v_D) const {
        return verify_delegation(G(), v_D, d, view(id_epc()), view(id_proxy()), kNow);
    }
    // Verifies as the peer does, with every input defaulting to the honest one.
    std::string check(const ProxySignature& sig, const Bytes& M, const BigNum& v_D,
                      const BigNum& v_P, const BigNum& K, const Bytes& proxy_id,
                      std::uint64_t now = kNow) const {
        return reason(verify_proxy_signature(G(), variant_, v_D, v_P, d_.m_w, K, view(M), sig,
                                             view(id_epc()), view(proxy_id), now));
    }
    std::string check(const ProxySignature& sig) const {
        return check(sig, M_, designator_.v, proxy_.v, d_.K, id_proxy());
    }

    SignatureVariant variant_ = SignatureVariant::elgamal;
    std::unique_ptr<DlGroup> group_;
    std::unique_ptr<mtc::Rng> rng_;
    KeyPair designator_, proxy_;
    Delegation d_;
    ProxyKey key_;
    Bytes M_;
    ProxySignature sig_;
};

TEST_P(E2secProxySignatureTest, RoundTrip) {
    EXPECT_EQ(check(sig_), "<ok>");
    EXPECT_EQ(G().exp_g(key_.sigma_prime), key_.v_prime);
    if (variant_ == SignatureVariant::dsa) {
        EXPECT_TRUE(G().check_scalar(sig_.r).ok());
    } else {
        EXPECT_TRUE(G().check_element(sig_.r).ok());
    }
}

TEST_P(E2secProxySignatureTest, RejectsSOffByOne) {
    ProxySignature sig = sig_;
    sig.s = plus_one(G(), sig.s);
    EXPECT_EQ(check(sig), "signature equation fails");
}

TEST_P(E2secProxySignatureTest, RejectsTamperedMessage) {
    Bytes M = M_;
    M.back() ^= 0x01;
    EXPECT_EQ(check(sig_, M, designator_.v, proxy_.v, d_.K, id_proxy()),
              "signature equation fails");
}

TEST_P(E2secProxySignatureTest, RejectsForeignWarrant) {
    // The verifier expects another signer than the warrant names.
    EXPECT_EQ(check(sig_, M_, designator_.v, proxy_.v, d_.K, id_other()),
              "warrant names another proxy");
}

TEST_P(E2secProxySignatureTest, RejectsExpiredWarrant) {
    EXPECT_EQ(check(sig_, M_, designator_.v, proxy_.v, d_.K, id_proxy(), kNotAfter), "<ok>");
    EXPECT_EQ(check(sig_, M_, designator_.v, proxy_.v, d_.K, id_proxy(), kNotAfter + 1),
              "warrant expired");
}

TEST_P(E2secProxySignatureTest, RejectsWrongKeys) {
    const KeyPair other = generate_keypair(G(), *rng_);
    EXPECT_EQ(check(sig_, M_, other.v, proxy_.v, d_.K, id_proxy()), "signature equation fails");
    EXPECT_EQ(check(sig_, M_, designator_.v, other.v, d_.K, id_proxy()),
              "signature equation fails");
}

TEST_P(E2secProxySignatureTest, RejectsElementsOutsideSubgroup) {
    EXPECT_EQ(check(sig_, M_, designator_.v, proxy_.v, p_minus_1(G()), id_proxy()),
              "K not in the subgroup: " + kElementRange);
    const BigNum outside = outside_subgroup(G());
    EXPECT_EQ(check(sig_, M_, designator_.v, proxy_.v, outside, id_proxy()),
              "K not in the subgroup: " + kElementSubgroup);
    EXPECT_EQ(check(sig_, M_, outside, proxy_.v, d_.K, id_proxy()),
              "v_D not in the subgroup: " + kElementSubgroup);
    EXPECT_EQ(check(sig_, M_, designator_.v, outside, d_.K, id_proxy()),
              "v_P not in the subgroup: " + kElementSubgroup);
    if (variant_ != SignatureVariant::dsa) {
        ProxySignature sig = sig_;
        sig.r = p_minus_1(G());
        EXPECT_EQ(check(sig), "r not in the subgroup: " + kElementRange);
        sig.r = outside;
        EXPECT_EQ(check(sig), "r not in the subgroup: " + kElementSubgroup);
    }
}

TEST_P(E2secProxySignatureTest, RejectsScalarsOutOfRange) {
    for (const BigNum& bad : {BigNum(0), G().q()}) {
        ProxySignature sig = sig_;
        sig.s = bad;
        EXPECT_EQ(check(sig), "s out of range");
        if (variant_ == SignatureVariant::dsa) {
            sig = sig_;
            sig.r = bad;
            EXPECT_EQ(check(sig), "r out of range");
        }
        auto signed_with_bad = proxy_sign(G(), variant_, bad, view(M_), *rng_);
        ASSERT_FALSE(signed_with_bad.ok());
        EXPECT_EQ(signed_with_bad.error().reason, "sigma_prime out of range");
    }
}

TEST_P(E2secProxySignatureTest, RejectsOtherVariant) {
    const SignatureVariant other = variant_ == SignatureVariant::schnorr
                                       ? SignatureVariant::elgamal
                                       : SignatureVariant::schnorr;
    const auto st = verify_proxy_signature(G(), other, designator_.v, proxy_.v, d_.m_w, d_.K,
                                           view(M_), sig_, view(id_epc()), view(id_proxy()), kNow);
    ASSERT_FALSE(st.ok());
    // A DSA r is a scalar: as an element it is either out of the subgroup or fails the equation.
    EXPECT_THAT(st.error().reason, ::testing::AnyOf(StartsWith("r not in the subgroup"),
                                                    ::testing::Eq("signature equation fails")));
}

TEST_P(E2secProxySignatureTest, MessageHashMatchesDocumentedInput) {
    const Bytes rb = encode_element(G(), sig_.r);
    const BigNum h = message_hash(G(), variant_, view(M_), sig_.r);
    if (variant_ == SignatureVariant::dsa) {
        EXPECT_EQ(h, hash_to_scalar(G(), {view(M_)}));
    } else {
        EXPECT_EQ(h, hash_to_scalar(G(), {view(M_), view(rb)}));
    }
}

INSTANTIATE_TEST_SUITE_P(
    E2secVariantsGroups, E2secProxySignatureTest,
    ::testing::Combine(::testing::Values(SignatureVariant::elgamal, SignatureVariant::schnorr,
                                         SignatureVariant::dsa),
                       ::testing::Values(GroupId::dh_1024_160, GroupId::dh_2048_256)),
    [](const ::testing::TestParamInfo<SigParam>& info) {
        return std::string(variant_name(std::get<0>(info.param))) + "_" +
               std::string(mtc::crypto::group_name(std::get<1>(info.param)));
    });

}  // namespace
