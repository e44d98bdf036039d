#include "harness/net/retransmit.hpp"

#include <utility>

namespace mtc::net {

using std::chrono::milliseconds;

milliseconds RetransmitPolicy::wait_after(unsigned sent) const {
    milliseconds d = initial;
    for (unsigned i = 0; i < sent; ++i) d *= multiplier;
    return d;
}

milliseconds RetransmitPolicy::give_up_after() const {
    milliseconds total{0};
    for (unsigned i = 0; i <= retries; ++i) total += wait_after(i);
    return total;
}

Retransmitter::Retransmitter(EventLoop& loop, RetransmitPolicy policy)
    : loop_(loop), policy_(policy) {}

Retransmitter::~Retransmitter() {
    disarm();
}

void Retransmitter::arm(std::function<void()> resend, std::function<void()> give_up) {
    disarm();
    resend_ = std::move(resend);
    give_up_ = std::move(give_up);
    sent_ = 0;
    schedule();
}

void Retransmitter::disarm() {
    if (timer_ != 0) loop_.cancel(std::exchange(timer_, 0));
    resend_ = nullptr;
    give_up_ = nullptr;
}

void Retransmitter::schedule() {
    timer_ = loop_.after(policy_.wait_after(sent_), [this] { on_timer(); });
}

void Retransmitter::on_timer() {
    timer_ = 0;
    if (sent_ < policy_.retries) {
        ++sent_;
        schedule();  // before the callback, which may disarm or destroy us
        const auto resend = resend_;
        if (resend) resend();
        return;
    }
    auto give_up = std::move(give_up_);
    resend_ = nullptr;
    give_up_ = nullptr;
    if (give_up) give_up();
}

}  // namespace mtc::net
