// The claim checker (DESIGN.md, "Claims"): judges claims from the roles' events plus the
// attacker's own knowledge, never from a role's say-so alone. Incremental: events are added as
// they arrive and check() returns only violations not reported before, so the engine can tell
// which attack session produced which violation.
//
//   secrecy:K        no key the attacker knows (its fingerprint) was committed by an honest
//                    instance whose peer is honest
//   forward-secrecy:K  no key the attacker knows was committed by an instance that was honest,
//                    with a peer that was honest, at the time of the commit: compromising
//                    long-term secrets later (the compromise strategy, compromise.hpp) must
//                    not expose earlier session keys (Knowledge::compromised_at)
//   agreement:A->B   whenever an instance of B accepts or commits with an honest A instance as
//                    peer, that A instance began a run with B on the same parameters (the
//                    params both events carry)
//   injective:A->B   agreement, and no begin of A is matched by two acceptances of the same
//                    kind (accept/commit) at B
//   freshness:K      no two commits of one role share a key fingerprint or a nonce parameter
//                    (a param named after a schema field of kind nonce)
//   liveness:*       no role instance crashed, hung or exited (reported by the supervisor)
//   no-contact:A->B  no honest run an A instance started carried a message to or from a B
//                    instance (GAKA: members attach without the HN); judged on the honest
//                    phase's runs only, since attacks may legitimately make a role fetch again
//   guess-resistance:*  judged by the guess strategy (guess.hpp), not from events
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "attacks/knowledge.hpp"
#include "protocols/core/event.hpp"
#include "protocols/core/spec.hpp"

namespace mtc::attacks {

struct Violation {
    std::string claim;    // claim id
    std::string summary;  // one sentence, no secrets
    std::vector<Event> evidence;
    std::string instance_key;  // what makes this violation distinct (for de-duplication)
};

class ClaimChecker {
public:
    // `claims`: ids to check (each must be in spec.claims). `fingerprinter` computes the
    // fingerprints of keys in the attacker's knowledge with the deployment's salt.
    ClaimChecker(const ProtocolSpec& spec, const Deployment& deployment,
                 std::vector<std::string> claims, const KeyFingerprinter& fingerprinter);
    ~ClaimChecker();
    ClaimChecker(const ClaimChecker&) = delete;
    ClaimChecker& operator=(const ClaimChecker&) = delete;

    void add(const Event& e);
    void add(Event&& e);
    // Forgets every event, failure, honest run, key and reported violation, as if just
    // constructed with the same claims and deployment: one checker judges many independent runs
    // (the fuzz oracle, every input on its own) without rebuilding its tables or storage.
    void reset();
    // A run label of the honest phase (before its messages are observed): no-contact claims
    // judge those runs only.
    void add_honest_run(const std::string& run);
    // A role process crashed, hung or exited (from the supervisor); `reason` includes the cause.
    void add_liveness_failure(const std::string& instance, const std::string& reason);

    // Violations not returned by an earlier call. Checks every claim over all events so far
    // and the keys in `knowledge` (compromised instances do not count as honest).
    std::vector<Violation> check(const Knowledge& knowledge);

    [[nodiscard]] const std::vector<std::string>& claims() const;
    // What a holding claim's verdict can say beyond the attacks tried (no-contact: how many
    // runs were checked); "" for the other kinds.
    [[nodiscard]] std::string note(const std::string& claim_id) const;
    // Whether the checker can judge this claim kind from events (guess-resistance: no).
    // forward-secrecy is judged, but only means something after a compromise step.
    static bool judges(const std::string& claim_id);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mtc::attacks
