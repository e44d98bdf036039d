// ProSe's key guessing. M1 carries MTCdMIC = MIC(PSKey; MTCdID, MTCsID, UEID, MTCdNonce,
// MTCdInfo) over fields it sends in the clear, so one captured M1 (or M2, M1 unchanged) tests a
// guess of PSKey with no role involved; in the weak-key profile PSKey comes from a PIN and
// MTCdID, so it tests a guess of the PIN. On-line, a forged M1 under the guessed key puts one
// guess to the MTCs, which ought to reject (and report) every wrong one.
#include "protocols/prose/guess.hpp"

#include <cstring>
#include <memory>
#include <set>
#include <utility>

#include "protocols/core/crypto/hmac_state.hpp"
#include "protocols/prose/primitives.hpp"
#include "protocols/prose/schema.hpp"

namespace mtc::prose {
namespace {

using crypto::HmacSha256State;

// The fast tester rebuilds the KBKDF input of pskey_from_pin from kPskeyFromPinLabel; every
// verifier checks the rebuild against pskey_from_pin once (fast_kdf_agrees) and takes the slow
// tester if they ever disagree.

// One PRF block is all of PSKey: the fast tester computes only KBKDF's first block.
static_assert(kPSKeyLen <= HmacSha256State::kDigestLen);

// KBKDF's input for block 1 (crypto/kdf.hpp): [1]_32 || Label || 0x00 || MTCdID || [L]_32.
Bytes pskey_prf_input(BytesView mtcd_id) {
    Bytes in;
    put_u32(in, 1);
    const BytesView label = view(kPskeyFromPinLabel);
    in.insert(in.end(), label.begin(), label.end());
    in.push_back(0x00);
    in.insert(in.end(), mtcd_id.begin(), mtcd_id.end());
    put_u32(in, static_cast<std::uint32_t>(kPSKeyLen * 8));
    return in;
}

// The weak-key KDF for any candidate string (a PIN, a mask's or a wordlist's word).
Result<SecretBytes> pskey_of(std::string_view candidate, BytesView mtcd_id) {
    return pskey_from_pin(candidate, to_string(mtcd_id));
}

// What every tester of one verifier reads: the captured M1 and what follows from it alone.
struct M1Capture {
    std::size_t observation = 0;
    Message m1;
    Bytes mtcd_id;
    Bytes mic;        // the captured MTCdMIC
    Bytes mic_input;  // mtcd_mic_input(m1)
    Bytes prf_input;  // pskey_prf_input(mtcd_id)
};

bool fast_kdf_agrees(const M1Capture& c) {
    constexpr std::string_view probe = "123456";
    auto slow = pskey_of(probe, view(c.mtcd_id));
    if (!slow) return false;
    const crypto::Digest fast = HmacSha256State(view(probe)).mac(view(c.prf_input));
    return std::memcmp(slow->data(), fast.data(), kPSKeyLen) == 0;
}

// HMAC-SHA256 MIC: per candidate one HMAC for the KDF and one for the MIC, on precomputed
// inputs and in member buffers, so nothing is allocated in the search's inner loop. The MIC is
// compared with plain memcmp: the attacker has no timing to hide.
class FastTester final : public GuessTester {
public:
    explicit FastTester(std::shared_ptr<const M1Capture> c) : c_(std::move(c)) {}
    ~FastTester() override { secure_wipe(pskey_.data(), pskey_.size()); }
    FastTester(const FastTester&) = delete;
    FastTester& operator=(const FastTester&) = delete;
    FastTester(FastTester&&) = delete;
    FastTester& operator=(FastTester&&) = delete;

    bool test(std::string_view candidate) override {
        // KBKDF refuses an empty key, so no PSKey stands for the empty candidate (derive errors).
        if (candidate.empty()) return false;
        prf_.set_key(view(candidate));
        prf_.mac(view(c_->prf_input), pskey_);
        return test_key(BytesView(pskey_).first(kPSKeyLen));
    }

    bool test_key(BytesView key) override {
        mic_.set_key(key);
        mic_.mac(view(c_->mic_input), tag_);
        return c_->mic.size() == tag_.size() &&
               std::memcmp(c_->mic.data(), tag_.data(), tag_.size()) == 0;
    }

private:
    std::shared_ptr<const M1Capture> c_;
    HmacSha256State prf_;  // keyed with the candidate
    HmacSha256State mic_;  // keyed with the PSKey it stands for
    std::array<std::uint8_t, HmacSha256State::kDigestLen> pskey_{};  // KBKDF block 1
    std::array<std::uint8_t, HmacSha256State::kDigestLen> tag_{};
};

// Any other MIC (AES-CMAC): the roles' own primitives, allocating; correct, not fast.
class SlowTester final : public GuessTester {
public:
    explicit SlowTester(std::shared_ptr<const M1Capture> c) : c_(std::move(c)) {}

