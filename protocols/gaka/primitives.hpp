// What GAKA's and EPS-AKA's roles, spec and tests share: identities, the SN <-> HN box, the
// Box plaintexts, the authentication vector with K_ASME, and GAKA's GAK and MAC_G.
// README.md, "Wire reading", says which paper or standard each encoding follows.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/core/bytes.hpp"
#include "protocols/core/message.hpp"
#include "protocols/core/result.hpp"
#include "protocols/core/rng.hpp"
#include "protocols/gaka/kdf.hpp"
#include "protocols/gaka/milenage.hpp"
#include "protocols/gaka/schema.hpp"
#include "protocols/gaka/sqn.hpp"

namespace mtc::gaka {

inline constexpr std::size_t kGakLen = 32;
// EPS AMF: the "separation bit" (bit 0 of AMF) is 1 for E-UTRAN vectors (TS 33.401 6.1.2).
inline constexpr std::uint8_t kAmfEps[kAmfLen] = {0x80, 0x00};
// GAK = KDF(K_G; FC, "GAK", GID, SNid, RAND_G): the TS 33.220 KDF with an FC of our own (0x70
// is not used by 3GPP for any derivation we know of; the paper names no KDF).
inline constexpr std::uint8_t kFcGak = 0x70;

// ---- Identities ------------------------------------------------------------------------------

// An IMSI is kMinImsi..kMaxImsi ASCII digits; the error says what is wrong.
Status check_imsi(std::string_view imsi);
// "001-01" (MCC-MNC, 2- or 3-digit MNC) -> the 3-octet PLMN identity of TS 24.008 10.5.1.13
// (MCC digit 2 | digit 1, MNC digit 3 (or F) | MCC digit 3, MNC digit 2 | digit 1).
Result<Bytes> plmn_id(std::string_view mcc_mnc);
// The inverse, for events and logs ("001-01").
std::string plmn_name(BytesView sn_id);

// ---- The SN <-> HN box -----------------------------------------------------------------------

// Box = nonce (12, random) || AES-128-GCM(K_SH; plain) || tag (16); AAD = protocol, type,
// session (u64 BE) and the SNid field of `m` (which must be set). Seals and opens bind the box
// to its message, so a box cannot move to another type or attach.
Result<Bytes> seal_box(BytesView k_sh, const Message& m, BytesView plain, Rng& rng);
// An error "box does not open under K_SH" when the tag fails, or names the missing field.
Result<SecretBytes> open_box(BytesView k_sh, const Message& m);

// ---- Authentication vectors --------------------------------------------------------------------

// An EPS authentication vector as the HN hands it to the SN (TS 33.401 6.1.2).
struct EpsAv {
    Bytes rand;         // 16
    Bytes xres;         // 8
    Bytes autn;         // 16
    SecretBytes kasme;  // 32
};

// RAND, the next SQN of `gen`, AUTN with AMF = kAmfEps, and K_ASME for `sn_id`.
Result<EpsAv> make_eps_av(Milenage& milenage, HnSqnGenerator& gen, BytesView sn_id, Rng& rng);
// K_ASME at the device, from the accepted challenge: CK, IK, SNid and AUTN's SQN xor AK.
Result<SecretBytes> device_kasme(const UsimResponse& accepted, BytesView sn_id, BytesView autn);

// ---- Box plaintexts (each a list of u16-length-prefixed items, encode_list) --------------------

struct AuthDataReqBody {
    std::string imsi;
    Bytes rand, auts;  // both empty, or the RAND and AUTS of a re-synchronisation
};
Bytes encode_body(const AuthDataReqBody& b);
Result<AuthDataReqBody> decode_auth_data_req(BytesView plain);

struct AuthDataRespBody {
    std::string imsi;
    EpsAv av;
};
SecretBytes encode_body(const AuthDataRespBody& b);
Result<AuthDataRespBody> decode_auth_data_resp(BytesView plain);

struct GroupAuthDataReqBody {
    std::string imsi_l;
    std::string gid;
};
Bytes encode_body(const GroupAuthDataReqBody& b);
Result<GroupAuthDataReqBody> decode_group_auth_data_req(BytesView plain);

struct MemberAv {
    std::string imsi;
    EpsAv av;
};
// One part of the HN's answer to a group request. Every part repeats GID, IMSI_L, RAND_G, GAK
// and AV_L (so any part alone is well formed) and carries a slice of the member vectors.
struct GroupAuthDataRespBody {
    std::string gid;
    std::string imsi_l;
    std::uint16_t part = 0;   // 0 .. parts-1
    std::uint16_t parts = 1;  // >= 1
    Bytes rand_g;             // 16
    SecretBytes gak;          // 32
    EpsAv av_l;
    std::vector<MemberAv> members;
};
SecretBytes encode_body(const GroupAuthDataRespBody& b);
Result<GroupAuthDataRespBody> decode_group_auth_data_resp(BytesView plain);
// Splits the whole answer into parts whose encodings fit kMaxBoxPlain (`whole.part` and
// `whole.parts` are ignored and set in the result).
std::vector<GroupAuthDataRespBody> split_group_resp(const GroupAuthDataRespBody& whole);

// ---- GAKA --------------------------------------------------------------------------------------

// GAK = KDF(K_G; "GAK", GID, SNid, RAND_G) (PROTOCOLS.md section 2).
Result<SecretBytes> derive_gak(BytesView k_g, BytesView gid, BytesView sn_id, BytesView rand_g);
// MAC_G = HMAC-SHA-256(GAK; RAND_i || SNid).
Bytes mac_g(BytesView gak, BytesView rand_i, BytesView sn_id);

}  // namespace mtc::gaka
