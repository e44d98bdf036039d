// An E2SEC deployment whose roles the test drives message by message, so that each check can be
// fed exactly the input that should fail it; plus the signer's side of S1 / D1 (the proxy keys,
// recovered from the captured delegations), so a tampered message can be re-signed and only the
// check under test fails.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "protocols/core/clock.hpp"
#include "protocols/core/event.hpp"
#include "protocols/core/instantiate.hpp"
#include "protocols/core/rng.hpp"
#include "protocols/e2sec/primitives.hpp"
#include "protocols/e2sec/role_util.hpp"
#include "protocols/e2sec/schema.hpp"
#include "protocols/e2sec/spec.hpp"
#include "tests/unit/role_world.hpp"

namespace mtc::test {

struct E2secOptions {
    std::string variant = "as-specified";
    std::string signature = "elgamal";
    std::string group = "dh_1024_160";  // the small group keeps ASan runs quick
    std::map<std::string, int> instances;
    std::map<std::string, std::map<std::string, std::string>> settings;  // instance -> k -> v
    std::map<std::string, std::set<std::string>> weakened;               // instance -> checks
};

struct E2secWorld : RoleWorldBase {
    Deployment d;
    std::map<std::string, std::unique_ptr<Role>> roles;
    const e2sec::DlGroup* G = nullptr;
    e2sec::SignatureVariant variant = e2sec::SignatureVariant::elgamal;
    // Every message delivered: (from, to, message).
    struct Sent {
        std::string from, to;
        Message msg;
    };
    std::vector<Sent> log;

    explicit E2secWorld(const E2secOptions& o = {}) {
        DeploymentOptions opts;
        opts.variant = o.variant;
        opts.instances = o.instances;
        opts.options = {{"signature", o.signature}, {"group", o.group}};
        EXPECT_TRUE(e2sec::spec().validate(opts).ok());
        SeededRng rng(42, "provision");
        auto dep = e2sec::spec().provision(opts, rng);
        EXPECT_TRUE(dep.ok()) << (dep.ok() ? "" : dep.error().describe());
        d = std::move(dep).value();
        for (auto& plan : d.instances) {
            if (auto it = o.settings.find(plan.instance); it != o.settings.end())
                plan.settings = it->second;
            if (auto it = o.weakened.find(plan.instance); it != o.weakened.end())
                plan.weakened = it->second;
        }
        G = group_by_name(o.group);
        variant = *e2sec::variant_from_name(o.signature);
        const RoleRuntime rt{42, &clock, &sink, &fp, nullptr};
        for (const auto& plan : d.instances) {
            auto r = instantiate_role(e2sec::spec(), d, plan, rt,
                                      [](const std::string& i) { return i; });
            EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().describe());
            roles[plan.instance] = std::move(r).value();
        }
    }

    Role& r(const std::string& instance) { return *roles.at(instance); }
    const InstancePlan& plan(const std::string& instance) const { return *d.find(instance); }
    const SecretBytes& secret(const std::string& instance, const std::string& name) const {
        return plan(instance).creds.secrets.at(name);
    }

    // Delivers `out` (sent by `from`) and all it causes, FIFO. Messages of a type in `stop` are
    // not delivered but returned.
    std::vector<Message> pump(const std::string& from, std::vector<Outbound> out,
                              const std::set<std::uint8_t>& stop = {}) {
        std::deque<std::pair<std::string, Outbound>> q;
        for (auto& o : out) q.emplace_back(from, std::move(o));
        std::vector<Message> stopped;
        while (!q.empty()) {
            auto [src, o] = std::move(q.front());
            q.pop_front();
            if (stop.count(o.msg.type) != 0) {
                stopped.push_back(o.msg);
                continue;
            }
            log.push_back(Sent{src, o.to, o.msg});
            for (auto& next : r(o.to).on_message(Inbound{o.msg, src, std::nullopt})) {
                q.emplace_back(o.to, std::move(next));
            }
        }
        return stopped;
    }
    std::vector<Outbound> deliver(const std::string& to, const Message& m,
                                  const std::string& from) {
        log.push_back(Sent{from, to, m});
        return r(to).on_message(Inbound{m, from, std::nullopt});
    }

