#include "harness/pcap/live_capture.hpp"

#include <chrono>
#include <climits>
#include <filesystem>
#include <poll.h>
#include <unistd.h>

#include <pcap/pcap.h>

namespace mtc::pcap {

namespace {

constexpr int kPollTimeoutMs = 100;  // longest wait for traffic before re-checking limits

}  // namespace

Result<std::unique_ptr<LiveCapture>> LiveCapture::open(const std::string& iface, OpenFailure* why) {
    const auto fail = [&](OpenFailure kind, std::string reason) {
        if (why != nullptr) *why = kind;
        return make_error(std::move(reason));
    };
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t* h = pcap_create(iface.c_str(), errbuf);
    if (h == nullptr) return fail(OpenFailure::other, "cannot capture on " + iface + ": " + errbuf);
    std::unique_ptr<LiveCapture> cap(new LiveCapture(iface, h));
    pcap_set_snaplen(h, kSnaplen);
    pcap_set_immediate_mode(h, 1);
    pcap_set_timeout(h, kPollTimeoutMs);
    const int rc = pcap_activate(h);
    if (rc >= 0) {
        if (why != nullptr) *why = OpenFailure::none;
        return cap;  // rc > 0 is a warning (e.g. promiscuous mode unsupported): capture works
    }
    const std::string detail = pcap_geterr(h);
    switch (rc) {
        case PCAP_ERROR_NO_SUCH_DEVICE:
            return fail(OpenFailure::no_such_device,
                        "no such interface '" + iface + "' (" + detail + "); 'ip link' lists them");
        case PCAP_ERROR_PERM_DENIED:
        case PCAP_ERROR_PROMISC_PERM_DENIED:
            return fail(OpenFailure::permission,
                        "permission denied capturing on " + iface + " (" + detail +
                            "): live capture needs root or CAP_NET_RAW, e.g. "
                            "'sudo setcap cap_net_raw+eip $(command -v mtcfuzz)'");
        case PCAP_ERROR_IFACE_NOT_UP:
            return fail(OpenFailure::other, "interface " + iface + " is not up (" + detail + ")");
        default:
            return fail(OpenFailure::other, "cannot capture on " + iface + ": " +
                                                pcap_statustostr(rc) + " (" + detail + ")");
    }
}

LiveCapture::LiveCapture(std::string iface, pcap_t* handle)
    : iface_(std::move(iface)), handle_(handle) {}

LiveCapture::~LiveCapture() {
    if (dumper_ != nullptr) pcap_dump_close(dumper_);
    if (!tmp_.empty() && !committed_) {
        std::error_code ec;
        std::filesystem::remove(tmp_, ec);
    }
    if (handle_ != nullptr) pcap_close(handle_);
}

int LiveCapture::link_type() const {
    return pcap_datalink(handle_);
}

Status LiveCapture::set_filter(const std::string& bpf) {
    bpf_program prog{};
    if (pcap_compile(handle_, &prog, bpf.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
        return make_error("bad filter '" + bpf + "': " + pcap_geterr(handle_));
    }
    const int rc = pcap_setfilter(handle_, &prog);
    pcap_freecode(&prog);
    if (rc != 0) return make_error("cannot set filter '" + bpf + "': " + pcap_geterr(handle_));
    return Ok{};
}

Status LiveCapture::start_output(const std::string& path) {
    path_ = path;
    tmp_ = path + ".tmp." + std::to_string(::getpid());
    dumper_ = pcap_dump_open(handle_, tmp_.c_str());
    if (dumper_ == nullptr) {
        const std::string why = pcap_geterr(handle_);
        tmp_.clear();
        return make_error("cannot create " + path + ".tmp: " + why);
    }
    return Ok{};
}

void LiveCapture::on_packet(unsigned char* user, const pcap_pkthdr* hdr,
                            const unsigned char* bytes) {
    auto* self = reinterpret_cast<LiveCapture*>(user);
    pcap_dump(reinterpret_cast<unsigned char*>(self->dumper_), hdr, bytes);
    ++self->captured_;
}

Result<CaptureSummary> LiveCapture::run(std::uint64_t count, double duration_s) {
    if (dumper_ == nullptr) return make_error("capture has no output file");
    // Non-blocking reads and our own poll(2): a quiet interface cannot hold the loop past
    // --duration (the read timeout is not honoured in immediate mode), and a signal
    // interrupts poll at once; break_loop() sets stop_, checked before every read.
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    if (pcap_setnonblock(handle_, 1, errbuf) != 0) {
        return make_error("cannot capture on " + iface_ + ": " + errbuf);
    }
    const int fd = pcap_get_selectable_fd(handle_);
    using Clock = std::chrono::steady_clock;
    const auto deadline =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(duration_s > 0 ? duration_s : 0));
    static_assert(std::atomic<bool>::is_always_lock_free, "break_loop runs in signal handlers");
    for (;;) {
        if (stop_.load()) break;
        if (count != 0 && captured_ >= count) break;
        int wait_ms = kPollTimeoutMs;
        if (duration_s > 0) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now())
                    .count();
            if (left <= 0) break;
            wait_ms = static_cast<int>(std::min<long long>(left, kPollTimeoutMs));
        }
        const int want = count == 0 ? -1
                                    : static_cast<int>(std::min<std::uint64_t>(
                                          count - captured_, static_cast<std::uint64_t>(INT_MAX)));
        const int rc =
            pcap_dispatch(handle_, want, &LiveCapture::on_packet, reinterpret_cast<u_char*>(this));
        if (rc == PCAP_ERROR_BREAK) break;
        if (rc == PCAP_ERROR) {
            return make_error("capture on " + iface_ + " failed: " + pcap_geterr(handle_));
        }
        if (rc == 0 && fd >= 0) {
            pollfd p{fd, POLLIN, 0};
            ::poll(&p, 1, wait_ms);  // EINTR (a signal) just loops to pcap_dispatch
        }
    }
    CaptureSummary s;
    s.captured = captured_;
    pcap_stat ps{};
    if (pcap_stats(handle_, &ps) == 0) {
        s.have_stats = true;
        s.received = ps.ps_recv;
        s.dropped = ps.ps_drop;
        s.if_dropped = ps.ps_ifdrop;
    }
    return s;
}

void LiveCapture::break_loop() {
    stop_.store(true);
    pcap_breakloop(handle_);
}

Status LiveCapture::commit() {
    if (dumper_ == nullptr) return make_error("capture has no output file");
    const bool flushed = pcap_dump_flush(dumper_) == 0;
    pcap_dump_close(dumper_);
    dumper_ = nullptr;
    if (!flushed) return make_error("cannot write " + tmp_);
    std::error_code ec;
    std::filesystem::rename(tmp_, path_, ec);
    if (ec) return make_error("cannot rename " + tmp_ + " to " + path_ + ": " + ec.message());
    committed_ = true;
    return Ok{};
}

}  // namespace mtc::pcap
