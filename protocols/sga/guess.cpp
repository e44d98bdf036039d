// SGA's key-guessing recipes (guess.hpp): the off-line verifiers (the insider's in B1, anyone's
// in Reg) and the on-line guess in a forged A1.
#include "protocols/sga/guess.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>

#include <openssl/evp.h>

#include "protocols/core/crypto/hmac_state.hpp"
#include "protocols/core/crypto/kdf.hpp"
#include "protocols/core/spec.hpp"
#include "protocols/sga/role_util.hpp"

namespace mtc::sga {
namespace {

constexpr std::size_t kBlock = 16;  // one AES block, and the bytes of N the fast test compares
using Block = std::array<std::uint8_t, kBlock>;

// The input of KBKDF-HMAC-SHA256's first block (OpenSSL's layout, crypto/kdf.hpp):
// [1]_32 || label || 0x00 || context || [L]_32, L = out_len in bits. One block covers every
// output here (16 or 32 bytes); a longer output only changes L, so the first block of expand_kd
// to |N| bytes is this with out_len = |N|.
Bytes kbkdf_first_input(std::string_view label, BytesView context, std::size_t out_len) {
    Bytes in;
    put_u32(in, 1);
    in.insert(in.end(), label.begin(), label.end());
    in.push_back(0);
    in.insert(in.end(), context.begin(), context.end());
    put_u32(in, static_cast<std::uint32_t>(out_len * 8));
    return in;
}

// ---- The first keystream block of each AEAD in C ------------------------------------------------
//
// E^x's ciphertext is nonce (12) || c || tag (16), and c's first 16 bytes are the plaintext's
// first 16 bytes xor one keystream block, which is (with the 12-byte nonce every cid uses):
//   AES-GCM:  AES_K(nonce || [2]_32)        (J0 = nonce || [1]_32 is the tag's block)
//   AES-CCM:  AES_K(0x02 || nonce || [1]_24)  (flags = L - 1 = 2; A_0 is the tag's block)
//   ChaCha20-Poly1305: ChaCha20_K(counter 1, nonce)  (block 0 is the Poly1305 key, RFC 8439)
// so a guess is tested with one block cipher call; a match is then confirmed with the full open.

struct CipherCtxFree {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

// The raw block / stream cipher under each cid, fetched once per process and never freed
// (reachable from this static, like crypto/aead.cpp's). NULL when the provider lacks it.
const EVP_CIPHER* keystream_cipher(CipherId cid) {
    static const std::array<EVP_CIPHER*, 4> ciphers = {
        EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr),
        EVP_CIPHER_fetch(nullptr, "ChaCha20", nullptr),
        EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr),
        EVP_CIPHER_fetch(nullptr, "AES-256-ECB", nullptr),
    };
    const auto idx = static_cast<std::size_t>(cid_byte(cid));
    return idx >= 1 && idx <= ciphers.size() ? ciphers[idx - 1] : nullptr;
}

// What the cipher is fed for the first keystream block: the counter block (AES, ECB) or 16 zero
// bytes under a 16-byte IV of counter (LE32) || nonce (ChaCha20).
struct KeystreamInput {
    Block in{};
    Block iv{};
    bool has_iv = false;
};

KeystreamInput keystream_input(CipherId cid, BytesView nonce) {
    KeystreamInput k;
    switch (cid) {
        case CipherId::aes_128_gcm:
        case CipherId::aes_256_gcm:
            std::copy(nonce.begin(), nonce.end(), k.in.begin());
            k.in[15] = 2;
            break;
        case CipherId::aes_128_ccm:
            k.in[0] = 2;
            std::copy(nonce.begin(), nonce.end(), k.in.begin() + 1);
            k.in[15] = 1;
            break;
        case CipherId::chacha20_poly1305:
            k.iv[0] = 1;
            std::copy(nonce.begin(), nonce.end(), k.iv.begin() + 4);
            k.has_iv = true;
            break;
    }
    return k;
}

// ---- Off-line: an E^x_{k_d} of known plaintext ----------------------------------------------
//
// Both verifiers are one E^x_{k_d} ciphertext (empty AAD in both variants) whose plaintext the
// attacker knows, tested the same way: k_d = KBKDF(candidate; PIN label, ID_d), the E^x key from
// k_d, one keystream block xor c against the known plaintext's first bytes, and a match
// confirmed with the full open.
//   B1 (insider, opened with kt_i): E_{k_di}(N_i xor expand(k_di)); N_i is B1's clear N_i, the
//     mask is one more KBKDF block under k_d.
//   Reg (anyone on the wire): E^x_{k_d}(ID_d), plaintext RegIdPlain{ID_d} = [|ID_d|]_16 || ID_d.

struct KnownPlaintext {
    enum class Kind : std::uint8_t { masked_n, reg_id };
    Kind kind = Kind::masked_n;
    std::string id_d;  // whose k_d opens it: the secret is "k_d:<id_d>"
    std::size_t observation = 0;
    CipherId cid = CipherId::aes_128_gcm;
    Bytes ct;     // nonce || c || tag
    Bytes plain;  // masked_n: N_i as B1 carries it (before the mask); reg_id: RegIdPlain
    // Inputs of the KBKDF blocks a guess takes: k_d from the candidate, the E^x key, and
    // (masked_n only, empty for reg_id) the first block of k_d expanded to |N|.
    Bytes kdf_in, sym_in, expand_in;
    KeystreamInput ks;
    Block want{};         // c[0..cmp) xor plain[0..cmp): the keystream (xor the mask)
    std::size_t cmp = 0;  // bytes the fast path compares: min(16, |plain|)
    bool fast = false;
};

// The whole check, the way the server does it (B4, Reg): open under k_d, unmask (B1), compare.
// The fast path's confirmation and the path for a ciphertext it cannot take.
bool opens_to_plain(const KnownPlaintext& t, BytesView k_d) {
    auto pt = sym_open(t.cid, k_d, BytesView{}, view(t.ct));
    if (!pt || pt->size() != t.plain.size()) return false;
    if (t.kind == KnownPlaintext::Kind::reg_id) return equal_ct(view(*pt), view(t.plain));
    auto pad = expand_kd(k_d, pt->size());
    if (!pad) return false;
    auto n = xor_bytes(view(*pt), view(*pad));
    return n && equal_ct(view(*n), view(t.plain));
}

// The shared part of a target: everything but the identity, kind, plaintext and expand_in,
// which the caller sets first. Null when the ciphertext cannot hold the plaintext.
std::shared_ptr<const KnownPlaintext> finish_target(std::shared_ptr<KnownPlaintext> t) {
    const BytesView ct = view(t->ct);
    if (t->id_d.empty() || t->plain.empty() ||
        ct.size() != kAeadNonceLen + t->plain.size() + kAeadTagLen) {
        return nullptr;
    }
    const KdfLabels labels = kdf_labels();
    t->kdf_in = kbkdf_first_input(labels.pin, view(t->id_d), kKeyLen);
    const std::uint8_t ctx = cid_byte(t->cid);
    t->sym_in = kbkdf_first_input(labels.sym_key, BytesView(&ctx, 1), crypto::aead_key_len(t->cid));
    t->cmp = std::min(kBlock, t->plain.size());
    t->fast = keystream_cipher(t->cid) != nullptr;
    if (t->fast) {
        t->ks = keystream_input(t->cid, ct.first(kAeadNonceLen));
        for (std::size_t i = 0; i < t->cmp; ++i) {
            t->want[i] = static_cast<std::uint8_t>(ct[kAeadNonceLen + i] ^ t->plain[i]);
        }
    }
    return t;
}

class KnownPlaintextTester final : public GuessTester {
public:
    explicit KnownPlaintextTester(std::shared_ptr<const KnownPlaintext> t) : t_(std::move(t)) {
        fast_ = t_->fast;
        if (!fast_) return;
        ctx_.reset(EVP_CIPHER_CTX_new());
        fast_ = ctx_ != nullptr &&
                EVP_EncryptInit_ex2(ctx_.get(), keystream_cipher(t_->cid), nullptr, nullptr,
                                    nullptr) == 1 &&
                EVP_CIPHER_CTX_set_padding(ctx_.get(), 0) == 1;
    }
    ~KnownPlaintextTester() override {
        secure_wipe(k_d_.data(), k_d_.size());
        secure_wipe(sym_.data(), sym_.size());
        secure_wipe(pad_.data(), pad_.size());
        secure_wipe(ks_.data(), ks_.size());
    }
    KnownPlaintextTester(const KnownPlaintextTester&) = delete;
    KnownPlaintextTester& operator=(const KnownPlaintextTester&) = delete;

