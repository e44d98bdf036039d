#include "protocols/core/crypto/dl_group.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "protocols/core/rng.hpp"

namespace mtc::crypto {

namespace {

struct BnClearFree {
    void operator()(BIGNUM* p) const { BN_clear_free(p); }
};
struct BnCtxFree {
    void operator()(BN_CTX* p) const { BN_CTX_free(p); }
};
struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnClearFree>;
using BnCtxPtr = std::unique_ptr<BN_CTX, BnCtxFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;

// The arithmetic API returns plain BigNums: OpenSSL's BN functions only fail here on
// allocation failure (the moduli are fixed, odd and valid), where stopping is the only option.
[[noreturn]] void fatal(const char* what) {
    std::fprintf(stderr, "mtc::crypto: %s failed (OpenSSL)\n", what);
    std::abort();
}

Error fail(std::string what) {
    const unsigned long e = ERR_peek_last_error();
    if (e != 0) {
        const char* reason = ERR_reason_error_string(e);
        if (reason != nullptr) what += std::string(" (") + reason + ")";
    }
    ERR_clear_error();
    return make_error(std::move(what));
}

BIGNUM* new_bn() {
    BIGNUM* bn = BN_new();
    if (bn == nullptr) fatal("BN_new");
    return bn;
}

BnCtxPtr new_ctx() {
    BnCtxPtr ctx(BN_CTX_new());
    if (!ctx) fatal("BN_CTX_new");
    return ctx;
}

// A moved-from BigNum reads as zero.
const BIGNUM* zero_bn() {
    static const BIGNUM* zero = new_bn();  // never freed; reachable from this static
    return zero;
}

const BIGNUM* cbn(const BigNum& x) {
    return static_cast<const BIGNUM*>(x.raw());
}
BIGNUM* mbn(BigNum& x) {
    return static_cast<BIGNUM*>(x.raw_mut());
}

// Rejection-sampling attempts before falling back to a (negligibly biased) wide reduction, so
// that a degenerate test Rng cannot loop forever. With q's top bit set each attempt succeeds
// with probability > 1/2, so the fallback is never reached with a real generator.
constexpr int kMaxRejections = 128;

}  // namespace

// ---- BigNum ----

struct BigNum::Impl {
    BnPtr bn;
};

BigNum::BigNum() : impl_(std::make_unique<Impl>()) {
    impl_->bn.reset(new_bn());
}

BigNum::BigNum(unsigned long v) : BigNum() {
    if (BN_set_word(impl_->bn.get(), v) != 1) fatal("BN_set_word");
}

BigNum BigNum::from_bytes(BytesView big_endian) {
    BigNum r;
    if (!big_endian.empty() &&
        BN_bin2bn(big_endian.data(), static_cast<int>(big_endian.size()), mbn(r)) == nullptr) {
        fatal("BN_bin2bn");
    }
    return r;
}

Result<BigNum> BigNum::from_hex(std::string_view hex) {
    if (hex.empty()) return make_error("bignum: empty hex string");
    if (hex.size() > 1u << 20) return make_error("bignum: hex string too long");
    for (char c : hex) {
        if (std::isxdigit(static_cast<unsigned char>(c)) == 0) {
            return make_error("bignum: invalid hex digit");
        }
    }
    const std::string s(hex);
    BigNum r;
    BIGNUM* bn = mbn(r);
    if (BN_hex2bn(&bn, s.c_str()) != static_cast<int>(s.size())) {
        return fail("bignum: hex parse failed");
    }
    return r;
}

BigNum::BigNum(const BigNum& o) : BigNum() {
    if (BN_copy(impl_->bn.get(), cbn(o)) == nullptr) fatal("BN_copy");
}

BigNum& BigNum::operator=(const BigNum& o) {
    if (this != &o && BN_copy(mbn(*this), cbn(o)) == nullptr) fatal("BN_copy");
    return *this;
}

BigNum::BigNum(BigNum&& o) noexcept = default;

BigNum& BigNum::operator=(BigNum&& o) noexcept {
    impl_.swap(o.impl_);
    return *this;
}

BigNum::~BigNum() = default;

const void* BigNum::raw() const {
    return impl_ ? impl_->bn.get() : zero_bn();
}

void* BigNum::raw_mut() {
    if (!impl_) {
        impl_ = std::make_unique<Impl>();
        impl_->bn.reset(new_bn());
    }
    return impl_->bn.get();
}

Bytes BigNum::to_bytes() const {
    Bytes out(static_cast<std::size_t>(BN_num_bytes(cbn(*this))));
    if (!out.empty()) BN_bn2bin(cbn(*this), out.data());
    return out;
}

Bytes BigNum::to_bytes_padded(std::size_t n) const {
    const auto need = static_cast<std::size_t>(BN_num_bytes(cbn(*this)));
    if (need > n) return to_bytes();  // does not fit: the caller sees size() != n
    Bytes out(n);
    if (n != 0 && BN_bn2binpad(cbn(*this), out.data(), static_cast<int>(n)) < 0) {
        fatal("BN_bn2binpad");
    }
    return out;
}

std::string BigNum::to_hex() const {
    char* h = BN_bn2hex(cbn(*this));
    if (h == nullptr) fatal("BN_bn2hex");
    std::string out(h);
    OPENSSL_free(h);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

int BigNum::num_bits() const {
    return BN_num_bits(cbn(*this));
}
bool BigNum::is_zero() const {
    return BN_is_zero(cbn(*this)) != 0;
}
bool BigNum::is_one() const {
    return BN_is_one(cbn(*this)) != 0;
}
int BigNum::compare(const BigNum& other) const {
    return BN_cmp(cbn(*this), cbn(other));
}

// ---- groups ----

std::string_view group_name(GroupId id) {
    switch (id) {
        case GroupId::dh_2048_256:
            return "dh_2048_256";
        case GroupId::dh_1024_160:
            return "dh_1024_160";
    }
    return "unknown";
}

std::optional<GroupId> group_from_name(std::string_view name) {
    if (name == "dh_2048_256") return GroupId::dh_2048_256;
    if (name == "dh_1024_160") return GroupId::dh_1024_160;
    return std::nullopt;
}

Result<DlGroup> DlGroup::named(GroupId id) {
    const std::string_view name = group_name(id);
    if (name == "unknown") return make_error("dl_group: unknown group id");
    std::string name_buf(name);

    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr));
    if (!ctx) return fail("dl_group: no DH implementation");
    if (EVP_PKEY_fromdata_init(ctx.get()) != 1) return fail("dl_group: fromdata init failed");
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, name_buf.data(), 0),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY* raw = nullptr;
    if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_KEY_PARAMETERS, params) != 1) {
        EVP_PKEY_free(raw);
        return fail("dl_group: OpenSSL has no named group " + name_buf);
    }
    PkeyPtr pkey(raw);

    DlGroup g;
    g.id_ = id;
    const std::pair<const char*, BigNum*> wanted[] = {
        {OSSL_PKEY_PARAM_FFC_P, &g.p_},
        {OSSL_PKEY_PARAM_FFC_Q, &g.q_},
        {OSSL_PKEY_PARAM_FFC_G, &g.g_},
    };
    for (const auto& [param, dst] : wanted) {
        BIGNUM* tmp = nullptr;
        if (EVP_PKEY_get_bn_param(pkey.get(), param, &tmp) != 1) {
            BN_free(tmp);
            return fail(std::string("dl_group: group has no parameter ") + param);
        }
        BnPtr owned(tmp);
        if (BN_copy(mbn(*dst), owned.get()) == nullptr) return fail("dl_group: BN_copy failed");
    }

    // Sanity: g generates the order-q subgroup.
    if (!g.check_element(g.g_)) return make_error("dl_group: generator fails the subgroup check");
    return g;
}

