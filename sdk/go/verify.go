package aleatoric

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ProvenanceName is the signed envelope at a dataset's root: one JSON line.
const ProvenanceName = "provenance.intoto.jsonl"

// In-toto and SLSA identifiers of the signed statement.
const (
	PayloadType   = "application/vnd.in-toto+json"
	StatementType = "https://in-toto.io/Statement/v1"
	PredicateType = "https://slsa.dev/provenance/v1"
)

// VerifyError is a failed verification: every problem of the first failing stage, in the
// words of `aleatoric verify` (one line each).
type VerifyError struct {
	Problems []string
}

func (e *VerifyError) Error() string { return strings.Join(e.Problems, "; ") }

func problems(p ...string) *VerifyError { return &VerifyError{Problems: p} }

// VerifyReport is what a successful verification checked.
type VerifyReport struct {
	Root      string
	KeyID     string
	Subjects  []string // verified file names, manifest.json included, sorted
	Statement map[string]any
}

// Files returns the number of verified files, manifest.json included.
func (r *VerifyReport) Files() int { return len(r.Subjects) }

// Verify checks the dataset's signature and files with key; see VerifyDir.
func (d *Dataset) Verify(key *PublicKey) (*VerifyReport, error) { return VerifyDir(d.Root, key) }

// VerifyDir verifies the signed dataset at root, exactly as `aleatoric verify` does:
//
//  1. the envelope: payload type, and a signature by key over the DSSE PAE;
//  2. the statement: in-toto type, SLSA predicate type, well-formed subjects;
//  3. the files: every subject exists with the signed SHA-256, and no other file exists
//     (only provenance.intoto.jsonl is exempt; symbolic links are rejected);
//  4. the manifest: every files entry matches its file's SHA-256 and size, and the
//     statement's config and seed equal the manifest's.
//
// The first failing stage stops verification; the error is a *VerifyError listing each
// problem of that stage.
func VerifyDir(root string, key *PublicKey) (*VerifyReport, error) {
	if info, err := os.Stat(root); err != nil || !info.IsDir() {
		return nil, problems(root + ": not a directory")
	}
	envelope, err := ReadEnvelope(root)
	if err != nil {
		return nil, err
	}
	statement, err := VerifyEnvelope(envelope, key)
	if err != nil {
		return nil, err
	}
	signed, err := subjectDigests(statement)
	if err != nil {
		return nil, err
	}
	present, err := datasetFiles(root)
	if err != nil {
		return nil, err
	}
	var found []string
	actual := map[string]string{}
	if _, ok := signed[ManifestName]; !ok {
		found = append(found, ManifestName+": not a subject of the provenance statement")
	}
	for _, name := range sortedKeys(signed) {
		if !present[name] {
			found = append(found, name+": missing (signed, but not on disk)")
			continue
		}
		digest, err := fileSHA256(filepath.Join(root, filepath.FromSlash(name)))
		if err != nil {
			return nil, problems(fmt.Sprintf("%s: cannot read (%v)", name, err))
		}
		actual[name] = digest
		if digest != signed[name] {
			found = append(found, name+": sha256 mismatch")
		}
	}
	for _, name := range sortedKeys(present) {
		if _, ok := signed[name]; !ok {
			found = append(found, "extra file not in provenance: "+name)
		}
	}
	if len(found) == 0 {
		found, err = checkManifest(root, statement, actual)
		if err != nil {
			return nil, err
		}
	}
	if len(found) > 0 {
		return nil, &VerifyError{Problems: found}
	}
	return &VerifyReport{Root: root, KeyID: key.ID(), Subjects: sortedKeys(signed), Statement: statement}, nil
}

// ReadEnvelope returns the DSSE envelope stored in root/provenance.intoto.jsonl.
func ReadEnvelope(root string) (map[string]any, error) {
	raw, err := os.ReadFile(filepath.Join(root, ProvenanceName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, problems(ProvenanceName + ": not found; the dataset is not signed")
	} else if err != nil {
		return nil, problems(fmt.Sprintf("%s: cannot read (%v)", ProvenanceName, err))
	}
	var lines []string
	for _, line := range strings.Split(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) != "" {
			lines = append(lines, line)
		}
	}
	if len(lines) != 1 {
		return nil, problems(fmt.Sprintf("%s: expected one envelope line, found %d", ProvenanceName, len(lines)))
	}
	var value any
	if err := decodeJSON([]byte(lines[0]), &value); err != nil {
		return nil, problems(ProvenanceName + ": not valid JSON")
	}
	envelope, ok := value.(map[string]any)
	if !ok {
		return nil, problems(ProvenanceName + ": not a JSON object")
	}
	return envelope, nil
}

// PAE returns the DSSE v1 pre-authentication encoding of a payload type and payload.
func PAE(payloadType string, payload []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "DSSEv1 %d %s %d ", len(payloadType), payloadType, len(payload))
	b.Write(payload)
	return b.Bytes()
}

