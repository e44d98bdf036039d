#include "attacks/guess/search.hpp"
