package aleatoric

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// FieldError is one invalid config field, as the service reports it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// RemoteError is an error answer of the job service.
type RemoteError struct {
	Status int          // HTTP status, 0 if there was no answer
	Detail string       // the service's "detail"
	Fields []FieldError // for invalid input (422): every field at fault
}

func (e *RemoteError) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%d: %s", e.Status, e.Detail)
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return fmt.Sprintf("%d: %s: %s", e.Status, e.Detail, strings.Join(parts, "; "))
}

// JobFailedError is a job that ended failed or dead.
type JobFailedError struct {
	Job *Job
}

func (e *JobFailedError) Error() string {
	msg := e.Job.State
	if e.Job.Error != nil {
		msg += ": " + *e.Job.Error
	}
	return fmt.Sprintf("job %s %s", e.Job.ID, msg)
}

// Progress counts segments computed out of those asked for.
type Progress struct {
	Done  int `json:"done"`
	Total int `json:"total"`
}

// SegmentRange is a half-open range of segment indices.
type SegmentRange struct {
	Start int `json:"start"`
	Stop  int `json:"stop"`
}

// Chunk is one unit of a job's work: a range of whole segments.
type Chunk struct {
	Index    int          `json:"index"`
	Segments SegmentRange `json:"segments"`
	State    string       `json:"state"`
	Attempts int          `json:"attempts"`
	Progress Progress     `json:"progress"`
	Error    *string      `json:"error"`
}

// Job is the service's record of a job.
type Job struct {
	ID          string          `json:"id"`
	State       string          `json:"state"` // queued, running, succeeded, failed, dead
	Error       *string         `json:"error"`
	Config      map[string]any  `json:"config"`
	Formats     []string        `json:"formats"`
	Segments    SegmentRange    `json:"segments"`
	Partial     bool            `json:"partial"`
	Progress    Progress        `json:"progress"`
	Chunks      []Chunk         `json:"chunks"`
	Result      json.RawMessage `json:"result"`
	ManifestURL *string         `json:"manifest_url"`
}

// Finished reports whether the job reached a final state.
func (j *Job) Finished() bool {
	return j.State == "succeeded" || j.State == "failed" || j.State == "dead"
}

// Client talks to an Aleatoric job service (`aleatoric serve`): submit a config, follow
// the job chunk by chunk, download the published dataset and check every byte.
type Client struct {
	URL    string       // base URL, e.g. http://127.0.0.1:8000
	APIKey string       // bearer API key
	HTTP   *http.Client // defaults to a client with a 60 s timeout
	Poll   time.Duration
	// Concurrency is the number of files downloaded at once (default 4).
	Concurrency int
}

// NewClient returns a client of the service at baseURL; an empty apiKey reads
// $ALEATORIC_API_KEY.
func NewClient(baseURL, apiKey string) *Client {
	if apiKey == "" {
		apiKey = os.Getenv("ALEATORIC_API_KEY")
	}
	return &Client{
		URL:         strings.TrimRight(baseURL, "/"),
		APIKey:      apiKey,
		HTTP:        &http.Client{Timeout: 60 * time.Second},
		Poll:        500 * time.Millisecond,
		Concurrency: 4,
	}
}

func (c *Client) do(ctx context.Context, method, path string, body any) (*http.Response, error) {
	var reader io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.URL+path, reader)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.APIKey)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, &RemoteError{Detail: err.Error()}
	}
	if resp.StatusCode < 400 {
		return resp, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var out struct {
		Detail any          `json:"detail"`
		Errors []FieldError `json:"errors"`
	}
	rerr := &RemoteError{Status: resp.StatusCode, Detail: strings.TrimSpace(string(raw))}
	if json.Unmarshal(raw, &out) == nil && out.Detail != nil {
		rerr.Detail = fmt.Sprint(out.Detail)
		rerr.Fields = out.Errors
	}
	return nil, rerr
}

