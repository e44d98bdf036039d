// campaign_file_fuzzer: campaign TOML (attacks/campaign.hpp), parsed strictly; every error is
// a message with file, line and column.
#include <string_view>

#include "attacks/campaign.hpp"
#include "targets/fuzz_target.hpp"

namespace mtc::fuzz {
namespace {

int run_campaign(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto c = attacks::parse_campaign(text, "fuzz.toml");
    if (!c && c.error().describe().empty())
        security_issue("Low", "campaign parser: an error without a reason");
    return 0;
}

}  // namespace

FuzzTarget make_campaign_target() {
    return {.name = "campaign_file_fuzzer",
            .kind = TargetKind::campaign,
            .description = "campaign files (TOML) through the strict campaign parser",
            .run = run_campaign};
}

}  // namespace mtc::fuzz
