#include <gtest/gtest.h>

#include <cmath>
#include <deque>

#include "aleatoric/aleatoric.hpp"
#include "vectors.hpp"

namespace al = aleatoric;

TEST(EventStream, OrderEqualsPythonsMergedStream) {
  for (const auto& name : vectors::golden()) {
    SCOPED_TRACE(name);
    const auto& want = vectors::figures(name)["merged_stream"];
    auto ds = al::Dataset::open(vectors::dir() / name);
    al::EventStream stream(ds, {}, std::nullopt, al::ReadOptions{.batch_size = 4096});
    al::Event e;
    std::string lines;
    std::vector<nlohmann::json> seen;
    std::size_t events = 0;
    const auto head = want["head"].size();
    const auto tail = want["tail"].size();
    std::deque<nlohmann::json> last;
    while (stream.next(e)) {
      auto triple = nlohmann::json::array({al::ts_recv_of(e), al::seq_of(e), std::string(al::table_name(al::table_of(e)))});
      lines += std::to_string(al::ts_recv_of(e)) + " " + std::to_string(al::seq_of(e)) + " " +
               std::string(al::table_name(al::table_of(e))) + "\n";
      if (events < head) seen.push_back(triple);
      last.push_back(triple);
      if (last.size() > tail) last.pop_front();
      ++events;
    }
    EXPECT_EQ(events, want["events"].get<std::size_t>());
    EXPECT_EQ(al::sha256_hex(lines), want["sha256"]);
    EXPECT_EQ(nlohmann::json(seen), want["head"]);
    EXPECT_EQ(nlohmann::json(std::vector<nlohmann::json>(last.begin(), last.end())), want["tail"]);
  }
}

namespace {

void expect_top(const std::optional<al::Level>& level, const nlohmann::json& px, const nlohmann::json& sz,
                const char* what) {
  if (px.is_null()) {
    EXPECT_FALSE(level) << what;
    EXPECT_EQ(sz.get<double>(), 0.0) << what;
    return;
  }
  ASSERT_TRUE(level) << what;
  EXPECT_EQ(level->price, px.get<double>()) << what;
  EXPECT_EQ(level->size, sz.get<double>()) << what;
}

}  // namespace

TEST(OrderBook, ReplayedBooksEqualEverySnapshot) {
  for (const auto& name : vectors::golden()) {
    SCOPED_TRACE(name);
    const auto& want = vectors::figures(name)["top_of_book"];
    auto ds = al::Dataset::open(vectors::dir() / name);
    auto instrument = ds.instruments().at(0);
    al::EventStream stream(ds, {al::Table::mbo, al::Table::book_delta, al::Table::book_snapshot});
    al::OrderBook l2;
    al::L3Book l3(instrument.size_grid());
    al::Event e;
    std::size_t snapshots = 0, l2_full = 0, l3_full = 0;
    while (stream.next(e)) {
      if (auto* d = std::get_if<al::BookDelta>(&e)) {
        l2.apply(*d);
        if (d->is_last) ASSERT_TRUE(l2.uncrossed()) << "seq " << d->seq;
      } else if (auto* m = std::get_if<al::Mbo>(&e)) {
        l3.apply(*m);
      } else if (auto* s = std::get_if<al::BookSnapshot>(&e)) {
        ASSERT_LT(snapshots, want.size());
        const auto& w = want[snapshots++];
        ASSERT_EQ(s->ts_recv, w[0].get<std::int64_t>());
        ASSERT_EQ(s->seq, w[1].get<std::uint64_t>());
        SCOPED_TRACE("snapshot seq " + std::to_string(s->seq));
        expect_top(l2.best_bid(), w[2], w[3], "L2 bid");
        expect_top(l2.best_ask(), w[4], w[5], "L2 ask");
        expect_top(l3.best_bid(), w[2], w[3], "L3 bid");
        expect_top(l3.best_ask(), w[4], w[5], "L3 ask");
        // Every level of the snapshot's depth, not just the top.
        auto d2 = al::compare_with_snapshot(l2, *s);
        auto d3 = al::compare_with_snapshot(l3, *s);
        EXPECT_EQ(d2, "");
        EXPECT_EQ(d3, "");
        l2_full += d2.empty();
        l3_full += d3.empty();
      }
    }
    EXPECT_EQ(snapshots, want.size());
    EXPECT_EQ(l2_full, want.size());
    EXPECT_EQ(l3_full, want.size());
  }
}

TEST(OrderBook, AppliesL3ActionsOnTheSizeGrid) {
  al::L3Book book(al::Grid::parse("0.001"));
  auto row = [](std::uint64_t seq, std::uint64_t id, char action, al::Side side, double px, double sz) {
    al::Mbo m;
    m.seq = seq;
    m.order_id = id;
    m.action = action;
    m.side = side;
    m.price = px;
    m.size = sz;
    return m;
  };
  book.apply(row(0, 1, 'A', al::Side::bid, 100.0, 0.1));
  book.apply(row(1, 2, 'A', al::Side::bid, 100.0, 0.2));
  book.apply(row(2, 3, 'A', al::Side::ask, 100.5, 0.3));
  EXPECT_EQ(book.best_bid()->size, 0.3);  // 0.1 + 0.2 in lots, exactly
  EXPECT_EQ(book.order_count(al::Side::bid, 100.0), 2u);
  book.apply(row(3, 9, 'T', al::Side::ask, 100.0, 0.15));
  book.apply(row(4, 1, 'F', al::Side::bid, 100.0, 0.1));
  book.apply(row(5, 2, 'F', al::Side::bid, 100.0, 0.05));
  EXPECT_EQ(book.best_bid()->size, 0.15);
  EXPECT_EQ(book.order_count(al::Side::bid, 100.0), 1u);
  book.apply(row(6, 2, 'M', al::Side::bid, 100.0, 0.05));
  EXPECT_EQ(book.best_bid()->size, 0.05);
  book.apply(row(7, 2, 'C', al::Side::bid, 100.0, 0.05));
  EXPECT_FALSE(book.best_bid());
  EXPECT_THROW(book.apply(row(8, 77, 'C', al::Side::bid, 100.0, 0.05)), al::Error);
}

TEST(OrderBook, AThinSnapshotDoesNotMatchAFullerBook) {
  al::OrderBook book;
  auto delta = [](al::Side side, double px, double sz) {
    al::BookDelta d;
    d.side = side;
    d.price = px;
    d.size = sz;
    d.order_count = 1;
    return d;
  };
  book.apply(delta(al::Side::bid, 100.0, 1.0));
  book.apply(delta(al::Side::ask, 100.5, 2.0));
  al::BookSnapshot snap;
  snap.depth = 3;
  snap.bids = {{100.0, 1.0}};
  snap.asks = {{100.5, 2.0}};
  EXPECT_EQ(al::compare_with_snapshot(book, snap), "");
  book.apply(delta(al::Side::bid, 99.5, 3.0));  // a level the thin snapshot does not show
  EXPECT_NE(al::compare_with_snapshot(book, snap), "");
  book.apply(delta(al::Side::bid, 99.5, 0.0));  // removed again
  book.apply(delta(al::Side::ask, 100.5, 1.5));
  EXPECT_NE(al::compare_with_snapshot(book, snap).find("ask level 0"), std::string::npos);
}
