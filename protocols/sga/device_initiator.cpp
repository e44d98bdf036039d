// The SGA device as the initiator d_i (paper 003): A1 (4.3), A5 -> B1 (4.4), B7 on B6i, and one
// Data to d_j through the server (4.5).
#include <utility>

#include "protocols/sga/device.hpp"

namespace mtc::sga {

// A1: E^G_PK((kt_i xor k_di) || ID_di || ID_G || ID_dj || cid), cid = the device's first cid.
// Hardened: N_A, TS and MAC_A = f_kt_i(CtPK, N_A, TS) alongside.
std::vector<Outbound> Device::send_a1(std::uint64_t session) {
    Run run;
    run.stage = Stage::a4;
    run.id_di = to_bytes(identity());
    run.id_dj = to_bytes(partner_.identity);
    run.cid = cids_.front();
    run.kt = generate_kt(rng());
    auto masked = xor_bytes(view(run.kt), view(k_d_));
    if (!masked) {
        events().error(session, "A1: " + masked.error().reason);
        return {};
    }
    const NegotiationRequest req{std::move(masked).value(), run.id_di, to_bytes(server_.identity),
                                 run.id_dj, run.cid};
    auto ct = eg_encrypt(*pk_, view(req.encode()), view(rng().bytes(crypto::kOaepSeedLen)));
    if (!ct) {
        events().error(session, "A1: " + ct.error().reason);
        return {};
    }
    Message a1 = make_msg(A1, session);
    Params params{{"phase", "negotiation"},
                  {"ID_di", identity()},
                  {"ID_dj", partner_.identity},
                  {"cid", std::to_string(cid_byte(run.cid))}};
    if (hardened()) {
        run.n_a = rng().bytes(kNonceLen);
        const Bytes ts = u64_bytes(static_cast<std::uint64_t>(clock().now_us()));
        a1.set(N_A, run.n_a);
        a1.set(TS, ts);
        a1.set(MacA, a1_mac(view(run.kt), view(*ct), view(run.n_a), view(ts)));
        params["N_A"] = to_hex(view(run.n_a));
    }
    a1.set(CtPK, std::move(ct).value());
    events().begin(negotiation_session(session), server_.identity, params);
    initiated_.put(session, std::move(run));
    return {to_server(std::move(a1))};
}

// A4 / A5: d_i opens A4 under kt_i (it learns kt_j as-specified), then sends B1.
std::vector<Outbound> Device::on_a4(const Inbound& in) {
    const Message& a4 = in.msg;
    Run* run = initiated_.find(a4.session);
    if (run == nullptr || run->stage != Stage::a4) {
        reject(a4.session, server_.identity, "A4 for no negotiation awaiting it");
        return {};
    }
    const Params ids{{"ID_di", identity()}, {"ID_dj", display(view(run->id_dj))}};
    const BytesView cid_raw = a4.get_or_empty(Cid);
    if (!skips("cid-match") && (cid_raw.size() != 1 || cid_raw[0] != cid_byte(run->cid))) {
        reject(a4.session, server_.identity, "A4 Cid is not the cid A1 proposed", ids);
        return {};
    }
    auto plain = sym_open(run->cid, view(run->kt),
                          view(sealed_aad(hardened(), A4, a4.session, {view(run->n_a)})),
                          a4.get_or_empty(Ct));
    if (!plain) {
        reject(a4.session, server_.identity, "A4 does not open under kt_i", ids);
        return {};
    }
    auto resp = decode_a4(view(*plain));
    if (!resp) {
        reject(a4.session, server_.identity, resp.error().reason, ids);
        return {};
    }
    if (!skips("id") && (!equal_ct(view(resp->id_g), view(server_.identity)) ||
                         !equal_ct(view(resp->id_dj), view(run->id_dj)) ||
                         !equal_ct(view(resp->id_di), view(run->id_di)))) {
        reject(a4.session, server_.identity, "A4 names other identities", ids);
        return {};
    }
    if (!skips("cid-match") && resp->cid != run->cid) {
        reject(a4.session, server_.identity, "A4 cid is not the cid A1 proposed", ids);
        return {};
    }
    auto b1 = key_exchange(a4.session, *run, true);
    if (!b1) return {};
    return {to_server(std::move(*b1))};
}

// B7 at d_i: K = (N_j^R_s)^R_i; commit, then one Data for d_j through the server.
std::vector<Outbound> Device::on_b6i(const Inbound& in) {
    const Message& m = in.msg;
    Run* run = initiated_.find(m.session);
    if (run == nullptr || run->stage != Stage::b6 || !run->share) {
        reject(m.session, server_.identity, "B6i for no key exchange awaiting it");
        return {};
    }
    auto k = recover_key(m, *run);
    if (!k) return {};
    Params params = p2(*run, m.session);
    // What this key stands for, for the claim checker: secrecy:K and secrecy:data.
    params["key"] = "K,data";
    const std::string partner = display(view(run->id_dj));
    events().commit(m.session, partner, params, view(*k));

    // 4.5: c = E^cid_K(m).
    Message data = make_msg(Data, m.session);
    data.set(ID_src, run->id_di);
    data.set(ID_dst, run->id_dj);
    data.set(Seq, u64_bytes(1));
    data.set(Cid, Bytes{cid_byte(run->cid)});
    Bytes text = to_bytes("sga reading ");
    const Bytes r = rng().bytes(16);
    const std::string hex = to_hex(view(r));
    text.insert(text.end(), hex.begin(), hex.end());
    const DataPlain plain{to_secret(view(text))};
    secure_wipe(text.data(), text.size());
    auto ct = sym_seal(run->cid, view(*k), view(data_aad(hardened(), m.session, data)),
                       view(plain.encode()), rng());
    Keyed keyed{run->id_dj, true, run->id_di, run->id_dj, run->cid, std::move(*k), {}};
    (void)initiated_.take(m.session);
    keyed_.put(m.session, std::move(keyed));
    if (!ct) {
        events().error(m.session, "Data: " + ct.error().reason);
        return {};
    }
    data.set(Ct, std::move(ct).value());
    Params dp = params;
    dp["phase"] = "data";
    dp["Seq"] = "1";
    events().begin(m.session, partner, dp);
    return {to_server(std::move(data))};
}

}  // namespace mtc::sga
