// A smart device of SGA (paper 003): configuration, registration (4.1), dispatch, and what the
// initiator and the responder share (the B1 / B3 key-exchange request, B7).
#include "protocols/sga/device.hpp"

#include <utility>

#include "protocols/sga/roles.hpp"

namespace mtc::sga {

namespace {
constexpr std::string_view kRegisteredKey = "registered";
}

Device::Device(Env e) : Role(std::move(e)) {
    const std::string grp = option_or(env().settings, "group", kDefaultGroup);
    group_ = group_by_name(grp);
    if (group_ == nullptr) config_error_ = "unknown or unavailable group '" + grp + "'";
    for (const char* name : {"PK", "PK_F"}) {
        auto it = env().creds.attrs.find(name);
        auto k = it == env().creds.attrs.end() ? Result<RsaKey>(make_error("missing"))
                                               : RsaKey::from_public_pem(it->second);
        if (!k) {
            config_error_ = std::string("device lacks the server key ") + name;
            continue;
        }
        (std::string_view(name) == "PK" ? pk_ : pk_f_) = std::move(k).value();
    }
    if (auto it = env().creds.secrets.find("k_d");
        it != env().creds.secrets.end() && it->second.size() == kKeyLen) {
        k_d_ = it->second;
    } else {
        config_error_ = "device lacks a 16-byte k_d";
    }
    auto cids = parse_cids(option_or(env().settings, "cids", kDefaultCids));
    if (cids) {
        cids_ = std::move(cids).value();
    } else {
        config_error_ = cids.error().reason;
    }
    auto s = env().peers.find("SGA");
    if (s == env().peers.end()) {
        config_error_ = "device has no SGA peer";
    } else {
        server_ = s->second;
    }
    if (auto p = env().peers.find("partner"); p != env().peers.end()) partner_ = p->second;
}

bool Device::ready(std::uint64_t session) {
    if (config_error_.empty()) return true;
    events().error(session, "device is misconfigured: " + config_error_);
    return false;
}

bool Device::registered() const {
    auto v = env().storage->get(kRegisteredKey);
    return v && v->has_value();
}

std::vector<Outbound> Device::start() {
    const std::uint64_t session = rng().u64();
    if (!ready(session)) return {};
    if (partner_.identity.empty()) {
        events().error(session, "device has no partner to start with");
        return {};
    }
    if (registered()) return send_a1(session);
    // Register first (4.1); the run starts when the RegAck arrives.
    if (pending_starts_.size() >= kMaxPendingStarts) pending_starts_.pop_front();
    pending_starts_.push_back(session);
    return send_reg(session);
}

std::vector<Outbound> Device::on_message(const Inbound& in) {
    const Message& m = in.msg;
    if (!ready(m.session)) return {};
    switch (m.type) {
        case RegAck:
            return on_reg_ack(in);
        case Reject:
            return on_reject(in);
        case A2:
            return on_a2(in);
        case A4:
            return on_a4(in);
        case B2:
            return on_b2(in);
        case B6i:
            return on_b6i(in);
        case B6j:
            return on_b6j(in);
        case Data:
            return on_data(in);
        default:
            break;
    }
    reject(m.session, in.from,
           "unexpected " + msg_name(m.type) +
               " (Device accepts RegAck, Reject, A2, A4, B2, B6i, B6j, Data)");
    return {};
}

// Reg: E^G_PK(k_d) || x || E^x_{k_d}(ID_d) || CidSet, x = the first cid of the device's CidSet.
std::vector<Outbound> Device::send_reg(std::uint64_t session) {
    // One Reg at a time; but a Reg (or its RegAck) that was lost must not leave the device
    // unregistered for good, so after kRegRetryS without an answer the next need re-sends it.
    if (reg_in_flight_ && clock().now_s() - reg_sent_s_ < kRegRetryS) return {};
    const CipherId x = cids_.front();
    auto enc_kd =
        eg_encrypt(*pk_, view(RegKeyPlain{k_d_}.encode()), view(rng().bytes(crypto::kOaepSeedLen)));
    auto enc_id =
        sym_seal(x, view(k_d_), {}, view(RegIdPlain{to_bytes(identity())}.encode()), rng());
    if (!enc_kd || !enc_id) {
        events().error(session, "Reg cannot be made");
        return {};
    }
    Message m = make_msg(Reg, session);
    m.set(EncKd, std::move(enc_kd).value());
    m.set(RegCid, Bytes{cid_byte(x)});
    m.set(EncId, std::move(enc_id).value());
    m.set(CidSet, encode_cid_set(cids_));
    reg_in_flight_ = true;
    reg_sent_s_ = clock().now_s();
    reg_session_ = session;
    return {to_server(std::move(m))};
}

std::vector<Outbound> Device::on_reg_ack(const Inbound& in) {
    const Message& m = in.msg;
    const BytesView status = m.get_or_empty(StatusCode);
    const bool for_me = !m.has(ID_d) || equal_ct(m.get_or_empty(ID_d), view(identity()));
    if (status.size() != 1 || !for_me ||
        (!skips("id") && !equal_ct(m.get_or_empty(ID_G), view(server_.identity)))) {
        reject(m.session, field_str(m, ID_G), "RegAck is not for this device or from its server");
        return {};
    }
    if (status[0] == kNotRegistered) {
        // The server asks this device to register (it is d_j of a waiting negotiation).
        (void)env().storage->erase(kRegisteredKey);
        return send_reg(m.session);
    }
    if (!reg_in_flight_) {
        // A second acceptance on the session of the registration that just completed is the
        // answer to the same Reg sent again (the host retransmitted it while the server was
        // slow): dropped without a word, since a reject would end the run it was sent for.
        if (m.session == reg_session_ && status[0] == kAccepted && registered()) return {};
        reject(m.session, server_.identity, "RegAck for no registration in flight");
        return {};
    }
    reg_in_flight_ = false;
    std::deque<std::uint64_t> waiting = std::move(pending_starts_);
    pending_starts_.clear();
    if (status[0] != kAccepted) {
        for (std::uint64_t s : waiting) {
            reject(s, server_.identity,
                   "registration refused (status " + std::to_string(status[0]) + ")");
        }
        if (waiting.empty()) reject(m.session, server_.identity, "registration refused");
        return {};
    }
    if (auto st = env().storage->put(kRegisteredKey, view(Bytes{cid_byte(cids_.front())})); !st) {
        events().error(m.session, "storing the registration failed: " + st.error().reason);
    }
    std::vector<Outbound> out;
    for (std::uint64_t s : waiting) {
        for (auto& o : send_a1(s)) out.push_back(std::move(o));
    }
    return out;
}

std::vector<Outbound> Device::on_reject(const Inbound& in) {
    const Message& m = in.msg;
    const BytesView status = m.get_or_empty(StatusCode);
    Run* run = initiated_.find(m.session);
    if (run == nullptr || run->stage != Stage::a4 || status.size() != 1 ||
        !equal_ct(m.get_or_empty(ID_G), view(server_.identity))) {
        reject(m.session, field_str(m, ID_G), "Reject for no negotiation awaiting an answer");
        return {};
    }
    if (status[0] == kNotRegistered) (void)env().storage->erase(kRegisteredKey);
    reject(m.session, server_.identity,
           "the server refused the negotiation (status " + std::to_string(status[0]) + ")",
           {{"ID_di", identity()}, {"ID_dj", display(view(run->id_dj))}});
    (void)initiated_.take(m.session);
    return {};
}

Device::Params Device::p2(const Run& run, std::uint64_t session) {
    return {{"phase", "key-exchange"},
            {"ID_di", display(view(run.id_di))},
            {"ID_dj", display(view(run.id_dj))},
            {"cid", std::to_string(cid_byte(run.cid))},
            {"session", session_hex(session)}};
}

// B1 (d_i) / B3 (d_j): E^cid_kt(N || K_s || ID_di || ID_dj || ID_G || E_k_d(N xor k_d) || F_G(r)
// || f_K_s(N)), with a fresh share (R, r).
std::optional<Message> Device::key_exchange(std::uint64_t session, Run& run, bool initiator) {
    run.share = make_key_share(G(), rng());
    auto req = make_key_exchange(G(), run.cid, view(k_d_), *pk_f_, *run.share, view(run.id_di),
                                 view(run.id_dj), view(server_.identity), rng());
    if (!req) {
        events().error(session, "key exchange request: " + req.error().reason);
        return std::nullopt;
    }
    const std::uint8_t type = initiator ? B1 : B3;
    const Bytes aad = initiator ? sealed_aad(hardened(), B1, session, {view(run.n_a)})
                                : sealed_aad(hardened(), B3, session);
    auto ct = sym_seal(run.cid, view(run.kt), view(aad), view(req->encode()), rng());
    if (!ct) {
        events().error(session, "key exchange request: " + ct.error().reason);
        return std::nullopt;
    }
    Message m = make_msg(type, session);
    m.set(ID_d, to_bytes(identity()));
    if (initiator) m.set(ID_dj, run.id_dj);
    m.set(Cid, Bytes{cid_byte(run.cid)});
    m.set(Ct, std::move(ct).value());
    const Params params = p2(run, session);
    events().begin(session, server_.identity, params);
    events().begin(session, display(view(initiator ? run.id_dj : run.id_di)), params);
    run.stage = Stage::b6;
    return m;
}

std::optional<SecretBytes> Device::recover_key(const Message& m, const Run& run) {
    const std::string name = msg_name(m.type);
    const Params params = p2(run, m.session);
    const std::string peer = server_.identity;
    if (!skips("id") && (!equal_ct(m.get_or_empty(ID_di), view(run.id_di)) ||
                         !equal_ct(m.get_or_empty(ID_dj), view(run.id_dj)))) {
        reject(m.session, peer, name + " names other identities", params);
        return std::nullopt;
    }
    const KeyDistribution kd{to_bytes(m.get_or_empty(ID_di)), to_bytes(m.get_or_empty(ID_dj)),
                             to_bytes(m.get_or_empty(NRs)), to_bytes(m.get_or_empty(MacS))};
    Result<BigNum> K = make_error("unset");
    if (!skips("b6-mac")) {
        K = verify_key_distribution(G(), kd, view(run.id_di), view(run.id_dj), run.share->k_s,
                                    run.share->R);
    } else {
        auto y = decode_element(G(), view(kd.n_rs), "N^R_s");
        K = y ? Result<BigNum>(G().exp(*y, run.share->R)) : Result<BigNum>(y.error());
    }
    if (!K) {
        reject(m.session, peer, name + " " + K.error().reason, params);
        return std::nullopt;
    }
    return session_key_material(G(), *K);
}

std::unique_ptr<Role> make_device(Env env) {
    return std::make_unique<Device>(std::move(env));
}

}  // namespace mtc::sga