    // The honest run, step by step: S1 as the MTCS sends it (its delegation fetched; hardened:
    // after Trigger / Challenge), D1 as the MTCD answers it, Confirm (hardened).
    Message s1(const std::string& mtcs = "MTCS#0") {
        auto v = pump(mtcs, r(mtcs).start(), {e2sec::S1});
        EXPECT_EQ(v.size(), 1u);
        return v.empty() ? Message{} : v[0];
    }
    Message d1(const Message& s1, const std::string& mtcd = "MTCD#0",
               const std::string& mtcs = "MTCS#0") {
        auto v = pump(mtcs, {Outbound{mtcd, s1}}, {e2sec::D1});
        EXPECT_EQ(v.size(), 1u) << last_reject(mtcd);
        return v.empty() ? Message{} : v[0];
    }
    std::vector<Outbound> to_mtcd(const Message& m, const std::string& mtcd = "MTCD#0") {
        return deliver(mtcd, m, "MTCS#0");
    }
    std::vector<Outbound> to_mtcs(const Message& m, const std::string& mtcs = "MTCS#0") {
        return deliver(mtcs, m, "MTCD#0");
    }
    // A full honest run from MTCS `mtcs`.
    void run(const std::string& mtcs = "MTCS#0") { pump(mtcs, r(mtcs).start()); }

    // ---- The signer's side

    e2sec::BigNum x_of(const std::string& instance) const {
        return e2sec::BigNum::from_bytes(view(secret(instance, "x")));
    }
    e2sec::BigNum v_epc() const {
        return e2sec::BigNum::from_hex(plan("MTCS#0").creds.attrs.at("v_EPC")).value();
    }

    // A delegation and proxy key for `proxy` (an instance) under warrant `w`, made with the
    // EPC's key as the EPC would (the warrant may name anything).
    struct Key {
        e2sec::Warrant m_w;
        e2sec::BigNum K;
        e2sec::ProxyKey key;
    };
    Key forge_key(const std::string& proxy, const e2sec::Warrant& w) const {
        SeededRng rng(7, "forge");
        auto del = e2sec::delegate(*G, x_of("EPC#0"), w, rng);
        e2sec::BigNum e = e2sec::delegation_hash(*G, del.m_w, del.K);
        Key k{del.m_w, del.K, {}};
        k.key.sigma_prime = G->add_q(del.sigma, G->mul_q(x_of(proxy), e));
        k.key.v_prime = G->exp_g(k.key.sigma_prime);
        return k;
    }
    e2sec::Warrant warrant(const std::string& delegator, const std::string& proxy,
                           std::int64_t ttl_s = 3600) const {
        return {to_bytes(delegator), to_bytes(proxy),
                static_cast<std::uint64_t>(clock.now_s() + ttl_s)};
    }
    // The proxy's key as it holds it: from the Delegation it was sent (in the log).
    Key held_key(const std::string& proxy) const {
        for (const auto& s : log) {
            if (s.to != proxy || s.msg.type != e2sec::Delegation) continue;
            auto sigma = e2sec::open_sigma(s.msg, view(secret(proxy, "CK")));
            EXPECT_TRUE(sigma.ok());
            struct e2sec::Delegation del {
                e2sec::warrant_of(s.msg).value(),
                    e2sec::BigNum::from_bytes(s.msg.get_or_empty(e2sec::K)),
                    e2sec::BigNum::from_bytes(view(*sigma))
            };
            auto key = e2sec::derive_proxy_key(*G, del, x_of(proxy), v_epc());
            EXPECT_TRUE(key.ok());
            return Key{del.m_w, del.K, std::move(key).value()};
        }
        ADD_FAILURE() << "no Delegation to " << proxy << " in the log";
        return {};
    }

    // (Re-)signs S1 / D1 under `k` with `v` (M as the roles build it; g_ab for D1).
    void sign(Message& m, const Key& k, e2sec::SignatureVariant v, BytesView g_ab = {}) {
        using namespace e2sec;
        const Bytes M = m.type == S1 ? m_mtcs(m) : to_bytes(view(m_mtcd(m, g_ab)));
        SeededRng rng(9, "resign");
        auto sig = proxy_sign(*G, v, k.key.sigma_prime, view(M), rng).value();
        m.erase(R);
        m.erase(Rq);
        if (v == SignatureVariant::dsa) {
            m.set(Rq, encode_scalar(*G, sig.r));
        } else {
            m.set(R, encode_element(*G, sig.r));
        }
        m.set(H, encode_scalar(*G, message_hash(*G, v, view(M), sig.r)));
        m.set(S, encode_scalar(*G, sig.s));
        m.set(K, encode_element(*G, k.K));
        put_warrant(m, k.m_w);
        m.set(SigAlg, Bytes{static_cast<std::uint8_t>(v)});
    }
    void sign(Message& m, const Key& k, BytesView g_ab = {}) { sign(m, k, variant, g_ab); }

    // The MTCS's DH exponent a of its first run: seeded roles draw from "role:<instance>", and
    // MTCS::start draws the session id, then a.
    e2sec::BigNum first_a(const std::string& mtcs = "MTCS#0") const {
        SeededRng rng(42, "role:" + mtcs);
        (void)rng.u64();
        return G->random_scalar(rng);
    }
};

}  // namespace mtc::test
