// Attack traces: replayable, serialisable lists of steps. Every message the attacker builds is
// a term over captured messages and fields, constants and attacker functions (term.hpp), so a
// trace replays against a fresh deployment: the honest runs it needs are part of it.
//
// JSON (trace.json, "mtcfuzz-trace/1"); see docs/campaign-format.md for the full grammar.
//   {"do":"honest","run":"r1","at":"MTCd#0","rules":[RULE...]}
//       start a run at an initiator instance and let it play out; its messages are recorded
//       under the label r1; RULEs intercept its messages in flight
//   {"do":"send","to":"MTCs#0","via":"clear","as":"MTCd#0","term":TERM}
//       deliver a built message: "clear" = a datagram on the wire that appears to come from
//       instance "as"; "insider:UE#2" = over the authenticated link of insider instance UE#2
//   RULE = {"match":"M1","action":"forward"|"drop"|"replace"|"divert"|"reorder"|"reflect",
//           "term":TERM, "via":..., "to":...}
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocols/core/result.hpp"

namespace mtc::attacks {

using Term = nlohmann::json;

enum class RuleAction { forward, drop, replace, divert, reorder, reflect };

struct Rule {
    std::string match;  // message type name
    RuleAction action = RuleAction::forward;
    Term term;        // replace/divert: the message to send, "$in" = the intercepted one
    std::string via;  // divert: "insider:<instance>"
    std::string to;   // divert: target instance
};

enum class StepKind { honest, send };

struct Step {
    StepKind kind = StepKind::honest;
    std::string run;  // honest: label
    std::string at;   // honest: initiator instance
    std::vector<Rule> rules;
    std::string to, via = "clear", as;  // send
    Term term;                          // send
};

struct Trace {
    std::string strategy;   // "replay", "modify", "relay", "mitm", "guess"
    std::string signature;  // what was tried, stable across runs: "replay/same-later/M1->UE"
    std::string description;
    std::vector<Step> steps;
};

nlohmann::ordered_json to_json(const Trace& t);
Result<Trace> trace_from_json(const nlohmann::json& j);
std::string_view to_string(RuleAction a);

}  // namespace mtc::attacks
