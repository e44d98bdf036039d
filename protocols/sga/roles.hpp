// SGA roles (paper 003, sections 4.1-4.5). Factories for the ProtocolSpec.
#pragma once

#include <memory>

#include "protocols/core/role.hpp"

namespace mtc::sga {

// The SGA server with its CA module: the device registry (4.1), the negotiation (A2, A4), the
// key exchange (B2, B4-B6) and the message store and delivery (4.5).
std::unique_ptr<Role> make_server(Env env);
// A smart device: registers (4.1), initiates with its partner (A1, B1, Data) and answers as d_j
// (A3, B3), recovers K (B7) and takes Data.
std::unique_ptr<Role> make_device(Env env);

}  // namespace mtc::sga
