#include "protocols/core/clock.hpp"

#include <chrono>

namespace mtc {

std::int64_t SystemClock::now_us() const {
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace mtc