    bool test(std::string_view candidate) override {
        // KBKDF takes no empty key (and derive() refuses it): no key, no hit.
        if (candidate.empty()) return false;
        hmac_.set_key(view(candidate));
        hmac_.mac(view(t_->kdf_in), k_d_);
        return check(BytesView(k_d_.data(), kKeyLen));
    }

    bool test_key(BytesView key) override { return key.size() == kKeyLen && check(key); }

private:
    bool check(BytesView k_d) {
        if (!fast_) return opens_to_plain(*t_, k_d);
        // One HMAC key state (k_d's pads) for both KBKDFs keyed with k_d. With no mask (Reg)
        // pad_ is never written and stays zero.
        hmac_.set_key(k_d);
        hmac_.mac(view(t_->sym_in), sym_);
        if (!t_->expand_in.empty()) hmac_.mac(view(t_->expand_in), pad_);
        int len = 0;
        const unsigned char* iv = t_->ks.has_iv ? t_->ks.iv.data() : nullptr;
        if (EVP_EncryptInit_ex2(ctx_.get(), nullptr, sym_.data(), iv, nullptr) != 1 ||
            EVP_EncryptUpdate(ctx_.get(), ks_.data(), &len, t_->ks.in.data(),
                              static_cast<int>(kBlock)) != 1 ||
            len != static_cast<int>(kBlock)) {
            return opens_to_plain(*t_, k_d);
        }
        std::uint8_t diff = 0;
        for (std::size_t i = 0; i < t_->cmp; ++i) {
            diff |= static_cast<std::uint8_t>(ks_[i] ^ pad_[i] ^ t_->want[i]);
        }
        // 8 * cmp bits matched (128 for B1, 56 for a 5-byte ID_d): a wrong key that gets here
        // is still refused by the full open, which authenticates.
        return diff == 0 && opens_to_plain(*t_, k_d);
    }

