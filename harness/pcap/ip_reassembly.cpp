#include "harness/pcap/ip_reassembly.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "harness/pcap/endpoint.hpp"

namespace mtc::pcap {

namespace {

constexpr std::uint64_t kMaxDatagram = 65535;

std::string address(const std::uint8_t* a, std::size_t len) {
    std::string s = format_endpoint(a, len, 0);
    s.resize(s.size() - 2);  // drop ":0"
    return s;
}

}  // namespace

IpReassembler::Outcome IpReassembler::add(const IpPacket& ip, std::uint64_t packet,
                                          std::int64_t ts_us, Bytes& datagram,
                                          std::uint8_t& protocol, std::string& error) {
    Key key;
    key.version = static_cast<std::uint8_t>(ip.version);
    key.protocol = ip.version == 4 ? ip.protocol : 0;
    key.id = ip.frag_id;
    std::memcpy(key.src.data(), ip.src, ip.addr_len());
    std::memcpy(key.dst.data(), ip.dst, ip.addr_len());

    const std::uint64_t start = ip.frag_offset;
    const std::uint64_t end = start + ip.payload.size();
    if (end > kMaxDatagram) {
        error = "IP fragment at offset " + std::to_string(start) + " of " +
                std::to_string(ip.payload.size()) +
                " bytes ends past the 65535-byte datagram limit";
        return Outcome::error;
    }
    auto [it, fresh] = pending_.try_emplace(key);
    Pending& p = it->second;
    if (fresh) {
        p.first_packet = packet;
        p.first_ts = ts_us;
        p.order = order_++;
        char id[16];
        std::snprintf(id, sizeof id, "0x%x", static_cast<unsigned>(ip.frag_id));
        p.describe = std::string(ip.version == 4 ? "IPv4" : "IPv6") + " datagram id " + id + " " +
                     address(ip.src, ip.addr_len()) + " -> " + address(ip.dst, ip.addr_len());
    }
    if (!ip.more_fragments) {
        if (p.have_last && p.total != end) {
            error = p.describe + ": second last fragment ends at " + std::to_string(end) +
                    ", the first ended at " + std::to_string(p.total);
            return Outcome::error;
        }
        if (!p.have_last && !p.pieces.empty() && p.pieces.end() > end) {
            error = p.describe + ": last fragment ends at " + std::to_string(end) +
                    " but bytes up to " + std::to_string(p.pieces.end()) + " were received";
            return Outcome::error;
        }
        p.have_last = true;
        p.total = end;
    } else if (p.have_last && end > p.total) {
        error = p.describe + ": fragment ends at " + std::to_string(end) +
                " past the datagram's end " + std::to_string(p.total);
        return Outcome::error;
    }
    if (start == 0) {
        p.have_first = true;
        p.protocol = ip.protocol;
    }
    p.pieces.insert(start, ip.payload);
    if (!p.have_last || !p.have_first || p.pieces.bytes() != p.total) {
        if (pending_.size() > kMaxPending) {
            auto oldest = std::min_element(
                pending_.begin(), pending_.end(),
                [](const auto& a, const auto& b) { return a.second.order < b.second.order; });
            if (on_evict_) on_evict_(incomplete(oldest->second));
            pending_.erase(oldest);
        }
        return Outcome::held;
    }
    datagram.clear();
    p.pieces.take_contiguous(0, datagram);
    protocol = p.protocol;
    pending_.erase(it);
    return Outcome::complete;
}

IpReassembler::Incomplete IpReassembler::incomplete(const Pending& p) const {
    std::string reason = p.describe + " never completed: " + std::to_string(p.pieces.bytes()) +
                         " bytes in " + std::to_string(p.pieces.ranges()) + " fragments";
    if (p.have_last) {
        reason += " of " + std::to_string(p.total);
    } else {
        reason += ", last fragment missing";
    }
    return {p.first_packet, p.first_ts, std::move(reason)};
}

void IpReassembler::flush(const std::function<void(const Incomplete&)>& on_incomplete) {
    std::vector<const Pending*> order;
    order.reserve(pending_.size());
    for (const auto& [key, p] : pending_) order.push_back(&p);
    std::sort(order.begin(), order.end(),
              [](const Pending* a, const Pending* b) { return a->order < b->order; });
    for (const Pending* p : order) on_incomplete(incomplete(*p));
    pending_.clear();
}

}  // namespace mtc::pcap
