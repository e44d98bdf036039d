// harness/pcap: the writer's files re-read by the reader (and by tcpdump and tshark), every
// link type, pcapng, IPv4/IPv6 fragments, TCP reassembly under reordering, retransmission and
// overlap, malformed packets, the dissector's rules, and live capture on loopback.
#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <netinet/in.h>
#include <random>
#include <sstream>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/pcap/checksum.hpp"
#include "harness/pcap/decoder.hpp"
#include "harness/pcap/dissect.hpp"
#include "harness/pcap/live_capture.hpp"
#include "harness/pcap/reader.hpp"
#include "harness/pcap/segments.hpp"
#include "harness/pcap/writer.hpp"
#include "protocols/core/codec.hpp"
#include "protocols/prose/schema.hpp"
#include "tests/unit/prose_fixture.hpp"
#include "tests/unit/temp_dir.hpp"

namespace mtc::pcap {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------
// Fixtures and builders

using mtc::test::TempDir;

Message prose_m1(std::uint64_t session, const std::string& mtcd = "alice",
                 std::size_t context_len = 0) {
    Message m;
    m.protocol = prose::kProtocolId;
    m.type = prose::M1;
    m.session = session;
    m.set(prose::MTCdID, to_bytes(mtcd));
    m.set(prose::MTCsID, to_bytes("mtcs-0"));
    m.set(prose::MTCdNonce, Bytes(16, static_cast<std::uint8_t>(session)));
    m.set(prose::UEID, to_bytes("ue-0"));
    m.set(prose::MTCdInfo_MICAlg, Bytes{prose::mic_hmac_sha256});
    if (context_len != 0) m.set(prose::MTCdInfo_Context, Bytes(context_len, 0x5c));
    m.set(prose::MTCdMIC, Bytes(32, 0xab));
    return m;
}

Bytes encode_frame(const Message& m) {
    auto r = encode(prose::schema(), m);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().describe());
    return r.ok() ? *r : Bytes{};
}

Bytes length_prefixed(BytesView frame) {
    Bytes out;
    put_u32(out, static_cast<std::uint32_t>(frame.size()));
    out.insert(out.end(), frame.begin(), frame.end());
    return out;
}

Bytes cat(std::initializer_list<BytesView> parts) {
    Bytes out;
    for (BytesView p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

using Ip4 = std::array<std::uint8_t, 4>;
using Ip6 = std::array<std::uint8_t, 16>;

constexpr Ip4 kA = {10, 0, 0, 1};
constexpr Ip4 kB = {10, 0, 0, 2};

Ip6 ip6(const char* text) {
    Ip6 a{};
    EXPECT_EQ(::inet_pton(AF_INET6, text, a.data()), 1);
    return a;
}

// Hand-built headers (checksums left 0 unless a test needs them: the reader ignores them).
Bytes udp_header(std::uint16_t sp, std::uint16_t dp, BytesView payload) {
    Bytes b;
    put_u16(b, sp);
    put_u16(b, dp);
    put_u16(b, static_cast<std::uint16_t>(8 + payload.size()));
    put_u16(b, 0);
    b.insert(b.end(), payload.begin(), payload.end());
    return b;
}

enum : std::uint8_t { FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10 };

Bytes tcp_header(std::uint16_t sp, std::uint16_t dp, std::uint32_t seq, std::uint32_t ack,
                 std::uint8_t flags, BytesView payload) {
    Bytes b;
    put_u16(b, sp);
    put_u16(b, dp);
    put_u32(b, seq);
    put_u32(b, ack);
    b.push_back(0x50);
    b.push_back(flags);
    put_u16(b, 65535);
    put_u16(b, 0);
    put_u16(b, 0);
    b.insert(b.end(), payload.begin(), payload.end());
    return b;
}

Bytes ipv4(const Ip4& src, const Ip4& dst, std::uint8_t proto, BytesView l4, std::uint16_t id = 1,
           std::uint16_t frag = 0x4000) {
    Bytes b = {0x45, 0};
    put_u16(b, static_cast<std::uint16_t>(20 + l4.size()));
    put_u16(b, id);
    put_u16(b, frag);
    b.push_back(64);
    b.push_back(proto);
    put_u16(b, 0);
    b.insert(b.end(), src.begin(), src.end());
    b.insert(b.end(), dst.begin(), dst.end());
    const std::uint16_t sum = internet_checksum(BytesView(b).first(20));
    b[10] = static_cast<std::uint8_t>(sum >> 8);
    b[11] = static_cast<std::uint8_t>(sum);
    b.insert(b.end(), l4.begin(), l4.end());
    return b;
}

// IPv6 header + optional extension bytes already chained by the caller.
Bytes ipv6(const Ip6& src, const Ip6& dst, std::uint8_t next, BytesView rest) {
    Bytes b = {0x60, 0, 0, 0};
    put_u16(b, static_cast<std::uint16_t>(rest.size()));
    b.push_back(next);
    b.push_back(64);
    b.insert(b.end(), src.begin(), src.end());
    b.insert(b.end(), dst.begin(), dst.end());
    b.insert(b.end(), rest.begin(), rest.end());
    return b;
}

Bytes ethernet(std::uint16_t type, BytesView net) {
    Bytes b = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
    put_u16(b, type);
    b.insert(b.end(), net.begin(), net.end());
    return b;
}

struct Rec {
    std::int64_t ts_us = 0;
    Bytes data;
    std::uint32_t orig_len = 0;  // 0: data.size()
};

void write_le32(std::ofstream& o, std::uint32_t v) {
    const char b[4] = {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 24)};
    o.write(b, 4);
}

void write_pcap(const std::string& path, std::uint32_t linktype, const std::vector<Rec>& recs) {
    std::ofstream o(path, std::ios::binary);
    write_le32(o, 0xa1b2c3d4);
    write_le32(o, 2 | (4u << 16));
    write_le32(o, 0);
    write_le32(o, 0);
    write_le32(o, 262144);
    write_le32(o, linktype);
    for (const Rec& r : recs) {
        write_le32(o, static_cast<std::uint32_t>(r.ts_us / 1'000'000));
        write_le32(o, static_cast<std::uint32_t>(r.ts_us % 1'000'000));
        write_le32(o, static_cast<std::uint32_t>(r.data.size()));
        write_le32(o, r.orig_len != 0 ? r.orig_len : static_cast<std::uint32_t>(r.data.size()));
        o.write(reinterpret_cast<const char*>(r.data.data()),
                static_cast<std::streamsize>(r.data.size()));
    }
}

Bytes slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct Collected final : PayloadSink {
    std::vector<PayloadCopy> payloads;
    std::vector<DecodeIssue> issues;
    bool ended = false;
    void on_payload(const Payload& p) override { payloads.emplace_back(p); }
    void on_issue(const DecodeIssue& i) override { issues.push_back(i); }
    void on_end() override { ended = true; }

    // Concatenated TCP bytes of one direction of one stream.
    [[nodiscard]] Bytes tcp_bytes(std::uint64_t stream, bool from_client) const {
        Bytes out;
        for (const auto& p : payloads) {
            if (p.transport == Transport::tcp && p.stream == stream &&
                p.from_client == from_client) {
                out.insert(out.end(), p.data.begin(), p.data.end());
            }
        }
        return out;
    }
    [[nodiscard]] std::string issue_text() const {
        std::string s;
        for (const auto& i : issues) s += "#" + std::to_string(i.packet) + " " + i.reason + "\n";
        return s;
    }
};

Collected read_all(const std::string& path) {
    Collected c;
    auto r = read_pcap(path, c);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().describe());
    EXPECT_TRUE(c.ended);
    return c;
}

