#include "aleatoric/stream.hpp"

#include <tuple>

namespace aleatoric {

std::int64_t ts_recv_of(const Event& e) {
  return std::visit([](const auto& r) { return r.ts_recv; }, e);
}
std::uint64_t seq_of(const Event& e) {
  return std::visit([](const auto& r) { return r.seq; }, e);
}
Table table_of(const Event& e) {
  return std::visit([](const auto& r) { return std::decay_t<decltype(r)>::table; }, e);
}

namespace {

struct Cursor {
  virtual ~Cursor() = default;
  virtual bool valid() const = 0;
  virtual std::int64_t ts() const = 0;
  virtual std::uint64_t seq() const = 0;
  virtual void pop(Event& out) = 0;
};

template <class R>
struct TableCursor final : Cursor {
  TableCursor(const Dataset& ds, ReadOptions options) : reader(ds, std::move(options)) { refill(); }
  void refill() {
    pos = 0;
    if (!reader.next_batch(buffer)) buffer.clear();
  }
  bool valid() const override { return pos < buffer.size(); }
  std::int64_t ts() const override { return buffer[pos].ts_recv; }
  std::uint64_t seq() const override { return buffer[pos].seq; }
  void pop(Event& out) override {
    out.template emplace<R>(std::move(buffer[pos]));
    if (++pos == buffer.size()) refill();
  }
  RecordReader<R> reader;
  std::vector<R> buffer;
  std::size_t pos = 0;
};

std::unique_ptr<Cursor> make_cursor(const Dataset& ds, Table t, const ReadOptions& o) {
  switch (t) {
    case Table::mbo: return std::make_unique<TableCursor<Mbo>>(ds, o);
    case Table::book_delta: return std::make_unique<TableCursor<BookDelta>>(ds, o);
    case Table::book_snapshot: return std::make_unique<TableCursor<BookSnapshot>>(ds, o);
    case Table::trades: return std::make_unique<TableCursor<Trade>>(ds, o);
    case Table::ticker: return std::make_unique<TableCursor<Ticker>>(ds, o);
    case Table::funding: return std::make_unique<TableCursor<Funding>>(ds, o);
  }
  throw Error("unknown table");
}

}  // namespace

struct EventStream::Impl {
  std::vector<std::unique_ptr<Cursor>> cursors;
};

EventStream::EventStream(const Dataset& dataset, std::vector<Table> tables, std::optional<Instrument> instrument,
                         ReadOptions options)
    : impl_(std::make_unique<Impl>()) {
  if (!instrument) {
    auto all = dataset.instruments();
    if (all.size() != 1) {
      std::string names;
      for (const auto& i : all) names += (names.empty() ? "" : ", ") + i.venue + ":" + i.symbol;
      throw InputError("the dataset has " + std::to_string(all.size()) + " instruments (" + names +
                       "); choose one");
    }
    instrument = all.front();
  }
  options.instrument = instrument;
  if (tables.empty())
    for (Table t : all_tables())
      if (!dataset.files(t, &*instrument).empty()) tables.push_back(t);
  for (Table t : tables) impl_->cursors.push_back(make_cursor(dataset, t, options));
}
EventStream::~EventStream() = default;
EventStream::EventStream(EventStream&&) noexcept = default;
EventStream& EventStream::operator=(EventStream&&) noexcept = default;

bool EventStream::next(Event& out) {
  Cursor* best = nullptr;
  for (auto& c : impl_->cursors) {
    if (!c->valid()) continue;
    if (!best || std::make_tuple(c->ts(), c->seq()) < std::make_tuple(best->ts(), best->seq())) best = c.get();
  }
  if (!best) return false;
  best->pop(out);
  return true;
}

}  // namespace aleatoric
