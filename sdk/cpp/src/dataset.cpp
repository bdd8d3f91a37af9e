#include "aleatoric/dataset.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "aleatoric/digest.hpp"

namespace aleatoric {

VerifyError::VerifyError(std::vector<std::string> problems)
    : Error([&] {
        std::string joined;
        for (const auto& p : problems) joined += (joined.empty() ? "" : "; ") + p;
        return joined;
      }()),
      problems_(std::move(problems)) {}

namespace {

constexpr std::string_view kNames[] = {"mbo",    "book_delta", "book_snapshot",
                                       "trades", "ticker",     "funding"};

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string() + ": cannot read");
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// "date=2026-01-01" -> "2026-01-01" for the partition key `key`.
void parse_partitions(FileEntry& f) {
  std::string_view rest = f.path;
  while (!rest.empty()) {
    auto slash = rest.find('/');
    auto part = rest.substr(0, slash);
    if (auto eq = part.find('='); eq != std::string_view::npos) {
      auto key = part.substr(0, eq);
      auto value = std::string(part.substr(eq + 1));
      if (key == "venue") f.venue = value;
      else if (key == "symbol") f.symbol = value;
      else if (key == "date") f.date = value;
    } else if (part.starts_with("part-")) {
      int seg = -1;
      auto digits = part.substr(5, part.find('.') - 5);
      if (std::from_chars(digits.data(), digits.data() + digits.size(), seg).ec == std::errc()) f.segment = seg;
    }
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
}

template <class T>
T field(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key)) throw InputError(where + ": missing field '" + key + "'");
  try {
    return j.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw InputError(where + ": field '" + key + "' has the wrong type, was " + j.at(key).dump());
  }
}

}  // namespace

const std::vector<Table>& all_tables() {
  static const std::vector<Table> tables{Table::mbo,    Table::book_delta, Table::book_snapshot,
                                         Table::trades, Table::ticker,     Table::funding};
  return tables;
}

std::string_view table_name(Table table) { return kNames[static_cast<int>(table)]; }

std::optional<Table> table_from_name(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kNames); ++i)
    if (kNames[i] == name) return static_cast<Table>(i);
  return std::nullopt;
}

Grid Grid::parse(std::string_view text) {
  // Exact decimal: digits with an optional point and exponent, normalized like Python's
  // Decimal.normalize() (trailing zeros dropped).
  std::string digits;
  int scale = 0;
  bool point = false;
  std::size_t i = 0;
  for (; i < text.size() && text[i] != 'e' && text[i] != 'E'; ++i) {
    char c = text[i];
    if (c == '.' && !point) {
      point = true;
    } else if (c >= '0' && c <= '9') {
      digits += c;
      if (point) ++scale;
    } else {
      throw InputError("grid step must be a positive decimal, was '" + std::string(text) + "'");
    }
  }
  if (i < text.size()) {
    int exp = 0;
    auto s = text.substr(i + 1);
    if (!s.empty() && s[0] == '+') s.remove_prefix(1);
    if (std::from_chars(s.data(), s.data() + s.size(), exp).ec != std::errc())
      throw InputError("grid step must be a positive decimal, was '" + std::string(text) + "'");
    scale -= exp;
  }
  std::int64_t num = 0;
  for (char c : digits) num = num * 10 + (c - '0');
  if (num <= 0) throw InputError("grid step must be positive, was '" + std::string(text) + "'");
  while (num % 10 == 0 && scale > 0) {
    num /= 10;
    --scale;
  }
  while (scale < 0) {
    num *= 10;
    ++scale;
  }
  return Grid{num, scale};
}

Grid Grid::times(const Grid& o) const {
  Grid g{numerator * o.numerator, scale + o.scale};
  while (g.numerator % 10 == 0 && g.scale > 0) {
    g.numerator /= 10;
    --g.scale;
  }
  return g;
}

double Grid::to_float(std::int64_t units) const {
  return static_cast<double>(units * numerator) / std::pow(10.0, scale);
}

