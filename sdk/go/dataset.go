package aleatoric

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ManifestName is the file at a dataset's root listing every file with its digest.
const ManifestName = "manifest.json"

// ManifestFormat is the value of the manifest's "format" key this package reads.
const ManifestFormat = "aleatoric-dataset/1"

// Canonical table names, in the order docs/schema.md documents them.
const (
	TableMBO          = "mbo"
	TableBookDelta    = "book_delta"
	TableBookSnapshot = "book_snapshot"
	TableTrades       = "trades"
	TableTicker       = "ticker"
	TableFunding      = "funding"
)

// Tables lists the canonical tables in documented order.
var Tables = []string{TableMBO, TableBookDelta, TableBookSnapshot, TableTrades, TableTicker, TableFunding}

// File is one entry of the manifest's "files" list.
type File struct {
	Path          string `json:"path"`
	Table         string `json:"table"`
	SHA256        string `json:"sha256"`
	Bytes         int64  `json:"bytes"`
	Rows          int64  `json:"rows"`
	ContentSHA256 string `json:"content_sha256,omitempty"`
	Schema        string `json:"schema,omitempty"`
}

// Partition returns the hive partition values of a table file's path (venue, symbol, date);
// empty strings for a file outside the table layout (a native capture, for instance).
func (f File) Partition() (venue, symbol, date string) {
	for _, part := range strings.Split(f.Path, "/") {
		if k, v, ok := strings.Cut(part, "="); ok {
			switch k {
			case "venue":
				venue = v
			case "symbol":
				symbol = v
			case "date":
				date = v
			}
		}
	}
	return venue, symbol, date
}

// Segment is one entry of the manifest's "segments" list: a unit of parallel work. In a
// dataset of several instruments each instrument has its own segments, named by Venue and
// Symbol (empty in a single-instrument dataset).
type Segment struct {
	Index              int    `json:"index"`
	StartNs            int64  `json:"start_ns"`
	EndNs              int64  `json:"end_ns"`
	Rows               int64  `json:"rows"`
	Trades             int64  `json:"trades"`
	ReconciliationRows int64  `json:"reconciliation_rows"`
	Venue              string `json:"venue,omitempty"`
	Symbol             string `json:"symbol,omitempty"`
}

// Manifest is a dataset's manifest.json. Config and the instrument rules keep the raw JSON,
// so fields added by newer engines are not lost. A single-instrument dataset writes its rules
// as "instrument", a dataset of several instruments as "instruments" (a list); see
// Dataset.InstrumentRules for either.
type Manifest struct {
	Format       string                       `json:"format"`
	Engine       map[string]string            `json:"engine"`
	Libraries    map[string]string            `json:"libraries"`
	Seed         json.Number                  `json:"seed"`
	Config       map[string]json.RawMessage   `json:"config"`
	Instrument   map[string]json.RawMessage   `json:"instrument"`
	Instruments  []map[string]json.RawMessage `json:"instruments"`
	TableRows    map[string]int64             `json:"tables"`
	TableDigests map[string]string            `json:"table_digests"`
	Segments     []Segment                    `json:"segments"`
	Files        []File                       `json:"files"`
}

// Instrument names one venue's symbol.
type Instrument struct {
	Venue  string `json:"venue"`
	Symbol string `json:"symbol"`
}

func (i Instrument) String() string { return i.Venue + ":" + i.Symbol }

// Dataset is an opened dataset directory.
type Dataset struct {
	Root     string
	Manifest Manifest
	// ManifestSHA256 is the hex SHA-256 of the manifest bytes that were parsed.
	ManifestSHA256 string
}

// Open reads root/manifest.json. It checks the format but no digest; see Verify and
// VerifyFiles.
func Open(root string) (*Dataset, error) {
	info, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("open dataset: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("open dataset: %s: not a directory", root)
	}
	raw, err := os.ReadFile(filepath.Join(root, ManifestName))
	if err != nil {
		return nil, fmt.Errorf("open dataset: %s: no %s; not a dataset (%w)", root, ManifestName, err)
	}
	m, err := ParseManifest(raw)
	if err != nil {
		return nil, err
	}
	return &Dataset{Root: root, Manifest: *m, ManifestSHA256: sha256Hex(raw)}, nil
}

// ParseManifest decodes manifest.json bytes and checks the format key.
func ParseManifest(raw []byte) (*Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: not valid JSON (%w)", ManifestName, err)
	}
	if m.Format != ManifestFormat {
		return nil, fmt.Errorf("%s: format is %q, expected %q", ManifestName, m.Format, ManifestFormat)
	}
	return &m, nil
}

