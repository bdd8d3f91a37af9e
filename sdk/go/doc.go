// Package aleatoric reads, verifies and streams datasets written by the Aleatoric Engine,
// and drives its HTTP job service, without a Python runtime.
//
// A dataset is a directory with a manifest.json, one Parquet file per canonical table,
// segment and UTC date, optional native venue captures and an optional signed provenance
// envelope (provenance.intoto.jsonl). See docs/schema.md and docs/provenance.md in the
// repository for the contract this package implements; the test vectors in sdk/vectors pin
// it across languages.
//
//	ds, err := aleatoric.Open("data/btc-calm")
//	report, err := ds.Verify(key)            // DSSE signature + every file's SHA-256
//	trades, err := ds.Trades()               // []aleatoric.Trade, in seq order
//	stream, err := ds.Events(ds.Instruments()[0])
//	for stream.Next() { ev := stream.Event(); ... }
package aleatoric
