package connectors

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/novelty-db/novelty/types"
)

var eventSchema = types.Schema{
	{Name: "id", Type: types.Int8},
	{Name: "user_name", Type: types.Varchar},
	{Name: "ts", Type: types.Timestamp},
}

// deadLetters collects reported bad records.
type deadLetters struct{ records []BadRecord }

func (d *deadLetters) Report(r BadRecord) { d.records = append(d.records, r) }

var fixedTime = time.Date(2024, 1, 31, 12, 0, 0, 0, time.UTC)

func newSource(t *testing.T, dir string, errs ErrorReporter, paths map[string]string, kv ...string) Source {
	t.Helper()
	f, err := Default().Source(FileConnector)
	if err != nil {
		t.Fatal(err)
	}
	resolved, err := Validate(f.Name, f.Options, opts(kv...))
	if err != nil {
		t.Fatal(err)
	}
	src, err := f.New(SourceConfig{
		Name: "events", Schema: eventSchema, Options: resolved, Paths: paths, Errors: errs,
		Clock: func() time.Time { return fixedTime }, BaseDir: dir,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Open(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

func readRows(t *testing.T, src Source) []string {
	t.Helper()
	var rows []string
	b := types.NewBatch(len(eventSchema))
	for {
		err := src.Read(context.Background(), b)
		if errors.Is(err, io.EOF) {
			return rows
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		for i := 0; i < b.Len; i++ {
			var line []byte
			for j, d := range b.Row(i) {
				if j > 0 {
					line = append(line, '|')
				}
				line = types.AppendText(line, d, nil)
			}
			rows = append(rows, string(line))
		}
	}
}

func TestFileSinkToSource(t *testing.T) {
	dir := t.TempDir()
	for _, format := range []string{"json", "csv"} {
		t.Run(format, func(t *testing.T) {
			f, err := Default().Sink(FileConnector)
			if err != nil {
				t.Fatal(err)
			}
			name := "out." + format
			header := map[string]string{"json": "false", "csv": "true"}[format]
			resolved, err := Validate(f.Name, f.Options, opts("connector", "file", "path", name, "format", format, "header", header))
			if err != nil {
				t.Fatal(err)
			}
			sink, err := f.New(SinkConfig{Name: "archive", Schema: eventSchema, Options: resolved, BaseDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			b := types.NewBatch(len(eventSchema))
			b.Append([]types.Datum{types.NewInt(1), types.NewString(types.Varchar, "ann, \"the\" admin"), types.NewTimestamp(1706704496789000)})
			b.Append([]types.Datum{types.NewInt(2), types.Null, types.Null})
			ctx := context.Background()
			if err := sink.Write(ctx, b); err != nil {
				t.Fatal(err)
			}
			if err := sink.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			if err := sink.Close(); err != nil {
				t.Fatal(err)
			}
			src := newSource(t, dir, nil, nil, "path", filepath.Join(dir, name), "format", format, "header", header)
			want := `1|ann, "the" admin|2024-01-31 12:34:56.789 2|| `
			if got := strings.Join(readRows(t, src), " "); got != strings.TrimSpace(want) {
				t.Errorf("read back %q, want %q", got, want)
			}
		})
	}
}

func TestFileSourceBadRecords(t *testing.T) {
	dir := t.TempDir()
	content := `{"id": 1, "user": {"name": "ann"}, "ts": 1706704496789}` + "\n" +
		`{"id": "two"}` + "\n" +
		`{"id": 3, "user": {"name": "bob"}}` + "\n"
	if err := os.WriteFile(filepath.Join(dir, "in.jsonl"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	paths := map[string]string{"user_name": "$.user.name"}
	wantRows := "1|ann|2024-01-31 12:34:56.789 3|bob|"

	errs := &deadLetters{}
	src := newSource(t, dir, errs, paths, "path", "in.jsonl")
	if got := strings.Join(readRows(t, src), " "); got != wantRows {
		t.Errorf("rows = %q, want %q", got, wantRows)
	}
	if len(errs.records) != 1 {
		t.Fatalf("dead letters = %+v, want 1", errs.records)
	}
	r := errs.records[0]
	if r.Source != "events" || string(r.Raw) != `{"id": "two"}` || r.Offset != "56" || !r.Time.Equal(fixedTime) ||
		types.CodeOf(r.Err) != types.CodeInvalidTextRepresent {
		t.Errorf("dead letter = %+v", r)
	}
	if n := src.(BadRecordCounter).BadRecords(); n != 1 {
		t.Errorf("BadRecords = %d, want 1", n)
	}

	skipped := &deadLetters{}
	src = newSource(t, dir, skipped, paths, "path", "in.jsonl", "on_error", "skip")
	if got := strings.Join(readRows(t, src), " "); got != wantRows || len(skipped.records) != 0 {
		t.Errorf("on_error=skip: rows %q, reported %d", got, len(skipped.records))
	}
	if n := src.(BadRecordCounter).BadRecords(); n != 1 {
		t.Errorf("on_error=skip: BadRecords = %d, want 1", n)
	}

	src = newSource(t, dir, nil, paths, "path", "in.jsonl", "on_error", "fail")
	err := src.Read(context.Background(), types.NewBatch(len(eventSchema)))
	e, ok := types.AsError(err)
	if !ok || e.Code != types.CodeInvalidTextRepresent ||
		e.Message != "source events: bad record at offset 56: column id: cannot read a JSON string as bigint" {
		t.Errorf("on_error=fail: Read = %#v", err)
	}
}

func TestFileFactoryErrors(t *testing.T) {
	f := FileSource()
	for _, tt := range []struct {
		options map[string]string
		paths   map[string]string
		msg     string
	}{
		{map[string]string{"path": ""}, nil, `option "path" must not be empty`},
		{map[string]string{"path": "x", "format": "csv", "delimiter": "ab"}, nil, `invalid value "ab" for option "delimiter"`},
		{map[string]string{"path": "x", "poll_interval": "soon"}, nil, `invalid value "soon" for option "poll_interval"`},
		{map[string]string{"path": "x", "format": "raw"}, nil, "format raw needs exactly one column"},
		{map[string]string{"path": "x", "format": "csv"}, map[string]string{"id": "$.x"}, "column paths need format 'json'"},
		{map[string]string{"path": "x", "on_error": "ignore"}, nil, `invalid value "ignore" for option "on_error"`},
		{map[string]string{"path": "x", "header": "true"}, nil, `option "header" needs format 'csv'`},
	} {
		_, err := f.New(SourceConfig{Name: "s", Schema: eventSchema, Options: tt.options, Paths: tt.paths})
		if err == nil || !strings.Contains(err.Error(), tt.msg) || types.CodeOf(err) != types.CodeInvalidParameterValue {
			t.Errorf("New(%v) = %v, want a 22023 error containing %q", tt.options, err, tt.msg)
		}
	}
}

func TestDelimiter(t *testing.T) {
	for in, want := range map[string]byte{"": ',', ";": ';', `\t`: '\t', "\t": '\t', "|": '|'} {
		if got, err := parseDelimiter(in); err != nil || got != want {
			t.Errorf("parseDelimiter(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{`"`, "\n", "ab", "é"} {
		if _, err := parseDelimiter(bad); err == nil {
			t.Errorf("parseDelimiter(%q) succeeded", bad)
		}
	}
}
