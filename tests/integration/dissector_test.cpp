// `mtcfuzz dissector` against the real tshark: a pcap carrying every message of every
// registered protocol (every field set, optional ones included) over UDP, and ProSe M1..M4
// over TCP with the u32 length prefix (two frames in one segment, one frame split across
// segments), must show every field by name with no Lua error and no malformed frame; broken
// frames must show expert info errors, never a Lua error.
//
// Root and Lua: Wireshark skips user Lua scripts (-X lua_script:, personal plugins) when it
// runs with special privileges and init.lua sets run_user_scripts_when_superuser = false.
// Debian's tshark 4.0 ships it true, so root loads the script (with only a "Running as user
// root" warning). Builds that set it false get the test run as nobody through setpriv.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "protocols/core/codec.hpp"
#include "protocols/core/registry.hpp"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

struct CmdResult {
    int code = -1;
    std::string out, err;
};

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string quote(const std::string& s) {
    std::string out = "'";
    for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// A scratch directory readable by everyone (tshark may run as nobody), removed at the end.
class TempDir {
public:
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "mtc_dissector_XXXXXX").string();
        if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
        ::chmod(path_.c_str(), 0755);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

CmdResult sh(const std::string& cmd, const fs::path& dir) {
    const fs::path out = dir / "stdout.txt";
    const fs::path err = dir / "stderr.txt";
    const std::string full = cmd + " >" + quote(out.string()) + " 2>" + quote(err.string());
    const int status = std::system(full.c_str());
    CmdResult r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    fs::remove(out);
    fs::remove(err);
    return r;
}

CmdResult mtcfuzz(const std::string& args, const fs::path& dir) {
    return sh(std::string(MTCFUZZ_BIN) + " " + args, dir);
}

// ---- a classic pcap (LINKTYPE_RAW: each packet is an IPv4 datagram) -----------------------

void le32(mtc::Bytes& b, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::uint16_t checksum(const mtc::Bytes& b, std::uint32_t sum = 0) {
    for (std::size_t i = 0; i < b.size(); i += 2) {
        sum += static_cast<std::uint32_t>(b[i] << 8) + (i + 1 < b.size() ? b[i + 1] : 0);
    }
    while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

struct Addr {
    std::uint8_t host;  // 10.0.0.host
    std::uint16_t port;
};

mtc::Bytes ipv4(const Addr& src, const Addr& dst, std::uint8_t proto, const mtc::Bytes& l4) {
    mtc::Bytes ip = {0x45, 0, 0,  0, 0, 1,        0x40, 0, 64, proto,
                     0,    0, 10, 0, 0, src.host, 10,   0, 0,  dst.host};
    const auto total = static_cast<std::uint16_t>(ip.size() + l4.size());
    ip[2] = static_cast<std::uint8_t>(total >> 8);
    ip[3] = static_cast<std::uint8_t>(total);
    const std::uint16_t sum = checksum(ip);
    ip[10] = static_cast<std::uint8_t>(sum >> 8);
    ip[11] = static_cast<std::uint8_t>(sum);
    ip.insert(ip.end(), l4.begin(), l4.end());
    return ip;
}

mtc::Bytes udp(const Addr& src, const Addr& dst, const mtc::Bytes& payload) {
    mtc::Bytes u;
    mtc::put_u16(u, src.port);
    mtc::put_u16(u, dst.port);
    mtc::put_u16(u, static_cast<std::uint16_t>(8 + payload.size()));
    mtc::put_u16(u, 0);  // no checksum: allowed on IPv4
    u.insert(u.end(), payload.begin(), payload.end());
    return ipv4(src, dst, 17, u);
}

enum TcpFlags : std::uint8_t { kFin = 0x01, kSyn = 0x02, kPsh = 0x08, kAck = 0x10 };

mtc::Bytes tcp(const Addr& src, const Addr& dst, std::uint32_t seq, std::uint32_t ack,
               std::uint8_t flags, const mtc::Bytes& payload) {
    mtc::Bytes t;
    mtc::put_u16(t, src.port);
    mtc::put_u16(t, dst.port);
    mtc::put_u32(t, seq);
    mtc::put_u32(t, ack);
    t.push_back(5 << 4);  // 20-byte header
    t.push_back(flags);
    mtc::put_u16(t, 65535);  // window
    mtc::put_u16(t, 0);      // checksum, below
    mtc::put_u16(t, 0);      // urgent pointer
    t.insert(t.end(), payload.begin(), payload.end());
    mtc::Bytes pseudo = {10, 0, 0, src.host, 10, 0, 0, dst.host, 0, 6};
    mtc::put_u16(pseudo, static_cast<std::uint16_t>(t.size()));
    pseudo.insert(pseudo.end(), t.begin(), t.end());
    const std::uint16_t sum = checksum(pseudo);
    t[16] = static_cast<std::uint8_t>(sum >> 8);
    t[17] = static_cast<std::uint8_t>(sum);
    return ipv4(src, dst, 6, t);
}

class PcapWriter {
public:
    PcapWriter() {
        le32(data_, 0xa1b2c3d4);
        data_.insert(data_.end(), {2, 0, 4, 0});  // version 2.4
        le32(data_, 0);                           // thiszone
        le32(data_, 0);                           // sigfigs
        le32(data_, 262144);                      // snaplen
        le32(data_, 101);                         // LINKTYPE_RAW
    }
    // Returns the 1-based frame number.
    int add(const mtc::Bytes& ip) {
        ++count_;
        le32(data_, 1700000000U + static_cast<std::uint32_t>(count_));
        le32(data_, 0);
        le32(data_, static_cast<std::uint32_t>(ip.size()));
        le32(data_, static_cast<std::uint32_t>(ip.size()));
        data_.insert(data_.end(), ip.begin(), ip.end());
        return count_;
    }
    void save(const fs::path& path) const {
        std::ofstream out(path, std::ios::binary);
        out.write(reinterpret_cast<const char*>(data_.data()),
                  static_cast<std::streamsize>(data_.size()));
    }

private:
    mtc::Bytes data_;
    int count_ = 0;
};

mtc::Bytes length_prefixed(const mtc::Bytes& frame) {
    mtc::Bytes b;
    mtc::put_u32(b, static_cast<std::uint32_t>(frame.size()));
    b.insert(b.end(), frame.begin(), frame.end());
    return b;
}

// ---- messages with every field set --------------------------------------------------------

constexpr std::uint64_t kExpiry = 1700000000;  // shown as 2023-11-14 22:13:20 UTC

mtc::Bytes field_value(const mtc::FieldSpec& f) {
    const auto fit = [&](std::size_t want) {
        return std::clamp<std::size_t>(want, f.min_len, f.max_len);
    };
    if (f.kind == mtc::FieldKind::identity) {
        std::string s = "id-" + f.name;
        s.resize(fit(s.size()), 'x');
        return mtc::to_bytes(s);
    }
    mtc::Bytes v;
    if (f.kind == mtc::FieldKind::timestamp && fit(8) == 8) {
        mtc::put_u64(v, kExpiry);
        return v;
    }
    for (std::size_t i = 0; i < fit(16); ++i)
        v.push_back(static_cast<std::uint8_t>(f.tag * 17 + i));
    return v;
}

mtc::Message full_message(const mtc::Schema& s, const mtc::MessageSpec& m, std::uint64_t session) {
    mtc::Message msg;
    msg.protocol = s.protocol_id;
    msg.type = m.type;
    msg.session = session;
    for (const auto& f : m.fields) msg.set(f.tag, field_value(f));
    return msg;
}

std::string session_hex(std::uint64_t session) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(session));
    return buf;
}

// The display-filter name the dissector promises: '.' (any character Wireshark does not
// allow in a field name) becomes '_'. Written out here, independently of the generator.
std::string abbrev(const std::string& protocol, const std::string& field) {
    std::string leaf = field;
    for (char& c : leaf) {
        const bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
        if (!ok) c = '_';
    }
    return "mtcfuzz." + protocol + "." + leaf;
}

// ---- tshark ---------------------------------------------------------------------------------

struct Tshark {
    std::string prefix;  // environment (and setpriv when root may not run Lua) before "tshark"
    std::string skip;    // why the tests cannot run, when they cannot
    std::string error;   // why tshark did not load the dissector
};

bool loads_dissector(const std::string& prefix, const fs::path& lua, const fs::path& dir,
                     std::string& why) {
    const CmdResult r =
        sh(prefix + "tshark -G protocols -X lua_script:" + quote(lua.string()), dir);
    if (r.code == 0 && r.out.find("\tmtcfuzz\n") != std::string::npos) return true;
    why += "'" + prefix + "tshark' did not load the dissector (exit " + std::to_string(r.code) +
           "): " + r.err + "\n";
    return false;
}

// Finds how to run tshark with the generated Lua on this machine.
Tshark find_tshark(const fs::path& lua, const fs::path& dir) {
    Tshark t;
    if (std::system("command -v tshark >/dev/null 2>&1") != 0) {
        t.skip = "tshark is not installed";
        return t;
    }
    const CmdResult version = sh("tshark --version", dir);
    if (version.out.find("without Lua") != std::string::npos) {
        t.skip = "this tshark is built without Lua";
        return t;
    }
    // A private home and configuration directory: an mtcfuzz.lua installed in the user's
    // personal plugins folder would otherwise register the protocol a second time.
    const fs::path home = dir / "home";
    fs::create_directories(home / "wireshark");
    fs::permissions(home, fs::perms::all);
    fs::permissions(home / "wireshark", fs::perms::all);
    const std::string env = "env HOME=" + quote(home.string()) +
                            " XDG_CONFIG_HOME=" + quote(home.string()) +
                            " WIRESHARK_CONFIG_DIR=" + quote((home / "wireshark").string()) + " ";
    if (loads_dissector(env, lua, dir, t.error)) {
        t.error.clear();
        t.prefix = env;
        return t;
    }
    // Root whose init.lua sets run_user_scripts_when_superuser = false: run as nobody.
    if (::geteuid() == 0) {
        const std::string as_nobody =
            "setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all " + env;
        if (loads_dissector(as_nobody, lua, dir, t.error)) {
            std::cerr << "note: this tshark does not run user Lua scripts as root "
                         "(run_user_scripts_when_superuser = false); running it as nobody\n";
            t.prefix = as_nobody;
            t.error.clear();
            return t;
        }
    }
    return t;
}

std::vector<std::string> lines(const std::string& s) {
    std::vector<std::string> v;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);) v.push_back(l);
    return v;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> v;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= s.size(); ++i) {
        if (i == s.size() || s[i] == sep) {
            v.push_back(s.substr(start, i - start));
            start = i + 1;
        }
    }
    return v;
}

