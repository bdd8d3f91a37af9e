// A merged, time-ordered event stream over the tables of one instrument.
#pragma once

#include <memory>
#include <variant>
#include <vector>

#include "aleatoric/reader.hpp"

namespace aleatoric {

/// One row of any canonical table.
using Event = std::variant<Mbo, BookDelta, BookSnapshot, Trade, Ticker, Funding>;

std::int64_t ts_recv_of(const Event& event);
std::uint64_t seq_of(const Event& event);
Table table_of(const Event& event);

/// Every row of the chosen tables of one instrument, ordered by `ts_recv`, then `seq`.
/// Reads each table batch by batch, so memory stays bounded by a few batches per table.
class EventStream {
 public:
  /// `tables` defaults to every table the dataset has files for; `instrument` defaults to
  /// the dataset's only instrument (throws InputError when it has several).
  EventStream(const Dataset& dataset, std::vector<Table> tables = {},
              std::optional<Instrument> instrument = std::nullopt, ReadOptions options = {});
  ~EventStream();
  EventStream(EventStream&&) noexcept;
  EventStream& operator=(EventStream&&) noexcept;

  /// The next event; false at the end.
  bool next(Event& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aleatoric
