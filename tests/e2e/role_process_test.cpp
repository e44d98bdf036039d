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

    explicit Deployment(const std::string& tag) {
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
    EXPECT_LT(after, before + 8 * 1024)
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
    std::ofstream(dir + "/bad.json") << "{\"format\": \"mtcfuzz-keys/1\", \"protocol\": 7}";
    r = mtcfuzz("role prose UE --bind 127.0.0.1:0 --keys " + dir + "/bad.json --control " + sock);
    EXPECT_EQ(r.code, 2);
    EXPECT_THAT(r.err, HasSubstr("bad.json"));
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mtc::e2e
