// Per-session state of a role, bounded: a flood of opening messages evicts the oldest runs
// instead of growing memory without limit (a liveness property every role needs).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
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
        if (map_.find(session) == map_.end()) {
            if (map_.size() >= capacity_) evict_oldest();
            order_.push_back(session);
            // take() leaves ids behind in order_; compact so it stays O(capacity).
            if (order_.size() > 2 * capacity_ + 16) compact();
        }
        map_.insert_or_assign(session, std::move(state));
    }

    State* find(std::uint64_t session) {
        auto it = map_.find(session);
        return it == map_.end() ? nullptr : &it->second;
    }

    // Removes and returns the state (a run ends exactly once).
    std::optional<State> take(std::uint64_t session) {
        auto it = map_.find(session);
        if (it == map_.end()) return std::nullopt;
        State s = std::move(it->second);
        map_.erase(it);
        return s;
    }

    [[nodiscard]] std::size_t size() const { return map_.size(); }

private:
    void evict_oldest() {
        while (!order_.empty()) {
            const std::uint64_t s = order_.front();
            order_.pop_front();
            if (map_.erase(s) != 0) return;  // skip ids already taken
        }
    }

    void compact() {
        std::deque<std::uint64_t> kept;
        std::map<std::uint64_t, bool> seen;
        for (std::uint64_t s : order_) {
            if (map_.count(s) != 0 && !seen[s]) {
                seen[s] = true;
                kept.push_back(s);
            }
        }
        order_ = std::move(kept);
    }

    std::size_t capacity_;
    std::unordered_map<std::uint64_t, State> map_;
    std::deque<std::uint64_t> order_;
};

}  // namespace mtc
