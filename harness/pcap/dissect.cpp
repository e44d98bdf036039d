#include "harness/pcap/dissect.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "harness/pcap/reader.hpp"
#include "protocols/core/codec.hpp"
#include "protocols/core/registry.hpp"

namespace mtc::pcap {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// "00".."ff" for every byte value, so rendering writes two characters per byte at once.
struct HexPairs {
    char pair[256][2];
    constexpr HexPairs() : pair() {
        for (int i = 0; i < 256; ++i) {
            pair[i][0] = kHex[i >> 4];
            pair[i][1] = kHex[i & 0x0f];
        }
    }
};
constexpr HexPairs kHexPairs;

void hex_into(std::string& s, BytesView v) {
    s.resize(v.size() * 2);
    char* out = s.data();
    for (const std::uint8_t b : v) {
        std::memcpy(out, kHexPairs.pair[b], 2);
        out += 2;
    }
}

void session_into(std::string& s, std::uint64_t session) {
    s.resize(16);
    for (int i = 15; i >= 0; --i, session >>= 4)
        s[static_cast<std::size_t>(i)] = kHex[session & 0x0f];
}

// codec.hpp describe()'s rule: printable identities quoted, everything else hex.
bool printable_text(BytesView v) {
    return std::all_of(v.begin(), v.end(), [](std::uint8_t c) {
        return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
    });
}

void value_into(std::string& s, const FieldSpec* fs, BytesView v) {
    if (v.empty() || (fs != nullptr && fs->kind == FieldKind::identity && printable_text(v))) {
        s.assign(1, '"');
        s.append(v.begin(), v.end());
        s.push_back('"');
    } else {
        hex_into(s, v);
    }
}

// TLS record header: handshake (0x16) or application data (0x17) with a TLS 1.x version.
bool tls_record_header(std::uint8_t b0, std::uint8_t b1, std::uint8_t b2) {
    return (b0 == 0x16 && b1 == 0x03 && (b2 & 0xf0) == 0) ||
           (b0 == 0x17 && b1 == 0x03 && b2 == 0x03);
}

std::string num(std::uint64_t v) {
    return std::to_string(v);
}

}  // namespace

Dissector::Dissector(RowSink& out) : out_(out) {}

Dissector::~Dissector() = default;

const ProtocolSpec* Dissector::protocol(std::uint8_t id) {
    if (!looked_up_[id]) {
        protocols_[id] = find_protocol(id);
        looked_up_[id] = true;
    }
    return protocols_[id];
}

void Dissector::begin_row(const Payload& p) {
    row_.packet = p.packet;
    row_.ts_us = p.ts_us;
    row_.src = p.src;
    row_.dst = p.dst;
    row_.transport = p.transport;
    row_.stream = p.stream;
    row_.protocol.clear();
    row_.type.clear();
    row_.session.clear();
}

void Dissector::resize_fields(std::size_t n) {
    // Strings move between the row and a spare pool instead of being freed and allocated
    // again when consecutive messages have different field counts.
    auto& fields = row_.fields;
    while (fields.size() > n) {
        spare_fields_.push_back(std::move(fields.back()));
        fields.pop_back();
    }
    while (fields.size() < n) {
        if (spare_fields_.empty()) {
            fields.emplace_back();
        } else {
            fields.push_back(std::move(spare_fields_.back()));
            spare_fields_.pop_back();
        }
    }
}

void Dissector::error_row(std::string reason) {
    resize_fields(0);
    row_.error = std::move(reason);
    emit();
}

void Dissector::emit() {
    if (row_.error) {
        ++stats_.errors;
    } else {
        ++stats_.messages;
    }
    out_.on_row(row_);
}