// VerifyEnvelope checks that key signed the envelope and returns the statement it carries.
// A signature counts if its keyid is absent, empty or the key's id, and it verifies over
// the PAE of the payload type and payload.
func VerifyEnvelope(envelope map[string]any, key *PublicKey) (map[string]any, error) {
	kind, ok1 := envelope["payloadType"].(string)
	payload, ok2 := envelope["payload"].(string)
	if !ok1 || !ok2 {
		return nil, problems("envelope: payloadType and payload must be strings")
	}
	if kind != PayloadType {
		return nil, problems(fmt.Sprintf("envelope: payloadType is %s, expected %s", pyRepr(kind), pyRepr(PayloadType)))
	}
	signatures, ok := envelope["signatures"].([]any)
	if !ok || len(signatures) == 0 {
		return nil, problems("envelope: signatures must be a non-empty list")
	}
	body, err := b64decode(payload, "payload")
	if err != nil {
		return nil, err
	}
	message := PAE(kind, body)
	expected := key.ID()
	var others []string
	verified := false
	for i, s := range signatures {
		entry, ok := s.(map[string]any)
		sig, okSig := entry["sig"].(string)
		if !ok || !okSig {
			return nil, problems(fmt.Sprintf("envelope: signatures[%d] needs a sig string", i))
		}
		keyid := ""
		if raw, present := entry["keyid"]; present && truthy(raw) {
			str, ok := raw.(string)
			if !ok {
				return nil, problems(fmt.Sprintf("envelope: signatures[%d].keyid must be a string", i))
			}
			keyid = str
		}
		if keyid != "" && keyid != expected {
			others = append(others, keyid)
			continue
		}
		raw, err := b64decode(sig, fmt.Sprintf("signatures[%d].sig", i))
		if err != nil {
			return nil, err
		}
		if key.verifies(raw, message) {
			verified = true
			break
		}
	}
	if !verified {
		reason := ""
		if len(others) == len(signatures) {
			reason = ": the envelope is signed only by key(s) " + strings.Join(others, ", ")
		}
		return nil, problems("signature does not verify with key " + expected + reason)
	}
	var value any
	if err := decodeJSON(body, &value); err != nil {
		return nil, problems("envelope: payload is not UTF-8 JSON")
	}
	statement, ok := value.(map[string]any)
	if !ok {
		return nil, problems("envelope: payload is not a JSON object")
	}
	return statement, nil
}

func b64decode(value, field string) ([]byte, error) {
	enc := base64.StdEncoding
	if strings.ContainsAny(value, "-_") {
		enc = base64.URLEncoding
	}
	if strings.ContainsAny(value, "\r\n") {
		return nil, problems(fmt.Sprintf("envelope: %s is not valid base64", field))
	}
	out, err := enc.DecodeString(value)
	if err != nil {
		return nil, problems(fmt.Sprintf("envelope: %s is not valid base64", field))
	}
	return out, nil
}

func subjectDigests(statement map[string]any) (map[string]string, error) {
	if statement["_type"] != StatementType {
		return nil, problems(fmt.Sprintf("statement: _type is %s, expected %s", pyRepr(statement["_type"]), pyRepr(StatementType)))
	}
	if statement["predicateType"] != PredicateType {
		return nil, problems(fmt.Sprintf("statement: predicateType is %s, expected %s",
			pyRepr(statement["predicateType"]), pyRepr(PredicateType)))
	}
	subjects, ok := statement["subject"].([]any)
	if !ok || len(subjects) == 0 {
		return nil, problems("statement: subject must be a non-empty list")
	}
	digests := map[string]string{}
	for i, s := range subjects {
		subject, _ := s.(map[string]any)
		name, okName := subject["name"].(string)
		digest, _ := subject["digest"].(map[string]any)
		sha, okSha := digest["sha256"].(string)
		if !okName || !okSha {
			return nil, problems(fmt.Sprintf("statement: subject[%d] needs a name and a sha256 digest", i))
		}
		if _, dup := digests[name]; dup {
			return nil, problems(fmt.Sprintf("statement: subject %s appears twice", name))
		}
		digests[name] = sha
	}
	return digests, nil
}

// datasetFiles returns every regular file under root except the provenance file, as POSIX
// paths; any other kind of entry (a symbolic link, for instance) fails.
func datasetFiles(root string) (map[string]bool, error) {
	found := map[string]bool{}
	var odd []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			rel, _ := filepath.Rel(root, path)
			return problems(fmt.Sprintf("%s: cannot list (%v)", filepath.ToSlash(rel), err))
		}
		if path == root {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			odd = append(odd, rel)
		case rel != ProvenanceName:
			found[rel] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(odd) > 0 {
		sort.Strings(odd)
		for i := range odd {
			odd[i] += ": not a regular file"
		}
		return nil, &VerifyError{Problems: odd}
	}
	return found, nil
}

