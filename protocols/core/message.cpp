#include "protocols/core/message.hpp"

#include <algorithm>
#include <utility>

namespace mtc {
namespace {
constexpr std::size_t kTypicalFields = 8;
}  // namespace

// Lookups are linear rather than binary searches: messages carry a handful of fields, and
// attack strategies may build messages whose fields are deliberately out of order.

const Bytes* Message::get(std::uint8_t tag) const {
    for (const Field& f : fields) {
        if (f.tag == tag) return &f.value;
    }
    return nullptr;
}

BytesView Message::get_or_empty(std::uint8_t tag) const {
    const Bytes* v = get(tag);
    return v == nullptr ? BytesView{} : view(*v);
}

void Message::set(std::uint8_t tag, Bytes value) {
    for (Field& f : fields) {
        if (f.tag == tag) {
            f.value = std::move(value);
            return;
        }
    }
    // Messages are built field by field and carry a handful: one allocation for the lot
    // rather than one per doubling.
    if (fields.capacity() == 0) fields.reserve(kTypicalFields);
    auto pos =
        std::find_if(fields.begin(), fields.end(), [tag](const Field& f) { return f.tag > tag; });
    fields.insert(pos, Field{tag, std::move(value)});
}

void Message::erase(std::uint8_t tag) {
    std::erase_if(fields, [tag](const Field& f) { return f.tag == tag; });
}

}  // namespace mtc