Listing list(const std::string& path) {
    auto l = list_pcap(path);
    EXPECT_TRUE(l.ok()) << (l.ok() ? "" : l.error().describe());
    return l.ok() ? *l : Listing{};
}

std::vector<std::string> texts(const Listing& l) {
    std::vector<std::string> out;
    for (const auto& r : l.rows) out.push_back(to_text(r));
    return out;
}

std::vector<std::string> errors(const Listing& l) {
    std::vector<std::string> out;
    for (const auto& r : l.rows) {
        if (r.error) out.push_back(*r.error);
    }
    return out;
}

// What codec.hpp describe() prints after the type and session, from a row's fields.
std::string fields_text(const ListedMessage& row) {
    std::string s = row.type + " session=" + row.session;
    for (const auto& [k, v] : row.fields) s += " " + k + "=" + v;
    return s;
}

bool have_tool(const char* name) {
    return std::system((std::string("command -v ") + name + " >/dev/null 2>&1").c_str()) == 0;
}

struct ShellRun {
    int code = -1;
    std::string out, err;
};

ShellRun sh(const std::string& cmd, const TempDir& dir) {
    const std::string out = dir.file("sh.out"), err = dir.file("sh.err");
    const int status = std::system((cmd + " >" + out + " 2>" + err).c_str());
    ShellRun r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    const Bytes o = slurp(out), e = slurp(err);
    r.out.assign(o.begin(), o.end());
    r.err.assign(e.begin(), e.end());
    return r;
}

// A writer file with UDP datagrams and a TCP conversation of many frames both ways.
struct Conversation {
    std::vector<Bytes> udp_frames;
    Bytes client_stream, server_stream;  // length-prefixed frames as sent
    std::vector<Bytes> tcp_frames;       // in the order they complete on the wire
};

Conversation write_conversation(const std::string& path) {
    Conversation c;
    auto w = PcapWriter::create(path);
    EXPECT_TRUE(w.ok());
    const Endpoint4 mtcd = *parse_endpoint4("10.1.0.1:40000");
    const Endpoint4 ue = *parse_endpoint4("10.1.0.2:45000");
    const Endpoint4 mtcs = *parse_endpoint4("10.1.0.3:46000");
    std::int64_t ts = 1'735'689'600'000'000;
    for (std::uint64_t i = 0; i < 20; ++i) {
        c.udp_frames.push_back(encode_frame(prose_m1(0x100 + i, "mtcd-" + std::to_string(i))));
        (*w)->udp(ts += 10, mtcd, ue, c.udp_frames.back());
    }
    const TcpFlowId flow = (*w)->tcp_open(ts += 10, ue, mtcs);
    for (std::uint64_t i = 0; i < 40; ++i) {
        // Frames of ~60..700 bytes; every fourth call carries three frames at once (so frames
        // straddle 1460-byte segments), every fifth is split over two calls.
        const bool client = i % 3 != 2;
        Bytes chunk;
        const int n = i % 4 == 0 ? 3 : 1;
        for (int k = 0; k < n; ++k) {
            Bytes f = encode_frame(prose_m1(0x1000 + i * 4 + static_cast<std::uint64_t>(k),
                                            std::string(1 + (i * 7) % 60, 'x'), (i * 37) % 257));
            c.tcp_frames.push_back(f);
            const Bytes lp = length_prefixed(f);
            chunk.insert(chunk.end(), lp.begin(), lp.end());
        }
        Bytes& stream = client ? c.client_stream : c.server_stream;
        stream.insert(stream.end(), chunk.begin(), chunk.end());
        if (i % 5 == 0) {
            const std::size_t half = chunk.size() / 2;
            (*w)->tcp_data(ts += 10, flow, client, BytesView(chunk).first(half));
            (*w)->tcp_data(ts += 10, flow, client, BytesView(chunk).subspan(half));
        } else {
            (*w)->tcp_data(ts += 10, flow, client, chunk);
        }
    }
    // One big write: 30 KB in 1460-byte segments.
    Bytes big;
    for (std::uint64_t k = 0; k < 50; ++k) {
        c.tcp_frames.push_back(encode_frame(prose_m1(0x9000 + k, "big", 256)));
        const Bytes lp = length_prefixed(c.tcp_frames.back());
        big.insert(big.end(), lp.begin(), lp.end());
    }
    c.client_stream.insert(c.client_stream.end(), big.begin(), big.end());
    (*w)->tcp_data(ts += 10, flow, true, big);
    (*w)->tcp_close(ts += 10, flow);
    EXPECT_TRUE((*w)->commit().ok());
    return c;
}

// ---------------------------------------------------------------------------------------
// Endpoints, checksum, segment store

TEST(PcapEndpoint, ParsesAndFormats) {
    auto e = parse_endpoint4("127.0.0.1:9000");
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->ip, (Ip4{127, 0, 0, 1}));
    EXPECT_EQ(e->port, 9000);
    EXPECT_EQ(to_string(*e), "127.0.0.1:9000");
    EXPECT_EQ(e->ip_host_order(), 0x7f000001u);
    EXPECT_EQ(Endpoint4::from_host(0x7f000001, 9000), *e);
    for (const char* bad : {"", "1.2.3.4", "1.2.3:5", "1.2.3.4.5:6", "256.0.0.1:1", "1.2.3.4:65536",
                            "a.b.c.d:1", "1.2.3.4:", "1..3.4:5", " 1.2.3.4:5"}) {
        EXPECT_FALSE(parse_endpoint4(bad).ok()) << bad;
    }
    const Ip6 v6 = ip6("2001:db8::1");
    EXPECT_EQ(format_endpoint(v6.data(), 16, 53), "[2001:db8::1]:53");
}

TEST(PcapChecksum, MatchesRfc1071Example) {
    // RFC 1071 section 3's example words sum to 0xddf2; the checksum is its complement.
    const Bytes b = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    EXPECT_EQ(internet_checksum(b), static_cast<std::uint16_t>(~0xddf2));
    // Split at an odd byte, the running sum is the same.
    InternetChecksum c;
    c.add(BytesView(b).first(3));
    c.add(BytesView(b).subspan(3));
    EXPECT_EQ(c.value(), internet_checksum(b));
}

TEST(PcapSegments, FirstArrivalWinsAndTakesContiguous) {
    SegmentStore s;
    EXPECT_EQ(s.insert(10, to_bytes("AAAAA")), 5u);      // [10,15)
    EXPECT_EQ(s.insert(12, to_bytes("bbbbbbbb")), 5u);   // adds [15,20)
    EXPECT_EQ(s.insert(5, to_bytes("cccccccccc")), 5u);  // adds [5,10)
    EXPECT_EQ(s.insert(6, to_bytes("dd")), 0u);
    EXPECT_EQ(s.bytes(), 15u);
    Bytes out;
    EXPECT_EQ(s.take_contiguous(0, out), 0u);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(s.take_contiguous(7, out), 20u);
    EXPECT_EQ(mtc::to_string(view(out)), "cccAAAAAbbbbb");
    EXPECT_TRUE(s.empty());
}

// ---------------------------------------------------------------------------------------
// Writer -> reader round trips

