// The same ProSe traffic four ways must list the same messages: the hub-written pcap, a live
// libpcap capture on lo, that hub pcap converted to pcapng by editcap, and a live capture on
// the "any" device (Linux cooked framing). The live captures see each datagram twice (role ->
// hub front, hub -> role); only the hub -> role leg is kept, with the front address mapped back
// to the sender's (front = real + 128 in the last octet).
#include <csignal>
#include <random>
#include <set>
#include <thread>

#include <gmock/gmock.h>

#include "harness/runner/process.hpp"
#include "tests/e2e/live_helpers.hpp"

namespace mtc::e2e {
namespace {

using json = nlohmann::json;

std::string str(const json& r, const char* k) {
    return r.contains(k) && r[k].is_string() ? r[k].get<std::string>() : "";
}

// "127.a.b.c:port" -> last octet, or -1.
int last_octet(const std::string& ep) {
    const auto colon = ep.rfind(':');
    const auto dot = ep.rfind('.', colon);
    if (colon == std::string::npos || dot == std::string::npos) return -1;
    return std::stoi(ep.substr(dot + 1, colon - dot - 1));
}

std::string unfront(const std::string& ep) {
    const int o = last_octet(ep);
    if (o < 129) return ep;
    const auto colon = ep.rfind(':');
    const auto dot = ep.rfind('.', colon);
    return ep.substr(0, dot + 1) + std::to_string(o - 128) + ep.substr(colon);
}

// The decoded UDP messages of a capture, as comparable strings.
std::multiset<std::string> udp_messages(const std::string& file, bool live) {
    auto ls = mtcfuzz("pcap ls --json " + file);
    EXPECT_EQ(ls.code, 0) << file << ": " << ls.err;
    std::multiset<std::string> out;
    auto rows = json::parse(ls.out, nullptr, false);
    if (!rows.is_array()) return out;
    for (const auto& r : rows) {
        if (str(r, "transport") != "udp" || str(r, "type").empty()) continue;
        std::string src = str(r, "src"), dst = str(r, "dst");
        if (live) {
            if (last_octet(dst) >= 129)
                continue;  // role -> hub leg: the hub pcap has the other one
            src = unfront(src);
        }
        out.insert(src + " > " + dst + " " + str(r, "type") + " " + str(r, "session") + " " +
                   r["fields"].dump());
    }
    return out;
}

TEST(PcapEquivalence, HubPcapLiveCapturePcapngAndLinuxCookedListTheSameMessages) {
    if (::geteuid() != 0) GTEST_SKIP() << "live capture needs root or CAP_NET_RAW";
    const std::string dir = temp_dir("pcapeq");
    std::mt19937 rng(static_cast<unsigned>(::getpid()));
    const std::string prefix =
        "127." + std::to_string(20 + rng() % 200) + "." + std::to_string(rng() % 256);
    const std::string filter = "net " + prefix + ".0/24";
    auto capture = [&](const std::string& iface) {
        return runner::Child::spawn({MTCFUZZ_BIN, "capture", "--iface", iface, "--filter", filter,
                                     "-w", dir + "/" + iface + ".pcap"},
                                    dir + "/" + iface + ".log");
    };
    auto lo = capture("lo");
    auto any = capture("any");
    ASSERT_TRUE(lo.ok() && any.ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // captures activated
    auto run = mtcfuzz("run prose --sessions 8 --concurrency 2 --addr-prefix " + prefix +
                       " --pcap " + dir + "/hub.pcap");
    ASSERT_EQ(run.code, 0) << run.out << run.err;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    // SIGINT, as Ctrl-C would: the capture stops cleanly and renames its file into place.
    lo->signal(SIGINT);
    any->signal(SIGINT);
    ASSERT_TRUE(lo->wait_for(std::chrono::milliseconds(10000))) << slurp(dir + "/lo.log");
    ASSERT_TRUE(any->wait_for(std::chrono::milliseconds(10000))) << slurp(dir + "/any.log");
    EXPECT_EQ(lo->exit_code(), 0) << slurp(dir + "/lo.log");
    EXPECT_EQ(any->exit_code(), 0) << slurp(dir + "/any.log");

    const auto hub = udp_messages(dir + "/hub.pcap", false);
    ASSERT_EQ(hub.size(), 16u) << "8 sessions: M1 and M4 each";
    EXPECT_EQ(udp_messages(dir + "/lo.pcap", true), hub);
    EXPECT_EQ(udp_messages(dir + "/any.pcap", true), hub);
    if (have("editcap")) {
        ASSERT_EQ(sh("editcap -F pcapng " + dir + "/hub.pcap " + dir + "/hub.pcapng").code, 0);
        EXPECT_EQ(udp_messages(dir + "/hub.pcapng", false), hub);
    }
    if (have("capinfos")) {
        EXPECT_THAT(sh("capinfos -E " + dir + "/any.pcap").out,
                    ::testing::HasSubstr("Linux cooked"));
    }
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mtc::e2e
