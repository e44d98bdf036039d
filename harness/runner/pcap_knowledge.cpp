#include "harness/runner/pcap_knowledge.hpp"

#include "harness/pcap/reader.hpp"

namespace mtc::runner {
namespace {

class Loader final : public pcap::PayloadSink {
public:
    explicit Loader(attacks::Knowledge& k) : k_(k) {}
    void on_payload(const pcap::Payload& p) override {
        if (p.transport != pcap::Transport::udp) return;
        if (k_.observe(Bytes(p.data.begin(), p.data.end()), "", "", false, "pcap", p.ts_us)) {
            ++stats.loaded;
        } else {
            ++stats.skipped;
        }
    }
    void on_issue(const pcap::DecodeIssue& /*issue*/) override {}
    PcapLoadStats stats;

private:
    attacks::Knowledge& k_;
};

}  // namespace

Result<PcapLoadStats> load_pcap(const std::string& path, attacks::Knowledge& knowledge) {
    Loader loader(knowledge);
    if (auto r = pcap::read_pcap(path, loader); !r) return r.error();
    return loader.stats;
}

}  // namespace mtc::runner