// tshark -V output cut into packets ("Frame N: ..." starts one).
std::map<int, std::string> packets(const std::string& verbose) {
    std::map<int, std::string> out;
    int current = 0;
    for (const auto& l : lines(verbose)) {
        if (l.rfind("Frame ", 0) == 0) current = std::atoi(l.c_str() + 6);
        out[current] += l + "\n";
    }
    return out;
}

void expect_clean(const CmdResult& r) {
    for (const std::string& both : {r.out, r.err}) {
        EXPECT_THAT(both, Not(HasSubstr("Lua Error")));
        EXPECT_THAT(both, Not(HasSubstr("Lua: Error")));
        EXPECT_THAT(both, Not(HasSubstr("Malformed")));
        EXPECT_THAT(both, Not(HasSubstr("Expert Info (Error")));
        EXPECT_THAT(both, Not(HasSubstr("internal error")));
    }
}

class Dissector : public ::testing::Test {
protected:
    void SetUp() override {
        lua_ = dir_.path() / "mtcfuzz.lua";
        const CmdResult gen = mtcfuzz("dissector -o " + quote(lua_.string()), dir_.path());
        ASSERT_EQ(gen.code, 0) << gen.err;
        fs::permissions(lua_, fs::perms::owner_read | fs::perms::owner_write |
                                  fs::perms::group_read | fs::perms::others_read);
        tshark_ = find_tshark(lua_, dir_.path());
        if (!tshark_.skip.empty()) GTEST_SKIP() << tshark_.skip;
        ASSERT_TRUE(tshark_.error.empty()) << tshark_.error;
    }

