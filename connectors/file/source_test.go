package file

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/novelty-db/novelty/connectors/format"
	"github.com/novelty-db/novelty/types"
)

var schema = types.Schema{{Name: "id", Type: types.Int8}, {Name: "name", Type: types.Text}}

// badRecords records what a source hands to its BadRecordHandler; fail
// makes it end the read.
type badRecords struct {
	raws, offsets []string
	fail          bool
}

func (b *badRecords) HandleBadRecord(raw []byte, offset string, err error) error {
	b.raws = append(b.raws, string(raw))
	b.offsets = append(b.offsets, offset)
	if b.fail {
		return err
	}
	return nil
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func appendFile(t *testing.T, path, content string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(content); err != nil {
		t.Fatal(err)
	}
}

type sourceOpts struct {
	csv, header, follow bool
	maxRecord           int
	offset              []byte
}

func openSource(t *testing.T, path string, o sourceOpts, bad *badRecords) *Source {
	t.Helper()
	var dec format.Decoder
	if o.csv {
		dec = format.NewCSVDecoder(schema, format.CSVConfig{})
	} else {
		d, err := format.NewJSONDecoder(schema, format.JSONConfig{})
		if err != nil {
			t.Fatal(err)
		}
		dec = d
	}
	s := NewSource(SourceConfig{
		Path: path, Width: len(schema), Decoder: dec, CSV: o.csv, Header: o.header, Follow: o.follow,
		PollInterval: time.Millisecond, MaxRecordSize: o.maxRecord, BadRecords: bad,
	})
	if err := s.Open(context.Background(), o.offset); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// readAll reads until io.EOF (bounded) and returns the rows as "id:name".
func readAll(t *testing.T, s *Source) []string {
	t.Helper()
	var rows []string
	b := types.NewBatch(len(schema))
	for {
		err := s.Read(context.Background(), b)
		if err == io.EOF {
			return rows
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		rows = append(rows, batchRows(b)...)
	}
}

func batchRows(b *types.Batch) []string {
	var rows []string
	for i := 0; i < b.Len; i++ {
		r := b.Row(i)
		rows = append(rows, string(types.AppendText(nil, r[0], nil))+":"+r[1].S)
	}
	return rows
}

// readWithin does one Read with a deadline, for following sources.
func readWithin(t *testing.T, s *Source, d time.Duration) ([]string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	b := types.NewBatch(len(schema))
	err := s.Read(ctx, b)
	if err != nil {
		return nil, err
	}
	return batchRows(b), nil
}

func TestBoundedRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.jsonl")
	writeFile(t, path, `{"id": 1, "name": "a"}`+"\n\n"+`{"id": "x"}`+"\r\n"+`not json`+"\n"+`{"id": 2, "name": "b"}`+"\r\n"+`{"id": 3}`)
	bad := &badRecords{}
	s := openSource(t, path, sourceOpts{}, bad)
	rows := readAll(t, s)
	if got, want := strings.Join(rows, " "), "1:a 2:b 3:"; got != want {
		t.Errorf("rows = %q, want %q", got, want)
	}
	if got, want := strings.Join(bad.raws, "|"), `{"id": "x"}|not json`; got != want {
		t.Errorf("bad records = %q, want %q", got, want)
	}
	if got, want := strings.Join(bad.offsets, ","), "24,37"; got != want {
		t.Errorf("bad record offsets = %q, want %q", got, want)
	}
	info, _ := os.Stat(path)
	if got := string(s.Offset()); got != "79" || info.Size() != 79 {
		t.Errorf("Offset() = %s, file size %d; want both 79", got, info.Size())
	}
	if err := s.Read(context.Background(), types.NewBatch(2)); err != io.EOF {
		t.Errorf("Read after the end = %v, want io.EOF", err)
	}
}

func TestBadRecordFailStopsRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.jsonl")
	writeFile(t, path, `{"id": 1}`+"\n"+`{"id": true}`+"\n"+`{"id": 3}`+"\n")
	s := openSource(t, path, sourceOpts{}, &badRecords{fail: true})
	b := types.NewBatch(2)
	err := s.Read(context.Background(), b)
	if types.CodeOf(err) != types.CodeInvalidTextRepresent {
		t.Fatalf("Read = %v, want the record's 22P02 error", err)
	}
	if got := string(s.Offset()); got != "0" {
		t.Errorf("Offset() after a failed Read = %s, want 0", got)
	}
}

func TestBatchesAreFull(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.jsonl")
	var sb strings.Builder
	n := types.BatchSize*2 + 10
	for i := range n {
		sb.WriteString(`{"id": ` + string(types.AppendText(nil, types.NewInt(int64(i)), nil)) + "}\n")
	}
	writeFile(t, path, sb.String())
	s := openSource(t, path, sourceOpts{}, &badRecords{})
	b := types.NewBatch(len(schema))
	var sizes []int
	for {
		err := s.Read(context.Background(), b)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, b.Len)
		if last := b.Row(b.Len - 1)[0].I; last != int64(len(sizes)-1)*types.BatchSize+int64(b.Len)-1 {
			t.Fatalf("batch %d ends with id %d", len(sizes), last)
		}
	}
	if len(sizes) != 3 || sizes[0] != types.BatchSize || sizes[1] != types.BatchSize || sizes[2] != 10 {
		t.Errorf("batch sizes = %v", sizes)
	}
}

func TestCSVHeaderAndMultilineRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.csv")
	writeFile(t, path, "id,name\n1,\"two\nlines\"\n2,plain\n3,\"unterminated\n")
	bad := &badRecords{}
	s := openSource(t, path, sourceOpts{csv: true, header: true}, bad)
	rows := readAll(t, s)
	if got, want := strings.Join(rows, "|"), "1:two\nlines|2:plain"; got != want {
		t.Errorf("rows = %q, want %q", got, want)
	}
	if len(bad.raws) != 1 || bad.raws[0] != "3,\"unterminated" {
		t.Errorf("bad records = %q", bad.raws)
	}
	resumed := openSource(t, path, sourceOpts{csv: true, header: true, offset: []byte("8")}, &badRecords{})
	if got := strings.Join(readAll(t, resumed), "|"); got != "1:two\nlines|2:plain" {
		t.Errorf("resumed after the header: rows = %q", got)
	}
}

func TestResumeFromOffset(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.jsonl")
	writeFile(t, path, `{"id": 1}`+"\n"+`{"id": 2}`+"\n")
	s := openSource(t, path, sourceOpts{}, &badRecords{})
	readAll(t, s)
	offset := s.Offset()
	appendFile(t, path, `{"id": 3}`+"\n"+`{"id": 4}`+"\n")
	resumed := openSource(t, path, sourceOpts{offset: offset}, &badRecords{})
	if got := strings.Join(readAll(t, resumed), " "); got != "3: 4:" {
		t.Errorf("rows after resuming at %s = %q, want 3 and 4", offset, got)
	}
	beyond := openSource(t, path, sourceOpts{offset: []byte("9999")}, &badRecords{})
	if got := len(readAll(t, beyond)); got != 4 {
		t.Errorf("an offset past the end re-reads the file: got %d rows, want 4", got)
	}
	bad := NewSource(SourceConfig{Path: path, Width: 2})
	if err := bad.Open(context.Background(), []byte("x")); types.CodeOf(err) != types.CodeInvalidParameterValue {
		t.Errorf("Open with a bad offset = %v, want 22023", err)
	}
}

