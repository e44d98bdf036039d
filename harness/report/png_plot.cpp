#include "harness/report/png_plot.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#ifdef MTC_HAVE_ZLIB
#include <zlib.h>
#endif

namespace mtc::report {
namespace {

struct Glyph {
    char c;
    std::array<const char*, kGlyphH> rows;
};

// clang-format off
// g, p, q and y sit two rows lower (descenders, in the cell's spacing rows): see descends().
constexpr Glyph kFont[] = {
    {' ', {".....", ".....", ".....", ".....", ".....", ".....", "....."}},
    {'0', {".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."}},
    {'1', {"..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."}},
    {'2', {".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"}},
    {'3', {"#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."}},
    {'4', {"...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."}},
    {'5', {"#####", "#....", "####.", "....#", "....#", "#...#", ".###."}},
    {'6', {"..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."}},
    {'7', {"#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."}},
    {'8', {".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."}},
    {'9', {".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."}},
    {'A', {".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"}},
    {'B', {"####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."}},
    {'C', {".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."}},
    {'D', {"###..", "#..#.", "#...#", "#...#", "#...#", "#..#.", "###.."}},
    {'E', {"#####", "#....", "#....", "####.", "#....", "#....", "#####"}},
    {'F', {"#####", "#....", "#....", "####.", "#....", "#....", "#...."}},
    {'G', {".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####"}},
    {'H', {"#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"}},
    {'I', {".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."}},
    {'J', {"..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."}},
    {'K', {"#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"}},
    {'L', {"#....", "#....", "#....", "#....", "#....", "#....", "#####"}},
    {'M', {"#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"}},
    {'N', {"#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"}},
    {'O', {".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."}},
    {'P', {"####.", "#...#", "#...#", "####.", "#....", "#....", "#...."}},
    {'Q', {".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"}},
    {'R', {"####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"}},
    {'S', {".####", "#....", "#....", ".###.", "....#", "....#", "####."}},
    {'T', {"#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."}},
    {'U', {"#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."}},
    {'V', {"#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."}},
    {'W', {"#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#."}},
    {'X', {"#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"}},
    {'Y', {"#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."}},
    {'Z', {"#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"}},
    {'a', {".....", ".....", ".###.", "....#", ".####", "#...#", ".####"}},
    {'b', {"#....", "#....", "#.##.", "##..#", "#...#", "#...#", "####."}},
    {'c', {".....", ".....", ".###.", "#....", "#....", "#...#", ".###."}},
    {'d', {"....#", "....#", ".##.#", "#..##", "#...#", "#...#", ".####"}},
    {'e', {".....", ".....", ".###.", "#...#", "#####", "#....", ".###."}},
    {'f', {"..##.", ".#..#", ".#...", "###..", ".#...", ".#...", ".#..."}},
    {'g', {".####", "#...#", "#...#", "#...#", ".####", "....#", ".###."}},
    {'h', {"#....", "#....", "#.##.", "##..#", "#...#", "#...#", "#...#"}},
    {'i', {"..#..", ".....", ".##..", "..#..", "..#..", "..#..", ".###."}},
    {'j', {"...#.", ".....", "..##.", "...#.", "...#.", "#..#.", ".##.."}},
    {'k', {"#....", "#....", "#..#.", "#.#..", "##...", "#.#..", "#..#."}},
    {'l', {".##..", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."}},
    {'m', {".....", ".....", "##.#.", "#.#.#", "#.#.#", "#...#", "#...#"}},
    {'n', {".....", ".....", "#.##.", "##..#", "#...#", "#...#", "#...#"}},
    {'o', {".....", ".....", ".###.", "#...#", "#...#", "#...#", ".###."}},
    {'p', {"####.", "#...#", "#...#", "#...#", "####.", "#....", "#...."}},
    {'q', {".####", "#...#", "#...#", "#...#", ".####", "....#", "....#"}},
    {'r', {".....", ".....", "#.##.", "##..#", "#....", "#....", "#...."}},
    {'s', {".....", ".....", ".###.", "#....", ".###.", "....#", "####."}},
    {'t', {".#...", ".#...", "###..", ".#...", ".#...", ".#..#", "..##."}},
    {'u', {".....", ".....", "#...#", "#...#", "#...#", "#..##", ".##.#"}},
    {'v', {".....", ".....", "#...#", "#...#", "#...#", ".#.#.", "..#.."}},
    {'w', {".....", ".....", "#...#", "#...#", "#.#.#", "#.#.#", ".#.#."}},
    {'x', {".....", ".....", "#...#", ".#.#.", "..#..", ".#.#.", "#...#"}},
    {'y', {"#...#", "#...#", "#...#", "#...#", ".####", "....#", ".###."}},
    {'z', {".....", ".....", "#####", "...#.", "..#..", ".#...", "#####"}},
    {'-', {".....", ".....", ".....", "#####", ".....", ".....", "....."}},
    {'.', {".....", ".....", ".....", ".....", ".....", ".##..", ".##.."}},
    {',', {".....", ".....", ".....", ".....", ".##..", "..#..", ".#..."}},
    {'(', {"...#.", "..#..", ".#...", ".#...", ".#...", "..#..", "...#."}},
    {')', {".#...", "..#..", "...#.", "...#.", "...#.", "..#..", ".#..."}},
    {'[', {".###.", ".#...", ".#...", ".#...", ".#...", ".#...", ".###."}},
    {']', {".###.", "...#.", "...#.", "...#.", "...#.", "...#.", ".###."}},
    {'/', {".....", "....#", "...#.", "..#..", ".#...", "#....", "....."}},
    {';', {".....", ".##..", ".##..", ".....", ".##..", "..#..", ".#..."}},
    {':', {".....", ".##..", ".##..", ".....", ".##..", ".##..", "....."}},
    {'<', {"...#.", "..#..", ".#...", "#....", ".#...", "..#..", "...#."}},
    {'>', {".#...", "..#..", "...#.", "....#", "...#.", "..#..", ".#..."}},
    {'=', {".....", ".....", "#####", ".....", "#####", ".....", "....."}},
    {'+', {".....", "..#..", "..#..", "#####", "..#..", "..#..", "....."}},
    {'%', {"##...", "##..#", "...#.", "..#..", ".#...", "#..##", "...##"}},
    {'_', {".....", ".....", ".....", ".....", ".....", ".....", "#####"}},
    {'^', {"..#..", ".#.#.", "#...#", ".....", ".....", ".....", "....."}},
    {'*', {".....", "..#..", "#.#.#", ".###.", "#.#.#", "..#..", "....."}},
    {'\'', {"..#..", "..#..", ".#...", ".....", ".....", ".....", "....."}},
    {'|', {"..#..", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."}},
    {'?', {".###.", "#...#", "....#", "...#.", "..#..", ".....", "..#.."}},
};
// clang-format on

const Glyph& glyph(char c) {
    static const std::array<const Glyph*, 128> table = [] {
        std::array<const Glyph*, 128> t{};
        for (const Glyph& g : kFont) t[static_cast<unsigned char>(g.c)] = &g;
        return t;
    }();
    const auto u = static_cast<unsigned char>(c);
    const Glyph* g = u < 128 ? table[u] : nullptr;
    return g != nullptr ? *g : *table['?'];
}

int descends(char c) {
    return c == 'g' || c == 'p' || c == 'q' || c == 'y' ? kCellH - kGlyphH : 0;
}

void put_u32(Bytes& out, std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}

void put_chunk(Bytes& out, const char type[4], BytesView data) {
    put_u32(out, static_cast<std::uint32_t>(data.size()));
    const std::size_t start = out.size();
    out.insert(out.end(), type, type + 4);
    out.insert(out.end(), data.begin(), data.end());
    put_u32(out, crc32(BytesView(out).subspan(start)));
}

// A zlib stream (RFC 1950) of stored deflate blocks (RFC 1951 3.2.4).
Bytes zlib_stored(BytesView raw) {
    Bytes z = {0x78, 0x01};  // CM 8, 32K window; FCHECK makes 0x7801 a multiple of 31
    std::size_t off = 0;
    do {
        const std::size_t n = std::min<std::size_t>(raw.size() - off, 65535);
        const bool last = off + n == raw.size();
        z.push_back(last ? 1 : 0);  // BFINAL, BTYPE = 00
        z.push_back(static_cast<std::uint8_t>(n));
        z.push_back(static_cast<std::uint8_t>(n >> 8));
        z.push_back(static_cast<std::uint8_t>(~n));
        z.push_back(static_cast<std::uint8_t>(~n >> 8));
        z.insert(z.end(), raw.begin() + static_cast<std::ptrdiff_t>(off),
                 raw.begin() + static_cast<std::ptrdiff_t>(off + n));
        off += n;
    } while (off < raw.size());
    put_u32(z, adler32(raw));
    return z;
}

#ifdef MTC_HAVE_ZLIB
bool zlib_deflate(BytesView raw, Bytes& out) {
    uLongf len = compressBound(static_cast<uLong>(raw.size()));
    out.resize(len);
    if (compress2(out.data(), &len, raw.data(), static_cast<uLong>(raw.size()), 9) != Z_OK)
        return false;
    out.resize(len);
    return true;
}
#endif

// An axis: data values to pixels, linear or log10.
struct Axis {
    bool log = false;
    double lo = 0, hi = 1;  // in transformed units (log10 of the value on a log axis)
    double p0 = 0, p1 = 1;  // pixels of lo and hi

    [[nodiscard]] double t(double v) const { return log ? std::log10(v) : v; }
    [[nodiscard]] double px(double v) const { return p0 + (t(v) - lo) / (hi - lo) * (p1 - p0); }
};

double nice_step(double span) {
    const double raw = span / 5;
    const double mag = std::pow(10, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0}) {
        if (m * mag >= raw) return m * mag;
    }
    return 10 * mag;
}

Axis make_axis(bool log, double mn, double mx) {
    Axis a;
    a.log = log;
    if (log) {
        a.lo = std::floor(std::log10(mn));
        a.hi = std::ceil(std::log10(mx));
        if (a.hi <= a.lo) a.hi = a.lo + 1;
        return a;
    }
    if (mx <= mn) {
        mn -= 1;
        mx += 1;
    }
    const double step = nice_step(mx - mn);
    a.lo = std::floor(mn / step) * step;
    a.hi = std::ceil(mx / step) * step;
    return a;
}

struct Tick {
    double value;
    bool major, labelled;
};

std::vector<Tick> ticks(const Axis& a) {
    std::vector<Tick> out;
    if (a.log) {
        const int lo = static_cast<int>(a.lo), hi = static_cast<int>(a.hi);
        const int decades = hi - lo;
        const int every = decades > 8 ? 2 : 1;  // labels on every other decade when crowded
        for (int d = lo; d <= hi; ++d) {
            const double base = std::pow(10, d);
            out.push_back({base, true, (d - lo) % every == 0});
            if (d == hi) break;
            for (int m = 2; m <= 9; ++m) {
                // Few decades: label 2 and 5 too, so a short axis still reads.
                out.push_back({m * base, false, decades <= 2 && (m == 2 || m == 5)});
            }
        }
        return out;
    }
    const double step = nice_step(a.hi - a.lo);
    const auto count = static_cast<int>(std::lround((a.hi - a.lo) / step));
    for (int i = 0; i <= count; ++i) {
        const double v = a.lo + i * step;
        out.push_back({std::abs(v) < step / 1e6 ? 0.0 : v, true, true});
    }
    return out;
}

constexpr Rgb kBlack{0, 0, 0}, kWhite{255, 255, 255}, kGrid{205, 205, 205}, kMinor{235, 235, 235},
    kText{30, 30, 30};

}  // namespace

Raster::Raster(int width, int height, Rgb background)
    : w_(std::max(width, 1)), h_(std::max(height, 1)) {
    px_.resize(static_cast<std::size_t>(w_) * static_cast<std::size_t>(h_) * 3);
    for (std::size_t i = 0; i < px_.size(); i += 3) {
        px_[i] = background.r;
        px_[i + 1] = background.g;
        px_[i + 2] = background.b;
    }
}

Rgb Raster::at(int x, int y) const {
    if (x < 0 || y < 0 || x >= w_ || y >= h_) return {};
    const std::size_t i =
        (static_cast<std::size_t>(y) * static_cast<std::size_t>(w_) + static_cast<std::size_t>(x)) *
        3;
    return {px_[i], px_[i + 1], px_[i + 2]};
}

void Raster::set(int x, int y, Rgb c) {
    if (x < 0 || y < 0 || x >= w_ || y >= h_) return;
    const std::size_t i =
        (static_cast<std::size_t>(y) * static_cast<std::size_t>(w_) + static_cast<std::size_t>(x)) *
        3;
    px_[i] = c.r;
    px_[i + 1] = c.g;
    px_[i + 2] = c.b;
}

void Raster::fill_rect(int x0, int y0, int x1, int y1, Rgb c) {
    if (x0 > x1) std::swap(x0, x1);
    if (y0 > y1) std::swap(y0, y1);
    x0 = std::max(x0, 0);
    y0 = std::max(y0, 0);
    x1 = std::min(x1, w_ - 1);
    y1 = std::min(y1, h_ - 1);
    for (int y = y0; y <= y1; ++y) {
        for (int x = x0; x <= x1; ++x) set(x, y, c);
    }
}

void Raster::line(double x0, double y0, double x1, double y1, Rgb c, int thickness) {
    const double dx = x1 - x0, dy = y1 - y0;
    const double len = std::max(std::abs(dx), std::abs(dy));
    if (!std::isfinite(len) || len > 1e6) return;
    const int steps = std::max(1, static_cast<int>(std::ceil(len)));
    const int lo = -(thickness - 1) / 2, hi = thickness / 2;
    for (int s = 0; s <= steps; ++s) {
        const double f = static_cast<double>(s) / steps;
        const int x = static_cast<int>(std::lround(x0 + f * dx));
        const int y = static_cast<int>(std::lround(y0 + f * dy));
        fill_rect(x + lo, y + lo, x + hi, y + hi, c);
    }
}

void Raster::disc(int cx, int cy, int radius, Rgb c) {
    for (int y = -radius; y <= radius; ++y) {
        for (int x = -radius; x <= radius; ++x) {
            if (x * x + y * y <= radius * radius + radius) set(cx + x, cy + y, c);
        }
    }
}

void Raster::text(int x, int y, std::string_view s, Rgb c, int scale, bool up) {
    scale = std::max(scale, 1);
    int advance = 0;
    for (const char ch : s) {
        const Glyph& g = glyph(ch);
        const int drop = descends(ch);
        for (int r = 0; r < kGlyphH; ++r) {
            for (int col = 0; col < kGlyphW; ++col) {
                if (g.rows[static_cast<std::size_t>(r)][col] != '#') continue;
                const int gx = advance + col * scale, gy = (r + drop) * scale;  // text space
                if (up) {
                    fill_rect(x + gy, y - gx - scale + 1, x + gy + scale - 1, y - gx, c);
                } else {
                    fill_rect(x + gx, y + gy, x + gx + scale - 1, y + gy + scale - 1, c);
                }
            }
        }
        advance += kCellW * scale;
    }
}

int Raster::text_width(std::string_view s, int scale) {
    if (s.empty()) return 0;
    return static_cast<int>(s.size()) * kCellW * scale - scale;  // no spacing after the last
}

std::uint32_t crc32(BytesView data, std::uint32_t crc) {
    static const std::array<std::uint32_t, 256> table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t n = 0; n < 256; ++n) {
            std::uint32_t c = n;
            for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }();
    crc = ~crc;
    for (const std::uint8_t b : data) crc = table[(crc ^ b) & 0xff] ^ (crc >> 8);
    return ~crc;
}

std::uint32_t adler32(BytesView data, std::uint32_t adler) {
    constexpr std::uint32_t kMod = 65521;
    std::uint32_t a = adler & 0xffff, b = adler >> 16;
    std::size_t i = 0;
    while (i < data.size()) {
        // 5552 bytes keep b below 2^32 before the reduction (zlib's NMAX).
        const std::size_t end = std::min(data.size(), i + 5552);
        for (; i < end; ++i) {
            a += data[i];
            b += a;
        }
        a %= kMod;
        b %= kMod;
    }
    return (b << 16) | a;
}

bool png_deflate_available() {
#ifdef MTC_HAVE_ZLIB
    return true;
#else
    return false;
#endif
}

Bytes encode_png(const Raster& image, PngCompression compression) {
    const auto w = static_cast<std::size_t>(image.width());
    const auto h = static_cast<std::size_t>(image.height());
    Bytes raw;
    raw.reserve(h * (1 + 3 * w));
    const auto& px = image.pixels();
    for (std::size_t y = 0; y < h; ++y) {
        raw.push_back(0);  // filter type None
        const auto row = px.begin() + static_cast<std::ptrdiff_t>(y * w * 3);
        raw.insert(raw.end(), row, row + static_cast<std::ptrdiff_t>(w * 3));
    }
    Bytes idat;
#ifdef MTC_HAVE_ZLIB
    if (compression != PngCompression::deflate || !zlib_deflate(raw, idat)) idat = zlib_stored(raw);
#else
    (void)compression;
    idat = zlib_stored(raw);
#endif

    Bytes out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    Bytes ihdr;
    put_u32(ihdr, static_cast<std::uint32_t>(w));
    put_u32(ihdr, static_cast<std::uint32_t>(h));
    ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});  // 8 bits, RGB, deflate, filter 0, no interlace
    put_chunk(out, "IHDR", ihdr);
    put_chunk(out, "IDAT", idat);
    put_chunk(out, "IEND", {});
    return out;
}

std::string tick_label(double v) {
    char buf[32];
    const double a = std::abs(v);
    if (a >= 1e4 && a < 1e15) {
        const char* unit = a >= 1e9 ? "G" : a >= 1e6 ? "M" : "k";
        const double div = a >= 1e9 ? 1e9 : a >= 1e6 ? 1e6 : 1e3;
        std::snprintf(buf, sizeof buf, "%.3g%s", v / div, unit);
    } else if (a < 1e4 && v == std::round(v)) {
        std::snprintf(buf, sizeof buf, "%.0f", v);
    } else {
        std::snprintf(buf, sizeof buf, "%.3g", v);
    }
    return buf;
}

Result<Raster> render_plot(const LinePlot& plot) {
    if (plot.width < 320 || plot.height < 240 || plot.width > 8192 || plot.height > 8192)
        return make_error("plot size must be 320x240 .. 8192x8192");
    double xmin = std::numeric_limits<double>::infinity(), xmax = -xmin;
    double ymin = xmin, ymax = -xmin;
    for (const auto& s : plot.series) {
        if (s.x.size() != s.y.size())
            return make_error("series '" + s.name + "' has different numbers of x and y values");
        for (std::size_t i = 0; i < s.x.size(); ++i) {
            const double x = s.x[i], y = s.y[i];
            if (!std::isfinite(x) || !std::isfinite(y))
                return make_error("series '" + s.name + "' has a value that is not finite");
            if ((plot.log_x && x <= 0) || (plot.log_y && y <= 0))
                return make_error("series '" + s.name + "' has a value <= 0 on a log axis");
            xmin = std::min(xmin, x);
            xmax = std::max(xmax, x);
            ymin = std::min(ymin, y);
            ymax = std::max(ymax, y);
        }
    }
    if (xmin > xmax) return make_error("nothing to plot: no series has a point");

    constexpr int kScale = 2;
    const int th = Raster::text_height(kScale);
    Axis ax = make_axis(plot.log_x, xmin, xmax);
    Axis ay = make_axis(plot.log_y, ymin, ymax);
    const auto xt = ticks(ax), yt = ticks(ay);
    int label_w = 0;
    for (const auto& t : yt) {
        if (t.labelled)
            label_w = std::max(label_w, Raster::text_width(tick_label(t.value), kScale));
    }
    const int left = 16 + th + 16 + label_w + 10;
    const int right = plot.width - 30;
    const int top = plot.title.empty() ? 24 : 24 + th + 20;
    const int bottom = plot.height - (16 + th + 14 + th + 10);
    ax.p0 = left;
    ax.p1 = right;
    ay.p0 = bottom;
    ay.p1 = top;

    Raster r(plot.width, plot.height, kWhite);
    // Grid, then ticks and their labels.
    for (const auto& t : xt) {
        const double x = ax.px(t.value);
        if (x < left - 0.5 || x > right + 0.5) continue;
        r.line(x, top, x, bottom, t.major ? kGrid : kMinor);
        r.line(x, bottom, x, bottom + (t.major ? 6 : 3), kBlack);
        if (t.labelled) {
            const std::string s = tick_label(t.value);
            r.text(static_cast<int>(std::lround(x)) - Raster::text_width(s, kScale) / 2,
                   bottom + 10, s, kText, kScale);
        }
    }
    for (const auto& t : yt) {
        const double y = ay.px(t.value);
        if (y < top - 0.5 || y > bottom + 0.5) continue;
        r.line(left, y, right, y, t.major ? kGrid : kMinor);
        r.line(left - (t.major ? 6 : 3), y, left, y, kBlack);
        if (t.labelled) {
            const std::string s = tick_label(t.value);
            r.text(left - 10 - Raster::text_width(s, kScale),
                   static_cast<int>(std::lround(y)) - th / 2, s, kText, kScale);
        }
    }
    // The frame of the plot area.
    r.line(left, top, right, top, kBlack);
    r.line(left, bottom, right, bottom, kBlack);
    r.line(left, top, left, bottom, kBlack);
    r.line(right, top, right, bottom, kBlack);

    // Series: lines, then markers on top.
    for (const auto& s : plot.series) {
        for (std::size_t i = 1; i < s.x.size(); ++i) {
            r.line(ax.px(s.x[i - 1]), ay.px(s.y[i - 1]), ax.px(s.x[i]), ay.px(s.y[i]), s.color, 2);
        }
        for (std::size_t i = 0; i < s.x.size(); ++i) {
            const int x = static_cast<int>(std::lround(ax.px(s.x[i])));
            const int y = static_cast<int>(std::lround(ay.px(s.y[i])));
            if (s.square_markers) {
                r.fill_rect(x - 4, y - 4, x + 4, y + 4, s.color);
            } else {
                r.disc(x, y, 5, s.color);
            }
        }
    }

    // Title, axis labels.
    if (!plot.title.empty()) {
        r.text((plot.width - Raster::text_width(plot.title, kScale)) / 2, 22, plot.title, kBlack,
               kScale);
    }
    r.text((left + right - Raster::text_width(plot.x_label, kScale)) / 2, bottom + 10 + th + 14,
           plot.x_label, kBlack, kScale);
    r.text(16, (top + bottom + Raster::text_width(plot.y_label, kScale)) / 2, plot.y_label, kBlack,
           kScale, true);

    // Legend, top left inside the plot area.
    if (!plot.series.empty()) {
        int name_w = 0;
        for (const auto& s : plot.series)
            name_w = std::max(name_w, Raster::text_width(s.name, kScale));
        const int row_h = th + 10;
        const int lx = left + 14, ly = top + 14;
        const int lw = 12 + 36 + 10 + name_w + 12;
        const int lh = 8 + static_cast<int>(plot.series.size()) * row_h;
        r.fill_rect(lx, ly, lx + lw, ly + lh, kWhite);
        r.line(lx, ly, lx + lw, ly, kGrid);
        r.line(lx, ly + lh, lx + lw, ly + lh, kGrid);
        r.line(lx, ly, lx, ly + lh, kGrid);
        r.line(lx + lw, ly, lx + lw, ly + lh, kGrid);
        int y = ly + 8;
        for (const auto& s : plot.series) {
            const int cy = y + th / 2;
            r.line(lx + 12, cy, lx + 48, cy, s.color, 2);
            if (s.square_markers) {
                r.fill_rect(lx + 26, cy - 4, lx + 34, cy + 4, s.color);
            } else {
                r.disc(lx + 30, cy, 5, s.color);
            }
            r.text(lx + 58, y, s.name, kText, kScale);
            y += row_h;
        }
    }
    return r;
}

}  // namespace mtc::report
