// End-to-end: `mtcfuzz bench gaka-signalling` on live processes (GAKA groups against separate
// EPS-AKA runs, SN <-> HN frames counted by the hub), its CSV, Markdown, PNG and JSON, and its
// argument errors; plus a live run past 120 instances (the address plan's second /24).
#include <map>
#include <sstream>
#include <vector>

#include "tests/e2e/live_helpers.hpp"

namespace mtc::e2e {
namespace {

using json = nlohmann::json;

using CsvRow = std::map<std::string, std::string>;

std::vector<std::string> split(const std::string& line, char sep) {
    std::vector<std::string> out;
    std::stringstream in(line);
    std::string item;
    while (std::getline(in, item, sep)) out.push_back(item);
    if (!line.empty() && line.back() == sep) out.emplace_back();
    return out;
}

std::vector<CsvRow> read_csv(const std::string& text) {
    std::vector<CsvRow> rows;
    std::stringstream in(text);
    std::string line;
    std::vector<std::string> header;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        const auto cells = split(line, ',');
        if (header.empty()) {
            header = cells;
            continue;
        }
        EXPECT_EQ(cells.size(), header.size()) << line;
        CsvRow r;
        for (std::size_t i = 0; i < header.size() && i < cells.size(); ++i) r[header[i]] = cells[i];
        rows.push_back(r);
    }
    return rows;
}

std::uint64_t num(const CsvRow& r, const std::string& col) {
    auto it = r.find(col);
    EXPECT_NE(it, r.end()) << "no column " << col;
    if (it == r.end() || it->second.empty()) return 0;
    return std::stoull(it->second);
}

const CsvRow* find(const std::vector<CsvRow>& rows, const std::string& protocol, std::uint64_t n) {
    for (const auto& r : rows) {
        if (r.at("protocol") == protocol && num(r, "n") == n) return &r;
    }
    return nullptr;
}

std::uint32_t be32(const std::string& b, std::size_t at) {
    auto u = [&](std::size_t i) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(b[i]));
    };
    return (u(at) << 24) | (u(at + 1) << 16) | (u(at + 2) << 8) | u(at + 3);
}

class GakaSignalling : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new std::string(temp_dir("gaka-signalling"));
        run_ = new Cmd(
            mtcfuzz("bench gaka-signalling --max-group 20 -o " + *dir_ + "/out --seed 7 --json"));
    }
    static void TearDownTestSuite() {
        std::filesystem::remove_all(*dir_);
        delete dir_;
        delete run_;
    }
    static std::string diag() { return "exit " + std::to_string(run_->code) + "\n" + run_->err; }
    static std::string* dir_;
    static Cmd* run_;
};
std::string* GakaSignalling::dir_ = nullptr;
Cmd* GakaSignalling::run_ = nullptr;

TEST_F(GakaSignalling, EverySessionCommitsAndTheCountsAreThePapers) {
    ASSERT_EQ(run_->code, 0) << diag();
    const std::string base = *dir_ + "/out/gaka-signalling";
    for (const char* ext : {".csv", ".md", ".png"})
        EXPECT_TRUE(std::filesystem::exists(base + ext)) << ext;
    const auto rows = read_csv(slurp(base + ".csv"));
    ASSERT_EQ(rows.size(), 10u) << slurp(base + ".csv");  // n = 1, 2, 5, 10, 20 x 2 protocols
    for (std::uint64_t n : {1, 2, 5, 10, 20}) {
        const CsvRow* e = find(rows, "eps-aka", n);
        const CsvRow* g = find(rows, "gaka", n);
        ASSERT_NE(e, nullptr) << n;
        ASSERT_NE(g, nullptr) << n;
        for (const CsvRow* r : {e, g}) {
            EXPECT_EQ(r->at("all_committed"), "true") << r->at("protocol") << " n=" << n;
            EXPECT_EQ(num(*r, "sessions"), n);
            EXPECT_EQ(num(*r, "committed"), n);
            EXPECT_EQ(num(*r, "processes"), n + 2);  // devices, SN, HN
            EXPECT_EQ(num(*r, "sn_hn_msgs"), num(*r, "sn_to_hn_msgs") + num(*r, "hn_to_sn_msgs"));
            EXPECT_EQ(num(*r, "sn_hn_bytes"),
                      num(*r, "sn_to_hn_bytes") + num(*r, "hn_to_sn_bytes"));
            // Every frame has its 16-byte header: bytes are frames, not counts.
            EXPECT_GT(num(*r, "sn_to_hn_bytes"), 16 * num(*r, "sn_to_hn_msgs"));
            // Every attach has at least a request, a challenge and an answer on the access link.
            EXPECT_GE(num(*r, "access_msgs"), 3 * n);
        }
        // EPS-AKA: AuthDataReq + AuthDataResp per device.
        EXPECT_EQ(num(*e, "sn_to_hn_msgs"), n);
        EXPECT_EQ(num(*e, "hn_to_sn_msgs"), n);
        EXPECT_EQ(num(*e, "sn_hn_msgs"), 2 * n);
        // GAKA: one GroupAuthDataReq for the group, its response in one part at this size.
        EXPECT_EQ(num(*g, "sn_to_hn_msgs"), 1u) << "n=" << n;
        EXPECT_GE(num(*g, "hn_to_sn_msgs"), 1u);
        EXPECT_LE(num(*g, "hn_to_sn_msgs"), 2u);
        if (n >= 5) EXPECT_LT(num(*g, "sn_hn_bytes"), num(*e, "sn_hn_bytes")) << "n=" << n;
    }
    // EPS-AKA grows linearly with n; GAKA's one request does not.
    EXPECT_GE(num(*find(rows, "eps-aka", 20), "sn_hn_bytes"),
              19 * num(*find(rows, "eps-aka", 1), "sn_hn_bytes"));
    EXPECT_EQ(num(*find(rows, "gaka", 20), "sn_to_hn_bytes"),
              num(*find(rows, "gaka", 1), "sn_to_hn_bytes"));
}

