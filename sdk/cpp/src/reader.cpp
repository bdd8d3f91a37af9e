#include "aleatoric/reader.hpp"

#include <arrow/array.h>
#include <arrow/io/file.h>
#include <arrow/record_batch.h>
#include <arrow/table.h>
#include <arrow/type.h>
#include <parquet/arrow/reader.h>
#include <parquet/properties.h>

#include <string>

#include "aleatoric/digest.hpp"

namespace aleatoric {
namespace {

template <class ArrayT>
const ArrayT& column(const arrow::RecordBatch& batch, const std::string& name, arrow::Type::type type) {
  auto array = batch.GetColumnByName(name);
  if (!array) throw Error("column " + name + ": missing from the batch (schema " + batch.schema()->ToString() + ")");
  if (array->type_id() != type)
    throw Error("column " + name + ": type " + array->type()->ToString() + ", expected " +
                arrow::internal::ToString(type));
  return static_cast<const ArrayT&>(*array);
}

template <class T, class ArrayT>
const T* values(const arrow::RecordBatch& batch, const std::string& name, arrow::Type::type type) {
  return column<ArrayT>(batch, name, type).raw_values();
}

const std::int64_t* i64(const arrow::RecordBatch& b, const std::string& n) {
  return values<std::int64_t, arrow::Int64Array>(b, n, arrow::Type::INT64);
}
// Time columns: timestamp[ns] (any time zone, as written since timestamps became typed) or
// plain int64 nanoseconds (datasets written before); both store int64 nanoseconds.
const std::int64_t* ts(const arrow::RecordBatch& b, const std::string& n) {
  auto array = b.GetColumnByName(n);
  if (array && array->type_id() == arrow::Type::TIMESTAMP) {
    const auto& type = static_cast<const arrow::TimestampType&>(*array->type());
    if (type.unit() != arrow::TimeUnit::NANO)
      throw Error("column " + n + ": type " + array->type()->ToString() + ", expected timestamp[ns] or int64");
    return static_cast<const arrow::TimestampArray&>(*array).raw_values();
  }
  return i64(b, n);
}
const std::uint64_t* u64(const arrow::RecordBatch& b, const std::string& n) {
  return values<std::uint64_t, arrow::UInt64Array>(b, n, arrow::Type::UINT64);
}
const double* f64(const arrow::RecordBatch& b, const std::string& n) {
  return values<double, arrow::DoubleArray>(b, n, arrow::Type::DOUBLE);
}
const arrow::StringArray& str(const arrow::RecordBatch& b, const std::string& n) {
  return column<arrow::StringArray>(b, n, arrow::Type::STRING);
}
const arrow::BooleanArray& boolean(const arrow::RecordBatch& b, const std::string& n) {
  return column<arrow::BooleanArray>(b, n, arrow::Type::BOOL);
}

// First byte of each string (the canonical string columns are codes: B/A/N, bid/ask, ...),
// read straight from the offsets and character buffers.
struct FirstChar {
  const std::int32_t* offsets;
  const std::uint8_t* chars;
  explicit FirstChar(const arrow::StringArray& a) : offsets(a.raw_value_offsets()), chars(a.raw_data()) {}
  char operator()(std::int64_t i) const {
    return offsets[i + 1] > offsets[i] ? static_cast<char>(chars[offsets[i]]) : '\0';
  }
};

// Grow `out` by `n` default records and return the first new one.
template <class R>
R* grow(std::vector<R>& out, std::int64_t n) {
  auto old = out.size();
  out.resize(old + static_cast<std::size_t>(n));
  return out.data() + old;
}

struct Header {
  const std::int64_t* ts_event;
  const std::int64_t* ts_recv;
  const std::uint64_t* seq;
  explicit Header(const arrow::RecordBatch& b) : ts_event(ts(b, "ts_event")), ts_recv(ts(b, "ts_recv")), seq(u64(b, "seq")) {}
  template <class R>
  void fill(R& r, std::int64_t i) const {
    r.ts_event = ts_event[i];
    r.ts_recv = ts_recv[i];
    r.seq = seq[i];
  }
};

std::unique_ptr<parquet::arrow::FileReader> open_parquet(const std::filesystem::path& path, std::int64_t batch_size,
                                                         bool use_threads) {
  auto file = arrow::io::ReadableFile::Open(path.string());
  if (!file.ok()) throw Error(path.string() + ": cannot open (" + file.status().ToString() + ")");
  parquet::ArrowReaderProperties props;
  props.set_batch_size(batch_size);
  props.set_use_threads(use_threads);
  props.set_pre_buffer(true);
  parquet::arrow::FileReaderBuilder builder;
  auto st = builder.Open(*file);
  if (!st.ok()) throw Error(path.string() + ": not a Parquet file (" + st.ToString() + ")");
  builder.properties(props);
  auto reader = builder.Build();
  if (!reader.ok()) throw Error(path.string() + ": " + reader.status().ToString());
  return std::move(*reader);
}

}  // namespace

void append_records(const arrow::RecordBatch& b, std::vector<Mbo>& out) {
  Header h(b);
  auto order_id = u64(b, "order_id");
  FirstChar action(str(b, "action"));
  FirstChar side(str(b, "side"));
  auto price = f64(b, "price");
  auto size = f64(b, "size");
  auto flags = values<std::uint8_t, arrow::UInt8Array>(b, "flags", arrow::Type::UINT8);
  auto n = b.num_rows();
  Mbo* rows = grow(out, n);
  for (std::int64_t i = 0; i < n; ++i) {
    Mbo& r = rows[i];
    h.fill(r, i);
    r.order_id = order_id[i];
    r.action = action(i);
    char s = side(i);
    r.side = s == 'B' ? Side::bid : s == 'A' ? Side::ask : Side::none;
    r.price = price[i];
    r.size = size[i];
    r.flags = flags[i];
  }
}

void append_records(const arrow::RecordBatch& b, std::vector<BookDelta>& out) {
  Header h(b);
  FirstChar side(str(b, "side"));
  auto price = f64(b, "price");
  auto size = f64(b, "size");
  auto count = values<std::uint32_t, arrow::UInt32Array>(b, "order_count", arrow::Type::UINT32);
  const auto& snap = boolean(b, "is_snapshot");
  const auto& last = boolean(b, "is_last");
  auto n = b.num_rows();
  BookDelta* rows = grow(out, n);
  for (std::int64_t i = 0; i < n; ++i) {
    BookDelta& r = rows[i];
    h.fill(r, i);
    r.side = side(i) == 'b' ? Side::bid : Side::ask;
    r.price = price[i];
    r.size = size[i];
    r.order_count = count[i];
    r.is_snapshot = snap.Value(i);
    r.is_last = last.Value(i);
  }
}

void append_records(const arrow::RecordBatch& b, std::vector<Trade>& out) {
  Header h(b);
  auto id = u64(b, "trade_id");
  auto price = f64(b, "price");
  auto size = f64(b, "size");
  FirstChar side(str(b, "side"));
  auto n = b.num_rows();
  Trade* rows = grow(out, n);
  for (std::int64_t i = 0; i < n; ++i) {
    Trade& r = rows[i];
    h.fill(r, i);
    r.trade_id = id[i];
    r.price = price[i];
    r.size = size[i];
    r.side = side(i) == 'b' ? Aggressor::buy : Aggressor::sell;
  }
}

void append_records(const arrow::RecordBatch& b, std::vector<Ticker>& out) {
  Header h(b);
  auto mark = f64(b, "mark_price");
  auto index = f64(b, "index_price");
  auto last = f64(b, "last_price");
  auto rate = f64(b, "funding_rate");
  auto predicted = f64(b, "predicted_funding_rate");
  auto next = ts(b, "next_funding_ts");
  auto oi = f64(b, "open_interest");
  auto n = b.num_rows();
  Ticker* rows = grow(out, n);
  for (std::int64_t i = 0; i < n; ++i) {
    Ticker& r = rows[i];
    h.fill(r, i);
    r.mark_price = mark[i];
    r.index_price = index[i];
    r.last_price = last[i];
    r.funding_rate = rate[i];
    r.predicted_funding_rate = predicted[i];
    r.next_funding_ts = next[i];
    r.open_interest = oi[i];
  }
}

void append_records(const arrow::RecordBatch& b, std::vector<Funding>& out) {
  Header h(b);
  auto rate = f64(b, "funding_rate");
  auto mark = f64(b, "mark_price");
  auto n = b.num_rows();
  Funding* rows = grow(out, n);
  for (std::int64_t i = 0; i < n; ++i) {
    Funding& r = rows[i];
    h.fill(r, i);
    r.funding_rate = rate[i];
    r.mark_price = mark[i];
  }
}

void append_records(const arrow::RecordBatch& b, std::vector<BookSnapshot>& out) {
  Header h(b);
  int depth = 0;
  while (b.GetColumnByName("bid_px_" + std::string(depth < 10 ? "0" : "") + std::to_string(depth))) ++depth;
  struct SideCols {
    std::vector<const arrow::DoubleArray*> px;
    std::vector<const double*> sz;
  } bid, ask;
  auto name = [](const char* side, const char* what, int i) {
    return std::string(side) + "_" + what + "_" + (i < 10 ? "0" : "") + std::to_string(i);
  };
  for (int l = 0; l < depth; ++l) {
    bid.px.push_back(&column<arrow::DoubleArray>(b, name("bid", "px", l), arrow::Type::DOUBLE));
    bid.sz.push_back(f64(b, name("bid", "sz", l)));
    ask.px.push_back(&column<arrow::DoubleArray>(b, name("ask", "px", l), arrow::Type::DOUBLE));
    ask.sz.push_back(f64(b, name("ask", "sz", l)));
  }
  auto n = b.num_rows();
  out.reserve(out.size() + static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    BookSnapshot r;
    h.fill(r, i);
    r.depth = static_cast<std::size_t>(depth);
    for (auto [cols, levels] : {std::pair{&bid, &r.bids}, std::pair{&ask, &r.asks}}) {
      levels->reserve(static_cast<std::size_t>(depth));
      for (int l = 0; l < depth; ++l) {
        if (cols->px[l]->IsNull(i)) break;
        levels->push_back(Level{cols->px[l]->Value(i), cols->sz[l][i]});
      }
    }
    out.push_back(std::move(r));
  }
}

struct BatchReader::Impl {
  const Dataset* dataset;
  Table table;
  ReadOptions options;
  std::vector<FileEntry> files;
  std::size_t next_file = 0;
  std::unique_ptr<parquet::arrow::FileReader> file;
  std::unique_ptr<arrow::RecordBatchReader> batches;
};

BatchReader::BatchReader(const Dataset& dataset, Table table, ReadOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->dataset = &dataset;
  impl_->table = table;
  impl_->files = dataset.files(table, options.instrument ? &*options.instrument : nullptr);
  impl_->options = std::move(options);
}
BatchReader::~BatchReader() = default;
BatchReader::BatchReader(BatchReader&&) noexcept = default;
BatchReader& BatchReader::operator=(BatchReader&&) noexcept = default;
Table BatchReader::table() const noexcept { return impl_->table; }

std::shared_ptr<arrow::RecordBatch> BatchReader::next() {
  auto& s = *impl_;
  for (;;) {
    if (s.batches) {
      std::shared_ptr<arrow::RecordBatch> batch;
      auto st = s.batches->ReadNext(&batch);
      if (!st.ok()) throw Error(s.files[s.next_file - 1].path + ": " + st.ToString());
      if (batch) return batch;
      s.batches.reset();
      s.file.reset();
    }
    if (s.next_file == s.files.size()) return nullptr;
    const auto& entry = s.files[s.next_file++];
    s.file = open_parquet(s.dataset->path_of(entry), s.options.batch_size, s.options.use_threads);
    auto rb = s.file->GetRecordBatchReader();
    if (!rb.ok()) throw Error(entry.path + ": " + rb.status().ToString());
    s.batches = std::move(*rb);
  }
}

std::shared_ptr<arrow::Table> read_parquet_file(const std::filesystem::path& path, bool use_threads) {
  auto reader = open_parquet(path, 64 * 1024, use_threads);
  auto table = reader->ReadTable();
  if (!table.ok()) throw Error(path.string() + ": " + table.status().ToString());
  return *table;
}

std::string file_content_sha256(const Dataset& dataset, const FileEntry& file) {
  auto table = read_parquet_file(dataset.path_of(file));
  // The later date parts of the same segment, if the segment crossed midnight.
  std::vector<std::shared_ptr<arrow::Table>> later;
  for (const auto& f : dataset.files(table_from_name(file.table).value_or(Table::mbo)))
    if (f.venue == file.venue && f.symbol == file.symbol && f.segment == file.segment && f.date > file.date)
      later.push_back(read_parquet_file(dataset.path_of(f))->ReplaceSchemaMetadata(nullptr));
  if (later.empty()) return content_sha256(*table);
  auto following = arrow::ConcatenateTables(later);
  if (!following.ok()) throw Error(file.path + ": " + following.status().ToString());
  return content_sha256(*table, following->get());
}

std::shared_ptr<arrow::Table> read_arrow_table(const Dataset& dataset, Table table, ReadOptions options) {
  std::vector<std::shared_ptr<arrow::Table>> parts;
  for (const auto& f : dataset.files(table, options.instrument ? &*options.instrument : nullptr))
    parts.push_back(read_parquet_file(dataset.path_of(f), options.use_threads));
  if (parts.empty()) throw Error(std::string(table_name(table)) + ": the dataset has no files of this table");
  arrow::ConcatenateTablesOptions opts;
  opts.unify_schemas = false;
  std::vector<std::shared_ptr<arrow::Table>> plain;
  for (auto& p : parts) plain.push_back(p->ReplaceSchemaMetadata(nullptr));
  auto all = arrow::ConcatenateTables(plain, opts);
  if (!all.ok()) throw Error(std::string(table_name(table)) + ": " + all.status().ToString());
  return *all;
}

}  // namespace aleatoric
