// Drops a frame that arrives again, byte for byte, from the same sender within a window: a
// retransmitted copy of something the role already handled. Without it a slow answer makes the
// initiator's copy reach the responder as a second request, which a stateful responder rightly
// rejects ("already in progress", "no pending request") and so fails the very run the copy was
// meant to save. The window is the retransmission give-up time, so a frame repeated later (an
// attacker's replay) still reaches the role and its checks; campaigns run with retransmission
// off and therefore without this filter.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>

#include "protocols/core/bytes.hpp"

namespace mtc::net {

class DuplicateFilter {
public:
    using Clock = std::chrono::steady_clock;

    // At most `capacity` frames are remembered; the oldest go first when it is full.
    explicit DuplicateFilter(std::chrono::milliseconds window, std::size_t capacity = 4096)
        : window_(window), capacity_(capacity) {}

    // True when this frame from this sender was already seen within the window (drop it);
    // otherwise remembers it and returns false.
    [[nodiscard]] bool repeated(std::string_view from, BytesView frame, Clock::time_point now);

    [[nodiscard]] std::size_t dropped() const { return dropped_; }

private:
    void forget_oldest();

    std::chrono::milliseconds window_;
    std::size_t capacity_;
    std::deque<std::pair<Clock::time_point, std::string>> order_;  // oldest first
    std::unordered_set<std::string> seen_;
    std::size_t dropped_ = 0;
};

}  // namespace mtc::net
