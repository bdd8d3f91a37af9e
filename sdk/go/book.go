package aleatoric

import (
	"math"
	"sort"
)

// Book is an L2 order book rebuilt from book_delta rows. Apply rows in seq order; after
// every row with a smaller seq than a snapshot's, Top equals that snapshot's level 00.
type Book struct {
	bids, asks         map[float64]float64
	bestBid, bestAsk   float64
	bidDirty, askDirty bool
}

// NewBook returns an empty book.
func NewBook() *Book {
	return &Book{bids: map[float64]float64{}, asks: map[float64]float64{}}
}

// Apply sets a level to the row's size; size 0 removes the level.
func (b *Book) Apply(d BookDelta) {
	bid := d.Side == "bid"
	levels := b.asks
	if bid {
		levels = b.bids
	}
	if d.Size == 0 {
		delete(levels, d.Price)
		if bid && d.Price == b.bestBid {
			b.bidDirty = true
		} else if !bid && d.Price == b.bestAsk {
			b.askDirty = true
		}
		return
	}
	levels[d.Price] = d.Size
	switch {
	case bid && (len(levels) == 1 || d.Price > b.bestBid) && !b.bidDirty:
		b.bestBid = d.Price
	case !bid && (len(levels) == 1 || d.Price < b.bestAsk) && !b.askDirty:
		b.bestAsk = d.Price
	}
}

// Top returns the best bid and ask; a side without levels gives a Level with OK false.
func (b *Book) Top() (bid, ask Level) {
	if b.bidDirty {
		b.bestBid, b.bidDirty = extreme(b.bids, true), false
	}
	if b.askDirty {
		b.bestAsk, b.askDirty = extreme(b.asks, false), false
	}
	if len(b.bids) > 0 {
		bid = Level{b.bestBid, b.bids[b.bestBid], true}
	}
	if len(b.asks) > 0 {
		ask = Level{b.bestAsk, b.asks[b.bestAsk], true}
	}
	return bid, ask
}

// Depth returns up to n levels per side, best first.
func (b *Book) Depth(n int) (bids, asks []Level) {
	return sortedLevels(b.bids, n, true), sortedLevels(b.asks, n, false)
}

func sortedLevels(levels map[float64]float64, n int, desc bool) []Level {
	prices := make([]float64, 0, len(levels))
	for p := range levels {
		prices = append(prices, p)
	}
	sort.Float64s(prices)
	if desc {
		for i, j := 0, len(prices)-1; i < j; i, j = i+1, j-1 {
			prices[i], prices[j] = prices[j], prices[i]
		}
	}
	if len(prices) > n {
		prices = prices[:n]
	}
	out := make([]Level, len(prices))
	for i, p := range prices {
		out[i] = Level{p, levels[p], true}
	}
	return out
}

func extreme[V any](levels map[float64]V, max bool) float64 {
	best := math.Inf(1)
	if max {
		best = math.Inf(-1)
	}
	for p := range levels {
		if (max && p > best) || (!max && p < best) {
			best = p
		}
	}
	return best
}

// LotLevel is a price level with its size in whole lots (exact for any number of orders).
type LotLevel struct {
	Price float64
	Lots  int64
	OK    bool
}

type restingOrder struct {
	bid   bool
	price float64
	lots  int64
}

// OrderBook is an L3 book rebuilt from mbo rows: every resting order with its remaining
// size. Sizes are kept in whole lots, so level sums are exact.
type OrderBook struct {
	lot    float64
	orders map[uint64]restingOrder
	bids   map[float64]int64
	asks   map[float64]int64
}

// NewOrderBook returns an empty L3 book for an instrument with the given lot size.
func NewOrderBook(lotSize float64) *OrderBook {
	return &OrderBook{
		lot:    lotSize,
		orders: map[uint64]restingOrder{},
		bids:   map[float64]int64{},
		asks:   map[float64]int64{},
	}
}

// Lots converts a size to whole lots.
func (b *OrderBook) Lots(size float64) int64 { return int64(math.Round(size / b.lot)) }

// Apply replays one mbo row: A adds an order; C and F reduce it by the row's size (it
// leaves the book at 0); M sets its remaining size; T changes nothing.
func (b *OrderBook) Apply(m MBO) {
	lots := b.Lots(m.Size)
	switch m.Action {
	case "A":
		o := restingOrder{m.Side == "B", m.Price, lots}
		b.orders[m.OrderID] = o
		b.change(o, lots)
	case "C", "F", "M":
		o, ok := b.orders[m.OrderID]
		if !ok {
			return
		}
		left := o.lots - lots
		if m.Action == "M" {
			left = lots
		}
		b.change(o, left-o.lots)
		if left <= 0 {
			delete(b.orders, m.OrderID)
		} else {
			o.lots = left
			b.orders[m.OrderID] = o
		}
	}
}

func (b *OrderBook) change(o restingOrder, lots int64) {
	levels := b.asks
	if o.bid {
		levels = b.bids
	}
	levels[o.price] += lots
	if levels[o.price] == 0 {
		delete(levels, o.price)
	}
}

// Orders returns the number of resting orders.
func (b *OrderBook) Orders() int { return len(b.orders) }

// TopLots returns the best bid and ask with their sizes in lots.
func (b *OrderBook) TopLots() (bid, ask LotLevel) {
	if len(b.bids) > 0 {
		p := extreme(b.bids, true)
		bid = LotLevel{p, b.bids[p], true}
	}
	if len(b.asks) > 0 {
		p := extreme(b.asks, false)
		ask = LotLevel{p, b.asks[p], true}
	}
	return bid, ask
}

// Top returns the best bid and ask with sizes in base units (lots × lot size).
func (b *OrderBook) Top() (bid, ask Level) {
	lb, la := b.TopLots()
	return Level{lb.Price, float64(lb.Lots) * b.lot, lb.OK}, Level{la.Price, float64(la.Lots) * b.lot, la.OK}
}