TEST(PcapWriter, UdpAndTcpRoundTripThroughReader) {
    TempDir dir;
    const std::string path = dir.file("conv.pcap");
    const Conversation c = write_conversation(path);
    EXPECT_FALSE(fs::exists(path + ".tmp." + std::to_string(::getpid())));

    const Collected got = read_all(path);
    EXPECT_TRUE(got.issues.empty()) << got.issue_text();
    std::vector<Bytes> udp;
    for (const auto& p : got.payloads) {
        if (p.transport == Transport::udp) {
            udp.push_back(p.data);
            EXPECT_EQ(p.src, "10.1.0.1:40000");
            EXPECT_EQ(p.dst, "10.1.0.2:45000");
        }
    }
    EXPECT_EQ(udp, c.udp_frames);
    EXPECT_EQ(got.tcp_bytes(0, true), c.client_stream);
    EXPECT_EQ(got.tcp_bytes(0, false), c.server_stream);
    for (const auto& p : got.payloads) {
        if (p.transport != Transport::tcp) continue;
        EXPECT_EQ(p.src, p.from_client ? "10.1.0.2:45000" : "10.1.0.3:46000");
        EXPECT_FALSE(p.gap_before);
    }

    const Listing l = list(path);
    EXPECT_EQ(l.dissect.errors, 0u) << ::testing::PrintToString(errors(l));
    ASSERT_EQ(l.rows.size(), c.udp_frames.size() + c.tcp_frames.size());
    std::vector<std::string> want, have;
    for (const auto& f : c.udp_frames)
        want.push_back(describe(prose::schema(), *decode(prose::schema(), f)));
    for (const auto& f : c.tcp_frames)
        want.push_back(describe(prose::schema(), *decode(prose::schema(), f)));
    for (const auto& r : l.rows) {
        EXPECT_EQ(r.protocol, "prose");
        have.push_back(fields_text(r));
    }
    // TCP frames of the two directions interleave in wire order; compare as multisets.
    std::sort(want.begin(), want.end());
    std::sort(have.begin(), have.end());
    EXPECT_EQ(have, want);
    EXPECT_EQ(l.reader.retransmitted, 0u);
}

TEST(PcapWriter, RowsShowFieldsLikeDescribe) {
    TempDir dir;
    const std::string path = dir.file("one.pcap");
    auto w = PcapWriter::create(path);
    ASSERT_TRUE(w.ok());
    (*w)->udp(1'735'689'600'000'123, *parse_endpoint4("192.168.1.10:40000"),
              *parse_endpoint4("192.168.1.20:5000"), encode_frame(prose_m1(0xab)));
    ASSERT_TRUE((*w)->commit().ok());
    const Listing l = list(path);
    ASSERT_EQ(l.rows.size(), 1u);
    const ListedMessage& r = l.rows[0];
    EXPECT_EQ(r.packet, 1u);
    EXPECT_EQ(r.session, "00000000000000ab");
    EXPECT_EQ(r.type, "M1");
    ASSERT_GE(r.fields.size(), 2u);
    EXPECT_EQ(r.fields[0], (std::pair<std::string, std::string>{"MTCdID", "\"alice\""}));
    EXPECT_EQ(r.fields[2].first, "MTCdNonce");
    EXPECT_EQ(r.fields[2].second, "abababababababababababababababab");
    EXPECT_EQ(to_text(r),
              "2025-01-01 00:00:00.000123 192.168.1.10:40000 -> 192.168.1.20:5000 udp prose " +
                  describe(prose::schema(), prose_m1(0xab)));
    const auto j = to_json(r);
    EXPECT_EQ(j["fields"]["MTCdID"], "\"alice\"");
    EXPECT_EQ(j["transport"], "udp");
    EXPECT_TRUE(j["error"].is_null());
}

// An independent reading of the writer's bytes: pcap records, Ethernet, IPv4 and transport
// checksums summed here (not with the library's InternetChecksum), IP ids, DF, TCP seq/ack.
std::uint16_t naive_sum(const Bytes& b) {
    std::uint32_t s = 0;
    for (std::size_t i = 0; i < b.size(); i += 2) {
        s += static_cast<std::uint32_t>(b[i]) << 8;
        if (i + 1 < b.size()) s += b[i + 1];
    }
    while (s > 0xffff) s = (s & 0xffff) + (s >> 16);
    return static_cast<std::uint16_t>(s);
}

TEST(PcapWriter, ChecksumsAndHeadersAreValid) {
    TempDir dir;
    const std::string path = dir.file("conv.pcap");
    write_conversation(path);
    const Bytes f = slurp(path);
    ASSERT_GE(f.size(), 24u);
    const auto le32 = [&](std::size_t at) {
        return f[at] | f[at + 1] << 8 | f[at + 2] << 16 |
               static_cast<std::uint32_t>(f[at + 3]) << 24;
    };
    EXPECT_EQ(le32(0), 0xa1b2c3d4u);
    EXPECT_EQ(le32(20), 1u);  // LINKTYPE_ETHERNET
    std::size_t at = 24, packets = 0, tcp = 0;
    int last_id = -1;
    std::map<std::uint16_t, std::uint32_t> next_seq;  // by source port
    while (at < f.size()) {
        ASSERT_LE(at + 16, f.size());
        const std::uint32_t len = le32(at + 8);
        EXPECT_EQ(len, le32(at + 12));
        const Bytes pkt(f.begin() + static_cast<std::ptrdiff_t>(at + 16),
                        f.begin() + static_cast<std::ptrdiff_t>(at + 16 + len));
        at += 16 + len;
        ++packets;
        ASSERT_EQ(get_u16(pkt, 12), 0x0800);
        const Bytes ip(pkt.begin() + 14, pkt.begin() + 34);
        EXPECT_EQ(naive_sum(ip), 0xffff) << "IPv4 header checksum, packet " << packets;
        EXPECT_EQ(get_u16(ip, 2), pkt.size() - 14);
        EXPECT_EQ(get_u16(ip, 6), 0x4000) << "DF, no fragment";
        const int id = get_u16(ip, 4);
        if (last_id >= 0) {
            EXPECT_EQ(id, (last_id + 1) & 0xffff);
        }
        last_id = id;
        // Pseudo-header + segment.
        const Bytes l4(pkt.begin() + 34, pkt.end());
        Bytes pseudo(ip.begin() + 12, ip.begin() + 20);
        pseudo.push_back(0);
        pseudo.push_back(ip[9]);
        put_u16(pseudo, static_cast<std::uint16_t>(l4.size()));
        Bytes all = pseudo;
        all.insert(all.end(), l4.begin(), l4.end());
        EXPECT_EQ(naive_sum(all), 0xffff) << "transport checksum, packet " << packets;
        if (ip[9] == 6) {
            ++tcp;
            const std::uint16_t sport = get_u16(l4, 0);
            const std::uint32_t seq = get_u32(l4, 4);
            const std::uint8_t flags = l4[13];
            const std::size_t payload = l4.size() - (l4[12] >> 4) * 4u;
            if ((flags & SYN) == 0) {
                EXPECT_EQ(seq, next_seq[sport]) << "seq continuity, packet " << packets;
            }
            EXPECT_LE(payload, PcapWriter::kTcpMss);
            next_seq[sport] =
                seq + static_cast<std::uint32_t>(payload) + ((flags & (SYN | FIN)) != 0 ? 1 : 0);
        }
    }
    EXPECT_EQ(at, f.size());
    EXPECT_GT(tcp, 60u);
}

