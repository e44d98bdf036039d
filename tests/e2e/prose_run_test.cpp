// ProSe through live role processes: honest sessions in both variants and the extended mode,
// through the hub and directly, with the hub's pcap read back.
#include <gmock/gmock.h>

#include "tests/e2e/live_helpers.hpp"

namespace mtc::e2e {
namespace {

using ::testing::HasSubstr;

nlohmann::json run_json(const std::string& args) {
    auto r = mtcfuzz("run prose --json " + args);
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j;
}

TEST(ProseLive, BothVariantsAndTheExtendedModeCommitEverySession) {
    for (const char* args :
         {"--variant as-specified", "--variant hardened", "--variant as-specified --extended",
          "--variant hardened --extended"}) {
        auto j = run_json(std::string("--sessions 20 --concurrency 4 ") + args);
        if (j.is_discarded()) continue;
        EXPECT_EQ(j["committed"], 20) << args;
        EXPECT_EQ(j["ok"], true) << args << " " << j.dump();
        for (const char* role : {"MTCd", "UE", "MTCs"})
            EXPECT_EQ(j["roles"][role]["commit"], 20) << args << role;
        EXPECT_GT(j["hub"]["datagrams"].get<int>(), 0);
        EXPECT_GT(j["hub"]["tcp_connections"].get<int>(), 0) << "UE <-> MTCs must run over TLS";
    }
}

TEST(ProseLive, DirectRunNeedsNoHub) {
    auto j = run_json("--sessions 10 --direct");
    EXPECT_EQ(j["committed"], 10);
    EXPECT_EQ(j["hub"]["datagrams"], 0);
}

TEST(ProseLive, SeveralInstancesOfEveryRole) {
    auto j = run_json(
        "--sessions 24 --concurrency 6 --instances MTCd=4 --instances UE=2 --instances MTCs=2");
    EXPECT_EQ(j["committed"], 24);
    EXPECT_EQ(j["roles"]["MTCd"]["instances"], 4);
}

TEST(ProseLive, HubPcapListsEveryUdpMessageAndTheTlsLink) {
    const std::string dir = temp_dir("pcap");
    const std::string pcap = dir + "/hub.pcap";
    auto j = run_json("--sessions 5 --pcap " + pcap);
    ASSERT_TRUE(std::filesystem::exists(pcap));
    auto ls = mtcfuzz("pcap ls --json " + pcap);
    ASSERT_EQ(ls.code, 0) << ls.err;
    auto rows = nlohmann::json::parse(ls.out);
    int m1 = 0, m4 = 0, tls = 0;
    for (const auto& r : rows) {
        auto str = [&](const char* k) {
            return r.contains(k) && r[k].is_string() ? r[k].get<std::string>() : "";
        };
        if (str("type") == "M1") ++m1;
        if (str("type") == "M4") ++m4;
        if (str("error").find("TLS") != std::string::npos) ++tls;
    }
    EXPECT_EQ(m1, 5);
    EXPECT_EQ(m4, 5);
    EXPECT_GE(tls, 1) << "the UE <-> MTCs link is TLS and must be listed, not dropped";
    if (have("tshark")) {
        auto t = sh("tshark -r " + pcap + " -q -z io,stat,0");
        EXPECT_EQ(t.code, 0) << t.err;
    }
    std::filesystem::remove_all(dir);
}

TEST(ProseLive, BadRunOptionsAreUsageErrors) {
    for (const char* args : {"run prose --sessions 0", "run prose --concurrency 0", "run nosuch",
                             "run prose --direct --pcap /tmp/x.pcap",
                             "run prose --addr-prefix 10.0.0", "run prose --set MTCd.mic_alg=9"}) {
        auto r = mtcfuzz(args);
        EXPECT_EQ(r.code, 2) << args << ": " << r.err;
    }
}

}  // namespace
}  // namespace mtc::e2e
