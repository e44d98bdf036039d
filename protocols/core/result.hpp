// Result type used across module boundaries instead of exceptions (C++20 has no std::expected).
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <variant>

namespace mtc {

// An error with a human-readable reason. `offset` is the byte offset into the input that was
// being parsed when it applies (decoders), or npos.
struct Error {
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    std::string reason;
    std::size_t offset = npos;

    [[nodiscard]] std::string describe() const {
        if (offset == npos) return reason;
        return reason + " at offset " + std::to_string(offset);
    }
};

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value)
        : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
    Result(Error error)
        : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)

    [[nodiscard]] bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    [[nodiscard]] const Error& error() const { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

// Result<void>
struct Ok {};
using Status = Result<Ok>;

inline Error make_error(std::string reason, std::size_t offset = Error::npos) {
    return Error{std::move(reason), offset};
}

}  // namespace mtc
