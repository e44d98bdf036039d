// The SGA server's key exchange (paper 003, section 4.4): B1 -> B2, B3 -> B4 -> B5 / B6.
#include <utility>

#include "protocols/sga/server.hpp"

namespace mtc::sga {

std::optional<KeyExchangeCheck> Server::check_kex(const Message& m, const Run& run, bool from_i) {
    const std::string name = msg_name(m.type);
    const Bytes& id = from_i ? run.id_di : run.id_dj;
    const std::string peer = display(view(id));
    const Params params = p2(run, m.session);
    if (!skips("id") && (!equal_ct(m.get_or_empty(ID_d), view(id)) ||
                         (from_i && !equal_ct(m.get_or_empty(ID_dj), view(run.id_dj))))) {
        reject(m.session, peer, name + " names other identities", params);
        return std::nullopt;
    }
    const BytesView cid_raw = m.get_or_empty(Cid);
    const auto clear_cid = cid_raw.size() == 1 ? cid_from_byte(cid_raw[0]) : std::nullopt;
    if (!skips("cid-match") && clear_cid != run.cid) {
        reject(m.session, peer, name + " Cid is not the negotiated cid", params);
        return std::nullopt;
    }
    const CipherId cid = clear_cid.value_or(run.cid);
    const SecretBytes& kt = from_i ? run.kt_i : run.kt_j;
    const Bytes aad = from_i ? sealed_aad(hardened(), B1, m.session, {view(run.n_a)})
                             : sealed_aad(hardened(), B3, m.session);
    auto plain = sym_open(cid, view(kt), view(aad), m.get_or_empty(Ct));
    if (!plain) {
        reject(m.session, peer, name + " does not open under " + (from_i ? "kt_i" : "kt_j"),
               params);
        return std::nullopt;
    }
    auto req = from_i ? decode_b1(view(*plain)) : decode_b3(view(*plain));
    if (!req) {
        reject(m.session, peer, req.error().reason, params);
        return std::nullopt;
    }
    if (!skips("id") && (!equal_ct(view(req->id_di), view(run.id_di)) ||
                         !equal_ct(view(req->id_dj), view(run.id_dj)) ||
                         !equal_ct(view(req->id_g), view(identity())))) {
        reject(m.session, peer, name + " plaintext names other identities", params);
        return std::nullopt;
    }
    auto rec = record(view(id));
    if (!rec) {
        reject(m.session, peer, name + " from an unregistered device", params);
        return std::nullopt;
    }
    // B4: recover N and r, recompute K_s and check f_K_s(N) ("kex-mac"; weakened, the same
    // recovery without the MAC comparison).
    KeyExchangeCheck chk;
    if (!skips("kex-mac")) {
        auto c = check_key_exchange(G(), cid, view(rec->k_d), *pr_f_, *req);
        if (!c) {
            reject(m.session, peer, name + " " + c.error().reason, params);
            return std::nullopt;
        }
        chk = std::move(c).value();
    } else {
        auto n = open_masked_n(G(), cid, view(rec->k_d), view(req->enc_masked_n));
        auto r = n ? fg_invert(*pr_f_, G(), view(req->f_r)) : Result<BigNum>(n.error());
        if (!n || !r) {
            reject(m.session, peer, name + " " + (n ? r.error() : n.error()).reason, params);
            return std::nullopt;
        }
        chk.n = std::move(n).value();
        chk.r = std::move(r).value();
        chk.k_s = G().exp(chk.n, chk.r);
        chk.clear_values_match =
            equal_ct(view(req->n), view(encode_element(G(), chk.n))) &&
            equal_ct(view(req->k_s), view(encode_secret_element(G(), chk.k_s)));
    }
    // Hardened "kex-clear": the N and K_s sent in clear are the recovered ones (the paper never
    // compares them).
    if (hardened() && !skips("kex-clear") && !chk.clear_values_match) {
        reject(m.session, peer, name + " clear N or K_s differs from the recovered one", params);
        return std::nullopt;
    }
    return chk;
}

std::vector<Outbound> Server::on_b1(const Inbound& in) {
    const Message& b1 = in.msg;
    Run* run = runs_.find(b1.session);
    if (run == nullptr || run->stage != Stage::b1) {
        reject(b1.session, field_str(b1, ID_d), "B1 for no run awaiting it");
        return {};
    }
    auto chk = check_kex(b1, *run, true);
    if (!chk) return {};
    run->n_i = std::move(chk->n);
    run->k_is = std::move(chk->k_s);
    events().accept(b1.session, display(view(run->id_di)), p2(*run, b1.session));
    // B2: the key-exchange invitation to d_j, under kt_j.
    const KeyExchangeInvitation inv{run->id_di, to_bytes(identity()), b1.session};
    auto ct = sym_seal(run->cid, view(run->kt_j), view(sealed_aad(hardened(), B2, b1.session)),
                       view(inv.encode()), rng());
    const auto to = address_of(view(run->id_dj));
    if (!ct || !to) {
        events().error(b1.session, "B2 cannot be sent to " + display(view(run->id_dj)));
        return {};
    }
    Message out = make_msg(B2, b1.session);
    out.set(Cid, Bytes{cid_byte(run->cid)});
    out.set(Ct, std::move(ct).value());
    run->stage = Stage::b3;
    std::vector<Outbound> res{Outbound{*to, std::move(out)}};
    append(res, flush(view(run->id_di)));
    return res;
}

std::vector<Outbound> Server::on_b3(const Inbound& in) {
    const Message& b3 = in.msg;
    Run* run = runs_.find(b3.session);
    if (run == nullptr || run->stage != Stage::b3) {
        reject(b3.session, field_str(b3, ID_d), "B3 for no run awaiting it");
        return {};
    }
    auto chk = check_kex(b3, *run, false);
    if (!chk) return {};
    // B4-B6: R_s; N_j^R_s and its MAC under K_is to d_i, N_i^R_s under K_js to d_j.
    const BigNum R_s = G().random_scalar(rng());
    auto to_i =
        make_key_distribution(G(), view(run->id_di), view(run->id_dj), run->k_is, chk->n, R_s);
    auto to_j =
        make_key_distribution(G(), view(run->id_di), view(run->id_dj), chk->k_s, run->n_i, R_s);
    const auto addr_j = address_of(view(run->id_dj));
    if (!to_i || !to_j || !addr_j) {
        events().error(b3.session, "B6 cannot be made");
        return {};
    }
    events().accept(b3.session, display(view(run->id_dj)), p2(*run, b3.session));
    std::vector<Outbound> res;
    for (auto* kd : {&*to_i, &*to_j}) {
        Message m = make_msg(kd == &*to_i ? B6i : B6j, b3.session);
        m.set(ID_di, kd->id_di);
        m.set(ID_dj, kd->id_dj);
        m.set(NRs, kd->n_rs);
        m.set(MacS, kd->mac);
        res.push_back(Outbound{kd == &*to_i ? run->addr_i : *addr_j, std::move(m)});
    }
    established_.put(b3.session, Established{run->id_di, run->id_dj});
    const Bytes id_dj = run->id_dj;
    (void)runs_.take(b3.session);
    append(res, flush(view(id_dj)));
    return res;
}

}  // namespace mtc::sga