void Dissector::frame(const Payload& p, BytesView frame) {
    begin_row(p);
    auto header = peek_header(frame);
    if (!header) {
        if (frame.size() < 2 || get_u16(frame, 0) != kFrameMagic) {
            return error_row("not an mtcfuzz frame (" + num(frame.size()) + " bytes)");
        }
        return error_row("bad mtcfuzz frame header: " + header.error().describe());
    }
    session_into(row_.session, header->session);
    const ProtocolSpec* spec = protocol(header->protocol);
    if (spec == nullptr) {
        row_.protocol = "id " + num(header->protocol);
        return error_row("unknown protocol id " + num(header->protocol) +
                         " (no registered protocol has it) at offset 3");
    }
    const Schema& schema = *spec->schema;
    row_.protocol = spec->name;
    const MessageSpec* ms = schema.message(header->type);
    if (ms != nullptr) {
        row_.type = ms->name;
    } else {
        row_.type = "type " + num(header->type);
    }
    auto msg = decode(schema, frame);
    if (!msg) return error_row(msg.error().describe());
    row_.error.reset();
    resize_fields(msg->fields.size());
    // Decoded fields and the spec's both ascend by tag: walk them together.
    auto spec_it = ms->fields.begin();
    for (std::size_t i = 0; i < msg->fields.size(); ++i) {
        const Field& f = msg->fields[i];
        while (spec_it != ms->fields.end() && spec_it->tag < f.tag) ++spec_it;
        const FieldSpec* fs =
            spec_it != ms->fields.end() && spec_it->tag == f.tag ? &*spec_it : ms->field(f.tag);
        auto& [name, value] = row_.fields[i];
        if (fs != nullptr) {
            name = fs->name;
        } else {
            name = "tag" + num(f.tag);
        }
        value_into(value, fs, view(f.value));
    }
    emit();
}

void Dissector::on_payload(const Payload& p) {
    last_ts_ = p.ts_us;
    if (p.transport == Transport::udp) return frame(p, p.data);
    tcp(p);
}

bool Dissector::detect_tls(const Payload& p, TcpStream& s, Direction& d, BytesView bytes) {
    // The first three bytes of the direction, which may be split over payloads.
    std::uint8_t first[3];
    std::size_t n = 0;
    for (std::size_t i = 0; i < d.pending.size() && n < 3; ++i) first[n++] = d.pending[i];
    for (std::size_t i = 0; i < bytes.size() && n < 3; ++i) first[n++] = bytes[i];
    if (n < 3) return false;
    d.tls_checked = true;
    if (!tls_record_header(first[0], first[1], first[2])) return false;
    s.tls = true;
    ++stats_.tls_streams;
    stats_.tls_bytes += bytes.size();
    for (Direction& dir : s.dir) {
        stats_.tls_bytes += dir.pending.size();
        dir.pending.clear();
    }
    begin_row(p);
    error_row("TLS-protected stream (not decodable without keys)");
    return true;
}

std::size_t Dissector::split(const Payload& p, TcpStream& /*s*/, Direction& d, BytesView bytes) {
    std::size_t at = 0;
    while (bytes.size() - at >= 4) {
        const std::uint32_t len = get_u32(bytes, at);
        if (len > kMaxFrameSize) {
            d.lost = true;
            d.lost_bytes = bytes.size() - at;
            begin_row(p);
            error_row("length prefix " + num(len) + " exceeds the " + num(kMaxFrameSize) +
                      "-byte frame limit: framing of this direction is lost and its " +
                      num(bytes.size() - at) +
                      " bytes from here are skipped (not an mtcfuzz stream, or the capture "
                      "started mid-stream)");
            return bytes.size();
        }
        if (bytes.size() - at - 4 < len) break;
        frame(p, bytes.subspan(at + 4, len));
        at += 4 + len;
    }
    return at;
}

void Dissector::tcp(const Payload& p) {
    TcpStream& s = tcp_[p.stream];
    Direction& d = s.dir[p.from_client ? 1 : 0];
    if (d.src.empty()) {
        d.src = p.src;
        d.dst = p.dst;
    }
    d.last_ts = p.ts_us;
    if (s.tls) {
        stats_.tls_bytes += p.data.size();
        return;
    }
    const BytesView in = p.data;
    if (p.gap_before) {
        // Bytes are missing before these: an incomplete frame can never complete, and lost
        // framing may resume here (senders usually start a segment with a frame).
        if (!d.pending.empty()) {
            begin_row(p);
            error_row("TCP frame cut by a gap in the capture: only " + num(d.pending.size()) +
                      " bytes of it were captured");
            d.pending.clear();
        }
        d.lost = false;
        d.tls_checked = true;
    }
    if (d.lost) {
        d.lost_bytes += in.size();
        begin_row(p);
        return error_row(num(in.size()) +
                         " bytes skipped: framing of this direction was lost earlier");
    }
    if (!d.tls_checked && detect_tls(p, s, d, in)) return;
    if (d.pending.empty()) {
        const std::size_t used = split(p, s, d, in);
        if (!d.lost) d.pending.assign(in.begin() + static_cast<std::ptrdiff_t>(used), in.end());
        return;
    }
    d.pending.insert(d.pending.end(), in.begin(), in.end());
    const std::size_t used = split(p, s, d, view(d.pending));
    if (d.lost) {
        d.pending.clear();
    } else {
        d.pending.erase(d.pending.begin(), d.pending.begin() + static_cast<std::ptrdiff_t>(used));
    }
}

