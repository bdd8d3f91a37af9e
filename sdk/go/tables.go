package aleatoric

import (
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
)

// Header holds the columns every table has.
type Header struct {
	TsEvent int64  `json:"ts_event"` // exchange time, ns since the Unix epoch, UTC
	TsRecv  int64  `json:"ts_recv"`  // local receive time, ns; always greater than TsEvent
	Seq     uint64 `json:"seq"`      // gap-free over all tables of a dataset
}

// MBO is one market-by-order (L3) row.
type MBO struct {
	Header
	OrderID uint64  `json:"order_id"`
	Action  string  `json:"action"` // A add, C cancel, M modify, T trade, F fill
	Side    string  `json:"side"`   // B bid, A ask, N none
	Price   float64 `json:"price"`
	Size    float64 `json:"size"`
	Flags   uint8   `json:"flags"` // 128 last record of a message, 32 snapshot
}

// MBO flag bits (DBN).
const (
	FlagLast     uint8 = 128
	FlagSnapshot uint8 = 32
)

// BookDelta is one L2 price-level change: the level's size after it (0 removes it).
type BookDelta struct {
	Header
	Side       string  `json:"side"` // bid, ask
	Price      float64 `json:"price"`
	Size       float64 `json:"size"`
	OrderCount uint32  `json:"order_count"`
	IsSnapshot bool    `json:"is_snapshot"`
	IsLast     bool    `json:"is_last"`
}

// Trade is one match between an aggressor and one resting order.
type Trade struct {
	Header
	TradeID uint64  `json:"trade_id"`
	Price   float64 `json:"price"`
	Size    float64 `json:"size"`
	Side    string  `json:"side"` // aggressor: buy, sell
}

// Ticker is the perp state at a ticker interval.
type Ticker struct {
	Header
	MarkPrice            float64 `json:"mark_price"`
	IndexPrice           float64 `json:"index_price"`
	LastPrice            float64 `json:"last_price"`
	FundingRate          float64 `json:"funding_rate"`
	PredictedFundingRate float64 `json:"predicted_funding_rate"`
	NextFundingTs        int64   `json:"next_funding_ts"`
	OpenInterest         float64 `json:"open_interest"`
}

// Funding is one funding settlement.
type Funding struct {
	Header
	FundingRate float64 `json:"funding_rate"`
	MarkPrice   float64 `json:"mark_price"`
}

// Level is one price level of a book side. OK is false for a missing level (a thin book),
// whose price is null in the snapshot table and whose size is 0.
type Level struct {
	Price float64
	Size  float64
	OK    bool
}

// BookSnapshot is the top of the book at a snapshot interval: Bids[0] and Asks[0] are the
// best levels. It shows the book after every row with a smaller Seq.
type BookSnapshot struct {
	Header
	Bids []Level
	Asks []Level
}

// --- decoders: append a batch's rows to dst ---------------------------------------------

type headerCols struct {
	tsEvent, tsRecv []int64
	seq             []uint64
}

func readHeader(rec arrow.RecordBatch) (headerCols, error) {
	var h headerCols
	var err error
	if h.tsEvent, err = int64Column(rec, "ts_event"); err != nil {
		return h, err
	}
	if h.tsRecv, err = int64Column(rec, "ts_recv"); err != nil {
		return h, err
	}
	h.seq, err = uint64Column(rec, "seq")
	return h, err
}