TEST(PcapWriter, TcpdumpAndTsharkReadItCleanly) {
    TempDir dir;
    const std::string path = dir.file("conv.pcap");
    const Conversation c = write_conversation(path);
    bool ran = false;
    if (have_tool("tcpdump")) {
        ran = true;
        const ShellRun r = sh("tcpdump -nn -vv -r " + path, dir);
        EXPECT_EQ(r.code, 0) << r.err;
        EXPECT_THAT(r.out, Not(HasSubstr("bad cksum"))) << r.out.substr(0, 2000);
        EXPECT_THAT(r.out, Not(HasSubstr("incorrect")));
        EXPECT_THAT(r.out, Not(HasSubstr("truncated")));
        EXPECT_THAT(r.out, HasSubstr("cksum"));
    }
    if (have_tool("tshark")) {
        ran = true;
        // Nothing bad: checksums verified, no malformed packet, no TCP analysis flag
        // (retransmission, out-of-order, lost segment, ACKed unseen...).
        const ShellRun bad = sh("tshark -n -r " + path +
                                    " -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE"
                                    " -o tcp.check_checksum:TRUE -Y 'ip.checksum.status != 1 ||"
                                    " udp.checksum.status != 1 || tcp.checksum.status != 1 ||"
                                    " _ws.malformed || tcp.analysis.flags'",
                                dir);
        EXPECT_EQ(bad.code, 0) << bad.err;
        EXPECT_EQ(bad.out, "");
        // Follow TCP Stream shows exactly the bytes sent, both ways.
        const ShellRun follow = sh("tshark -n -r " + path + " -q -z follow,tcp,raw,0", dir);
        EXPECT_EQ(follow.code, 0) << follow.err;
        std::string client_hex, server_hex;
        std::istringstream lines(follow.out);
        for (std::string line; std::getline(lines, line);) {
            if (line.empty() || line.find_first_not_of("0123456789abcdef\t") != std::string::npos)
                continue;
            if (line[0] == '\t') {
                server_hex += line.substr(1);
            } else {
                client_hex += line;
            }
        }
        EXPECT_EQ(client_hex, to_hex(c.client_stream));
        EXPECT_EQ(server_hex, to_hex(c.server_stream));
    }
    if (!ran) GTEST_SKIP() << "neither tcpdump nor tshark installed";
}

TEST(PcapWriter, UncommittedRemovesTemporaryAndBadPathFails) {
    TempDir dir;
    const std::string path = dir.file("x.pcap");
    {
        auto w = PcapWriter::create(path);
        ASSERT_TRUE(w.ok());
        (*w)->udp(1, *parse_endpoint4("1.1.1.1:1"), *parse_endpoint4("2.2.2.2:2"), to_bytes("hi"));
        EXPECT_TRUE(fs::exists((*w)->path() + ".tmp." + std::to_string(::getpid())));
    }
    EXPECT_TRUE(fs::is_empty(dir.path()));
    auto bad = PcapWriter::create(dir.file("no/such/dir/x.pcap"));
    ASSERT_FALSE(bad.ok());
    EXPECT_THAT(bad.error().reason, HasSubstr("no/such/dir/x.pcap.tmp"));
    auto w = PcapWriter::create(path);
    ASSERT_TRUE(w.ok());
    EXPECT_TRUE((*w)->commit().ok());
    EXPECT_FALSE((*w)->commit().ok());
    (*w)->tcp_data(1, TcpFlowId{77}, true, to_bytes("x"));  // unknown flow: ignored, counted
    EXPECT_EQ((*w)->ignored_calls(), 1u);
}

TEST(PcapWriter, ConcurrentWritersProduceWholePackets) {
    TempDir dir;
    const std::string path = dir.file("mt.pcap");
    auto w = PcapWriter::create(path);
    ASSERT_TRUE(w.ok());
    PcapWriter& writer = **w;
    const Bytes frame = encode_frame(prose_m1(7));
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&writer, &frame, t] {
            const Endpoint4 a =
                Endpoint4::from_host(0x0a000001 + static_cast<std::uint32_t>(t), 1000);
            const Endpoint4 b = Endpoint4::from_host(0x0a0000ff, 2000);
            const TcpFlowId f = writer.tcp_open(1, a, b);
            for (int i = 0; i < 200; ++i) {
                writer.udp(2, a, b, frame);
                writer.tcp_data(3, f, i % 2 == 0, length_prefixed(frame));
            }
            writer.tcp_close(4, f);
        });
    }
    for (auto& t : threads) t.join();
    ASSERT_TRUE(writer.commit().ok());
    const Listing l = list(path);
    EXPECT_EQ(l.dissect.errors, 0u);
    EXPECT_EQ(l.dissect.messages, 4u * 400u);
}

// A real handshake's frames (roles, not hand-built messages): M1 over UDP, M2..M3 over TCP.
TEST(PcapWriter, RealProseHandshake) {
    test::ProseWorld world;
    const Message m1 = world.m1();
    const Message m2 = world.m2(m1);
    const Message m3 = world.m3(m2);
    const Message m4 = world.m4(m3);
    TempDir dir;
    const std::string path = dir.file("prose.pcap");
    auto w = PcapWriter::create(path);
    ASSERT_TRUE(w.ok());
    const Endpoint4 mtcd = *parse_endpoint4("127.0.0.1:40001");
    const Endpoint4 ue = *parse_endpoint4("127.0.0.2:5000");
    const Endpoint4 mtcs = *parse_endpoint4("127.0.0.3:6000");
    (*w)->udp(10, mtcd, ue, encode_frame(m1));
    const TcpFlowId f = (*w)->tcp_open(20, ue, mtcs);
    (*w)->tcp_data(30, f, true, length_prefixed(encode_frame(m2)));
    (*w)->tcp_data(40, f, false, length_prefixed(encode_frame(m3)));
    (*w)->tcp_close(50, f);
    (*w)->udp(60, ue, mtcd, encode_frame(m4));
    ASSERT_TRUE((*w)->commit().ok());
    const Listing l = list(path);
    ASSERT_EQ(l.rows.size(), 4u);
    const char* types[] = {"M1", "M2", "M3", "M4"};
    const Message* msgs[] = {&m1, &m2, &m3, &m4};
    for (int i = 0; i < 4; ++i) {
        EXPECT_FALSE(l.rows[i].error) << *l.rows[i].error;
        EXPECT_EQ(l.rows[i].type, types[i]);
        EXPECT_EQ(fields_text(l.rows[i]), describe(prose::schema(), *msgs[i]));
    }
    EXPECT_EQ(l.rows[2].src, "127.0.0.3:6000");
    EXPECT_EQ(l.rows[2].transport, Transport::tcp);
}

// ---------------------------------------------------------------------------------------
// Link types and file formats

std::vector<Rec> sample_ip_packets() {
    // Two UDP datagrams and a small TCP exchange, as bare IPv4 packets.
    std::vector<Rec> out;
    const Bytes f1 = encode_frame(prose_m1(1)), f2 = encode_frame(prose_m1(2, "bob"));
    out.push_back({1'000'000, ipv4(kA, kB, 17, udp_header(4000, 5000, f1))});
    out.push_back({1'000'010, ipv4(kB, kA, 17, udp_header(5000, 4000, f2))});
    out.push_back({1'000'020, ipv4(kA, kB, 6, tcp_header(4001, 6000, 100, 0, SYN, {}))});
    out.push_back({1'000'030, ipv4(kB, kA, 6, tcp_header(6000, 4001, 900, 101, SYN | ACK, {}))});
    out.push_back(
        {1'000'040,
         ipv4(kA, kB, 6, tcp_header(4001, 6000, 101, 901, PSH | ACK, length_prefixed(f1)))});
    return out;
}

