package aleatoric_test

import (
	"fmt"
	"log"

	aleatoric "github.com/aleatoric-engine/aleatoric/sdk/go"
)

// The README's example, on the signed Binance test vector.
func Example() {
	ds, err := aleatoric.Open("../vectors/binance-btcusdt")
	if err != nil {
		log.Fatal(err)
	}
	key, err := aleatoric.LoadPublicKey("../vectors/keys/ed25519.pub")
	if err != nil {
		log.Fatal(err)
	}
	report, err := ds.Verify(key)
	if err != nil {
		log.Fatal(err)
	}
	trades, err := ds.Trades()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ds.Instruments(), report.Files(), "files verified;", len(trades) == int(ds.Rows("trades")))

	stream, err := ds.Events(ds.Instruments()[0])
	if err != nil {
		log.Fatal(err)
	}
	defer stream.Close()
	book := aleatoric.NewBook()
	matched := 0
	for stream.Next() {
		ev := stream.Event()
		switch {
		case ev.BookDelta != nil:
			book.Apply(*ev.BookDelta)
		case ev.Snapshot != nil:
			if bid, ask := book.Top(); bid == ev.Snapshot.Bids[0] && ask == ev.Snapshot.Asks[0] {
				matched++
			}
		}
	}
	fmt.Println(matched, "snapshots match the replayed book")
	// Output:
	// [binance:BTCUSDT] 14 files verified; true
	// 1200 snapshots match the replayed book
}
