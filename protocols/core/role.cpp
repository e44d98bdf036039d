#include "protocols/core/role.hpp"

#include "protocols/core/codec.hpp"

namespace mtc {

std::vector<Outbound> deliver_frame(Role& role, const Schema& schema, BytesView frame,
                                    const Address& from,
                                    const std::optional<std::string>& authenticated_peer) {
    auto decoded = decode(schema, frame);
    if (!decoded) {
        // The session id is reported when the header at least was readable, so a reject
        // can be tied to the run it disturbed.
        auto header = peek_header(frame);
        const std::uint64_t session = header ? header->session : 0;
        role.env().events->reject(session, authenticated_peer.value_or(from),
                                  "decode: " + decoded.error().describe());
        return {};
    }
    return role.on_message(Inbound{std::move(decoded).value(), from, authenticated_peer});
}

}  // namespace mtc