    bool test(std::string_view candidate) override {
        auto key = pskey_of(candidate, view(c_->mtcd_id));
        return key && test_key(view(*key));
    }

    bool test_key(BytesView key) override {
        auto tag = compute_mtcd_mic(key, c_->m1);
        return tag && *tag == c_->mic;
    }

private:
    std::shared_ptr<const M1Capture> c_;
};

class MicVerifier final : public GuessVerifier {
public:
    explicit MicVerifier(std::shared_ptr<const M1Capture> c)
        : c_(std::move(c)), fast_(mic_alg_of(c_->m1) == mic_hmac_sha256 && fast_kdf_agrees(*c_)) {}

    [[nodiscard]] std::string secret() const override {
        // The MTCs's name for the device's key (provisioning in spec.cpp).
        return "PSKey:" + display(view(c_->mtcd_id));
    }
    [[nodiscard]] std::string description() const override {
        return std::string("MTCdMIC of ") + (c_->m1.type == M2 ? "M2" : "M1") + " (observation " +
               std::to_string(c_->observation) + ") over MTCdID, MTCsID, UEID, MTCdNonce, MTCdInfo";
    }
    [[nodiscard]] std::unique_ptr<GuessTester> tester() const override {
        if (fast_) return std::make_unique<FastTester>(c_);
        return std::make_unique<SlowTester>(c_);
    }
    [[nodiscard]] Result<SecretBytes> derive(std::string_view candidate) const override {
        return pskey_of(candidate, view(c_->mtcd_id));
    }
    [[nodiscard]] std::size_t key_len() const override { return kPSKeyLen; }
    // The fast test for a candidate of at most a block (a longer one is hashed first); the slow
    // one is not SHA-256 bound (AES-CMAC, and the allocations of the generic path).
    [[nodiscard]] double compressions_per_test() const override {
        if (!fast_) return 0;
        return static_cast<double>(HmacSha256State::key_compressions(HmacSha256State::kBlockLen) +
                                   HmacSha256State::mac_compressions(c_->prf_input.size()) +
                                   HmacSha256State::key_compressions(kPSKeyLen) +
                                   HmacSha256State::mac_compressions(c_->mic_input.size()));
    }

private:
    std::shared_ptr<const M1Capture> c_;
    bool fast_;
};

std::vector<std::unique_ptr<GuessVerifier>> find_verifiers(const GuessInputs& in) {
    std::vector<std::unique_ptr<GuessVerifier>> out;
    std::set<Bytes> devices;  // one verifier per MTCdID: every M1 of a device tests the same key
    for (const GuessObservation& o : in.observations) {
        const Message* m = o.msg;
        if (m == nullptr || m->protocol != kProtocolId || (m->type != M1 && m->type != M2))
            continue;
        const Bytes* id = m->get(MTCdID);
        const Bytes* mic = m->get(MTCdMIC);
        // An M1 whose MIC algorithm no role computes verifies nothing.
        if (id == nullptr || mic == nullptr || !mic_len(mic_alg_of(*m))) continue;
        if (!devices.insert(*id).second) continue;
        auto c = std::make_shared<M1Capture>();
        c->observation = o.id;
        c->m1 = *m;
        c->mtcd_id = *id;
        c->mic = *mic;
        c->mic_input = mtcd_mic_input(*m);
        c->prf_input = pskey_prf_input(view(*id));
        out.push_back(std::make_unique<MicVerifier>(std::move(c)));
    }
    return out;
}

// `captured` (an M1, or an M2: the same fields) with a fresh MTCdNonce, so that the MTCs
// cannot tell the guess from a new run, and MTCdMIC under the guessed key.
Result<Message> forge_m1(const Deployment& /*deployment*/, const Message& captured, BytesView key,
                         const std::function<Bytes(std::size_t)>& fresh) {
    if (captured.type != M1 && captured.type != M2)
        return make_error("prose: an on-line PSKey guess travels in M1, not message type " +
                          std::to_string(captured.type));
    const Bytes* nonce = captured.get(MTCdNonce);
    if (nonce == nullptr) return make_error("prose: the captured M1 has no MTCdNonce");
    Message m = captured;
    m.set(MTCdNonce, fresh(nonce->size()));
    auto tag = compute_mtcd_mic(key, m);
    if (!tag) return tag.error();
    m.set(MTCdMIC, std::move(tag).value());
    return m;
}

}  // namespace

GuessRecipe guess_recipe() {
    return GuessRecipe{"PSKey", find_verifiers};
}

OnlineGuessRecipe online_guess_recipe() {
    OnlineGuessRecipe r;
    r.secret = "PSKey";
    r.target_role = "MTCs";
    r.type = M1;
    r.forge = forge_m1;
    r.derive = pskey_of;
    r.identity_field = "MTCdID";
    return r;
}

}  // namespace mtc::prose
