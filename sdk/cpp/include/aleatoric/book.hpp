// Order books rebuilt from the stream: L2 from book_delta, L3 (per order) from mbo.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "aleatoric/records.hpp"

namespace aleatoric {

/// Compare a book's levels with a snapshot's: an empty string when every level of the
/// snapshot's depth is equal (price and size, exactly), else the first difference.
template <class Book>
std::string compare_with_snapshot(const Book& book, const BookSnapshot& snapshot) {
  auto check = [](const char* side, const std::vector<Level>& got,
                  const std::vector<Level>& want) -> std::string {
    for (std::size_t i = 0; i < want.size(); ++i) {
      if (i >= got.size() || !(got[i] == want[i])) {
        return std::string(side) + " level " + std::to_string(i) + ": book " +
               (i < got.size() ? std::to_string(got[i].price) + " x " + std::to_string(got[i].size)
                               : std::string("missing")) +
               ", snapshot " + std::to_string(want[i].price) + " x " + std::to_string(want[i].size);
      }
    }
    return {};
  };
  auto depth = std::max({snapshot.depth, snapshot.bids.size(), snapshot.asks.size()});
  auto bids = book.bids(depth);
  auto asks = book.asks(depth);
  if (auto d = check("bid", bids, snapshot.bids); !d.empty()) return d;
  if (auto d = check("ask", asks, snapshot.asks); !d.empty()) return d;
  // A thin snapshot lists fewer levels than its depth: the book must not have more.
  if (bids.size() > snapshot.bids.size()) return "bid: the book has more levels than the snapshot";
  if (asks.size() > snapshot.asks.size()) return "ask: the book has more levels than the snapshot";
  return {};
}

/// The L2 book: price levels replayed from `book_delta` rows.
class OrderBook {
 public:
  void apply(const BookDelta& delta);
  void clear();
  std::optional<Level> best_bid() const;
  std::optional<Level> best_ask() const;
  /// Up to `depth` levels per side, best first.
  std::vector<Level> bids(std::size_t depth) const;
  std::vector<Level> asks(std::size_t depth) const;
  std::size_t bid_levels() const noexcept { return bids_.size(); }
  std::size_t ask_levels() const noexcept { return asks_.size(); }
  /// Resting orders at a level (0 when absent).
  std::uint32_t order_count(Side side, double price) const;
  /// Whether the best bid is below the best ask (or a side is empty).
  bool uncrossed() const;

 private:
  struct Agg {
    double size;
    std::uint32_t orders;
  };
  std::map<double, Agg, std::greater<>> bids_;
  std::map<double, Agg> asks_;
};

/// The L3 book: every resting order replayed from `mbo` rows, aggregated to levels on the
/// instrument's size grid (so level sizes equal the engine's exactly).
class L3Book {
 public:
  explicit L3Book(Grid size_grid) : grid_(size_grid) {}
  /// Apply one row; throws Error on a row that does not fit the book (unknown order id).
  void apply(const Mbo& row);
  std::vector<Level> bids(std::size_t depth) const;
  std::vector<Level> asks(std::size_t depth) const;
  std::optional<Level> best_bid() const;
  std::optional<Level> best_ask() const;
  std::size_t orders() const noexcept { return orders_.size(); }
  /// Resting orders at a level (0 when absent).
  std::uint32_t order_count(Side side, double price) const;

 private:
  struct Order {
    Side side;
    double price;
    std::int64_t units;
  };
  struct Agg {
    std::int64_t units;
    std::uint32_t orders;
  };
  void add_level(Side side, double price, std::int64_t units, int orders);
  template <class Map>
  std::vector<Level> levels(const Map& map, std::size_t depth) const;
  Grid grid_;
  std::unordered_map<std::uint64_t, Order> orders_;
  std::map<double, Agg, std::greater<>> bids_;
  std::map<double, Agg> asks_;
};

}  // namespace aleatoric
