#include "attacks/strategy.hpp"

#include "attacks/compromise.hpp"
#include "attacks/strategies/strategies.hpp"

namespace mtc::attacks {

const std::vector<const Strategy*>& strategies() {
    static const std::vector<const Strategy*> all = {&replay_strategy(), &modify_strategy(),
                                                     &relay_strategy(),  &mitm_strategy(),
                                                     &guess_strategy(),  &compromise_strategy()};
    return all;
}

const Strategy* find_strategy(std::string_view name) {
    for (const Strategy* s : strategies()) {
        if (s->name() == name) return s;
    }
    return nullptr;
}

}  // namespace mtc::attacks
