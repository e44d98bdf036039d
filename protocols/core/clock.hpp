// Time as roles see it. Live runs use the system clock; seeded simulations use a manual
// clock that only moves when the driver advances it, so event timestamps are reproducible.
#pragma once

#include <cstdint>

namespace mtc {

class Clock {
public:
    virtual ~Clock() = default;
    // Microseconds since the Unix epoch.
    [[nodiscard]] virtual std::int64_t now_us() const = 0;
    [[nodiscard]] std::int64_t now_s() const { return now_us() / 1'000'000; }
};

class SystemClock final : public Clock {
public:
    [[nodiscard]] std::int64_t now_us() const override;
};

class ManualClock final : public Clock {
public:
    explicit ManualClock(std::int64_t start_us) : now_(start_us) {}
    [[nodiscard]] std::int64_t now_us() const override { return now_; }
    void advance_us(std::int64_t d) { now_ += d; }
    void set_us(std::int64_t t) { now_ = t; }

private:
    std::int64_t now_;
};

}  // namespace mtc
