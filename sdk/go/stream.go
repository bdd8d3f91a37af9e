package aleatoric

import (
	"github.com/apache/arrow-go/v18/arrow"
)

// Event is one row of the merged stream: its table, its header and a pointer to the typed
// row (exactly one of the row fields is set). The row is valid until the next call to Next.
type Event struct {
	Table string
	Header
	MBO       *MBO
	BookDelta *BookDelta
	Snapshot  *BookSnapshot
	Trade     *Trade
	Ticker    *Ticker
	Funding   *Funding
}

// cursor walks one table's rows batch by batch.
type cursor interface {
	head() *Header // nil when exhausted
	advance() error
	event(*Event)
	close()
}

type tableCursor[T any] struct {
	reader *TableReader
	decode func(arrow.RecordBatch, []T) ([]T, error)
	header func(*T) *Header
	set    func(*Event, *T)
	table  string
	rows   []T
	pos    int
}

func (c *tableCursor[T]) head() *Header {
	if c.pos >= len(c.rows) {
		return nil
	}
	return c.header(&c.rows[c.pos])
}

func (c *tableCursor[T]) advance() error {
	c.pos++
	for c.pos >= len(c.rows) {
		if !c.reader.Next() {
			c.rows = c.rows[:0]
			c.pos = 0
			return c.reader.Err()
		}
		var err error
		c.rows, err = c.decode(c.reader.RecordBatch(), c.rows[:0])
		c.pos = 0
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *tableCursor[T]) event(e *Event) {
	*e = Event{Table: c.table, Header: *c.header(&c.rows[c.pos])}
	c.set(e, &c.rows[c.pos])
}

func (c *tableCursor[T]) close() { c.reader.Release() }

func newCursor[T any](d *Dataset, inst Instrument, table string,
	decode func(arrow.RecordBatch, []T) ([]T, error), header func(*T) *Header, set func(*Event, *T),
) (cursor, error) {
	r, err := d.InstrumentRecords(table, inst, typedRead)
	if err != nil {
		return nil, err
	}
	c := &tableCursor[T]{reader: r, decode: decode, header: header, set: set, table: table, pos: -1}
	if err := c.advance(); err != nil {
		r.Release()
		return nil, err
	}
	return c, nil
}

// EventStream merges every canonical table of one instrument into one stream ordered by
// ts_recv, then seq (seq is unique over a dataset, so the order is total). Rows are read
// batch by batch, so memory stays bounded by one batch per table.
type EventStream struct {
	cursors []cursor
	current Event
	last    int // cursor of the current event; -1 before the first
	err     error
}

// Events returns the merged event stream of one instrument's tables.
func (d *Dataset) Events(inst Instrument) (*EventStream, error) {
	s := &EventStream{last: -1}
	add := func(c cursor, err error) {
		if err != nil && s.err == nil {
			s.err = err
		}
		if c != nil {
			s.cursors = append(s.cursors, c)
		}
	}
	add(newCursor(d, inst, TableMBO, DecodeMBO, func(r *MBO) *Header { return &r.Header },
		func(e *Event, r *MBO) { e.MBO = r }))
	add(newCursor(d, inst, TableBookDelta, DecodeBookDelta, func(r *BookDelta) *Header { return &r.Header },
		func(e *Event, r *BookDelta) { e.BookDelta = r }))
	add(newCursor(d, inst, TableBookSnapshot, DecodeBookSnapshot, func(r *BookSnapshot) *Header { return &r.Header },
		func(e *Event, r *BookSnapshot) { e.Snapshot = r }))
	add(newCursor(d, inst, TableTrades, DecodeTrades, func(r *Trade) *Header { return &r.Header },
		func(e *Event, r *Trade) { e.Trade = r }))
	add(newCursor(d, inst, TableTicker, DecodeTicker, func(r *Ticker) *Header { return &r.Header },
		func(e *Event, r *Ticker) { e.Ticker = r }))
	add(newCursor(d, inst, TableFunding, DecodeFunding, func(r *Funding) *Header { return &r.Header },
		func(e *Event, r *Funding) { e.Funding = r }))
	if s.err != nil {
		s.Close()
		return nil, s.err
	}
	return s, nil
}

// Next advances to the next event; false at the end or on an error (see Err).
func (s *EventStream) Next() bool {
	if s.err != nil {
		return false
	}
	if s.last >= 0 {
		if err := s.cursors[s.last].advance(); err != nil {
			s.err = err
			return false
		}
	}
	s.last = -1
	var bh *Header
	for i, c := range s.cursors {
		h := c.head()
		if h == nil {
			continue
		}
		if bh == nil || h.TsRecv < bh.TsRecv || (h.TsRecv == bh.TsRecv && h.Seq < bh.Seq) {
			s.last, bh = i, h
		}
	}
	if s.last < 0 {
		return false
	}
	s.cursors[s.last].event(&s.current)
	return true
}

// Event returns the current event.
func (s *EventStream) Event() *Event { return &s.current }

// Err returns the first error met.
func (s *EventStream) Err() error { return s.err }

// Close releases the readers.
func (s *EventStream) Close() {
	for _, c := range s.cursors {
		c.close()
	}
	s.cursors = nil
}
