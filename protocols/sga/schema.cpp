#include "protocols/sga/schema.hpp"

#include <vector>

namespace mtc::sga {

namespace {

using FK = FieldKind;

constexpr auto u16(std::size_t n) {
    return static_cast<std::uint16_t>(n);
}

FieldSpec f(std::uint8_t tag, const char* name, FK kind, std::size_t lo, std::size_t hi,
            bool required = true) {
    return FieldSpec{tag, name, kind, u16(lo), u16(hi), required};
}

FieldSpec id(std::uint8_t tag, const char* name, bool required = true) {
    return f(tag, name, FK::identity, 1, kMaxId, required);
}
FieldSpec cid() {
    return f(Cid, "cid", FK::alg_id, 1, 1);
}
// An E^x ciphertext of a plaintext of [lo, hi] bytes.
FieldSpec ct(std::size_t lo, std::size_t hi) {
    return f(Ct, "Ct", FK::ciphertext, kAeadOverhead + lo, kAeadOverhead + hi);
}
FieldSpec ct_pk() {
    return f(CtPK, "CtPK", FK::ciphertext, kMinRsaCt, kMaxRsaCt);
}
FieldSpec status() {
    return f(StatusCode, "Status", FK::opaque, 1, 1);
}

std::vector<FieldSpec> b6_fields() {
    return {
        id(ID_di, "ID_di"),
        id(ID_dj, "ID_dj"),
        f(NRs, "N^R_s", FK::group_element, 1, kMaxElement),
        f(MacS, "MAC_S", FK::mac, kMacLen, kMacLen),
    };
}

}  // namespace

const Schema& schema() {
    static const Schema s{
        "sga",
        kProtocolId,
        {
            MessageSpec{Reg,
                        "Reg",
                        {
                            f(EncKd, "E_PK(k_d)", FK::ciphertext, kMinRsaCt, kMaxRsaCt),
                            f(RegCid, "x", FK::alg_id, 1, 1),
                            f(EncId, "E^x_k_d(ID_d)", FK::ciphertext, kAeadOverhead + kFieldHdr + 1,
                              kAeadOverhead + kFieldHdr + kMaxId),
                            f(CidSet, "CidSet", FK::alg_id, 1, kMaxCids),
                        }},
            MessageSpec{RegAck, "RegAck", {id(ID_d, "ID_d", false), id(ID_G, "ID_G"), status()}},
            MessageSpec{Reject, "Reject", {id(ID_G, "ID_G"), status()}},
            MessageSpec{A1,
                        "A1",
                        {
                            ct_pk(),
                            f(N_A, "N_A", FK::nonce, kNonceLen, kNonceLen, false),
                            f(TS, "TS", FK::timestamp, 8, 8, false),
                            f(MacA, "MAC_A", FK::mac, kMacLen, kMacLen, false),
                        }},
            MessageSpec{
                A2, "A2", {id(ID_dj, "ID_dj", false), cid(), ct(kMinNegPlain, kMaxNegPlain)}},
            MessageSpec{A3, "A3", {ct_pk()}},
            MessageSpec{A4, "A4", {cid(), ct(kMinNegPlain, kMaxNegPlain)}},
            MessageSpec{B1,
                        "B1",
                        {id(ID_d, "ID_d"), id(ID_dj, "ID_dj", false), cid(),
                         ct(kMinKexPlain, kMaxKexPlain)}},
            MessageSpec{B2, "B2", {cid(), ct(kMinInvPlain, kMaxInvPlain)}},
            MessageSpec{B3, "B3", {id(ID_d, "ID_d"), cid(), ct(kMinKexPlain, kMaxKexPlain)}},
            MessageSpec{B6i, "B6i", b6_fields()},
            MessageSpec{B6j, "B6j", b6_fields()},
            MessageSpec{Data,
                        "Data",
                        {
                            id(ID_src, "ID_src"),
                            id(ID_dst, "ID_dst"),
                            f(Seq, "Seq", FK::opaque, 8, 8),
                            cid(),
                            ct(kMinDataPlain, kMaxDataPlain),
                        }},
            MessageSpec{
                DataAck,
                "DataAck",
                {id(ID_src, "ID_src"), id(ID_dst, "ID_dst"), f(Seq, "Seq", FK::opaque, 8, 8)}},
        },
    };
    return s;
}

}  // namespace mtc::sga
