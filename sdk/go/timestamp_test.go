package aleatoric

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Time columns may be stored as int64 or as timestamp[ns, UTC] (same int64 storage); the
// decoders read both as nanoseconds.
func TestDecodersAcceptTimestampColumns(t *testing.T) {
	ts := &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "ts_event", Type: ts}, {Name: "ts_recv", Type: ts},
		{Name: "seq", Type: arrow.PrimitiveTypes.Uint64},
		{Name: "trade_id", Type: arrow.PrimitiveTypes.Uint64},
		{Name: "price", Type: arrow.PrimitiveTypes.Float64},
		{Name: "size", Type: arrow.PrimitiveTypes.Float64},
		{Name: "side", Type: arrow.BinaryTypes.String},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1767311940000000001, 2}, nil)
	b.Field(1).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1767311940005000001, 3}, nil)
	b.Field(2).(*array.Uint64Builder).AppendValues([]uint64{7, 1 << 63}, nil)
	b.Field(3).(*array.Uint64Builder).AppendValues([]uint64{1, 2}, nil)
	b.Field(4).(*array.Float64Builder).AppendValues([]float64{95000.1, 95000.2}, nil)
	b.Field(5).(*array.Float64Builder).AppendValues([]float64{0.001, 0.002}, nil)
	b.Field(6).(*array.StringBuilder).AppendValues([]string{"buy", "sell"}, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()
	got, err := DecodeTrades(rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Trade{
		{Header{1767311940000000001, 1767311940005000001, 7}, 1, 95000.1, 0.001, "buy"},
		{Header{2, 3, 1 << 63}, 2, 95000.2, 0.002, "sell"},
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %+v", got)
	}

	// Microseconds would silently scale by 1000: refused.
	us := arrow.NewSchema([]arrow.Field{{Name: "ts_event", Type: &arrow.TimestampType{Unit: arrow.Microsecond}}}, nil)
	ub := array.NewRecordBuilder(memory.DefaultAllocator, us)
	defer ub.Release()
	ub.Field(0).(*array.TimestampBuilder).Append(1)
	urec := ub.NewRecordBatch()
	defer urec.Release()
	if _, err := int64Column(urec, "ts_event"); err == nil {
		t.Fatal("a timestamp[us] column was accepted as nanoseconds")
	}
}
