package aleatoric

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// The test vectors written by sdk/vectors/generate.py, and the Python engine's figures.
var vectorsDir = filepath.Join("..", "vectors")

type expectedVerdict struct {
	OK       bool     `json:"ok"`
	Exit     int      `json:"exit"`
	Files    int      `json:"files"`
	KeyID    string   `json:"key_id"`
	Problems []string `json:"problems"`
}

type expectedDataset struct {
	CopyOf        string                        `json:"copy_of"`
	SignedWith    string                        `json:"signed_with"`
	Verify        map[string]expectedVerdict    `json:"verify"`
	ManifestCheck struct{ Mismatched []string } `json:"manifest_check"`
	Instruments   []Instrument                  `json:"instruments"`
	Tables        map[string]int64              `json:"tables"`
	Files         []File                        `json:"files"`
	Native        map[string]struct {
		Lines  int64  `json:"lines"`
		SHA256 string `json:"sha256"`
	} `json:"native"`
	TableDigests map[string]string           `json:"table_digests"`
	Segments     []Segment                   `json:"segments"`
	Schemas      map[string][][]any          `json:"schemas"`
	Rows         map[string][]map[string]any `json:"rows"`
	TopOfBook    [][]any                     `json:"top_of_book"`
	MergedStream struct {
		Events int64   `json:"events"`
		SHA256 string  `json:"sha256"`
		Head   [][]any `json:"head"`
		Tail   [][]any `json:"tail"`
	} `json:"merged_stream"`
}

type expectedVectors struct {
	Keys     map[string]string          `json:"keys"`
	Datasets map[string]expectedDataset `json:"datasets"`
}

func loadExpected(t *testing.T) *expectedVectors {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(vectorsDir, "expected.json"))
	if err != nil {
		t.Fatalf("read expected.json: %v", err)
	}
	var e expectedVectors
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("parse expected.json: %v", err)
	}
	if len(e.Datasets) < 4 {
		t.Fatalf("expected.json lists %d datasets", len(e.Datasets))
	}
	return &e
}

// figures returns the vectors that carry figures (not the tampered copies).
func (e *expectedVectors) figures() map[string]expectedDataset {
	out := map[string]expectedDataset{}
	for name, d := range e.Datasets {
		if d.CopyOf == "" {
			out[name] = d
		}
	}
	return out
}