    fs::path save(const PcapWriter& w, const std::string& name) {
        const fs::path p = dir_.path() / name;
        w.save(p);
        fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                               fs::perms::others_read);
        return p;
    }

    CmdResult tshark(const fs::path& pcap, const std::string& args) {
        return sh(tshark_.prefix + "tshark -n -r " + quote(pcap.string()) +
                      " -X lua_script:" + quote(lua_.string()) + " " + args,
                  dir_.path());
    }

    TempDir dir_;
    fs::path lua_;
    Tshark tshark_;
};

struct Expected {
    const mtc::ProtocolSpec* protocol;
    const mtc::MessageSpec* message;
    std::uint64_t session;
};

TEST_F(Dissector, ShowsEveryFieldOfEveryMessageOverUdpAndTcp) {
    PcapWriter w;
    std::map<int, std::vector<Expected>> expected;   // frame number -> messages in it
    std::map<std::string, mtc::Bytes> prose_frames;  // message name -> frame
    std::uint64_t session = 0x5e55000000000000ULL;
    const Addr ue{1, 47101}, server{2, 47102};
    for (const mtc::ProtocolSpec* p : mtc::registered_protocols()) {
        for (const auto& m : p->schema->messages) {
            const auto frame = mtc::encode(*p->schema, full_message(*p->schema, m, ++session));
            ASSERT_TRUE(frame.ok()) << p->name << " " << m.name << ": " << frame.error().describe();
            const int n = w.add(udp(ue, server, *frame));
            expected[n].push_back({p, &m, session});
            if (p->name == "prose") prose_frames[m.name] = *frame;
        }
    }

    // ProSe over TCP, after a handshake: M2 and M3 in one segment, then M4 split across two
    // segments whose second one also carries a whole M1.
    const mtc::ProtocolSpec* prose = mtc::find_protocol("prose");
    ASSERT_NE(prose, nullptr);
    for (const char* name : {"M1", "M2", "M3", "M4"}) ASSERT_TRUE(prose_frames.count(name)) << name;
    const auto prose_session = [&](const std::string& name) {
        return mtc::get_u64(mtc::view(prose_frames[name]), 6);
    };
    const auto prose_msg = [&](const std::string& name) -> Expected {
        return {prose, prose->schema->message(std::string_view(name)), prose_session(name)};
    };
    const Addr client{1, 47103}, tcp_server{2, 47104};
    std::uint32_t seq = 1000;
    const std::uint32_t server_seq = 5000;
    w.add(tcp(client, tcp_server, seq, 0, kSyn, {}));
    w.add(tcp(tcp_server, client, server_seq, seq + 1, kSyn | kAck, {}));
    ++seq;
    w.add(tcp(client, tcp_server, seq, server_seq + 1, kAck, {}));
    const auto send = [&](const mtc::Bytes& payload) {
        const int n = w.add(tcp(client, tcp_server, seq, server_seq + 1, kPsh | kAck, payload));
        seq += static_cast<std::uint32_t>(payload.size());
        return n;
    };
    mtc::Bytes seg = length_prefixed(prose_frames["M2"]);
    const mtc::Bytes m3 = length_prefixed(prose_frames["M3"]);
    seg.insert(seg.end(), m3.begin(), m3.end());
    expected[send(seg)] = {prose_msg("M2"), prose_msg("M3")};
    const mtc::Bytes m4 = length_prefixed(prose_frames["M4"]);
    send(mtc::Bytes(m4.begin(), m4.begin() + 20));
    seg.assign(m4.begin() + 20, m4.end());
    const mtc::Bytes m1 = length_prefixed(prose_frames["M1"]);
    seg.insert(seg.end(), m1.begin(), m1.end());
    expected[send(seg)] = {prose_msg("M4"), prose_msg("M1")};
    w.add(tcp(client, tcp_server, seq, server_seq + 1, kFin | kAck, {}));
    const fs::path pcap = save(w, "all.pcap");

    // Every field by its display name, in the packet that carries it.
    const CmdResult verbose = tshark(pcap, "-V");
    ASSERT_EQ(verbose.code, 0) << verbose.err;
    expect_clean(verbose);
    const auto by_frame = packets(verbose.out);
    bool timestamp_seen = false;
    for (const auto& [n, msgs] : expected) {
        ASSERT_TRUE(by_frame.count(n)) << "frame " << n;
        const std::string& text = by_frame.at(n);
        for (const Expected& e : msgs) {
            const std::string summary = e.protocol->schema->protocol + " " + e.message->name +
                                        " session=" + session_hex(e.session);
            EXPECT_THAT(text, HasSubstr(summary)) << "frame " << n;
            EXPECT_THAT(text, HasSubstr("Message type: " + e.message->name + " (" +
                                        std::to_string(e.message->type) + ")"));
            for (const auto& f : e.message->fields) {
                const std::string line = "    " + f.name + ": ";
                EXPECT_THAT(text, HasSubstr(line)) << "frame " << n << " " << summary;
                if (f.kind == mtc::FieldKind::identity) {
                    EXPECT_THAT(text, HasSubstr(line + mtc::to_string(mtc::view(field_value(f)))));
                }
                timestamp_seen = timestamp_seen || f.kind == mtc::FieldKind::timestamp;
            }
        }
    }
    if (timestamp_seen) {
        EXPECT_THAT(verbose.out, HasSubstr("2023-11-14 22:13:20 UTC"));
    }

    // Every field by its filter name, and the Info column.
    std::vector<std::string> columns = {"frame.number", "_ws.col.Info"};
    std::map<std::string, std::size_t> column_of;
    for (const mtc::ProtocolSpec* p : mtc::registered_protocols()) {
        for (const auto& m : p->schema->messages) {
            for (const auto& f : m.fields) {
                const std::string a = abbrev(p->schema->protocol, f.name);
                if (column_of.emplace(a, columns.size()).second) columns.push_back(a);
            }
        }
    }
    std::string args = "-T fields -E separator=/t";
    for (const auto& c : columns) args += " -e " + c;
    const CmdResult fields = tshark(pcap, args);
    ASSERT_EQ(fields.code, 0) << fields.err;
    expect_clean(fields);
    std::map<int, std::vector<std::string>> rows;
    for (const auto& l : lines(fields.out)) {
        auto cells = split(l, '\t');
        if (cells.size() == columns.size()) rows[std::atoi(cells[0].c_str())] = cells;
    }
    for (const auto& [n, msgs] : expected) {
        ASSERT_TRUE(rows.count(n)) << "frame " << n << " missing in\n" << fields.out;
        const auto& row = rows.at(n);
        std::string want_info;
        for (const Expected& e : msgs) {
            want_info += (want_info.empty() ? "" : "; ") + e.protocol->schema->protocol + " " +
                         e.message->name + " session=" + session_hex(e.session);
            for (const auto& f : e.message->fields) {
                const std::string a = abbrev(e.protocol->schema->protocol, f.name);
                EXPECT_FALSE(row[column_of.at(a)].empty()) << "frame " << n << ": " << a;
            }
        }
        EXPECT_THAT(row[1], HasSubstr(want_info)) << "frame " << n;
    }
    // The naming rule, spelled out for ProSe.
    EXPECT_TRUE(column_of.count("mtcfuzz.prose.MTCdInfo_MICAlg"));
    EXPECT_TRUE(column_of.count("mtcfuzz.prose.MTCdNonce"));
}

