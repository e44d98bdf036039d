#include "attacks/guess/candidates.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <optional>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace mtc::attacks::guess {

struct CandidateSpace::Impl {
    std::string label;  // describe() without the count: "6-digit PIN", "mask ?d?d"
    std::uint64_t size = 0;
    // Mask and PIN: the characters of each position, first position first.
    std::vector<std::string> positions;
    // Wordlist: every candidate back to back; candidate i is words[offsets[i], offsets[i + 1]).
    // 32-bit offsets suffice because the file is at most 1 GiB, and halve the index's memory.
    std::string words;
    std::vector<std::uint32_t> offsets;

    [[nodiscard]] bool is_wordlist() const { return !offsets.empty(); }
    [[nodiscard]] std::string_view word(std::uint64_t i) const {
        return std::string_view(words).substr(offsets[i], offsets[i + 1] - offsets[i]);
    }
};

namespace {

constexpr std::uint64_t kMaxWordlistBytes = std::uint64_t{1} << 30;
constexpr int kMaxPinDigits = 18;     // 10^18 < 2^63: sizes and indices stay far from overflow
constexpr int kDefaultPinDigits = 6;  // the weak-key profiles' PIN

constexpr std::string_view kDigits = "0123456789";
constexpr std::string_view kLower = "abcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::string_view kSpecial = " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
constexpr std::string_view kAll =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
constexpr std::string_view kHexLower = "0123456789abcdef";
constexpr std::string_view kHexUpper = "0123456789ABCDEF";
constexpr std::string_view kKnownSets = "?d ?l ?u ?s ?a ?h ?H ?1-?4 ??";

// A byte as it may appear in an error message (masks are user input, possibly binary).
std::string printable(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) return std::string(1, c);
    std::array<char, 8> hex{};
    std::snprintf(hex.data(), hex.size(), "\\x%02x", u);
    return hex.data();
}

std::string_view builtin_set(char name) {
    switch (name) {
        case 'd':
            return kDigits;
        case 'l':
            return kLower;
        case 'u':
            return kUpper;
        case 's':
            return kSpecial;
        case 'a':
            return kAll;
        case 'h':
            return kHexLower;
        case 'H':
            return kHexUpper;
        case '?':
            return "?";
        default:
            return {};
    }
}

// Walks a mask (or a custom charset, which is a mask of its own) position by position and
// calls emit(characters) for each. `where` names the text in errors ("mask", "custom charset
// 2"); `custom` is null inside a custom charset, where hashcat allows no custom references.
template <typename Emit>
Status walk_mask(std::string_view text, const std::string& where,
                 const std::array<std::string, 4>* custom, Emit&& emit) {
    std::size_t position = 0;
    const auto at = [&] { return where + " position " + std::to_string(position) + ": "; };
    for (std::size_t i = 0; i < text.size(); ++i) {
        ++position;
        if (text[i] != '?') {
            emit(text.substr(i, 1));
            continue;
        }
        if (++i == text.size()) {
            return make_error(at() + "'?' at the end (write ?? for a literal '?')");
        }
        const char name = text[i];
        if (name >= '1' && name <= '4') {
            if (custom == nullptr) {
                return make_error(at() + "?" + name +
                                  " refers to a custom charset (custom charsets " +
                                  "cannot refer to one another)");
            }
            const std::string& set = (*custom)[static_cast<std::size_t>(name - '1')];
            if (set.empty()) {
                return make_error(at() + "custom charset ?" + name + " is used but empty (set " +
                                  "custom charset " + name + ")");
            }
            emit(std::string_view(set));
            continue;
        }
        const std::string_view set = builtin_set(name);
        if (set.empty()) {
            return make_error(at() + "unknown charset ?" + printable(name) +
                              " (known: " + std::string(kKnownSets) + ")");
        }
        emit(set);
    }
    return Ok{};
}

// A custom charset: every character its mask stands for, each once, in first-seen order.
Result<std::string> expand_custom(std::string_view text, int number) {
    std::string set;
    std::array<bool, 256> seen{};
    auto st = walk_mask(text, "custom charset " + std::to_string(number), nullptr,
                        [&](std::string_view chars) {
                            for (const char c : chars) {
                                auto& s = seen[static_cast<unsigned char>(c)];
                                if (!s) set.push_back(c);
                                s = true;
                            }
                        });
    if (!st) return st.error();
    return set;
}