std::size_t DlGroup::element_bytes() const {
    return static_cast<std::size_t>(BN_num_bytes(cbn(p_)));
}

std::size_t DlGroup::scalar_bytes() const {
    return static_cast<std::size_t>(BN_num_bytes(cbn(q_)));
}

BigNum DlGroup::random_scalar(Rng& rng) const {
    const int bits = BN_num_bits(cbn(q_));
    const auto nbytes = static_cast<std::size_t>((bits + 7) / 8);
    const int excess = static_cast<int>(nbytes * 8) - bits;
    BigNum r;
    SecretBytes buf(nbytes);
    for (int attempt = 0; attempt < kMaxRejections; ++attempt) {
        rng.fill(buf);
        buf[0] = static_cast<std::uint8_t>(buf[0] & (0xFFu >> excess));
        if (BN_bin2bn(buf.data(), static_cast<int>(buf.size()), mbn(r)) == nullptr) {
            fatal("BN_bin2bn");
        }
        if (!BN_is_zero(cbn(r)) && BN_cmp(cbn(r), cbn(q_)) < 0) return r;
    }
    // Fallback (degenerate Rng only): 64 extra bits reduced into [1, q-1].
    SecretBytes wide(nbytes + 8);
    rng.fill(wide);
    BnPtr w(BN_bin2bn(wide.data(), static_cast<int>(wide.size()), nullptr));
    BnPtr qm1(BN_dup(cbn(q_)));
    auto ctx = new_ctx();
    if (!w || !qm1 || BN_sub_word(qm1.get(), 1) != 1 ||
        BN_nnmod(mbn(r), w.get(), qm1.get(), ctx.get()) != 1 || BN_add_word(mbn(r), 1) != 1) {
        fatal("random_scalar fallback");
    }
    return r;
}

