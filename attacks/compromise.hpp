// The compromise strategy (forward secrecy). Run by the engine after every other attack: the
// attacker compromises the long-term secrets of every honest instance (recording the time in
// Knowledge::compromise), opens every sealed field it now can (the protocol's SealRecipes:
// the plaintext is learned as a secret "<yields>:<identity>"), then for every honest run in its
// knowledge that carries every message a KeyRecipe needs, feeds every secret it holds
// (compromised, opened, and keys it learned) as the exponent to KeyRecipe::derive. A candidate
// whose fingerprint matches a committed key is learned (Knowledge::learn_key), and the claim
// checker's forward-secrecy:K then reports it when the commit predates the compromise.
//
// Generic over protocols: it reads only the recipes, never a protocol's name. Plans no live
// traces (like "guess"); compromise_all() does the work on the knowledge.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "attacks/knowledge.hpp"
#include "attacks/strategy.hpp"
#include "protocols/core/event.hpp"
#include "protocols/core/spec.hpp"

namespace mtc::attacks {

struct CompromiseInput {
    const Deployment* deployment = nullptr;
    const KeyFingerprinter* fingerprinter = nullptr;
    std::vector<std::string> runs;        // honest run labels to attack, in order
    std::set<std::string> committed_fps;  // key_fp of every commit seen so far
    std::int64_t at_us = 0;               // time of the compromise (the events' clock)
};

struct CompromiseOutcome {
    std::size_t instances = 0;           // instances compromised by this step (honest until now)
    std::size_t honest_runs = 0;         // runs in CompromiseInput::runs
    std::size_t runs_tried = 0;          // runs carrying every message of at least one KeyRecipe
    std::size_t opened = 0;              // sealed fields opened
    std::size_t secrets = 0;             // distinct values fed as exponents
    std::size_t derivations = 0;         // candidate keys derived and fingerprinted
    std::vector<std::string> recovered;  // sources of the committed keys recovered
    std::string note;                    // one sentence for the report; no secret in it
};

// Feeds every secret and key the attacker holds to every KeyRecipe of every run in `runs` that
// carries the messages it needs; a candidate whose fingerprint is in `committed_fps` is learned
// (Knowledge::learn_key). Shared by the compromise strategy and the key guesser (a guessed
// long-term key turned into the session keys it protects).
struct DeriveInput {
    const KeyFingerprinter* fingerprinter = nullptr;
    std::vector<std::string> runs;
    std::set<std::string> committed_fps;
    std::string runs_are;  // qualifies the runs in the note: "earlier " after a compromise
};
struct SessionKeyDerivation {
    std::size_t runs_tried = 0, secrets = 0, derivations = 0;
    std::vector<std::string> recovered;       // sources of the committed keys recovered
    std::vector<std::string> recovered_runs;  // runs with at least one key recovered
    std::vector<std::string> key_names;       // the recipes' keys, e.g. {"DMKey"}
    std::string note;                         // one clause for a report; no secret in it
};
SessionKeyDerivation derive_session_keys(Knowledge& knowledge, const DeriveInput& input);

// Compromises every instance of the deployment not yet compromised, then tries to recover
// earlier session keys as described above. Deterministic for the same knowledge and input.
CompromiseOutcome compromise_all(Knowledge& knowledge, const CompromiseInput& input);

// The registry entry: plans no traces; the engine calls compromise_all() after the attacks.
const Strategy& compromise_strategy();

}  // namespace mtc::attacks