TEST_F(Dissector, BrokenFramesAreExpertErrorsNotLuaErrors) {
    const mtc::ProtocolSpec* p = mtc::registered_protocols().front();
    const mtc::Schema& s = *p->schema;
    const mtc::MessageSpec& m = s.messages.front();
    const mtc::Message good = full_message(s, m, 0x42);
    const auto encoded = mtc::encode(s, good);
    ASSERT_TRUE(encoded.ok()) << encoded.error().describe();
    const mtc::Bytes& frame = *encoded;
    const mtc::FieldSpec& first = m.fields.front();

    std::vector<std::pair<mtc::Bytes, std::string>> cases;  // frame, expected reason
    {
        mtc::Message msg = good;
        msg.fields.push_back({200, {1, 2, 3}});
        cases.emplace_back(mtc::encode_unchecked(msg), m.name + ": unknown tag 200");
    }
    {
        mtc::Message msg = good;
        msg.fields.insert(msg.fields.begin(), msg.fields.front());
        cases.emplace_back(mtc::encode_unchecked(msg),
                           m.name + ": duplicate tag " + std::to_string(first.tag));
    }
    {
        mtc::Message msg = good;
        std::reverse(msg.fields.begin(), msg.fields.end());
        cases.emplace_back(mtc::encode_unchecked(msg), m.name + ": tags out of order");
    }
    {
        mtc::Message msg = good;
        msg.fields.resize(1);
        msg.fields[0].value.clear();
        cases.emplace_back(mtc::encode_unchecked(msg), m.name + ": field " + first.name +
                                                           " length 0 outside [" +
                                                           std::to_string(first.min_len) + ", " +
                                                           std::to_string(first.max_len) + "]");
        cases.emplace_back(mtc::encode_unchecked(msg),
                           m.name + ": required field " + m.fields[1].name);
    }
    {
        mtc::Bytes b = frame;  // two stray bytes at the end of the body
        b.insert(b.end(), {0xaa, 0xbb});
        mtc::Bytes len;
        mtc::put_u16(len, static_cast<std::uint16_t>(b.size() - 16));
        b[14] = len[0];
        b[15] = len[1];
        cases.emplace_back(b, m.name + ": truncated TLV header (2 bytes left in body, need 3)");
    }
    {
        mtc::Bytes b = frame;  // the first TLV's length runs past the body
        b[17] = 0xff;
        b[18] = 0xff;
        cases.emplace_back(b, "length 65535 runs past the end of the body");
    }
    cases.emplace_back(mtc::Bytes(frame.begin(), frame.begin() + 10),
                       "frame of 10 bytes is shorter than the 16-byte header");
    {
        mtc::Bytes b = frame;
        b[2] = 9;
        cases.emplace_back(b, "unsupported version 9 (expected 1)");
    }
    {
        mtc::Bytes b = frame;
        b[3] = 0xee;
        ASSERT_EQ(mtc::find_protocol(std::uint8_t{0xee}), nullptr);
        cases.emplace_back(b, "unknown protocol id 238");
    }
    {
        mtc::Bytes b = frame;
        b[4] = 0xee;
        cases.emplace_back(b, "unknown message type 238 for protocol " + s.protocol);
    }
    {
        mtc::Bytes b = frame;
        b[5] = 0x01;
        cases.emplace_back(b, "nonzero flags 0x01 (reserved, must be 0)");
    }
    {
        mtc::Bytes b = frame;
        b.insert(b.end(), {1, 2, 3});
        cases.emplace_back(b, "trailing bytes after frame: 3 bytes after a body of");
    }
    {
        mtc::Bytes b = frame;
        b.resize(b.size() - 5);
        cases.emplace_back(b, "truncated frame: body length");
    }

    PcapWriter w;
    const Addr a{1, 47111}, b{2, 47112};
    std::map<int, std::string> want;
    for (const auto& [bytes, reason] : cases) want[w.add(udp(a, b, bytes))] = reason;
    // TCP: a good frame, then bytes that are not a frame.
    mtc::Bytes stream = length_prefixed(frame);
    stream.insert(stream.end(), {0, 0, 0, 20, 'n', 'o', 't', ' ', 'a', ' ', 'f', 'r'});
    const Addr c{1, 47113}, d{2, 47114};
    want[w.add(tcp(c, d, 1, 1, kPsh | kAck, stream))] =
        "bytes that do not start a length-prefixed mtcfuzz frame";
    // Every truncation and a few hundred random corruptions, over UDP and TCP.
    for (std::size_t len = 0; len < frame.size(); ++len) {
        w.add(udp(a, b, mtc::Bytes(frame.begin(), frame.begin() + static_cast<long>(len))));
    }
    std::mt19937 rng(20240601);  // fixed: the same pcap every run
    for (int i = 0; i < 400; ++i) {
        mtc::Bytes bad = frame;
        for (int k = 0; k < 3; ++k) bad[rng() % bad.size()] = static_cast<std::uint8_t>(rng());
        if (i % 2 == 0) {
            w.add(udp(a, b, bad));
        } else {
            const Addr from{1, static_cast<std::uint16_t>(48000 + i)};
            w.add(tcp(from, d, 1, 1, kPsh | kAck, length_prefixed(bad)));
        }
    }
    const fs::path pcap = save(w, "broken.pcap");

    const CmdResult r = tshark(pcap, "-V");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_THAT(r.out + r.err, Not(HasSubstr("Lua Error")));
    EXPECT_THAT(r.out + r.err, Not(HasSubstr("internal error")));
    const auto by_frame = packets(r.out);
    for (const auto& [n, reason] : want) {
        ASSERT_TRUE(by_frame.count(n)) << "frame " << n;
        EXPECT_THAT(by_frame.at(n), HasSubstr("Expert Info (Error/")) << reason;
        EXPECT_THAT(by_frame.at(n), HasSubstr(reason)) << "frame " << n;
    }
}