BigNum DlGroup::exp_g(const BigNum& e) const {
    return exp(g_, e);
}

BigNum DlGroup::exp(const BigNum& b, const BigNum& e) const {
    BigNum r;
    auto ctx = new_ctx();
    // Exponents are usually secrets: constant-time Montgomery ladder (p is odd).
    if (BN_mod_exp_mont_consttime(mbn(r), cbn(b), cbn(e), cbn(p_), ctx.get(), nullptr) != 1) {
        fatal("BN_mod_exp_mont_consttime");
    }
    return r;
}

BigNum DlGroup::mul(const BigNum& a, const BigNum& b) const {
    BigNum r;
    auto ctx = new_ctx();
    if (BN_mod_mul(mbn(r), cbn(a), cbn(b), cbn(p_), ctx.get()) != 1) fatal("BN_mod_mul");
    return r;
}

BigNum DlGroup::mul_q(const BigNum& a, const BigNum& b) const {
    BigNum r;
    auto ctx = new_ctx();
    if (BN_mod_mul(mbn(r), cbn(a), cbn(b), cbn(q_), ctx.get()) != 1) fatal("BN_mod_mul");
    return r;
}

BigNum DlGroup::add_q(const BigNum& a, const BigNum& b) const {
    BigNum r;
    auto ctx = new_ctx();
    if (BN_mod_add(mbn(r), cbn(a), cbn(b), cbn(q_), ctx.get()) != 1) fatal("BN_mod_add");
    return r;
}

BigNum DlGroup::sub_q(const BigNum& a, const BigNum& b) const {
    BigNum r;
    auto ctx = new_ctx();
    if (BN_mod_sub(mbn(r), cbn(a), cbn(b), cbn(q_), ctx.get()) != 1) fatal("BN_mod_sub");
    return r;
}

BigNum DlGroup::mod_q(const BigNum& a) const {
    BigNum r;
    auto ctx = new_ctx();
    if (BN_nnmod(mbn(r), cbn(a), cbn(q_), ctx.get()) != 1) fatal("BN_nnmod");
    return r;
}

Result<BigNum> DlGroup::inv_q(const BigNum& a) const {
    BigNum r;
    auto ctx = new_ctx();
    if (BN_mod_inverse(mbn(r), cbn(a), cbn(q_), ctx.get()) == nullptr) {
        return fail("dl_group: value not invertible mod q");
    }
    return r;
}

Status DlGroup::check_element(const BigNum& y) const {
    BnPtr pm1(BN_dup(cbn(p_)));
    if (!pm1 || BN_sub_word(pm1.get(), 1) != 1) fatal("BN_sub_word");
    if (BN_cmp(cbn(y), BN_value_one()) <= 0 || BN_cmp(cbn(y), pm1.get()) >= 0) {
        return make_error("element out of range (must satisfy 1 < y < p-1)");
    }
    BnPtr t(new_bn());
    auto ctx = new_ctx();
    // y and q are public: the variable-time Montgomery exponentiation is fine.
    if (BN_mod_exp_mont(t.get(), cbn(y), cbn(q_), cbn(p_), ctx.get(), nullptr) != 1) {
        fatal("BN_mod_exp_mont");
    }
    if (BN_is_one(t.get()) == 0) return make_error("element not in the order-q subgroup");
    return Ok{};
}

Status DlGroup::check_scalar(const BigNum& s) const {
    if (BN_is_zero(cbn(s)) != 0 || BN_is_negative(cbn(s)) != 0 || BN_cmp(cbn(s), cbn(q_)) >= 0) {
        return make_error("scalar out of range (must satisfy 0 < s < q)");
    }
    return Ok{};
}

}  // namespace mtc::crypto
