// Role processes by hand: provisioning files, option checks, the control socket, a flood of
// malformed frames, a role killed with SIGKILL and restarted, and a clean SIGTERM.
#include <csignal>
#include <random>
#include <sys/stat.h>
#include <thread>

#include <gmock/gmock.h>

#include "harness/net/udp.hpp"
#include "harness/runner/control_client.hpp"
#include "harness/runner/process.hpp"
#include "protocols/core/role.hpp"
#include "tests/e2e/live_helpers.hpp"

namespace mtc::e2e {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

std::size_t rss_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
    }
    return 0;
}

TEST(Provision, WritesPrivateFilesAndRefusesToOverwrite) {
    const std::string dir = temp_dir("prov") + "/d";
    auto r = mtcfuzz("provision prose -o " + dir + " --instances MTCd=2 --seed 3");
    ASSERT_EQ(r.code, 0) << r.err;
    for (const char* f :
         {"deployment.json", "pki/ca.pem", "pki/ca-key.pem", "MTCd-0/keys.json", "MTCd-1/keys.json",
          "MTCs-0/cert.pem", "MTCs-0/key.pem", "UE-0/keys.json"}) {
        struct stat st {};
        ASSERT_EQ(::stat((dir + "/" + f).c_str(), &st), 0) << f;
        EXPECT_EQ(st.st_mode & 0777, 0600u) << f;
    }
    auto keys = json::parse(slurp(dir + "/MTCs-0/keys.json"));
    EXPECT_TRUE(keys["secrets"].contains("PSKey:mtcd-1"));
    auto again = mtcfuzz("provision prose -o " + dir);
    EXPECT_EQ(again.code, 2);
    EXPECT_THAT(again.err, HasSubstr("--force"));
    EXPECT_EQ(mtcfuzz("provision prose -o " + dir + " --force").code, 0);
    std::filesystem::remove_all(std::filesystem::path(dir).parent_path());
}

// A hand-made basic deployment: MTCd, UE and MTCs processes with direct addresses.
struct Deployment {
    std::string dir, prefix;
    net::EventLoop loop;
    std::map<std::string, std::optional<runner::Child>> procs;
    std::map<std::string, std::unique_ptr<runner::ControlClient>> ctl;
    std::vector<json> events;
    std::map<std::string, std::vector<std::string>> extra;  // instance -> more role options

    std::string addr(const std::string& inst) const {
        static const std::map<std::string, int> host = {{"MTCd#0", 1}, {"UE#0", 2}, {"MTCs#0", 3}};
        return prefix + std::to_string(host.at(inst)) + ":4242";
    }
    std::string dir_of(const std::string& inst) const {
        return dir + "/" + inst.substr(0, inst.find('#')) + "-0";
    }
    std::string sock(const std::string& inst) const {
        return dir + "/" + inst.substr(0, inst.find('#')) + ".sock";
    }

    std::vector<std::string> argv(const std::string& inst) const {
        const std::string role = inst.substr(0, inst.find('#'));
        std::vector<std::string> a = {
            MTCFUZZ_BIN, "role",     "prose",  role,
            "--bind",    addr(inst), "--keys", dir_of(inst) + "/keys.json",
            "--control", sock(inst)};
        auto peer = [&](const char* name, const char* target) {
            a.push_back("--peer");
            a.push_back(std::string(name) + "=" + addr(target));
        };
        if (role == "MTCd") peer("relay", "UE#0"), peer("UE", "UE#0"), peer("MTCs", "MTCs#0");
        if (role == "UE") peer("MTCs0", "MTCs#0");
        if (auto it = extra.find(inst); it != extra.end())
            a.insert(a.end(), it->second.begin(), it->second.end());
        return a;
    }