std::vector<Rec> wrap(const std::vector<Rec>& ip, const std::function<Bytes(BytesView, int)>& f) {
    std::vector<Rec> out;
    for (const Rec& r : ip) out.push_back({r.ts_us, f(r.data, r.data[0] >> 4)});
    return out;
}

TEST(PcapReader, EveryLinkTypeGivesTheSameRows) {
    TempDir dir;
    const auto ip = sample_ip_packets();
    const std::string ether = dir.file("en10mb.pcap");
    write_pcap(ether, 1, wrap(ip, [](BytesView p, int) { return ethernet(0x0800, p); }));
    const Listing want = list(ether);
    ASSERT_EQ(want.dissect.messages, 3u) << ::testing::PrintToString(texts(want));
    ASSERT_EQ(want.dissect.errors, 0u) << ::testing::PrintToString(texts(want));

    struct Case {
        const char* name;
        std::uint32_t linktype;
        std::function<Bytes(BytesView, int)> wrap;
    };
    const std::vector<Case> cases = {
        {"NULL little-endian", 0,
         [](BytesView p, int) {
             return cat({Bytes{2, 0, 0, 0}, p});
         }},
        {"NULL big-endian", 0,
         [](BytesView p, int) {
             return cat({Bytes{0, 0, 0, 2}, p});
         }},
        {"LOOP", 108,
         [](BytesView p, int) {
             return cat({Bytes{0, 0, 0, 2}, p});
         }},
        {"LINUX_SLL", 113,
         [](BytesView p, int) {
             return cat({Bytes{0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00}, p});
         }},
        {"LINUX_SLL2", 276,
         [](BytesView p, int) {
             return cat(
                 {Bytes{0x08, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0}, p});
         }},
        {"RAW", 101, [](BytesView p, int) { return Bytes(p.begin(), p.end()); }},
        {"IPV4", 228, [](BytesView p, int) { return Bytes(p.begin(), p.end()); }},
        {"EN10MB with 802.1Q tag", 1,
         [](BytesView p, int) {
             return ethernet(0x8100, cat({Bytes{0, 5, 0x08, 0x00}, p}));
         }},
    };
    for (const Case& c : cases) {
        const std::string path = dir.file(std::to_string(c.linktype) + ".pcap");
        write_pcap(path, c.linktype, wrap(ip, c.wrap));
        const Listing got = list(path);
        EXPECT_EQ(texts(got), texts(want)) << c.name;
    }
}

TEST(PcapReader, PcapngAndNanosecondFilesGiveTheSameRows) {
    if (!have_tool("editcap")) GTEST_SKIP() << "editcap not installed";
    TempDir dir;
    const std::string path = dir.file("conv.pcap");
    write_conversation(path);
    const Listing want = list(path);
    for (const char* format : {"pcapng", "nsecpcap"}) {
        const std::string out = dir.file(std::string("conv.") + format);
        const ShellRun r = sh("editcap -F " + std::string(format) + " " + path + " " + out, dir);
        ASSERT_EQ(r.code, 0) << r.err;
        const Listing got = list(out);
        EXPECT_EQ(texts(got), texts(want)) << format;
    }
}

TEST(PcapReader, NotAPcapIsAClearError) {
    TempDir dir;
    const std::string path = dir.file("notes.txt");
    std::ofstream(path) << "this is not a capture file, just some text\n";
    auto r = PcapReader::open(path);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().reason, HasSubstr(path));
    EXPECT_THAT(r.error().reason, HasSubstr("unknown file format"));
    auto missing = list_pcap(dir.file("missing.pcap"));
    ASSERT_FALSE(missing.ok());
    EXPECT_THAT(missing.error().reason, HasSubstr("missing.pcap"));
    EXPECT_THAT(missing.error().reason, HasSubstr("No such file"));
}

TEST(PcapReader, TruncatedFileKeepsEarlierPacketsAndSaysWhy) {
    TempDir dir;
    const std::string path = dir.file("conv.pcap");
    write_conversation(path);
    const Bytes all = slurp(path);
    const std::string cut = dir.file("cut.pcap");
    {
        // The first 5 UDP records whole (24 + 5 * (16 + 14 + 20 + 8 + frame)), then half a record.
        std::ofstream o(cut, std::ios::binary);
        o.write(reinterpret_cast<const char*>(all.data()), 1500);
    }
    const Listing l = list(cut);
    ASSERT_FALSE(l.rows.empty());
    EXPECT_GT(l.dissect.messages, 0u);
    const auto errs = errors(l);
    ASSERT_EQ(errs.size(), 1u) << ::testing::PrintToString(errs);
    EXPECT_THAT(errs[0], HasSubstr("truncated dump file"));
    EXPECT_THAT(errs[0], HasSubstr("stopped after packet"));
}

TEST(PcapReader, UnsupportedLinkTypeIsAnIssuePerPacket) {
    TempDir dir;
    const std::string path = dir.file("wifi.pcap");
    write_pcap(path, 105, {{1, Bytes(40, 0)}, {2, Bytes(40, 1)}});
    const Collected c = read_all(path);
    ASSERT_EQ(c.issues.size(), 2u);
    EXPECT_THAT(c.issues[0].reason, HasSubstr("unsupported link type"));
    EXPECT_EQ(c.issues[1].packet, 2u);
}

// ---------------------------------------------------------------------------------------
// IP: fragments, IPv6

TEST(PcapReader, Ipv4FragmentsOutOfOrderAreReassembled) {
    TempDir dir;
    const Bytes frame = encode_frame(prose_m1(42, std::string(64, 'f'), 256));
    const Bytes udp = udp_header(4000, 5000, frame);
    ASSERT_GT(udp.size(), 400u);
    // Three fragments of 8-byte multiples: [0,200) [200,400) [400,end), sent 3, 1, 2, with the
    // middle one duplicated, and an overlapping piece [192,208) before it.
    const auto frag = [&](std::size_t from, std::size_t to, bool more) {
        const std::uint16_t field =
            static_cast<std::uint16_t>((more ? 0x2000 : 0) | ((from / 8) & 0x1fff));
        return ipv4(kA, kB, 17, BytesView(udp).subspan(from, to - from), 0x1234, field);
    };
    std::vector<Rec> recs = {
        {10, ethernet(0x0800, frag(400, udp.size(), false))},
        {11, ethernet(0x0800, frag(0, 200, true))},
        {12, ethernet(0x0800, frag(192, 208, true))},
        {13, ethernet(0x0800, frag(200, 400, true))},
        {14, ethernet(0x0800, frag(200, 400, true))},  // after completion: a new, incomplete one
    };
    const std::string path = dir.file("frag.pcap");
    write_pcap(path, 1, recs);
    const Collected c = read_all(path);
    ASSERT_EQ(c.payloads.size(), 1u) << c.issue_text();
    EXPECT_EQ(c.payloads[0].data, frame);
    EXPECT_EQ(c.payloads[0].packet, 4u);
    EXPECT_EQ(c.payloads[0].src, "10.0.0.1:4000");
    // The late duplicate starts a datagram that never completes: reported at the end.
    ASSERT_EQ(c.issues.size(), 1u) << c.issue_text();
    EXPECT_EQ(c.issues[0].packet, 5u);
    EXPECT_THAT(c.issues[0].reason, HasSubstr("never completed"));
    EXPECT_THAT(c.issues[0].reason, HasSubstr("id 0x1234"));
    const Listing l = list(path);
    EXPECT_EQ(l.dissect.messages, 1u);
    EXPECT_EQ(l.dissect.errors, 1u);
}

