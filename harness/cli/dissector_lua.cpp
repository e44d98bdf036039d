#include "harness/cli/dissector_lua.hpp"

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>
#include <string_view>

namespace mtc::cli {
namespace {

// A Lua string literal for any bytes: printable ASCII as is, everything else as a three-digit
// decimal escape (three digits, so a following digit can never extend the escape).
std::string lua_quote(std::string_view s) {
    std::string out = "\"";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c >= 0x20 && c < 0x7f) {
            out += ch;
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\%03u", static_cast<unsigned>(c));
            out += buf;
        }
    }
    out += '"';
    return out;
}

// Text safe inside a Lua line comment.
std::string comment_safe(std::string_view s) {
    std::string out;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        out += (c < 0x20 || c == 0x7f) ? ' ' : ch;
    }
    return out;
}

// One part of a display-filter name: Wireshark accepts letters, digits, '-' and '_'.
std::string abbrev_part(std::string_view s) {
    std::string out;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_';
        out += ok ? ch : '_';
    }
    return out;
}

// The fields of the frame header and the generic TLV parts, defined in the static Lua below;
// generated names must not collide with them.
const char* const kStaticAbbrevs[] = {
    "mtcfuzz.tcp_length", "mtcfuzz.magic",   "mtcfuzz.version",    "mtcfuzz.protocol",
    "mtcfuzz.type",       "mtcfuzz.flags",   "mtcfuzz.session",    "mtcfuzz.body_length",
    "mtcfuzz.message",    "mtcfuzz.tlv.tag", "mtcfuzz.tlv.length", "mtcfuzz.tlv.value",
    "mtcfuzz.trailing",
};

std::string unique(std::set<std::string>& used, std::string want, const std::string& suffix) {
    if (used.insert(want).second) return want;
    std::string with = want + suffix;
    for (int i = 2; !used.insert(with).second; ++i) with = want + suffix + "_" + std::to_string(i);
    return with;
}

// One named TLV field of the dissector: one per (protocol, tag), or one per (protocol, tag,
// name) in the unusual schema that gives one tag different names in different messages.
struct DissectorField {
    const ProtocolSpec* protocol = nullptr;
    std::uint8_t tag = 0;
    std::string name;                   // the schema's name (e.g. "MTCdInfo.MICAlg")
    std::string display;                // display name: the schema's, or "tagN" if empty
    std::string abbrev;                 // filter name (e.g. "mtcfuzz.prose.MTCdInfo_MICAlg")
    bool identity = false;              // text when printable, else 0x-hex
    std::vector<std::string> messages;  // message names that carry it, in schema order
};

struct ProtocolNames {
    std::string part;         // abbreviation part, e.g. "prose"
    std::string type_abbrev;  // e.g. "mtcfuzz.prose.type"
};

struct Layout {
    std::vector<ProtocolNames> protocols;  // parallel to the input
    std::vector<DissectorField> fields;
};

bool field_is_identity(const ProtocolSpec& p, std::uint8_t tag, const std::string& name) {
    bool identity = true;
    for (const auto& m : p.schema->messages) {
        for (const auto& f : m.fields) {
            if (f.tag == tag && f.name == name && f.kind != FieldKind::identity) identity = false;
        }
    }
    return identity;
}