func (c *Client) getJSON(ctx context.Context, method, path string, body, out any) error {
	resp, err := c.do(ctx, method, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(out)
}

// Submit submits a job for the whole dataset config describes (config fields as in a
// config file: venue, symbol, start, duration, seed, ...) in the given formats ("parquet",
// "native"; nil means parquet).
func (c *Client) Submit(ctx context.Context, config map[string]any, formats []string) (*Job, error) {
	body := map[string]any{}
	for k, v := range config {
		body[k] = v
	}
	if formats != nil {
		body["formats"] = formats
	}
	var job Job
	if err := c.getJSON(ctx, http.MethodPost, "/v1/jobs", body, &job); err != nil {
		return nil, err
	}
	return &job, nil
}

// Job returns a job's current record.
func (c *Client) Job(ctx context.Context, id string) (*Job, error) {
	var job Job
	if err := c.getJSON(ctx, http.MethodGet, "/v1/jobs/"+url.PathEscape(id), nil, &job); err != nil {
		return nil, err
	}
	return &job, nil
}

// Wait polls a job until it is finished, calling progress (if not nil) with every record.
// A failed or dead job returns a *JobFailedError along with its record.
func (c *Client) Wait(ctx context.Context, id string, progress func(*Job)) (*Job, error) {
	for {
		job, err := c.Job(ctx, id)
		if err != nil {
			return nil, err
		}
		if progress != nil {
			progress(job)
		}
		if job.Finished() {
			if job.State != "succeeded" {
				return job, &JobFailedError{job}
			}
			return job, nil
		}
		select {
		case <-ctx.Done():
			return job, ctx.Err()
		case <-time.After(c.Poll):
		}
	}
}

// Manifest returns the raw manifest.json bytes of a finished job's dataset.
func (c *Client) Manifest(ctx context.Context, id string) ([]byte, error) {
	resp, err := c.do(ctx, http.MethodGet, "/v1/jobs/"+url.PathEscape(id)+"/manifest", nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

func escapePath(rel string) string {
	parts := strings.Split(rel, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// download writes one dataset file to dst, checking its SHA-256 and size when want is set.
func (c *Client) download(ctx context.Context, id, rel, dst string, want *File) error {
	resp, err := c.do(ctx, http.MethodGet, "/v1/jobs/"+url.PathEscape(id)+"/files/"+escapePath(rel), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: download: %w", rel, err)
	}
	if want != nil {
		if got := hex.EncodeToString(h.Sum(nil)); got != want.SHA256 {
			return fmt.Errorf("%s: sha256 mismatch: the manifest says %s, the download is %s", rel, want.SHA256, got)
		}
		if n != want.Bytes {
			return fmt.Errorf("%s: %d bytes downloaded, the manifest says %d", rel, n, want.Bytes)
		}
	}
	return nil
}

// Download fetches a succeeded job's dataset into out: the manifest, every file it lists
// (each checked against its SHA-256 and size while it streams) and the signature when the
// service signed the dataset. Files go to a hidden directory next to out that is renamed
// into place only when everything verified, so a failed download leaves nothing at out.
// out must not exist or be an empty directory.
func (c *Client) Download(ctx context.Context, id, out string) (*Dataset, error) {
	if entries, err := os.ReadDir(out); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("%s exists and is not empty", out)
	}
	rawManifest, err := c.Manifest(ctx, id)
	if err != nil {
		return nil, err
	}
	manifest, err := ParseManifest(rawManifest)
	if err != nil {
		return nil, err
	}
	parent := filepath.Dir(filepath.Clean(out))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".partial-")
	if err != nil {
		return nil, err
	}
	published := false
	defer func() {
		if !published {
			os.RemoveAll(tmp)
		}
	}()
	for _, f := range manifest.Files {
		if !filepath.IsLocal(filepath.FromSlash(f.Path)) || f.Path == ManifestName || f.Path == ProvenanceName {
			return nil, fmt.Errorf("%s: files entry %q is not a file inside the dataset", ManifestName, f.Path)
		}
	}
	if err := c.downloadAll(ctx, id, tmp, manifest.Files); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(tmp, ManifestName), rawManifest, 0o644); err != nil {
		return nil, err
	}
	// A signed dataset carries its envelope next to the manifest (not listed in it).
	err = c.download(ctx, id, ProvenanceName, filepath.Join(tmp, ProvenanceName), nil)
	var rerr *RemoteError
	if errors.As(err, &rerr) && rerr.Status == http.StatusNotFound {
		os.Remove(filepath.Join(tmp, ProvenanceName))
	} else if err != nil {
		return nil, err
	}
	ds, err := Open(tmp)
	if err != nil {
		return nil, err
	}
	if bad, err := ds.VerifyFiles(); err != nil || len(bad) > 0 {
		return nil, fmt.Errorf("downloaded dataset differs from its manifest: %v %v", bad, err)
	}
	if err := os.Remove(out); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := os.Rename(tmp, out); err != nil {
		return nil, err
	}
	published = true
	ds.Root = out
	return ds, nil
}

func (c *Client) downloadAll(ctx context.Context, id, root string, files []File) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := max(c.Concurrency, 1)
	jobs := make(chan File)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range jobs {
				if err := c.download(ctx, id, f.Path, filepath.Join(root, filepath.FromSlash(f.Path)), &f); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		}()
	}
	for _, f := range files {
		if ctx.Err() != nil {
			break
		}
		jobs <- f
	}
	close(jobs)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// Generate submits config, waits for the job (progress gets every polled record) and
// downloads the dataset into out. The files are byte-identical to a local
// `aleatoric generate` of the same config with the same engine and library versions.
func (c *Client) Generate(ctx context.Context, config map[string]any, formats []string, out string,
	progress func(*Job),
) (*Dataset, error) {
	job, err := c.Submit(ctx, config, formats)
	if err != nil {
		return nil, err
	}
	if job, err = c.Wait(ctx, job.ID, progress); err != nil {
		return nil, err
	}
	return c.Download(ctx, job.ID, out)
}
