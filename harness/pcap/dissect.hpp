// Dissector: transport payloads in, mtcfuzz messages out, one ListedMessage row each.
//
// UDP: each datagram is one frame. TCP: each direction is a stream of frames, each prefixed
// with its length as a u32, big-endian, at most kMaxFrameSize (65551). A TCP stream whose
// first bytes (either direction) are a TLS record header (16 03 0x, or 17 03 03) is reported
// once as TLS-protected and not read further. A frame's protocol is found by the protocol id
// in its header (find_protocol) and decoded strictly with its schema (decode).
//
// Every payload becomes rows: a message, or an error row saying why not ("not an mtcfuzz
// frame", a decode error with its offset, lost TCP framing, a frame cut by the end of the
// capture or by a gap); every DecodeIssue becomes an error row too. Nothing is dropped
// silently.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/pcap/payload.hpp"
#include "protocols/core/result.hpp"

namespace mtc {
struct ProtocolSpec;
}

namespace mtc::pcap {

struct ListedMessage {
    std::uint64_t packet = 0;  // 1-based packet index (0: not about one packet)
    std::int64_t ts_us = 0;
    std::string src, dst;                // empty for rows from a DecodeIssue
    std::optional<Transport> transport;  // unset for rows from a DecodeIssue
    std::uint64_t stream = 0;
    std::string protocol;  // e.g. "prose" (empty when unknown)
    std::string type;      // e.g. "M1" ("type 9" for a type the schema lacks)
    std::string session;   // 16 hex digits (empty when there is no frame header)
    // Field name -> value as codec.hpp describe() shows it: identities that are printable
    // ASCII in double quotes, every other value in lowercase hex.
    std::vector<std::pair<std::string, std::string>> fields;
    std::optional<std::string> error;
};

class RowSink {
public:
    virtual ~RowSink() = default;
    // `row` is only valid during the call (the dissector reuses it).
    virtual void on_row(const ListedMessage& row) = 0;
    virtual void on_end() {}
};

struct DissectStats {
    std::uint64_t messages = 0;     // rows without error
    std::uint64_t errors = 0;       // error rows (including DecodeIssues and TLS streams)
    std::uint64_t tls_streams = 0;  // TCP streams reported as TLS-protected
    std::uint64_t tls_bytes = 0;    // their bytes, not decoded
};

class Dissector final : public PayloadSink {
public:
    explicit Dissector(RowSink& out);
    ~Dissector() override;

    void on_payload(const Payload& p) override;
    void on_issue(const DecodeIssue& issue) override;
    // Reports TCP frames left incomplete by the end of the capture, then out.on_end().
    void on_end() override;

    [[nodiscard]] const DissectStats& stats() const { return stats_; }

private:
    struct Direction {
        Bytes pending;  // bytes of an incomplete frame (prefix included)
        bool tls_checked = false;
        bool lost = false;  // framing lost: bytes are skipped until a capture gap
        std::uint64_t lost_bytes = 0;
        std::string src, dst;
        std::int64_t last_ts = 0;
    };
    struct TcpStream {
        Direction dir[2];  // [0] server -> client, [1] client -> server
        bool tls = false;
    };

    void frame(const Payload& p, BytesView frame);
    void tcp(const Payload& p);
    // Splits `bytes` into frames; returns how many bytes were consumed.
    std::size_t split(const Payload& p, TcpStream& s, Direction& d, BytesView bytes);
    bool detect_tls(const Payload& p, TcpStream& s, Direction& d, BytesView bytes);
    void begin_row(const Payload& p);
    void error_row(std::string reason);
    void emit();
    void resize_fields(std::size_t n);
    const ProtocolSpec* protocol(std::uint8_t id);

    RowSink& out_;
    ListedMessage row_;
    std::vector<std::pair<std::string, std::string>> spare_fields_;
    DissectStats stats_;
    std::unordered_map<std::uint64_t, TcpStream> tcp_;
    std::array<const ProtocolSpec*, 256> protocols_{};
    std::array<bool, 256> looked_up_{};
    std::int64_t last_ts_ = 0;
};

// "2025-01-01 12:00:00.000123" (UTC).
std::string format_time(std::int64_t ts_us);
// One line: time, src -> dst, transport, protocol, type, session=..., fields NAME=VALUE, or
// "error: ..." for an error row.
std::string to_text(const ListedMessage& row);
nlohmann::ordered_json to_json(const ListedMessage& row);

// Every row of a capture file, in order (for tests and small files; the CLI streams).
struct Listing {
    std::vector<ListedMessage> rows;
    ReaderStats reader;
    DissectStats dissect;
};
Result<Listing> list_pcap(const std::string& path);

}  // namespace mtc::pcap
