#include "protocols/gaka/schema.hpp"

#include "protocols/gaka/kdf.hpp"
#include "protocols/gaka/sqn.hpp"

namespace mtc::gaka {
namespace {

using FK = FieldKind;

FieldSpec f(std::uint8_t tag, const char* name, FK kind, std::size_t lo, std::size_t hi) {
    return FieldSpec{
        tag, name, kind, static_cast<std::uint16_t>(lo), static_cast<std::uint16_t>(hi), true};
}

FieldSpec imsi() {
    return f(IMSI, "IMSI", FK::identity, kMinImsi, kMaxImsi);
}
FieldSpec sn_id() {
    return f(SNid, "SNid", FK::identity, kSnIdLen, kSnIdLen);
}
FieldSpec box() {
    return f(Box, "Box", FK::ciphertext, kBoxOverhead + 1, kBoxOverhead + kMaxBoxPlain);
}
FieldSpec rand() {
    return f(RAND, "RAND", FK::nonce, kRandLen, kRandLen);
}
FieldSpec autn() {
    return f(AUTN, "AUTN", FK::mac, kAutnLen, kAutnLen);
}

// Messages both protocols share: the SN <-> HN vector request and the device's answers.
std::vector<MessageSpec> common() {
    return {
        MessageSpec{AuthDataReq, "AuthDataReq", {sn_id(), box()}},
        MessageSpec{AuthDataResp, "AuthDataResp", {sn_id(), box()}},
        MessageSpec{AuthReq, "AuthReq", {rand(), autn()}},
        MessageSpec{AuthResp, "AuthResp", {f(RES, "RES", FK::mac, 4, 16)}},
        MessageSpec{AuthReject, "AuthReject", {f(Cause, "Cause", FK::opaque, 1, 1)}},
        MessageSpec{SyncFailure, "SyncFailure", {f(AUTS, "AUTS", FK::mac, kAutsLen, kAutsLen)}},
    };
}

}  // namespace

const Schema& eps_aka_schema() {
    static const Schema s = [] {
        Schema sc{"eps-aka", kEpsAkaProtocolId, {MessageSpec{AttachReq, "AttachReq", {imsi()}}}};
        for (auto& m : common()) sc.messages.push_back(std::move(m));
        return sc;
    }();
    return s;
}

const Schema& gaka_schema() {
    static const Schema s = [] {
        Schema sc{"gaka", kGakaProtocolId, common()};
        sc.messages.push_back(MessageSpec{
            GroupAttachReq, "GroupAttachReq", {imsi(), f(GID, "GID", FK::identity, 1, kMaxGid)}});
        sc.messages.push_back(MessageSpec{GroupAuthDataReq, "GroupAuthDataReq", {sn_id(), box()}});
        sc.messages.push_back(
            MessageSpec{GroupAuthDataResp, "GroupAuthDataResp", {sn_id(), box()}});
        sc.messages.push_back(
            MessageSpec{GroupAuthReq,
                        "GroupAuthReq",
                        {rand(), autn(), f(RAND_G, "RAND_G", FK::nonce, kRandLen, kRandLen),
                         f(MAC_G, "MAC_G", FK::mac, kMacGLen, kMacGLen)}});
        return sc;
    }();
    return s;
}

}  // namespace mtc::gaka