Result<std::array<std::string, 4>> expand_customs(const std::array<std::string, 4>& custom) {
    std::array<std::string, 4> sets;
    for (std::size_t k = 0; k < sets.size(); ++k) {
        auto set = expand_custom(custom[k], static_cast<int>(k + 1));
        if (!set) return set.error();
        sets[k] = std::move(*set);
    }
    return sets;
}

// Product of the position sizes, or an error past 2^64 - 1.
Result<std::uint64_t> positions_size(const std::vector<std::string>& positions) {
    std::uint64_t size = 1;
    for (const auto& set : positions) {
        if (size > std::numeric_limits<std::uint64_t>::max() / set.size()) {
            return make_error("mask space exceeds 2^64 candidates");
        }
        size *= set.size();
    }
    return size;
}

// Calls put(k, index) for every position k of candidate `i` (mixed radix, last position least
// significant, as hashcat orders a mask).
template <typename Put>
void decompose(const std::vector<std::string>& positions, std::uint64_t i, Put&& put) {
    for (std::size_t k = positions.size(); k-- > 0;) {
        const std::uint64_t n = positions[k].size();
        put(k, static_cast<std::uint32_t>(i % n));
        i /= n;
    }
}

std::string io_error(const std::string& path, const char* what) {
    return "wordlist " + path + ": " + what + ": " +
           std::error_code(errno, std::generic_category()).message();
}

// The whole file, refused past kMaxWordlistBytes (checked up front for a regular file and while
// reading for anything else, so a pipe cannot grow without bound either).
Result<std::string> read_bounded(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return make_error(io_error(path, "cannot open"));
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) return make_error(io_error(path, "cannot stat"));
    if (S_ISDIR(st.st_mode)) return make_error("wordlist " + path + ": is a directory");
    const std::string too_big =
        "wordlist " + path + ": larger than 1 GiB (the limit for a wordlist)";
    std::string buf;
    if (S_ISREG(st.st_mode)) {
        if (static_cast<std::uint64_t>(st.st_size) > kMaxWordlistBytes) return make_error(too_big);
        buf.reserve(static_cast<std::size_t>(st.st_size));  // read without growing past it
    }
    std::vector<char> chunk(std::size_t{1} << 20);
    for (;;) {
        const ssize_t n = ::read(fd, chunk.data(), chunk.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return make_error(io_error(path, "cannot read"));
        if (n == 0) return buf;
        if (buf.size() + static_cast<std::size_t>(n) > kMaxWordlistBytes)
            return make_error(too_big);
        buf.append(chunk.data(), static_cast<std::size_t>(n));
    }
}

// Moves every non-empty line (without its "\n" or "\r\n") to the front of `buf`, back to back,
// and returns where each starts plus the end of the last: one buffer, no string per word.
std::vector<std::uint32_t> pack_lines(std::string& buf) {
    std::vector<std::uint32_t> offsets{0};
    std::size_t write = 0;
    for (std::size_t read = 0; read < buf.size();) {
        std::size_t newline = buf.find('\n', read);
        if (newline == std::string::npos) newline = buf.size();
        std::size_t end = newline;
        if (end > read && buf[end - 1] == '\r') --end;
        if (end > read) {
            std::memmove(buf.data() + write, buf.data() + read, end - read);
            write += end - read;
            offsets.push_back(static_cast<std::uint32_t>(write));
        }
        read = newline + 1;
    }
    buf.resize(write);
    buf.shrink_to_fit();
    offsets.shrink_to_fit();
    return offsets;
}

}  // namespace

Result<CandidateSpace> CandidateSpace::pin(int digits) {
    if (digits < 1 || digits > kMaxPinDigits) {
        return make_error("pin:N needs 1 <= N <= " + std::to_string(kMaxPinDigits) + " (got " +
                          std::to_string(digits) + ")");
    }
    auto impl = std::make_shared<Impl>();
    impl->label = std::to_string(digits) + "-digit PIN";
    impl->positions.assign(static_cast<std::size_t>(digits), std::string(kDigits));
    impl->size = *positions_size(impl->positions);
    CandidateSpace space;
    space.impl_ = std::move(impl);
    return space;
}

