// The SGA server (paper 003): registration into the device registry (4.1) and the message
// store's delivery (4.5), both on the role's durable Env::storage.
#include <utility>

#include "protocols/sga/server.hpp"

namespace mtc::sga {

std::vector<Outbound> Server::flush(BytesView id) {
    std::vector<Outbound> out;
    const auto to = address_of(id);
    if (!to || !store_) return out;
    for (StoredData& d : store_->take_unforwarded(id, kFlushMax)) {
        Message m = make_msg(Data, d.session);
        m.set(ID_src, std::move(d.src));
        m.set(ID_dst, std::move(d.dst));
        m.set(Seq, u64_bytes(d.seq));
        m.set(Cid, Bytes{d.cid});
        m.set(Ct, std::move(d.ct));
        out.push_back(Outbound{*to, std::move(m)});
    }
    return out;
}

// ---- Registration (4.1) ----------------------------------------------------------------------

std::vector<Outbound> Server::on_reg(const Inbound& in) {
    const Message& m = in.msg;
    const auto refuse = [&](const std::string& reason, const std::string& peer) {
        reject(m.session, peer, reason);
        return std::vector<Outbound>{status_to(in.from, RegAck, m.session, kRegRejected)};
    };
    for (const auto& [tag, name] : {std::pair{EncKd, "E_PK(k_d)"},
                                    {RegCid, "x"},
                                    {EncId, "E^x_k_d(ID_d)"},
                                    {CidSet, "CidSet"}}) {
        if (!m.has(tag)) return refuse(std::string("Reg lacks ") + name, in.from);
    }
    auto kd_plain = dg_decrypt(*pr_, m.get_or_empty(EncKd));
    if (!kd_plain) return refuse("Reg E_PK(k_d) does not decrypt", in.from);
    auto kd = decode_reg_key(view(*kd_plain));
    if (!kd) return refuse("Reg E_PK(k_d): " + kd.error().reason, in.from);
    const BytesView x_raw = m.get_or_empty(RegCid);
    const auto x = x_raw.size() == 1 ? cid_from_byte(x_raw[0]) : std::nullopt;
    if (!x) return refuse("Reg x is unknown", in.from);
    auto id_plain = sym_open(*x, view(kd->k_d), {}, m.get_or_empty(EncId));
    if (!id_plain) return refuse("Reg E^x_k_d(ID_d) does not open under its k_d", in.from);
    auto id = decode_reg_id(view(*id_plain));
    if (!id) return refuse("Reg " + id.error().reason, in.from);
    const std::string peer = display(view(id->id_d));
    auto cids = decode_cid_set(m.get_or_empty(CidSet));
    if (!cids) return refuse("Reg " + cids.error().reason, peer);
    // "reg-key": the paper's "decrypt and verify the initial and registered secret key": k_d is
    // the one the device's download package shared with the server.
    const SecretBytes* known = provisioned_kd(view(id->id_d));
    if (!skips("reg-key")) {
        if (known == nullptr) return refuse("Reg names an unknown device", peer);
        if (!equal_ct(view(*known), view(kd->k_d))) {
            return refuse("Reg k_d is not the key provisioned for ID_d", peer);
        }
    }
    if (known == nullptr && registry_.size() >= kMaxRegistered && registry_.count(id->id_d) == 0) {
        return refuse("device registry is full", peer);
    }
    DeviceRecord rec{*x, kd->k_d, std::move(cids).value()};
    if (auto st = env().storage->put(device_key(view(id->id_d)), view(encode_device(rec))); !st) {
        events().error(m.session, "storing the device record failed: " + st.error().reason);
        return {status_to(in.from, RegAck, m.session, kRegRejected)};
    }
    registry_[id->id_d] = rec;
    std::vector<Outbound> out{status_to(address_of(view(id->id_d)).value_or(in.from), RegAck,
                                        m.session, kAccepted, view(id->id_d))};
    // Negotiations that waited for this device as d_j.
    if (auto it = parked_.find(id->id_d); it != parked_.end()) {
        const std::deque<std::uint64_t> waiting = std::move(it->second);
        parked_.erase(it);
        for (std::uint64_t s : waiting) {
            Run* run = runs_.find(s);
            if (run == nullptr || run->stage != Stage::registration) continue;
            Run r = std::move(*run);
            append(out, send_a2(s, std::move(r)));
        }
    }
    append(out, flush(view(id->id_d)));
    return out;
}

// ---- Delivery (4.5) --------------------------------------------------------------------------

std::vector<Outbound> Server::on_data(const Inbound& in) {
    const Message& m = in.msg;
    for (const auto& [tag, name] : {std::pair{ID_src, "ID_src"},
                                    {ID_dst, "ID_dst"},
                                    {Seq, "Seq"},
                                    {Cid, "Cid"},
                                    {Ct, "Ct"}}) {
        if (!m.has(tag)) {
            reject(m.session, in.from, std::string("Data lacks ") + name);
            return {};
        }
    }
    const BytesView src = m.get_or_empty(ID_src);
    const BytesView dst = m.get_or_empty(ID_dst);
    const std::string peer = display(src);
    if (m.get_or_empty(Seq).size() != 8 || m.get_or_empty(Cid).size() != 1 || src.empty() ||
        src.size() > kMaxId || dst.empty() || dst.size() > kMaxId ||
        m.get_or_empty(Ct).size() > kAeadOverhead + kMaxDataPlain) {
        reject(m.session, peer, "Data has a field of the wrong length");
        return {};
    }
    // "data-run": Data belongs to a key exchange this server ran between its two devices.
    const Established* est = established_.find(m.session);
    const bool pair_ok =
        est != nullptr && ((equal_ct(src, view(est->id_di)) && equal_ct(dst, view(est->id_dj))) ||
                           (equal_ct(src, view(est->id_dj)) && equal_ct(dst, view(est->id_di))));
    if (!skips("data-run") && !pair_ok) {
        reject(m.session, peer, "Data for no key exchange between ID_src and ID_dst",
               {{"ID_src", peer}, {"ID_dst", display(dst)}});
        return {};
    }
    StoredData d;
    d.session = m.session;
    d.seq = get_u64(m.get_or_empty(Seq), 0);
    d.cid = m.get_or_empty(Cid)[0];
    d.src = to_bytes(src);
    d.dst = to_bytes(dst);
    d.ct = to_bytes(m.get_or_empty(Ct));
    // Stored before it is forwarded: a restart after this point loses nothing.
    auto n = store_->put(d);
    if (!n) {
        reject(m.session, peer, "Data not stored: " + n.error().reason);
        return {};
    }
    std::vector<Outbound> out;
    if (auto to = address_of(dst)) {
        store_->mark_forwarded(*n);
        out.push_back(Outbound{*to, m});
    }
    return out;
}

std::vector<Outbound> Server::on_data_ack(const Inbound& in) {
    const Message& m = in.msg;
    const BytesView dst = m.get_or_empty(ID_dst);
    if (m.get_or_empty(Seq).size() != 8 || dst.empty() || dst.size() > kMaxId) {
        reject(m.session, in.from, "DataAck has a field of the wrong length");
        return {};
    }
    auto done = store_->mark_delivered(dst, m.get_or_empty(ID_src), m.session,
                                       get_u64(m.get_or_empty(Seq), 0));
    if (!done) {
        events().error(m.session, "message store: " + done.error().reason);
        return {};
    }
    if (!*done) {
        reject(m.session, display(dst), "DataAck for no undelivered stored message");
        return {};
    }
    return flush(dst);
}

}  // namespace mtc::sga
