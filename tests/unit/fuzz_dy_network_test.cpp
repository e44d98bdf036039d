// The role fuzz targets' Dolev-Yao network and oracle (targets/dy_network.hpp): honest
// programs commit in every protocol and raise nothing; a mutated frame is rejected by the
// check that guards it and, with that check switched off, the oracle reports the broken claim;
// every op runs on bad operands without harm; the target table lists every role.
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "protocols/core/registry.hpp"
#include "targets/dy_network.hpp"
#include "targets/fuzz_target.hpp"
#include "targets/seeds.hpp"

namespace mtc::test {
namespace {

using fuzz::DyNetwork;
using fuzz::DyOp;

std::uint8_t op(DyOp o) {
    return static_cast<std::uint8_t>(o);
}

std::string findings_of(const fuzz::DyResult& r) {
    std::string s;
    for (const auto& f : r.findings) s += f.claim + ": " + f.summary + "\n";
    return s;
}

TEST(FuzzTargets, EveryProtocolHasADecoderAndATargetPerRole) {
    std::set<std::string> names;
    for (const auto& t : fuzz::fuzz_targets()) EXPECT_TRUE(names.insert(t.name).second) << t.name;
    for (const ProtocolSpec* spec : registered_protocols()) {
        EXPECT_EQ(names.count(spec->name + "_decoder_fuzzer"), 1u) << spec->name;
        for (const RoleSpec& r : spec->roles)
            EXPECT_EQ(names.count(fuzz::role_target_name(*spec, r.name)), 1u) << r.name;
    }
    EXPECT_EQ(names.count("pcap_reader_fuzzer"), 1u);
    EXPECT_EQ(names.count("campaign_file_fuzzer"), 1u);
}

// Honest programs, both variants, every role target: sessions commit and the oracle (on in the
// hardened variant) finds nothing, so a finding under fuzzing is never the oracle's own noise.
TEST(FuzzDyNetwork, HonestProgramsCommitWithoutFindings) {
    for (const ProtocolSpec* spec : registered_protocols()) {
        for (const RoleSpec& role : spec->roles) {
            DyNetwork net(*spec, role.name);
            ASSERT_EQ(net.setup_error(), "") << spec->name;
            for (bool hardened : {false, true}) {
                const auto r = net.run(view(fuzz::honest_program(hardened, 2)));
                EXPECT_EQ(r.hardened, hardened && spec->has_variant("hardened"));
                EXPECT_GT(r.commits, 0u) << spec->name << " " << role.name;
                EXPECT_EQ(r.rejects, 0u) << spec->name << " " << role.name;
                EXPECT_TRUE(r.findings.empty()) << spec->name << " " << role.name << "\n"
                                                << findings_of(r);
            }
        }
    }
}

// Flip one bit in each field of M4 on its way to the MTCd (hardened ProSe). The MTCd's MIC
// check (MTCsMIC) rejects every such M4; switched off, some flip gets a commit on parameters
// the MTCs never had and the oracle reports the broken agreement.
fuzz::DyResult flipped_m4(DyNetwork& net, std::uint8_t field) {
    const Bytes program{fuzz::kDyHardened,
                        op(DyOp::start),
                        0,
                        op(DyOp::deliver),
                        0,
                        op(DyOp::deliver),
                        0,
                        op(DyOp::deliver),
                        0,
                        op(DyOp::mutate),
                        0,
                        field,
                        0,
                        0,
                        op(DyOp::flush)};
    return net.run(view(program));
}

TEST(FuzzDyNetwork, TheOracleReportsWhatARemovedCheckLetsThrough) {
    const ProtocolSpec* prose = find_protocol("prose");
    ASSERT_NE(prose, nullptr);
    DyNetwork normal(*prose, "MTCd");
    std::size_t rejected = 0;
    for (std::uint8_t f = 0; f < 8; ++f) {
        const auto r = flipped_m4(normal, f);
        EXPECT_TRUE(r.findings.empty()) << findings_of(r);
        rejected += r.rejects;
    }
    EXPECT_GT(rejected, 0u);
    if (!weakening_enabled()) GTEST_SKIP() << "built without MTC_ENABLE_WEAKENING";
    DyNetwork weak(*prose, "MTCd", fuzz::DyOptions{{"MTCsMIC"}});
    std::set<std::string> claims;
    for (std::uint8_t f = 0; f < 8; ++f) {
        for (const auto& finding : flipped_m4(weak, f).findings) claims.insert(finding.claim);
    }
    EXPECT_EQ(claims.count("agreement:MTCs->MTCd"), 1u);
}

// The oracle's secrecy claims see the keys the attacker reads in clear frames. ProSe with its
// UE-MTCs link taken off the secure links, and the MTCs's check that M2 came over that link
// switched off, puts M3 (DMKey and all) on the wire in clear: the oracle reports secrecy:DMKey
// for the MTCs's commit. The intact spec carries M3 over the link and raises nothing.
TEST(FuzzDyNetwork, AKeySeenInClearBreaksSecrecy) {
    if (!weakening_enabled()) GTEST_SKIP() << "built without MTC_ENABLE_WEAKENING";
    const ProtocolSpec* prose = find_protocol("prose");
    ASSERT_NE(prose, nullptr);
    ProtocolSpec open_link = *prose;
    open_link.secure_links.clear();
    for (const ProtocolSpec* spec : {prose, static_cast<const ProtocolSpec*>(&open_link)}) {
        SCOPED_TRACE(spec == prose ? "intact" : "open link");
        DyNetwork net(*spec, "MTCs", fuzz::DyOptions{{"ue-link"}});
        ASSERT_EQ(net.setup_error(), "");
        const auto r = net.run(view(fuzz::honest_program(true, 1)));
        std::set<std::string> claims;
        for (const auto& f : r.findings) claims.insert(f.claim);
        EXPECT_EQ(claims.count("secrecy:DMKey"), spec == prose ? 0u : 1u) << findings_of(r);
    }
}

// The bounds on an input (dy_network.hpp): kDyMaxStarts honest runs of every protocol fit in
// kDyMaxDeliveries with room for the attacker; starts past kDyMaxStarts are ignored; a flood
// of replays stops at the delivery bound.
TEST(FuzzDyNetwork, AnInputIsBoundedAndTheBoundHoldsEveryHonestRun) {
    for (const ProtocolSpec* spec : registered_protocols()) {
        for (const RoleSpec& role : spec->roles) {
            SCOPED_TRACE(spec->name + " " + role.name);
            DyNetwork net(*spec, role.name);
            const auto most = net.run(view(fuzz::honest_program(true, fuzz::kDyMaxStarts)));
            EXPECT_GT(most.commits, 0u);
            EXPECT_LE(most.delivered, fuzz::kDyMaxDeliveries * 4 / 5);
            const auto more = net.run(view(fuzz::honest_program(true, 2 * fuzz::kDyMaxStarts)));
            EXPECT_EQ(more.delivered, most.delivered);
            EXPECT_EQ(more.commits, most.commits);
        }
    }
    DyNetwork net(*find_protocol("prose"), "MTCd");
    Bytes flood{fuzz::kDyHardened, op(DyOp::start), 0, op(DyOp::flush)};
    for (int i = 0; i < 250; ++i) flood.insert(flood.end(), {op(DyOp::replay), 3});
    EXPECT_EQ(net.run(view(flood)).delivered, fuzz::kDyMaxDeliveries);
}

// Every op with every operand on a short program: nothing throws, crashes or runs away.
TEST(FuzzDyNetwork, EveryOpOnAnyOperandIsHarmless) {
    for (const ProtocolSpec* spec : registered_protocols()) {
        DyNetwork net(*spec, spec->roles.front().name);
        for (std::uint8_t o = 0; o < 8; ++o) {
            for (std::uint8_t a : {0, 1, 7, 255}) {
                const Bytes p{fuzz::kDyHardened,
                              op(DyOp::start),
                              a,
                              o,
                              a,
                              a,
                              a,
                              a,
                              a,
                              op(DyOp::inject),
                              a,
                              a,
                              3,
                              0x4D,
                              0x46,
                              1,
                              o,
                              a,
                              a};
                const auto r = net.run(view(p));
                EXPECT_LE(r.delivered, fuzz::kDyMaxDeliveries);
            }
        }
        EXPECT_EQ(net.run(BytesView{}).delivered, 0u);
    }
}

}  // namespace
}  // namespace mtc::test
