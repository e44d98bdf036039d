#include "harness/runner/attack_engine.hpp"

#include "attacks/term.hpp"
#include "protocols/core/clock.hpp"
#include "protocols/core/codec.hpp"

namespace mtc::runner {
namespace {

std::int64_t now_us() {
    return SystemClock().now_us();
}

std::string type_name(const Schema& schema, std::uint8_t type) {
    const MessageSpec* ms = schema.message(type);
    return ms != nullptr ? ms->name : "type " + std::to_string(type);
}

}  // namespace

AttackEngine::AttackEngine(net::EventLoop& loop, LiveDeployment& deployment,
                           attacks::Knowledge& knowledge, Rng& attacker_rng)
    : loop_(loop), d_(deployment), k_(knowledge), rng_(attacker_rng) {
    d_.hub().set_udp_hook([this](std::size_t from, std::size_t to, const Bytes& frame) {
        return on_datagram(from, to, frame);
    });
    d_.on_io([this](LiveInstance& /*i*/) {
        if (acks_pending_ > 0) --acks_pending_;
        check_quiet();
    });
}

AttackEngine::~AttackEngine() {
    d_.hub().set_udp_hook(nullptr);
    d_.on_io(nullptr);
    for (auto& [key, conn] : insider_links_) {
        if (conn) conn->close();
    }
}

std::int64_t AttackEngine::in_flight() const {
    std::int64_t sum = injected_ - consumed_;
    for (const auto& i : d_.instances()) {
        sum += static_cast<std::int64_t>(i.base_out + i.out) -
               static_cast<std::int64_t>(i.base_in + i.in);
    }
    return sum;
}

void AttackEngine::check_quiet() {
    if (waiting_ && acks_pending_ == 0 && in_flight() == 0) loop_.stop();
}

void AttackEngine::forget_in_flight() {
    consumed_ += in_flight();
    acks_pending_ = 0;
}

void AttackEngine::wait_quiet() {
    const auto deadline = std::chrono::steady_clock::now() + quiet_cap_;
    waiting_ = true;
    for (;;) {
        if (acks_pending_ != 0 || in_flight() != 0) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) break;
            loop_.run_for(left);
            continue;
        }
        // Quiet now; let lines already on their way arrive and look again (a role's io line
        // can overtake the one of the role that sent it the frame).
        loop_.run_for(std::chrono::milliseconds(1));
        if (acks_pending_ == 0 && in_flight() == 0) {
            waiting_ = false;
            return;
        }
    }
    waiting_ = false;
    if (out_ != nullptr) {
        out_->problems.push_back("network not quiet after " + std::to_string(quiet_cap_.count()) +
                                 " ms (" + std::to_string(in_flight()) +
                                 " frames unaccounted for, " + std::to_string(acks_pending_) +
                                 " commands unanswered)");
    }
    forget_in_flight();
}

void AttackEngine::trace_line(std::string from, std::string to, std::string label, std::string note,
                              bool is_event) {
    if (out_ == nullptr) return;
    out_->transcript.push_back(
        {now_us(), std::move(from), std::move(to), std::move(label), std::move(note), is_event});
}

void AttackEngine::note_event(const LiveInstance& from, const Event& e) {
    if (e.kind == EventKind::begin) return;  // the messages show it
    std::string note = e.reason ? *e.reason : (e.peer.empty() ? "" : "peer " + e.peer);
    trace_line(from.name, from.name, std::string(to_string(e.kind)), std::move(note), true);
}

std::string AttackEngine::run_of(std::uint64_t session) const {
    auto it = session_run_.find(session);
    return it == session_run_.end() ? std::string() : it->second;
}

void AttackEngine::record(const Bytes& frame, const std::string& from, const std::string& to,
                          bool secure, const std::string& run, const std::string& note) {
    auto o = k_.observe(frame, from, to, secure, run, now_us());
    if (!o) {
        trace_line(from, to, "undecodable frame", o.error().reason, false);
        return;
    }
    k_.learn_keys_in((*o)->msg,
                     secure ? "by the attacker as insider " + to : "by the attacker on the wire");
    trace_line(from, to, type_name(*k_.spec().schema, (*o)->msg.type), note, false);
}