func openVector(t *testing.T, name string) *Dataset {
	t.Helper()
	ds, err := Open(filepath.Join(vectorsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func TestManifestListing(t *testing.T) {
	e := loadExpected(t)
	for name, want := range e.figures() {
		ds := openVector(t, name)
		if got := ds.Instruments(); !reflect.DeepEqual(got, want.Instruments) {
			t.Errorf("%s: instruments %v, want %v", name, got, want.Instruments)
		}
		for _, table := range Tables {
			if got := ds.Rows(table); got != want.Tables[table] {
				t.Errorf("%s: %s rows %d, want %d", name, table, got, want.Tables[table])
			}
			if want.Tables[table] > 0 {
				if got := ds.TableDigest(table); got != want.TableDigests[table] {
					t.Errorf("%s: %s table digest %s, want %s", name, table, got, want.TableDigests[table])
				}
			}
		}
		if len(ds.Tables()) != 6 {
			t.Errorf("%s: tables %v", name, ds.Tables())
		}
		var files []File
		for _, f := range ds.Manifest.Files {
			files = append(files, File{Path: f.Path, Table: f.Table, Rows: f.Rows, Bytes: f.Bytes, SHA256: f.SHA256})
		}
		if !reflect.DeepEqual(files, want.Files) {
			t.Errorf("%s: files differ from expected.json", name)
		}
		for _, f := range ds.Files("native") {
			n := want.Native[f.Path]
			if n.SHA256 != f.SHA256 || n.Lines != f.Rows {
				t.Errorf("%s: native %s: %+v vs %+v", name, f.Path, f, n)
			}
		}
		if len(ds.Files("native")) == 0 || len(ds.Files("native")) != len(want.Native) {
			t.Errorf("%s: %d native files, want %d", name, len(ds.Files("native")), len(want.Native))
		}
		if !reflect.DeepEqual(ds.Segments(), want.Segments) {
			t.Errorf("%s: segments %+v, want %+v", name, ds.Segments(), want.Segments)
		}
	}
}

func TestVerifyVerdicts(t *testing.T) {
	e := loadExpected(t)
	keys := map[string]*PublicKey{}
	for name, rel := range e.Keys {
		k, err := LoadPublicKey(filepath.Join(vectorsDir, rel))
		if err != nil {
			t.Fatal(err)
		}
		keys[name] = k
	}
	if keys["ed25519"].Algorithm() != "ed25519" || keys["ecdsa-p256"].Algorithm() != "ecdsa-p256" {
		t.Fatalf("key algorithms: %s %s", keys["ed25519"].Algorithm(), keys["ecdsa-p256"].Algorithm())
	}
	checked := 0
	for name, want := range e.Datasets {
		ds := openVector(t, name)
		for keyName, verdict := range want.Verify {
			report, err := ds.Verify(keys[keyName])
			var got expectedVerdict
			var verr *VerifyError
			switch {
			case err == nil:
				got = expectedVerdict{OK: true, Exit: 0, Files: report.Files(), KeyID: report.KeyID}
			case errors.As(err, &verr):
				got = expectedVerdict{OK: false, Exit: 1, Problems: verr.Problems}
			default:
				t.Fatalf("%s with %s: %v", name, keyName, err)
			}
			if !reflect.DeepEqual(got, verdict) {
				t.Errorf("%s with %s:\n got %+v\nwant %+v", name, keyName, got, verdict)
			}
			checked++
		}
		bad, err := ds.VerifyFiles()
		if err != nil {
			t.Fatal(err)
		}
		var paths []string
		for _, p := range bad {
			paths = append(paths, p.Path)
		}
		if len(paths) != len(want.ManifestCheck.Mismatched) ||
			(len(paths) > 0 && !reflect.DeepEqual(paths, want.ManifestCheck.Mismatched)) {
			t.Errorf("%s: file check %v, want %v", name, paths, want.ManifestCheck.Mismatched)
		}
	}
	if checked < 8 {
		t.Fatalf("only %d verdicts checked", checked)
	}
	// The tampered copies must fail with the key that signed the original.
	for _, name := range []string{"tampered-data", "tampered-envelope"} {
		if _, err := openVector(t, name).Verify(keys["ed25519"]); err == nil {
			t.Errorf("%s verified", name)
		}
	}
}

// arrowType maps pyarrow's type names to arrow-go's.
var arrowType = map[string]string{"double": "float64", "string": "utf8"}

func TestArrowSchemasAndRows(t *testing.T) {
	e := loadExpected(t)
	for name, want := range e.figures() {
		ds := openVector(t, name)
		for _, table := range Tables {
			r, err := ds.Records(table)
			if err != nil {
				t.Fatal(err)
			}
			schema := r.Schema()
			for i, f := range want.Schemas[table] {
				typ := f[1].(string)
				if m, ok := arrowType[typ]; ok {
					typ = m
				}
				got := schema.Field(i)
				if got.Name != f[0] || got.Type.String() != typ || got.Nullable != f[2] {
					t.Errorf("%s %s: field %d is %s %s %v, want %v", name, table, i, got.Name, got.Type, got.Nullable, f)
				}
			}
			// Collect the chosen rows while streaming the batches.
			chosen := map[int64]map[string]any{}
			for _, row := range want.Rows[table] {
				idx, _ := row["index"].(json.Number).Int64()
				chosen[idx] = row
			}
			var offset int64
			for r.Next() {
				rec := r.RecordBatch()
				for idx, row := range chosen {
					if idx >= offset && idx < offset+rec.NumRows() {
						compareArrowRow(t, fmt.Sprintf("%s %s row %d", name, table, idx), rec, int(idx-offset), row)
						delete(chosen, idx)
					}
				}
				offset += rec.NumRows()
			}
			if err := r.Err(); err != nil {
				t.Fatal(err)
			}
			r.Release()
			if offset != want.Tables[table] || len(chosen) != 0 {
				t.Errorf("%s %s: streamed %d rows (want %d), %d chosen rows not seen", name, table, offset,
					want.Tables[table], len(chosen))
			}
		}
	}
}

func compareArrowRow(t *testing.T, where string, rec arrow.RecordBatch, i int, want map[string]any) {
	t.Helper()
	for c, field := range rec.Schema().Fields() {
		exp, ok := want[field.Name]
		if !ok {
			t.Errorf("%s: column %s not in expected.json", where, field.Name)
			continue
		}
		if !sameValue(rec.Column(c), i, exp) {
			t.Errorf("%s: %s = %v, want %v", where, field.Name, rec.Column(c).GetOneForMarshal(i), exp)
		}
	}
	if len(want) != int(rec.NumCols())+1 { // + "index"
		t.Errorf("%s: %d columns, expected.json has %d", where, rec.NumCols(), len(want)-1)
	}
}

func sameValue(col arrow.Array, i int, exp any) bool {
	if col.IsNull(i) {
		return exp == nil
	}
	num, _ := exp.(json.Number)
	switch c := col.(type) {
	case *array.Int64:
		return string(num) == strconv.FormatInt(c.Value(i), 10)
	case *array.Timestamp:
		return string(num) == strconv.FormatInt(int64(c.Value(i)), 10)
	case *array.Uint64:
		return string(num) == strconv.FormatUint(c.Value(i), 10)
	case *array.Uint32:
		return string(num) == strconv.FormatUint(uint64(c.Value(i)), 10)
	case *array.Uint8:
		return string(num) == strconv.FormatUint(uint64(c.Value(i)), 10)
	case *array.Float64:
		f, err := strconv.ParseFloat(string(num), 64)
		return err == nil && f == c.Value(i)
	case *array.Boolean:
		return exp == c.Value(i)
	case *array.String:
		return exp == c.Value(i)
	}
	return false
}

// asRow renders a typed row as expected.json's row object (JSON numbers kept exact).
func asRow(t *testing.T, v any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func sameRow(got, want map[string]any) bool {
	if len(got)+1 != len(want) {
		return false
	}
	for k, v := range got {
		w := want[k]
		gn, ok1 := v.(json.Number)
		wn, ok2 := w.(json.Number)
		if ok1 && ok2 {
			gf, _ := strconv.ParseFloat(string(gn), 64)
			wf, _ := strconv.ParseFloat(string(wn), 64)
			// Integers compare as text (exact beyond 2^53), floats by value.
			if string(gn) != string(wn) && gf != wf {
				return false
			}
			continue
		}
		if v != w {
			return false
		}
	}
	return true
}

func checkTyped[T any](t *testing.T, name, table string, rows []T, err error, want expectedDataset) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s %s: %v", name, table, err)
	}
	if int64(len(rows)) != want.Tables[table] {
		t.Errorf("%s %s: %d typed rows, want %d", name, table, len(rows), want.Tables[table])
	}
	for _, row := range want.Rows[table] {
		idx, _ := row["index"].(json.Number).Int64()
		got := asRow(t, rows[idx])
		if !sameRow(got, row) {
			t.Errorf("%s %s row %d:\n got %v\nwant %v", name, table, idx, got, row)
		}
	}
}

func TestTypedRows(t *testing.T) {
	e := loadExpected(t)
	for name, want := range e.figures() {
		ds := openVector(t, name)
		mbo, err := ds.MBO()
		checkTyped(t, name, TableMBO, mbo, err, want)
		deltas, err := ds.BookDeltas()
		checkTyped(t, name, TableBookDelta, deltas, err, want)
		trades, err := ds.Trades()
		checkTyped(t, name, TableTrades, trades, err, want)
		tickers, err := ds.Tickers()
		checkTyped(t, name, TableTicker, tickers, err, want)
		fundings, err := ds.Fundings()
		checkTyped(t, name, TableFunding, fundings, err, want)
		snaps, err := ds.BookSnapshots()
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(snaps)) != want.Tables[TableBookSnapshot] {
			t.Errorf("%s: %d snapshots", name, len(snaps))
		}
		for _, row := range want.Rows[TableBookSnapshot] {
			idx, _ := row["index"].(json.Number).Int64()
			s := snaps[idx]
			got := map[string]any{"ts_event": s.TsEvent, "ts_recv": s.TsRecv, "seq": s.Seq}
			for side, levels := range map[string][]Level{"bid": s.Bids, "ask": s.Asks} {
				for l, lv := range levels {
					var px any
					if lv.OK {
						px = lv.Price
					}
					got[fmt.Sprintf("%s_px_%02d", side, l)] = px
					got[fmt.Sprintf("%s_sz_%02d", side, l)] = lv.Size
				}
			}
			if !sameRow(asRow(t, got), row) {
				t.Errorf("%s book_snapshot row %d differs", name, idx)
			}
		}
	}
}

func levelEquals(l Level, px, sz any) bool {
	if px == nil {
		return !l.OK && l.Size == 0
	}
	p, _ := strconv.ParseFloat(string(px.(json.Number)), 64)
	s, _ := strconv.ParseFloat(string(sz.(json.Number)), 64)
	return l.OK && l.Price == p && l.Size == s
}

func TestBookReplayMatchesSnapshots(t *testing.T) {
	e := loadExpected(t)
	for name, want := range e.figures() {
		ds := openVector(t, name)
		inst := ds.Instruments()[0]
		stream, err := ds.Events(inst)
		if err != nil {
			t.Fatal(err)
		}
		l2 := NewBook()
		l3 := NewOrderBook(ds.LotSize())
		k := 0
		for stream.Next() {
			ev := stream.Event()
			switch {
			case ev.BookDelta != nil:
				l2.Apply(*ev.BookDelta)
			case ev.MBO != nil:
				l3.Apply(*ev.MBO)
			case ev.Snapshot != nil:
				s := ev.Snapshot
				bid, ask := l2.Top()
				if bid != s.Bids[0] || ask != s.Asks[0] {
					t.Fatalf("%s: L2 replay at snapshot seq %d: %+v %+v, snapshot %+v %+v", name, s.Seq, bid, ask,
						s.Bids[0], s.Asks[0])
				}
				wantTop := want.TopOfBook[k]
				if string(wantTop[1].(json.Number)) != strconv.FormatUint(s.Seq, 10) ||
					!levelEquals(bid, wantTop[2], wantTop[3]) || !levelEquals(ask, wantTop[4], wantTop[5]) {
					t.Fatalf("%s: snapshot %d: %+v %+v, expected.json %v", name, k, bid, ask, wantTop)
				}
				lb, la := l3.TopLots()
				if lb.Price != bid.Price || lb.Lots != l3.Lots(bid.Size) || la.Price != ask.Price ||
					la.Lots != l3.Lots(ask.Size) || lb.OK != bid.OK || la.OK != ask.OK {
					t.Fatalf("%s: L3 replay at snapshot seq %d: %+v %+v, snapshot %+v %+v", name, s.Seq, lb, la, bid, ask)
				}
				k++
			}
		}
		if err := stream.Err(); err != nil {
			t.Fatal(err)
		}
		stream.Close()
		if k != len(want.TopOfBook) || k == 0 {
			t.Errorf("%s: checked %d snapshots, expected.json has %d", name, k, len(want.TopOfBook))
		}
	}
}

func TestMergedStreamOrder(t *testing.T) {
	e := loadExpected(t)
	for name, want := range e.figures() {
		ds := openVector(t, name)
		stream, err := ds.Events(ds.Instruments()[0])
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		var triples [][3]string
		var n int64
		for stream.Next() {
			ev := stream.Event()
			ts, seq := strconv.FormatInt(ev.TsRecv, 10), strconv.FormatUint(ev.Seq, 10)
			fmt.Fprintf(h, "%s %s %s\n", ts, seq, ev.Table)
			triples = append(triples, [3]string{ts, seq, ev.Table})
			n++
		}
		if err := stream.Err(); err != nil {
			t.Fatal(err)
		}
		stream.Close()
		if n != want.MergedStream.Events {
			t.Errorf("%s: %d events, want %d", name, n, want.MergedStream.Events)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != want.MergedStream.SHA256 {
			t.Errorf("%s: merged stream sha256 %s, want %s", name, got, want.MergedStream.SHA256)
		}
		check := func(part string, exp [][]any, got [][3]string) {
			for i, e := range exp {
				w := [3]string{string(e[0].(json.Number)), string(e[1].(json.Number)), e[2].(string)}
				if got[i] != w {
					t.Errorf("%s: %s[%d] = %v, want %v", name, part, i, got[i], w)
				}
			}
		}
		check("head", want.MergedStream.Head, triples[:len(want.MergedStream.Head)])
		check("tail", want.MergedStream.Tail, triples[len(triples)-len(want.MergedStream.Tail):])
	}
}

func TestTamperedDataFailsFileCheck(t *testing.T) {
	ds := openVector(t, "tampered-data")
	bad, err := ds.VerifyFiles()
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) != 1 || bad[0].Problem != "sha256 mismatch" {
		t.Fatalf("tampered-data: %v", bad)
	}
}

func TestLotAndTick(t *testing.T) {
	ds := openVector(t, "binance-btcusdt")
	if ds.LotSize() != 0.001 || math.Abs(ds.TickSize()-0.1) > 1e-12 {
		t.Fatalf("lot %v tick %v", ds.LotSize(), ds.TickSize())
	}
}
