// Command aleatoric-go reads, verifies and fetches Aleatoric datasets with the Go SDK.
//
//	aleatoric-go info DIR
//	aleatoric-go verify DIR --key KEY.pub
//	aleatoric-go fetch --url URL --config config.json --out DIR [--formats parquet,native]
//	aleatoric-go fetch --url URL --job ID --out DIR
//	aleatoric-go bench DIR [--table trades] [--repeat 5]
//
// Exit codes: 0 success, 1 failure (verification, job or download), 2 unusable input.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	aleatoric "github.com/aleatoric-engine/aleatoric/sdk/go"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var code int
	switch os.Args[1] {
	case "info":
		code = info(os.Args[2:])
	case "verify":
		code = verify(os.Args[2:])
	case "fetch":
		code = fetch(os.Args[2:])
	case "bench":
		code = bench(os.Args[2:])
	default:
		usage()
	}
	os.Exit(code)
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: aleatoric-go info|verify|fetch|bench ... (see -h of each)")
	os.Exit(2)
}

func fail(code int, format string, args ...any) int {
	fmt.Fprintf(os.Stderr, "error: "+format+"\n", args...)
	return code
}

// parse parses flags that may come before or after one positional argument.
func parse(fs *flag.FlagSet, args []string) (string, error) {
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	var positional []string
	for fs.NArg() > 0 {
		positional = append(positional, fs.Arg(0))
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return "", err
		}
	}
	if len(positional) > 1 {
		return "", fmt.Errorf("one dataset directory expected, was %v", positional)
	}
	if len(positional) == 0 {
		return "", nil
	}
	return positional[0], nil
}

func info(args []string) int {
	fs := flag.NewFlagSet("info", flag.ContinueOnError)
	dir, err := parse(fs, args)
	if err != nil || dir == "" {
		return fail(2, "info DIR: a dataset directory is required")
	}
	ds, err := aleatoric.Open(dir)
	if err != nil {
		return fail(2, "%v", err)
	}
	instruments := ds.Instruments()
	for _, inst := range instruments {
		fmt.Printf("instrument %s\n", inst)
		if len(instruments) > 1 {
			for _, t := range ds.Tables() {
				fmt.Printf("  %-13s %10d rows\n", t, ds.InstrumentRows(t, inst))
			}
		}
	}
	for _, t := range ds.Tables() {
		fmt.Printf("table %-13s %10d rows  %d files\n", t, ds.Rows(t), len(ds.Files(t)))
	}
	fmt.Printf("segments %d, files %d\n", len(ds.Segments()), len(ds.Manifest.Files))
	return 0
}

func verify(args []string) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	key := fs.String("key", "", "public key (PEM)")
	dir, err := parse(fs, args)
	if err != nil || dir == "" || *key == "" {
		return fail(2, "verify DIR --key KEY.pub: a dataset directory and a key are required")
	}
	if _, err := aleatoric.Open(dir); err != nil {
		return fail(2, "%v", err)
	}
	pub, err := aleatoric.LoadPublicKey(*key)
	if err != nil {
		return fail(2, "%v", err)
	}
	report, err := aleatoric.VerifyDir(dir, pub)
	var verr *aleatoric.VerifyError
	if errors.As(err, &verr) {
		for _, p := range verr.Problems {
			fmt.Fprintf(os.Stderr, "error: %s\n", p)
		}
		return 1
	} else if err != nil {
		return fail(1, "%v", err)
	}
	fmt.Printf("verified %d files in %s with key %s\n", report.Files(), dir, report.KeyID)
	return 0
}

