// The SGA server (paper 003): configuration, the device registry, the run table and the helpers
// server.cpp (registration, negotiation, delivery) and server_kex.cpp (key exchange, B1-B6)
// share. Private to protocols/sga.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "protocols/core/role.hpp"
#include "protocols/core/session_table.hpp"
#include "protocols/sga/role_util.hpp"
#include "protocols/sga/store.hpp"

namespace mtc::sga {

class Server final : public Role {
public:
    explicit Server(Env e);
    std::vector<Outbound> on_message(const Inbound& in) override;

    static constexpr std::size_t kMaxParkedPerDevice = 16;
    static constexpr std::size_t kMaxRegistered = 4096;  // only unprovisioned ids count
    static constexpr std::size_t kFlushMax = 32;
    static constexpr std::size_t kReplayCap = 4096;

private:
    using Params = EventEmitter::Params;
    enum class Stage : std::uint8_t { registration, a3, b1, b3 };
    struct Run {
        Stage stage = Stage::registration;
        Bytes id_di, id_dj;
        CipherId cid = CipherId::aes_128_gcm;
        SecretBytes kt_i, kt_j, n_s;
        Bytes n_a;  // hardened
        Address addr_i;
        // B4: what B1 gave.
        BigNum n_i, k_is;
    };
    struct Established {
        Bytes id_di, id_dj;
    };

    // ---- server.cpp
    bool ready(std::uint64_t session);
    [[nodiscard]] bool hardened() const { return env().variant == "hardened"; }
    [[nodiscard]] const std::string& identity() const { return env().creds.identity; }
    [[nodiscard]] const DlGroup& G() const { return *group_; }
    void reject(std::uint64_t session, const std::string& peer, const std::string& reason,
                Params params = {}) {
        events().reject(session, peer, reason, std::move(params));
    }
    std::optional<DeviceRecord> record(BytesView id);
    [[nodiscard]] const SecretBytes* provisioned_kd(BytesView id) const;
    [[nodiscard]] std::optional<Address> address_of(BytesView id) const;
    Params p1(const Run& run) const;
    Params p2(const Run& run, std::uint64_t session) const;
    Outbound status_to(const Address& to, std::uint8_t type, std::uint64_t session,
                       std::uint8_t status, BytesView id_d = {});
    // Stored, undelivered Data for `id` this incarnation has not forwarded (a contact from id).
    std::vector<Outbound> flush(BytesView id);
    static void append(std::vector<Outbound>& out, std::vector<Outbound> more);

    std::vector<Outbound> on_reg(const Inbound& in);
    std::vector<Outbound> on_a1(const Inbound& in);
    bool check_a1_freshness(const Message& a1, const NegotiationRequest& req, BytesView kt_i,
                            const Params& params);
    std::vector<Outbound> send_a2(std::uint64_t session, Run run);
    std::vector<Outbound> on_a3(const Inbound& in);
    std::vector<Outbound> on_data(const Inbound& in);
    std::vector<Outbound> on_data_ack(const Inbound& in);

    // ---- server_kex.cpp
    std::vector<Outbound> on_b1(const Inbound& in);
    std::vector<Outbound> on_b3(const Inbound& in);
    // Opens and checks a B1 / B3 (README "Checks"); nullopt after the reject.
    std::optional<KeyExchangeCheck> check_kex(const Message& m, const Run& run, bool from_i);

    std::string config_error_;
    const DlGroup* group_ = nullptr;
    std::optional<RsaKey> pr_, pr_f_;
    std::map<std::string, Address> devices_;  // identity -> address (peers "dev<k>")
    std::int64_t window_us_ = 120'000'000;
    std::map<Bytes, DeviceRecord> registry_;  // cache of the "dev-" records
    SessionTable<Run> runs_;
    std::map<Bytes, std::deque<std::uint64_t>> parked_;  // ID_dj -> sessions awaiting its Reg
    SessionTable<Established> established_;
    // Hardened replay record: (ID_di, N_A) seen, by TS; A1s stamped at or before floor_ are
    // refused (evicted entries and anything before this incarnation started).
    std::set<std::pair<Bytes, Bytes>> seen_;
    std::multimap<std::int64_t, std::pair<Bytes, Bytes>> seen_by_ts_;
    std::int64_t floor_us_ = 0;
    std::optional<MessageStore> store_;
};

}  // namespace mtc::sga
