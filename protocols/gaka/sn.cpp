// The serving network (MME) of EPS-AKA and GAKA (PROTOCOLS.md section 2): configuration,
// dispatch, the EPS-AKA attach (AttachReq -> AuthDataReq to the HN, AuthDataResp -> AuthReq)
// and the device's answers (AuthResp, SyncFailure, AuthReject), which GAKA shares. The group
// attach is in sn_group.cpp.
#include "protocols/gaka/sn.hpp"

#include <string>
#include <utility>

#include "protocols/gaka/roles.hpp"

namespace mtc::gaka {
namespace {

std::string msg_name(std::uint8_t protocol, std::uint8_t type) {
    const Schema& s = protocol == kGakaProtocolId ? gaka_schema() : eps_aka_schema();
    const MessageSpec* spec = s.message(type);
    return spec != nullptr ? spec->name : "type " + std::to_string(type);
}

}  // namespace

Sn::Sn(Env e) : Role(std::move(e)) {
    std::string errors;
    auto note = [&errors](const std::string& why) { errors += (errors.empty() ? "" : "; ") + why; };
    const auto k = env().creds.secrets.find("K_SH");
    if (k == env().creds.secrets.end()) {
        note("SN lacks its key K_SH");
    } else if (k->second.size() != kKeyLen) {
        note("K_SH must be " + std::to_string(kKeyLen) + " bytes");
    } else {
        k_sh_ = k->second;
    }
    const auto sn = env().creds.attrs.find("SNid");
    if (sn == env().creds.attrs.end()) {
        note("SN lacks its SNid attribute");
    } else if (auto id = plmn_id(sn->second); !id) {
        note(id.error().reason);
    } else {
        sn_id_ = std::move(id).value();
    }
    const auto hn = env().peers.find("HN");
    if (hn == env().peers.end()) {
        note("SN has no HN peer");
    } else {
        hn_ = hn->second;
    }
    config_error_ = std::move(errors);
}

std::vector<Outbound> Sn::on_message(const Inbound& in) {
    const Message& m = in.msg;
    if (!config_error_.empty()) {
        events().error(m.session, "SN is misconfigured: " + config_error_);
        return {};
    }
    const bool gaka = m.protocol == kGakaProtocolId;
    if (!gaka && m.protocol != kEpsAkaProtocolId) {
        reject(m.session, in.from,
               "unexpected protocol id " + std::to_string(m.protocol) + " (SN serves eps-aka (" +
                   std::to_string(kEpsAkaProtocolId) + ") and gaka (" +
                   std::to_string(kGakaProtocolId) + "))");
        return {};
    }
    switch (m.type) {
        case AttachReq:
            if (!gaka) return on_attach(in);
            break;
        case GroupAttachReq:
            if (gaka) return on_group_attach(in);
            break;
        case GroupAuthDataResp:
            if (gaka) return on_group_auth_data_resp(in);
            break;
        case AuthDataResp:
            return on_auth_data_resp(in);
        case AuthResp:
            return on_auth_resp(in);
        case SyncFailure:
            return on_sync_failure(in);
        case AuthReject:
            return on_auth_reject(in);
        default:
            break;
    }
    reject(m.session, in.from,
           "unexpected " + msg_name(m.protocol, m.type) +
               (gaka ? " (SN accepts GroupAttachReq, GroupAuthDataResp, AuthDataResp, AuthResp, "
                       "AuthReject, SyncFailure)"
                     : " (SN accepts AttachReq, AuthDataResp, AuthResp, AuthReject, SyncFailure)"));
    return {};
}

// ---- Helpers ---------------------------------------------------------------------------------

Result<Outbound> Sn::to_hn(std::uint8_t protocol, std::uint8_t type, std::uint64_t session,
                           BytesView plain) {
    Message out;
    out.protocol = protocol;
    out.type = type;
    out.session = session;
    out.set(SNid, sn_id_);  // before sealing: the box's AAD binds it
    auto box = seal_box(view(k_sh_), out, plain, rng());
    if (!box) return box.error();
    out.set(Box, std::move(box).value());
    return Outbound{hn_.address, std::move(out)};
}

Outbound Sn::challenge(std::uint64_t session, Attach& a) {
    a.phase = Phase::challenge;
    Message out;
    out.protocol = a.protocol;
    out.type = AuthReq;
    out.session = session;
    out.set(RAND, a.av.rand);
    out.set(AUTN, a.av.autn);
    events().begin(session, a.imsi, {{"RAND", to_hex(view(a.av.rand))}});
    return Outbound{a.from, std::move(out)};
}

void Sn::repeated_attach(const Attach& a, const Inbound& in, const std::string& imsi,
                         const std::string& gid) {
    // TS 24.301 5.5.1.2.7 d): an ATTACH REQUEST received again with the same contents while the
    // attach is in progress is a retransmission (the device's timer ran out while the SN waited
    // on the HN); the attach goes on and the copy is not treated further. Rejecting it would end
    // the attach it repeats. A request that differs, or one for a finished attach (kept only
    // when "session" is weakened), is refused: the session id belongs to the first requester.
    const bool copy = a.phase != Phase::done && a.protocol == in.msg.protocol &&
                      a.from == in.from && a.imsi == imsi && a.gid == gid;
    if (!copy) {
        reject(in.msg.session, imsi,
               msg_name(in.msg.protocol, in.msg.type) + " for a session already in progress");
    }
}

Sn::Attach* Sn::challenge_of(const Message& m) {
    Attach* a = attaches_.find(m.session);
    if (a == nullptr || a->protocol != m.protocol) return nullptr;
    if (a->phase == Phase::challenge) return a;
    // "session" weakened: a finished attach still takes answers.
    if (a->phase == Phase::done && skips("session")) return a;
    return nullptr;
}

std::optional<SecretBytes> Sn::open(const Message& m, const std::string& what,
                                    const Params& params) {
    auto plain = open_box(view(k_sh_), m);
    if (!plain) {
        reject(m.session, hn_name(), what + " " + plain.error().reason, params);
        return std::nullopt;
    }
    if (!skips("box") && !equal_ct(m.get_or_empty(SNid), view(sn_id_))) {
        reject(m.session, hn_name(),
               what + " names SNid " + plmn_name(m.get_or_empty(SNid)) + ", not this SN's " +
                   plmn_name(view(sn_id_)),
               params);
        return std::nullopt;
    }
    return std::move(plain).value();
}

// ---- EPS-AKA attach ----------------------------------------------------------------------------

std::vector<Outbound> Sn::on_attach(const Inbound& in) {
    const Message& m = in.msg;
    if (!m.has(IMSI)) {
        reject(m.session, in.from, "AttachReq lacks IMSI");
        return {};
    }
    const std::string imsi = to_string(m.get_or_empty(IMSI));
    if (Status ok = check_imsi(imsi); !ok) {
        reject(m.session, in.from, "AttachReq " + ok.error().reason);
        return {};
    }
    if (const Attach* a = attaches_.find(m.session); a != nullptr) {
        repeated_attach(*a, in, imsi, "");
        return {};
    }
    AuthDataReqBody body;
    body.imsi = imsi;
    auto out = to_hn(m.protocol, AuthDataReq, m.session, view(encode_body(body)));
    if (!out) {
        events().error(m.session, "sealing AuthDataReq failed: " + out.error().reason);
        return {};
    }
    Attach a;
    a.protocol = m.protocol;
    a.from = in.from;
    a.imsi = imsi;
    a.phase = Phase::vector;
    attaches_.put(m.session, std::move(a));
    return {std::move(out).value()};
}

std::vector<Outbound> Sn::on_auth_data_resp(const Inbound& in) {
    const Message& m = in.msg;
    Attach* a = attaches_.find(m.session);
    if (a == nullptr || a->phase != Phase::vector || a->protocol != m.protocol) {
        reject(m.session, hn_name(), "AuthDataResp for no pending vector request");
        return {};
    }
    const Params params{{"IMSI", a->imsi}};
    auto plain = open(m, "AuthDataResp", params);
    if (!plain) return {};
    auto body = decode_auth_data_resp(view(*plain));
    if (!body) {
        reject(m.session, hn_name(), body.error().describe(), params);
        return {};
    }
    // "box": the vector is for this attach's subscriber (a box for another attach is refused).
    if (!skips("box") && body->imsi != a->imsi) {
        reject(m.session, hn_name(),
               "AuthDataResp box is for IMSI " + body->imsi + ", not this attach's " + a->imsi,
               params);
        return {};
    }
    a->av = std::move(body->av);
    return {challenge(m.session, *a)};
}

// ---- The device's answers (both protocols)
// -------------------------------------------------------

std::vector<Outbound> Sn::on_auth_resp(const Inbound& in) {
    const Message& m = in.msg;
    Attach* a = challenge_of(m);
    if (a == nullptr) {
        reject(m.session, in.from, "AuthResp for no pending challenge");
        return {};
    }
    const Params params{{"RAND", to_hex(view(a->av.rand))}};
    if (!m.has(RES)) {
        reject(m.session, a->imsi, "AuthResp lacks RES", params);
        return {};
    }
    if (!skips("res") && !equal_ct(m.get_or_empty(RES), view(a->av.xres))) {
        reject(m.session, a->imsi, "RES does not match XRES", params);
        attaches_.take(m.session);
        return {};
    }
    events().commit(m.session, a->imsi, params, view(a->av.kasme));
    if (skips("session")) {
        a->phase = Phase::done;
    } else {
        attaches_.take(m.session);  // a run ends once: a replayed AuthResp finds nothing
    }
    return {};
}

std::vector<Outbound> Sn::on_sync_failure(const Inbound& in) {
    const Message& m = in.msg;
    Attach* a = challenge_of(m);
    if (a == nullptr) {
        reject(m.session, in.from, "SyncFailure for no pending challenge");
        return {};
    }
    const Params params{{"RAND", to_hex(view(a->av.rand))}};
    const BytesView auts = m.get_or_empty(AUTS);
    if (auts.size() != kAutsLen) {
        reject(m.session, a->imsi,
               "SyncFailure AUTS must be " + std::to_string(kAutsLen) + " bytes", params);
        return {};
    }
    if (a->resyncs >= kMaxResyncs) {
        reject(m.session, a->imsi,
               "SyncFailure after " + std::to_string(kMaxResyncs) +
                   " re-synchronisations of this attach: giving up",
               params);
        attaches_.take(m.session);
        return {};
    }
    // TS 33.102 6.3.5: the SN sends RAND and AUTS to the HN and waits for a fresh vector.
    AuthDataReqBody body{a->imsi, a->av.rand, to_bytes(auts)};
    auto out = to_hn(a->protocol, AuthDataReq, m.session, view(encode_body(body)));
    if (!out) {
        events().error(m.session, "sealing AuthDataReq failed: " + out.error().reason);
        return {};
    }
    ++a->resyncs;
    a->phase = Phase::vector;
    return {std::move(out).value()};
}

std::vector<Outbound> Sn::on_auth_reject(const Inbound& in) {
    const Message& m = in.msg;
    Attach* a = challenge_of(m);
    if (a == nullptr) {
        reject(m.session, in.from, "AuthReject for no pending challenge");
        return {};
    }
    const BytesView cause = m.get_or_empty(Cause);
    const std::string c = cause.size() == 1 ? std::to_string(cause[0]) : "unknown";
    reject(m.session, a->imsi, "the device rejected the network (cause " + c + ")",
           {{"RAND", to_hex(view(a->av.rand))}});
    attaches_.take(m.session);
    return {};
}

std::unique_ptr<Role> make_sn(Env env) {
    return std::make_unique<Sn>(std::move(env));
}

}  // namespace mtc::gaka