func fetch(args []string) int {
	fs := flag.NewFlagSet("fetch", flag.ContinueOnError)
	base := fs.String("url", "", "base URL of the job service")
	apiKey := fs.String("api-key", "", "bearer API key (default $ALEATORIC_API_KEY)")
	configPath := fs.String("config", "", "config as a JSON file (the fields of a config file)")
	jobID := fs.String("job", "", "download this finished job instead of submitting one")
	formats := fs.String("formats", "parquet", "comma-separated output formats: parquet, native")
	out := fs.String("out", "", "output directory (must not exist or be empty)")
	timeout := fs.Duration("timeout", 30*time.Minute, "give up after this long")
	if _, err := parse(fs, args); err != nil {
		return 2
	}
	if *base == "" || *out == "" || (*configPath == "") == (*jobID == "") {
		return fail(2, "fetch: --url, --out and one of --config or --job are required")
	}
	client := aleatoric.NewClient(*base, *apiKey)
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	progress := func(j *aleatoric.Job) {
		fmt.Fprintf(os.Stderr, "job %s %s: %d/%d segments, %d chunks\n", j.ID, j.State, j.Progress.Done,
			j.Progress.Total, len(j.Chunks))
	}
	id := *jobID
	if id == "" {
		raw, err := os.ReadFile(*configPath)
		if err != nil {
			return fail(2, "--config: %v", err)
		}
		var config map[string]any
		if err := json.Unmarshal(raw, &config); err != nil {
			return fail(2, "--config %s: not a JSON object (%v)", *configPath, err)
		}
		job, err := client.Submit(ctx, config, strings.Split(*formats, ","))
		var rerr *aleatoric.RemoteError
		if errors.As(err, &rerr) && rerr.Status == 422 {
			for _, f := range rerr.Fields {
				fmt.Fprintf(os.Stderr, "error: %s: %s\n", f.Field, f.Message)
			}
			return fail(2, "%s", rerr.Detail)
		} else if err != nil {
			return fail(1, "%v", err)
		}
		id = job.ID
	}
	if _, err := client.Wait(ctx, id, progress); err != nil {
		return fail(1, "%v", err)
	}
	ds, err := client.Download(ctx, id, *out)
	if err != nil {
		return fail(1, "%v", err)
	}
	fmt.Printf("fetched job %s into %s: %d files verified\n", id, ds.Root, len(ds.Manifest.Files)+1)
	return 0
}

// bench reads a table repeatedly and prints the best rate as JSON, as Arrow record batches
// and as typed structs.
func bench(args []string) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	tables := fs.String("tables", "trades,book_delta", "comma-separated tables")
	repeat := fs.Int("repeat", 5, "runs per measurement; the best is reported")
	dir, err := parse(fs, args)
	if err != nil || dir == "" {
		return fail(2, "bench DIR: a dataset directory is required")
	}
	ds, err := aleatoric.Open(dir)
	if err != nil {
		return fail(2, "%v", err)
	}
	enc := json.NewEncoder(os.Stdout)
	for _, table := range strings.Split(*tables, ",") {
		for _, mode := range []string{"arrow", "arrow-tuned", "structs"} {
			best, bestCPU := time.Duration(1<<63-1), time.Duration(1<<63-1)
			var rows int64
			for range *repeat {
				began, cpu := time.Now(), cpuTime()
				n, err := readOnce(ds, table, mode)
				if err != nil {
					return fail(1, "%v", err)
				}
				rows = n
				best, bestCPU = min(best, time.Since(began)), min(bestCPU, cpuTime()-cpu)
			}
			enc.Encode(map[string]any{
				"reader": "go-" + mode, "table": table, "rows": rows, "seconds": best.Seconds(),
				"cpu_seconds": bestCPU.Seconds(), "events_per_s": float64(rows) / best.Seconds(),
			})
		}
	}
	return 0
}

var pool = aleatoric.NewPoolAllocator()

// cpuTime returns the process's user+system CPU time (all threads).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func readOnce(ds *aleatoric.Dataset, table, mode string) (int64, error) {
	opts := aleatoric.ReadOptions{} // Arrow batches as pyarrow reads them (utf8 strings)
	if mode != "arrow" {
		// What the typed readers use: strings as stored, recycled buffers.
		opts = aleatoric.ReadOptions{DictionaryStrings: true, Allocator: pool}
	}
	if mode == "structs" {
		opts.Prefetch = 2 // as the typed readers (ds.Trades() ...) read
	}
	r, err := ds.RecordsWith(table, opts)
	if err != nil {
		return 0, err
	}
	defer r.Release()
	var rows int64
	var trades []aleatoric.Trade
	var deltas []aleatoric.BookDelta
	var mbo []aleatoric.MBO
	for r.Next() {
		rec := r.RecordBatch()
		if mode == "structs" {
			switch table {
			case aleatoric.TableTrades:
				trades, err = aleatoric.DecodeTrades(rec, trades[:0])
			case aleatoric.TableBookDelta:
				deltas, err = aleatoric.DecodeBookDelta(rec, deltas[:0])
			case aleatoric.TableMBO:
				mbo, err = aleatoric.DecodeMBO(rec, mbo[:0])
			default:
				err = fmt.Errorf("bench: structs for %s not measured", table)
			}
			if err != nil {
				return 0, err
			}
		}
		rows += rec.NumRows()
	}
	return rows, r.Err()
}