bool AttackEngine::on_datagram(std::size_t from, std::size_t to, const Bytes& frame) {
    auto& inst = d_.instances();
    auto hdr = peek_header(frame);
    std::string run;
    if (hdr) {
        if (assigning_ && runs_[*assigning_].initiator == from &&
            seen_sessions_.count(hdr->session) == 0) {
            runs_[*assigning_].session = hdr->session;
            session_run_[hdr->session] = runs_[*assigning_].label;
            assigning_.reset();
        }
        seen_sessions_.insert(hdr->session);
        run = run_of(hdr->session);
    }
    const bool to_insider = !inst[to].process;
    record(frame, inst[from].name, inst[to].name, false, run, to_insider ? "to the insider" : "");
    if (to_insider) {
        ++consumed_;  // the attacker is the receiver
        check_quiet();
        return false;
    }
    if (!hdr || run.empty()) return true;
    const Run* r = nullptr;
    for (const auto& x : runs_) {
        if (x.label == run) r = &x;
    }
    if (r == nullptr || r->rules.empty()) return true;
    auto msg = decode(*k_.spec().schema, frame);
    if (!msg) return true;
    const std::string name = type_name(*k_.spec().schema, msg->type);
    for (const auto& rule : r->rules) {
        if (rule.match == name) return apply_rule(rule, *r, from, to, frame, *msg);
    }
    return true;
}

bool AttackEngine::apply_rule(const attacks::Rule& r, const Run& run, std::size_t from,
                              std::size_t to, const Bytes& frame, const Message& msg) {
    auto& inst = d_.instances();
    const std::string attacker = "Attacker";
    switch (r.action) {
        case attacks::RuleAction::forward:
            return true;
        case attacks::RuleAction::drop:
            ++consumed_;
            trace_line(attacker, attacker, r.match, "dropped", true);
            check_quiet();
            return false;
        case attacks::RuleAction::reorder:
            ++consumed_;
            held_.push_back({from, to, frame});
            trace_line(attacker, attacker, r.match, "held back", true);
            check_quiet();
            return false;
        case attacks::RuleAction::reflect:
            if (d_.hub().inject_udp(to, from, frame)) {
                trace_line(attacker, inst[from].name, r.match,
                           "reflected, appearing to come from " + inst[to].name, false);
                return false;  // taken and re-sent: counts cancel
            }
            return true;
        case attacks::RuleAction::replace:
        case attacks::RuleAction::divert: {
            auto bytes = build(r.term, &msg);
            if (!bytes) {
                if (out_ != nullptr)
                    out_->problems.push_back("rule on " + r.match + " in " + run.label + ": " +
                                             bytes.error().reason);
                return true;
            }
            if (r.action == attacks::RuleAction::replace) {
                if (!d_.hub().inject_udp(from, to, *bytes)) return true;
                trace_line(attacker, inst[to].name, r.match,
                           *bytes == frame ? "unchanged" : "modified in flight", false);
                return false;
            }
            ++consumed_;
            const std::string insider = r.via.rfind("insider:", 0) == 0 ? r.via.substr(8) : "";
            if (auto s = send_insider(insider, r.to, *bytes); !s) {
                if (out_ != nullptr) out_->problems.push_back("divert: " + s.error().reason);
            } else {
                trace_line(attacker, r.to, r.match,
                           "diverted from " + inst[to].name + ", sent by insider " + insider,
                           false);
            }
            check_quiet();
            return false;
        }
    }
    return true;
}

Result<Bytes> AttackEngine::build(const attacks::Term& term, const Message* in) {
    attacks::TermContext ctx;
    ctx.knowledge = &k_;
    ctx.in = in;
    ctx.rng = &rng_;
    ctx.deployment = &d_.provisioned().deployment;
    ctx.run_prefix = prefix_;
    ctx.run_session = [this](const std::string& run) -> std::optional<std::uint64_t> {
        for (const auto& r : runs_) {
            if (r.label == prefix_ + run) return r.session;
        }
        return std::nullopt;
    };
    auto m = attacks::eval_term(term, ctx);
    if (!m) return m.error();
    // Mutations may break the schema on purpose: then the bytes are sent as they are.
    auto checked = encode(*k_.spec().schema, *m);
    if (checked) return std::move(checked).value();
    return encode_unchecked(*m);
}

