// Placeholder until the SN lands (issue 7).
#include "protocols/gaka/roles.hpp"

namespace mtc::gaka {
std::unique_ptr<Role> make_sn(Env) {
    return nullptr;
}
}  // namespace mtc::gaka
