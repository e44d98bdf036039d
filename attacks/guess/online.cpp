#include "attacks/guess/online.hpp"