void Dissector::on_issue(const DecodeIssue& issue) {
    last_ts_ = std::max(last_ts_, issue.ts_us);
    row_.packet = issue.packet;
    row_.ts_us = issue.ts_us;
    row_.src.clear();
    row_.dst.clear();
    row_.transport.reset();
    row_.stream = 0;
    row_.protocol.clear();
    row_.type.clear();
    row_.session.clear();
    error_row(issue.reason);
}

void Dissector::on_end() {
    std::vector<std::uint64_t> ids;
    ids.reserve(tcp_.size());
    for (const auto& [id, s] : tcp_) ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    for (std::uint64_t id : ids) {
        TcpStream& s = tcp_[id];
        if (s.tls) continue;
        for (int i = 1; i >= 0; --i) {
            Direction& d = s.dir[i];
            if (d.pending.empty() || d.lost) continue;
            row_.packet = 0;
            row_.ts_us = d.last_ts;
            row_.src = d.src;
            row_.dst = d.dst;
            row_.transport = Transport::tcp;
            row_.stream = id;
            row_.protocol.clear();
            row_.type.clear();
            row_.session.clear();
            if (d.pending.size() < 4) {
                error_row("capture ends inside a TCP frame's length prefix (" +
                          num(d.pending.size()) + " of 4 bytes)");
            } else {
                error_row("capture ends inside a TCP frame: " + num(d.pending.size() - 4) +
                          " of its " + num(get_u32(view(d.pending), 0)) + " bytes captured");
            }
            d.pending.clear();
        }
    }
    out_.on_end();
}

std::string format_time(std::int64_t ts_us) {
    std::int64_t sec = ts_us / 1'000'000;
    std::int64_t us = ts_us % 1'000'000;
    if (us < 0) {
        us += 1'000'000;
        --sec;
    }
    const auto t = static_cast<std::time_t>(sec);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%06lld", static_cast<long long>(us));
    return buf;
}

std::string to_text(const ListedMessage& row) {
    std::string s = format_time(row.ts_us);
    if (row.transport) {
        s.append(" ").append(row.src).append(" -> ").append(row.dst).append(" ");
        s.append(to_string(*row.transport));
    } else if (row.packet != 0) {
        s.append(" packet ").append(num(row.packet));
    }
    if (!row.protocol.empty()) s.append(" ").append(row.protocol);
    if (!row.type.empty()) s.append(" ").append(row.type);
    if (!row.session.empty()) s.append(" session=").append(row.session);
    if (row.error) {
        s.append(" error: ").append(*row.error);
        return s;
    }
    for (const auto& [name, value] : row.fields)
        s.append(" ").append(name).append("=").append(value);
    return s;
}

nlohmann::ordered_json to_json(const ListedMessage& row) {
    using json = nlohmann::ordered_json;
    json j;
    j["packet"] = row.packet;
    j["ts_us"] = row.ts_us;
    j["time"] = format_time(row.ts_us);
    j["src"] = row.transport ? json(row.src) : json(nullptr);
    j["dst"] = row.transport ? json(row.dst) : json(nullptr);
    j["transport"] = row.transport ? json(std::string(to_string(*row.transport))) : json(nullptr);
    j["stream"] = row.transport ? json(row.stream) : json(nullptr);
    j["protocol"] = row.protocol.empty() ? json(nullptr) : json(row.protocol);
    j["type"] = row.type.empty() ? json(nullptr) : json(row.type);
    j["session"] = row.session.empty() ? json(nullptr) : json(row.session);
    json fields = json::object();
    for (const auto& [name, value] : row.fields) fields[name] = value;
    j["fields"] = std::move(fields);
    j["error"] = row.error ? json(*row.error) : json(nullptr);
    return j;
}

namespace {

class Collect final : public RowSink {
public:
    explicit Collect(std::vector<ListedMessage>& rows) : rows_(rows) {}
    void on_row(const ListedMessage& row) override { rows_.push_back(row); }

private:
    std::vector<ListedMessage>& rows_;
};

}  // namespace

Result<Listing> list_pcap(const std::string& path) {
    Listing listing;
    Collect collect(listing.rows);
    Dissector dissector(collect);
    auto stats = read_pcap(path, dissector);
    if (!stats) return stats.error();
    listing.reader = *stats;
    listing.dissect = dissector.stats();
    return listing;
}

}  // namespace mtc::pcap
