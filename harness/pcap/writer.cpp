#include "harness/pcap/writer.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <unistd.h>

#include "harness/pcap/checksum.hpp"

namespace mtc::pcap {

namespace {

constexpr std::size_t kEthernetLen = 14;
constexpr std::size_t kIpv4Len = 20;
constexpr std::size_t kUdpLen = 8;
constexpr std::size_t kTcpLen = 20;
constexpr std::size_t kMssOptionLen = 4;
constexpr std::uint8_t kProtoTcp = 6;
constexpr std::uint8_t kProtoUdp = 17;
constexpr std::uint16_t kWindow = 65535;
constexpr std::size_t kStdioBuffer = 1 << 20;

enum TcpFlag : std::uint8_t { kFin = 0x01, kSyn = 0x02, kPsh = 0x08, kAck = 0x10 };

void set_u16(Bytes& b, std::size_t at, std::uint16_t v) {
    b[at] = static_cast<std::uint8_t>(v >> 8);
    b[at + 1] = static_cast<std::uint8_t>(v);
}

// A deterministic, well-spread initial sequence number for flow `id`, side `side`.
std::uint32_t initial_seq(std::uint32_t id, std::uint32_t side) {
    std::uint64_t z = (static_cast<std::uint64_t>(id) << 1 | side) + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return static_cast<std::uint32_t>(z ^ (z >> 31));
}

void put_le32(std::uint8_t* p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

void put_le16(std::uint8_t* p, std::uint16_t v) {
    p[0] = static_cast<std::uint8_t>(v);
    p[1] = static_cast<std::uint8_t>(v >> 8);
}

}  // namespace

Result<std::unique_ptr<PcapWriter>> PcapWriter::create(const std::string& path) {
    std::string tmp = path + ".tmp." + std::to_string(::getpid());
    // "e": close-on-exec, so role processes the hub spawns do not inherit the capture.
    std::FILE* f = std::fopen(tmp.c_str(), "wbe");
    if (f == nullptr) {
        return make_error("cannot create pcap " + tmp + ": " + std::strerror(errno));
    }
    std::unique_ptr<PcapWriter> w(new PcapWriter(path, std::move(tmp), f));
    // Classic pcap file header, little-endian: magic, 2.4, thiszone, sigfigs, snaplen, linktype.
    std::uint8_t header[24] = {};
    put_le32(header, 0xa1b2c3d4);
    put_le16(header + 4, 2);
    put_le16(header + 6, 4);
    put_le32(header + 16, kSnaplen);
    put_le32(header + 20, 1);  // LINKTYPE_ETHERNET
    w->write_raw(header, sizeof header);
    if (w->write_errno_ != 0) {
        return make_error("cannot write pcap " + w->tmp_ + ": " + std::strerror(w->write_errno_));
    }
    return w;
}

PcapWriter::PcapWriter(std::string path, std::string tmp, std::FILE* file)
    : path_(std::move(path)), tmp_(std::move(tmp)), file_(file), buffer_(new char[kStdioBuffer]) {
    std::setvbuf(file_, buffer_.get(), _IOFBF, kStdioBuffer);
    packet_.reserve(kEthernetLen + kIpv4Len + kUdpLen + kMaxUdpPayload);
}

PcapWriter::~PcapWriter() {
    if (file_ != nullptr) std::fclose(file_);
    if (!committed_) {
        std::error_code ec;
        std::filesystem::remove(tmp_, ec);
    }
}

Status PcapWriter::commit() {
    std::lock_guard lock(mu_);
    if (committed_ || file_ == nullptr) return make_error("pcap " + path_ + " already committed");
    if (std::fflush(file_) != 0 && write_errno_ == 0) write_errno_ = errno;
    if (std::fclose(file_) != 0 && write_errno_ == 0) write_errno_ = errno;
    file_ = nullptr;
    if (write_errno_ != 0) {
        return make_error("cannot write pcap " + tmp_ + ": " + std::strerror(write_errno_));
    }
    std::error_code ec;
    std::filesystem::rename(tmp_, path_, ec);
    if (ec) return make_error("cannot rename " + tmp_ + " to " + path_ + ": " + ec.message());
    committed_ = true;
    return Ok{};
}

std::uint64_t PcapWriter::packets() const {
    std::lock_guard lock(mu_);
    return packets_;
}

std::uint64_t PcapWriter::ignored_calls() const {
    std::lock_guard lock(mu_);
    return ignored_calls_;
}

void PcapWriter::write_raw(const void* data, std::size_t n) {
    if (file_ == nullptr || write_errno_ != 0) return;
    if (std::fwrite(data, 1, n, file_) != n) write_errno_ = errno != 0 ? errno : EIO;
}

void PcapWriter::write_record(std::int64_t ts_us) {
    const std::int64_t ts = std::max<std::int64_t>(ts_us, 0);
    std::uint8_t rec[16];
    put_le32(rec, static_cast<std::uint32_t>(ts / 1'000'000));
    put_le32(rec + 4, static_cast<std::uint32_t>(ts % 1'000'000));
    put_le32(rec + 8, static_cast<std::uint32_t>(packet_.size()));
    put_le32(rec + 12, static_cast<std::uint32_t>(packet_.size()));
    write_raw(rec, sizeof rec);
    write_raw(packet_.data(), packet_.size());
    ++packets_;
}

void PcapWriter::begin_ipv4(const Endpoint4& src, const Endpoint4& dst, std::uint8_t protocol,
                            std::size_t l4_len) {
    // Ethernet: locally administered unicast MACs derived from the addresses, stable per
    // endpoint (02:00:a:b:c:d), type IPv4.
    std::array<std::uint8_t, kEthernetLen + kIpv4Len> h = {
        0x02, 0x00,      dst.ip[0], dst.ip[1], dst.ip[2], dst.ip[3], 0x02,
        0x00, src.ip[0], src.ip[1], src.ip[2], src.ip[3], 0x08,      0x00};
    std::uint8_t* ip = h.data() + kEthernetLen;
    const auto total = static_cast<std::uint16_t>(kIpv4Len + l4_len);
    const std::uint16_t id = ip_id_++;
    ip[0] = 0x45;  // version 4, IHL 5
    ip[1] = 0;     // DSCP/ECN
    ip[2] = static_cast<std::uint8_t>(total >> 8);
    ip[3] = static_cast<std::uint8_t>(total);
    ip[4] = static_cast<std::uint8_t>(id >> 8);
    ip[5] = static_cast<std::uint8_t>(id);
    ip[6] = 0x40;  // DF, offset 0
    ip[7] = 0;
    ip[8] = 64;  // TTL
    ip[9] = protocol;
    std::copy(src.ip.begin(), src.ip.end(), ip + 12);
    std::copy(dst.ip.begin(), dst.ip.end(), ip + 16);
    const std::uint16_t sum = internet_checksum(BytesView(ip, kIpv4Len));
    ip[10] = static_cast<std::uint8_t>(sum >> 8);
    ip[11] = static_cast<std::uint8_t>(sum);
    packet_.assign(h.begin(), h.end());
}

void PcapWriter::udp(std::int64_t ts_us, const Endpoint4& src, const Endpoint4& dst,
                     BytesView payload) {
    std::lock_guard lock(mu_);
    if (file_ == nullptr) return;
    payload = payload.first(std::min(payload.size(), kMaxUdpPayload));
    const std::size_t udp_len = kUdpLen + payload.size();
    begin_ipv4(src, dst, kProtoUdp, udp_len);
    const std::size_t l4 = packet_.size();
    put_u16(packet_, src.port);
    put_u16(packet_, dst.port);
    put_u16(packet_, static_cast<std::uint16_t>(udp_len));
    put_u16(packet_, 0);
    packet_.insert(packet_.end(), payload.begin(), payload.end());
    std::uint16_t sum = transport_checksum_v4(src.ip.data(), dst.ip.data(), kProtoUdp,
                                              BytesView(packet_).subspan(l4));
    if (sum == 0) sum = 0xffff;  // 0 means "no checksum" in UDP over IPv4
    set_u16(packet_, l4 + 6, sum);
    write_record(ts_us);
}

void PcapWriter::write_tcp(std::int64_t ts_us, const Endpoint4& src, const Endpoint4& dst,
                           std::uint32_t seq, std::uint32_t ack, std::uint8_t flags,
                           BytesView payload) {
    const bool syn = (flags & kSyn) != 0;
    const std::size_t header_len = kTcpLen + (syn ? kMssOptionLen : 0);
    begin_ipv4(src, dst, kProtoTcp, header_len + payload.size());
    const std::size_t l4 = packet_.size();
    put_u16(packet_, src.port);
    put_u16(packet_, dst.port);
    put_u32(packet_, seq);
    put_u32(packet_, (flags & kAck) != 0 ? ack : 0);
    packet_.push_back(static_cast<std::uint8_t>((header_len / 4) << 4));
    packet_.push_back(flags);
    put_u16(packet_, kWindow);
    put_u16(packet_, 0);  // checksum, below
    put_u16(packet_, 0);  // urgent pointer
    if (syn) {
        packet_.insert(packet_.end(), {2, 4});  // MSS option
        put_u16(packet_, static_cast<std::uint16_t>(kTcpMss));
    }
    packet_.insert(packet_.end(), payload.begin(), payload.end());
    set_u16(packet_, l4 + 16,
            transport_checksum_v4(src.ip.data(), dst.ip.data(), kProtoTcp,
                                  BytesView(packet_).subspan(l4)));
    write_record(ts_us);
}

TcpFlowId PcapWriter::tcp_open(std::int64_t ts_us, const Endpoint4& client,
                               const Endpoint4& server) {
    std::lock_guard lock(mu_);
    const TcpFlowId id{next_flow_++};
    Flow f{client, server, initial_seq(id.value, 0), initial_seq(id.value, 1)};
    write_tcp(ts_us, client, server, f.client_next, 0, kSyn, {});
    ++f.client_next;
    write_tcp(ts_us, server, client, f.server_next, f.client_next, kSyn | kAck, {});
    ++f.server_next;
    write_tcp(ts_us, client, server, f.client_next, f.server_next, kAck, {});
    flows_.emplace(id.value, f);
    return id;
}

void PcapWriter::tcp_data(std::int64_t ts_us, TcpFlowId flow, bool from_client, BytesView bytes) {
    std::lock_guard lock(mu_);
    auto it = flows_.find(flow.value);
    if (it == flows_.end()) {
        ++ignored_calls_;
        return;
    }
    if (bytes.empty()) return;
    Flow& f = it->second;
    const Endpoint4& src = from_client ? f.client : f.server;
    const Endpoint4& dst = from_client ? f.server : f.client;
    std::uint32_t& seq = from_client ? f.client_next : f.server_next;
    const std::uint32_t peer_seq = from_client ? f.server_next : f.client_next;
    for (std::size_t at = 0; at < bytes.size(); at += kTcpMss) {
        const BytesView segment = bytes.subspan(at, std::min(kTcpMss, bytes.size() - at));
        write_tcp(ts_us, src, dst, seq, peer_seq, kPsh | kAck, segment);
        seq += static_cast<std::uint32_t>(segment.size());
    }
    write_tcp(ts_us, dst, src, peer_seq, seq, kAck, {});
}

void PcapWriter::tcp_close(std::int64_t ts_us, TcpFlowId flow) {
    std::lock_guard lock(mu_);
    auto it = flows_.find(flow.value);
    if (it == flows_.end()) {
        ++ignored_calls_;
        return;
    }
    Flow& f = it->second;
    write_tcp(ts_us, f.client, f.server, f.client_next, f.server_next, kFin | kAck, {});
    ++f.client_next;
    write_tcp(ts_us, f.server, f.client, f.server_next, f.client_next, kFin | kAck, {});
    ++f.server_next;
    write_tcp(ts_us, f.client, f.server, f.client_next, f.server_next, kAck, {});
    flows_.erase(it);
}

}  // namespace mtc::pcap