func checkManifest(root string, statement map[string]any, actual map[string]string) ([]string, error) {
	raw, err := os.ReadFile(filepath.Join(root, ManifestName))
	if err != nil {
		return nil, problems(fmt.Sprintf("%s: cannot read (%v)", ManifestName, err))
	}
	var manifest map[string]any
	if err := decodeJSON(raw, &manifest); err != nil {
		return nil, problems(fmt.Sprintf("%s: not valid JSON (%v)", ManifestName, err))
	}
	var missing []string
	for _, k := range []string{"config", "seed", "engine", "libraries", "files"} {
		if _, ok := manifest[k]; !ok {
			missing = append(missing, fmt.Sprintf("%s: missing field '%s'", ManifestName, k))
		}
	}
	if len(missing) > 0 {
		return nil, &VerifyError{Problems: missing}
	}
	files, ok := manifest["files"].([]any)
	if !ok {
		return nil, problems(ManifestName + ": files must be a list of {path, sha256, ...}")
	}
	if sha256Hex(raw) != actual[ManifestName] {
		return []string{ManifestName + ": sha256 mismatch"}, nil
	}
	var found []string
	for i, f := range files {
		entry, _ := f.(map[string]any)
		path, okPath := entry["path"].(string)
		sha, okSha := entry["sha256"].(string)
		if !okPath || !okSha {
			return nil, problems(ManifestName + ": files must be a list of {path, sha256, ...}")
		}
		where := fmt.Sprintf("%s: files[%d] (%s)", ManifestName, i, path)
		digest, signed := actual[path]
		switch {
		case !signed:
			found = append(found, where+": file is not in the provenance statement")
		case sha != digest:
			found = append(found, where+": sha256 does not match the file")
		default:
			if want, has := entry["bytes"]; has {
				info, err := os.Stat(filepath.Join(root, filepath.FromSlash(path)))
				if err != nil || !jsonEqual(want, json.Number(fmt.Sprint(info.Size()))) {
					found = append(found, where+": bytes does not match the file size")
				}
			}
		}
	}
	var external any = statement
	for _, k := range []string{"predicate", "buildDefinition", "externalParameters"} {
		m, _ := external.(map[string]any)
		external = m[k]
	}
	ext, _ := external.(map[string]any)
	for _, field := range []string{"config", "seed"} {
		if !jsonEqual(ext[field], manifest[field]) {
			found = append(found, fmt.Sprintf(
				"statement: predicate.buildDefinition.externalParameters.%s does not match %s", field, ManifestName))
		}
	}
	return found, nil
}

// FileProblem is a manifest file whose bytes differ from what the manifest says.
type FileProblem struct {
	Path    string
	Problem string // "missing", "sha256 mismatch" or "bytes mismatch"
}

func (p FileProblem) String() string { return p.Path + ": " + p.Problem }

// VerifyFiles hashes every file the manifest lists and compares its SHA-256 and size; it
// needs no key and checks no signature. It returns the files that differ (none: all good).
func (d *Dataset) VerifyFiles() ([]FileProblem, error) {
	var out []FileProblem
	for _, f := range d.Manifest.Files {
		digest, err := fileSHA256(d.Path(f.Path))
		if errors.Is(err, fs.ErrNotExist) {
			out = append(out, FileProblem{f.Path, "missing"})
			continue
		} else if err != nil {
			return nil, err
		}
		if digest != f.SHA256 {
			out = append(out, FileProblem{f.Path, "sha256 mismatch"})
			continue
		}
		if info, err := os.Stat(d.Path(f.Path)); err == nil && info.Size() != f.Bytes {
			out = append(out, FileProblem{f.Path, "bytes mismatch"})
		}
	}
	return out, nil
}

// TableDigest recomputes a table's digest from its files' content digests the way the
// manifest's table_digests does: SHA-256 of the concatenated hex digests in path order.
func (d *Dataset) TableDigest(table string) string {
	h := sha256.New()
	for _, f := range d.Files(table) {
		io.WriteString(h, f.ContentSHA256)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func decodeJSON(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// truthy mirrors Python's truth value of a decoded JSON value.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case json.Number:
		r, ok := new(big.Rat).SetString(string(x))
		return !ok || r.Sign() != 0
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

// jsonEqual compares decoded JSON values as Python compares them (1 == 1.0).
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		ra, okA := new(big.Rat).SetString(string(x))
		rb, okB := new(big.Rat).SetString(string(y))
		return okA && okB && ra.Cmp(rb) == 0
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return a == b
}

// pyRepr renders a decoded JSON value as Python's repr does, for messages that must read
// exactly like the Python engine's.
func pyRepr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case string:
		quote := "'"
		if strings.Contains(x, "'") && !strings.Contains(x, `"`) {
			quote = `"`
		}
		r := strings.ReplaceAll(x, `\`, `\\`)
		if quote == "'" {
			r = strings.ReplaceAll(r, "'", `\'`)
		}
		r = strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(r)
		return quote + r + quote
	case json.Number:
		return string(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