Result<CandidateSpace> CandidateSpace::mask(std::string_view mask,
                                            const std::array<std::string, 4>& custom) {
    if (mask.empty()) return make_error("mask is empty");
    auto sets = expand_customs(custom);
    if (!sets) return sets.error();
    auto impl = std::make_shared<Impl>();
    impl->label = "mask " + std::string(mask);
    auto st = walk_mask(mask, "mask", &*sets,
                        [&](std::string_view chars) { impl->positions.emplace_back(chars); });
    if (!st) return st.error();
    auto size = positions_size(impl->positions);
    if (!size) return size.error();
    impl->size = *size;
    CandidateSpace space;
    space.impl_ = std::move(impl);
    return space;
}

Result<CandidateSpace> CandidateSpace::wordlist(const std::string& path) {
    if (path.empty()) return make_error("wordlist: no file name (wordlist:FILE)");
    auto buf = read_bounded(path);
    if (!buf) return buf.error();
    auto impl = std::make_shared<Impl>();
    impl->label = "wordlist " + path;
    impl->offsets = pack_lines(*buf);
    impl->words = std::move(*buf);
    impl->size = impl->offsets.size() - 1;
    if (impl->size == 0) {
        return make_error("wordlist " + path +
                          ": no candidates (the file is empty or has only "
                          "empty lines)");
    }
    CandidateSpace space;
    space.impl_ = std::move(impl);
    return space;
}

Result<CandidateSpace> CandidateSpace::parse(std::string_view spec,
                                             const std::array<std::string, 4>& custom) {
    const auto rest_after = [&](std::string_view prefix) -> std::optional<std::string_view> {
        if (spec.substr(0, prefix.size()) != prefix) return std::nullopt;
        return spec.substr(prefix.size());
    };
    if (spec == "pin") return pin(kDefaultPinDigits);
    if (auto n = rest_after("pin:")) {
        int digits = 0;
        const auto [end, ec] = std::from_chars(n->data(), n->data() + n->size(), digits);
        if (n->empty() || ec != std::errc{} || end != n->data() + n->size()) {
            return make_error("pin:N needs 1 <= N <= " + std::to_string(kMaxPinDigits) + " (got '" +
                              std::string(*n) + "')");
        }
        return pin(digits);
    }
    if (auto m = rest_after("mask:")) return mask(*m, custom);
    if (auto f = rest_after("wordlist:")) return wordlist(std::string(*f));
    return make_error("unknown space '" + std::string(spec) +
                      "' (expected pin, pin:N, mask:MASK or wordlist:FILE)");
}

std::uint64_t CandidateSpace::size() const {
    return impl_ ? impl_->size : 0;
}

std::string CandidateSpace::describe() const {
    if (!impl_) return "empty space (0 candidates)";
    return impl_->label + " (" + std::to_string(impl_->size) + " candidates)";
}

std::string CandidateSpace::at(std::uint64_t i) const {
    if (i >= size()) return {};  // out of contract; an empty string rather than a crash
    if (impl_->is_wordlist()) return std::string(impl_->word(i));
    std::string out(impl_->positions.size(), '\0');
    decompose(impl_->positions, i,
              [&](std::size_t k, std::uint32_t d) { out[k] = impl_->positions[k][d]; });
    return out;
}

CandidateSpace::Cursor CandidateSpace::cursor(std::uint64_t begin, std::uint64_t end) const {
    Cursor c;
    c.space_ = this;
    c.end_ = std::min(end, size());
    c.pos_ = std::min(begin, c.end_);
    return c;
}

bool CandidateSpace::Cursor::next(std::string_view& candidate) {
    if (space_ == nullptr || pos_ >= end_) return false;
    const Impl& impl = *space_->impl_;
    if (impl.is_wordlist()) {
        candidate = impl.word(pos_++);
        return true;
    }
    const auto& positions = impl.positions;
    if (!started_) {
        // The one allocation of the cursor: the odometer and its text, set to `pos_`.
        digits_.assign(positions.size(), 0);
        buf_.assign(positions.size(), '\0');
        decompose(positions, pos_, [&](std::size_t k, std::uint32_t d) {
            digits_[k] = d;
            buf_[k] = positions[k][d];
        });
        started_ = true;
    } else {
        // Odometer step from pos_ - 1 to pos_: never wraps past the first position, since
        // pos_ < end_ <= size().
        for (std::size_t k = positions.size(); k-- > 0;) {
            if (++digits_[k] < positions[k].size()) {
                buf_[k] = positions[k][digits_[k]];
                break;
            }
            digits_[k] = 0;
            buf_[k] = positions[k][0];
        }
    }
    ++pos_;
    candidate = buf_;
    return true;
}

}  // namespace mtc::attacks::guess
