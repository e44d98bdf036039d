// The SGA server (paper 003): configuration, dispatch and the negotiation (4.3: A1 -> A2,
// A3 -> A4). Registration (4.1) and delivery (4.5) are in server_store.cpp, the key exchange
// (4.4) in server_kex.cpp.
#include "protocols/sga/server.hpp"

#include <utility>

#include "protocols/sga/roles.hpp"

namespace mtc::sga {

Server::Server(Env e) : Role(std::move(e)) {
    const std::string grp = option_or(env().settings, "group", kDefaultGroup);
    group_ = group_by_name(grp);
    if (group_ == nullptr) config_error_ = "unknown or unavailable group '" + grp + "'";
    for (const char* name : {"PR", "PR_F"}) {
        auto it = env().creds.secrets.find(name);
        if (it == env().creds.secrets.end()) {
            config_error_ = std::string("SGA lacks its private key ") + name;
            continue;
        }
        auto k = RsaKey::from_private_pem(to_string(view(it->second)));
        if (!k) {
            config_error_ = std::string("SGA key ") + name + ": " + k.error().reason;
            continue;
        }
        (std::string_view(name) == "PR" ? pr_ : pr_f_) = std::move(k).value();
    }
    const auto cap = parse_int(option_or(env().settings, "store_cap", "4096"));
    const auto win = parse_int(option_or(env().settings, "window_s", "120"));
    if (!cap || *cap < 1 || !win || *win < 1) {
        config_error_ = "bad store_cap or window_s";
    } else {
        window_us_ = *win * 1'000'000;
        store_.emplace(env().storage, static_cast<std::size_t>(*cap));
    }
    for (const auto& [name, peer] : env().peers) devices_[peer.identity] = peer.address;
    // A restart starts a fresh replay record: refuse A1s stamped before this incarnation.
    if (env().clock != nullptr) floor_us_ = clock().now_us() - 1;
}

bool Server::ready(std::uint64_t session) {
    if (config_error_.empty()) return true;
    events().error(session, "SGA is misconfigured: " + config_error_);
    return false;
}

std::vector<Outbound> Server::on_message(const Inbound& in) {
    const Message& m = in.msg;
    if (!ready(m.session)) return {};
    switch (m.type) {
        case Reg:
            return on_reg(in);
        case A1:
            return on_a1(in);
        case A3:
            return on_a3(in);
        case B1:
            return on_b1(in);
        case B3:
            return on_b3(in);
        case Data:
            return on_data(in);
        case DataAck:
            return on_data_ack(in);
        default:
            break;
    }
    reject(m.session, in.from,
           "unexpected " + msg_name(m.type) + " (SGA accepts Reg, A1, A3, B1, B3, Data, DataAck)");
    return {};
}

// ---- Helpers ---------------------------------------------------------------------------------

std::optional<DeviceRecord> Server::record(BytesView id) {
    const Bytes key = to_bytes(id);
    if (auto it = registry_.find(key); it != registry_.end()) return it->second;
    if (id.empty() || id.size() > kMaxId) return std::nullopt;
    auto v = env().storage->get(device_key(id));
    if (!v || !*v) return std::nullopt;
    auto r = decode_device(view(**v));
    if (!r) return std::nullopt;
    registry_[key] = *r;
    return std::move(r).value();
}

const SecretBytes* Server::provisioned_kd(BytesView id) const {
    auto it = env().creds.secrets.find("k_d:" + to_string(id));
    return it == env().creds.secrets.end() ? nullptr : &it->second;
}

std::optional<Address> Server::address_of(BytesView id) const {
    auto it = devices_.find(to_string(id));
    if (it == devices_.end()) return std::nullopt;
    return it->second;
}

Server::Params Server::p1(const Run& run) const {
    Params p{{"phase", "negotiation"},
             {"ID_di", display(view(run.id_di))},
             {"ID_dj", display(view(run.id_dj))},
             {"cid", std::to_string(cid_byte(run.cid))}};
    if (!run.n_a.empty()) p["N_A"] = to_hex(view(run.n_a));
    return p;
}

Server::Params Server::p2(const Run& run, std::uint64_t session) const {
    return {{"phase", "key-exchange"},
            {"ID_di", display(view(run.id_di))},
            {"ID_dj", display(view(run.id_dj))},
            {"cid", std::to_string(cid_byte(run.cid))},
            {"session", session_hex(session)}};
}

Outbound Server::status_to(const Address& to, std::uint8_t type, std::uint64_t session,
                           std::uint8_t status, BytesView id_d) {
    Message m = make_msg(type, session);
    if (!id_d.empty() && type == RegAck) m.set(ID_d, to_bytes(id_d));
    m.set(ID_G, to_bytes(identity()));
    m.set(StatusCode, Bytes{status});
    return Outbound{to, std::move(m)};
}

void Server::append(std::vector<Outbound>& out, std::vector<Outbound> more) {
    for (auto& o : more) out.push_back(std::move(o));
}

// ---- Negotiation (4.3) -----------------------------------------------------------------------

bool Server::check_a1_freshness(const Message& a1, const NegotiationRequest& req, BytesView kt_i,
                                const Params& params) {
    const std::string peer = display(view(req.id_di));
    for (const auto& [tag, name] : {std::pair{N_A, "N_A"}, {TS, "TS"}, {MacA, "MAC_A"}}) {
        if (!a1.has(tag)) {
            reject(a1.session, peer, std::string("A1 lacks ") + name, params);
            return false;
        }
    }
    const BytesView n_a = a1.get_or_empty(N_A);
    const BytesView ts_raw = a1.get_or_empty(TS);
    if (n_a.size() != kNonceLen || ts_raw.size() != 8) {
        reject(a1.session, peer, "A1 N_A or TS has the wrong length", params);
        return false;
    }
    if (!skips("a1-mac") &&
        !equal_ct(view(a1_mac(kt_i, a1.get_or_empty(CtPK), n_a, ts_raw)), a1.get_or_empty(MacA))) {
        reject(a1.session, peer, "A1 MAC_A does not verify", params);
        return false;
    }
    const auto ts = static_cast<std::int64_t>(get_u64(ts_raw, 0));
    const std::int64_t now = clock().now_us();
    if (!skips("a1-fresh") && (ts < now - window_us_ || ts > now + window_us_)) {
        reject(a1.session, peer, "A1 timestamp is outside the freshness window", params);
        return false;
    }
    if (!skips("a1-replay")) {
        if (ts <= floor_us_) {
            reject(a1.session, peer, "A1 is older than the replay record", params);
            return false;
        }
        if (seen_.count({req.id_di, to_bytes(n_a)}) != 0) {
            reject(a1.session, peer, "A1 N_A was already used", params);
            return false;
        }
    }
    return true;
}

std::vector<Outbound> Server::on_a1(const Inbound& in) {
    const Message& a1 = in.msg;
    auto plain = dg_decrypt(*pr_, a1.get_or_empty(CtPK));
    if (!plain) {
        reject(a1.session, in.from, "A1 does not decrypt under PR");
        return {};
    }
    auto req = decode_a1(view(*plain));
    if (!req) {
        reject(a1.session, in.from, req.error().reason);
        return {};
    }
    Run run;
    run.id_di = req->id_di;
    run.id_dj = req->id_dj;
    run.cid = req->cid;
    run.addr_i = address_of(view(req->id_di)).value_or(in.from);
    if (hardened()) run.n_a = to_bytes(a1.get_or_empty(N_A));
    const Params params = p1(run);
    const std::string peer = display(view(req->id_di));
    if (runs_.find(a1.session) != nullptr) {
        reject(a1.session, peer, "A1 for a session already in progress", params);
        return {};
    }
    if (!skips("id") && !equal_ct(view(req->id_g), view(identity()))) {
        reject(a1.session, peer, "A1 names another server", params);
        return {};
    }
    const auto rec_i = record(view(req->id_di));
    if (!rec_i) {
        reject(a1.session, peer, "A1 from an unregistered device", params);
        return {status_to(in.from, Reject, a1.session, kNotRegistered)};
    }
    // (kt_i xor k_di) xor k_di = kt_i.
    auto kt_i = xor_bytes(view(req->masked_kt), view(rec_i->k_d));
    if (!kt_i) {
        events().error(a1.session, "A1: " + kt_i.error().reason);
        return {};
    }
    if (hardened() && !check_a1_freshness(a1, *req, view(*kt_i), params)) return {};
    if (!skips("peer-distinct") && equal_ct(view(req->id_di), view(req->id_dj))) {
        reject(a1.session, peer, "A1 names its own device as the partner", params);
        return {status_to(run.addr_i, Reject, a1.session, kBadRequest)};
    }
    const auto rec_j = record(view(req->id_dj));
    if (!rec_j && provisioned_kd(view(req->id_dj)) == nullptr) {
        reject(a1.session, peer, "A1 names an unknown partner", params);
        return {status_to(run.addr_i, Reject, a1.session, kNotRegistered)};
    }
    if (rec_j && !skips("cid-common")) {
        if (auto st = check_cid_common(req->cid, rec_i->cids, rec_j->cids); !st) {
            reject(a1.session, peer, "A1 " + st.error().reason, params);
            return {status_to(run.addr_i, Reject, a1.session, kNoCommonCid)};
        }
    }
    if (hardened()) {
        // Remember (ID_di, N_A); when full, forget the oldest and refuse anything as old.
        if (seen_.size() >= kReplayCap && !seen_by_ts_.empty()) {
            auto oldest = seen_by_ts_.begin();
            floor_us_ = std::max(floor_us_, oldest->first);
            seen_.erase(oldest->second);
            seen_by_ts_.erase(oldest);
        }
        const auto ts = static_cast<std::int64_t>(get_u64(a1.get_or_empty(TS), 0));
        if (seen_.insert({req->id_di, run.n_a}).second) {
            seen_by_ts_.emplace(ts, std::make_pair(req->id_di, run.n_a));
        }
    }
    run.kt_i = std::move(kt_i).value();
    const std::uint64_t neg = negotiation_session(a1.session);
    events().accept(neg, peer, params);
    // What kt_i stands for, for the claim checker: secrecy:kt and secrecy:data.
    Params committed = params;
    committed["key"] = "kt,data";
    events().commit(neg, peer, committed, view(run.kt_i));
    std::vector<Outbound> out;
    if (rec_j) {
        out = send_a2(a1.session, std::move(run));
    } else {
        // d_j has not registered yet: park the run and prompt d_j to register.
        auto& q = parked_[req->id_dj];
        if (q.size() >= kMaxParkedPerDevice) q.pop_front();
        q.push_back(a1.session);
        run.stage = Stage::registration;
        runs_.put(a1.session, std::move(run));
        if (auto to = address_of(view(req->id_dj))) {
            out.push_back(status_to(*to, RegAck, a1.session, kNotRegistered, view(req->id_dj)));
        }
    }
    append(out, flush(view(req->id_di)));
    return out;
}

// A2: E^{x_j}_{k_dj}((m xor k_dj) || ID_di || ID_G || ID_dj || cid), m = kt_i as-specified and a
// fresh server nonce N_S hardened; x_j is d_j's registered E^x. A2 re-checks the cid (the run
// may have waited for d_j's registration).
std::vector<Outbound> Server::send_a2(std::uint64_t session, Run run) {
    const std::string peer = display(view(run.id_di));
    const auto rec_j = record(view(run.id_dj));
    const auto rec_i = record(view(run.id_di));
    if (!rec_j || !rec_i) {
        events().error(session, "A2: device record vanished");
        return {};
    }
    if (!skips("cid-common")) {
        if (auto st = check_cid_common(run.cid, rec_i->cids, rec_j->cids); !st) {
            reject(session, peer, "A1 " + st.error().reason, p1(run));
            return {status_to(run.addr_i, Reject, session, kNoCommonCid)};
        }
    }
    SecretBytes m;
    if (hardened()) {
        run.n_s = rng().secret_bytes(kKeyLen);
        m = run.n_s;
    } else {
        m = run.kt_i;
    }
    auto masked = xor_bytes(view(m), view(rec_j->k_d));
    const auto to = address_of(view(run.id_dj));
    if (!masked || !to) {
        events().error(session, "A2: no key or address for " + display(view(run.id_dj)));
        return {};
    }
    const NegotiationRequest a2{std::move(masked).value(), run.id_di, to_bytes(identity()),
                                run.id_dj, run.cid};
    auto ct = sym_seal(rec_j->x, view(rec_j->k_d), view(sealed_aad(hardened(), A2, session)),
                       view(a2.encode()), rng());
    if (!ct) {
        events().error(session, "A2: " + ct.error().reason);
        return {};
    }
    Message out = make_msg(A2, session);
    out.set(ID_dj, run.id_dj);
    out.set(Cid, Bytes{cid_byte(rec_j->x)});
    out.set(Ct, std::move(ct).value());
    run.stage = Stage::a3;
    runs_.put(session, std::move(run));
    return send_one(*to, std::move(out));
}

std::vector<Outbound> Server::on_a3(const Inbound& in) {
    const Message& a3 = in.msg;
    Run* run = runs_.find(a3.session);
    if (run == nullptr || run->stage != Stage::a3) {
        reject(a3.session, in.from, "A3 for no negotiation awaiting it");
        return {};
    }
    auto plain = dg_decrypt(*pr_, a3.get_or_empty(CtPK));
    if (!plain) {
        reject(a3.session, in.from, "A3 does not decrypt under PR");
        return {};
    }
    auto resp = decode_a3(view(*plain));
    if (!resp) {
        reject(a3.session, in.from, resp.error().reason);
        return {};
    }
    const std::string peer = display(view(resp->id_dj));
    const Params params = {{"phase", "negotiation"},
                           {"ID_di", display(view(run->id_di))},
                           {"ID_dj", display(view(run->id_dj))},
                           {"cid", std::to_string(cid_byte(run->cid))}};
    if (!skips("id") && (!equal_ct(view(resp->id_g), view(identity())) ||
                         !equal_ct(view(resp->id_dj), view(run->id_dj)) ||
                         !equal_ct(view(resp->id_di), view(run->id_di)))) {
        reject(a3.session, peer, "A3 names other identities", params);
        return {};
    }
    // "verify (E^j,x, D^j,x) = (E^i,x, D^i,x)" (A4).
    if (!skips("cid-match") && resp->cid != run->cid) {
        reject(a3.session, peer, "A3 cid is not the negotiated cid", params);
        return {};
    }
    // kt_j = (m xor kt_j) xor m, m = kt_i (as-specified) or N_S (hardened).
    auto kt_j = xor_bytes(view(resp->kt_xor), view(hardened() ? run->n_s : run->kt_i));
    if (!kt_j) {
        events().error(a3.session, "A3: " + kt_j.error().reason);
        return {};
    }
    run->kt_j = std::move(kt_j).value();
    events().accept(negotiation_session(a3.session), display(view(run->id_dj)), params);
    // A4 hands d_i kt_i xor kt_j as-specified; hardened it hands nothing that opens kt_j.
    SecretBytes x =
        hardened() ? SecretBytes(kKeyLen, 0) : xor_bytes(view(run->kt_i), view(run->kt_j)).value();
    const NegotiationResponse a4{std::move(x), to_bytes(identity()), run->id_dj, run->id_di,
                                 run->cid};
    auto ct = sym_seal(run->cid, view(run->kt_i),
                       view(sealed_aad(hardened(), A4, a3.session, {view(run->n_a)})),
                       view(a4.encode()), rng());
    if (!ct) {
        events().error(a3.session, "A4: " + ct.error().reason);
        return {};
    }
    Message out = make_msg(A4, a3.session);
    out.set(Cid, Bytes{cid_byte(run->cid)});
    out.set(Ct, std::move(ct).value());
    run->stage = Stage::b1;
    std::vector<Outbound> res{Outbound{run->addr_i, std::move(out)}};
    append(res, flush(view(resp->id_dj)));
    return res;
}

std::unique_ptr<Role> make_server(Env env) {
    return std::make_unique<Server>(std::move(env));
}

}  // namespace mtc::sga