    void start(const std::string& inst) {
        auto c =
            runner::Child::spawn(argv(inst), dir + "/" + inst.substr(0, inst.find('#')) + ".log");
        ASSERT_TRUE(c.ok());
        procs[inst].emplace(std::move(c).value());
        auto cl =
            runner::ControlClient::connect(loop, sock(inst), std::chrono::milliseconds(10000));
        ASSERT_TRUE(cl.ok()) << cl.error().describe() << "\n"
                             << slurp(dir + "/" + inst.substr(0, inst.find('#')) + ".log");
        (*cl)->on_line([this, inst](const std::string& line) {
            auto j = json::parse(line, nullptr, false);
            if (!j.is_discarded()) {
                j["_from"] = inst;
                events.push_back(j);
            }
        });
        ctl[inst] = std::move(cl).value();
    }

    std::size_t count(const std::string& inst, const std::string& kind) const {
        std::size_t n = 0;
        for (const auto& e : events)
            n += e.value("_from", "") == inst && e.value("kind", "") == kind;
        return n;
    }

    // Runs the loop until `pred` holds or `ms` pass.
    bool until(const std::function<bool()>& pred, int ms = 10000) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        while (!pred()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            loop.run_for(std::chrono::milliseconds(10));
        }
        return true;
    }

    // The io lines of `inst`, in order: {in, out}.
    std::vector<std::pair<std::size_t, std::size_t>> io(const std::string& inst) const {
        std::vector<std::pair<std::size_t, std::size_t>> out;
        for (const auto& e : events) {
            if (e.value("_from", "") == inst && e.contains("io"))
                out.emplace_back(e["io"]["in"].get<std::size_t>(),
                                 e["io"]["out"].get<std::size_t>());
        }
        return out;
    }
    const json* reply(const std::string& inst, const std::string& kind) const {
        for (const auto& e : events) {
            if (e.value("_from", "") == inst && e.value("reply", "") == kind) return &e;
        }
        return nullptr;
    }

    explicit Deployment(const std::string& tag,
                        std::map<std::string, std::vector<std::string>> more = {})
        : extra(std::move(more)) {
        dir = temp_dir(tag);
        std::mt19937 rng(static_cast<unsigned>(::getpid()));
        prefix =
            "127." + std::to_string(20 + rng() % 200) + "." + std::to_string(rng() % 256) + ".";
        auto r = mtcfuzz("provision prose -o " + dir + " --force");
        EXPECT_EQ(r.code, 0) << r.err;
        for (const char* i : {"MTCs#0", "UE#0", "MTCd#0"}) start(i);
    }
    ~Deployment() {
        ctl.clear();
        for (auto& [i, p] : procs) {
            if (p) p->stop();
        }
        std::filesystem::remove_all(dir);
    }
};

TEST(RoleProcess, StatusAndAnHonestSession) {
    Deployment d("honest");
    d.ctl["MTCs#0"]->send(R"({"cmd":"status"})");
    ASSERT_TRUE(d.until([&] {
        for (const auto& e : d.events) {
            if (e.value("reply", "") == "status" && e.value("role", "") == "MTCs") return true;
        }
        return false;
    }));
    d.ctl["MTCd#0"]->send(R"({"cmd":"start","sessions":3})");
    ASSERT_TRUE(d.until([&] {
        return d.count("MTCd#0", "commit") == 3 && d.count("MTCs#0", "commit") == 3;
    })) << d.count("MTCd#0", "commit");
    EXPECT_EQ(d.count("UE#0", "commit"), 3u);
    // Keys agree across processes: the deployment shares one fingerprint salt.
    std::map<std::string, std::set<std::string>> fps;
    for (const auto& e : d.events) {
        if (e.value("kind", "") == "commit") fps[e["session"]].insert(e["key_fp"]);
    }
    ASSERT_EQ(fps.size(), 3u);
    for (const auto& [s, f] : fps) EXPECT_EQ(f.size(), 1u) << s;
    d.ctl["UE#0"]->send("this is not json");
    ASSERT_TRUE(d.until([&] {
        for (const auto& e : d.events) {
            if (e.value("reply", "") == "error") return true;
        }
        return false;
    }));
}