func TestOpenMissingFile(t *testing.T) {
	s := NewSource(SourceConfig{Path: filepath.Join(t.TempDir(), "nope"), Width: 2})
	err := s.Open(context.Background(), nil)
	if e, ok := types.AsError(err); !ok || e.Code != codeUndefinedFile || !strings.Contains(e.Message, "nope") {
		t.Errorf("Open = %v, want a 58P01 error naming the file", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close after a failed Open = %v", err)
	}
}

func TestFollow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.jsonl")
	writeFile(t, path, `{"id": 1}`+"\n")
	s := openSource(t, path, sourceOpts{follow: true}, &badRecords{})

	rows, err := readWithin(t, s, time.Second)
	if err != nil || strings.Join(rows, " ") != "1:" {
		t.Fatalf("first Read = %v, %v", rows, err)
	}
	if _, err := readWithin(t, s, 20*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Read with nothing new = %v, want the deadline", err)
	}

	appendFile(t, path, `{"id": 2, "name": "partial`)
	if _, err := readWithin(t, s, 20*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Read of a partial line = %v, want the deadline", err)
	}
	if got := string(s.Offset()); got != "10" {
		t.Errorf("Offset() with a partial line pending = %s, want 10", got)
	}
	appendFile(t, path, `"}`+"\n"+`{"id": 3}`+"\n")
	rows, err = readWithin(t, s, time.Second)
	if err != nil || strings.Join(rows, " ") != "2:partial 3:" {
		t.Fatalf("Read after completing the line = %v, %v", rows, err)
	}

	// Rows appended while Read is already waiting wake it at the next poll.
	done := make(chan []string)
	go func() {
		rows, _ := readWithin(t, s, 5*time.Second)
		done <- rows
	}()
	appendFile(t, path, `{"id": 4}`+"\n")
	if rows := <-done; strings.Join(rows, " ") != "4:" {
		t.Errorf("Read while appending = %v", rows)
	}
}

func TestFollowTruncateAndRotate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "in.jsonl")
	writeFile(t, path, `{"id": 1}`+"\n"+`{"id": 2}`+"\n")
	s := openSource(t, path, sourceOpts{follow: true}, &badRecords{})
	if rows, err := readWithin(t, s, time.Second); err != nil || len(rows) != 2 {
		t.Fatalf("first Read = %v, %v", rows, err)
	}

	writeFile(t, path, `{"id": 3}`+"\n") // truncated in place, shorter than before
	if rows, err := readWithin(t, s, time.Second); err != nil || strings.Join(rows, " ") != "3:" {
		t.Fatalf("Read after truncation = %v, %v", rows, err)
	}

	// Rotation: the old file gets a last row, is renamed, and a new file
	// takes its place. The last row of the old file comes first.
	appendFile(t, path, `{"id": 4}`+"\n")
	if err := os.Rename(path, filepath.Join(dir, "in.jsonl.1")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, `{"id": 5}`+"\n")
	var got []string
	for len(got) < 2 {
		rows, err := readWithin(t, s, time.Second)
		if err != nil {
			t.Fatalf("Read after rotation: %v (so far %v)", err, got)
		}
		got = append(got, rows...)
	}
	if strings.Join(got, " ") != "4: 5:" {
		t.Errorf("rows around the rotation = %v, want 4 then 5", got)
	}
	if string(s.Offset()) != "10" {
		t.Errorf("Offset() in the new file = %s, want 10", s.Offset())
	}
}

func TestRecordTooLong(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.jsonl")
	long := `{"id": 9, "name": "` + strings.Repeat("x", 200_000) + `"}`
	writeFile(t, path, `{"id": 1}`+"\n"+long+"\n"+`{"id": 2}`+"\n"+long)
	bad := &badRecords{}
	s := openSource(t, path, sourceOpts{maxRecord: 1000}, bad)
	if got := strings.Join(readAll(t, s), " "); got != "1: 2:" {
		t.Errorf("rows = %q", got)
	}
	if len(bad.raws) != 2 || bad.offsets[0] != "10" || len(bad.raws[0]) > 1024 {
		t.Errorf("bad records: %d, offsets %v", len(bad.raws), bad.offsets)
	}
}

func BenchmarkSourceReadJSON(b *testing.B) {
	path := filepath.Join(b.TempDir(), "in.jsonl")
	var sb strings.Builder
	const rows = 100_000
	for i := range rows {
		sb.WriteString(`{"id": ` + string(types.AppendText(nil, types.NewInt(int64(i)), nil)) + `, "name": "user", "extra": [1, 2]}` + "\n")
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	dec, err := format.NewJSONDecoder(schema, format.JSONConfig{})
	if err != nil {
		b.Fatal(err)
	}
	batch := types.NewBatch(len(schema))
	b.ReportAllocs()
	for b.Loop() {
		s := NewSource(SourceConfig{Path: path, Width: len(schema), Decoder: dec, BadRecords: &badRecords{}})
		if err := s.Open(context.Background(), nil); err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			err := s.Read(context.Background(), batch)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n += batch.Len
		}
		s.Close()
		if n != rows {
			b.Fatalf("read %d rows, want %d", n, rows)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
}
