package aleatoric

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"testing"
)

// The multi-instrument vectors: expected.json's "multi_instrument" entries.

type expectedMultiInstrument struct {
	Venue        string           `json:"venue"`
	Symbol       string           `json:"symbol"`
	LotSize      string           `json:"lot_size"`
	TickSize     string           `json:"tick_size"`
	Files        []string         `json:"files"`
	Tables       map[string]int64 `json:"tables"`
	MergedStream struct {
		Events int64  `json:"events"`
		SHA256 string `json:"sha256"`
	} `json:"merged_stream"`
}

type expectedTampered struct {
	Tampered struct {
		File   string `json:"file"`
		Offset int    `json:"offset"`
		XOR    byte   `json:"xor"`
	} `json:"tampered"`
	ManifestCheck struct{ Mismatched []string } `json:"manifest_check"`
	Verify        map[string]expectedVerdict    `json:"verify"`
}

type expectedMulti struct {
	SignedWith    string                        `json:"signed_with"`
	Verify        map[string]expectedVerdict    `json:"verify"`
	ManifestCheck struct{ Mismatched []string } `json:"manifest_check"`
	Instruments   []expectedMultiInstrument     `json:"instruments"`
	Tables        map[string]int64              `json:"tables"`
	TableDigests  map[string]string             `json:"table_digests"`
	Segments      []Segment                     `json:"segments"`
	Files         []File                        `json:"files"`
	Tampered      expectedTampered              `json:"tampered"`
}

