#include "protocols/prose/schema.hpp"

namespace mtc::prose {

namespace {

using K = FieldKind;

FieldSpec f(std::uint8_t tag, const char* name, K kind, std::uint16_t lo, std::uint16_t hi,
            bool required = true) {
    return FieldSpec{tag, name, kind, lo, hi, required};
}

std::vector<FieldSpec> m1_fields() {
    return {
        f(MTCdID, "MTCdID", K::identity, 1, 64),
        f(MTCsID, "MTCsID", K::identity, 1, 64),
        f(MTCdNonce, "MTCdNonce", K::nonce, 16, 32),
        f(UEID, "UEID", K::identity, 1, 64),
        f(MTCdInfo_MICAlg, "MTCdInfo.MICAlg", K::alg_id, 1, 1, false),
        f(MTCdInfo_KDFAlgs, "MTCdInfo.KDFAlgs", K::alg_id, 1, 8, false),
        f(MTCdInfo_RelayID, "MTCdInfo.RelayID", K::identity, 1, 64, false),
        f(MTCdInfo_Context, "MTCdInfo.Context", K::opaque, 1, 256, false),
        f(MTCdMIC, "MTCdMIC", K::mac, 16, 32),
    };
}

std::vector<FieldSpec> m3_fields(bool with_dmkey) {
    std::vector<FieldSpec> v = {
        f(MTCdID, "MTCdID", K::identity, 1, 64),
        f(MTCsID, "MTCsID", K::identity, 1, 64),
        f(UEID, "UEID", K::identity, 1, 64),
        f(MTCsNonce, "MTCsNonce", K::nonce, 16, 32),
        f(MTCsInfo_KDFAlg, "MTCsInfo.KDFAlg", K::alg_id, 1, 1, false),
        f(MTCsInfo_Policy, "MTCsInfo.Policy", K::opaque, 1, 256, false),
        f(MTCsInfo_Expiry, "MTCsInfo.Expiry", K::timestamp, 8, 8, false),
        f(MTCsMIC, "MTCsMIC", K::mac, 16, 32),
    };
    if (with_dmkey) v.push_back(f(DMKey, "DMKey", K::key, 32, 32));
    return v;
}

}  // namespace

const Schema& schema() {
    static const Schema s{
        "prose",
        kProtocolId,
        {
            MessageSpec{M1, "M1", m1_fields()},
            MessageSpec{M2, "M2", m1_fields()},
            MessageSpec{M3, "M3", m3_fields(true)},
            MessageSpec{M4, "M4", m3_fields(false)},
        },
    };
    return s;
}

}  // namespace mtc::prose
