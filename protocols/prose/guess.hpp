// Key guessing recipes of prose (protocols/core/guess.hpp): the off-line verifier the captured
// traffic holds, and how one on-line guess is put to a live role.
#pragma once

#include "protocols/core/guess.hpp"

namespace mtc::prose {

GuessRecipe guess_recipe();
OnlineGuessRecipe online_guess_recipe();

}  // namespace mtc::prose
