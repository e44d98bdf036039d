#include "protocols/gaka/milenage.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include <openssl/evp.h>

namespace mtc::gaka {

namespace {

constexpr std::size_t kBlockLen = 16;
using Block = std::array<std::uint8_t, kBlockLen>;

// A 128-bit block wiped when it goes out of scope: every intermediate value of MILENAGE
// (TEMP, OUTi, the AES inputs) is as good as a key stream for that RAND.
struct WipedBlock {
    Block b{};
    WipedBlock() = default;
    ~WipedBlock() { secure_wipe(b.data(), b.size()); }
    WipedBlock(const WipedBlock&) = delete;
    WipedBlock& operator=(const WipedBlock&) = delete;
    WipedBlock(WipedBlock&&) = delete;
    WipedBlock& operator=(WipedBlock&&) = delete;
};

struct CipherCtxFree {
    void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
};
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

// Fetched once per process and never freed (reachable from this static).
const EVP_CIPHER* aes128_ecb() {
    static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr);
    return cipher;
}

// Rotation constants r1..r5 in bytes (TS 35.206 section 4.1: 64, 0, 32, 64, 96 bits) and
// the constants c1..c5 as the value of their last byte (0, 1, 2, 4, 8).
constexpr std::array<std::size_t, 5> kRotBytes = {8, 0, 4, 8, 12};
constexpr std::array<std::uint8_t, 5> kConstLastByte = {0x00, 0x01, 0x02, 0x04, 0x08};

Status check_len(const char* what, BytesView v, std::size_t want) {
    if (v.size() == want) return Ok{};
    return make_error(std::string("milenage: ") + what + " must be " + std::to_string(want) +
                      " bytes, got " + std::to_string(v.size()));
}

// out = rot(in, r bytes) xor c, where rot is the cyclic left rotation of TS 35.206.
void rotate_xor_const(const Block& in, std::size_t i, Block& out) {
    const std::size_t r = kRotBytes.at(i);
    for (std::size_t j = 0; j < kBlockLen; ++j) out[j] = in[(j + r) % kBlockLen];
    out[kBlockLen - 1] ^= kConstLastByte.at(i);
}

}  // namespace

struct Milenage::Impl {
    CipherCtxPtr ctx;  // AES-128-ECB keyed with K, no padding: one block in, one block out
    SecretBytes opc;

    // out = E_K(in).
    Status encrypt(const Block& in, Block& out) const {
        int out_len = 0;
        if (EVP_EncryptUpdate(ctx.get(), out.data(), &out_len, in.data(),
                              static_cast<int>(in.size())) != 1 ||
            out_len != static_cast<int>(out.size())) {
            return make_error("milenage: AES block encryption failed");
        }
        return Ok{};
    }

    // TEMP = E_K(RAND xor OPc).
    Status temp(BytesView rand, Block& out) const {
        WipedBlock in;
        for (std::size_t j = 0; j < kBlockLen; ++j) in.b[j] = rand[j] ^ opc[j];
        return encrypt(in.b, out);
    }

    // OUTi = E_K(rot(TEMP xor OPc, ri) xor ci) xor OPc for i = 2..5 (index 1..4).
    Status out_i(const Block& temp, std::size_t index, Block& out) const {
        WipedBlock x;
        WipedBlock in;
        for (std::size_t j = 0; j < kBlockLen; ++j) x.b[j] = temp[j] ^ opc[j];
        rotate_xor_const(x.b, index, in.b);
        if (Status s = encrypt(in.b, out); !s) return s;
        for (std::size_t j = 0; j < kBlockLen; ++j) out[j] ^= opc[j];
        return Ok{};
    }

    // OUT1 = E_K(TEMP xor rot(IN1 xor OPc, r1) xor c1) xor OPc, IN1 = SQN||AMF||SQN||AMF.
    Status out1(BytesView rand, BytesView sqn, BytesView amf, Block& out) const {
        if (Status s = check_len("RAND", rand, kRandLen); !s) return s;
        if (Status s = check_len("SQN", sqn, kSqnLen); !s) return s;
        if (Status s = check_len("AMF", amf, kAmfLen); !s) return s;
        WipedBlock temp_block;
        if (Status s = temp(rand, temp_block.b); !s) return s;
        WipedBlock in1;
        std::copy(sqn.begin(), sqn.end(), in1.b.begin());
        std::copy(amf.begin(), amf.end(), in1.b.begin() + kSqnLen);
        std::copy(sqn.begin(), sqn.end(), in1.b.begin() + kSqnLen + kAmfLen);
        std::copy(amf.begin(), amf.end(), in1.b.begin() + 2 * kSqnLen + kAmfLen);
        for (std::size_t j = 0; j < kBlockLen; ++j) in1.b[j] ^= opc[j];
        WipedBlock rotated;
        rotate_xor_const(in1.b, 0, rotated.b);
        for (std::size_t j = 0; j < kBlockLen; ++j) rotated.b[j] ^= temp_block.b[j];
        if (Status s = encrypt(rotated.b, out); !s) return s;
        for (std::size_t j = 0; j < kBlockLen; ++j) out[j] ^= opc[j];
        return Ok{};
    }
};

