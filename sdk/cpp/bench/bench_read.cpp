// Read throughput of the C++ SDK: events/s for Parquet files of one table, three ways:
// Arrow record batches (decode only), typed records, and the ordered event stream.
//
//   aleatoric-bench DATASET TABLE [REPEAT]
// prints one JSON line per measurement.
#include <chrono>
#include <iostream>

#include <arrow/record_batch.h>

#include "aleatoric/aleatoric.hpp"

namespace al = aleatoric;

template <class F>
double best_seconds(int repeat, F&& f) {
  double best = 1e300;
  for (int i = 0; i < repeat; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

template <class R>
std::uint64_t read_typed(const al::Dataset& ds) {
  al::RecordReader<R> reader(ds);
  std::vector<R> batch;
  std::uint64_t n = 0;
  double guard = 0;
  while (reader.next_batch(batch)) {
    n += batch.size();
    guard += batch.back().price;
  }
  if (guard == -1) std::cerr << "";
  return n;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: aleatoric-bench DATASET TABLE [REPEAT]\n";
    return 2;
  }
  auto ds = al::Dataset::open(argv[1]);
  auto table = al::table_from_name(argv[2]);
  if (!table || (*table != al::Table::trades && *table != al::Table::book_delta)) {
    std::cerr << "TABLE: trades or book_delta, was " << argv[2] << "\n";
    return 2;
  }
  int repeat = argc > 3 ? std::atoi(argv[3]) : 3;
  std::uint64_t rows = 0;
  auto emit = [&](const char* what, double s) {
    std::cout << "{\"reader\": \"" << what << "\", \"table\": \"" << argv[2] << "\", \"rows\": " << rows
              << ", \"seconds\": " << s << ", \"events_per_s\": " << rows / s << "}\n";
  };
  double s = best_seconds(repeat, [&] {
    al::BatchReader reader(ds, *table);
    rows = 0;
    while (auto b = reader.next()) rows += static_cast<std::uint64_t>(b->num_rows());
  });
  emit("cpp_arrow_batches", s);
  s = best_seconds(repeat, [&] {
    rows = *table == al::Table::trades ? read_typed<al::Trade>(ds) : read_typed<al::BookDelta>(ds);
  });
  emit("cpp_typed_records", s);
  s = best_seconds(repeat, [&] {
    al::EventStream stream(ds, {*table});
    al::Event e;
    rows = 0;
    while (stream.next(e)) ++rows;
  });
  emit("cpp_event_stream", s);
  return 0;
}
