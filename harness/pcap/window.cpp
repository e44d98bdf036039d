#include "harness/pcap/window.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <string>
#include <unistd.h>

#include <pcap/pcap.h>

namespace mtc::pcap {

namespace {

struct PcapCloser {
    void operator()(pcap_t* p) const {
        if (p != nullptr) pcap_close(p);
    }
};

}  // namespace

Status copy_window(const std::string& in, const std::string& out, std::int64_t from_us,
                   std::int64_t to_us) {
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    std::unique_ptr<pcap_t, PcapCloser> src(
        pcap_open_offline_with_tstamp_precision(in.c_str(), PCAP_TSTAMP_PRECISION_MICRO, errbuf));
    if (!src) {
        std::string reason = errbuf;
        if (reason.rfind(in + ": ", 0) == 0) reason.erase(0, in.size() + 2);
        return make_error("cannot read " + in + ": " + reason);
    }

    const std::string tmp = out + ".tmp." + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return make_error("cannot create " + tmp + ": " + std::strerror(errno));
    std::FILE* file = ::fdopen(fd, "wb");
    if (file == nullptr) {
        const std::string why = std::strerror(errno);
        ::close(fd);
        ::unlink(tmp.c_str());
        return make_error("cannot open " + tmp + ": " + why);
    }
    // The dump takes the source's link type, snaplen and (microsecond) precision.
    pcap_dumper_t* dump = pcap_dump_fopen(src.get(), file);
    if (dump == nullptr) {
        const std::string why = pcap_geterr(src.get());
        std::fclose(file);
        ::unlink(tmp.c_str());
        return make_error("cannot write " + tmp + ": " + why);
    }
    auto fail = [&](const std::string& reason) -> Status {
        pcap_dump_close(dump);
        ::unlink(tmp.c_str());
        return make_error(reason);
    };

    pcap_pkthdr* hdr = nullptr;
    const u_char* data = nullptr;
    for (;;) {
        const int rc = pcap_next_ex(src.get(), &hdr, &data);
        if (rc == PCAP_ERROR_BREAK) break;  // end of file
        if (rc != 1) {
            return fail("reading " + in + " failed: " + std::string(pcap_geterr(src.get())));
        }
        const std::int64_t ts =
            static_cast<std::int64_t>(hdr->ts.tv_sec) * 1'000'000 + hdr->ts.tv_usec;
        if (ts < from_us || ts > to_us) continue;
        pcap_dump(reinterpret_cast<u_char*>(dump), hdr, data);
    }

    if (pcap_dump_flush(dump) != 0 || std::ferror(file) != 0 || ::fsync(::fileno(file)) != 0) {
        return fail("cannot write " + tmp + ": " + std::strerror(errno));
    }
    pcap_dump_close(dump);  // closes `file`
    if (::rename(tmp.c_str(), out.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(tmp.c_str());
        return make_error("cannot rename " + tmp + " to " + out + ": " + why);
    }
    return Ok{};
}

}  // namespace mtc::pcap
