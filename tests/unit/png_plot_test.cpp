// The PNG line-plot writer (harness/report/png_plot.hpp): checksums against published values,
// the PNG container read back chunk by chunk with an independent CRC, stored-block IDATs
// decoded back to the pixels, and the plot renderer's size, colours and errors.
#include "harness/report/png_plot.hpp"

#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace mtc::report {
namespace {

Bytes bytes_of(std::string_view s) {
    return Bytes(s.begin(), s.end());
}

// Bit by bit, straight from the PNG specification's definition (no table).
std::uint32_t reference_crc(BytesView data) {
    std::uint32_t c = 0xffffffffu;
    for (std::uint8_t b : data) {
        c ^= b;
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ ((c & 1) != 0 ? 0xEDB88320u : 0u);
    }
    return ~c;
}

std::uint32_t be32(const Bytes& b, std::size_t at) {
    return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
           (std::uint32_t{b[at + 2]} << 8) | b[at + 3];
}

struct Chunk {
    std::string type;
    Bytes data;
};

// Splits a PNG into chunks, checking the signature, every length and every CRC.
std::vector<Chunk> read_png(const Bytes& png) {
    const Bytes sig = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    std::vector<Chunk> out;
    EXPECT_GE(png.size(), sig.size());
    if (png.size() < sig.size() || !std::equal(sig.begin(), sig.end(), png.begin())) {
        ADD_FAILURE() << "bad PNG signature";
        return out;
    }
    std::size_t at = sig.size();
    while (at < png.size()) {
        if (at + 12 > png.size()) {
            ADD_FAILURE() << "truncated chunk at " << at;
            break;
        }
        const std::uint32_t len = be32(png, at);
        if (at + 12 + len > png.size()) {
            ADD_FAILURE() << "chunk length past the end at " << at;
            break;
        }
        Chunk c;
        c.type.assign(png.begin() + static_cast<std::ptrdiff_t>(at + 4),
                      png.begin() + static_cast<std::ptrdiff_t>(at + 8));
        c.data.assign(png.begin() + static_cast<std::ptrdiff_t>(at + 8),
                      png.begin() + static_cast<std::ptrdiff_t>(at + 8 + len));
        const BytesView covered(png.data() + at + 4, len + 4);
        EXPECT_EQ(be32(png, at + 8 + len), reference_crc(covered)) << "CRC of " << c.type;
        out.push_back(std::move(c));
        at += 12 + len;
    }
    return out;
}

// Inflates a zlib stream made only of stored blocks, checking header and Adler-32.
Bytes inflate_stored(const Bytes& z) {
    Bytes out;
    EXPECT_GE(z.size(), 6u);
    if (z.size() < 6) return out;
    EXPECT_EQ(z[0] & 0x0f, 8) << "compression method deflate";
    EXPECT_EQ(((z[0] << 8) | z[1]) % 31, 0) << "FCHECK";
    std::size_t at = 2;
    for (;;) {
        if (at + 5 > z.size()) {
            ADD_FAILURE() << "truncated stored block";
            return out;
        }
        const std::uint8_t hdr = z[at];
        EXPECT_EQ(hdr & 0x06, 0) << "BTYPE stored";
        const std::size_t len = z[at + 1] | (z[at + 2] << 8);
        const std::size_t nlen = z[at + 3] | (z[at + 4] << 8);
        EXPECT_EQ(len ^ 0xffff, nlen);
        if (at + 5 + len > z.size()) {
            ADD_FAILURE() << "stored block past the end";
            return out;
        }
        out.insert(out.end(), z.begin() + static_cast<std::ptrdiff_t>(at + 5),
                   z.begin() + static_cast<std::ptrdiff_t>(at + 5 + len));
        at += 5 + len;
        if ((hdr & 1) != 0) break;
    }
    EXPECT_EQ(at + 4, z.size());
    if (at + 4 > z.size()) return out;
    std::uint32_t a = 1, b = 0;  // Adler-32, the slow way
    for (std::uint8_t byte : out) {
        a = (a + byte) % 65521;
        b = (b + a) % 65521;
    }
    EXPECT_EQ(be32(z, at), (b << 16) | a);
    return out;
}

TEST(PngChecksums, PublishedValues) {
    EXPECT_EQ(crc32(bytes_of("123456789")), 0xCBF43926u);  // the CRC-32 check value
    EXPECT_EQ(crc32(bytes_of("")), 0u);
    EXPECT_EQ(crc32(bytes_of("456789"), crc32(bytes_of("123"))), 0xCBF43926u);
    EXPECT_EQ(adler32(bytes_of("Wikipedia")), 0x11E60398u);
    EXPECT_EQ(adler32(bytes_of("")), 1u);
    const Bytes big(100000, 0xff);  // past zlib's NMAX: the reduction must keep up
    std::uint32_t a = 1, b = 0;
    for (std::uint8_t byte : big) {
        a = (a + byte) % 65521;
        b = (b + a) % 65521;
    }
    EXPECT_EQ(adler32(big), (b << 16) | a);
}

TEST(PngEncode, StoredBlocksDecodeBackToThePixels) {
    Raster img(7, 5, Rgb{10, 20, 30});
    img.set(0, 0, {255, 0, 0});
    img.set(6, 4, {0, 255, 0});
    img.set(3, 2, {1, 2, 3});
    const Bytes png = encode_png(img, PngCompression::stored);
    const auto chunks = read_png(png);
    ASSERT_EQ(chunks.size(), 3u);
    EXPECT_EQ(chunks[0].type, "IHDR");
    EXPECT_EQ(chunks[1].type, "IDAT");
    EXPECT_EQ(chunks[2].type, "IEND");
    EXPECT_TRUE(chunks[2].data.empty());
    const Bytes& ihdr = chunks[0].data;
    ASSERT_EQ(ihdr.size(), 13u);
    EXPECT_EQ(be32(ihdr, 0), 7u);
    EXPECT_EQ(be32(ihdr, 4), 5u);
    EXPECT_EQ(ihdr[8], 8);   // bit depth
    EXPECT_EQ(ihdr[9], 2);   // truecolour
    EXPECT_EQ(ihdr[10], 0);  // deflate
    EXPECT_EQ(ihdr[11], 0);  // filter method
    EXPECT_EQ(ihdr[12], 0);  // no interlace

    const Bytes raw = inflate_stored(chunks[1].data);
    ASSERT_EQ(raw.size(), 5u * (1 + 7 * 3));
    for (std::size_t y = 0; y < 5; ++y) {
        EXPECT_EQ(raw[y * 22], 0) << "filter type of row " << y;
        for (std::size_t x = 0; x < 7; ++x) {
            const Rgb c = img.at(static_cast<int>(x), static_cast<int>(y));
            const std::size_t i = y * 22 + 1 + x * 3;
            EXPECT_EQ(raw[i], c.r);
            EXPECT_EQ(raw[i + 1], c.g);
            EXPECT_EQ(raw[i + 2], c.b);
        }
    }
    EXPECT_EQ(raw[1], 255);
    EXPECT_EQ(raw[4 * 22 + 1 + 6 * 3 + 1], 255);
}

TEST(PngEncode, LargeImagesSpanSeveralStoredBlocks) {
    Raster img(300, 200, Rgb{200, 100, 50});  // 200 * 901 = 180200 bytes: 3 blocks
    img.fill_rect(10, 10, 20, 20, {0, 0, 0});
    const auto chunks = read_png(encode_png(img, PngCompression::stored));
    ASSERT_EQ(chunks.size(), 3u);
    const Bytes raw = inflate_stored(chunks[1].data);
    ASSERT_EQ(raw.size(), 200u * 901u);
    EXPECT_EQ(raw[15 * 901 + 1 + 15 * 3], 0);
    EXPECT_EQ(raw[100 * 901 + 1 + 100 * 3], 200);
}

TEST(PngEncode, DeflatedIsAValidContainerAndSmallerWithZlib) {
    Raster img(400, 300, Rgb{255, 255, 255});
    img.line(0, 0, 399, 299, {255, 0, 0}, 2);
    const Bytes png = encode_png(img);
    const auto chunks = read_png(png);
    ASSERT_EQ(chunks.size(), 3u);
    ASSERT_GE(chunks[1].data.size(), 6u);
    EXPECT_EQ(chunks[1].data[0] & 0x0f, 8);
    EXPECT_EQ(((chunks[1].data[0] << 8) | chunks[1].data[1]) % 31, 0);
    const Bytes stored = encode_png(img, PngCompression::stored);
    if (png_deflate_available()) {
        EXPECT_LT(png.size(), stored.size() / 10);
    } else {
        EXPECT_EQ(png, stored);
    }
}

TEST(PngRaster, TextDrawsTheGlyphs) {
    Raster img(20, 10, Rgb{255, 255, 255});
    img.text(1, 1, "1", {0, 0, 0});
    // '1' is "..#.." ".##.." "..#.." x4 ".###.": the stem at column 2.
    for (int r = 0; r < 7; ++r) EXPECT_EQ(img.at(1 + 2, 1 + r), (Rgb{0, 0, 0})) << r;
    EXPECT_EQ(img.at(1 + 1, 1 + 1), (Rgb{0, 0, 0}));
    EXPECT_EQ(img.at(1 + 0, 1 + 0), (Rgb{255, 255, 255}));
    EXPECT_EQ(img.at(1 + 4, 1 + 6), (Rgb{255, 255, 255}));
    EXPECT_EQ(Raster::text_width("abc", 2), 3 * kCellW * 2 - 2);
    EXPECT_EQ(Raster::text_width(""), 0);
    // Unknown characters draw as '?', never crash; outside the raster is clipped.
    img.text(15, 5, "\x01\xff", {0, 0, 0}, 3);
    img.text(5, 5, "up", {0, 0, 0}, 1, true);
}

TEST(PngPlot, RendersAxesSeriesAndLegend) {
    LinePlot p;
    p.title = "SN<->HN signalling";
    p.x_label = "n";
    p.y_label = "bytes";
    p.log_x = p.log_y = true;
    p.width = 640;
    p.height = 480;
    const Rgb red{214, 39, 40}, blue{31, 119, 180};
    p.series.push_back({"EPS-AKA", red, {1, 10, 100, 1000}, {200, 2000, 20000, 200000}, false});
    p.series.push_back({"GAKA", blue, {1, 10, 100, 1000}, {200, 900, 8000, 80000}, true});
    auto r = render_plot(p);
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_EQ(r->width(), 640);
    EXPECT_EQ(r->height(), 480);
    std::size_t reds = 0, blues = 0, blacks = 0;
    for (int y = 0; y < r->height(); ++y) {
        for (int x = 0; x < r->width(); ++x) {
            const Rgb c = r->at(x, y);
            reds += c == red;
            blues += c == blue;
            blacks += c == Rgb{0, 0, 0};
        }
    }
    EXPECT_GT(reds, 500u);
    EXPECT_GT(blues, 500u);
    EXPECT_GT(blacks, 1000u);  // frame, ticks, title and labels
    const auto chunks = read_png(encode_png(*r));
    ASSERT_EQ(chunks.size(), 3u);
    EXPECT_EQ(be32(chunks[0].data, 0), 640u);
    EXPECT_EQ(be32(chunks[0].data, 4), 480u);
}

TEST(PngPlot, LinearAxesAndErrors) {
    LinePlot p;
    p.series.push_back({"s", {0, 0, 0}, {0, 1, 2}, {-1, 0, 5}, false});
    EXPECT_TRUE(render_plot(p).ok());
    p.log_y = true;
    EXPECT_FALSE(render_plot(p).ok());  // y <= 0 on a log axis
    p.log_y = false;
    p.series[0].y.pop_back();
    EXPECT_FALSE(render_plot(p).ok());  // x and y lengths differ
    p.series.clear();
    EXPECT_FALSE(render_plot(p).ok());  // nothing to plot
    LinePlot tiny;
    tiny.width = 100;
    tiny.series.push_back({"s", {0, 0, 0}, {1}, {1}, false});
    EXPECT_FALSE(render_plot(tiny).ok());
    tiny.width = 960;
    EXPECT_TRUE(render_plot(tiny).ok());  // one point: a degenerate range still renders
}

TEST(PngPlot, TickLabels) {
    EXPECT_EQ(tick_label(1), "1");
    EXPECT_EQ(tick_label(1000), "1000");
    EXPECT_EQ(tick_label(10000), "10k");
    EXPECT_EQ(tick_label(2500000), "2.5M");
    EXPECT_EQ(tick_label(1e9), "1G");
    EXPECT_EQ(tick_label(0.5), "0.5");
    EXPECT_EQ(tick_label(-20), "-20");
}

}  // namespace
}  // namespace mtc::report
