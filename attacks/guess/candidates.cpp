#include "attacks/guess/candidates.hpp"