Result<SecretBytes> Milenage::compute_opc(BytesView k, BytesView op) {
    if (Status s = check_len("OP", op, kKeyLen); !s) return s.error();
    // OPc needs E_K with no OPc yet: key a context with a placeholder OPc of zeros.
    const SecretBytes placeholder(kKeyLen, 0);
    auto m = from_opc(k, view(placeholder));
    if (!m) return m.error();
    Block op_block{};
    std::copy(op.begin(), op.end(), op_block.begin());
    WipedBlock enc;
    if (Status s = m->impl_->encrypt(op_block, enc.b); !s) return s.error();
    SecretBytes opc(kKeyLen);
    for (std::size_t j = 0; j < kKeyLen; ++j) opc[j] = op[j] ^ enc.b[j];
    return opc;
}

Result<Milenage> Milenage::from_op(BytesView k, BytesView op) {
    auto opc = compute_opc(k, op);
    if (!opc) return opc.error();
    return from_opc(k, view(*opc));
}

Result<Milenage> Milenage::from_opc(BytesView k, BytesView opc) {
    if (Status s = check_len("K", k, kKeyLen); !s) return s.error();
    if (Status s = check_len("OPc", opc, kKeyLen); !s) return s.error();
    const EVP_CIPHER* cipher = aes128_ecb();
    if (cipher == nullptr) return make_error("milenage: AES-128-ECB unavailable in OpenSSL");
    auto impl = std::make_unique<Impl>();
    impl->ctx.reset(EVP_CIPHER_CTX_new());
    if (!impl->ctx) return make_error("milenage: out of memory");
    if (EVP_EncryptInit_ex2(impl->ctx.get(), cipher, k.data(), nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_set_padding(impl->ctx.get(), 0) != 1) {
        return make_error("milenage: AES key setup failed");
    }
    impl->opc = to_secret(opc);
    return Milenage(std::move(impl));
}

Milenage::Milenage(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Milenage::~Milenage() = default;
Milenage::Milenage(Milenage&&) noexcept = default;
Milenage& Milenage::operator=(Milenage&&) noexcept = default;

const SecretBytes& Milenage::opc() const {
    return impl_->opc;
}

Result<Mac> Milenage::f1(BytesView rand, BytesView sqn, BytesView amf) {
    WipedBlock out;
    if (Status s = impl_->out1(rand, sqn, amf, out.b); !s) return s.error();
    Mac mac{};
    std::copy_n(out.b.begin(), kMacLen, mac.begin());
    return mac;
}

Result<Mac> Milenage::f1_star(BytesView rand, BytesView sqn, BytesView amf) {
    WipedBlock out;
    if (Status s = impl_->out1(rand, sqn, amf, out.b); !s) return s.error();
    Mac mac{};
    std::copy_n(out.b.begin() + kMacLen, kMacLen, mac.begin());
    return mac;
}

Result<F2345> Milenage::f2345(BytesView rand) {
    if (Status s = check_len("RAND", rand, kRandLen); !s) return s.error();
    WipedBlock temp;
    if (Status s = impl_->temp(rand, temp.b); !s) return s.error();
    WipedBlock out2;
    WipedBlock out3;
    WipedBlock out4;
    if (Status s = impl_->out_i(temp.b, 1, out2.b); !s) return s.error();
    if (Status s = impl_->out_i(temp.b, 2, out3.b); !s) return s.error();
    if (Status s = impl_->out_i(temp.b, 3, out4.b); !s) return s.error();
    F2345 r;
    r.ak.assign(out2.b.begin(), out2.b.begin() + kSqnLen);
    r.res.assign(out2.b.begin() + 8, out2.b.end());
    r.ck.assign(out3.b.begin(), out3.b.end());
    r.ik.assign(out4.b.begin(), out4.b.end());
    return r;
}

Result<SecretBytes> Milenage::f5_star(BytesView rand) {
    if (Status s = check_len("RAND", rand, kRandLen); !s) return s.error();
    WipedBlock temp;
    if (Status s = impl_->temp(rand, temp.b); !s) return s.error();
    WipedBlock out5;
    if (Status s = impl_->out_i(temp.b, 4, out5.b); !s) return s.error();
    return SecretBytes(out5.b.begin(), out5.b.begin() + kSqnLen);
}

}  // namespace mtc::gaka