// TCP frames reassembled whatever the segment sizes. The heuristic needs the connection's
// first segment to hold the length prefix and the magic (6 bytes); smaller first segments
// need Decode As (or the tcp_ports preference).
TEST_F(Dissector, TcpFramesSurviveAnySegmentation) {
    const mtc::ProtocolSpec* prose = mtc::find_protocol("prose");
    ASSERT_NE(prose, nullptr);
    mtc::Bytes stream;
    std::string want;
    std::uint64_t session = 0x7cb0000000000000ULL;
    for (const auto& m : prose->schema->messages) {
        const auto frame = mtc::encode(*prose->schema, full_message(*prose->schema, m, ++session));
        ASSERT_TRUE(frame.ok()) << frame.error().describe();
        const mtc::Bytes framed = length_prefixed(*frame);
        stream.insert(stream.end(), framed.begin(), framed.end());
        want += (want.empty() ? "" : ",") + std::string("prose ") + m.name;
    }
    // Heuristic connections go to port 47131, Decode As ones to 47132.
    PcapWriter w;
    std::map<std::string, std::size_t> chunk_of_port;
    std::uint16_t port = 47140;
    const auto connection = [&](std::uint16_t server_port, std::size_t chunk) {
        const Addr client{1, port}, server{2, server_port};
        chunk_of_port[std::to_string(port++)] = chunk;
        std::uint32_t seq = 100;
        w.add(tcp(client, server, seq - 1, 0, kSyn, {}));
        for (std::size_t at = 0; at < stream.size(); at += chunk) {
            const auto first = stream.begin() + static_cast<long>(at);
            const auto last =
                stream.begin() + static_cast<long>(std::min(at + chunk, stream.size()));
            w.add(tcp(client, server, seq, 1, kPsh | kAck, mtc::Bytes(first, last)));
            seq += static_cast<std::uint32_t>(last - first);
        }
    };
    for (const std::size_t chunk : {6, 7, 13, 50, 97, 10000}) connection(47131, chunk);
    for (const std::size_t chunk : {1, 2, 3, 5}) connection(47132, chunk);
    const fs::path pcap = save(w, "segments.pcap");

    const CmdResult r = tshark(pcap,
                               "-d tcp.port==47132,mtcfuzz -Y mtcfuzz -T fields "
                               "-E separator=/t -e tcp.srcport -e mtcfuzz.message");
    ASSERT_EQ(r.code, 0) << r.err;
    expect_clean(r);
    std::map<std::string, std::string> seen;  // client port -> messages, in order
    for (const auto& l : lines(r.out)) {
        const auto cells = split(l, '\t');
        if (cells.size() != 2) continue;
        seen[cells[0]] += (seen[cells[0]].empty() ? "" : ",") + cells[1];
    }
    for (const auto& [p, chunk] : chunk_of_port) {
        EXPECT_EQ(seen[p], want) << "segments of " << chunk << " bytes (client port " << p << ")";
    }
}

