#include "protocols/prose/primitives.hpp"

#include "protocols/core/crypto/hash.hpp"
#include "protocols/core/crypto/kdf.hpp"
#include "protocols/prose/schema.hpp"

namespace mtc::prose {

std::optional<std::size_t> mic_len(std::uint8_t mic_alg) {
    switch (mic_alg) {
        case mic_hmac_sha256:
            return 32;
        case mic_aes_cmac:
            return 16;
        default:
            return std::nullopt;
    }
}

bool kdf_known(std::uint8_t kdf_alg) {
    return kdf_alg == kdf_kbkdf_hmac_sha256 || kdf_alg == kdf_kbkdf_cmac_aes;
}

Result<Bytes> mic(std::uint8_t mic_alg, BytesView psk, BytesView data) {
    switch (mic_alg) {
        case mic_hmac_sha256: {
            const auto d = crypto::hmac_sha256(psk, data);
            return Bytes(d.begin(), d.end());
        }
        case mic_aes_cmac: {
            auto t = crypto::aes_cmac(psk, data);
            if (!t) return t.error();
            return Bytes(t->begin(), t->end());
        }
        default:
            return make_error("unknown MIC algorithm id " + std::to_string(mic_alg));
    }
}

Result<SecretBytes> kdf(std::uint8_t kdf_alg, BytesView psk, std::string_view label,
                        BytesView context, std::size_t out_len) {
    switch (kdf_alg) {
        case kdf_kbkdf_hmac_sha256:
            return crypto::kbkdf_counter(crypto::KbkdfPrf::hmac_sha256, psk, view(label), context,
                                         out_len);
        case kdf_kbkdf_cmac_aes:
            return crypto::kbkdf_counter(crypto::KbkdfPrf::cmac_aes, psk, view(label), context,
                                         out_len);
        default:
            return make_error("unknown KDF algorithm id " + std::to_string(kdf_alg));
    }
}

Bytes mtcd_info(const Message& m) {
    if (!m.has(MTCdInfo_MICAlg) && !m.has(MTCdInfo_KDFAlgs) && !m.has(MTCdInfo_RelayID) &&
        !m.has(MTCdInfo_Context)) {
        return {};
    }
    return encode_list({m.get_or_empty(MTCdInfo_MICAlg), m.get_or_empty(MTCdInfo_KDFAlgs),
                        m.get_or_empty(MTCdInfo_RelayID), m.get_or_empty(MTCdInfo_Context)});
}

Bytes mtcs_info(const Message& m) {
    if (!m.has(MTCsInfo_KDFAlg) && !m.has(MTCsInfo_Policy) && !m.has(MTCsInfo_Expiry)) return {};
    return encode_list({m.get_or_empty(MTCsInfo_KDFAlg), m.get_or_empty(MTCsInfo_Policy),
                        m.get_or_empty(MTCsInfo_Expiry)});
}

std::uint8_t mic_alg_of(const Message& m1) {
    const Bytes* a = m1.get(MTCdInfo_MICAlg);
    return a != nullptr && a->size() == 1 ? (*a)[0] : std::uint8_t{mic_hmac_sha256};
}

Bytes kdf_algs_offered(const Message& m1) {
    const Bytes* a = m1.get(MTCdInfo_KDFAlgs);
    return a != nullptr ? *a : Bytes{kdf_kbkdf_hmac_sha256};
}

std::uint8_t kdf_alg_of(const Message& m3) {
    const Bytes* a = m3.get(MTCsInfo_KDFAlg);
    return a != nullptr && a->size() == 1 ? (*a)[0] : std::uint8_t{kdf_kbkdf_hmac_sha256};
}

Bytes mtcd_mic_input(const Message& m1) {
    const Bytes info = mtcd_info(m1);
    return encode_list({m1.get_or_empty(MTCdID), m1.get_or_empty(MTCsID), m1.get_or_empty(UEID),
                        m1.get_or_empty(MTCdNonce), view(info)});
}

Bytes mtcs_mic_input(const Message& m1, const Message& m3) {
    const Bytes dinfo = mtcd_info(m1);
    const Bytes sinfo = mtcs_info(m3);
    return encode_list({m3.get_or_empty(MTCdID), m3.get_or_empty(MTCsID),
                        m1.get_or_empty(MTCdNonce), m3.get_or_empty(MTCsNonce),
                        m3.get_or_empty(UEID), view(dinfo), view(sinfo)});
}

Bytes dmkey_context(const Message& m1, const Message& m3) {
    return encode_list({m3.get_or_empty(MTCdID), m3.get_or_empty(MTCsID),
                        m1.get_or_empty(MTCdNonce), m3.get_or_empty(MTCsNonce),
                        m3.get_or_empty(UEID)});
}

Result<Bytes> compute_mtcd_mic(BytesView psk, const Message& m1) {
    return mic(mic_alg_of(m1), psk, mtcd_mic_input(m1));
}

Result<Bytes> compute_mtcs_mic(BytesView psk, const Message& m1, const Message& m3) {
    // MTCsMIC uses the MIC algorithm the MTCd chose: it is the one the device implements.
    return mic(mic_alg_of(m1), psk, mtcs_mic_input(m1, m3));
}

Result<SecretBytes> derive_dmkey(BytesView psk, const Message& m1, const Message& m3) {
    return kdf(kdf_alg_of(m3), psk, "ProSe DMKey", dmkey_context(m1, m3), kDMKeyLen);
}

Result<SecretBytes> pskey_from_pin(std::string_view pin, std::string_view mtcd_id) {
    return crypto::kbkdf_counter(crypto::KbkdfPrf::hmac_sha256, view(pin), view(kPskeyFromPinLabel),
                                 view(mtcd_id), kPSKeyLen);
}

}  // namespace mtc::prose
