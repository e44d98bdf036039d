// Placeholder until the devices land (issue 7).
#include "protocols/gaka/roles.hpp"

namespace mtc::gaka {
std::unique_ptr<Role> make_eps_device(Env) {
    return nullptr;
}
std::unique_ptr<Role> make_gaka_device(Env) {
    return nullptr;
}
}  // namespace mtc::gaka