TEST_F(Dissector, PortPreferenceAndDecodeAsWorkWithoutHeuristics) {
    const mtc::ProtocolSpec* p = mtc::registered_protocols().front();
    const auto frame =
        mtc::encode(*p->schema, full_message(*p->schema, p->schema->messages.front(), 7));
    ASSERT_TRUE(frame.ok());
    PcapWriter w;
    w.add(udp({1, 47121}, {2, 47122}, *frame));                                      // pref port
    w.add(udp({1, 47123}, {2, 47124}, *frame));                                      // Decode As
    w.add(tcp({1, 47125}, {2, 47126}, 1, 1, kPsh | kAck, length_prefixed(*frame)));  // Decode As
    const fs::path pcap = save(w, "ports.pcap");
    const std::string no_heuristics =
        "--disable-heuristic mtcfuzz_udp --disable-heuristic mtcfuzz_tcp ";
    const std::string want = p->schema->protocol + " " + p->schema->messages.front().name;

    const CmdResult off = tshark(pcap, no_heuristics + "-T fields -e mtcfuzz.message");
    ASSERT_EQ(off.code, 0) << off.err;
    EXPECT_THAT(off.out, Not(HasSubstr(want))) << "heuristics were not disabled";

    const CmdResult on =
        tshark(pcap, no_heuristics +
                         "-o mtcfuzz.udp_ports:47122 -d udp.port==47124,mtcfuzz "
                         "-d tcp.port==47126,mtcfuzz -T fields -e mtcfuzz.message");
    ASSERT_EQ(on.code, 0) << on.err;
    expect_clean(on);
    const auto rows = lines(on.out);
    ASSERT_EQ(rows.size(), 3U) << on.out;
    for (const auto& row : rows) EXPECT_EQ(row, want);
}

