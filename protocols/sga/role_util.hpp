// What the SGA roles, the spec and the attacker's recipes share (private to protocols/sga):
// options and settings, the AADs of E^x, the hardened A1 MAC, status codes, the event sessions
// and the durable records (device registry, message store). One function per encoding, used by
// the side that produces it and the side that checks it. See README.md, "Wire reading".
#pragma once

#include <array>
#include <charconv>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "protocols/core/message.hpp"
#include "protocols/core/role_options.hpp"
#include "protocols/sga/primitives.hpp"
#include "protocols/sga/schema.hpp"

namespace mtc::sga {

inline constexpr std::string_view kDefaultGroup = "dh_2048_256";
inline constexpr std::string_view kDefaultCids = "1,2,3,4";
inline constexpr int kRsaBits = 2048;  // A1 / A3 need a 190-byte OAEP block (schema.hpp)

// StatusCode values (RegAck, Reject).
enum StatusValue : std::uint8_t {
    kAccepted = 0,
    kRegRejected = 1,    // RegAck: the registration was refused
    kNotRegistered = 2,  // RegAck: register first (a prompt); Reject: d_i or d_j is unknown
    kNoCommonCid = 3,    // Reject: cid not in CidSet_i n CidSet_j
    kBadRequest = 4,     // Reject: A1 refused for another reason (see the server's reject event)
};

// The negotiation's events (d_i's and d_j's begin with the server, the server's accepts and its
// commit of kt_i) are reported under this id, the key exchange's under the frame session: the
// two phases are two sessions of the paper (4.3, 4.4), and each session id carries one key.
inline constexpr std::uint64_t kNegotiationTag = 0x5347414e45474f54ULL;  // "SGANEGOT"
inline std::uint64_t negotiation_session(std::uint64_t run) {
    return run ^ kNegotiationTag;
}

// ---- Options (and protocols/core/role_options.hpp) -----------------------------------------

// "1,2,3,4" -> a CidSet in that preference order (1..4 entries, known, no duplicates).
inline Result<CipherIdSet> parse_cids(std::string_view v) {
    Bytes raw;
    std::size_t pos = 0;
    while (pos <= v.size()) {
        const std::size_t comma = std::min(v.find(',', pos), v.size());
        const auto n = parse_int(v.substr(pos, comma - pos));
        if (!n || *n < 0 || *n > 255)
            return make_error("cids: '" + std::string(v) +
                              "' is not a comma-separated list of cids 1..4");
        raw.push_back(static_cast<std::uint8_t>(*n));
        pos = comma + 1;
    }
    return decode_cid_set(view(raw));
}

// ---- Encodings -------------------------------------------------------------------------------

inline std::string field_str(const Message& m, std::uint8_t tag) {
    return display(m.get_or_empty(tag));
}

inline std::string msg_name(std::uint8_t type) {
    const auto* spec = schema().message(type);
    return spec != nullptr ? spec->name : "type " + std::to_string(type);
}

inline std::string session_hex(std::uint64_t s) {
    Bytes b;
    put_u64(b, s);
    return to_hex(view(b));
}

inline Message make_msg(std::uint8_t type, std::uint64_t session) {
    Message m;
    m.protocol = kProtocolId;
    m.type = type;
    m.session = session;
    return m;
}

inline Bytes u64_bytes(std::uint64_t v) {
    Bytes b;
    put_u64(b, v);
    return b;
}

// The AAD of every E^x ciphertext on the wire. As-specified: empty (the paper binds nothing).
// Hardened: encode_list("SGA", type, session, extra...), binding each ciphertext to its message
// type and run; `extra` is N_A between d_i and the server (A4, B1) and (ID_src, ID_dst, Seq) for
// Data.
inline Bytes sealed_aad(bool hardened, std::uint8_t type, std::uint64_t session,
                        std::initializer_list<BytesView> extra = {}) {
    if (!hardened) return {};
    Bytes out =
        encode_list({view(std::string_view("SGA")), BytesView(&type, 1), view(u64_bytes(session))});
    for (BytesView e : extra) {
        Bytes item = encode_list({e});
        out.insert(out.end(), item.begin(), item.end());
    }
    return out;
}

// Hardened A1: MAC_A = f_{kt_i}(encode_list("SGA A1", CtPK, N_A, TS)). Under kt_i, which only the
// holder of k_di can put into A1, rather than k_di itself: a MAC under k_d over public values
// would be an off-line verifier for a weak (PIN-derived) k_d.
inline Bytes a1_mac(BytesView kt, BytesView ct_pk, BytesView n_a, BytesView ts) {
    return f_mac(kt, view(encode_list({view(std::string_view("SGA A1")), ct_pk, n_a, ts})));
}

// Data plaintext AAD extras.
inline Bytes data_aad(bool hardened, std::uint64_t session, const Message& m) {
    return sealed_aad(hardened, Data, session,
                      {m.get_or_empty(ID_src), m.get_or_empty(ID_dst), m.get_or_empty(Seq)});
}

// Opens A2's Ct with d_j's k_d and returns what the paper hands d_j: (kt_i xor k_dj) xor k_dj,
// i.e. kt_i as-specified (a hardened A2 yields the server's nonce xor k_dj, which opens nothing).
// Tries the as-specified and the hardened AAD. For the attacker's SealRecipe and tests.
inline Result<SecretBytes> open_a2_kt(const Message& a2, BytesView k_dj) {
    const BytesView cid = a2.get_or_empty(Cid);
    const auto c = cid.size() == 1 ? cid_from_byte(cid[0]) : std::nullopt;
    if (!c) return make_error("A2 cid is unknown");
    for (bool hardened : {false, true}) {
        auto pt =
            sym_open(*c, k_dj, view(sealed_aad(hardened, A2, a2.session)), a2.get_or_empty(Ct));
        if (!pt) continue;
        auto req = decode_a2(view(*pt));
        if (!req) return req.error();
        return xor_bytes(view(req->masked_kt), k_dj);
    }
    return make_error("A2 does not open under this k_d");
}

// Opens B1's (or B3's) Ct with a kt: the key-exchange request; for the SealRecipe it yields K_s.
inline Result<KeyExchangeRequest> open_kex(const Message& b, BytesView kt) {
    const BytesView cid = b.get_or_empty(Cid);
    const auto c = cid.size() == 1 ? cid_from_byte(cid[0]) : std::nullopt;
    if (!c) return make_error(msg_name(b.type) + " cid is unknown");
    if (kt.size() != kKeyLen) return make_error("kt is not 16 bytes");
    for (bool hardened : {false, true}) {
        // The hardened AAD of B1 also binds N_A, which only the run knows: tried as-specified only.
        if (hardened && b.type == B1) break;
        auto pt =
            sym_open(*c, kt, view(sealed_aad(hardened, b.type, b.session)), b.get_or_empty(Ct));
        if (!pt) continue;
        return b.type == B1 ? decode_b1(view(*pt)) : decode_b3(view(*pt));
    }
    return make_error(msg_name(b.type) + " does not open under this kt");
}

// ---- Durable records (Env::storage) ----------------------------------------------------------

// The server's registry: "dev-<hex ID>" -> 1 || x || u16 |k_d| || k_d || u16 |CidSet| || CidSet.
struct DeviceRecord {
    CipherId x = CipherId::aes_128_gcm;  // the registered E^x (Reg's RegCid)
    SecretBytes k_d;
    CipherIdSet cids;
};

inline std::string device_key(BytesView id) {
    return "dev-" + to_hex(id);
}

inline Bytes encode_device(const DeviceRecord& r) {
    Bytes out{1, cid_byte(r.x)};
    put_u16(out, static_cast<std::uint16_t>(r.k_d.size()));
    out.insert(out.end(), r.k_d.begin(), r.k_d.end());
    const Bytes set = encode_cid_set(r.cids);
    put_u16(out, static_cast<std::uint16_t>(set.size()));
    out.insert(out.end(), set.begin(), set.end());
    return out;
}

inline Result<DeviceRecord> decode_device(BytesView in) {
    if (in.size() < 4 || in[0] != 1) return make_error("device record: bad version");
    DeviceRecord r;
    const auto x = cid_from_byte(in[1]);
    if (!x) return make_error("device record: unknown x");
    r.x = *x;
    const std::size_t nk = get_u16(in, 2);
    if (nk != kKeyLen || in.size() < 4 + nk + 2) return make_error("device record: bad k_d");
    r.k_d = to_secret(in.subspan(4, nk));
    const std::size_t ns = get_u16(in, 4 + nk);
    if (in.size() != 6 + nk + ns) return make_error("device record: bad length");
    auto set = decode_cid_set(in.subspan(6 + nk, ns));
    if (!set) return set.error();
    r.cids = std::move(set).value();
    return r;
}

// The message store: "msg-<hex ID_dst>-<016x n>" -> 1 || delivered || u64 session || u64 Seq ||
// cid || u16 |ID_src| || ID_src || u16 |ID_dst| || ID_dst || u16 |Ct| || Ct. n counts up per
// server (after a restart: one past the highest stored).
struct StoredData {
    bool delivered = false;
    std::uint64_t session = 0;
    std::uint64_t seq = 0;
    std::uint8_t cid = 0;
    Bytes src, dst, ct;
};

inline std::string store_key(BytesView dst, std::uint64_t n) {
    char num[17];
    std::snprintf(num, sizeof num, "%016llx", static_cast<unsigned long long>(n));
    return "msg-" + to_hex(dst) + "-" + num;
}

// n of a store key, or nullopt when `key` is not one.
inline std::optional<std::uint64_t> store_index(std::string_view key) {
    if (key.substr(0, 4) != "msg-" || key.size() < 4 + 2 + 17) return std::nullopt;
    const std::string_view n = key.substr(key.size() - 16);
    if (key[key.size() - 17] != '-') return std::nullopt;
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), v, 16);
    if (ec != std::errc() || end != n.data() + n.size()) return std::nullopt;
    return v;
}