TEST(RoleProcess, AFloodOfMalformedFramesIsRejectedAndTheRoleKeepsServing) {
    // Under ASan freed memory sits in a quarantine (256 MB by default) and RSS would grow
    // whatever the role does; a small quarantine makes RSS measure the role itself.
    ::setenv("ASAN_OPTIONS", "quarantine_size_mb=4:thread_local_quarantine_size_kb=64", 1);
    Deployment d("flood");
    const pid_t ue = d.procs["UE#0"]->pid();
    net::EventLoop loop;
    auto sock = net::UdpSocket::bind(loop, *net::parse_endpoint(d.prefix + "9:0"));
    ASSERT_TRUE(sock.ok());
    const auto target = *net::parse_endpoint(d.addr("UE#0"));
    std::mt19937 rng(7);
    auto flood = [&](int n) {
        for (int i = 0; i < n; ++i) {
            Bytes junk(1 + rng() % 200);
            for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
            if (i % 3 == 0 && junk.size() >= 2)
                junk[0] = 0x4d, junk[1] = 0x46;  // magic, then garbage
            (void)(*sock)->send_to(target, junk);
            // Paced, so that most datagrams reach the role rather than the kernel's drop counter.
            if (i % 200 == 0) d.loop.run_for(std::chrono::milliseconds(2));
        }
    };
    flood(2000);  // warm up allocator pools before measuring
    ASSERT_TRUE(d.until([&] { return d.count("UE#0", "reject") >= 1000; }));
    const std::size_t before = rss_kib(ue);
    const std::size_t rejects_before = d.count("UE#0", "reject");
    flood(20000);
    // Wait until the role has worked through the flood (no new reject for half a second).
    std::size_t last = 0;
    auto last_change = std::chrono::steady_clock::now();
    d.until(
        [&] {
            const std::size_t n = d.count("UE#0", "reject");
            if (n != last) last = n, last_change = std::chrono::steady_clock::now();
            return std::chrono::steady_clock::now() - last_change > std::chrono::milliseconds(500);
        },
        60000);
    // UDP may drop some datagrams under load; every one that arrived is a reject event.
    EXPECT_GT(d.count("UE#0", "reject") - rejects_before, 10000u);
    const std::size_t after = rss_kib(ue);
    EXPECT_LT(after, before + std::size_t{8} * 1024)
        << "RSS grew from " << before << " KiB to " << after << " KiB";
    for (const auto& e : d.events) {
        if (e.value("kind", "") == "reject" && e.value("_from", "") == "UE#0") {
            EXPECT_THAT(e.value("reason", ""), HasSubstr("decode: "));
            break;
        }
    }
    // Still serving.
    d.ctl["MTCd#0"]->send(R"({"cmd":"start"})");
    EXPECT_TRUE(d.until([&] { return d.count("MTCd#0", "commit") == 1; }));
    EXPECT_TRUE(d.procs["UE#0"]->poll() == false) << "the UE process died";
}

TEST(RoleProcess, ARoleKilledMidRunIsRestartedAndLaterSessionsCommit) {
    Deployment d("kill");
    d.ctl["MTCd#0"]->send(R"({"cmd":"start","sessions":2})");
    ASSERT_TRUE(d.until([&] { return d.count("MTCd#0", "commit") == 2; }));
    d.procs["MTCs#0"]->signal(SIGKILL);
    ASSERT_TRUE(d.procs["MTCs#0"]->wait_for(std::chrono::milliseconds(5000)));
    EXPECT_EQ(d.procs["MTCs#0"]->term_signal(), SIGKILL);
    d.ctl.erase("MTCs#0");
    // A session started while the server is down ends in a timeout reject, not a hang.
    d.ctl["MTCd#0"]->send(R"({"cmd":"start"})");
    d.start("MTCs#0");
    ASSERT_TRUE(d.until(
        [&] { return d.count("MTCd#0", "commit") + d.count("MTCd#0", "reject") >= 3; }, 15000));
    const std::size_t commits_before = d.count("MTCd#0", "commit");
    d.ctl["MTCd#0"]->send(R"({"cmd":"start","sessions":3})");
    EXPECT_TRUE(d.until([&] { return d.count("MTCd#0", "commit") == commits_before + 3; }, 15000))
        << slurp(d.dir + "/UE.log");
}

