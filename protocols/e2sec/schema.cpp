#include "protocols/e2sec/schema.hpp"

namespace mtc::e2sec {

namespace {

using FK = FieldKind;

// Lengths fit both groups: elements up to |p| = 256 bytes (dh_2048_256), scalars up to
// |q| = 32 bytes. The roles then require the exact length of the configured group.
constexpr std::uint16_t kMaxElement = 256;
constexpr std::uint16_t kMaxScalar = 32;
constexpr std::uint16_t kMaxId = 64;

FieldSpec f(std::uint8_t tag, const char* name, FK kind, std::uint16_t lo, std::uint16_t hi,
            bool required = true) {
    return FieldSpec{tag, name, kind, lo, hi, required};
}

FieldSpec id_mtcs() {
    return f(ID_MTCS, "ID_MTCS", FK::identity, 1, kMaxId);
}
FieldSpec id_mtcd() {
    return f(ID_MTCD, "ID_MTCD", FK::identity, 1, kMaxId);
}
FieldSpec n_d(bool required) {
    return f(N_D, "N_D", FK::nonce, 16, 32, required);
}

// S1 and D1: the signed message's identities and share, the warrant and K, and (r | r_q, h, s).
// Exactly one of r / r_q is present (the role checks which); N_D only in the hardened S1.
std::vector<FieldSpec> signed_fields(std::uint8_t share_tag, const char* share_name) {
    std::vector<FieldSpec> v = {
        id_mtcs(),
        id_mtcd(),
        f(W_ID_EPC, "m.ID_EPC", FK::identity, 1, kMaxId),
        f(W_ID_X, "m.ID_X", FK::identity, 1, kMaxId),
        f(W_T_valid, "m.T_valid", FK::timestamp, 8, 8),
        f(K, "K", FK::group_element, 1, kMaxElement),
        f(share_tag, share_name, FK::group_element, 1, kMaxElement),
        f(SigAlg, "sig_alg", FK::alg_id, 1, 1),
        f(Group, "group", FK::alg_id, 1, 1),
        f(R, "r", FK::group_element, 1, kMaxElement, false),
        f(Rq, "r_q", FK::scalar, 1, kMaxScalar, false),
        f(H, "h", FK::scalar, 1, kMaxScalar),
        f(S, "s", FK::scalar, 1, kMaxScalar),
    };
    if (share_tag == gA) v.push_back(n_d(false));
    return v;
}

}  // namespace

const Schema& schema() {
    static const Schema s{
        "e2sec",
        kProtocolId,
        {
            MessageSpec{DelegationReq,
                        "DelegationReq",
                        {
                            f(ID_X, "ID_X", FK::identity, 1, kMaxId),
                            f(N_req, "N_req", FK::nonce, 16, 32),
                        }},
            MessageSpec{
                Delegation,
                "Delegation",
                {
                    f(ID_X, "ID_X", FK::identity, 1, kMaxId),
                    f(W_ID_EPC, "m.ID_EPC", FK::identity, 1, kMaxId),
                    f(W_ID_X, "m.ID_X", FK::identity, 1, kMaxId),
                    f(W_T_valid, "m.T_valid", FK::timestamp, 8, 8),
                    f(K, "K", FK::group_element, 1, kMaxElement),
                    f(N_req, "N_req", FK::nonce, 16, 32),
                    // IV (12) || sigma (|q| bytes) || tag (16)
                    f(EncSigma, "EncSigma", FK::ciphertext, 12 + 1 + 16, 12 + kMaxScalar + 16),
                }},
            MessageSpec{Trigger, "Trigger", {id_mtcs(), id_mtcd()}},
            MessageSpec{Challenge, "Challenge", {id_mtcs(), id_mtcd(), n_d(true)}},
            MessageSpec{S1, "S1", signed_fields(gA, "gA")},
            MessageSpec{D1, "D1", signed_fields(gB, "gB")},
            MessageSpec{
                Confirm, "Confirm", {id_mtcs(), id_mtcd(), f(MAC_S, "MAC_S", FK::mac, 32, 32)}},
        },
    };
    return s;
}

}  // namespace mtc::e2sec