TEST(PcapReader, Ipv6UdpWithExtensionHeadersAndFragments) {
    TempDir dir;
    const Ip6 s = ip6("2001:db8::1"), d = ip6("2001:db8::2");
    const Bytes frame = encode_frame(prose_m1(6, "v6"));
    const Bytes udp = udp_header(4000, 5000, frame);
    // Hop-by-hop options (8 bytes, next: UDP).
    const Bytes hbh = cat({Bytes{17, 0, 1, 4, 0, 0, 0, 0}, udp});
    // Fragmented: destination options then a fragment header, two fragments reversed.
    const std::size_t cut = 48;
    const auto frag_hdr = [](std::uint16_t offset, bool more) {
        Bytes b = {17, 0};
        put_u16(b, static_cast<std::uint16_t>(offset | (more ? 1 : 0)));
        put_u32(b, 0xdeadbeef);
        return b;
    };
    const Bytes f1 =
        cat({Bytes{44, 0, 1, 4, 0, 0, 0, 0}, frag_hdr(0, true), BytesView(udp).first(cut)});
    const Bytes f2 =
        cat({Bytes{44, 0, 1, 4, 0, 0, 0, 0}, frag_hdr(cut, false), BytesView(udp).subspan(cut)});
    const std::string path = dir.file("v6.pcap");
    write_pcap(path, 1,
               {{1, ethernet(0x86dd, ipv6(s, d, 0, hbh))},
                {2, ethernet(0x86dd, ipv6(s, d, 60, f2))},
                {3, ethernet(0x86dd, ipv6(s, d, 60, f1))}});
    const Listing l = list(path);
    ASSERT_EQ(l.rows.size(), 2u) << ::testing::PrintToString(texts(l));
    for (const auto& r : l.rows) {
        EXPECT_FALSE(r.error) << *r.error;
        EXPECT_EQ(r.src, "[2001:db8::1]:4000");
        EXPECT_EQ(r.dst, "[2001:db8::2]:5000");
        EXPECT_EQ(r.fields[0].second, "\"v6\"");
    }
    EXPECT_EQ(l.rows[1].packet, 3u);
    // The same over raw IPv6 link types.
    for (std::uint32_t lt : {101u, 229u}) {
        const std::string raw = dir.file("raw" + std::to_string(lt) + ".pcap");
        write_pcap(raw, lt, {{1, ipv6(s, d, 0, hbh)}});
        const Listing r = list(raw);
        ASSERT_EQ(r.rows.size(), 1u);
        EXPECT_EQ(to_text(r.rows[0]), to_text(l.rows[0]));
    }
}

// ---------------------------------------------------------------------------------------
// TCP reassembly

struct TcpScript {
    std::vector<Rec> recs;
    std::int64_t ts = 0;
    void seg(bool from_a, std::uint32_t seq, std::uint8_t flags, BytesView data,
             std::uint32_t ack = 0) {
        const Bytes t = from_a ? tcp_header(4000, 6000, seq, ack, flags, data)
                               : tcp_header(6000, 4000, seq, ack, flags, data);
        recs.push_back({++ts, ethernet(0x0800, from_a ? ipv4(kA, kB, 6, t) : ipv4(kB, kA, 6, t))});
    }
};

Bytes stream_of_frames(int n, std::vector<Bytes>* frames = nullptr) {
    Bytes s;
    for (int i = 0; i < n; ++i) {
        const Bytes f =
            encode_frame(prose_m1(static_cast<std::uint64_t>(i), "s" + std::to_string(i)));
        if (frames != nullptr) frames->push_back(f);
        const Bytes lp = length_prefixed(f);
        s.insert(s.end(), lp.begin(), lp.end());
    }
    return s;
}

TEST(PcapReader, TcpOutOfOrderRetransmittedAndOverlappingSegments) {
    TempDir dir;
    std::vector<Bytes> frames;
    const Bytes data = stream_of_frames(8, &frames);
    const BytesView v(data);
    const std::uint32_t isn = 0xfffffff0;  // wraps past 2^32 mid-stream
    const std::uint32_t s0 = isn + 1;
    const auto at = [&](std::size_t off) { return s0 + static_cast<std::uint32_t>(off); };
    const std::size_t n = data.size();
    ASSERT_GT(n, 600u);
    TcpScript t;
    t.seg(true, isn, SYN, {});
    t.seg(false, 5000, SYN | ACK, {}, s0);
    t.seg(true, at(0), PSH | ACK, v.subspan(0, 100));                  // in order
    t.seg(true, at(300), PSH | ACK, v.subspan(300, 200));              // ahead: buffered
    t.seg(true, at(150), PSH | ACK, v.subspan(150, 200));              // ahead, overlaps the last
    t.seg(true, at(0), PSH | ACK, v.subspan(0, 100));                  // retransmission
    t.seg(true, at(50), PSH | ACK, v.subspan(50, 120));                // overlaps delivered + hole
    t.seg(true, at(500), PSH | ACK, v.subspan(500, n - 500));          // the rest
    t.seg(true, at(400), PSH | ACK, v.subspan(400, 200));              // old, overlapping
    t.seg(false, 5001, PSH | ACK, length_prefixed(frames[0]), at(n));  // other direction
    t.seg(true, at(n), FIN | ACK, {});
    const std::string path = dir.file("tcp.pcap");
    write_pcap(path, 1, t.recs);
    const Collected c = read_all(path);
    EXPECT_TRUE(c.issues.empty()) << c.issue_text();
    EXPECT_EQ(c.tcp_bytes(0, true), data);
    EXPECT_EQ(c.tcp_bytes(0, false), length_prefixed(frames[0]));
    const Listing l = list(path);
    EXPECT_EQ(l.reader.retransmitted, 2u);
    ASSERT_EQ(l.dissect.errors, 0u) << ::testing::PrintToString(errors(l));
    ASSERT_EQ(l.rows.size(), 9u);
    for (std::size_t i = 0; i < 8; ++i) {
        EXPECT_EQ(fields_text(l.rows[i]),
                  describe(prose::schema(), *decode(prose::schema(), frames[i])));
        EXPECT_EQ(l.rows[i].src, "10.0.0.1:4000");
    }
    EXPECT_EQ(l.rows[8].src, "10.0.0.2:6000");
}

TEST(PcapReader, TcpOverlapKeepsFirstArrivedBytes) {
    TempDir dir;
    TcpScript t;
    t.seg(true, 99, SYN, {});
    t.seg(true, 110, ACK, to_bytes("KLMNOPQRST"));  // buffered: [10,20)
    t.seg(true, 105, ACK, to_bytes("fghijklmno"));  // [5,15): only [5,10) is new
    t.seg(true, 100, ACK, to_bytes("ABCDEFGHIJ"));  // [0,10): only [0,5) is new
    const std::string path = dir.file("overlap.pcap");
    write_pcap(path, 1, t.recs);
    const Collected c = read_all(path);
    EXPECT_EQ(mtc::to_string(view(c.tcp_bytes(0, true))), "ABCDEfghijKLMNOPQRST");
}

