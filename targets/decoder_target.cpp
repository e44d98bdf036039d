// <protocol>_decoder_fuzzer: the strict frame + TLV decoder against the protocol's schema.
// Invariant (docs/wire-format.md): a frame that decodes re-encodes, through the checked
// encoder, to exactly its own bytes (so they decode to the same message), and the unchecked
// encoder (what attack strategies use) agrees with the checked one on it.
#include <string>

#include "protocols/core/codec.hpp"
#include "targets/fuzz_target.hpp"

namespace mtc::fuzz {
namespace {

int run_decoder(const Schema& schema, const std::uint8_t* data, std::size_t size) {
    // Kept across inputs (the *_into codec calls reuse their storage): allocating a message, two
    // frames and a refusal's reason per input was most of a decoder input's cost under ASan.
    static Message msg;
    static Bytes again, unchecked;
    static Error why;
    const BytesView in(data, size);
    if (!decode_into(schema, in, msg, why)) return 0;  // refused with a reason: the codec's job
    if (Status s = encode_into(schema, msg, again); !s) {
        security_issue("Medium", schema.protocol +
                                     " decoder: a decoded message does not re-encode: " +
                                     s.error().describe());
    }
    // Byte equality is the whole invariant: decoding is a function, so the re-encoded bytes
    // (being the input) decode to the same message.
    if (!std::equal(again.begin(), again.end(), in.begin(), in.end())) {
        security_issue("Medium", schema.protocol +
                                     " decoder: a decoded frame re-encodes to other bytes (two "
                                     "encodings of one message)");
    }
    encode_unchecked_into(msg, unchecked);
    if (unchecked != again) {
        security_issue(
            "Medium",
            schema.protocol + " decoder: the unchecked encoder disagrees with the checked one");
    }
    return 0;
}

}  // namespace

FuzzTarget make_decoder_target(const std::string& protocol, const Schema& schema) {
    FuzzTarget t;
    t.name = decoder_target_name(protocol);
    t.kind = TargetKind::decoder;
    t.description = "the " + protocol + " frame decoder: decode, re-encode to the same bytes";
    const Schema* s = &schema;
    t.run = [s](const std::uint8_t* data, std::size_t size) { return run_decoder(*s, data, size); };
    return t;
}

FuzzTarget make_decoder_target(const ProtocolSpec& spec) {
    FuzzTarget t = make_decoder_target(spec.name, *spec.schema);
    t.spec = &spec;
    return t;
}

}  // namespace mtc::fuzz
