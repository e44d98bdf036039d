// EPS-AKA and GAKA roles (PROTOCOLS.md section 2; README.md). Factories for the two specs.
//
// Provisioning contract (spec.cpp creates it; the roles read nothing else):
//   HN      identity "hn-0". secrets "K:<IMSI>", "OPc:<IMSI>" per subscriber,
//           "K_SH:<SNid name>" per SN (e.g. "K_SH:001-01"), and in GAKA "K_G:<GID>" per group;
//           attrs (GAKA) "group:<GID>" = the group's IMSIs, comma-separated.
//   SN      identity = its SNid name ("001-01"). secrets "K_SH"; attrs "SNid" (the name);
//           peers "HN".
//   device  identity = its IMSI. secrets "K", "OPc", and in GAKA "K_G"; attrs "SNid" (the
//           name of the SN it attaches to: the PLMN it would read from broadcast), in GAKA
//           "GID"; peers "SN".
// Names become bytes with plmn_id() (SNid) and as ASCII (IMSI, GID).
//
// Events (the claim checker's vocabulary, docs/attacks.md):
//   device  begin(session, SN identity, {RAND}) as it answers an accepted challenge with
//           AuthResp, then commit(session, SN identity, {RAND}, K_ASME). GAKA devices add
//           RAND_G to both when the challenge was a GroupAuthReq.
//   SN      begin(session, IMSI, {RAND}) as it sends AuthReq / GroupAuthReq;
//           commit(session, IMSI, {RAND}, K_ASME) when RES == XRES.
//   HN      no begin or commit (it relays no key to anyone but the SN); rejects as any role.
// Every rejection is a reject event with the reason; nothing secret appears in params.
#pragma once

#include <memory>

#include "protocols/core/role.hpp"

namespace mtc::gaka {

// Home network (HSS/AuC): EPS vectors for AuthDataReq (resynchronising on AUTS), and in GAKA
// the group's vectors, GAK and RAND_G for GroupAuthDataReq.
std::unique_ptr<Role> make_hn(Env env);
// Serving network (MME): relays the attach to the HN, challenges the device, checks RES. In
// GAKA it keeps the group's vectors and GAK and challenges members with no HN traffic.
std::unique_ptr<Role> make_sn(Env env);
// EPS-AKA device (USIM with MILENAGE): AttachReq, answers AuthReq.
std::unique_ptr<Role> make_eps_device(Env env);
// GAKA device: GroupAttachReq; answers AuthReq (when the SN serves it as the group's leader)
// and GroupAuthReq (as a member: MAC_G under GAK from K_G, then AUTN).
std::unique_ptr<Role> make_gaka_device(Env env);

}  // namespace mtc::gaka
