package aleatoric

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the process's user+system CPU time (all threads).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Benchmarks read ALEATORIC_BENCH_DIR (a dataset; default: the binance test vector).
// benchmarks/bench_sdk_go.py prints the same figures next to PyArrow's.
func benchDataset(b *testing.B) *Dataset {
	dir := os.Getenv("ALEATORIC_BENCH_DIR")
	if dir == "" {
		dir = vectorsDir + "/binance-btcusdt"
	}
	ds, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	return ds
}

func benchTable(b *testing.B, table string, opts ReadOptions, decode func(*TableReader) error) {
	ds := benchDataset(b)
	rows := ds.Rows(table)
	b.ResetTimer()
	cpu := cpuTime()
	for range b.N {
		r, err := ds.RecordsWith(table, opts)
		if err != nil {
			b.Fatal(err)
		}
		if err := decode(r); err != nil {
			b.Fatal(err)
		}
		r.Release()
	}
	b.ReportMetric(float64(rows*int64(b.N))/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(rows*int64(b.N))/(cpuTime()-cpu).Seconds(), "events/cpu-s")
}

func countRows(r *TableReader) error {
	for r.Next() {
	}
	return r.Err()
}

func BenchmarkTradesArrow(b *testing.B) { benchTable(b, TableTrades, ReadOptions{}, countRows) }

func BenchmarkTradesStructs(b *testing.B) {
	var rows []Trade
	benchTable(b, TableTrades, typedRead, func(r *TableReader) error {
		for r.Next() {
			var err error
			if rows, err = DecodeTrades(r.RecordBatch(), rows[:0]); err != nil {
				return err
			}
		}
		return r.Err()
	})
}

func BenchmarkBookDeltaArrow(b *testing.B) { benchTable(b, TableBookDelta, ReadOptions{}, countRows) }

func BenchmarkBookDeltaStructs(b *testing.B) {
	var rows []BookDelta
	benchTable(b, TableBookDelta, typedRead, func(r *TableReader) error {
		for r.Next() {
			var err error
			if rows, err = DecodeBookDelta(r.RecordBatch(), rows[:0]); err != nil {
				return err
			}
		}
		return r.Err()
	})
}
