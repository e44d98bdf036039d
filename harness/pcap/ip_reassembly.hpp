// IPv4 and IPv6 fragment reassembly. Fragments are keyed by (version, source, destination,
// protocol for IPv4, identification); overlapping fragments follow SegmentStore's
// first-arrival rule. A datagram is handed on when its last fragment (MF clear) is in and
// every byte before it is covered.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "harness/pcap/layers.hpp"
#include "harness/pcap/segments.hpp"

namespace mtc::pcap {

class IpReassembler {
public:
    // Datagrams pending at once before the oldest is given up (reported, memory bounded).
    static constexpr std::size_t kMaxPending = 4096;

    enum class Outcome { held, complete, error };

    // Adds fragment `ip` (ip.fragment is true). On complete, `datagram` holds the whole
    // upper-layer payload and `protocol` its protocol (IPv6: the next header the first
    // fragment's fragment header names; extension headers may still follow). On error,
    // `error` says why (the fragment is dropped, the datagram stays pending).
    Outcome add(const IpPacket& ip, std::uint64_t packet, std::int64_t ts_us, Bytes& datagram,
                std::uint8_t& protocol, std::string& error);

    // A datagram that was never completed: where it started and why.
    struct Incomplete {
        std::uint64_t packet = 0;  // first fragment's packet index
        std::int64_t ts_us = 0;
        std::string reason;
    };
    // Reports and forgets every pending datagram (end of file), and the ones evicted by
    // kMaxPending as they are evicted (via `on_incomplete`).
    void flush(const std::function<void(const Incomplete&)>& on_incomplete);
    void set_eviction_handler(std::function<void(const Incomplete&)> f) {
        on_evict_ = std::move(f);
    }
    [[nodiscard]] std::size_t pending() const { return pending_.size(); }

private:
    struct Key {
        std::uint8_t version = 0;
        std::uint8_t protocol = 0;
        std::uint32_t id = 0;
        std::array<std::uint8_t, 16> src{}, dst{};
        auto operator<=>(const Key&) const = default;
    };
    struct Pending {
        SegmentStore pieces;
        std::uint64_t total = 0;  // datagram length, once the last fragment is in
        bool have_last = false;
        std::uint8_t protocol = 0;
        bool have_first = false;
        std::uint64_t first_packet = 0;
        std::int64_t first_ts = 0;
        std::uint64_t order = 0;  // arrival order, for eviction
        std::string describe;     // "IPv4 id 0x1234 10.0.0.1 -> 10.0.0.2"
    };
    Incomplete incomplete(const Pending& p) const;

    std::map<Key, Pending> pending_;
    std::uint64_t order_ = 0;
    std::function<void(const Incomplete&)> on_evict_;
};

}  // namespace mtc::pcap
