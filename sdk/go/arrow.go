package aleatoric

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// DefaultBatchSize is the number of rows per record batch the readers ask for.
const DefaultBatchSize = 64 * 1024

// TableReader streams a table's Parquet files as Arrow record batches, file after file in
// manifest order (ascending seq within an instrument). It implements array.RecordReader.
// A batch is valid until the next call to Next; Retain it to keep it longer.
type TableReader struct {
	refs   atomic.Int64
	paths  []string
	next   int
	pf     *file.Reader
	rr     pqarrow.RecordReader
	cur    arrow.RecordBatch
	schema *arrow.Schema
	err    error
	props  pqarrow.ArrowReadProperties
	mem    memory.Allocator
	dict   bool
	// Prefetching: batches read ahead by a goroutine, which alone then touches the files.
	ahead chan batchOrErr
	stop  chan struct{}
	done  chan struct{}
}

var _ array.RecordReader = (*TableReader)(nil)

// ReadOptions tunes a TableReader. The zero value reads plain utf8 strings in batches of
// DefaultBatchSize rows with Go-managed memory, columns one after the other.
type ReadOptions struct {
	// DictionaryStrings reads string columns as dictionary<int32, utf8> arrays, as they are
	// stored: much cheaper for the few distinct values of side and action. The typed
	// readers use it.
	DictionaryStrings bool
	// Parallel decodes a batch's columns in parallel goroutines.
	Parallel bool
	// Prefetch reads up to this many batches ahead in a goroutine (0: none), so Parquet
	// decoding overlaps with the caller's work on the current batch. The typed readers use 2.
	Prefetch int
	// BatchSize is the number of rows per batch (0: DefaultBatchSize).
	BatchSize int64
	// Allocator for the Arrow buffers (nil: memory.DefaultAllocator). A PoolAllocator
	// recycles the buffers of released batches: about a third less CPU per row.
	Allocator memory.Allocator
}

// Records returns a reader of table's record batches over every instrument's files, with
// the same column types as pyarrow reads (strings as utf8).
func (d *Dataset) Records(table string) (*TableReader, error) {
	return d.records(d.Files(table), ReadOptions{})
}

// RecordsWith is Records with options.
func (d *Dataset) RecordsWith(table string, opts ReadOptions) (*TableReader, error) {
	return d.records(d.Files(table), opts)
}

// InstrumentRecords returns a reader of one instrument's record batches of table.
func (d *Dataset) InstrumentRecords(table string, inst Instrument, opts ReadOptions) (*TableReader, error) {
	return d.records(d.InstrumentFiles(table, inst), opts)
}

func (d *Dataset) records(files []File, opts ReadOptions) (*TableReader, error) {
	r := &TableReader{
		props: pqarrow.ArrowReadProperties{BatchSize: DefaultBatchSize, Parallel: opts.Parallel},
		mem:   memory.DefaultAllocator,
		dict:  opts.DictionaryStrings,
	}
	if opts.BatchSize > 0 {
		r.props.BatchSize = opts.BatchSize
	}
	if opts.Allocator != nil {
		r.mem = opts.Allocator
	}
	r.refs.Store(1)
	for _, f := range files {
		r.paths = append(r.paths, d.Path(f.Path))
	}
	if len(r.paths) > 0 {
		// Open the first file now, so the schema is known and a bad file fails early.
		if ok, err := r.openNext(); !ok {
			return nil, err
		}
	}
	if opts.Prefetch > 0 {
		r.prefetch(opts.Prefetch)
	}
	return r, nil
}

// openNext opens the next file; false (and no error) when there is none.
func (r *TableReader) openNext() (bool, error) {
	r.closeFile()
	if r.next >= len(r.paths) {
		return false, nil
	}
	path := r.paths[r.next]
	r.next++
	fh, err := os.Open(path)
	if err != nil {
		return false, err
	}
	pf, err := file.NewParquetReader(fh)
	if err != nil {
		fh.Close()
		return false, fmt.Errorf("%s: %w", path, err)
	}
	if r.dict {
		schema := pf.MetaData().Schema
		for i := range schema.NumColumns() {
			if schema.Column(i).PhysicalType() == parquet.Types.ByteArray {
				r.props.SetReadDict(i, true)
			}
		}
	}
	fr, err := pqarrow.NewFileReader(pf, r.props, r.mem)
	if err != nil {
		pf.Close()
		return false, fmt.Errorf("%s: %w", path, err)
	}
	rr, err := fr.GetRecordReader(context.Background(), nil, nil)
	if err != nil {
		pf.Close()
		return false, fmt.Errorf("%s: %w", path, err)
	}
	r.pf, r.rr = pf, rr
	if r.schema == nil {
		r.schema = arrow.NewSchema(rr.Schema().Fields(), nil)
	}
	return true, nil
}

