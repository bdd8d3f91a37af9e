#include <gtest/gtest.h>

#include <algorithm>

#include <arrow/record_batch.h>
#include <arrow/table.h>
#include <arrow/type.h>

#include "aleatoric/aleatoric.hpp"
#include "vectors.hpp"

namespace al = aleatoric;

namespace {

// Compare a typed record's fields with a row of expected.json.
void expect_header(const auto& r, const nlohmann::json& w) {
  EXPECT_EQ(r.ts_event, w["ts_event"].get<std::int64_t>());
  EXPECT_EQ(r.ts_recv, w["ts_recv"].get<std::int64_t>());
  EXPECT_EQ(r.seq, w["seq"].get<std::uint64_t>());
}
void expect_row(const al::Mbo& r, const nlohmann::json& w) {
  expect_header(r, w);
  EXPECT_EQ(r.order_id, w["order_id"].get<std::uint64_t>());
  EXPECT_EQ(std::string(1, r.action), w["action"].get<std::string>());
  EXPECT_EQ(r.side == al::Side::bid ? "B" : r.side == al::Side::ask ? "A" : "N", w["side"].get<std::string>());
  EXPECT_EQ(r.price, w["price"].get<double>());
  EXPECT_EQ(r.size, w["size"].get<double>());
  EXPECT_EQ(r.flags, w["flags"].get<int>());
}
void expect_row(const al::BookDelta& r, const nlohmann::json& w) {
  expect_header(r, w);
  EXPECT_EQ(r.side == al::Side::bid ? "bid" : "ask", w["side"].get<std::string>());
  EXPECT_EQ(r.price, w["price"].get<double>());
  EXPECT_EQ(r.size, w["size"].get<double>());
  EXPECT_EQ(r.order_count, w["order_count"].get<std::uint32_t>());
  EXPECT_EQ(r.is_snapshot, w["is_snapshot"].get<bool>());
  EXPECT_EQ(r.is_last, w["is_last"].get<bool>());
}
void expect_row(const al::Trade& r, const nlohmann::json& w) {
  expect_header(r, w);
  EXPECT_EQ(r.trade_id, w["trade_id"].get<std::uint64_t>());
  EXPECT_EQ(r.price, w["price"].get<double>());
  EXPECT_EQ(r.size, w["size"].get<double>());
  EXPECT_EQ(r.side == al::Aggressor::buy ? "buy" : "sell", w["side"].get<std::string>());
}
void expect_row(const al::Ticker& r, const nlohmann::json& w) {
  expect_header(r, w);
  EXPECT_EQ(r.mark_price, w["mark_price"].get<double>());
  EXPECT_EQ(r.index_price, w["index_price"].get<double>());
  EXPECT_EQ(r.last_price, w["last_price"].get<double>());
  EXPECT_EQ(r.funding_rate, w["funding_rate"].get<double>());
  EXPECT_EQ(r.predicted_funding_rate, w["predicted_funding_rate"].get<double>());
  EXPECT_EQ(r.next_funding_ts, w["next_funding_ts"].get<std::int64_t>());
  EXPECT_EQ(r.open_interest, w["open_interest"].get<double>());
}
void expect_row(const al::Funding& r, const nlohmann::json& w) {
  expect_header(r, w);
  EXPECT_EQ(r.funding_rate, w["funding_rate"].get<double>());
  EXPECT_EQ(r.mark_price, w["mark_price"].get<double>());
}
void expect_row(const al::BookSnapshot& r, const nlohmann::json& w) {
  expect_header(r, w);
  std::size_t depth = 0;
  for (char px[16]; std::snprintf(px, sizeof px, "bid_px_%02zu", depth), w.contains(px);) ++depth;
  EXPECT_EQ(r.depth, depth);
  for (auto [side, levels] : {std::pair{"bid", &r.bids}, std::pair{"ask", &r.asks}}) {
    for (int l = 0;; ++l) {
      char px[16], sz[16];
      std::snprintf(px, sizeof px, "%s_px_%02d", side, l);
      std::snprintf(sz, sizeof sz, "%s_sz_%02d", side, l);
      if (!w.contains(px)) break;
      if (w[px].is_null()) {
        EXPECT_LE(levels->size(), static_cast<std::size_t>(l)) << px;
        EXPECT_EQ(w[sz].get<double>(), 0.0);
        continue;
      }
      ASSERT_GT(levels->size(), static_cast<std::size_t>(l)) << px;
      EXPECT_EQ((*levels)[l].price, w[px].get<double>()) << px;
      EXPECT_EQ((*levels)[l].size, w[sz].get<double>()) << sz;
    }
  }
}

template <class R>
void check_table(const al::Dataset& ds, const nlohmann::json& want) {
  SCOPED_TRACE(std::string(al::table_name(R::table)));
  auto records = al::read_records<R>(ds);
  auto name = std::string(al::table_name(R::table));
  ASSERT_EQ(records.size(), want["tables"][name].get<std::size_t>());
  for (const auto& w : want["rows"][name]) {
    auto index = w["index"].get<std::size_t>();
    ASSERT_LT(index, records.size());
    SCOPED_TRACE("row " + std::to_string(index));
    expect_row(records[index], w);
  }
  // Stream order within a table is ascending seq.
  EXPECT_TRUE(std::is_sorted(records.begin(), records.end(), [](auto& a, auto& b) { return a.seq < b.seq; }));
  // The batch-at-a-time reader yields the same rows.
  al::RecordReader<R> reader(ds, al::ReadOptions{.batch_size = 1000});
  R r;
  std::size_t n = 0;
  while (reader.next(r)) {
    if (n < records.size()) EXPECT_EQ(r.seq, records[n].seq);
    ++n;
  }
  EXPECT_EQ(n, records.size());
}

}  // namespace