func (h headerCols) at(i int) Header {
	return Header{TsEvent: h.tsEvent[i], TsRecv: h.tsRecv[i], Seq: h.seq[i]}
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// DecodeMBO appends the rows of an mbo record batch to dst.
func DecodeMBO(rec arrow.RecordBatch, dst []MBO) ([]MBO, error) {
	h, err := readHeader(rec)
	oid, e1 := uint64Column(rec, "order_id")
	action, e2 := stringColumn(rec, "action")
	side, e3 := stringColumn(rec, "side")
	price, e4 := floatValues(rec, "price")
	size, e5 := floatValues(rec, "size")
	flags, e6 := uint8Column(rec, "flags")
	if err := firstErr(err, e1, e2, e3, e4, e5, e6); err != nil {
		return dst, fmt.Errorf("mbo: %w", err)
	}
	n := int(rec.NumRows())
	dst = slices.Grow(dst, n)
	for i := range n {
		dst = append(dst, MBO{h.at(i), oid[i], action.at(i), side.at(i), price[i], size[i], flags[i]})
	}
	return dst, nil
}

// DecodeBookDelta appends the rows of a book_delta record batch to dst.
func DecodeBookDelta(rec arrow.RecordBatch, dst []BookDelta) ([]BookDelta, error) {
	h, err := readHeader(rec)
	side, e1 := stringColumn(rec, "side")
	price, e2 := floatValues(rec, "price")
	size, e3 := floatValues(rec, "size")
	count, e4 := uint32Column(rec, "order_count")
	snap, e5 := boolColumn(rec, "is_snapshot")
	last, e6 := boolColumn(rec, "is_last")
	if err := firstErr(err, e1, e2, e3, e4, e5, e6); err != nil {
		return dst, fmt.Errorf("book_delta: %w", err)
	}
	n := int(rec.NumRows())
	dst = slices.Grow(dst, n)
	for i := range n {
		dst = append(dst, BookDelta{h.at(i), side.at(i), price[i], size[i], count[i], snap.Value(i), last.Value(i)})
	}
	return dst, nil
}

// DecodeTrades appends the rows of a trades record batch to dst.
func DecodeTrades(rec arrow.RecordBatch, dst []Trade) ([]Trade, error) {
	h, err := readHeader(rec)
	id, e1 := uint64Column(rec, "trade_id")
	price, e2 := floatValues(rec, "price")
	size, e3 := floatValues(rec, "size")
	side, e4 := stringColumn(rec, "side")
	if err := firstErr(err, e1, e2, e3, e4); err != nil {
		return dst, fmt.Errorf("trades: %w", err)
	}
	n := int(rec.NumRows())
	dst = slices.Grow(dst, n)
	for i := range n {
		dst = append(dst, Trade{h.at(i), id[i], price[i], size[i], side.at(i)})
	}
	return dst, nil
}

// DecodeTicker appends the rows of a ticker record batch to dst.
func DecodeTicker(rec arrow.RecordBatch, dst []Ticker) ([]Ticker, error) {
	h, err := readHeader(rec)
	mark, e1 := floatValues(rec, "mark_price")
	index, e2 := floatValues(rec, "index_price")
	last, e3 := floatValues(rec, "last_price")
	rate, e4 := floatValues(rec, "funding_rate")
	pred, e5 := floatValues(rec, "predicted_funding_rate")
	next, e6 := int64Column(rec, "next_funding_ts")
	oi, e7 := floatValues(rec, "open_interest")
	if err := firstErr(err, e1, e2, e3, e4, e5, e6, e7); err != nil {
		return dst, fmt.Errorf("ticker: %w", err)
	}
	n := int(rec.NumRows())
	dst = slices.Grow(dst, n)
	for i := range n {
		dst = append(dst, Ticker{h.at(i), mark[i], index[i], last[i], rate[i], pred[i], next[i], oi[i]})
	}
	return dst, nil
}

// DecodeFunding appends the rows of a funding record batch to dst.
func DecodeFunding(rec arrow.RecordBatch, dst []Funding) ([]Funding, error) {
	h, err := readHeader(rec)
	rate, e1 := floatValues(rec, "funding_rate")
	mark, e2 := floatValues(rec, "mark_price")
	if err := firstErr(err, e1, e2); err != nil {
		return dst, fmt.Errorf("funding: %w", err)
	}
	n := int(rec.NumRows())
	dst = slices.Grow(dst, n)
	for i := range n {
		dst = append(dst, Funding{h.at(i), rate[i], mark[i]})
	}
	return dst, nil
}

// SnapshotDepth returns the number of levels per side of a book_snapshot batch.
func SnapshotDepth(schema *arrow.Schema) int {
	depth := 0
	for schema.HasField(fmt.Sprintf("bid_px_%02d", depth)) {
		depth++
	}
	return depth
}

// DecodeBookSnapshot appends the rows of a book_snapshot record batch to dst.
func DecodeBookSnapshot(rec arrow.RecordBatch, dst []BookSnapshot) ([]BookSnapshot, error) {
	h, err := readHeader(rec)
	if err != nil {
		return dst, fmt.Errorf("book_snapshot: %w", err)
	}
	depth := SnapshotDepth(rec.Schema())
	type sideCols struct {
		px interface {
			IsValid(int) bool
			Value(int) float64
		}
		sz []float64
	}
	cols := make([][]sideCols, 2)
	for s, name := range []string{"bid", "ask"} {
		for l := range depth {
			px, e1 := float64Column(rec, fmt.Sprintf("%s_px_%02d", name, l))
			sz, e2 := floatValues(rec, fmt.Sprintf("%s_sz_%02d", name, l))
			if err := firstErr(e1, e2); err != nil {
				return dst, fmt.Errorf("book_snapshot: %w", err)
			}
			cols[s] = append(cols[s], sideCols{px, sz})
		}
	}
	n := int(rec.NumRows())
	levels := make([]Level, 2*depth*n) // one allocation for the batch
	for i := range n {
		row := levels[2*depth*i : 2*depth*(i+1)]
		for s := range 2 {
			for l, c := range cols[s] {
				lv := &row[s*depth+l]
				lv.Size = c.sz[i]
				if c.px.IsValid(i) {
					lv.Price, lv.OK = c.px.Value(i), true
				}
			}
		}
		dst = append(dst, BookSnapshot{h.at(i), row[:depth:depth], row[depth:]})
	}
	return dst, nil
}

// --- whole tables ----------------------------------------------------------------------

func readAll[T any](r *TableReader, decode func(arrow.RecordBatch, []T) ([]T, error)) ([]T, error) {
	defer r.Release()
	var out []T
	for r.Next() {
		var err error
		if out, err = decode(r.RecordBatch(), out); err != nil {
			return nil, err
		}
	}
	return out, r.Err()
}

// typedRead is how the typed readers read: strings as stored (dictionary), since they are
// mapped to constants anyway, Arrow buffers recycled (rows are copied out of a batch
// before it is released), and the next batches decoded while the current one is copied.
var typedRead = ReadOptions{DictionaryStrings: true, Allocator: typedPool, Prefetch: 2}

var typedPool = NewPoolAllocator()

func readTable[T any](d *Dataset, table string, decode func(arrow.RecordBatch, []T) ([]T, error)) ([]T, error) {
	r, err := d.RecordsWith(table, typedRead)
	if err != nil {
		return nil, err
	}
	return readAll(r, decode)
}

// MBO reads the mbo table: every row, in manifest file order (ascending seq).
func (d *Dataset) MBO() ([]MBO, error) { return readTable(d, TableMBO, DecodeMBO) }

// BookDeltas reads the book_delta table.
func (d *Dataset) BookDeltas() ([]BookDelta, error) {
	return readTable(d, TableBookDelta, DecodeBookDelta)
}

// BookSnapshots reads the book_snapshot table.
func (d *Dataset) BookSnapshots() ([]BookSnapshot, error) {
	return readTable(d, TableBookSnapshot, DecodeBookSnapshot)
}

// Trades reads the trades table.
func (d *Dataset) Trades() ([]Trade, error) { return readTable(d, TableTrades, DecodeTrades) }

// Tickers reads the ticker table.
func (d *Dataset) Tickers() ([]Ticker, error) { return readTable(d, TableTicker, DecodeTicker) }

// Fundings reads the funding table.
func (d *Dataset) Fundings() ([]Funding, error) { return readTable(d, TableFunding, DecodeFunding) }

// Only returns a view of the dataset restricted to one instrument's files.
func (d *Dataset) Only(inst Instrument) *Dataset {
	view := *d
	view.Manifest.Files = nil
	for _, f := range d.Manifest.Files {
		if v, s, _ := f.Partition(); (v == inst.Venue && s == inst.Symbol) || !isTable(f.Table) {
			view.Manifest.Files = append(view.Manifest.Files, f)
		}
	}
	return &view
}