std::int64_t Grid::to_units(double value) const {
  return static_cast<std::int64_t>(std::nearbyint(value * std::pow(10.0, scale) / static_cast<double>(numerator)));
}

Grid Instrument::price_grid() const {
  if (!rules.is_object() || !rules.contains("tick_size"))
    throw InputError(venue + "/" + symbol + ": the manifest has no instrument rules (tick_size)");
  return Grid::parse(rules.at("tick_size").get<std::string>());
}

Grid Instrument::size_grid() const {
  if (!rules.is_object() || !rules.contains("lot_size"))
    throw InputError(venue + "/" + symbol + ": the manifest has no instrument rules (lot_size)");
  Grid lot = Grid::parse(rules.at("lot_size").get<std::string>());
  std::string cv = rules.contains("contract_value") ? rules.at("contract_value").get<std::string>() : "1";
  return lot.times(Grid::parse(cv));
}

Dataset Dataset::open(const std::filesystem::path& root) {
  Dataset ds;
  ds.root_ = root;
  if (!std::filesystem::is_directory(root)) throw InputError(root.string() + ": not a directory");
  auto manifest_path = root / "manifest.json";
  if (!std::filesystem::is_regular_file(manifest_path))
    throw InputError(root.string() + ": no manifest.json; not a dataset");
  std::string raw = read_bytes(manifest_path);
  ds.manifest_sha256_ = sha256_hex(raw);
  try {
    ds.manifest_ = nlohmann::json::parse(raw);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(std::string("manifest.json: not valid JSON (") + e.what() + ")");
  }
  const auto& m = ds.manifest_;
  if (!m.is_object()) throw InputError("manifest.json: not a JSON object");
  for (const char* key : {"config", "seed", "engine", "libraries", "files"})
    if (!m.contains(key)) throw InputError(std::string("manifest.json: missing field '") + key + "'");
  if (!m["files"].is_array()) throw InputError("manifest.json: files must be a list of {path, sha256, ...}");
  std::size_t i = 0;
  for (const auto& f : m["files"]) {
    std::string where = "manifest.json: files[" + std::to_string(i++) + "]";
    if (!f.is_object()) throw InputError(where + ": not an object");
    FileEntry e;
    e.path = field<std::string>(f, "path", where);
    e.sha256 = field<std::string>(f, "sha256", where);
    e.table = f.value("table", std::string());
    e.bytes = f.value("bytes", std::uint64_t{0});
    e.rows = f.value("rows", std::uint64_t{0});
    e.content_sha256 = f.value("content_sha256", std::string());
    e.schema = f.value("schema", std::string());
    parse_partitions(e);
    ds.files_.push_back(std::move(e));
  }
  if (m.contains("segments") && m["segments"].is_array()) {
    for (const auto& s : m["segments"]) {
      Segment seg;
      seg.index = s.value("index", 0);
      seg.start_ns = s.value("start_ns", std::int64_t{0});
      seg.end_ns = s.value("end_ns", std::int64_t{0});
      seg.rows = s.value("rows", std::uint64_t{0});
      seg.trades = s.value("trades", std::uint64_t{0});
      seg.reconciliation_rows = s.value("reconciliation_rows", std::uint64_t{0});
      seg.venue = s.value("venue", std::string());
      seg.symbol = s.value("symbol", std::string());
      ds.segments_.push_back(seg);
    }
  }
  return ds;
}

std::string Dataset::format() const { return manifest_.value("format", std::string()); }
std::uint64_t Dataset::seed() const { return manifest_.at("seed").get<std::uint64_t>(); }
std::string Dataset::engine_version() const {
  const auto& e = manifest_.at("engine");
  return e.is_object() ? e.value("version", std::string()) : std::string();
}

