// The SGA server's message store (paper 003, section 4.5: "the SGA Server will store them to the
// Storage and forward them"), on the role's durable Env::storage: every Data is written before it
// is forwarded, one key per message (role_util.hpp, "msg-<hex ID_dst>-<016x n>"), and marked
// delivered when the recipient acknowledges it. An in-memory index (rebuilt from the keys after a
// restart) says what is undelivered and what was already forwarded by this incarnation.
// Bounded: at most `capacity` records; when full, delivered records are dropped oldest first,
// and if every record is undelivered a new Data is refused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "protocols/core/result.hpp"
#include "protocols/core/storage.hpp"
#include "protocols/sga/role_util.hpp"

namespace mtc::sga {

class MessageStore {
public:
    MessageStore(std::shared_ptr<Storage> storage, std::size_t capacity)
        : storage_(std::move(storage)), capacity_(capacity) {}

    // Reads the index from the storage once (the first call does the work). Error: a storage
    // failure or a record that does not decode.
    Status load();

    // Writes `d` (undelivered) and returns its number. Errors: "message store is full (N
    // undelivered messages)", or the storage's.
    Result<std::uint64_t> put(const StoredData& d);

    // Undelivered records for `dst` that this incarnation has not forwarded yet, oldest first,
    // at most `max`; each is marked forwarded. Unreadable records are skipped.
    std::vector<StoredData> take_unforwarded(BytesView dst, std::size_t max);
    void mark_forwarded(std::uint64_t n);

    // Marks the undelivered record (dst, src, session, seq) delivered. False when there is none.
    Result<bool> mark_delivered(BytesView dst, BytesView src, std::uint64_t session,
                                std::uint64_t seq);

    [[nodiscard]] std::size_t size() const { return index_.size(); }
    [[nodiscard]] std::size_t undelivered() const;

private:
    struct Entry {
        Bytes dst, src;
        std::uint64_t session = 0, seq = 0;
        bool delivered = false;
        bool forwarded = false;  // by this incarnation
    };

    Status make_room();

    std::shared_ptr<Storage> storage_;
    std::size_t capacity_;
    bool loaded_ = false;
    std::uint64_t next_ = 0;
    std::map<std::uint64_t, Entry> index_;
};

}  // namespace mtc::sga