func loadMulti(t *testing.T) map[string]expectedMulti {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(vectorsDir, "expected.json"))
	if err != nil {
		t.Fatalf("read expected.json: %v", err)
	}
	var e struct {
		Multi map[string]expectedMulti `json:"multi_instrument"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("parse expected.json: %v", err)
	}
	if len(e.Multi) == 0 {
		t.Fatal("expected.json lists no multi_instrument dataset")
	}
	return e.Multi
}

func loadKeys(t *testing.T) map[string]*PublicKey {
	t.Helper()
	keys := map[string]*PublicKey{}
	for name, rel := range loadExpected(t).Keys {
		k, err := LoadPublicKey(filepath.Join(vectorsDir, rel))
		if err != nil {
			t.Fatal(err)
		}
		keys[name] = k
	}
	return keys
}

// verdict runs Verify and shapes the result like expected.json's verdicts.
func verdict(t *testing.T, ds *Dataset, key *PublicKey) expectedVerdict {
	t.Helper()
	report, err := ds.Verify(key)
	var verr *VerifyError
	switch {
	case err == nil:
		return expectedVerdict{OK: true, Exit: 0, Files: report.Files(), KeyID: report.KeyID}
	case errors.As(err, &verr):
		return expectedVerdict{OK: false, Exit: 1, Problems: verr.Problems}
	}
	t.Fatalf("verify: %v", err)
	return expectedVerdict{}
}

func mismatched(t *testing.T, ds *Dataset) []string {
	t.Helper()
	bad, err := ds.VerifyFiles()
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, p := range bad {
		out = append(out, p.Path)
	}
	return out
}

func TestMultiInstrumentListing(t *testing.T) {
	for name, want := range loadMulti(t) {
		ds := openVector(t, name)
		var got []Instrument
		for _, i := range want.Instruments {
			got = append(got, Instrument{i.Venue, i.Symbol})
		}
		if len(got) < 2 || !reflect.DeepEqual(ds.Instruments(), got) {
			t.Fatalf("%s: instruments %v, want %v", name, ds.Instruments(), got)
		}
		for _, table := range Tables {
			if ds.Rows(table) != want.Tables[table] {
				t.Errorf("%s: %s rows %d, want %d", name, table, ds.Rows(table), want.Tables[table])
			}
			if ds.TableDigest(table) != want.TableDigests[table] {
				t.Errorf("%s: %s table digest differs", name, table)
			}
		}
		var files []File
		for _, f := range ds.Manifest.Files {
			files = append(files, File{Path: f.Path, Table: f.Table, Rows: f.Rows, Bytes: f.Bytes, SHA256: f.SHA256})
		}
		if !reflect.DeepEqual(files, want.Files) {
			t.Errorf("%s: files differ from expected.json", name)
		}
		if !reflect.DeepEqual(ds.Segments(), want.Segments) {
			t.Errorf("%s: segments %+v, want %+v", name, ds.Segments(), want.Segments)
		}
		// The one-instrument accessors have no single answer here.
		if ds.LotSize() != 0 || ds.TickSize() != 0 {
			t.Errorf("%s: LotSize %v TickSize %v, want 0 for several instruments", name, ds.LotSize(), ds.TickSize())
		}
	}
}

func TestMultiInstrumentTables(t *testing.T) {
	for name, want := range loadMulti(t) {
		ds := openVector(t, name)
		for _, wi := range want.Instruments {
			inst := Instrument{wi.Venue, wi.Symbol}
			lot, _ := strconv.ParseFloat(wi.LotSize, 64)
			tick, _ := strconv.ParseFloat(wi.TickSize, 64)
			if ds.InstrumentLotSize(inst) != lot || ds.InstrumentTickSize(inst) != tick || lot == 0 {
				t.Errorf("%s %s: lot %v tick %v, want %s %s", name, inst,
					ds.InstrumentLotSize(inst), ds.InstrumentTickSize(inst), wi.LotSize, wi.TickSize)
			}
			var paths []string
			for _, table := range Tables {
				for _, f := range ds.InstrumentFiles(table, inst) {
					paths = append(paths, f.Path)
				}
			}
			if !reflect.DeepEqual(sortedCopy(paths), sortedCopy(wi.Files)) {
				t.Errorf("%s %s: files %v, want %v", name, inst, paths, wi.Files)
			}
			only := ds.Only(inst)
			for _, table := range Tables {
				if got := ds.InstrumentRows(table, inst); got != wi.Tables[table] {
					t.Errorf("%s %s: %s manifest rows %d, want %d", name, inst, table, got, wi.Tables[table])
				}
				// Count the rows by reading them, through both ways of selecting an instrument.
				r, err := ds.InstrumentRecords(table, inst, ReadOptions{})
				if err != nil {
					t.Fatal(err)
				}
				var n int64
				for r.Next() {
					n += r.RecordBatch().NumRows()
				}
				if err := r.Err(); err != nil && !errors.Is(err, io.EOF) {
					t.Fatal(err)
				}
				r.Release()
				if n != wi.Tables[table] {
					t.Errorf("%s %s: %s read %d rows, want %d", name, inst, table, n, wi.Tables[table])
				}
				if got := only.Rows(table); got != want.Tables[table] {
					t.Errorf("%s: Only keeps the manifest's table counts, %d", name, got)
				}
				if got := len(only.Files(table)); got != len(ds.InstrumentFiles(table, inst)) {
					t.Errorf("%s %s: Only has %d %s files", name, inst, got, table)
				}
			}
			trades, err := only.Trades()
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(trades)) != wi.Tables[TableTrades] {
				t.Errorf("%s %s: %d trades, want %d", name, inst, len(trades), wi.Tables[TableTrades])
			}
			stream, err := ds.Events(inst)
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.New()
			var events int64
			for stream.Next() {
				ev := stream.Event()
				fmt.Fprintf(h, "%d %d %s\n", ev.TsRecv, ev.Seq, ev.Table)
				events++
			}
			if err := stream.Err(); err != nil {
				t.Fatal(err)
			}
			stream.Close()
			if events != wi.MergedStream.Events || hex.EncodeToString(h.Sum(nil)) != wi.MergedStream.SHA256 {
				t.Errorf("%s %s: merged stream of %d events differs from expected.json (%d)",
					name, inst, events, wi.MergedStream.Events)
			}
		}
	}
}

func TestMultiInstrumentVerify(t *testing.T) {
	keys := loadKeys(t)
	for name, want := range loadMulti(t) {
		ds := openVector(t, name)
		for keyName, w := range want.Verify {
			if got := verdict(t, ds, keys[keyName]); !reflect.DeepEqual(got, w) {
				t.Errorf("%s with %s:\n got %+v\nwant %+v", name, keyName, got, w)
			}
		}
		if !want.Verify[want.SignedWith].OK {
			t.Errorf("%s: expected.json says it does not verify with its own key", name)
		}
		if got := mismatched(t, ds); len(got) != 0 {
			t.Errorf("%s: file check %v", name, got)
		}

		// The tampered case: apply the change to a scratch copy.
		tw := want.Tampered
		dir := filepath.Join(t.TempDir(), name)
		if err := os.CopyFS(dir, os.DirFS(ds.Root)); err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(dir, filepath.FromSlash(tw.Tampered.File))
		data, err := os.ReadFile(target)
		if err != nil {
			t.Fatal(err)
		}
		data[tw.Tampered.Offset] ^= tw.Tampered.XOR
		if err := os.WriteFile(target, data, 0o644); err != nil {
			t.Fatal(err)
		}
		tampered, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		for keyName, w := range tw.Verify {
			if w.OK {
				t.Fatalf("%s: expected.json says the tampered copy verifies", name)
			}
			if got := verdict(t, tampered, keys[keyName]); !reflect.DeepEqual(got, w) {
				t.Errorf("%s tampered, with %s:\n got %+v\nwant %+v", name, keyName, got, w)
			}
		}
		if got := mismatched(t, tampered); !reflect.DeepEqual(got, tw.ManifestCheck.Mismatched) || len(got) != 1 {
			t.Errorf("%s tampered: file check %v, want %v", name, got, tw.ManifestCheck.Mismatched)
		}
	}
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
