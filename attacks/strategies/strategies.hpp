// The built-in strategies (one file each); strategy.cpp lists them.
#pragma once

#include "attacks/strategy.hpp"

namespace mtc::attacks {

const Strategy& replay_strategy();
const Strategy& modify_strategy();
const Strategy& relay_strategy();
const Strategy& mitm_strategy();
const Strategy& guess_strategy();

}  // namespace mtc::attacks