    std::shared_ptr<const KnownPlaintext> t_;
    bool fast_ = false;
    crypto::HmacSha256State hmac_;
    CipherCtxPtr ctx_;
    // Scratch, reused by every guess (no allocation per test) and wiped at the end.
    crypto::Digest k_d_{}, sym_{}, pad_{};
    Block ks_{};
};

class KnownPlaintextVerifier final : public GuessVerifier {
public:
    explicit KnownPlaintextVerifier(std::shared_ptr<const KnownPlaintext> t) : t_(std::move(t)) {}

    [[nodiscard]] std::string secret() const override { return "k_d:" + t_->id_d; }
    [[nodiscard]] std::string description() const override {
        const std::string obs = "(observation " + std::to_string(t_->observation) + ")";
        if (t_->kind == KnownPlaintext::Kind::reg_id) {
            return "E^x_{k_d}(ID_d) in Reg " + obs + " over the public ID_d";
        }
        return "E_{k_di}(N_i xor k_di) in B1 " + obs + ", opened with kt_i from A2";
    }
    [[nodiscard]] std::unique_ptr<GuessTester> tester() const override {
        return std::make_unique<KnownPlaintextTester>(t_);
    }
    [[nodiscard]] Result<SecretBytes> derive(std::string_view candidate) const override {
        return weak_kd(candidate, view(t_->id_d));
    }
    [[nodiscard]] std::size_t key_len() const override { return kKeyLen; }
    // An honest count of the fast path's SHA-256 compressions, for candidates of up to 64 bytes
    // (a PIN, a mask, most words): the candidate's two pads and the k_d block, k_d's two pads
    // (one state for both), the E^x key block and (B1) expand's first block; for an ID_d of up
    // to 30 bytes, 10 (B1) or 8 (Reg). Not counted: one AES (or ChaCha20) block per test, and
    // the full open of a hit.
    [[nodiscard]] double compressions_per_test() const override {
        using H = crypto::HmacSha256State;
        return static_cast<double>(
            H::key_compressions(H::kBlockLen) + H::mac_compressions(t_->kdf_in.size()) +
            H::key_compressions(kKeyLen) + H::mac_compressions(t_->sym_in.size()) +
            (t_->expand_in.empty() ? 0 : H::mac_compressions(t_->expand_in.size())));
    }

private:
    std::shared_ptr<const KnownPlaintext> t_;
};

std::optional<CipherId> cid_of(BytesView raw) {
    return raw.size() == 1 ? cid_from_byte(raw[0]) : std::nullopt;
}

// The masked N of one B1 the attacker opened with kt_i, or nothing.
std::shared_ptr<const KnownPlaintext> masked_n_of(const GuessObservation& o, BytesView kt_i) {
    const auto cid = cid_of(o.msg->get_or_empty(Cid));
    if (!cid) return nullptr;
    auto req = open_kex(*o.msg, kt_i);
    if (!req) return nullptr;
    auto t = std::make_shared<KnownPlaintext>();
    t->kind = KnownPlaintext::Kind::masked_n;
    t->id_d = to_string(view(req->id_di));
    t->observation = o.id;
    t->cid = *cid;
    t->ct = std::move(req->enc_masked_n);
    t->plain = std::move(req->n);
    t->expand_in = kbkdf_first_input(kdf_labels().expand, BytesView{}, t->plain.size());
    return finish_target(std::move(t));
}

// E^x_{k_d}(ID_d) of one Reg, for the device `id_d`, or nothing.
std::shared_ptr<const KnownPlaintext> reg_id_of(const GuessObservation& o, std::string id_d) {
    const auto cid = cid_of(o.msg->get_or_empty(RegCid));
    if (!cid || id_d.empty()) return nullptr;
    auto t = std::make_shared<KnownPlaintext>();
    t->kind = KnownPlaintext::Kind::reg_id;
    t->plain = RegIdPlain{to_bytes(id_d)}.encode();
    t->id_d = std::move(id_d);
    t->observation = o.id;
    t->cid = *cid;
    t->ct = to_bytes(o.msg->get_or_empty(EncId));
    return finish_target(std::move(t));
}

// Every B1 whose kt_i the attacker holds: "kt:<ID_dj>" (B1's clear partner) is what the
// insider d_j read out of its A2. One verifier per d_i is enough.
void find_b1(const GuessInputs& in, std::vector<std::unique_ptr<GuessVerifier>>& out) {
    if (in.secrets == nullptr) return;
    std::set<std::string> have;
    for (const GuessObservation& o : in.observations) {
        if (o.msg == nullptr || o.msg->type != B1) continue;
        const auto kt = in.secrets->find("kt:" + field_str(*o.msg, ID_dj));
        if (kt == in.secrets->end()) continue;
        auto t = masked_n_of(o, view(kt->second));
        if (t == nullptr || have.count(t->id_d) != 0) continue;
        have.insert(t->id_d);
        out.push_back(std::make_unique<KnownPlaintextVerifier>(std::move(t)));
    }
}

// Every Reg whose device the capture names, one verifier per device. Reg carries no identity in
// clear, and a known-plaintext test needs ID_d before the first guess (it is the plaintext and
// the context of k_d's KDF, and the verifier's secret name), so ID_d is read off the RegAck
// that answers the Reg: the server answers every Reg at once in its session, with status 0 and
// ID_d in clear when it accepted it (1, no ID_d, when it refused it; status 2 is a prompt, no
// answer). A Reg whose accepted answer was not captured gives no verifier: trying every public
// ID of the right length would put "k_d:<ID>" on a Reg before knowing it is that device's, and
// a wrongly named verifier (it can never hit: ID_d is in the plaintext and the KDF) would take
// the engine's one search for that name. The ciphertext length must fit the named ID_d.
void find_reg(const GuessInputs& in, std::vector<std::unique_ptr<GuessVerifier>>& out) {
    std::map<std::uint64_t, const GuessObservation*> pending;  // session -> unanswered Reg
    std::set<std::string> have;
    for (const GuessObservation& o : in.observations) {
        if (o.msg == nullptr) continue;
        if (o.msg->type == Reg) {
            pending[o.msg->session] = &o;
            continue;
        }
        if (o.msg->type != RegAck) continue;
        const auto it = pending.find(o.msg->session);
        const BytesView status = o.msg->get_or_empty(StatusCode);
        if (it == pending.end() || status.size() != 1 || status[0] == kNotRegistered) continue;
        const GuessObservation& reg = *it->second;
        pending.erase(it);
        if (status[0] != kAccepted) continue;
        auto t = reg_id_of(reg, field_str(*o.msg, ID_d));
        if (t == nullptr || have.count(t->id_d) != 0) continue;
        have.insert(t->id_d);
        out.push_back(std::make_unique<KnownPlaintextVerifier>(std::move(t)));
    }
}

// The insider's B1 verifiers first, then the outsider's Reg ones: the engine searches the first
// verifier of each secret name, and a B1 hit also hands over the run's kt (the finding).
std::vector<std::unique_ptr<GuessVerifier>> find_verifiers(const GuessInputs& in) {
    std::vector<std::unique_ptr<GuessVerifier>> out;
    find_b1(in, out);
    find_reg(in, out);
    return out;
}

// ---- On-line: a forged A1 --------------------------------------------------------------------

Result<Message> forge_a1(const Deployment& deployment, const Message& captured, BytesView key,
                         const std::function<Bytes(std::size_t)>& fresh) {
    if (captured.type != A1) return make_error("sga guess: the captured message is not an A1");
    if (key.size() != kKeyLen) return make_error("sga guess: k_d guess is not 16 bytes");
    const bool hardened = captured.has(N_A) || captured.has(TS) || captured.has(MacA);
    if (hardened && captured.get_or_empty(TS).size() != 8) {
        return make_error("sga guess: the captured A1 has N_A or MAC_A but no 8-byte TS");
    }
    auto parties = online_parties(deployment);
    if (!parties) return parties.error();
    auto pk = RsaKey::from_public_pem(parties->pk_pem);
    if (!pk) return make_error("sga guess: PK: " + pk.error().reason);

    const Bytes kt = fresh(kKeyLen);
    if (kt.size() != kKeyLen) return make_error("sga guess: fresh() returned the wrong length");
    auto masked = xor_bytes(view(kt), key);
    if (!masked) return masked.error();
    const NegotiationRequest req{std::move(masked).value(), to_bytes(parties->id_di),
                                 to_bytes(parties->id_g), to_bytes(parties->id_dj), parties->cid};
    auto ct = eg_encrypt(*pk, view(req.encode()), view(fresh(crypto::kOaepSeedLen)));
    if (!ct) return make_error("sga guess: A1: " + ct.error().reason);
    Message a1 = make_msg(A1, captured.session);
    if (hardened) {
        const Bytes n_a = fresh(kNonceLen);
        if (n_a.size() != kNonceLen)
            return make_error("sga guess: fresh() returned the wrong length");
        const BytesView ts = captured.get_or_empty(TS);
        a1.set(MacA, a1_mac(view(kt), view(*ct), view(n_a), ts));
        a1.set(N_A, n_a);
        a1.set(TS, to_bytes(ts));
    }
    a1.set(CtPK, std::move(ct).value());
    return a1;
}

Result<SecretBytes> derive_online(std::string_view candidate, BytesView identity) {
    return weak_kd(candidate, identity.empty() ? view(kOnlineVictim) : identity);
}

}  // namespace