TEST(Reader, TypedRecordsEqualPythonsRows) {
  for (const auto& name : vectors::golden()) {
    SCOPED_TRACE(name);
    const auto& want = vectors::figures(name);
    auto ds = al::Dataset::open(vectors::dir() / name);
    check_table<al::Mbo>(ds, want);
    check_table<al::BookDelta>(ds, want);
    check_table<al::BookSnapshot>(ds, want);
    check_table<al::Trade>(ds, want);
    check_table<al::Ticker>(ds, want);
    check_table<al::Funding>(ds, want);
  }
}

TEST(Reader, ArrowSchemasAndRowCountsEqualPythons) {
  for (const auto& name : vectors::golden()) {
    SCOPED_TRACE(name);
    const auto& want = vectors::figures(name);
    auto ds = al::Dataset::open(vectors::dir() / name);
    for (const auto& [table, columns] : want["schemas"].items()) {
      SCOPED_TRACE(table);
      auto t = *al::table_from_name(table);
      auto arrow_table = al::read_arrow_table(ds, t);
      EXPECT_EQ(arrow_table->num_rows(), want["tables"][table].get<std::int64_t>());
      const auto& schema = *arrow_table->schema();
      ASSERT_EQ(schema.num_fields(), static_cast<int>(columns.size()));
      for (int i = 0; i < schema.num_fields(); ++i) {
        EXPECT_EQ(schema.field(i)->name(), columns[i][0]);
        EXPECT_EQ(schema.field(i)->type()->ToString(), columns[i][1]);
        EXPECT_EQ(schema.field(i)->nullable(), columns[i][2].get<bool>());
      }
      // Batches: zero-copy views over the same rows.
      al::BatchReader batches(ds, t);
      std::int64_t rows = 0;
      while (auto b = batches.next()) rows += b->num_rows();
      EXPECT_EQ(rows, arrow_table->num_rows());
    }
  }
}

TEST(Reader, ContentDigestsReproduceTheManifestsTableDigests) {
  for (const auto& name : vectors::golden()) {
    SCOPED_TRACE(name);
    const auto& want = vectors::figures(name);
    auto ds = al::Dataset::open(vectors::dir() / name);
    std::map<std::string, std::string> joined;
    for (const auto& f : ds.files()) {  // manifest (path) order
      if (f.content_sha256.empty()) continue;
      auto digest = al::file_content_sha256(ds, f);
      EXPECT_EQ(digest, f.content_sha256) << f.path;
      joined[f.table] += digest;
    }
    for (const auto& [table, digest] : want["table_digests"].items())
      EXPECT_EQ(al::sha256_hex(joined[table]), digest) << table;
  }
}
