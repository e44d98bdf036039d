// Conversions between Endpoint and the BSD socket address structures, and the few socket
// options every transport sets. Internal to harness/net, but usable by anyone holding a fd.
#pragma once

#include <string>
#include <sys/socket.h>

#include "harness/net/endpoint.hpp"
#include "harness/net/fd.hpp"
#include "protocols/core/result.hpp"

namespace mtc::net {

struct SockAddr {
    sockaddr_storage storage{};
    socklen_t len = 0;
    [[nodiscard]] int family() const { return storage.ss_family; }
    [[nodiscard]] const sockaddr* get() const {
        return reinterpret_cast<const sockaddr*>(&storage);
    }
};

Result<SockAddr> to_sockaddr(const Endpoint& ep);
Endpoint from_sockaddr(const sockaddr_storage& ss);

// A non-blocking, close-on-exec socket of the endpoint's family.
Result<UniqueFd> open_socket(const Endpoint& ep, int type);
// Small frames go out at once: protocol messages, not bulk data.
void set_tcp_nodelay(int fd);
Result<Endpoint> local_endpoint(int fd);
Result<Endpoint> remote_endpoint(int fd);

// "what: strerror(errno)", for error reasons.
std::string errno_reason(const std::string& what, int err);

}  // namespace mtc::net
