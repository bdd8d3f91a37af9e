package aleatoric

import (
	"testing"
	"unsafe"
)

func TestPoolAllocatorReusesZeroedAlignedBuffers(t *testing.T) {
	p := NewPoolAllocator()
	seen := map[uintptr]bool{}
	for round := range 50 {
		b := p.Allocate(1000)
		if len(b) != 1000 || cap(b) != 1024 {
			t.Fatalf("len %d cap %d", len(b), cap(b))
		}
		addr := uintptr(unsafe.Pointer(&b[0]))
		if addr%64 != 0 {
			t.Fatalf("buffer at %x is not 64-byte aligned", addr)
		}
		for i, v := range b {
			if v != 0 {
				t.Fatalf("round %d: byte %d is %d, not zeroed", round, i, v)
			}
		}
		for i := range b {
			b[i] = 0xAB
		}
		seen[addr] = true
		p.Free(b)
	}
	if len(seen) == 50 {
		t.Fatal("no buffer was reused")
	}
	b := p.Allocate(10)
	copy(b, "0123456789")
	grown := p.Reallocate(5000, b)
	if string(grown[:10]) != "0123456789" || len(grown) != 5000 {
		t.Fatalf("reallocate lost the contents: %q", grown[:10])
	}
	p.Free(make([]byte, 100)) // not from the pool, not a size class: ignored
}

// A reader with prefetching can be closed mid-stream: the goroutine stops and the batches
// read ahead are released.
func TestPrefetchCloseMidStream(t *testing.T) {
	ds, err := Open(vectorsDir + "/binance-btcusdt")
	if err != nil {
		t.Fatal(err)
	}
	for _, stopAfter := range []int{0, 1, 2} {
		r, err := ds.RecordsWith(TableMBO, ReadOptions{Prefetch: 2, BatchSize: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for range stopAfter {
			if !r.Next() {
				t.Fatal("too few batches")
			}
		}
		r.Release()
		if r.Next() {
			t.Fatal("a closed reader returned a batch")
		}
	}
	// Read to the end with prefetching: the same row count as the manifest.
	r, err := ds.RecordsWith(TableMBO, ReadOptions{Prefetch: 3, BatchSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var rows int64
	for r.Next() {
		rows += r.RecordBatch().NumRows()
	}
	r.Release()
	if r.Err() != nil || rows != ds.Rows(TableMBO) {
		t.Fatalf("%d rows, want %d (%v)", rows, ds.Rows(TableMBO), r.Err())
	}
}