Status AttackEngine::send_insider(const std::string& insider, const std::string& target,
                                  const Bytes& frame) {
    LiveInstance* ins = d_.find(insider);
    LiveInstance* dst = d_.find(target);
    if (ins == nullptr || ins->process) return make_error(insider + " is not an insider");
    if (dst == nullptr || !dst->tcp) return make_error(target + " has no authenticated link");
    auto key = std::make_pair(insider, target);
    auto it = insider_links_.find(key);
    if (it == insider_links_.end() || !it->second || !it->second->is_open()) {
        auto conn = net::connect(loop_, dst->front, d_.tls_of(*ins), dst->identity, ins->real.host);
        if (!conn) return conn.error();
        const std::string from = dst->name, to = ins->name;
        (*conn)->on_frame([this, from, to](Bytes f) {
            std::string run;
            if (auto h = peek_header(f)) run = run_of(h->session);
            record(f, from, to, true, run, "over the insider's link");
            ++consumed_;
            check_quiet();
        });
        it = insider_links_.insert_or_assign(key, *conn).first;
    }
    it->second->send_frame(frame);
    ++injected_;
    return Ok{};
}

Status AttackEngine::do_step(const attacks::Step& s) {
    if (s.kind == attacks::StepKind::honest) {
        LiveInstance* ini = d_.find(s.at);
        if (ini == nullptr || !ini->process) return make_error("no honest instance " + s.at);
        Run r;
        r.label = prefix_ + s.run;
        r.initiator = ini->index;
        r.rules = s.rules;
        runs_.push_back(std::move(r));
        assigning_ = runs_.size() - 1;
        run_initiator_[prefix_ + s.run] = s.at;
        ++acks_pending_;
        d_.start_run(*ini);
        wait_quiet();
        assigning_.reset();
        return Ok{};
    }
    auto bytes = build(s.term, nullptr);
    if (!bytes) return bytes.error();
    const std::string label = [&] {
        auto h = peek_header(*bytes);
        return h ? type_name(*k_.spec().schema, h->type) : std::string("frame");
    }();
    if (s.via == "clear") {
        LiveInstance* to = d_.find(s.to);
        LiveInstance* as = d_.find(s.as);
        if (to == nullptr) return make_error("no instance " + s.to);
        if (as == nullptr) return make_error("send: \"as\" names no instance (" + s.as + ")");
        if (!d_.hub().inject_udp(as->index, to->index, *bytes))
            return make_error("cannot send to " + s.to);
        ++injected_;
        trace_line("Attacker", to->name, label, "injected as if from " + as->name, false);
    } else if (s.via.rfind("insider:", 0) == 0) {
        if (auto st = send_insider(s.via.substr(8), s.to, *bytes); !st) return st.error();
        trace_line("Attacker", s.to, label, "sent by insider " + s.via.substr(8), false);
    } else {
        return make_error("send: via must be \"clear\" or \"insider:<instance>\"");
    }
    wait_quiet();
    return Ok{};
}

ExecOutcome AttackEngine::execute(const attacks::Trace& trace, const std::string& prefix) {
    ExecOutcome out;
    out_ = &out;
    prefix_ = prefix;
    runs_.clear();
    out.t0_us = now_us();
    for (std::size_t i = 0; i < trace.steps.size(); ++i) {
        if (auto s = do_step(trace.steps[i]); !s) {
            out.problems.push_back("step " + std::to_string(i + 1) + ": " + s.error().reason);
        }
        // Messages held back for reordering go out once the next run has played out.
        if (i > 0 && !held_.empty() && trace.steps[i].kind == attacks::StepKind::honest) {
            for (auto& h : held_) {
                if (d_.hub().inject_udp(h.from, h.to, h.frame)) ++injected_;
                trace_line("Attacker", d_.instances()[h.to].name, "held message", "released late",
                           false);
            }
            held_.clear();
            wait_quiet();
        }
    }
    if (!held_.empty()) {
        for (auto& h : held_) {
            if (d_.hub().inject_udp(h.from, h.to, h.frame)) ++injected_;
        }
        held_.clear();
        wait_quiet();
    }
    out.t1_us = now_us();
    runs_.clear();
    out_ = nullptr;
    return out;
}

}  // namespace mtc::runner