TEST(PcapReader, TcpStreamSeenMidWayStartsAtItsFirstSegment) {
    TempDir dir;
    std::vector<Bytes> frames;
    const Bytes data = stream_of_frames(3, &frames);
    TcpScript t;
    t.seg(true, 7000, PSH | ACK, data);                    // no SYN seen
    t.seg(true, 6990, PSH | ACK, to_bytes("0123456789"));  // before the first: reported
    t.seg(true, 7000 + static_cast<std::uint32_t>(data.size()), PSH | ACK,
          length_prefixed(frames[0]));
    const std::string path = dir.file("mid.pcap");
    write_pcap(path, 1, t.recs);
    const Listing l = list(path);
    EXPECT_EQ(l.dissect.messages, 4u);
    const auto errs = errors(l);
    ASSERT_EQ(errs.size(), 1u);
    EXPECT_THAT(errs[0], HasSubstr("before the first captured segment"));
}

TEST(PcapReader, TcpHoleAtEndIsReportedAndBytesAfterItStillDissected) {
    TempDir dir;
    std::vector<Bytes> frames;
    const Bytes a = stream_of_frames(2, &frames);
    const Bytes b = length_prefixed(frames[1]);
    TcpScript t;
    t.seg(true, 0, SYN, {});
    t.seg(true, 1, ACK, a);
    // 50 bytes never captured, then a segment that starts with a whole frame.
    t.seg(true, 1 + static_cast<std::uint32_t>(a.size()) + 50, ACK, b);
    const std::string path = dir.file("hole.pcap");
    write_pcap(path, 1, t.recs);
    const Collected c = read_all(path);
    ASSERT_EQ(c.issues.size(), 1u);
    EXPECT_THAT(c.issues[0].reason, HasSubstr("50 bytes at stream offset"));
    ASSERT_EQ(c.payloads.size(), 2u);
    EXPECT_TRUE(c.payloads[1].gap_before);
    const Listing l = list(path);
    EXPECT_EQ(l.dissect.messages, 3u);
    EXPECT_EQ(l.dissect.errors, 1u);
}

TEST(PcapReader, TcpPortReuseStartsANewStream) {
    TempDir dir;
    const Bytes f = length_prefixed(encode_frame(prose_m1(1)));
    TcpScript t;
    t.seg(true, 1000, SYN, {});
    t.seg(true, 1001, PSH | ACK, f);
    t.seg(true, 1001 + static_cast<std::uint32_t>(f.size()), FIN | ACK, {});
    t.seg(true, 90000, SYN, {});
    t.seg(true, 90001, PSH | ACK, f);
    const std::string path = dir.file("reuse.pcap");
    write_pcap(path, 1, t.recs);
    const Listing l = list(path);
    ASSERT_EQ(l.rows.size(), 2u);
    EXPECT_EQ(l.rows[0].stream, 0u);
    EXPECT_EQ(l.rows[1].stream, 1u);
}

// ---------------------------------------------------------------------------------------
// Malformed input

TEST(PcapReader, TruncatedAndGarbagePacketsAreIssuesNotCrashes) {
    TempDir dir;
    const Bytes frame = encode_frame(prose_m1(3));
    const Bytes good = ethernet(0x0800, ipv4(kA, kB, 17, udp_header(1, 2, frame)));
    Bytes bad_version = good;
    bad_version[14] = 0x55;
    Bytes bad_ihl = good;
    bad_ihl[14] = 0x43;
    Bytes udp_too_long = good;
    udp_too_long[14 + 20 + 4] = 0xff;
    Bytes tcp_short = ethernet(0x0800, ipv4(kA, kB, 6, Bytes(10, 0)));
    std::vector<Rec> recs = {
        {1, Bytes(good.begin(), good.begin() + 10)},  // Ethernet header cut
        {2, Bytes(good.begin(), good.begin() + 30)},  // IPv4 header cut
        {3, bad_version},
        {4, bad_ihl},
        {5, udp_too_long},
        {6, tcp_short},
        {7, Bytes(good.begin(), good.begin() + 60), static_cast<std::uint32_t>(good.size())},
        {8, ethernet(0x0806, Bytes(28, 0))},  // ARP: not an issue, counted
        {9, ethernet(0x86dd, Bytes(20, 0x60))},
        {10, good},
    };
    const std::string path = dir.file("bad.pcap");
    write_pcap(path, 1, recs);
    const Collected c = read_all(path);
    ASSERT_EQ(c.payloads.size(), 1u);
    EXPECT_EQ(c.payloads[0].packet, 10u);
    std::map<std::uint64_t, std::string> by_packet;
    for (const auto& i : c.issues) by_packet[i.packet] = i.reason;
    EXPECT_THAT(by_packet[1], HasSubstr("truncated Ethernet header (10 of 14 bytes)"));
    EXPECT_THAT(by_packet[2], HasSubstr("truncated IPv4 header"));
    EXPECT_THAT(by_packet[3], HasSubstr("bad IP version 5"));
    EXPECT_THAT(by_packet[4], HasSubstr("bad IPv4 header length 12"));
    EXPECT_THAT(by_packet[5], HasSubstr("truncated UDP datagram"));
    EXPECT_THAT(by_packet[6], HasSubstr("truncated TCP header"));
    EXPECT_THAT(by_packet[7], HasSubstr("frame captured short: 60 of"));
    EXPECT_THAT(by_packet[9], HasSubstr("truncated IPv6 header"));
    EXPECT_EQ(by_packet.count(8), 0u);
    EXPECT_EQ(c.issues.size(), 8u);
}

TEST(PcapReader, RandomMutationsNeverCrash) {
    // Every link type, valid packets with random bytes flipped and random cuts: the decoder
    // must account for each packet (payload, issue, held fragment or not UDP/TCP).
    std::mt19937 rng(1234);
    const auto ip = sample_ip_packets();
    for (int dlt : {0, 1, 12, 108, 113, 228, 229, 276, 147}) {
        Collected c;
        PacketDecoder d(dlt, c);
        for (int i = 0; i < 3000; ++i) {
            Bytes p = ethernet(0x0800, ip[static_cast<std::size_t>(i) % ip.size()].data);
            if (dlt != 1) p.erase(p.begin(), p.begin() + 14 - (dlt == 0 || dlt == 108 ? 4 : 0));
            const int flips = static_cast<int>(rng() % 6);
            for (int k = 0; k < flips && !p.empty(); ++k)
                p[rng() % p.size()] = static_cast<std::uint8_t>(rng());
            if (rng() % 3 == 0) p.resize(rng() % (p.size() + 1));
            d.packet(i, p, static_cast<std::uint32_t>(p.size()));
        }
        d.finish();
        EXPECT_TRUE(c.ended);
        const ReaderStats& s = d.stats();
        EXPECT_EQ(s.packets, 3000u);
        EXPECT_GE(s.udp + s.tcp + s.not_udp_tcp + s.fragments + s.issues, 3000u) << dlt;
    }
}

// ---------------------------------------------------------------------------------------
// Dissector rules

