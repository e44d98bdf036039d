// Key guessing recipes of sga (protocols/core/guess.hpp): the off-line verifier the captured
// traffic holds, and how one on-line guess is put to a live role.
#pragma once

#include "protocols/core/guess.hpp"

namespace mtc::sga {

GuessRecipe guess_recipe();
OnlineGuessRecipe online_guess_recipe();

}  // namespace mtc::sga
