// Owning pointers to OpenSSL objects, one deleter for all: OsslPtr<T, T_free>.
#pragma once

#include <memory>

namespace mtc::crypto {

template <auto Free>
struct OsslFree {
    template <typename T>
    void operator()(T* p) const {
        Free(p);
    }
};

template <typename T, auto Free>
using OsslPtr = std::unique_ptr<T, OsslFree<Free>>;

}  // namespace mtc::crypto
