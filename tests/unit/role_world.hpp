// What every protocol's in-process test world shares: a manual clock, the event sink the roles
// report to, the key fingerprinter, and queries over the events.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "protocols/core/clock.hpp"
#include "protocols/core/event.hpp"

namespace mtc::test {

struct RoleWorldBase {
    ManualClock clock{1'735'689'600'000'000};
    MemorySink sink;
    KeyFingerprinter fp{SecretBytes(32, 0x5a)};

    [[nodiscard]] std::vector<Event> events(const std::string& instance, EventKind kind) const {
        std::vector<Event> out;
        for (const auto& e : sink.events) {
            if (e.instance == instance && e.kind == kind) out.push_back(e);
        }
        return out;
    }
    [[nodiscard]] std::size_t count(const std::string& instance, EventKind kind) const {
        return events(instance, kind).size();
    }
    [[nodiscard]] std::string last_reject(const std::string& instance) const {
        auto v = events(instance, EventKind::reject);
        return v.empty() ? "<no reject>" : v.back().reason.value_or("");
    }
    [[nodiscard]] std::size_t total(EventKind kind) const {
        std::size_t n = 0;
        for (const auto& e : sink.events) n += e.kind == kind ? 1 : 0;
        return n;
    }
};

}  // namespace mtc::test
