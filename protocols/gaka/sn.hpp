// The serving network (MME) of EPS-AKA and GAKA: its attach table, the group contexts and the
// helpers sn.cpp (configuration, dispatch, the EPS-AKA attach and the device's answers) and
// sn_group.cpp (GAKA's group fetch, its parts and the member challenges) share. Private to
// protocols/gaka.
//
// One attach is one session id end to end: the SN's AuthDataReq / GroupAuthDataReq to the HN
// and its AuthReq / GroupAuthReq to the device carry the session id of the device's
// AttachReq / GroupAttachReq, and every message the SN sends for an attach carries the protocol
// id of the message that started it.
//
// Checks (names for Role::skips; README "Checks"):
//   box      an AuthDataResp / GroupAuthDataResp box belongs to the request it answers: the
//            IMSI inside is the pending attach's, a group part names the in-flight fetch's GID
//            and IMSI_L and agrees with the parts before it, the clear SNid is this SN's.
//            (A box that does not open under K_SH, or does not decode, is refused whatever the
//            setting: there is nothing to read.)
//   session  AuthResp / SyncFailure / AuthReject answer a challenge of that session that has
//            not been answered yet. Weakened, the SN keeps a finished attach instead of erasing
//            it, so a replayed AuthResp commits a second time.
//   res      RES == XRES.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocols/core/role.hpp"
#include "protocols/core/session_table.hpp"
#include "protocols/gaka/primitives.hpp"

namespace mtc::gaka {

class Sn final : public Role {
public:
    explicit Sn(Env e);
    std::vector<Outbound> on_message(const Inbound& in) override;

    static constexpr std::size_t kMaxAttaches = 4096;        // pending attaches (oldest evicted)
    static constexpr std::size_t kMaxQueuedPerGroup = 4096;  // members waiting for a fetch
    static constexpr std::size_t kMaxGroups = 256;           // group contexts (oldest evicted)
    static constexpr std::size_t kMaxParts = 64;             // parts of one GroupAuthDataResp
    static constexpr std::size_t kMaxGroupVectors = 4096;    // member vectors of one group
    static constexpr unsigned kMaxResyncs = 2;               // SyncFailures per attach
    // A group fetch the HN has not answered in this time gives way to the next requester.
    static constexpr std::int64_t kFetchTimeoutUs = 30'000'000;

private:
    using Params = EventEmitter::Params;

    enum class Phase : std::uint8_t {
        vector,        // AuthDataReq sent (attach or resync), waiting for AuthDataResp
        group_vector,  // GAKA leader: GroupAuthDataReq sent, waiting for all the parts
        queued,        // GAKA member: waiting for a fetch in flight
        challenge,     // AuthReq / GroupAuthReq sent, waiting for the device
        done,          // committed; kept only while "session" is weakened
    };
    struct Attach {
        std::uint8_t protocol = 0;
        Address from;
        std::string imsi;
        std::string gid;  // GAKA
        Phase phase = Phase::vector;
        EpsAv av;
        unsigned resyncs = 0;
    };
    struct Context {
        SecretBytes gak;
        Bytes rand_g;
        std::map<std::string, EpsAv> avs;  // unused member vectors by IMSI
    };
    struct Fetch {
        std::uint64_t session = 0;  // the leader's attach
        std::string imsi_l;
        std::int64_t started_us = 0;
        std::uint16_t parts = 0;  // as the first part announced
        std::size_t vectors = 0;  // member vectors received so far
        std::map<std::uint16_t, GroupAuthDataRespBody> got;
    };
    struct Waiting {
        std::uint64_t session = 0;
        std::string imsi;
    };
    struct Group {
        std::optional<Context> ctx;
        std::optional<Fetch> fetch;
        std::deque<Waiting> queue;
        // The IMSI the group was first fetched for: later fetches (a member whose vector is used
        // up) name it as IMSI_L again, so the member is still served with GroupAuthReq.
        std::string leader;
        std::uint64_t touched = 0;  // for evicting the least recently used group
    };

    // ---- sn.cpp
    void reject(std::uint64_t session, const std::string& peer, const std::string& reason,
                Params params = {}) {
        events().reject(session, peer, reason, std::move(params));
    }
    [[nodiscard]] const std::string& hn_name() const { return hn_.identity; }
    // A message to the HN on `session` carrying this SN's SNid and a box around `plain`.
    Result<Outbound> to_hn(std::uint8_t protocol, std::uint8_t type, std::uint64_t session,
                           BytesView plain);
    // AuthReq{RAND, AUTN} from the attach's vector, to the device, and the begin event.
    Outbound challenge(std::uint64_t session, Attach& a);
    // An (Group)AttachReq on a session that already has an attach: a copy of the one that
    // started it (the device retransmitted) is dropped without a word, anything else rejected.
    void repeated_attach(const Attach& a, const Inbound& in, const std::string& imsi,
                         const std::string& gid);
    // The attach a device's answer on `m`'s session refers to (check "session"), or nullptr.
    Attach* challenge_of(const Message& m);
    // Opens `m`'s box (check "box" for its SNid); nullopt after the reject.
    std::optional<SecretBytes> open(const Message& m, const std::string& what,
                                    const Params& params);

    std::vector<Outbound> on_attach(const Inbound& in);
    std::vector<Outbound> on_auth_data_resp(const Inbound& in);
    std::vector<Outbound> on_auth_resp(const Inbound& in);
    std::vector<Outbound> on_sync_failure(const Inbound& in);
    std::vector<Outbound> on_auth_reject(const Inbound& in);

    // ---- sn_group.cpp
    std::vector<Outbound> on_group_attach(const Inbound& in);
    std::vector<Outbound> on_group_auth_data_resp(const Inbound& in);
    // Sends GroupAuthDataReq{IMSI_L, GID} on `session` and records the fetch; nullopt (after
    // an error event) when it cannot be sealed.
    std::optional<Outbound> start_fetch(const std::string& gid, Group& g, std::uint64_t session,
                                        const std::string& imsi_l);
    // GroupAuthReq{RAND_i, AUTN_i, RAND_G, MAC_G} and the begin event.
    Outbound group_challenge(std::uint64_t session, Attach& a, const Context& ctx);
    // The context from the fetch's parts; then the leader's AuthReq and the queued members'.
    std::vector<Outbound> install(const std::string& gid, Group& g);
    Group& group_for(const std::string& gid);
    // Ends the fetch in flight (rejecting its leader with `reason`); the queue stays.
    void drop_fetch(Group& g, const std::string& reason);
    // Ends the fetch and rejects every queued member with `reason`.
    void drop_waiting(Group& g, const std::string& reason);
    [[nodiscard]] bool stale(const Fetch& f) const;
    [[nodiscard]] std::int64_t now_us() const;

    std::string config_error_;
    SecretBytes k_sh_;
    Bytes sn_id_;
    Peer hn_;
    SessionTable<Attach> attaches_{kMaxAttaches};
    std::map<std::string, Group> groups_;
    std::unordered_map<std::uint64_t, std::string> fetch_gid_;  // leader session -> GID
    std::uint64_t tick_ = 0;
};

}  // namespace mtc::gaka
