#include "protocols/core/role.hpp"

#include "protocols/core/codec.hpp"

namespace mtc {

std::vector<Outbound> deliver_frame(Role& role, const Schema& schema, BytesView frame,
                                    const Address& from,
                                    const std::optional<std::string>& authenticated_peer) {
    // One inbound message per thread, reused frame after frame: decode_into keeps the storage
    // of the fields already there, so once a message of a shape was seen its fields cost no
    // allocation (a fuzz target delivers tens of frames per input). Roles take the message by
    // const reference and copy what they keep. A delivery from inside a role's handler (none
    // does today) gets a message of its own rather than overwriting the outer one.
    thread_local Inbound scratch;
    thread_local Error why;
    thread_local bool busy = false;
    Inbound fresh;
    Inbound& in = busy ? fresh : scratch;
    if (!decode_into(schema, frame, in.msg, why)) {
        // The session id is reported whenever the frame is long enough to hold one and starts
        // with the magic, so a reject (even of a truncated frame) is tied to the run it disturbed.
        const bool has_session = frame.size() >= 14 && get_u16(frame, 0) == kFrameMagic;
        const std::uint64_t session = has_session ? get_u64(frame, 6) : 0;
        role.env().events->reject(session, authenticated_peer.value_or(from),
                                  "decode: " + why.describe());
        return {};
    }
    in.from = from;
    in.authenticated_peer = authenticated_peer;
    const bool outer = !busy;
    busy = true;
    struct Release {
        bool outer;
        ~Release() {
            if (outer) busy = false;
        }
    } release{outer};
    return role.on_message(in);
}

}  // namespace mtc
