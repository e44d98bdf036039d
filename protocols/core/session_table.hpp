// Per-session state of a role, bounded: a flood of opening messages evicts the oldest runs
// instead of growing memory without limit (a liveness property every role needs).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <utility>

namespace mtc {

template <typename State>
class SessionTable {
public:
    explicit SessionTable(std::size_t capacity = 4096) : capacity_(capacity) {}

    // Inserts or replaces; evicts the oldest entry when full.
    void put(std::uint64_t session, State state) {
        auto it = map_.find(session);
        if (it != map_.end()) {
            it->second.state = std::move(state);
            return;
        }
        if (map_.size() >= capacity_) evict_oldest();
        const std::uint64_t gen = next_gen_++;
        map_.emplace(session, Entry{std::move(state), gen});
        order_.emplace_back(session, gen);
        // take() leaves entries behind in order_; compact so it stays O(capacity).
        if (order_.size() > 2 * capacity_ + 16) compact();
    }

    State* find(std::uint64_t session) {
        auto it = map_.find(session);
        return it == map_.end() ? nullptr : &it->second.state;
    }

    // Removes and returns the state (a run ends exactly once).
    std::optional<State> take(std::uint64_t session) {
        auto it = map_.find(session);
        if (it == map_.end()) return std::nullopt;
        State s = std::move(it->second.state);
        map_.erase(it);
        return s;
    }

    [[nodiscard]] std::size_t size() const { return map_.size(); }

private:
    // The generation tells a live entry from a leftover of an earlier run with the same id.
    struct Entry {
        State state;
        std::uint64_t gen;
    };

    [[nodiscard]] bool live(const std::pair<std::uint64_t, std::uint64_t>& o) const {
        auto it = map_.find(o.first);
        return it != map_.end() && it->second.gen == o.second;
    }

    void evict_oldest() {
        while (!order_.empty()) {
            const auto o = order_.front();
            order_.pop_front();
            if (live(o)) {
                map_.erase(o.first);
                return;
            }
        }
    }

    void compact() {
        std::deque<std::pair<std::uint64_t, std::uint64_t>> kept;
        for (const auto& o : order_) {
            if (live(o)) kept.push_back(o);
        }
        order_ = std::move(kept);
    }

    std::size_t capacity_;
    std::uint64_t next_gen_ = 0;
    std::unordered_map<std::uint64_t, Entry> map_;
    std::deque<std::pair<std::uint64_t, std::uint64_t>>
        order_;  // (session, generation), oldest first
};

}  // namespace mtc
