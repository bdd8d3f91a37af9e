// Typed rows of the canonical tables (docs/schema.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "aleatoric/dataset.hpp"

namespace aleatoric {

enum class Side : std::uint8_t { bid, ask, none };
enum class Aggressor : std::uint8_t { buy, sell };

/// `mbo`: market by order (L3).
struct Mbo {
  static constexpr Table table = Table::mbo;
  static constexpr std::uint8_t kFlagLast = 128;
  static constexpr std::uint8_t kFlagSnapshot = 32;
  std::int64_t ts_event = 0;
  std::int64_t ts_recv = 0;
  std::uint64_t seq = 0;
  std::uint64_t order_id = 0;
  char action = 0;  ///< 'A' add, 'C' cancel, 'M' modify, 'T' trade, 'F' fill
  Side side = Side::none;
  double price = 0;
  double size = 0;
  std::uint8_t flags = 0;
};

/// `book_delta`: an L2 level after a change (size 0 removes it).
struct BookDelta {
  static constexpr Table table = Table::book_delta;
  std::int64_t ts_event = 0;
  std::int64_t ts_recv = 0;
  std::uint64_t seq = 0;
  Side side = Side::bid;
  double price = 0;
  double size = 0;
  std::uint32_t order_count = 0;
  bool is_snapshot = false;
  bool is_last = false;
};

/// `trades`: one match between an aggressor and one resting order.
struct Trade {
  static constexpr Table table = Table::trades;
  std::int64_t ts_event = 0;
  std::int64_t ts_recv = 0;
  std::uint64_t seq = 0;
  std::uint64_t trade_id = 0;
  double price = 0;
  double size = 0;
  Aggressor side = Aggressor::buy;
};

/// `ticker`: perp state.
struct Ticker {
  static constexpr Table table = Table::ticker;
  std::int64_t ts_event = 0;
  std::int64_t ts_recv = 0;
  std::uint64_t seq = 0;
  double mark_price = 0;
  double index_price = 0;
  double last_price = 0;
  double funding_rate = 0;
  double predicted_funding_rate = 0;
  std::int64_t next_funding_ts = 0;
  double open_interest = 0;
};

/// `funding`: one settlement.
struct Funding {
  static constexpr Table table = Table::funding;
  std::int64_t ts_event = 0;
  std::int64_t ts_recv = 0;
  std::uint64_t seq = 0;
  double funding_rate = 0;
  double mark_price = 0;
};

/// A price level: price and total size.
struct Level {
  double price = 0;
  double size = 0;
  bool operator==(const Level&) const = default;
};

/// `book_snapshot`: the top of the book. `bids` and `asks` hold the levels present, best
/// first; a thin book (null prices in the file) has fewer than `depth`.
struct BookSnapshot {
  static constexpr Table table = Table::book_snapshot;
  std::int64_t ts_event = 0;
  std::int64_t ts_recv = 0;
  std::uint64_t seq = 0;
  std::size_t depth = 0;  ///< levels per side in the table (config `snapshot_depth`)
  std::vector<Level> bids;
  std::vector<Level> asks;
};

}  // namespace aleatoric