TEST_F(GakaSignalling, MarkdownAndJsonCarryTheMeasuredNumbers) {
    ASSERT_EQ(run_->code, 0) << diag();
    const std::string base = *dir_ + "/out/gaka-signalling";
    const auto rows = read_csv(slurp(base + ".csv"));
    const std::string md = slurp(base + ".md");
    EXPECT_NE(md.find("I = 1 - GAKA / EPS-AKA"), std::string::npos) << md;
    const json j = json::parse(run_->out, nullptr, false);
    ASSERT_TRUE(j.is_object()) << run_->out;
    EXPECT_EQ(j["ok"], true);
    EXPECT_EQ(j["points"], json::parse("[1,2,5,10,20]"));
    ASSERT_EQ(j["rows"].size(), rows.size());
    for (const auto& jr : j["rows"]) {
        const CsvRow* r = find(rows, jr["protocol"], jr["n"]);
        ASSERT_NE(r, nullptr);
        EXPECT_EQ(jr["sn_hn"]["msgs"].get<std::uint64_t>(), num(*r, "sn_hn_msgs"));
        EXPECT_EQ(jr["sn_hn"]["bytes"].get<std::uint64_t>(), num(*r, "sn_hn_bytes"));
    }
    // The table's row for n = 20, computed here from the CSV.
    const CsvRow& e = *find(rows, "eps-aka", 20);
    const CsvRow& g = *find(rows, "gaka", 20);
    const double eb = static_cast<double>(num(e, "sn_hn_bytes"));
    const double gb = static_cast<double>(num(g, "sn_hn_bytes"));
    char improvement[32], ratio[32];
    std::snprintf(improvement, sizeof improvement, "%.1f%%", 100.0 * (1.0 - gb / eb));
    std::snprintf(ratio, sizeof ratio, "%.2f", eb / gb);
    const std::string row = "| 20 | " + std::to_string(num(e, "sn_hn_msgs")) + " | " +
                            std::to_string(num(e, "sn_hn_bytes")) + " | " +
                            std::to_string(num(g, "sn_hn_msgs")) + " | " +
                            std::to_string(num(g, "sn_hn_bytes")) + " | ";
    const auto at = md.find(row);
    ASSERT_NE(at, std::string::npos) << row << "\n" << md;
    const std::string line = md.substr(at, md.find('\n', at) - at);
    EXPECT_NE(line.find(improvement), std::string::npos) << line << " wants " << improvement;
    EXPECT_NE(line.find(ratio), std::string::npos) << line << " wants " << ratio;
    for (const auto& c : j["comparison"]) {
        if (c["n"] == 20) EXPECT_NEAR(c["improvement_bytes"].get<double>(), 1.0 - gb / eb, 1e-9);
    }
}

