// An event's public parameters: name -> value, kept sorted by name in one vector.
//
// Every event a role emits carries a handful of these (ProSe's run parameters are five), and
// the fuzz targets emit tens of events per input: as a std::map each parameter was its own
// node allocation, which under ASan cost more than the role's work on the message. The
// interface is the part of std::map's that events use, so iteration order (by name) and
// equality are what they were.
#pragma once

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mtc {

class Params {
public:
    using value_type = std::pair<std::string, std::string>;
    // Read-only iteration, as std::map's const keys: a name changed in place would break the
    // order every lookup relies on. Values change through set() and [].
    using const_iterator = std::vector<value_type>::const_iterator;

    Params() = default;
    // A name given twice keeps its first value, as with std::map.
    Params(std::initializer_list<value_type> items) {
        kv_.reserve(items.size());
        for (const value_type& kv : items) {
            if (!contains(kv.first)) set(kv.first, kv.second);
        }
    }

    // Inserts or replaces.
    void set(std::string_view name, std::string value) {
        auto it = lower(name);
        if (it != kv_.end() && it->first == name) {
            it->second = std::move(value);
        } else {
            kv_.emplace(it, std::string(name), std::move(value));
        }
    }
    std::string& operator[](std::string_view name) {
        auto it = lower(name);
        if (it == kv_.end() || it->first != name) it = kv_.emplace(it, std::string(name), "");
        return it->second;
    }

    [[nodiscard]] const_iterator find(std::string_view name) const {
        auto it = lower(name);
        return it != kv_.end() && it->first == name ? it : kv_.end();
    }
    [[nodiscard]] const std::string& at(std::string_view name) const {
        auto it = find(name);
        if (it == kv_.end()) throw std::out_of_range("no param " + std::string(name));
        return it->second;
    }
    [[nodiscard]] std::size_t count(std::string_view name) const {
        return find(name) == kv_.end() ? 0 : 1;
    }
    [[nodiscard]] bool contains(std::string_view name) const { return count(name) != 0; }
    std::size_t erase(std::string_view name) {
        const auto it = find(name);
        if (it == kv_.end()) return 0;
        kv_.erase(it);
        return 1;
    }

    [[nodiscard]] std::size_t size() const { return kv_.size(); }
    [[nodiscard]] bool empty() const { return kv_.empty(); }
    void reserve(std::size_t n) { kv_.reserve(n); }
    [[nodiscard]] const_iterator begin() const { return kv_.begin(); }
    [[nodiscard]] const_iterator end() const { return kv_.end(); }

    bool operator==(const Params&) const = default;

private:
    [[nodiscard]] const_iterator lower(std::string_view name) const {
        return std::lower_bound(
            kv_.begin(), kv_.end(), name,
            [](const value_type& kv, std::string_view n) { return kv.first < n; });
    }
    [[nodiscard]] std::vector<value_type>::iterator lower(std::string_view name) {
        return std::lower_bound(
            kv_.begin(), kv_.end(), name,
            [](const value_type& kv, std::string_view n) { return kv.first < n; });
    }

    std::vector<value_type> kv_;
};

}  // namespace mtc
