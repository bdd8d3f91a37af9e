// Read throughput of the C++ SDK: events/s for Parquet files of one table, three ways:
// Arrow record batches (decode only), typed records (on Arrow's thread pool, the default,
// and on one thread), and the ordered event stream.
//
//   aleatoric-bench DATASET TABLE [REPEAT]
// prints one JSON line per measurement.
#include <chrono>
#include <ctime>
#include <iostream>

#include <arrow/record_batch.h>

#include "aleatoric/aleatoric.hpp"

namespace al = aleatoric;

double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// The best wall time of `repeat` runs and the best process CPU time (all threads).
struct Timing {
  double wall = 1e300;
  double cpu = 1e300;
};

template <class F>
Timing best_seconds(int repeat, F&& f) {
  Timing best;
  for (int i = 0; i < repeat; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    double c0 = cpu_now();
    f();
    best.cpu = std::min(best.cpu, cpu_now() - c0);
    best.wall = std::min(best.wall, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

template <class R>
std::uint64_t read_typed(const al::Dataset& ds, bool threads) {
  al::RecordReader<R> reader(ds, al::ReadOptions{.use_threads = threads});
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
  auto emit = [&](const char* what, Timing t) {
    std::cout << "{\"reader\": \"" << what << "\", \"table\": \"" << argv[2] << "\", \"rows\": " << rows
              << ", \"seconds\": " << t.wall << ", \"cpu_seconds\": " << t.cpu << "}\n";
  };
  Timing s = best_seconds(repeat, [&] {
    al::BatchReader reader(ds, *table);
    rows = 0;
    while (auto b = reader.next()) rows += static_cast<std::uint64_t>(b->num_rows());
  });
  emit("cpp_arrow_batches", s);
  for (bool threads : {true, false}) {
    s = best_seconds(repeat, [&] {
      rows = *table == al::Table::trades ? read_typed<al::Trade>(ds, threads) : read_typed<al::BookDelta>(ds, threads);
    });
    emit(threads ? "cpp_typed_records" : "cpp_typed_records_1thread", s);
  }
  s = best_seconds(repeat, [&] {
    al::EventStream stream(ds, {*table});
    al::Event e;
    rows = 0;
    while (stream.next(e)) ++rows;
  });
  emit("cpp_event_stream", s);
  return 0;
}