TEST_F(GakaSignalling, ThePlotIsAPng) {
    ASSERT_EQ(run_->code, 0) << diag();
    const std::string png_path = *dir_ + "/out/gaka-signalling.png";
    const std::string png = slurp(png_path);
    ASSERT_GT(png.size(), 33u);
    EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    EXPECT_EQ(png.substr(12, 4), "IHDR");
    const std::uint32_t w = be32(png, 16), h = be32(png, 20);
    EXPECT_EQ(w, 960u);
    EXPECT_EQ(h, 640u);
    if (have("file")) {
        const Cmd f = sh("file -b " + png_path);
        EXPECT_NE(f.out.find("PNG image data, 960 x 640, 8-bit/color RGB"), std::string::npos)
            << f.out;
    }
    // Python's zlib inflates the IDAT (and checks its Adler-32) to exactly the rows.
    if (have("python3") && sh("python3 -c 'import zlib'").code == 0) {
        const std::string script = *dir_ + "/png_check.py";
        std::ofstream(script) << R"(import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n'
pos, idat, width, height = 8, b'', 0, 0
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    crc, = struct.unpack('>I', data[pos + 8 + n:pos + 12 + n])
    assert zlib.crc32(kind + body) == crc, kind
    if kind == b'IHDR':
        width, height = struct.unpack('>II', body[:8])
    if kind == b'IDAT':
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
assert len(raw) == height * (1 + 3 * width), (len(raw), width, height)
assert all(raw[y * (1 + 3 * width)] == 0 for y in range(height))
colours = set(raw[i:i + 3] for y in range(height) for i in range(y * (1 + 3 * width) + 1, (y + 1) * (1 + 3 * width), 3))
assert bytes((214, 39, 40)) in colours and bytes((31, 119, 180)) in colours
print('ok', width, height)
)";
        const Cmd c = sh("python3 " + script + " " + png_path);
        EXPECT_EQ(c.code, 0) << c.out << c.err;
        EXPECT_NE(c.out.find("ok 960 640"), std::string::npos) << c.out << c.err;
    }
}

TEST(GakaSignallingArgs, BadArgumentsAreUsageErrors) {
    const std::string dir = temp_dir("gaka-signalling-args");
    struct Case {
        std::string args, message;
    };
    for (const Case& c : std::vector<Case>{
             {"--max-group 0 -o " + dir, "--max-group must be 1..5000"},
             {"--max-group 5001 -o " + dir, "--max-group must be 1..5000"},
             {"--max-group 10", "-o/--out DIR is required"},
             {"--points 1,x -o " + dir, "--points wants comma-separated group sizes"},
             {"--points 0 -o " + dir, "every group size must be 1..5000"},
             {"--points 50 --max-group 20 -o " + dir, "above --max-group 20"},
             {"--frobnicate -o " + dir, "frobnicate"},
         }) {
        const Cmd r = mtcfuzz("bench gaka-signalling " + c.args);
        EXPECT_EQ(r.code, 2) << c.args << "\n" << r.err;
        EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
    }
    const Cmd help = mtcfuzz("bench gaka-signalling --help");
    EXPECT_EQ(help.code, 0);
    EXPECT_NE(help.out.find("I = 1 - GAKA/EPS-AKA"), std::string::npos) << help.out;
    EXPECT_NE(help.out.find("example"), std::string::npos) << help.out;
    EXPECT_EQ(mtcfuzz("bench").code, 2);
    EXPECT_EQ(mtcfuzz("bench nope").code, 2);
    std::filesystem::remove_all(dir);
}

// 125 MTCd + UE + MTCs = 127 instances: the last 7 live in the prefix's second /24.
TEST(AddressPlanLive, ARunPast120InstancesCommitsEverySession) {
    const Cmd r =
        mtcfuzz("run prose --instances MTCd=125 --sessions 125 --addr-prefix 127.77.254 --json");
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    const json j = json::parse(r.out, nullptr, false);
    ASSERT_TRUE(j.is_object()) << r.out;
    EXPECT_EQ(j["committed"], 125);
    EXPECT_EQ(j["ok"], true);
    // Past 127.A.255 the plan is refused with a clear error.
    const Cmd over =
        mtcfuzz("run prose --instances MTCd=125 --sessions 1 --addr-prefix 127.77.255");
    EXPECT_EQ(over.code, 3) << over.err;
    EXPECT_NE(over.err.find("past .255"), std::string::npos) << over.err;
}

}  // namespace
}  // namespace mtc::e2e
