#include "protocols/sga/store.hpp"

#include <string>
#include <utility>

namespace mtc::sga {

Status MessageStore::load() {
    if (loaded_) return Ok{};
    auto keys = storage_->keys();
    if (!keys) return keys.error();
    for (const std::string& k : *keys) {
        const auto n = store_index(k);
        if (!n) continue;
        auto v = storage_->get(k);
        if (!v) return v.error();
        if (!*v) continue;
        auto d = decode_stored(view(**v));
        if (!d) return make_error("message store: " + k + ": " + d.error().reason);
        index_[*n] =
            Entry{std::move(d->dst), std::move(d->src), d->session, d->seq, d->delivered, false};
        next_ = std::max(next_, *n + 1);
    }
    loaded_ = true;
    return Ok{};
}

std::size_t MessageStore::undelivered() const {
    std::size_t n = 0;
    for (const auto& [k, e] : index_) n += e.delivered ? 0 : 1;
    return n;
}

Status MessageStore::make_room() {
    while (index_.size() >= capacity_) {
        auto victim = index_.end();
        for (auto it = index_.begin(); it != index_.end(); ++it) {
            if (it->second.delivered) {
                victim = it;
                break;
            }
        }
        if (victim == index_.end()) {
            return make_error("message store is full (" + std::to_string(index_.size()) +
                              " undelivered messages)");
        }
        if (auto st = storage_->erase(store_key(view(victim->second.dst), victim->first)); !st) {
            return st.error();
        }
        index_.erase(victim);
    }
    return Ok{};
}

Result<std::uint64_t> MessageStore::put(const StoredData& d) {
    if (auto st = load(); !st) return st.error();
    if (auto st = make_room(); !st) return st.error();
    const std::uint64_t n = next_;
    StoredData rec = d;
    rec.delivered = false;
    if (auto st = storage_->put(store_key(view(d.dst), n), view(encode_stored(rec))); !st) {
        return st.error();
    }
    ++next_;
    index_[n] = Entry{d.dst, d.src, d.session, d.seq, false, false};
    return n;
}

std::vector<StoredData> MessageStore::take_unforwarded(BytesView dst, std::size_t max) {
    std::vector<StoredData> out;
    if (!load()) return out;
    for (auto& [n, e] : index_) {
        if (out.size() >= max) break;
        if (e.delivered || e.forwarded || !equal_ct(view(e.dst), dst)) continue;
        auto v = storage_->get(store_key(dst, n));
        if (!v || !*v) continue;
        auto d = decode_stored(view(**v));
        if (!d) continue;
        e.forwarded = true;
        out.push_back(std::move(d).value());
    }
    return out;
}

void MessageStore::mark_forwarded(std::uint64_t n) {
    auto it = index_.find(n);
    if (it != index_.end()) it->second.forwarded = true;
}

Result<bool> MessageStore::mark_delivered(BytesView dst, BytesView src, std::uint64_t session,
                                          std::uint64_t seq) {
    if (auto st = load(); !st) return st.error();
    for (auto& [n, e] : index_) {
        if (e.delivered || e.session != session || e.seq != seq || !equal_ct(view(e.dst), dst) ||
            !equal_ct(view(e.src), src)) {
            continue;
        }
        const std::string key = store_key(dst, n);
        auto v = storage_->get(key);
        if (!v) return v.error();
        if (!*v) return false;
        auto d = decode_stored(view(**v));
        if (!d) return d.error();
        d->delivered = true;
        if (auto st = storage_->put(key, view(encode_stored(*d))); !st) return st.error();
        e.delivered = true;
        return true;
    }
    return false;
}

}  // namespace mtc::sga
