// A small self-contained PNG line plot: an RGB raster with lines, markers and text in a built-in
// 5x7 bitmap font, a PNG encoder (zlib deflate when the build found zlib, else stored deflate
// blocks; CRC-32 and Adler-32 computed here), and a renderer for line plots with linear or
// logarithmic axes, tick labels, axis labels, a title and a legend. For benchmark figures
// (`mtcfuzz bench gaka-signalling`); no dependency beyond zlib, which is optional.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/core/bytes.hpp"
#include "protocols/core/result.hpp"

namespace mtc::report {

struct Rgb {
    std::uint8_t r = 0, g = 0, b = 0;
    bool operator==(const Rgb&) const = default;
};

// The bitmap font: 5x7 glyphs in a 6x9 cell (one column and two rows of spacing, where the
// descenders of g, p, q and y go), scaled by
// an integer factor. ASCII letters, digits and common punctuation; anything else draws as '?'.
inline constexpr int kGlyphW = 5, kGlyphH = 7, kCellW = 6, kCellH = 9;

class Raster {
public:
    Raster(int width, int height, Rgb background);

    [[nodiscard]] int width() const { return w_; }
    [[nodiscard]] int height() const { return h_; }
    // Rows top to bottom, 3 bytes (R, G, B) a pixel.
    [[nodiscard]] const std::vector<std::uint8_t>& pixels() const { return px_; }
    [[nodiscard]] Rgb at(int x, int y) const;

    void set(int x, int y, Rgb c);                          // ignores points outside the raster
    void fill_rect(int x0, int y0, int x1, int y1, Rgb c);  // inclusive corners, any order
    // A straight line of `thickness` pixels (a square pen) from (x0, y0) to (x1, y1).
    void line(double x0, double y0, double x1, double y1, Rgb c, int thickness = 1);
    void disc(int cx, int cy, int radius, Rgb c);
    // Text with its top-left corner at (x, y); `up` rotates it 90 degrees anticlockwise (it
    // then reads bottom to top, with (x, y) its bottom-left corner).
    void text(int x, int y, std::string_view s, Rgb c, int scale = 1, bool up = false);
    [[nodiscard]] static int text_width(std::string_view s, int scale = 1);
    [[nodiscard]] static int text_height(int scale = 1) { return kGlyphH * scale; }

private:
    int w_, h_;
    std::vector<std::uint8_t> px_;
};

enum class PngCompression {
    deflate,  // zlib's deflate when built with zlib, else stored blocks
    stored,   // stored (uncompressed) deflate blocks, always available
};

// True when encode_png can compress (the build found zlib).
bool png_deflate_available();
// The raster as a PNG file: signature, IHDR (8-bit RGB, no interlace), one IDAT with a zlib
// stream of the rows (filter type 0), IEND.
Bytes encode_png(const Raster& image, PngCompression compression = PngCompression::deflate);

// CRC-32 of ISO 3309 / PNG (polynomial 0xEDB88320, reflected, inverted); `crc` continues one.
std::uint32_t crc32(BytesView data, std::uint32_t crc = 0);
// Adler-32 of RFC 1950.
std::uint32_t adler32(BytesView data, std::uint32_t adler = 1);

struct PlotSeries {
    std::string name;
    Rgb color;
    std::vector<double> x, y;     // same length; drawn in the given order
    bool square_markers = false;  // circles otherwise, so the series differ in grey too
};

struct LinePlot {
    std::string title, x_label, y_label;
    bool log_x = false, log_y = false;
    std::vector<PlotSeries> series;
    int width = 960, height = 640;
};

// Draws the plot. Errors: no point at all, mismatched x/y lengths, a value that is not finite
// or, on a logarithmic axis, not positive; a size below 320x240.
Result<Raster> render_plot(const LinePlot& plot);

// Tick label text: integers as digits up to 9999, larger values with k, M, G (10k, 2.5M);
// other values with up to 3 significant digits.
std::string tick_label(double v);

}  // namespace mtc::report