TEST(RoleProcess, SigtermShutsDownCleanly) {
    Deployment d("term");
    auto& ue = *d.procs["UE#0"];
    ue.signal(SIGTERM);
    ASSERT_TRUE(ue.wait_for(std::chrono::milliseconds(5000)));
    EXPECT_EQ(ue.exit_code(), 0);
    EXPECT_FALSE(std::filesystem::exists(d.sock("UE#0")))
        << "the control socket is removed on exit";
}

TEST(RoleProcess, BroadcastsIoCountsAfterEveryFrameAndStart) {
    Deployment d("io");
    net::EventLoop loop;
    auto sock = net::UdpSocket::bind(loop, *net::parse_endpoint(d.prefix + "9:0"));
    ASSERT_TRUE(sock.ok());
    const auto target = *net::parse_endpoint(d.addr("UE#0"));
    // Three different frames: an identical one would be dropped as a retransmitted copy.
    for (std::size_t n = 1; n <= 3; ++n) {
        const Bytes junk = {0x4d, 0x46, 0x01, 0x02, static_cast<std::uint8_t>(n)};
        ASSERT_TRUE((*sock)->send_to(target, junk));
        ASSERT_TRUE(d.until([&] {
            return !d.io("UE#0").empty() && d.io("UE#0").back().first == n;
        })) << "no io line with in="
            << n;
    }
    // One line per frame, after its reject event, counts strictly increasing; a frame that
    // does not decode is counted too, and nothing was sent for it.
    const auto ue = d.io("UE#0");
    ASSERT_EQ(ue.size(), 3u);
    for (std::size_t k = 0; k < ue.size(); ++k) {
        EXPECT_EQ(ue[k].first, k + 1);
        EXPECT_EQ(ue[k].second, 0u);
    }
    EXPECT_EQ(d.count("UE#0", "reject"), 3u);
    for (const auto& e : d.events) {
        EXPECT_TRUE(e.contains("kind") + e.contains("reply") + e.contains("io") == 1) << e.dump();
    }

    // start: the reply carries the counts, and an io line follows; a whole run moves them on.
    d.ctl["MTCd#0"]->send(R"({"cmd":"start"})");
    ASSERT_TRUE(d.until([&] { return d.count("MTCd#0", "commit") == 1; }));
    const json* start = d.reply("MTCd#0", "start");
    ASSERT_NE(start, nullptr);
    ASSERT_TRUE(start->contains("io")) << start->dump();
    EXPECT_EQ((*start)["io"]["in"], 0);
    EXPECT_EQ((*start)["io"]["out"], 1);
    ASSERT_TRUE(d.until([&] {
        const auto m = d.io("MTCd#0");
        return m.size() >= 2 && m.back() == std::pair<std::size_t, std::size_t>{1, 1};
    })) << "MTCd: M1 out, M4 in";
    EXPECT_EQ(d.io("MTCd#0").front(), (std::pair<std::size_t, std::size_t>{0, 1}));
    ASSERT_TRUE(d.until([&] {
        const auto u = d.io("UE#0");
        return !u.empty() && u.back() == std::pair<std::size_t, std::size_t>{5, 2};
    })) << "UE: 3 junk + M1 + M3 in, M2 + M4 out";
    EXPECT_TRUE(d.until([&] {
        const auto s = d.io("MTCs#0");
        return !s.empty() && s.back() == std::pair<std::size_t, std::size_t>{1, 1};
    }));
}

// The last copies_dropped an instance reported in an io line.
std::uint64_t copies_dropped(const Deployment& d, const std::string& instance) {
    std::uint64_t n = 0;
    for (const auto& e : d.events) {
        if (e.value("_from", "") == instance && e.contains("io"))
            n = e["io"].value("copies_dropped", std::uint64_t{0});
    }
    return n;
}

