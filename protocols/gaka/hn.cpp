// Placeholder until the HN lands (issue 7).
#include "protocols/gaka/roles.hpp"

namespace mtc::gaka {
std::unique_ptr<Role> make_hn(Env) {
    return nullptr;
}
}  // namespace mtc::gaka