TEST(PcapDissect, ErrorRowsForEverythingThatIsNotAMessage) {
    TempDir dir;
    Bytes corrupt = encode_frame(prose_m1(9));
    corrupt[16 + 3 + 5 + 3 + 6 + 2] = 3;  // MTCdNonce's length low byte -> 3 (outside [16, 32])
    Bytes unknown_proto = encode_frame(prose_m1(9));
    unknown_proto[3] = 99;
    std::vector<Rec> recs = {
        {1, ethernet(0x0800, ipv4(kA, kB, 17, udp_header(53, 53, to_bytes("\x12\x34 dns?"))))},
        {2, ethernet(0x0800, ipv4(kA, kB, 17, udp_header(1, 2, corrupt)))},
        {3, ethernet(0x0800, ipv4(kA, kB, 17, udp_header(1, 2, unknown_proto)))},
        {4, ethernet(0x0800, ipv4(kA, kB, 17, udp_header(1, 2, {})))},
    };
    const std::string path = dir.file("errs.pcap");
    write_pcap(path, 1, recs);
    const Listing l = list(path);
    ASSERT_EQ(l.rows.size(), 4u);
    EXPECT_EQ(*l.rows[0].error, "not an mtcfuzz frame (7 bytes)");
    EXPECT_THAT(*l.rows[1].error, HasSubstr("MTCdNonce length 3 outside [16, 32] at offset"));
    EXPECT_EQ(l.rows[1].protocol, "prose");
    EXPECT_EQ(l.rows[1].type, "M1");
    EXPECT_EQ(l.rows[1].session, "0000000000000009");
    EXPECT_THAT(*l.rows[2].error, HasSubstr("unknown protocol id 99"));
    EXPECT_EQ(*l.rows[3].error, "not an mtcfuzz frame (0 bytes)");
    EXPECT_EQ(l.dissect.errors, 4u);
    EXPECT_THAT(to_text(l.rows[0]), HasSubstr("10.0.0.1:53 -> 10.0.0.2:53 udp error: not an"));
}

TEST(PcapDissect, TlsStreamIsReportedOnce) {
    TempDir dir;
    TcpScript t;
    t.seg(true, 0, SYN, {});
    t.seg(false, 0, SYN | ACK, {}, 1);
    Bytes hello = {0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5};
    t.seg(true, 1, PSH | ACK, BytesView(hello).first(2));  // record header split over segments
    t.seg(true, 3, PSH | ACK, BytesView(hello).subspan(2));
    t.seg(false, 1, PSH | ACK, Bytes{0x16, 0x03, 0x03, 0, 1, 9});
    t.seg(true, 11, PSH | ACK, Bytes{0x17, 0x03, 0x03, 0, 2, 7, 7});
    const std::string path = dir.file("tls.pcap");
    write_pcap(path, 1, t.recs);
    const Listing l = list(path);
    ASSERT_EQ(l.rows.size(), 1u) << ::testing::PrintToString(texts(l));
    EXPECT_EQ(*l.rows[0].error, "TLS-protected stream (not decodable without keys)");
    EXPECT_EQ(l.dissect.tls_streams, 1u);
    EXPECT_EQ(l.dissect.tls_bytes, hello.size() + 6 + 7);
}

TEST(PcapDissect, LostFramingAndFrameCutByEndOfCapture) {
    TempDir dir;
    const Bytes f = length_prefixed(encode_frame(prose_m1(1)));
    TcpScript t;
    t.seg(true, 0, SYN, {});
    t.seg(false, 0, SYN | ACK, {}, 1);
    t.seg(true, 1, PSH | ACK, Bytes{0x7f, 0, 0, 0, 1, 2, 3});  // length 2 GB: framing lost
    t.seg(true, 8, PSH | ACK, f);                              // skipped, said so
    t.seg(false, 1, PSH | ACK, f);                             // the other way works
    t.seg(false, 1 + static_cast<std::uint32_t>(f.size()), PSH | ACK,
          BytesView(f).first(f.size() - 5));  // cut by the end of the capture
    const std::string path = dir.file("lost.pcap");
    write_pcap(path, 1, t.recs);
    const Listing l = list(path);
    const auto errs = errors(l);
    ASSERT_EQ(errs.size(), 3u) << ::testing::PrintToString(texts(l));
    EXPECT_THAT(errs[0], HasSubstr("length prefix 2130706432 exceeds the 65551-byte frame limit"));
    EXPECT_THAT(errs[1], HasSubstr(std::to_string(f.size()) + " bytes skipped"));
    EXPECT_THAT(errs[2], HasSubstr("capture ends inside a TCP frame"));
    EXPECT_EQ(l.dissect.messages, 1u);
}

// ---------------------------------------------------------------------------------------
// Live capture on loopback (needs root or CAP_NET_RAW; skipped otherwise)

TEST(PcapLiveCapture, CapturesLoopbackUdp) {
    LiveCapture::OpenFailure why{};
    auto cap = LiveCapture::open("lo", &why);
    if (!cap.ok()) {
        if (why == LiveCapture::OpenFailure::permission) {
            EXPECT_THAT(cap.error().reason, HasSubstr("CAP_NET_RAW"));
        }
        GTEST_SKIP() << cap.error().reason;
    }
    EXPECT_FALSE((*cap)->set_filter("udp port (").ok());
    ASSERT_TRUE((*cap)->set_filter("udp and dst port 47999").ok());
    TempDir dir;
    const std::string path = dir.file("live.pcap");
    ASSERT_TRUE((*cap)->start_output(path).ok());
    const Bytes frame = encode_frame(prose_m1(77));
    std::atomic<bool> done{false};
    std::thread sender([&] {
        const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(47999);
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        while (!done) {
            ::sendto(fd, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&to),
                     sizeof to);
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        ::close(fd);
    });
    auto summary = (*cap)->run(3, 10.0);
    done = true;
    sender.join();
    ASSERT_TRUE(summary.ok()) << summary.error().describe();
    EXPECT_EQ(summary->captured, 3u);
    ASSERT_TRUE((*cap)->commit().ok());
    const Listing l = list(path);
    ASSERT_EQ(l.dissect.messages, 3u) << ::testing::PrintToString(texts(l));
    EXPECT_EQ(l.rows[0].dst, "127.0.0.1:47999");
    EXPECT_EQ(l.rows[0].session, "000000000000004d");
}

TEST(PcapLiveCapture, BreakLoopStopsAQuietCapture) {
    // What a SIGINT handler does, on an interface with no matching traffic: run() must return
    // soon (libpcap's non-blocking read alone would not notice the break).
    auto cap = LiveCapture::open("lo");
    if (!cap.ok()) GTEST_SKIP() << cap.error().reason;
    ASSERT_TRUE((*cap)->set_filter("udp and dst port 9 and src port 9").ok());
    TempDir dir;
    ASSERT_TRUE((*cap)->start_output(dir.file("quiet.pcap")).ok());
    LiveCapture& c = **cap;
    std::thread breaker([&c] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        c.break_loop();
    });
    const auto t0 = std::chrono::steady_clock::now();
    auto summary = c.run(0, 30.0);
    const auto took = std::chrono::steady_clock::now() - t0;
    breaker.join();
    ASSERT_TRUE(summary.ok());
    EXPECT_LT(took, std::chrono::seconds(5));
    EXPECT_TRUE(c.commit().ok());
    EXPECT_TRUE(fs::exists(dir.file("quiet.pcap")));
}

TEST(PcapLiveCapture, UnknownInterfaceIsNamed) {
    LiveCapture::OpenFailure why{};
    auto cap = LiveCapture::open("no-such-if0", &why);
    ASSERT_FALSE(cap.ok());
    EXPECT_THAT(cap.error().reason, HasSubstr("no-such-if0"));
}

}  // namespace
}  // namespace mtc::pcap
