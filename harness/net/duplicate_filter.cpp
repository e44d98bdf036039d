#include "harness/net/duplicate_filter.hpp"

namespace mtc::net {

void DuplicateFilter::forget_oldest() {
    seen_.erase(order_.front().second);
    order_.pop_front();
}

bool DuplicateFilter::repeated(std::string_view from, BytesView frame, Clock::time_point now) {
    while (!order_.empty() && now - order_.front().first >= window_) forget_oldest();
    // The sender is part of the key: two peers may legitimately send equal bytes.
    std::string key(from);
    key.push_back('\0');
    key.append(reinterpret_cast<const char*>(frame.data()), frame.size());
    if (seen_.count(key) != 0) {
        ++dropped_;
        return true;
    }
    if (capacity_ == 0) return false;
    while (order_.size() >= capacity_) forget_oldest();
    seen_.insert(key);
    order_.emplace_back(now, std::move(key));
    return false;
}

}  // namespace mtc::net
