#include "protocols/gaka/kdf.hpp"

#include <string>

#include "protocols/core/crypto/hash.hpp"
#include "protocols/gaka/milenage.hpp"

namespace mtc::gaka {

namespace {

constexpr std::size_t kMaxParamLen = 0xFFFF;  // Li is two octets

Status check_len(const char* what, BytesView v, std::size_t want) {
    if (v.size() == want) return Ok{};
    return make_error(std::string("kasme: ") + what + " must be " + std::to_string(want) +
                      " bytes, got " + std::to_string(v.size()));
}

}  // namespace

Result<Bytes> kdf_input(std::uint8_t fc, std::initializer_list<BytesView> params) {
    Bytes s;
    s.push_back(fc);
    std::size_t i = 0;
    for (BytesView p : params) {
        if (p.size() > kMaxParamLen) {
            return make_error("kdf: P" + std::to_string(i) + " is " + std::to_string(p.size()) +
                              " bytes, more than a two-octet L" + std::to_string(i) + " can say");
        }
        s.insert(s.end(), p.begin(), p.end());
        put_u16(s, static_cast<std::uint16_t>(p.size()));
        ++i;
    }
    return s;
}

Result<SecretBytes> generic_kdf(BytesView key, std::uint8_t fc,
                                std::initializer_list<BytesView> params) {
    auto s = kdf_input(fc, params);
    if (!s) return s.error();
    crypto::Digest d = crypto::hmac_sha256(key, view(*s));
    SecretBytes out(d.begin(), d.end());
    secure_wipe(d.data(), d.size());
    // S holds key material for some derivations (e.g. SQN xor AK): wipe it as well.
    secure_wipe(s->data(), s->size());
    return out;
}

Result<SecretBytes> derive_kasme(BytesView ck, BytesView ik, BytesView sn_id,
                                 BytesView sqn_xor_ak) {
    if (Status st = check_len("CK", ck, kCkLen); !st) return st.error();
    if (Status st = check_len("IK", ik, kCkLen); !st) return st.error();
    if (Status st = check_len("SN id", sn_id, kSnIdLen); !st) return st.error();
    if (Status st = check_len("SQN xor AK", sqn_xor_ak, kSqnLen); !st) return st.error();
    SecretBytes key;
    key.reserve(ck.size() + ik.size());
    key.insert(key.end(), ck.begin(), ck.end());
    key.insert(key.end(), ik.begin(), ik.end());
    return generic_kdf(view(key), kFcKasme, {sn_id, sqn_xor_ak});
}

}  // namespace mtc::gaka
