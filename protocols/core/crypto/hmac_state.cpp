#include "protocols/core/crypto/hmac_state.hpp"
