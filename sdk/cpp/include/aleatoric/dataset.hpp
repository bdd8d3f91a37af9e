// Open a dataset directory: manifest.json, its tables, files, segments and instruments.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "aleatoric/error.hpp"

namespace aleatoric {

/// The canonical tables (docs/schema.md), in the engine's order.
enum class Table : std::uint8_t { mbo, book_delta, book_snapshot, trades, ticker, funding };

/// Every canonical table, in the engine's order.
const std::vector<Table>& all_tables();
/// The table's name as used in paths and the manifest, e.g. "book_delta".
std::string_view table_name(Table table);
/// The table named `name`, or nothing for an unknown name.
std::optional<Table> table_from_name(std::string_view name);

/// A decimal grid step `numerator / 10^scale` (0.10 is 1 / 10^1), as the engine keeps prices
/// and sizes: a value on the grid is the nearest double to `units * step`.
struct Grid {
  std::int64_t numerator = 1;
  int scale = 0;
  /// Parse a decimal string such as "0.10" or "1e-3"; throws InputError.
  static Grid parse(std::string_view decimal);
  /// The product of two grid steps (lot size times contract value).
  Grid times(const Grid& other) const;
  double to_float(std::int64_t units) const;
  std::int64_t to_units(double value) const;
};

/// One venue and symbol of a dataset.
struct Instrument {
  std::string venue;
  std::string symbol;
  /// The instrument's rules from the manifest (tick_size, lot_size, ...), when it has them.
  nlohmann::json rules;
  bool operator==(const Instrument& o) const { return venue == o.venue && symbol == o.symbol; }
  /// The price grid (one tick); throws InputError without rules.
  Grid price_grid() const;
  /// The canonical size grid in base asset (lot size times contract value).
  Grid size_grid() const;
};

/// One data file listed by the manifest.
struct FileEntry {
  std::string path;  ///< relative to the dataset root, '/' separators
  std::string table;
  std::string sha256;
  std::uint64_t bytes = 0;
  std::uint64_t rows = 0;
  std::string content_sha256;  ///< SHA-256 of the rows (Arrow IPC stream), Parquet only
  std::string schema;          ///< fingerprint of the column names and types
  // Hive partitions parsed from the path (empty when the path has none).
  std::string venue;
  std::string symbol;
  std::string date;
  int segment = -1;  ///< from part-NNNNN, -1 when absent
};

/// One segment of the generation (`segments` in the manifest).
struct Segment {
  int index = 0;
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;
  std::uint64_t rows = 0;
  std::uint64_t trades = 0;
  std::uint64_t reconciliation_rows = 0;
  /// The segment's instrument, in a dataset of several (each has its own segments); empty
  /// in a single-instrument dataset.
  std::string venue;
  std::string symbol;
};

/// A dataset directory: `manifest.json` plus hive-partitioned Parquet files.
class Dataset {
 public:
  /// Open the dataset at `root`; throws InputError if it has no readable manifest.json or
  /// the manifest lacks a field the SDK needs.
  static Dataset open(const std::filesystem::path& root);

  const std::filesystem::path& root() const noexcept { return root_; }
  /// The parsed manifest.json.
  const nlohmann::json& manifest() const noexcept { return manifest_; }
  /// Hex SHA-256 of manifest.json's bytes, as read.
  const std::string& manifest_sha256() const noexcept { return manifest_sha256_; }
  std::string format() const;
  std::uint64_t seed() const;
  std::string engine_version() const;

  /// The instruments of the dataset's files (venue=/symbol= partitions), sorted by venue,
  /// then symbol, each with its rules from the manifest's `instrument` (one instrument) or
  /// `instruments` (several).
  std::vector<Instrument> instruments() const;
  /// The instrument `venue`/`symbol` with its rules; throws InputError naming the dataset's
  /// instruments if it holds no such instrument.
  Instrument instrument(std::string_view venue, std::string_view symbol) const;
  /// The tables of the manifest (rows per table, also empty ones), in engine order.
  std::vector<Table> tables() const;
  /// Rows of a table according to the manifest, over every instrument (0 when not listed).
  std::uint64_t rows(Table table) const;
  /// Rows of one instrument's table: the sum of the manifest's rows of its files.
  std::uint64_t rows(Table table, const Instrument& instrument) const;
  /// The manifest's table_digests: SHA-256 over each table's content digests in path order.
  std::map<std::string, std::string> table_digests() const;
  /// The generation's segments.
  const std::vector<Segment>& segments() const noexcept { return segments_; }
  /// Every listed file, in manifest order.
  const std::vector<FileEntry>& files() const noexcept { return files_; }
  /// The Parquet files of one table (of one instrument when given), in stream order:
  /// by segment, then date.
  std::vector<FileEntry> files(Table table, const Instrument* instrument = nullptr) const;
  /// Absolute path of a listed file.
  std::filesystem::path path_of(const FileEntry& file) const;

  /// Check every listed file's size and SHA-256 against the manifest; return the
  /// problems ("<path>: sha256 mismatch", "<path>: missing"), empty when all match.
  std::vector<std::string> check_files() const;

 private:
  std::filesystem::path root_;
  nlohmann::json manifest_;
  std::string manifest_sha256_;
  std::vector<FileEntry> files_;
  std::vector<Segment> segments_;
};

}  // namespace aleatoric