Layout layout(const std::vector<const ProtocolSpec*>& protocols) {
    Layout out;
    std::set<std::string> used(std::begin(kStaticAbbrevs), std::end(kStaticAbbrevs));
    for (const ProtocolSpec* p : protocols) {
        std::string part = abbrev_part(p->schema->protocol);
        if (part.empty()) part = "protocol" + std::to_string(p->schema->protocol_id);
        // A protocol's names all start with its part; two protocols must not share one.
        part = unique(used, "mtcfuzz." + part, "_" + std::to_string(p->schema->protocol_id))
                   .substr(std::string_view("mtcfuzz.").size());
        ProtocolNames names{part, unique(used, "mtcfuzz." + part + ".type", "_")};
        out.protocols.push_back(names);

        std::vector<DissectorField> mine;
        for (const auto& m : p->schema->messages) {
            for (const auto& f : m.fields) {
                auto it = std::find_if(mine.begin(), mine.end(), [&](const DissectorField& d) {
                    return d.tag == f.tag && d.name == f.name;
                });
                if (it == mine.end()) {
                    mine.push_back(DissectorField{
                        p, f.tag, f.name, "", "", field_is_identity(*p, f.tag, f.name), {}});
                    it = mine.end() - 1;
                }
                it->messages.push_back(m.name);
            }
        }
        std::stable_sort(mine.begin(), mine.end(), [](const auto& a, const auto& b) {
            return a.tag != b.tag ? a.tag < b.tag : a.name < b.name;
        });
        for (auto& d : mine) {
            // Wireshark refuses an empty display name.
            d.display = d.name.empty() ? "tag" + std::to_string(d.tag) : d.name;
            std::string leaf = abbrev_part(d.display);
            d.abbrev = unique(used, "mtcfuzz." + part + "." + leaf, "_tag" + std::to_string(d.tag));
            out.fields.push_back(std::move(d));
        }
    }
    return out;
}

std::size_t field_index(const Layout& l, const ProtocolSpec* p, std::uint8_t tag,
                        const std::string& name) {
    for (std::size_t i = 0; i < l.fields.size(); ++i) {
        if (l.fields[i].protocol == p && l.fields[i].tag == tag && l.fields[i].name == name)
            return i + 1;  // Lua arrays count from 1
    }
    return 0;  // unreachable: layout() saw every field (and at(0 - 1) would throw)
}

constexpr std::string_view kPreamble =
    R"LUA(-- mtcfuzz Wireshark dissector, generated by `mtcfuzz dissector` from the protocol schemas.
-- Do not edit: regenerate it. Install and use: docs/dissector.md; in short
--   tshark -X lua_script:mtcfuzz.lua -r capture.pcap -V
-- or copy it to ~/.local/lib/wireshark/plugins/ for Wireshark and tshark.
--
-- Frames: 16-byte header (magic 0x4d46 "MF", version, protocol id, message type, flags,
-- session id, body length), then TLVs (tag u8, length u16, value), big-endian. On TCP each
-- frame is preceded by its length as a u32. Found by heuristics on any UDP or TCP port.
--
-- Protocols:
)LUA";

// Everything that does not depend on the schemas: header fields, expert infos, the frame and
// TLV walk (mirroring the checks of decode(), in docs/wire-format.md) and the registrations.
constexpr std::string_view kRuntime = R"LUA(
----------------------------------------------------------------------------------------------
-- Everything below is the same for every registry.

local MAGIC = 0x4D46
local VERSION = 1
local HEADER = 16
local TLV_HEADER = 3
local PREFIX = 4
local MAX_FRAME = HEADER + 65535

local hf = {
    tcp_length = ProtoField.uint32("mtcfuzz.tcp_length", "Frame length prefix", base.DEC, nil, nil,
        "TCP framing: u32 big-endian length of the frame that follows"),
    magic = ProtoField.uint16("mtcfuzz.magic", "Magic", base.HEX, nil, nil, "0x4d46, ASCII \"MF\""),
    version = ProtoField.uint8("mtcfuzz.version", "Version", base.DEC),
    protocol = ProtoField.uint8("mtcfuzz.protocol", "Protocol", base.DEC, PROTOCOL_NAMES),
    type = ProtoField.uint8("mtcfuzz.type", "Message type", base.DEC, nil, nil,
        "message type of any protocol (mtcfuzz.<protocol>.type names it)"),
    flags = ProtoField.uint8("mtcfuzz.flags", "Flags", base.HEX, nil, nil, "reserved, must be 0"),
    session = ProtoField.uint64("mtcfuzz.session", "Session id", base.HEX),
    body_length = ProtoField.uint16("mtcfuzz.body_length", "Body length", base.DEC, nil, nil,
        "bytes of TLV fields after the 16-byte header"),
    message = ProtoField.string("mtcfuzz.message", "Message", base.NONE,
        "protocol and message name, e.g. \"prose M1\""),
    tag = ProtoField.uint8("mtcfuzz.tlv.tag", "Tag", base.DEC),
    length = ProtoField.uint16("mtcfuzz.tlv.length", "Length", base.DEC),
    value = ProtoField.bytes("mtcfuzz.tlv.value", "Value", base.NONE,
        "value of a TLV this message type does not declare"),
    trailing = ProtoField.bytes("mtcfuzz.trailing", "Trailing bytes", base.NONE,
        "bytes after the end of the body"),
}

