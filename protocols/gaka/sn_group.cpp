// The SN's side of GAKA's group attach (PROTOCOLS.md section 2): one leader's GroupAttachReq
// fetches the group's vectors, GAK and RAND_G from the HN (GroupAuthDataReq, answered in
// parts); the leader is challenged with its own vector (AuthReq), every other member with one of
// the group's vectors and MAC_G (GroupAuthReq) with no HN traffic. Members that arrive while a
// fetch is in flight wait for it. A member whose vector is used up makes the SN fetch the group
// again for its first leader (the member waits and gets a GroupAuthReq from the new vectors).
#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "protocols/gaka/sn.hpp"

namespace mtc::gaka {

std::int64_t Sn::now_us() const {
    return env().clock != nullptr ? clock().now_us() : 0;
}

bool Sn::stale(const Fetch& f) const {
    return now_us() - f.started_us > kFetchTimeoutUs;
}

Sn::Group& Sn::group_for(const std::string& gid) {
    auto it = groups_.find(gid);
    if (it != groups_.end()) return it->second;
    if (groups_.size() >= kMaxGroups) {
        auto oldest = std::min_element(
            groups_.begin(), groups_.end(),
            [](const auto& a, const auto& b) { return a.second.touched < b.second.touched; });
        drop_waiting(oldest->second, "group " + oldest->first + " evicted: the SN keeps at most " +
                                         std::to_string(kMaxGroups) + " groups");
        groups_.erase(oldest);
    }
    return groups_[gid];
}

void Sn::drop_fetch(Group& g, const std::string& reason) {
    if (!g.fetch) return;
    const Fetch& f = *g.fetch;
    const Attach* a = attaches_.find(f.session);
    if (a != nullptr && a->phase == Phase::group_vector && a->imsi == f.imsi_l) {
        reject(f.session, a->imsi, reason, {{"GID", a->gid}});
        attaches_.take(f.session);
    }
    fetch_gid_.erase(f.session);
    g.fetch.reset();
}

void Sn::drop_waiting(Group& g, const std::string& reason) {
    drop_fetch(g, reason);
    for (const Waiting& w : g.queue) {
        const Attach* a = attaches_.find(w.session);
        if (a != nullptr && a->phase == Phase::queued && a->imsi == w.imsi) {
            reject(w.session, a->imsi, reason, {{"GID", a->gid}});
            attaches_.take(w.session);
        }
    }
    g.queue.clear();
}

Outbound Sn::group_challenge(std::uint64_t session, Attach& a, const Context& ctx) {
    a.phase = Phase::challenge;
    Message out;
    out.protocol = a.protocol;
    out.type = GroupAuthReq;
    out.session = session;
    out.set(RAND, a.av.rand);
    out.set(AUTN, a.av.autn);
    out.set(RAND_G, ctx.rand_g);
    out.set(MAC_G, mac_g(view(ctx.gak), view(a.av.rand), view(sn_id_)));
    events().begin(session, a.imsi, {{"RAND", to_hex(view(a.av.rand))}});
    return Outbound{a.from, std::move(out)};
}

std::vector<Outbound> Sn::on_group_attach(const Inbound& in) {
    const Message& m = in.msg;
    if (!m.has(IMSI) || !m.has(GID)) {
        reject(m.session, in.from, "GroupAttachReq lacks IMSI or GID");
        return {};
    }
    const std::string imsi = to_string(m.get_or_empty(IMSI));
    if (Status ok = check_imsi(imsi); !ok) {
        reject(m.session, in.from, "GroupAttachReq " + ok.error().reason);
        return {};
    }
    const BytesView gid_raw = m.get_or_empty(GID);
    if (gid_raw.empty() || gid_raw.size() > kMaxGid) {
        reject(m.session, imsi,
               "GroupAttachReq GID must have 1.." + std::to_string(kMaxGid) + " bytes");
        return {};
    }
    const std::string gid = to_string(gid_raw);
    if (const Attach* a = attaches_.find(m.session); a != nullptr) {
        repeated_attach(*a, in, imsi, gid);
        return {};
    }
    Attach a;
    a.protocol = m.protocol;
    a.from = in.from;
    a.imsi = imsi;
    a.gid = gid;

    Group& g = group_for(gid);
    g.touched = ++tick_;
    // A member with an unused vector in the group's context: challenged at once, no HN traffic.
    if (g.ctx) {
        auto it = g.ctx->avs.find(imsi);
        if (it != g.ctx->avs.end()) {
            a.av = std::move(it->second);
            g.ctx->avs.erase(it);  // each vector is used once
            attaches_.put(m.session, std::move(a));
            Attach* stored = attaches_.find(m.session);
            return {group_challenge(m.session, *stored, *g.ctx)};
        }
    }
    if (g.fetch && stale(*g.fetch)) {
        drop_fetch(g, "the HN did not answer the group request for " + gid + " within " +
                          std::to_string(kFetchTimeoutUs / 1'000'000) + " s");
    }
    // A fetch for the group is in flight, or the group has a leader and this member's vector
    // is used up: the member waits for the (new) group vectors and gets a GroupAuthReq.
    const bool refresh = !g.fetch && !g.leader.empty() && g.leader != imsi;
    const bool waits = g.fetch.has_value() || refresh;
    if (waits) {
        if (g.queue.size() >= kMaxQueuedPerGroup) {
            reject(m.session, imsi,
                   "group " + gid + " already has " + std::to_string(kMaxQueuedPerGroup) +
                       " members waiting for its vectors",
                   {{"GID", gid}});
            return {};
        }
        g.queue.push_back(Waiting{m.session, imsi});
    }
    a.phase = waits ? Phase::queued : Phase::group_vector;
    attaches_.put(m.session, std::move(a));
    if (g.fetch) return {};
    // The SN asks the HN for the group's vectors: for this requester as the leader on the
    // group's first fetch (it gets the full AKA), else for the group's leader again.
    auto out = start_fetch(gid, g, m.session, refresh ? g.leader : imsi);
    if (!out) {
        if (!refresh) attaches_.take(m.session);  // a queued member waits for a later fetch
        return {};
    }
    return {std::move(out).value()};
}

std::optional<Outbound> Sn::start_fetch(const std::string& gid, Group& g, std::uint64_t session,
                                        const std::string& imsi_l) {
    auto out = to_hn(kGakaProtocolId, GroupAuthDataReq, session,
                     view(encode_body(GroupAuthDataReqBody{imsi_l, gid})));
    if (!out) {
        events().error(session, "sealing GroupAuthDataReq failed: " + out.error().reason);
        return std::nullopt;
    }
    Fetch f;
    f.session = session;
    f.imsi_l = imsi_l;
    f.started_us = now_us();
    g.fetch = std::move(f);
    fetch_gid_[session] = gid;
    return std::move(out).value();
}

std::vector<Outbound> Sn::on_group_auth_data_resp(const Inbound& in) {
    const Message& m = in.msg;
    const auto fg = fetch_gid_.find(m.session);
    const auto git = fg == fetch_gid_.end() ? groups_.end() : groups_.find(fg->second);
    if (git == groups_.end() || !git->second.fetch || git->second.fetch->session != m.session) {
        reject(m.session, hn_name(), "GroupAuthDataResp for no group request in flight");
        return {};
    }
    const std::string gid = git->first;
    Group& g = git->second;
    Fetch& f = *g.fetch;
    const Params params{{"GID", gid}};
    auto plain = open(m, "GroupAuthDataResp", params);
    if (!plain) return {};
    auto body = decode_group_auth_data_resp(view(*plain));
    if (!body) {
        reject(m.session, hn_name(), body.error().describe(), params);
        return {};
    }
    if (body->parts > kMaxParts) {
        reject(m.session, hn_name(),
               "GroupAuthDataResp announces " + std::to_string(body->parts) + " parts (at most " +
                   std::to_string(kMaxParts) + ")",
               params);
        return {};
    }
    if (!skips("box")) {
        // "box": the part answers the request in flight on this session.
        if (body->gid != gid || body->imsi_l != f.imsi_l) {
            reject(m.session, hn_name(),
                   "GroupAuthDataResp box is for group " + body->gid + " led by " + body->imsi_l +
                       ", not the request in flight (group " + gid + " led by " + f.imsi_l + ")",
                   params);
            return {};
        }
        if (!f.got.empty()) {
            const GroupAuthDataRespBody& first = f.got.begin()->second;
            if (body->parts != f.parts || !equal_ct(view(body->rand_g), view(first.rand_g)) ||
                !equal_ct(view(body->gak), view(first.gak)) ||
                !equal_ct(view(body->av_l.rand), view(first.av_l.rand))) {
                reject(m.session, hn_name(),
                       "GroupAuthDataResp part " + std::to_string(body->part) +
                           " disagrees with the parts before it",
                       params);
                return {};
            }
        }
    }
    if (f.got.count(body->part) != 0) return {};  // a duplicate part: already have it
    if (f.vectors + body->members.size() > kMaxGroupVectors) {
        reject(m.session, hn_name(),
               "GroupAuthDataResp carries more than " + std::to_string(kMaxGroupVectors) +
                   " member vectors",
               params);
        drop_waiting(g, "the group's vectors exceed what the SN keeps");
        return {};
    }
    if (f.got.empty()) f.parts = body->parts;
    f.vectors += body->members.size();
    const std::uint16_t part = body->part;
    f.got.emplace(part, std::move(body).value());
    if (f.got.size() < f.parts) return {};
    return install(gid, g);
}

std::vector<Outbound> Sn::install(const std::string& gid, Group& g) {
    Fetch f = std::move(*g.fetch);
    g.fetch.reset();
    fetch_gid_.erase(f.session);
    GroupAuthDataRespBody& first = f.got.begin()->second;
    Context ctx;
    ctx.gak = first.gak;
    ctx.rand_g = first.rand_g;
    std::set<std::string> fetched = {f.imsi_l};  // every device this fetch brought a vector for
    for (auto& [index, part] : f.got) {
        for (MemberAv& mv : part.members) {
            fetched.insert(mv.imsi);
            ctx.avs.emplace(mv.imsi, std::move(mv.av));
        }
    }
    g.ctx = std::move(ctx);  // replaces any older context of the group
    g.touched = ++tick_;

    g.leader = f.imsi_l;

    std::vector<Outbound> out;
    // The leader, when it asked: a plain AKA challenge with AV_L. When a member's refresh
    // asked, AV_L waits in the context for the leader's next attach (a GroupAuthReq then).
    Attach* leader = attaches_.find(f.session);
    if (leader != nullptr && leader->phase == Phase::group_vector && leader->imsi == f.imsi_l) {
        leader->av = std::move(first.av_l);
        out.push_back(challenge(f.session, *leader));
    } else {
        g.ctx->avs.insert_or_assign(f.imsi_l, std::move(first.av_l));
    }
    // The members that waited for this fetch.
    std::deque<Waiting> queue = std::move(g.queue);
    g.queue.clear();
    for (const Waiting& w : queue) {
        Attach* a = attaches_.find(w.session);
        if (a == nullptr || a->phase != Phase::queued || a->imsi != w.imsi || a->gid != gid) {
            continue;  // evicted or gone meanwhile
        }
        auto it = g.ctx->avs.find(w.imsi);
        if (it == g.ctx->avs.end()) {
            if (fetched.count(w.imsi) != 0) {
                // The device's vector went to an earlier attach of its own in this queue: it
                // waits for the group's next vectors, as a member with a spent vector does.
                g.queue.push_back(w);
                continue;
            }
            reject(w.session, w.imsi, "IMSI is not in the group's vectors", {{"GID", gid}});
            attaches_.take(w.session);
            continue;
        }
        a->av = std::move(it->second);
        g.ctx->avs.erase(it);
        out.push_back(group_challenge(w.session, *a, *g.ctx));
    }
    if (!g.queue.empty()) {
        // Each fetch brings every waiting device a new vector, so the queue drains.
        if (auto more = start_fetch(gid, g, g.queue.front().session, g.leader)) {
            out.push_back(std::move(more).value());
        } else {
            drop_waiting(g, "the group's next vectors could not be requested");
        }
    }
    return out;
}

}  // namespace mtc::gaka
