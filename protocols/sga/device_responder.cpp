// The SGA device as the responder d_j (paper 003): A2 -> A3 (4.3), B2 -> B3 (4.4), B7 on B6j,
// and Data from d_i, acknowledged to the server's store (4.5).
#include <utility>

#include "protocols/sga/device.hpp"

namespace mtc::sga {

// A3: d_j opens A2 under k_dj, gets m = (m xor k_dj) xor k_dj (kt_i as-specified, the server's
// N_S hardened), picks kt_j and answers E^G_PK((m xor kt_j) || ID_G || ID_dj || ID_di || cid).
std::vector<Outbound> Device::on_a2(const Inbound& in) {
    const Message& a2 = in.msg;
    const std::string peer = server_.identity;
    if (!skips("id") && !equal_ct(a2.get_or_empty(ID_dj), view(identity()))) {
        reject(a2.session, peer, "A2 is for another device", {{"ID_dj", field_str(a2, ID_dj)}});
        return {};
    }
    if (responding_.find(a2.session) != nullptr) {
        reject(a2.session, peer, "A2 for a session already in progress");
        return {};
    }
    const BytesView x_raw = a2.get_or_empty(Cid);
    const auto x = x_raw.size() == 1 ? cid_from_byte(x_raw[0]) : std::nullopt;
    if (!x) {
        reject(a2.session, peer, "A2 Cid is unknown");
        return {};
    }
    auto plain =
        sym_open(*x, view(k_d_), view(sealed_aad(hardened(), A2, a2.session)), a2.get_or_empty(Ct));
    if (!plain) {
        reject(a2.session, peer, "A2 does not open under k_d");
        return {};
    }
    auto req = decode_a2(view(*plain));
    if (!req) {
        reject(a2.session, peer, req.error().reason);
        return {};
    }
    const Params params{{"phase", "negotiation"},
                        {"ID_di", display(view(req->id_di))},
                        {"ID_dj", display(view(req->id_dj))},
                        {"cid", std::to_string(cid_byte(req->cid))}};
    if (!skips("id") && (!equal_ct(view(req->id_dj), view(identity())) ||
                         !equal_ct(view(req->id_g), view(server_.identity)))) {
        reject(a2.session, peer, "A2 names other identities", params);
        return {};
    }
    if (!skips("cid-own") && !contains(cids_, req->cid)) {
        reject(a2.session, peer, "A2 cid is not in this device's CidSet", params);
        return {};
    }
    Run run;
    run.stage = Stage::b2;
    run.id_di = req->id_di;
    run.id_dj = req->id_dj;
    run.cid = req->cid;
    run.kt = generate_kt(rng());
    auto m = xor_bytes(view(req->masked_kt), view(k_d_));
    auto x_out = m ? xor_bytes(view(*m), view(run.kt)) : Result<SecretBytes>(m.error());
    if (!x_out) {
        events().error(a2.session, "A3: " + x_out.error().reason);
        return {};
    }
    const NegotiationResponse resp{std::move(x_out).value(), to_bytes(server_.identity), run.id_dj,
                                   run.id_di, run.cid};
    auto ct = eg_encrypt(*pk_, view(resp.encode()), view(rng().bytes(crypto::kOaepSeedLen)));
    if (!ct) {
        events().error(a2.session, "A3: " + ct.error().reason);
        return {};
    }
    Message a3 = make_msg(A3, a2.session);
    a3.set(CtPK, std::move(ct).value());
    events().begin(negotiation_session(a2.session), peer, params);
    responding_.put(a2.session, std::move(run));
    return {to_server(std::move(a3))};
}

std::vector<Outbound> Device::on_b2(const Inbound& in) {
    const Message& b2 = in.msg;
    const std::string peer = server_.identity;
    Run* run = responding_.find(b2.session);
    if (run == nullptr || run->stage != Stage::b2) {
        reject(b2.session, peer, "B2 for no negotiation awaiting it");
        return {};
    }
    const Params ids{{"ID_di", display(view(run->id_di))}, {"ID_dj", identity()}};
    const BytesView cid_raw = b2.get_or_empty(Cid);
    if (!skips("cid-match") && (cid_raw.size() != 1 || cid_raw[0] != cid_byte(run->cid))) {
        reject(b2.session, peer, "B2 Cid is not the negotiated cid", ids);
        return {};
    }
    auto plain = sym_open(run->cid, view(run->kt), view(sealed_aad(hardened(), B2, b2.session)),
                          b2.get_or_empty(Ct));
    if (!plain) {
        reject(b2.session, peer, "B2 does not open under kt_j", ids);
        return {};
    }
    auto inv = decode_b2(view(*plain));
    if (!inv) {
        reject(b2.session, peer, inv.error().reason, ids);
        return {};
    }
    if (!skips("id") && (!equal_ct(view(inv->id_di), view(run->id_di)) ||
                         !equal_ct(view(inv->id_g), view(server_.identity)))) {
        reject(b2.session, peer, "B2 names other identities", ids);
        return {};
    }
    if (!skips("b2-session") && inv->session != b2.session) {
        reject(b2.session, peer, "B2 names another session", ids);
        return {};
    }
    auto b3 = key_exchange(b2.session, *run, false);
    if (!b3) return {};
    return {to_server(std::move(*b3))};
}

// B7 at d_j: K = (N_i^R_s)^R_j; d_j accepts (d_i alone commits K: one commit per run).
std::vector<Outbound> Device::on_b6j(const Inbound& in) {
    const Message& m = in.msg;
    Run* run = responding_.find(m.session);
    if (run == nullptr || run->stage != Stage::b6 || !run->share) {
        reject(m.session, server_.identity, "B6j for no key exchange awaiting it");
        return {};
    }
    auto k = recover_key(m, *run);
    if (!k) return {};
    events().accept(m.session, display(view(run->id_di)), p2(*run, m.session));
    auto r = responding_.take(m.session);
    keyed_.put(m.session, Keyed{r->id_di, false, r->id_di, r->id_dj, r->cid, std::move(*k), {}});
    std::vector<Outbound> out;
    for (const Message& d : r->early_data) {
        Keyed* keyed = keyed_.find(m.session);
        if (keyed == nullptr) break;
        for (auto& o : take_data(d, *keyed)) out.push_back(std::move(o));
    }
    return out;
}

std::vector<Outbound> Device::on_data(const Inbound& in) {
    const Message& m = in.msg;
    Keyed* keyed = keyed_.find(m.session);
    if (keyed == nullptr) {
        // Data that overtook B6j waits for it (a few per run).
        Run* run = responding_.find(m.session);
        if (run != nullptr && run->stage == Stage::b6 &&
            run->early_data.size() < kMaxBufferedData) {
            run->early_data.push_back(m);
            return {};
        }
        reject(m.session, field_str(m, ID_src), "Data for a session with no key");
        return {};
    }
    return take_data(m, *keyed);
}

std::vector<Outbound> Device::take_data(const Message& m, Keyed& keyed) {
    const std::string peer = display(view(keyed.peer));
    const BytesView seq_raw = m.get_or_empty(Seq);
    if (!skips("id") && (!equal_ct(m.get_or_empty(ID_dst), view(identity())) ||
                         !equal_ct(m.get_or_empty(ID_src), view(keyed.peer)))) {
        reject(m.session, peer, "Data names other identities",
               {{"ID_src", field_str(m, ID_src)}, {"ID_dst", field_str(m, ID_dst)}});
        return {};
    }
    const BytesView cid_raw = m.get_or_empty(Cid);
    if (!skips("cid-match") && (cid_raw.size() != 1 || cid_raw[0] != cid_byte(keyed.cid))) {
        reject(m.session, peer, "Data Cid is not the negotiated cid");
        return {};
    }
    if (seq_raw.size() != 8) {
        reject(m.session, peer, "Data Seq is not 8 bytes");
        return {};
    }
    auto plain = sym_open(keyed.cid, view(keyed.k), view(data_aad(hardened(), m.session, m)),
                          m.get_or_empty(Ct));
    if (!plain || !decode_data(view(*plain))) {
        reject(m.session, peer, "Data does not open under K");
        return {};
    }
    const std::uint64_t seq = get_u64(seq_raw, 0);
    // A Data taken before (the store re-sends after a restart) is acknowledged again only.
    if (keyed.seen.count(seq) == 0) {
        if (keyed.seen.size() >= kMaxSeen) keyed.seen.erase(keyed.seen.begin());
        keyed.seen.insert(seq);
        Params p{{"phase", "data"},
                 {"ID_di", display(view(keyed.id_di))},
                 {"ID_dj", display(view(keyed.id_dj))},
                 {"cid", std::to_string(cid_byte(keyed.cid))},
                 {"session", session_hex(m.session)},
                 {"Seq", std::to_string(seq)}};
        events().accept(m.session, peer, std::move(p));
    }
    Message ack = make_msg(DataAck, m.session);
    ack.set(ID_src, to_bytes(m.get_or_empty(ID_src)));
    ack.set(ID_dst, to_bytes(m.get_or_empty(ID_dst)));
    ack.set(Seq, to_bytes(seq_raw));
    return {to_server(std::move(ack))};
}

}  // namespace mtc::sga