TEST(RoleProcess, AFrameRepeatedWithinTheRetransmissionWindowIsDroppedOnce) {
    // Default retransmission (200 ms, 3 tries: a 3 s window): the role handles a frame once
    // and drops its copies; with --retransmit-ms 0 every copy reaches the role.
    for (const bool filtered : {true, false}) {
        std::map<std::string, std::vector<std::string>> extra;
        if (!filtered) extra["UE#0"] = {"--retransmit-ms", "0"};
        Deployment d(filtered ? "dup" : "dup0", extra);
        net::EventLoop loop;
        auto sock = net::UdpSocket::bind(loop, *net::parse_endpoint(d.prefix + "9:0"));
        ASSERT_TRUE(sock.ok());
        const auto target = *net::parse_endpoint(d.addr("UE#0"));
        const Bytes junk = {0x4d, 0x46, 0x01, 0x02, 0x03};
        for (std::size_t n = 1; n <= 3; ++n) {
            ASSERT_TRUE((*sock)->send_to(target, junk));
            ASSERT_TRUE(
                d.until([&] { return !d.io("UE#0").empty() && d.io("UE#0").back().first == n; }));
        }
        EXPECT_EQ(d.count("UE#0", "reject"), filtered ? 1u : 3u) << filtered;
        EXPECT_EQ(copies_dropped(d, "UE#0"), filtered ? 2u : 0u) << filtered;
    }
}

TEST(RoleProcess, WeakenIsCheckedAgainstTheBuildAndTheRolesChecks) {
    const std::string dir = temp_dir("weaken");
    ASSERT_EQ(mtcfuzz("provision prose -o " + dir + " --force").code, 0);
    const std::string base = "role prose MTCs --bind 127.0.0.1:0 --keys " + dir +
                             "/MTCs-0/keys.json --control " + dir + "/mtcs.sock";
    auto r = mtcfuzz(base + " --weaken no-such-check");
    EXPECT_EQ(r.code, 2);
    if (mtc::weakening_enabled()) {
        EXPECT_THAT(r.err, HasSubstr("no weakenable check 'no-such-check'"));
        EXPECT_THAT(r.err, HasSubstr("MTCdMIC"));
        EXPECT_THAT(r.err, HasSubstr("nonce-record"));
        r = mtcfuzz(base + " --weaken MTCsMIC");  // the MTCd's check, not the MTCs's
        EXPECT_EQ(r.code, 2);
        EXPECT_THAT(r.err, HasSubstr("ue-binding"));
    } else {
        EXPECT_THAT(r.err, HasSubstr("does not honour weakening"));
    }
    std::filesystem::remove_all(dir);
}

TEST(RoleProcess, WeakenMTCdMICIsAcceptedByATestBuild) {
    if (!mtc::weakening_enabled()) {
        const std::string dir = temp_dir("weaken-release");
        ASSERT_EQ(mtcfuzz("provision prose -o " + dir + " --force").code, 0);
        auto r = mtcfuzz("role prose MTCs --bind 127.0.0.1:0 --keys " + dir +
                         "/MTCs-0/keys.json --control " + dir + "/mtcs.sock --weaken MTCdMIC");
        EXPECT_EQ(r.code, 2);
        EXPECT_THAT(r.err, HasSubstr("does not honour weakening"));
        std::filesystem::remove_all(dir);
        GTEST_SKIP() << "built without MTC_ENABLE_WEAKENING: --weaken refused, as it must be";
    }
    Deployment d("weakened", {{"MTCs#0", {"--weaken", "MTCdMIC", "--weaken", "ue-link"}}});
    d.ctl["MTCs#0"]->send(R"({"cmd":"status"})");
    ASSERT_TRUE(d.until([&] { return d.reply("MTCs#0", "status") != nullptr; }));
    EXPECT_EQ((*d.reply("MTCs#0", "status"))["weakened"], json::array({"MTCdMIC", "ue-link"}));
    EXPECT_THAT(slurp(d.dir + "/MTCs.log"), HasSubstr("WEAKENED"));
    // The honest protocol still runs.
    d.ctl["MTCd#0"]->send(R"({"cmd":"start"})");
    EXPECT_TRUE(d.until([&] { return d.count("MTCs#0", "commit") == 1; }));
}

