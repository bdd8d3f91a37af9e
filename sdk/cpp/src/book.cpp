#include "aleatoric/book.hpp"

#include <string>

namespace aleatoric {

void OrderBook::apply(const BookDelta& d) {
  auto update = [&](auto& side) {
    if (d.size == 0) side.erase(d.price);
    else side[d.price] = Agg{d.size, d.order_count};
  };
  if (d.side == Side::bid) update(bids_);
  else update(asks_);
}

void OrderBook::clear() {
  bids_.clear();
  asks_.clear();
}

std::optional<Level> OrderBook::best_bid() const {
  if (bids_.empty()) return std::nullopt;
  return Level{bids_.begin()->first, bids_.begin()->second.size};
}

std::optional<Level> OrderBook::best_ask() const {
  if (asks_.empty()) return std::nullopt;
  return Level{asks_.begin()->first, asks_.begin()->second.size};
}

namespace {
template <class Map>
std::vector<Level> top(const Map& map, std::size_t depth) {
  std::vector<Level> out;
  out.reserve(std::min(depth, map.size()));
  for (auto it = map.begin(); it != map.end() && out.size() < depth; ++it) out.push_back(Level{it->first, it->second.size});
  return out;
}
}  // namespace

std::vector<Level> OrderBook::bids(std::size_t depth) const { return top(bids_, depth); }
std::vector<Level> OrderBook::asks(std::size_t depth) const { return top(asks_, depth); }

std::uint32_t OrderBook::order_count(Side side, double price) const {
  if (side == Side::bid) {
    auto it = bids_.find(price);
    return it == bids_.end() ? 0 : it->second.orders;
  }
  auto it = asks_.find(price);
  return it == asks_.end() ? 0 : it->second.orders;
}

bool OrderBook::uncrossed() const {
  return bids_.empty() || asks_.empty() || bids_.begin()->first < asks_.begin()->first;
}

void L3Book::add_level(Side side, double price, std::int64_t units, int orders) {
  auto update = [&](auto& map) {
    auto& agg = map[price];
    agg.units += units;
    agg.orders = static_cast<std::uint32_t>(static_cast<int>(agg.orders) + orders);
    if (agg.orders == 0 || agg.units <= 0) map.erase(price);
  };
  if (side == Side::bid) update(bids_);
  else if (side == Side::ask) update(asks_);
}

void L3Book::apply(const Mbo& row) {
  switch (row.action) {
    case 'A': {
      std::int64_t units = grid_.to_units(row.size);
      auto [it, fresh] = orders_.try_emplace(row.order_id, Order{row.side, row.price, units});
      if (!fresh) throw Error("mbo seq " + std::to_string(row.seq) + ": add of order " + std::to_string(row.order_id) + " which rests already");
      add_level(row.side, row.price, units, 1);
      break;
    }
    case 'C':
    case 'M':
    case 'F': {
      auto it = orders_.find(row.order_id);
      if (it == orders_.end())
        throw Error("mbo seq " + std::to_string(row.seq) + ": action " + row.action + " on unknown order " +
                    std::to_string(row.order_id));
      Order& o = it->second;
      std::int64_t remaining = 0;
      if (row.action == 'M') remaining = grid_.to_units(row.size);
      else if (row.action == 'F') remaining = o.units - grid_.to_units(row.size);
      add_level(o.side, o.price, -o.units, -1);
      if (remaining > 0) {
        if (row.action == 'M') o.price = row.price;
        o.units = remaining;
        add_level(o.side, o.price, o.units, 1);
      } else {
        orders_.erase(it);
      }
      break;
    }
    default:  // 'T': the aggressor's side of a match; the book does not change
      break;
  }
}

template <class Map>
std::vector<Level> L3Book::levels(const Map& map, std::size_t depth) const {
  std::vector<Level> out;
  out.reserve(std::min(depth, map.size()));
  for (auto it = map.begin(); it != map.end() && out.size() < depth; ++it)
    out.push_back(Level{it->first, grid_.to_float(it->second.units)});
  return out;
}

std::vector<Level> L3Book::bids(std::size_t depth) const { return levels(bids_, depth); }
std::vector<Level> L3Book::asks(std::size_t depth) const { return levels(asks_, depth); }

std::optional<Level> L3Book::best_bid() const {
  if (bids_.empty()) return std::nullopt;
  return Level{bids_.begin()->first, grid_.to_float(bids_.begin()->second.units)};
}

std::optional<Level> L3Book::best_ask() const {
  if (asks_.empty()) return std::nullopt;
  return Level{asks_.begin()->first, grid_.to_float(asks_.begin()->second.units)};
}

std::uint32_t L3Book::order_count(Side side, double price) const {
  if (side == Side::bid) {
    auto it = bids_.find(price);
    return it == bids_.end() ? 0 : it->second.orders;
  }
  auto it = asks_.find(price);
  return it == asks_.end() ? 0 : it->second.orders;
}

}  // namespace aleatoric
