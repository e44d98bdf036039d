// A smart device of SGA (paper 003): configuration, registration and dispatch (device.cpp), the
// initiator d_i (device_initiator.cpp: A1, A4 -> B1, B6i -> K, Data) and the responder d_j
// (device_responder.cpp: A2 -> A3, B2 -> B3, B6j -> K, Data -> DataAck). Private to
// protocols/sga.
#pragma once

#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "protocols/core/role.hpp"
#include "protocols/core/session_table.hpp"
#include "protocols/sga/role_util.hpp"

namespace mtc::sga {

class Device final : public Role {
public:
    explicit Device(Env e);
    std::vector<Outbound> start() override;
    std::vector<Outbound> on_message(const Inbound& in) override;

    static constexpr std::size_t kMaxPendingStarts = 64;
    static constexpr std::size_t kMaxBufferedData = 4;
    static constexpr std::size_t kMaxSeen = 64;

private:
    using Params = EventEmitter::Params;
    enum class Stage : std::uint8_t { a4, b2, b6 };
    // One run of this device as d_i (initiator) or d_j (responder).
    struct Run {
        Stage stage = Stage::a4;
        Bytes id_di, id_dj;
        CipherId cid = CipherId::aes_128_gcm;
        SecretBytes kt;  // kt_i (d_i) or kt_j (d_j)
        Bytes n_a;       // hardened, d_i
        std::optional<KeyShare> share;
        std::vector<Message> early_data;  // d_j: Data that overtook B6j
    };
    // A completed key exchange: K and who the other device is.
    struct Keyed {
        Bytes peer;
        bool initiator = false;
        Bytes id_di, id_dj;
        CipherId cid = CipherId::aes_128_gcm;
        SecretBytes k;  // K's |p|-byte encoding
        std::set<std::uint64_t> seen;
    };

    // ---- device.cpp
    bool ready(std::uint64_t session);
    [[nodiscard]] bool hardened() const { return env().variant == "hardened"; }
    [[nodiscard]] const std::string& identity() const { return env().creds.identity; }
    [[nodiscard]] const DlGroup& G() const { return *group_; }
    void reject(std::uint64_t session, const std::string& peer, const std::string& reason,
                Params params = {}) {
        events().reject(session, peer, reason, std::move(params));
    }
    [[nodiscard]] bool registered() const;
    Outbound to_server(Message m) const { return Outbound{server_.address, std::move(m)}; }
    std::vector<Outbound> send_reg(std::uint64_t session);
    std::vector<Outbound> on_reg_ack(const Inbound& in);
    std::vector<Outbound> on_reject(const Inbound& in);
    static Params p2(const Run& run, std::uint64_t session);
    // The B1 / B3 of `run` (d_i: B1 under kt_i; d_j: B3 under kt_j); the begins go with it.
    std::optional<Message> key_exchange(std::uint64_t session, Run& run, bool initiator);
    // B6i / B6j (B7): checks and K; nullopt after the reject.
    std::optional<SecretBytes> recover_key(const Message& m, const Run& run);

    // ---- device_initiator.cpp
    std::vector<Outbound> send_a1(std::uint64_t session);
    std::vector<Outbound> on_a4(const Inbound& in);
    std::vector<Outbound> on_b6i(const Inbound& in);

    // ---- device_responder.cpp
    std::vector<Outbound> on_a2(const Inbound& in);
    std::vector<Outbound> on_b2(const Inbound& in);
    std::vector<Outbound> on_b6j(const Inbound& in);
    std::vector<Outbound> on_data(const Inbound& in);
    std::vector<Outbound> take_data(const Message& m, Keyed& keyed);

    std::string config_error_;
    const DlGroup* group_ = nullptr;
    std::optional<RsaKey> pk_, pk_f_;
    SecretBytes k_d_;
    CipherIdSet cids_;
    Peer server_, partner_;
    bool reg_in_flight_ = false;
    std::int64_t reg_sent_s_ = 0;    // when the Reg in flight left (clock seconds)
    std::uint64_t reg_session_ = 0;  // the session of the last Reg sent
    static constexpr std::int64_t kRegRetryS = 2;
    std::deque<std::uint64_t> pending_starts_;  // runs waiting for the RegAck
    SessionTable<Run> initiated_{1024};
    SessionTable<Run> responding_{1024};
    SessionTable<Keyed> keyed_{1024};
};

}  // namespace mtc::sga