TEST(RoleProcess, RetransmitZeroNeverRetransmitsNorTimesOut) {
    Deployment d("rtx0", {{"MTCd#0", {"--retransmit-ms", "0"}}});
    // Nobody answers: with the default schedule this run would be retransmitted 3 times and
    // rejected with a timeout within 1.4 s.
    d.procs["MTCs#0"]->signal(SIGKILL);
    ASSERT_TRUE(d.procs["MTCs#0"]->wait_for(std::chrono::milliseconds(5000)));
    d.ctl.erase("MTCs#0");
    d.ctl["MTCd#0"]->send(R"({"cmd":"start"})");
    ASSERT_TRUE(d.until([&] { return d.reply("MTCd#0", "start") != nullptr; }));
    d.until([] { return false; }, 2000);
    EXPECT_EQ(d.count("MTCd#0", "reject"), 0u);
    EXPECT_EQ(d.count("MTCd#0", "begin"), 1u);
    const auto io = d.io("MTCd#0");
    ASSERT_FALSE(io.empty());
    EXPECT_EQ(io.back(), (std::pair<std::size_t, std::size_t>{0, 1})) << "M1 sent once only";
    EXPECT_EQ(d.count("UE#0", "begin"), 1u) << "the UE got M1 once";
}

TEST(RoleProcess, RefusesNonLoopbackAddressesAndBadOptions) {
    const std::string dir = temp_dir("opts");
    ASSERT_EQ(mtcfuzz("provision prose -o " + dir + " --force").code, 0);
    const std::string keys = dir + "/UE-0/keys.json", sock = dir + "/ue.sock";
    auto r = mtcfuzz("role prose UE --bind 10.9.8.7:4242 --keys " + keys + " --control " + sock +
                     " --peer MTCs0=127.0.0.1:4242");
    EXPECT_EQ(r.code, 2);
    EXPECT_THAT(r.err, HasSubstr("--allow-remote"));
    r = mtcfuzz("role prose UE --bind 127.0.0.1:0 --keys " + keys + " --control " + sock +
                " --peer MTCs0=192.0.2.1:4242");
    EXPECT_EQ(r.code, 2);
    EXPECT_THAT(r.err, HasSubstr("--allow-remote"));
    r = mtcfuzz("role prose UE --bind 127.0.0.1:0 --keys " + keys + " --control " + sock);
    EXPECT_EQ(r.code, 2);
    EXPECT_THAT(r.err, HasSubstr("missing --peer MTCs0"));
    r = mtcfuzz("role prose UE --bind 127.0.0.1:0 --keys " + keys + " --control " + sock +
                " --peer Nobody=127.0.0.1:1");
    EXPECT_EQ(r.code, 2);
    r = mtcfuzz("role prose MTCs --bind 127.0.0.1:0 --keys " + keys + " --control " + sock);
    EXPECT_EQ(r.code, 2);
    EXPECT_THAT(r.err, HasSubstr("not prose MTCs"));
    r = mtcfuzz("role prose UE --bind 127.0.0.1:0 --keys " + keys + " --control " + sock +
                " --peer MTCs0=127.0.0.1:4242 --retransmit-ms -1");
    EXPECT_EQ(r.code, 2);
    EXPECT_THAT(r.err, HasSubstr("--retransmit-ms must be 0..60000"));
    std::ofstream(dir + "/bad.json") << "{\"format\": \"mtcfuzz-keys/1\", \"protocol\": 7}";
    r = mtcfuzz("role prose UE --bind 127.0.0.1:0 --keys " + dir + "/bad.json --control " + sock);
    EXPECT_EQ(r.code, 2);
    EXPECT_THAT(r.err, HasSubstr("bad.json"));
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mtc::e2e
