#include "harness/pcap/reader.hpp"

#include <pcap/pcap.h>

#include "harness/pcap/decoder.hpp"
#include "harness/pcap/layers.hpp"

namespace mtc::pcap {

Result<std::unique_ptr<PcapReader>> PcapReader::open(const std::string& path) {
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t* h =
        pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    if (h == nullptr) {
        // libpcap often starts its reason with the path itself: say it once.
        std::string reason = errbuf;
        if (reason.rfind(path + ": ", 0) == 0) reason.erase(0, path.size() + 2);
        return make_error("cannot read " + path + ": " + reason);
    }
    return std::unique_ptr<PcapReader>(new PcapReader(path, h));
}

PcapReader::PcapReader(std::string path, pcap_t* handle)
    : path_(std::move(path)), handle_(handle) {}

PcapReader::~PcapReader() {
    if (handle_ != nullptr) pcap_close(handle_);
}

int PcapReader::link_type() const {
    return pcap_datalink(handle_);
}

std::string PcapReader::link_type_name() const {
    return mtc::pcap::link_type_name(link_type());
}

namespace {

struct LoopState {
    PacketDecoder* decoder;
    std::int64_t last_ts;
};

// pcap_loop's callback: one call per packet, no pcap_next_ex bookkeeping in between.
void on_packet(u_char* user, const pcap_pkthdr* hdr, const u_char* data) {
    auto* st = reinterpret_cast<LoopState*>(user);
    st->last_ts = static_cast<std::int64_t>(hdr->ts.tv_sec) * 1'000'000 + hdr->ts.tv_usec;
    st->decoder->packet(st->last_ts, BytesView(data, hdr->caplen), hdr->len);
}

}  // namespace

ReaderStats PcapReader::run(PayloadSink& sink) {
    PacketDecoder decoder(link_type(), sink);
    LoopState st{&decoder, 0};
    // -1: until the end of the file (0) or a read error (PCAP_ERROR).
    const int rc = pcap_loop(handle_, -1, on_packet, reinterpret_cast<u_char*>(&st));
    if (rc == PCAP_ERROR) {
        decoder.file_issue(st.last_ts, "reading " + path_ + " stopped after packet " +
                                           std::to_string(decoder.stats().packets) + ": " +
                                           pcap_geterr(handle_));
    }
    decoder.finish();
    return decoder.stats();
}

Result<ReaderStats> read_pcap(const std::string& path, PayloadSink& sink) {
    auto reader = PcapReader::open(path);
    if (!reader) return reader.error();
    return (*reader)->run(sink);
}

}  // namespace mtc::pcap