local all_fields = {
    hf.tcp_length, hf.magic, hf.version, hf.protocol, hf.type, hf.flags, hf.session,
    hf.body_length, hf.message, hf.tag, hf.length, hf.value, hf.trailing,
}
for _, id in ipairs(PROTOCOL_IDS) do all_fields[#all_fields + 1] = PROTOCOLS[id].type_field end
for i = 1, #F do all_fields[#all_fields + 1] = F[i] end
mtcfuzz.fields = all_fields

local ef = {
    malformed = ProtoExpert.new("mtcfuzz.malformed", "Malformed mtcfuzz frame",
        expert.group.MALFORMED, expert.severity.ERROR),
    unknown_tag = ProtoExpert.new("mtcfuzz.unknown_tag", "Tag not declared for this message type",
        expert.group.PROTOCOL, expert.severity.ERROR),
    violation = ProtoExpert.new("mtcfuzz.violation", "Frame breaks an mtcfuzz wire-format rule",
        expert.group.PROTOCOL, expert.severity.ERROR),
    internal = ProtoExpert.new("mtcfuzz.internal", "mtcfuzz dissector internal error",
        expert.group.UNDECODED, expert.severity.ERROR),
}
mtcfuzz.experts = { ef.malformed, ef.unknown_tag, ef.violation, ef.internal }

mtcfuzz.prefs.udp_ports = Pref.range("UDP ports", "",
    "UDP ports always decoded as mtcfuzz (the heuristic finds frames on any port)", 65535)
mtcfuzz.prefs.tcp_ports = Pref.range("TCP ports", "",
    "TCP ports always decoded as mtcfuzz (the heuristic finds frames on any port)", 65535)

-- Records a rule the frame breaks: expert info on `item`, and the first one goes to Info.
local function report(ctx, item, expert_field, text)
    item:add_proto_expert_info(expert_field, text)
    if not ctx.error then ctx.error = text end
end

local function printable(range)
    local s = range:raw()
    return s:find("[^\32-\126]") == nil and s:find("[\"\\]") == nil
end

local function hex_preview(range)
    local n = range:len()
    if n == 0 then return "\"\"" end
    if n > 32 then return range(0, 32):bytes():tohex(true) .. "..." end
    return range:bytes():tohex(true)
end

local MAX_TIME = UInt64(253402300799) -- 9999-12-31 23:59:59 UTC

local function utc_text(range)
    local ok, text = pcall(function()
        local v = range:uint64()
        if v > MAX_TIME then return nil end
        return os.date("!%Y-%m-%d %H:%M:%S UTC", v:tonumber())
    end)
    if ok then return text end
    return nil
end

local function add_value(parent, spec, range)
    if range:len() == 0 then
        -- Present but empty, which is not the same as absent: say so.
        local item
        if spec.identity then item = parent:add(spec.f, range, "") else item = parent:add(spec.f, range) end
        item:set_text(spec.name .. ": \"\"")
        return item
    end
    if spec.identity then
        if printable(range) then return parent:add(spec.f, range) end
        return parent:add(spec.f, range, "0x" .. range:bytes():tohex(true))
    end
    local item = parent:add(spec.f, range)
    if spec.kind == "timestamp" and range:len() == 8 then
        local text = utc_text(range)
        if text then item:append_text(" (" .. text .. ")") end
    elseif spec.kind == "opaque" and range:len() <= 64 and printable(range) then
        item:append_text(" (\"" .. range:raw() .. "\")")
    end
    return item
end

-- The TLVs of the body [pos, body_end), checked as decode() checks them.
local function dissect_tlvs(tvb, root, pos, body_end, msg, mname, ctx)
    local prev = -1
    local seen = {}
    while pos < body_end do
        local left = body_end - pos
        if left < TLV_HEADER then
            local item = root:add(hf.value, tvb(pos, left))
            item:set_text(string.format("Truncated TLV header: %s", hex_preview(tvb(pos, left))))
            report(ctx, item, ef.malformed, string.format(
                "%s: truncated TLV header (%d bytes left in body, need 3)", mname, left))
            return
        end
        local tag = tvb(pos, 1):uint()
        local vlen = tvb(pos + 1, 2):uint()
        local room = left - TLV_HEADER
        local shown = math.min(vlen, room)
        local range = tvb(pos + TLV_HEADER, shown)
        local spec = msg and msg.fields[tag]
        local item
        if spec then
            item = add_value(root, spec, range)
        else
            item = root:add(hf.value, range)
            item:set_text(string.format("tag%d: %s", tag, hex_preview(range)))
        end
        item:add(hf.tag, tvb(pos, 1))
        item:add(hf.length, tvb(pos + 1, 2))
        if tag == prev then
            report(ctx, item, ef.violation, string.format("%s: duplicate tag %d", mname, tag))
        elseif tag < prev then
            report(ctx, item, ef.violation,
                string.format("%s: tags out of order (tag %d after tag %d)", mname, tag, prev))
        end
        if msg and not spec then
            report(ctx, item, ef.unknown_tag, string.format("%s: unknown tag %d", mname, tag))
        end
        local name = spec and spec.name or ("tag" .. tag)
        if vlen > room then
            report(ctx, item, ef.malformed, string.format(
                "%s: field %s length %d runs past the end of the body (%d bytes left)",
                mname, name, vlen, room))
            return
        end
        if spec and (vlen < spec.min or vlen > spec.max) then
            report(ctx, item, ef.violation, string.format("%s: field %s length %d outside [%d, %d]",
                mname, name, vlen, spec.min, spec.max))
        end
        seen[tag] = true
        prev = tag
        pos = pos + TLV_HEADER + vlen
    end
    if msg then
        for _, t in ipairs(msg.order) do
            local spec = msg.fields[t]
            if spec.required and not seen[t] then
                report(ctx, root, ef.violation, string.format("%s: required field %s (tag %d) missing",
                    mname, spec.name, t))
            end
        end
    end
end

-- One frame of `avail` bytes at `off`.
local function dissect_frame(tvb, root, off, avail, ctx)
    if avail < HEADER then
        ctx.summary = string.format("short frame (%d bytes)", avail)
        report(ctx, root, ef.malformed, string.format(
            "frame of %d bytes is shorter than the 16-byte header", avail))
        return
    end
    local magic = tvb(off, 2):uint()
    local item = root:add(hf.magic, tvb(off, 2))
    if magic ~= MAGIC then
        report(ctx, item, ef.violation, string.format("bad magic 0x%04x (expected 0x4d46)", magic))
    end
    local version = tvb(off + 2, 1):uint()
    item = root:add(hf.version, tvb(off + 2, 1))
    if version ~= VERSION then
        report(ctx, item, ef.violation,
            string.format("unsupported version %d (expected %d)", version, VERSION))
    end
    local pid = tvb(off + 3, 1):uint()
    item = root:add(hf.protocol, tvb(off + 3, 1))
    local proto = PROTOCOLS[pid]
    if not proto then
        report(ctx, item, ef.violation, string.format("unknown protocol id %d", pid))
    end
    local mtype = tvb(off + 4, 1):uint()
    local msg = proto and proto.messages[mtype]
    if proto then
        item = root:add(proto.type_field, tvb(off + 4, 1))
        root:add(hf.type, tvb(off + 4, 1)):set_hidden(true)
        if not msg then
            report(ctx, item, ef.violation,
                string.format("unknown message type %d for protocol %s", mtype, proto.name))
        end
    else
        root:add(hf.type, tvb(off + 4, 1))
    end
    local flags = tvb(off + 5, 1):uint()
    item = root:add(hf.flags, tvb(off + 5, 1))
    if flags ~= 0 then
        report(ctx, item, ef.violation,
            string.format("nonzero flags 0x%02x (reserved, must be 0)", flags))
    end
    local session = tvb(off + 6, 8):uint64():tohex(16)
    root:add(hf.session, tvb(off + 6, 8))
    local blen = tvb(off + 14, 2):uint()
    local blen_item = root:add(hf.body_length, tvb(off + 14, 2))

    local pname = proto and proto.name or ("protocol" .. pid)
    local mname = msg and msg.name or ("type" .. mtype)
    ctx.summary = pname .. " " .. mname .. " session=" .. session
    root:append_text(", " .. ctx.summary)
    root:add(hf.message, tvb(off + 3, 2), pname .. " " .. mname):set_generated()

    local body_end = off + HEADER + blen
    local frame_end = off + avail
    if body_end > frame_end then
        report(ctx, blen_item, ef.malformed, string.format(
            "truncated frame: body length %d but only %d bytes follow the header", blen,
            avail - HEADER))
        body_end = frame_end
    end
    dissect_tlvs(tvb, root, off + HEADER, body_end, msg, mname, ctx)
    if body_end < frame_end then
        item = root:add(hf.trailing, tvb(body_end, frame_end - body_end))
        report(ctx, item, ef.malformed, string.format(
            "trailing bytes after frame: %d bytes after a body of %d", frame_end - body_end, blen))
    end
end

-- One frame (with its length prefix when `prefix` > 0) as one subtree; never raises a Lua
-- error, whatever the bytes.
local function dissect_one(tvb, tree, start, prefix, avail, declared, summaries)
    local root = tree:add(mtcfuzz, tvb(start, prefix + avail))
    local ctx = {}
    if prefix > 0 then
        local item = root:add(hf.tcp_length, tvb(start, prefix))
        if avail < declared then
            report(ctx, item, ef.malformed, string.format(
                "length prefix says %d bytes but the stream ends after %d", declared, avail))
        end
    end
    local ok, err = pcall(dissect_frame, tvb, root, start + prefix, avail, ctx)
    if not ok then
        report(ctx, root, ef.internal, "mtcfuzz dissector internal error: " .. tostring(err))
    end
    local summary = ctx.summary or "frame"
    if ctx.error then summary = summary .. " [" .. ctx.error .. "]" end
    summaries[#summaries + 1] = summary
end

local function set_columns(pinfo, summaries)
    if #summaries == 0 then return end
    local text = table.concat(summaries, "; ")
    -- Several calls for one packet (TCP: a reassembled frame, then the frames after it).
    if tostring(pinfo.cols.protocol) == "MTCFUZZ" then
        pinfo.cols.info:append("; " .. text)
    else
        pinfo.cols.protocol:set("MTCFUZZ")
        pinfo.cols.info:set(text)
    end
end

-- UDP: one frame per datagram.
local function dissect_datagram(tvb, pinfo, tree)
    local summaries = {}
    dissect_one(tvb, tree, 0, 0, tvb:len(), tvb:len(), summaries)
    set_columns(pinfo, summaries)
    return tvb:len()
end

-- TCP: every frame is a u32 big-endian length, then that many bytes of frame. Several frames
-- may share a segment and one frame may span segments: ask TCP for the missing bytes.
local function dissect_stream(tvb, pinfo, tree)
    local total = tvb:len()
    local pos = 0
    local summaries = {}
    while pos < total do
        local left = total - pos
        if left < PREFIX + 2 and pinfo.can_desegment > 0 then
            pinfo.desegment_offset = pos
            pinfo.desegment_len = DESEGMENT_ONE_MORE_SEGMENT
            break
        end
        if left < PREFIX then
            local root = tree:add(mtcfuzz, tvb(pos, left))
            report({}, root, ef.malformed,
                string.format("truncated length prefix (%d of 4 bytes)", left))
            summaries[#summaries + 1] = "truncated length prefix"
            break
        end
        local flen = tvb(pos, PREFIX):uint()
        local framed = flen <= MAX_FRAME and (left < PREFIX + 2 or tvb(pos + PREFIX, 2):uint() == MAGIC)
        if not framed then
            if pos == 0 then return 0 end
            local root = tree:add(mtcfuzz, tvb(pos, left))
            report({}, root, ef.malformed, string.format(
                "%d bytes that do not start a length-prefixed mtcfuzz frame", left))
            summaries[#summaries + 1] = "lost framing"
            break
        end
        if left < PREFIX + flen and pinfo.can_desegment > 0 then
            pinfo.desegment_offset = pos
            pinfo.desegment_len = PREFIX + flen - left
            break
        end
        local avail = math.min(flen, left - PREFIX)
        dissect_one(tvb, tree, pos, PREFIX, avail, flen, summaries)
        pos = pos + PREFIX + avail
    end
    set_columns(pinfo, summaries)
    return total
end

local PT_TCP = 2 -- pinfo.port_type of a TCP packet (enum port_type)

function mtcfuzz.dissector(tvb, pinfo, tree)
    if pinfo.port_type == PT_TCP then return dissect_stream(tvb, pinfo, tree) end
    return dissect_datagram(tvb, pinfo, tree)
end

local function heuristic_udp(tvb, pinfo, tree)
    if tvb:len() < 2 or tvb(0, 2):uint() ~= MAGIC then return false end
    dissect_datagram(tvb, pinfo, tree)
    return true
end

local function heuristic_tcp(tvb, pinfo, tree)
    if tvb:len() < PREFIX + 2 then return false end
    local flen = tvb(0, PREFIX):uint()
    if flen < 2 or flen > MAX_FRAME or tvb(PREFIX, 2):uint() ~= MAGIC then return false end
    -- The rest of this connection comes straight to us, so a segment that starts with the
    -- tail of a frame, or with too few bytes to check, is still reassembled.
    pinfo.conversation = mtcfuzz
    dissect_stream(tvb, pinfo, tree)
    return true
end

mtcfuzz:register_heuristic("udp", heuristic_udp)
mtcfuzz:register_heuristic("tcp", heuristic_tcp)

local udp_table = DissectorTable.get("udp.port")
local tcp_table = DissectorTable.get("tcp.port")
udp_table:add_for_decode_as(mtcfuzz)
tcp_table:add_for_decode_as(mtcfuzz)

local udp_ports, tcp_ports = "", ""
function mtcfuzz.prefs_changed()
    local want_udp = tostring(mtcfuzz.prefs.udp_ports)
    local want_tcp = tostring(mtcfuzz.prefs.tcp_ports)
    if want_udp ~= udp_ports then
        if udp_ports ~= "" then udp_table:remove(udp_ports, mtcfuzz) end
        if want_udp ~= "" then udp_table:add(want_udp, mtcfuzz) end
        udp_ports = want_udp
    end
    if want_tcp ~= tcp_ports then
        if tcp_ports ~= "" then tcp_table:remove(tcp_ports, mtcfuzz) end
        if want_tcp ~= "" then tcp_table:add(want_tcp, mtcfuzz) end
        tcp_ports = want_tcp
    end
end
)LUA";

}  // namespace

std::string make_dissector_lua(const std::vector<const ProtocolSpec*>& protocols) {
    const Layout l = layout(protocols);
    std::ostringstream o;
    o << kPreamble;
    for (const ProtocolSpec* p : protocols) {
        o << "--   " << comment_safe(p->schema->protocol) << " (id "
          << static_cast<unsigned>(p->schema->protocol_id) << "):";
        for (const auto& m : p->schema->messages) o << " " << comment_safe(m.name);
        o << "\n";
    }
    o << "\nlocal mtcfuzz = Proto(\"mtcfuzz\", \"mtcfuzz M2M/IoT authentication frame\")\n\n";

    o << "local PROTOCOL_NAMES = {\n";
    for (const ProtocolSpec* p : protocols) {
        o << "    [" << static_cast<unsigned>(p->schema->protocol_id)
          << "] = " << lua_quote(p->schema->protocol) << ",\n";
    }
    o << "}\n\n";

    o << "-- One field per (protocol, tag): identities are text when printable, the rest hex.\n"
         "local F = {}\n";
    for (std::size_t i = 0; i < l.fields.size(); ++i) {
        const DissectorField& d = l.fields[i];
        std::vector<std::string_view> kinds;
        for (const auto& m : d.protocol->schema->messages) {
            for (const auto& f : m.fields) {
                if (f.tag != d.tag || f.name != d.name) continue;
                if (std::find(kinds.begin(), kinds.end(), to_string(f.kind)) == kinds.end())
                    kinds.push_back(to_string(f.kind));
            }
        }
        std::string kind_text;
        for (const auto k : kinds) kind_text += (kind_text.empty() ? "" : "/") + std::string(k);
        std::string blurb = d.protocol->schema->protocol + " tag " + std::to_string(d.tag) + ", " +
                            kind_text + ", in";
        for (const auto& m : d.messages) blurb += " " + m;
        o << "F[" << i + 1 << "] = ProtoField." << (d.identity ? "string" : "bytes") << "("
          << lua_quote(d.abbrev) << ", " << lua_quote(d.display) << ", "
          << "base.NONE, " << lua_quote(blurb) << ")\n";
    }
    o << "\n";

    o << "-- Per protocol: the message types and, per type, the fields the schema declares.\n"
         "local PROTOCOLS = {}\n"
         "local PROTOCOL_IDS = {";
    for (std::size_t i = 0; i < protocols.size(); ++i) {
        o << (i == 0 ? "" : ", ") << static_cast<unsigned>(protocols[i]->schema->protocol_id);
    }
    o << "}\n";
    for (std::size_t pi = 0; pi < protocols.size(); ++pi) {
        const ProtocolSpec* p = protocols[pi];
        const Schema& s = *p->schema;
        o << "PROTOCOLS[" << static_cast<unsigned>(s.protocol_id) << "] = {\n"
          << "    name = " << lua_quote(s.protocol) << ",\n"
          << "    type_field = ProtoField.uint8(" << lua_quote(l.protocols[pi].type_abbrev)
          << ", \"Message type\", base.DEC, {";
        for (std::size_t mi = 0; mi < s.messages.size(); ++mi) {
            o << (mi == 0 ? "" : ", ") << "[" << static_cast<unsigned>(s.messages[mi].type)
              << "] = " << lua_quote(s.messages[mi].name);
        }
        o << "}),\n    messages = {\n";
        for (const auto& m : s.messages) {
            o << "        [" << static_cast<unsigned>(m.type) << "] = {\n"
              << "            name = " << lua_quote(m.name) << ",\n"
              << "            order = {";
            for (std::size_t fi = 0; fi < m.fields.size(); ++fi) {
                o << (fi == 0 ? "" : ", ") << static_cast<unsigned>(m.fields[fi].tag);
            }
            o << "},\n            fields = {\n";
            for (const auto& f : m.fields) {
                const std::size_t idx = field_index(l, p, f.tag, f.name);
                o << "                [" << static_cast<unsigned>(f.tag) << "] = { f = F[" << idx
                  << "], name = " << lua_quote(l.fields.at(idx - 1).display)
                  << ", kind = " << lua_quote(to_string(f.kind))
                  << ", identity = " << (l.fields.at(idx - 1).identity ? "true" : "false")
                  << ", min = " << f.min_len << ", max = " << f.max_len
                  << ", required = " << (f.required ? "true" : "false") << " },\n";
            }
            o << "            },\n        },\n";
        }
        o << "    },\n}\n";
    }
    o << kRuntime;
    return o.str();
}

}  // namespace mtc::cli