// Without tshark: the command itself.
TEST(DissectorCommand, IsDeterministicAndWritesAtomically) {
    TempDir dir;
    const CmdResult a = mtcfuzz("dissector", dir.path());
    const CmdResult b = mtcfuzz("dissector", dir.path());
    ASSERT_EQ(a.code, 0) << a.err;
    EXPECT_EQ(a.out, b.out);
    EXPECT_TRUE(a.err.empty()) << a.err;
    EXPECT_THAT(a.out, HasSubstr("Proto(\"mtcfuzz\""));
    const fs::path file = dir.path() / "out.lua";
    const CmdResult c = mtcfuzz("dissector -o " + quote(file.string()), dir.path());
    ASSERT_EQ(c.code, 0) << c.err;
    EXPECT_TRUE(c.out.empty());
    EXPECT_EQ(slurp(file), a.out);
    for (const auto& e : fs::directory_iterator(dir.path())) {
        EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
    }
    for (const mtc::ProtocolSpec* p : mtc::registered_protocols()) {
        for (const auto& m : p->schema->messages) {
            for (const auto& f : m.fields) {
                EXPECT_THAT(a.out, HasSubstr("\"" + abbrev(p->schema->protocol, f.name) + "\""));
            }
        }
    }
}

TEST(DissectorCommand, HelpTeachesAndBadUsageExitsTwo) {
    TempDir dir;
    const CmdResult h = mtcfuzz("dissector --help", dir.path());
    EXPECT_EQ(h.code, 0);
    EXPECT_THAT(h.out, HasSubstr("usage: mtcfuzz dissector"));
    EXPECT_THAT(h.out, HasSubstr("lua_script:"));
    EXPECT_THAT(h.out, HasSubstr("plugins"));
    for (const char* args : {"dissector --bogus", "dissector extra", "dissector -o"}) {
        const CmdResult r = mtcfuzz(args, dir.path());
        EXPECT_EQ(r.code, 2) << args;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
        EXPECT_THAT(r.err, HasSubstr("mtcfuzz dissector")) << args;
    }
    const CmdResult bad =
        mtcfuzz("dissector -o " + quote((dir.path() / "no/such/dir/x.lua").string()), dir.path());
    EXPECT_NE(bad.code, 0);
    EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
}

}  // namespace
