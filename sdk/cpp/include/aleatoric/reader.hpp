// Read the canonical tables: as Arrow record batches (zero-copy) or as typed records.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include <arrow/type_fwd.h>  // include <arrow/api.h> to use the batches and tables

#include "aleatoric/dataset.hpp"
#include "aleatoric/records.hpp"

namespace aleatoric {

struct ReadOptions {
  /// Rows per record batch.
  std::int64_t batch_size = 64 * 1024;
  /// Decode columns in parallel on Arrow's thread pool (pyarrow's default too).
  bool use_threads = true;
  /// Only this instrument's files (default: all files of the table).
  std::optional<Instrument> instrument;
};

/// The record batches of one table, file after file in stream order (segment, then date).
/// Each batch carries the file's columns as written (the schema of docs/schema.md).
class BatchReader {
 public:
  BatchReader(const Dataset& dataset, Table table, ReadOptions options = {});
  ~BatchReader();
  BatchReader(BatchReader&&) noexcept;
  BatchReader& operator=(BatchReader&&) noexcept;

  /// The next batch, or nullptr after the last one. Throws Error on unreadable files.
  std::shared_ptr<arrow::RecordBatch> next();
  Table table() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Append a batch's rows as typed records; throws Error naming a missing or mistyped column.
void append_records(const arrow::RecordBatch& batch, std::vector<Mbo>& out);
void append_records(const arrow::RecordBatch& batch, std::vector<BookDelta>& out);
void append_records(const arrow::RecordBatch& batch, std::vector<Trade>& out);
void append_records(const arrow::RecordBatch& batch, std::vector<Ticker>& out);
void append_records(const arrow::RecordBatch& batch, std::vector<Funding>& out);
void append_records(const arrow::RecordBatch& batch, std::vector<BookSnapshot>& out);

/// Typed records of the table of `Record` (Mbo, BookDelta, Trade, Ticker, Funding,
/// BookSnapshot), one batch at a time.
template <class Record>
class RecordReader {
 public:
  explicit RecordReader(const Dataset& dataset, ReadOptions options = {})
      : batches_(dataset, Record::table, std::move(options)) {}

  /// Replace `out` with the next batch's records; false after the last batch.
  bool next_batch(std::vector<Record>& out) {
    out.clear();
    while (out.empty()) {
      auto batch = batches_.next();
      if (!batch) return false;
      append_records(*batch, out);
    }
    return true;
  }

  /// The next record; false at the end.
  bool next(Record& out) {
    if (pos_ == buffer_.size()) {
      pos_ = 0;
      if (!next_batch(buffer_)) return false;
    }
    out = std::move(buffer_[pos_++]);
    return true;
  }

 private:
  BatchReader batches_;
  std::vector<Record> buffer_;
  std::size_t pos_ = 0;
};

/// Every record of the table of `Record`.
template <class Record>
std::vector<Record> read_records(const Dataset& dataset, ReadOptions options = {}) {
  std::vector<Record> out;
  BatchReader batches(dataset, Record::table, std::move(options));
  while (auto batch = batches.next()) append_records(*batch, out);
  return out;
}

/// A whole table (all its files, in stream order) as one Arrow table.
std::shared_ptr<arrow::Table> read_arrow_table(const Dataset& dataset, Table table,
                                               ReadOptions options = {});

/// The engine's content digest of a listed Parquet file (manifest `content_sha256`),
/// recomputed from its rows.
std::string file_content_sha256(const Dataset& dataset, const FileEntry& file);

/// One Parquet file as an Arrow table, with its schema metadata.
std::shared_ptr<arrow::Table> read_parquet_file(const std::filesystem::path& path,
                                                bool use_threads = false);

}  // namespace aleatoric
