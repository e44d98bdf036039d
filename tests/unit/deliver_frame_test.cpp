// deliver_frame reuses one decoded message per thread: each delivery must still hand the role
// exactly the frame it got, whatever was decoded before it or is delivered from inside it.
#include <functional>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "protocols/core/codec.hpp"
#include "protocols/core/role.hpp"
#include "protocols/prose/schema.hpp"
#include "tests/unit/role_world.hpp"

namespace mtc {
namespace {

using prose::schema;
using ::testing::HasSubstr;

// Keeps a copy of every message it is handed and what `inside` saw, and may call `during`
// while it handles one.
class Recorder final : public Role {
public:
    using Role::Role;
    std::vector<Outbound> on_message(const Inbound& in) override {
        const Message before = in.msg;
        if (during) during();
        got.push_back(in.msg);
        unchanged_across_call.push_back(in.msg == before);
        froms.push_back(in.from);
        peers.push_back(in.authenticated_peer);
        return {};
    }
    std::function<void()> during;
    std::vector<Message> got;
    std::vector<bool> unchanged_across_call;
    std::vector<Address> froms;
    std::vector<std::optional<std::string>> peers;
};

struct World : test::RoleWorldBase {
    std::unique_ptr<Recorder> make(const std::string& instance) {
        Env env;
        env.variant = "as-specified";
        env.clock = &clock;
        env.events = std::make_unique<EventEmitter>("prose", "as-specified", "UE", instance, clock,
                                                    sink, fp);
        return std::make_unique<Recorder>(std::move(env));
    }
};

Message m1(std::uint64_t session, std::size_t nonce_len, bool with_context) {
    Message m;
    m.protocol = prose::kProtocolId;
    m.type = prose::M1;
    m.session = session;
    m.set(prose::MTCdID, to_bytes("mtcd-0"));
    m.set(prose::MTCsID, to_bytes("mtcs-0"));
    m.set(prose::MTCdNonce, Bytes(nonce_len, 0x11));
    m.set(prose::UEID, to_bytes("ue-0"));
    if (with_context) m.set(prose::MTCdInfo_Context, Bytes(200, 0x22));
    m.set(prose::MTCdMIC, Bytes(32, 0x33));
    return m;
}

TEST(DeliverFrame, EachDeliveryHandsOverExactlyItsOwnFrame) {
    World w;
    auto role = w.make("UE#0");
    // Long fields first, then a frame with fewer and shorter ones, then a refused frame, then
    // one of another type: a message reused across deliveries must not keep anything of the
    // frames before.
    const Message big = m1(1, 32, true);
    const Message small = m1(2, 16, false);
    Message m4;
    m4.protocol = prose::kProtocolId;
    m4.type = prose::M4;
    m4.session = 3;
    m4.set(prose::MTCdID, to_bytes("mtcd-0"));
    m4.set(prose::MTCsID, to_bytes("mtcs-0"));
    m4.set(prose::UEID, to_bytes("ue-0"));
    m4.set(prose::MTCsNonce, Bytes(16, 0x44));
    m4.set(prose::MTCsMIC, Bytes(16, 0x55));
    Bytes refused = encode(schema(), small).value();
    refused.pop_back();

    EXPECT_TRUE(
        deliver_frame(*role, schema(), view(encode(schema(), big).value()), "MTCd#0", std::nullopt)
            .empty());
    deliver_frame(*role, schema(), view(encode(schema(), small).value()), "GW#0", "gw-0");
    deliver_frame(*role, schema(), view(refused), "MTCd#0", std::nullopt);
    deliver_frame(*role, schema(), view(encode(schema(), m4).value()), "MTCs#0", "mtcs-0");

    ASSERT_EQ(role->got.size(), 3U);  // the refused frame never reaches the role
    EXPECT_EQ(role->got[0], big);
    EXPECT_EQ(role->got[1], small);
    EXPECT_EQ(role->got[2], m4);
    EXPECT_EQ(role->froms, (std::vector<Address>{"MTCd#0", "GW#0", "MTCs#0"}));
    EXPECT_EQ(role->peers[0], std::nullopt);
    EXPECT_EQ(role->peers[1], "gw-0");
    EXPECT_THAT(w.last_reject("UE#0"), HasSubstr("decode: "));
}

TEST(DeliverFrame, ADeliveryFromInsideAHandlerLeavesTheOuterMessageAlone) {
    World w;
    auto outer = w.make("UE#0");
    auto inner = w.make("UE#1");
    const Message a = m1(10, 32, true);
    const Message b = m1(11, 16, false);
    const Bytes frame_b = encode(schema(), b).value();
    outer->during = [&] { deliver_frame(*inner, schema(), view(frame_b), "X#0", std::nullopt); };
    deliver_frame(*outer, schema(), view(encode(schema(), a).value()), "MTCd#0", std::nullopt);
    ASSERT_EQ(inner->got.size(), 1U);
    EXPECT_EQ(inner->got[0], b);
    ASSERT_EQ(outer->got.size(), 1U);
    EXPECT_EQ(outer->got[0], a);
    EXPECT_TRUE(outer->unchanged_across_call[0]);
    // And the reused message is still in use after the nested delivery ended.
    outer->during = nullptr;
    deliver_frame(*outer, schema(), view(frame_b), "MTCd#0", std::nullopt);
    EXPECT_EQ(outer->got.back(), b);
}

}  // namespace
}  // namespace mtc
