// Retransmission over UDP for the process layer. Roles are sans-IO and never see time: the
// process that runs an initiator keeps the last datagram it sent and, while no answer comes,
// sends it again on this schedule, then gives up (the process emits a `reject` event with
// reason "timeout"). See docs/transports.md, "Timeouts and retransmission".
//
// Default policy: first wait 200 ms, doubling, 3 retransmissions, so with a send at t = 0 the
// copies go out at 200, 600 and 1400 ms and the run is given up at 3000 ms.
#pragma once

#include <chrono>
#include <functional>

#include "harness/net/event_loop.hpp"

namespace mtc::net {

struct RetransmitPolicy {
    std::chrono::milliseconds initial{200};
    unsigned multiplier = 2;
    unsigned retries = 3;

    // How long to wait after send number `sent` (0 = the original) before the next copy or,
    // after the last copy, before giving up: initial * multiplier^sent.
    [[nodiscard]] std::chrono::milliseconds wait_after(unsigned sent) const;
    // From the original send to giving up (3000 ms for the default).
    [[nodiscard]] std::chrono::milliseconds give_up_after() const;
};

// One outstanding request's timer. Callbacks run on the loop; they may disarm, re-arm or
// destroy the Retransmitter.
class Retransmitter {
public:
    explicit Retransmitter(EventLoop& loop, RetransmitPolicy policy = {});
    ~Retransmitter();
    Retransmitter(const Retransmitter&) = delete;
    Retransmitter& operator=(const Retransmitter&) = delete;

    // Call right after the original send. `resend` is called for each copy, `give_up` once
    // if no disarm() came in time. Arming again restarts the schedule.
    void arm(std::function<void()> resend, std::function<void()> give_up);
    // The answer arrived (or the run ended): no more copies, no give-up.
    void disarm();
    [[nodiscard]] bool armed() const { return timer_ != 0; }
    // Copies sent since the last arm().
    [[nodiscard]] unsigned retransmissions() const { return sent_; }

private:
    void schedule();
    void on_timer();

    EventLoop& loop_;
    RetransmitPolicy policy_;
    EventLoop::TimerId timer_ = 0;
    unsigned sent_ = 0;
    std::function<void()> resend_;
    std::function<void()> give_up_;
};

}  // namespace mtc::net