func (r *TableReader) closeFile() {
	if r.rr != nil {
		r.rr.Release()
		r.rr = nil
	}
	if r.pf != nil {
		r.pf.Close()
		r.pf = nil
	}
}

// Schema returns the table's Arrow schema (without the per-file metadata); nil for a table
// without files.
func (r *TableReader) Schema() *arrow.Schema { return r.schema }

// Next advances to the next non-empty record batch.
func (r *TableReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.ahead != nil {
		item, ok := <-r.ahead
		if !ok {
			return false
		}
		if item.err != nil {
			r.err = item.err
			return false
		}
		r.cur = item.rec
		return true
	}
	if r.err != nil {
		return false
	}
	r.cur, r.err = r.produce()
	return r.cur != nil
}

// produce reads the next non-empty batch (retained), or nil at the end.
func (r *TableReader) produce() (arrow.RecordBatch, error) {
	for r.rr != nil {
		if r.rr.Next() {
			rec := r.rr.RecordBatch()
			if rec.NumRows() == 0 {
				continue
			}
			rec.Retain()
			return rec, nil
		}
		if err := r.rr.Err(); err != nil {
			return nil, err
		}
		if ok, err := r.openNext(); !ok {
			return nil, err
		}
	}
	return nil, nil
}

type batchOrErr struct {
	rec arrow.RecordBatch
	err error
}

// prefetch reads up to n batches ahead in a goroutine, so reading (decompressing and
// decoding Parquet) overlaps with the consumer's work on the current batch.
func (r *TableReader) prefetch(n int) {
	r.ahead = make(chan batchOrErr, n)
	r.stop = make(chan struct{})
	r.done = make(chan struct{})
	go func() {
		defer close(r.done)
		defer close(r.ahead)
		for {
			rec, err := r.produce()
			if rec == nil && err == nil {
				return
			}
			select {
			case r.ahead <- batchOrErr{rec, err}:
				if err != nil {
					return
				}
			case <-r.stop:
				if rec != nil {
					rec.Release()
				}
				return
			}
		}
	}()
}

// RecordBatch returns the current batch.
func (r *TableReader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record returns the current batch.
//
// Deprecated: use RecordBatch (kept for array.RecordReader).
func (r *TableReader) Record() arrow.RecordBatch { return r.cur }

// Err returns the first error met while reading.
func (r *TableReader) Err() error { return r.err }

// Retain adds a reference.
func (r *TableReader) Retain() { r.refs.Add(1) }

// Release drops a reference; the last one closes the files.
func (r *TableReader) Release() {
	if r.refs.Add(-1) == 0 {
		r.Close()
	}
}

// Close releases the current batch and closes the open file.
func (r *TableReader) Close() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.ahead != nil {
		close(r.stop)
		for item := range r.ahead { // the producer closes it when it stops
			if item.rec != nil {
				item.rec.Release()
			}
		}
		<-r.done
		r.ahead = nil
	}
	r.closeFile()
	r.next = len(r.paths)
}

// --- column access ---------------------------------------------------------------------

func column(rec arrow.RecordBatch, name string) (arrow.Array, error) {
	idx := rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return nil, fmt.Errorf("column %q missing; the file has %v", name, fieldNames(rec.Schema()))
	}
	return rec.Column(idx[0]), nil
}

func fieldNames(s *arrow.Schema) []string {
	out := make([]string, 0, s.NumFields())
	for _, f := range s.Fields() {
		out = append(out, f.Name)
	}
	return out
}

func typeError(name string, a arrow.Array, want string) error {
	return fmt.Errorf("column %q is %s, expected %s", name, a.DataType(), want)
}

