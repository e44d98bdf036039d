// SGA live: the server's message store survives a SIGKILL of the server PROCESS. Three devices
// and the server run as `mtcfuzz role` processes behind the hub (LiveDeployment). The hub drops
// the server's forwarded Data for two runs, so those Data are stored but never acknowledged;
// the server is then killed with SIGKILL and restarted over the same keys and state directory,
// the recipients contact it (each starts a run), and the restarted server re-sends the stored
// Data. Every Data an initiator sent must be accepted by its recipient exactly once, the store
// must end with every record delivered, and the state directory must hold only 0600 files.
#include <csignal>
#include <filesystem>
#include <functional>
#include <map>
#include <sys/stat.h>
#include <vector>

#include <gmock/gmock.h>

#include "harness/net/event_loop.hpp"
#include "harness/runner/live_deployment.hpp"
#include "protocols/core/codec.hpp"
#include "protocols/core/registry.hpp"
#include "protocols/sga/role_util.hpp"
#include "protocols/sga/schema.hpp"
#include "tests/e2e/live_helpers.hpp"

namespace mtc::e2e {
namespace {

namespace fs = std::filesystem;
using runner::LiveDeployment;
using runner::LiveInstance;

struct Seen {
    std::string instance;
    Event e;
};

// The server's stored messages: key -> delivered.
std::map<std::string, bool> stored_messages(const fs::path& state) {
    std::map<std::string, bool> out;
    std::error_code ec;
    for (const auto& f : fs::directory_iterator(state, ec)) {
        const std::string name = f.path().filename().string();
        if (name.rfind("msg-", 0) != 0 || !name.ends_with(".v")) continue;
        const std::string body = slurp(f.path().string());
        auto d = sga::decode_stored(view(Bytes(body.begin(), body.end())));
        out[name] = d.ok() && d->delivered;
    }
    return out;
}

std::size_t undelivered(const fs::path& state) {
    std::size_t n = 0;
    for (const auto& [k, delivered] : stored_messages(state)) n += delivered ? 0 : 1;
    return n;
}

TEST(SgaRestart, AKilledServerLosesNoStoredMessage) {
    const ProtocolSpec* spec = find_protocol("sga");
    ASSERT_NE(spec, nullptr);
    const std::string dir = temp_dir("sga-restart");
    runner::LiveDeploymentOptions o;
    o.spec = spec;
    o.deployment.variant = "hardened";
    o.deployment.options = {{"group", "dh_1024_160"}};  // the small group keeps ASan runs quick
    o.deployment.instances = {{"Device", 3}};
    o.seed = 11;
    o.self_exe = MTCFUZZ_BIN;
    o.workdir = dir;
    o.retransmit_ms = 0;  // the hub is the only network: nothing is lost but what we drop

    net::EventLoop loop;
    auto started = LiveDeployment::start(loop, o, nullptr);
    ASSERT_TRUE(started.ok()) << started.error().describe();
    LiveDeployment& dep = **started;
    std::vector<Seen> events;
    std::vector<std::string> exits;
    dep.on_event([&](LiveInstance& i, const Event& e, const std::string&) {
        events.push_back({i.name, e});
    });
    dep.on_exit(
        [&](LiveInstance& i, const std::string& why) { exits.push_back(i.name + " " + why); });
    LiveInstance* sga = dep.find("SGA#0");
    ASSERT_NE(sga, nullptr);
    const fs::path state = fs::path(sga->keys_file).parent_path() / "state";

    // While `drop` is set, the hub swallows every Data the server forwards.
    bool drop = false;
    int dropped = 0;
    dep.hub().set_udp_hook([&](std::size_t from, std::size_t, const Bytes& datagram) {
        if (!drop || from != sga->index) return true;
        auto m = decode(*spec->schema, view(datagram));
        if (!m || m->type != sga::Data) return true;
        ++dropped;
        return false;
    });

    auto count = [&](EventKind kind, const std::string& phase) {
        std::size_t n = 0;
        for (const auto& s : events) {
            auto it = s.e.params.find("phase");
            n += s.e.kind == kind && it != s.e.params.end() && it->second == phase ? 1 : 0;
        }
        return n;
    };
    auto failures = [&] {
        std::string out;
        for (const auto& s : events) {
            if (s.e.kind == EventKind::reject || s.e.kind == EventKind::error ||
                s.e.kind == EventKind::crash) {
                out += s.instance + ": " + s.e.reason.value_or("") + "\n";
            }
        }
        for (const auto& x : exits) out += x + "\n";
        return out;
    };
    // Runs the loop until `done` holds; false after `seconds`.
    auto await = [&](const std::function<bool()>& done, double seconds) {
        const auto deadline = std::chrono::steady_clock::now() +
                              std::chrono::milliseconds(static_cast<int>(seconds * 1000));
        while (!done()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            loop.run_for(std::chrono::milliseconds(20));
        }
        return true;
    };
    auto run = [&](const std::string& device) { dep.start_run(*dep.find(device)); };

    // 1. One run per device (registration included); each Data is delivered.
    for (std::size_t k = 0; k < 3; ++k) {
        run("Device#" + std::to_string(k));
        ASSERT_TRUE(await([&] { return count(EventKind::accept, "data") == k + 1; }, 10))
            << "run " << k << ": no Data accepted\n"
            << failures();
    }
    // The last DataAck may still be on its way to the server.
    ASSERT_TRUE(await([&] { return undelivered(state) == 0; }, 10))
        << undelivered(state) << " stored messages undelivered after the first runs\n"
        << failures();

    // 2. Two runs whose forwarded Data the hub drops: dev-0 -> dev-1 and dev-2 -> dev-0. The
    // server stores each Data before it forwards it, so both are stored and unacknowledged.
    drop = true;
    run("Device#0");
    ASSERT_TRUE(await([&] { return dropped == 1; }, 10)) << "no Data to drop\n" << failures();
    run("Device#2");
    ASSERT_TRUE(await([&] { return dropped == 2; }, 10)) << "no Data to drop\n" << failures();
    ASSERT_EQ(undelivered(state), 2u);
    EXPECT_EQ(count(EventKind::begin, "data"), 5u);
    EXPECT_EQ(count(EventKind::accept, "data"), 3u);

    // 3. SIGKILL the server and start it again over the same keys and state directory.
    ASSERT_TRUE(sga->child.has_value());
    sga->child->signal(SIGKILL);
    ASSERT_TRUE(sga->child->wait_for(std::chrono::milliseconds(5000))) << "SGA#0 did not die";
    EXPECT_EQ(sga->child->term_signal(), SIGKILL);
    // The deployment notices (its control socket closes) and says how it ended.
    ASSERT_TRUE(await([&] { return !exits.empty(); }, 5)) << "the kill went unnoticed";
    drop = false;
    auto restarted = dep.restart(*sga);
    ASSERT_TRUE(restarted.ok()) << restarted.error().describe();
    ASSERT_EQ(undelivered(state), 2u);

    // 4. The recipients contact the restarted server (each starts a run of its own): it re-sends
    // their stored Data, and their own runs' Data is delivered as usual.
    run("Device#1");
    run("Device#0");
    ASSERT_TRUE(await([&] { return count(EventKind::accept, "data") == 7; }, 15))
        << count(EventKind::accept, "data") << " of 7 Data accepted\n"
        << failures();
    // The recipients' DataAcks reach the store: every record ends delivered.
    ASSERT_TRUE(await([&] { return undelivered(state) == 0; }, 10))
        << undelivered(state) << " stored messages still undelivered\n"
        << failures();
    loop.run_for(std::chrono::milliseconds(100));  // nothing more should come

    // Every Data sent was accepted by its recipient exactly once, with the same params.
    const auto data = [](const Event& e) {
        auto p = e.params;
        p.erase("key");
        return p;
    };
    std::size_t sent = 0;
    for (const auto& b : events) {
        if (b.e.kind != EventKind::begin || b.e.params.count("phase") == 0 ||
            b.e.params.at("phase") != "data") {
            continue;
        }
        ++sent;
        const std::string recipient = "Device#" + b.e.params.at("ID_dj").substr(4);
        int accepted = 0;
        for (const auto& a : events) {
            accepted += a.instance == recipient && a.e.kind == EventKind::accept &&
                                a.e.session == b.e.session && data(a.e) == data(b.e)
                            ? 1
                            : 0;
        }
        EXPECT_EQ(accepted, 1) << b.instance << " -> " << recipient << " Seq "
                               << b.e.params.at("Seq") << " session " << b.e.params.at("session");
    }
    EXPECT_EQ(sent, 7u);
    EXPECT_EQ(count(EventKind::accept, "data"), 7u);
    EXPECT_EQ(stored_messages(state).size(), 7u);
    // The only failure is the killed server's exit.
    EXPECT_EQ(failures(), "SGA#0 was killed by signal 9 (see " + sga->log + ")\n");

    // The state directory: 0700, every file 0600.
    struct stat st {};
    ASSERT_EQ(::stat(state.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    std::size_t files = 0;
    for (const auto& f : fs::directory_iterator(state)) {
        ASSERT_EQ(::stat(f.path().c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, 0600u) << f.path();
        ++files;
    }
    EXPECT_EQ(files, 7u + 3u);  // the messages and the three device records

    EXPECT_THAT(dep.shutdown(), ::testing::IsEmpty());
    if (!::testing::Test::HasFailure()) fs::remove_all(dir);
}

}  // namespace
}  // namespace mtc::e2e