inline Bytes encode_stored(const StoredData& d) {
    Bytes out{1, static_cast<std::uint8_t>(d.delivered ? 1 : 0)};
    put_u64(out, d.session);
    put_u64(out, d.seq);
    out.push_back(d.cid);
    for (const Bytes* b : {&d.src, &d.dst, &d.ct}) {
        put_u16(out, static_cast<std::uint16_t>(b->size()));
        out.insert(out.end(), b->begin(), b->end());
    }
    return out;
}

inline Result<StoredData> decode_stored(BytesView in) {
    if (in.size() < 19 || in[0] != 1 || in[1] > 1) return make_error("stored message: bad header");
    StoredData d;
    d.delivered = in[1] == 1;
    d.session = get_u64(in, 2);
    d.seq = get_u64(in, 10);
    d.cid = in[18];
    std::size_t at = 19;
    for (Bytes* b : {&d.src, &d.dst, &d.ct}) {
        if (in.size() - at < 2) return make_error("stored message: truncated");
        const std::size_t n = get_u16(in, at);
        if (in.size() - at - 2 < n) return make_error("stored message: truncated");
        b->assign(in.begin() + static_cast<std::ptrdiff_t>(at + 2),
                  in.begin() + static_cast<std::ptrdiff_t>(at + 2 + n));
        at += 2 + n;
    }
    if (at != in.size()) return make_error("stored message: trailing bytes");
    return d;
}

}  // namespace mtc::sga