// Instruments returns the instruments found in the table files' paths, sorted.
func (d *Dataset) Instruments() []Instrument {
	seen := map[Instrument]bool{}
	for _, f := range d.Manifest.Files {
		if !isTable(f.Table) {
			continue
		}
		v, s, _ := f.Partition()
		seen[Instrument{v, s}] = true
	}
	out := make([]Instrument, 0, len(seen))
	for i := range seen {
		out = append(out, i)
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Venue != out[b].Venue {
			return out[a].Venue < out[b].Venue
		}
		return out[a].Symbol < out[b].Symbol
	})
	return out
}

// Tables returns the canonical tables that have at least one file, in documented order.
func (d *Dataset) Tables() []string {
	var out []string
	for _, t := range Tables {
		if len(d.Files(t)) > 0 {
			out = append(out, t)
		}
	}
	return out
}

// Rows returns the manifest's row count of a table over every instrument (0 when it has none).
func (d *Dataset) Rows(table string) int64 { return d.Manifest.TableRows[table] }

// InstrumentRows returns one instrument's row count of a table: the sum of the manifest's
// rows of its files.
func (d *Dataset) InstrumentRows(table string, inst Instrument) int64 {
	var n int64
	for _, f := range d.InstrumentFiles(table, inst) {
		n += f.Rows
	}
	return n
}

// Files returns the manifest's files of a table in manifest order, which is path order:
// by instrument, then date, then segment, so ascending seq within an instrument.
func (d *Dataset) Files(table string) []File {
	var out []File
	for _, f := range d.Manifest.Files {
		if f.Table == table {
			out = append(out, f)
		}
	}
	return out
}

// InstrumentFiles returns the files of one instrument's table in manifest order.
func (d *Dataset) InstrumentFiles(table string, inst Instrument) []File {
	var out []File
	for _, f := range d.Files(table) {
		if v, s, _ := f.Partition(); v == inst.Venue && s == inst.Symbol {
			out = append(out, f)
		}
	}
	return out
}

// Segments returns the manifest's segments.
func (d *Dataset) Segments() []Segment { return d.Manifest.Segments }

// Path returns the absolute location of a manifest path.
func (d *Dataset) Path(rel string) string {
	return filepath.Join(d.Root, filepath.FromSlash(rel))
}

// LotSize returns the instrument's lot size from the manifest (0 if absent, or if the
// dataset holds several instruments: see InstrumentLotSize).
func (d *Dataset) LotSize() float64 { return ruleFloat(d.onlyRules(), "lot_size") }

// TickSize returns the instrument's tick size from the manifest (0 if absent, or if the
// dataset holds several instruments: see InstrumentTickSize).
func (d *Dataset) TickSize() float64 { return ruleFloat(d.onlyRules(), "tick_size") }

// InstrumentLotSize returns one instrument's lot size from the manifest (0 if absent).
func (d *Dataset) InstrumentLotSize(inst Instrument) float64 {
	return ruleFloat(d.InstrumentRules(inst), "lot_size")
}

// InstrumentTickSize returns one instrument's tick size from the manifest (0 if absent).
func (d *Dataset) InstrumentTickSize(inst Instrument) float64 {
	return ruleFloat(d.InstrumentRules(inst), "tick_size")
}

// InstrumentRules returns the manifest's rules of one instrument (tick and lot size, funding
// rules, ...) as raw JSON values, from "instrument" or "instruments"; nil if it lists none.
func (d *Dataset) InstrumentRules(inst Instrument) map[string]json.RawMessage {
	for _, rules := range d.allRules() {
		if ruleString(rules, "venue") == inst.Venue && ruleString(rules, "symbol") == inst.Symbol {
			return rules
		}
	}
	return nil
}

// allRules returns every instrument's rules the manifest lists.
func (d *Dataset) allRules() []map[string]json.RawMessage {
	if d.Manifest.Instrument != nil {
		return []map[string]json.RawMessage{d.Manifest.Instrument}
	}
	return d.Manifest.Instruments
}

// onlyRules returns the rules of the dataset's one instrument; nil for several.
func (d *Dataset) onlyRules() map[string]json.RawMessage {
	if all := d.allRules(); len(all) == 1 {
		return all[0]
	}
	return nil
}

func ruleString(rules map[string]json.RawMessage, key string) string {
	var s string
	if json.Unmarshal(rules[key], &s) != nil {
		return ""
	}
	return s
}

func ruleFloat(rules map[string]json.RawMessage, key string) float64 {
	raw, ok := rules[key]
	if !ok {
		return 0
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		var f float64
		if json.Unmarshal(raw, &f) == nil {
			return f
		}
		return 0
	}
	var f float64
	if _, err := fmt.Sscan(s, &f); err != nil {
		return 0
	}
	return f
}

func isTable(name string) bool {
	for _, t := range Tables {
		if t == name {
			return true
		}
	}
	return false
}