Result<SecretBytes> weak_kd(std::string_view candidate, BytesView id_d) {
    if (id_d.empty()) return make_error("device ID must not be empty");
    return crypto::kbkdf_counter(crypto::KbkdfPrf::hmac_sha256, view(candidate),
                                 view(kdf_labels().pin), id_d, kKeyLen);
}

Result<A1Parties> online_parties(const Deployment& deployment) {
    const InstancePlan* victim = nullptr;
    for (const InstancePlan& p : deployment.instances) {
        if (p.role != "Device") continue;
        if (victim == nullptr || p.creds.identity == kOnlineVictim) victim = &p;
        if (p.creds.identity == kOnlineVictim) break;
    }
    if (victim == nullptr) return make_error("sga guess: the deployment has no Device");
    const auto partner = victim->peers.find("partner");
    const InstancePlan* dj =
        partner == victim->peers.end() ? nullptr : deployment.find(partner->second);
    const auto id_g = victim->creds.attrs.find("ID_G");
    const auto pk = victim->creds.attrs.find("PK");
    if (dj == nullptr || id_g == victim->creds.attrs.end() || pk == victim->creds.attrs.end()) {
        return make_error("sga guess: " + victim->instance + " lacks a partner, ID_G or PK");
    }
    // The cid the victim proposes, as its role reads the setting (instance over role-wide).
    std::string cids(kDefaultCids);
    if (auto r = deployment.options.settings.find("Device");
        r != deployment.options.settings.end()) {
        if (auto c = r->second.find("cids"); c != r->second.end()) cids = c->second;
    }
    if (auto c = victim->settings.find("cids"); c != victim->settings.end()) cids = c->second;
    auto set = parse_cids(cids);
    if (!set) return make_error("sga guess: " + set.error().reason);
    return A1Parties{victim->creds.identity, id_g->second, dj->creds.identity, set->front(),
                     pk->second};
}

bool a4_confirms(const Message& a4, BytesView attacker_kt, BytesView n_a) {
    const BytesView cid = a4.get_or_empty(Cid);
    const auto c = cid.size() == 1 ? cid_from_byte(cid[0]) : std::nullopt;
    if (a4.type != A4 || !c) return false;
    const bool hardened = !n_a.empty();
    auto pt = sym_open(*c, attacker_kt, view(sealed_aad(hardened, A4, a4.session, {n_a})),
                       a4.get_or_empty(Ct));
    return pt && decode_a4(view(*pt)).ok();
}

GuessRecipe guess_recipe() {
    return GuessRecipe{"k_d", find_verifiers};
}

OnlineGuessRecipe online_guess_recipe() {
    OnlineGuessRecipe r;
    r.secret = "k_d";
    r.target_role = "SGA";
    r.type = A1;
    r.forge = forge_a1;
    r.derive = derive_online;
    r.identity_field = "";  // see guess.hpp: derive() falls back on kOnlineVictim
    return r;
}

}  // namespace mtc::sga
