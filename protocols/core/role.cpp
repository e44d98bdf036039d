#include "protocols/core/role.hpp"

#include "protocols/core/codec.hpp"

namespace mtc {

std::vector<Outbound> deliver_frame(Role& role, const Schema& schema, BytesView frame,
                                    const Address& from,
                                    const std::optional<std::string>& authenticated_peer) {
    auto decoded = decode(schema, frame);
    if (!decoded) {
        // The session id is reported whenever the frame is long enough to hold one and starts
        // with the magic, so a reject (even of a truncated frame) is tied to the run it disturbed.
        const bool has_session = frame.size() >= 14 && get_u16(frame, 0) == kFrameMagic;
        const std::uint64_t session = has_session ? get_u64(frame, 6) : 0;
        role.env().events->reject(session, authenticated_peer.value_or(from),
                                  "decode: " + decoded.error().describe());
        return {};
    }
    return role.on_message(Inbound{std::move(decoded).value(), from, authenticated_peer});
}

}  // namespace mtc