// int64Column reads int64 nanoseconds; it accepts int64 and timestamp[ns] (same storage).
func int64Column(rec arrow.RecordBatch, name string) ([]int64, error) {
	a, err := column(rec, name)
	if err != nil {
		return nil, err
	}
	switch c := a.(type) {
	case *array.Int64:
		return c.Int64Values(), nil
	case *array.Timestamp:
		if ts, ok := c.DataType().(*arrow.TimestampType); ok && ts.Unit != arrow.Nanosecond {
			return nil, typeError(name, a, "int64 or timestamp[ns]")
		}
		v := c.TimestampValues()
		if len(v) == 0 {
			return nil, nil
		}
		return unsafe.Slice((*int64)(unsafe.Pointer(&v[0])), len(v)), nil
	}
	return nil, typeError(name, a, "int64 or timestamp[ns]")
}

func uint64Column(rec arrow.RecordBatch, name string) ([]uint64, error) {
	a, err := column(rec, name)
	if err != nil {
		return nil, err
	}
	if c, ok := a.(*array.Uint64); ok {
		return c.Uint64Values(), nil
	}
	return nil, typeError(name, a, "uint64")
}

func uint32Column(rec arrow.RecordBatch, name string) ([]uint32, error) {
	a, err := column(rec, name)
	if err != nil {
		return nil, err
	}
	if c, ok := a.(*array.Uint32); ok {
		return c.Uint32Values(), nil
	}
	return nil, typeError(name, a, "uint32")
}

func uint8Column(rec arrow.RecordBatch, name string) ([]uint8, error) {
	a, err := column(rec, name)
	if err != nil {
		return nil, err
	}
	if c, ok := a.(*array.Uint8); ok {
		return c.Uint8Values(), nil
	}
	return nil, typeError(name, a, "uint8")
}

func float64Column(rec arrow.RecordBatch, name string) (*array.Float64, error) {
	a, err := column(rec, name)
	if err != nil {
		return nil, err
	}
	if c, ok := a.(*array.Float64); ok {
		return c, nil
	}
	return nil, typeError(name, a, "float64")
}

func floatValues(rec arrow.RecordBatch, name string) ([]float64, error) {
	c, err := float64Column(rec, name)
	if err != nil {
		return nil, err
	}
	return c.Float64Values(), nil
}

func boolColumn(rec arrow.RecordBatch, name string) (*array.Boolean, error) {
	a, err := column(rec, name)
	if err != nil {
		return nil, err
	}
	if c, ok := a.(*array.Boolean); ok {
		return c, nil
	}
	return nil, typeError(name, a, "bool")
}

// strColumn gives a string column's values. Known short codes come back as constants (no
// allocation, no reference into the batch); anything else is copied. A dictionary column
// (how the typed readers read) maps each dictionary entry once.
type strColumn struct {
	values []string // dictionary entries, interned
	idx    []int32  // dictionary indices (nil: use plain)
	plain  func(int) string
}

func (c *strColumn) at(i int) string {
	if c.idx != nil {
		return c.values[c.idx[i]]
	}
	return c.plain(i)
}

func stringColumn(rec arrow.RecordBatch, name string) (*strColumn, error) {
	a, err := column(rec, name)
	if err != nil {
		return nil, err
	}
	switch c := a.(type) {
	case *array.String:
		return &strColumn{plain: func(i int) string { return intern(c.Value(i)) }}, nil
	case *array.LargeString:
		return &strColumn{plain: func(i int) string { return intern(c.Value(i)) }}, nil
	case *array.Dictionary:
		dict, ok := c.Dictionary().(*array.String)
		if !ok {
			return nil, typeError(name, a, "string")
		}
		values := make([]string, dict.Len())
		for i := range values {
			values[i] = intern(dict.Value(i))
		}
		if idx, ok := c.Indices().(*array.Int32); ok {
			return &strColumn{values: values, idx: idx.Int32Values()}, nil
		}
		return &strColumn{plain: func(i int) string { return values[c.GetValueIndex(i)] }}, nil
	}
	return nil, typeError(name, a, "string")
}

func intern(s string) string {
	switch s {
	case "A":
		return "A"
	case "B":
		return "B"
	case "C":
		return "C"
	case "M":
		return "M"
	case "T":
		return "T"
	case "F":
		return "F"
	case "N":
		return "N"
	case "bid":
		return "bid"
	case "ask":
		return "ask"
	case "buy":
		return "buy"
	case "sell":
		return "sell"
	}
	return string([]byte(s))
}
