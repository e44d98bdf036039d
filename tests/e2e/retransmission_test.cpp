// End-to-end retransmission: with a retransmission timeout far below a run's latency, every
// initiator sends copies of its flights while the run is still going; the processes that
// handled a frame drop its copies, so every session of every protocol still commits. Without the
// role processes' duplicate filter a stateful responder refuses the copy ("Challenge for no run
// awaiting one", "Delegation answers no pending request") and fails the run it repeats.
#include <string>

#include <nlohmann/json.hpp>

#include "tests/e2e/live_helpers.hpp"

namespace mtc::e2e {
namespace {

using json = nlohmann::json;

struct Case {
    const char* args;
};

class Retransmission : public ::testing::TestWithParam<Case> {};

TEST_P(Retransmission, CopiesAreDroppedAndEverySessionCommits) {
    // 10 ms, doubling, 9 tries: copies at 10, 30, 70, ... ms; given up only after ~10 s.
    const Cmd r = mtcfuzz(std::string("run ") + GetParam().args +
                          " --sessions 6 --concurrency 3 --retransmit-ms 10"
                          " --retransmit-tries 9 --json");
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    const json j = json::parse(r.out, nullptr, false);
    ASSERT_TRUE(j.is_object()) << r.out;
    EXPECT_EQ(j["committed"], 6) << r.out;
    // The copies did go out and were recognised (else this test would prove nothing).
    std::uint64_t dropped = 0;
    for (const auto& [role, n] : j["copies_dropped"].items()) dropped += n.get<std::uint64_t>();
    EXPECT_GT(dropped, 0u) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Protocols, Retransmission,
                         ::testing::Values(Case{"prose"}, Case{"prose --variant hardened"},
                                           Case{"sga"}, Case{"sga --variant hardened"},
                                           Case{"eps-aka"}, Case{"gaka"},
                                           Case{"e2sec --group dh_2048_256"},
                                           Case{"e2sec --group dh_2048_256 --variant hardened"}),
                         [](const auto& info) {
                             std::string n;
                             for (const char* c = info.param.args; *c != 0; ++c)
                                 n += std::isalnum(static_cast<unsigned char>(*c)) != 0 ? *c : '_';
                             return n;
                         });

}  // namespace
}  // namespace mtc::e2e
