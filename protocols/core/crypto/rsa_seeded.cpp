// RSA key pairs whose randomness is the caller's Rng, so a seeded provisioning (fuzz targets'
// deployments, `mtcfuzz corpus regen --seed`, seeded simulations) makes the same keys every
// time. OpenSSL's own key generation draws from its DRBG, which a run cannot seed. The primes
// are searched here, every candidate tested by OpenSSL (BN_check_prime: trial division, then
// Miller-Rabin rounds for 128-bit security, as its key generation does), and the key is put
// together and checked (pairwise) by OpenSSL.
#include <string>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "protocols/core/crypto/ossl_ptr.hpp"
#include "protocols/core/crypto/rsa.hpp"
#include "protocols/core/rng.hpp"

namespace mtc::crypto {
namespace {

using Bn = OsslPtr<BIGNUM, BN_clear_free>;

constexpr unsigned long kPublicExponent = 65537;

Bn bn() {
    return Bn(BN_secure_new());
}

// A prime of `bits` bits with gcd(p - 1, e) = 1: a random odd start with its top two bits set
// (so a product of two has exactly 2 * bits bits), stepped by 2.
Bn random_prime(int bits, Rng& rng, const BIGNUM* e, BN_CTX* ctx) {
    SecretBytes start = rng.secret_bytes(static_cast<std::size_t>(bits) / 8);
    Bn p = bn(), p1 = bn(), g = bn();
    if (!p || !p1 || !g ||
        BN_bin2bn(start.data(), static_cast<int>(start.size()), p.get()) == nullptr)
        return nullptr;
    if (BN_set_bit(p.get(), bits - 1) != 1 || BN_set_bit(p.get(), bits - 2) != 1 ||
        BN_set_bit(p.get(), 0) != 1)
        return nullptr;
    for (int tries = 0; tries < 100000; ++tries) {
        if (BN_num_bits(p.get()) != bits) return nullptr;  // ran off the top: give up
        if (BN_check_prime(p.get(), ctx, nullptr) == 1 &&
            BN_sub(p1.get(), p.get(), BN_value_one()) && BN_gcd(g.get(), p1.get(), e, ctx) &&
            BN_is_one(g.get()))
            return p;
        if (BN_add_word(p.get(), 2) != 1) return nullptr;
    }
    return nullptr;
}

}  // namespace

Result<RsaKey> RsaKey::generate(int bits, Rng& rng) {
    if (bits < 1024 || bits > 16384 || bits % 16 != 0) {
        return make_error("rsa: seeded key size must be a multiple of 16 in [1024, 16384], got " +
                          std::to_string(bits));
    }
    OsslPtr<BN_CTX, BN_CTX_free> ctx(BN_CTX_secure_new());
    Bn e = bn(), n = bn(), d = bn(), p1 = bn(), q1 = bn(), phi = bn(), g = bn(), lambda = bn(),
       dp = bn(), dq = bn(), qinv = bn(), rem = bn();
    if (!ctx || !e || !n || !d || !p1 || !q1 || !phi || !g || !lambda || !dp || !dq || !qinv ||
        !rem || BN_set_word(e.get(), kPublicExponent) != 1)
        return make_error("rsa: out of memory");
    Bn p = random_prime(bits / 2, rng, e.get(), ctx.get());
    Bn q = random_prime(bits / 2, rng, e.get(), ctx.get());
    if (!p || !q) return make_error("rsa: no prime found");
    if (BN_cmp(p.get(), q.get()) == 0) return make_error("rsa: the two primes are equal");
    if (BN_cmp(p.get(), q.get()) < 0) std::swap(p, q);  // p > q, as RSA keys usually have it
    // d = e^-1 mod lcm(p - 1, q - 1); the CRT values; n = p q.
    const bool ok = BN_mul(n.get(), p.get(), q.get(), ctx.get()) &&
                    BN_sub(p1.get(), p.get(), BN_value_one()) &&
                    BN_sub(q1.get(), q.get(), BN_value_one()) &&
                    BN_mul(phi.get(), p1.get(), q1.get(), ctx.get()) &&
                    BN_gcd(g.get(), p1.get(), q1.get(), ctx.get()) &&
                    BN_div(lambda.get(), rem.get(), phi.get(), g.get(), ctx.get()) &&
                    BN_mod_inverse(d.get(), e.get(), lambda.get(), ctx.get()) != nullptr &&
                    BN_mod(dp.get(), d.get(), p1.get(), ctx.get()) &&
                    BN_mod(dq.get(), d.get(), q1.get(), ctx.get()) &&
                    BN_mod_inverse(qinv.get(), q.get(), p.get(), ctx.get()) != nullptr;
    if (!ok) return make_error("rsa: key arithmetic failed");

    OsslPtr<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free> bld(OSSL_PARAM_BLD_new());
    if (!bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_D, d.get()) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR1, p.get()) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR2, q.get()) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT1, dp.get()) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT2, dq.get()) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qinv.get()))
        return make_error("rsa: out of memory");
    OsslPtr<OSSL_PARAM, OSSL_PARAM_free> params(OSSL_PARAM_BLD_to_param(bld.get()));
    OsslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free> pctx(
        EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
    EVP_PKEY* raw = nullptr;
    if (!params || !pctx || EVP_PKEY_fromdata_init(pctx.get()) != 1 ||
        EVP_PKEY_fromdata(pctx.get(), &raw, EVP_PKEY_KEYPAIR, params.get()) != 1)
        return make_error("rsa: OpenSSL refused the key");
    OsslPtr<EVP_PKEY, EVP_PKEY_free> pkey(raw);
    OsslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free> check(EVP_PKEY_CTX_new(pkey.get(), nullptr));
    if (!check || EVP_PKEY_pairwise_check(check.get()) != 1)
        return make_error("rsa: the key fails OpenSSL's pairwise check");
    // Into an RsaKey through its PEM form (RsaKey owns its EVP_PKEY privately).
    OsslPtr<BIO, BIO_free> bio(BIO_new(BIO_s_secmem()));
    if (!bio ||
        PEM_write_bio_PrivateKey(bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return make_error("rsa: PEM encoding failed");
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    if (len <= 0 || data == nullptr) return make_error("rsa: PEM encoding failed");
    return from_private_pem(std::string_view(data, static_cast<std::size_t>(len)));
}

}  // namespace mtc::crypto