std::vector<Instrument> Dataset::instruments() const {
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& f : files_)
    if (!f.venue.empty() && !f.symbol.empty()) seen.emplace(f.venue, f.symbol);
  if (seen.empty() && manifest_["config"].is_object() && manifest_["config"].contains("venue"))
    seen.emplace(manifest_["config"].value("venue", ""), manifest_["config"].value("symbol", ""));
  // One instrument's rules are written as "instrument", several as "instruments".
  std::vector<nlohmann::json> listed;
  if (manifest_.contains("instrument")) listed.push_back(manifest_["instrument"]);
  if (manifest_.contains("instruments") && manifest_["instruments"].is_array())
    for (const auto& r : manifest_["instruments"]) listed.push_back(r);
  if (seen.empty())
    for (const auto& r : listed)
      if (r.is_object() && r.contains("venue") && r.contains("symbol"))
        seen.emplace(r.value("venue", ""), r.value("symbol", ""));
  std::vector<Instrument> out;
  for (const auto& [venue, symbol] : seen) {
    Instrument ins{venue, symbol, nlohmann::json()};
    for (const auto& rules : listed)
      if (rules.is_object() && rules.value("venue", "") == venue && rules.value("symbol", "") == symbol)
        ins.rules = rules;
    out.push_back(std::move(ins));
  }
  return out;
}

Instrument Dataset::instrument(std::string_view venue, std::string_view symbol) const {
  std::string known;
  for (auto& ins : instruments()) {
    if (ins.venue == venue && ins.symbol == symbol) return ins;
    known += (known.empty() ? "" : ", ") + ins.venue + ":" + ins.symbol;
  }
  throw InputError("instrument must be one of " + known + ", was " + std::string(venue) + ":" +
                   std::string(symbol));
}

std::vector<Table> Dataset::tables() const {
  std::vector<Table> out;
  const auto& t = manifest_.contains("tables") ? manifest_["tables"] : nlohmann::json();
  for (Table table : all_tables())
    if (t.is_object() && t.contains(std::string(table_name(table)))) out.push_back(table);
  return out;
}

std::uint64_t Dataset::rows(Table table) const {
  const auto& t = manifest_.contains("tables") ? manifest_["tables"] : nlohmann::json();
  std::string name(table_name(table));
  return t.is_object() && t.contains(name) ? t[name].get<std::uint64_t>() : 0;
}

std::uint64_t Dataset::rows(Table table, const Instrument& instrument) const {
  std::uint64_t n = 0;
  for (const auto& f : files(table, &instrument)) n += f.rows;
  return n;
}

std::map<std::string, std::string> Dataset::table_digests() const {
  std::map<std::string, std::string> out;
  if (manifest_.contains("table_digests") && manifest_["table_digests"].is_object())
    for (const auto& [k, v] : manifest_["table_digests"].items()) out[k] = v.get<std::string>();
  return out;
}

std::vector<FileEntry> Dataset::files(Table table, const Instrument* instrument) const {
  std::vector<FileEntry> out;
  for (const auto& f : files_) {
    if (f.table != table_name(table) || !f.path.ends_with(".parquet")) continue;
    if (instrument && (f.venue != instrument->venue || f.symbol != instrument->symbol)) continue;
    out.push_back(f);
  }
  std::stable_sort(out.begin(), out.end(), [](const FileEntry& a, const FileEntry& b) {
    return std::tie(a.venue, a.symbol, a.segment, a.date, a.path) <
           std::tie(b.venue, b.symbol, b.segment, b.date, b.path);
  });
  return out;
}

std::filesystem::path Dataset::path_of(const FileEntry& file) const {
  return root_ / std::filesystem::path(file.path);
}

std::vector<std::string> Dataset::check_files() const {
  std::vector<std::string> problems;
  for (const auto& f : files_) {
    auto p = path_of(f);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(std::filesystem::symlink_status(p, ec))) {
      problems.push_back(f.path + ": missing");
      continue;
    }
    if (f.bytes && std::filesystem::file_size(p, ec) != f.bytes) {
      problems.push_back(f.path + ": bytes does not match the file size");
      continue;
    }
    if (sha256_file(p) != f.sha256) problems.push_back(f.path + ": sha256 mismatch");
  }
  return problems;
}

}  // namespace aleatoric
