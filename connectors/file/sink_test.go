package file

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/novelty-db/novelty/connectors/format"
	"github.com/novelty-db/novelty/types"
)

func batchOf(rows ...[]types.Datum) *types.Batch {
	b := types.NewBatch(len(schema))
	for _, r := range rows {
		b.Append(r)
	}
	return b
}

func TestSinkAppendsAndReadsBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	ctx := context.Background()
	for run, rows := range [][][]types.Datum{
		{{types.NewInt(1), types.NewText("a\nb")}, {types.NewInt(2), types.Null}},
		{{types.NewInt(3), types.NewText("c")}},
	} {
		s, err := NewSink(SinkConfig{Path: path, Encoder: format.NewJSONEncoder(schema)})
		if err != nil {
			t.Fatal(err)
		}
		b := batchOf(rows...)
		if err := s.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
		b.Reset(len(schema)) // the sink must not keep the batch
		b.Append([]types.Datum{types.NewInt(99), types.NewText("clobbered")})
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("second Close = %v", err)
		}
		if err := s.Write(ctx, b); err == nil {
			t.Errorf("run %d: Write after Close succeeded", run)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":1,"name":"a\nb"}` + "\n" + `{"id":2,"name":null}` + "\n" + `{"id":3,"name":"c"}` + "\n"
	if string(data) != want {
		t.Errorf("file = %q, want %q", data, want)
	}
	src := openSource(t, path, sourceOpts{}, &badRecords{})
	if got := strings.Join(readAll(t, src), "|"); got != "1:a\nb|2:|3:c" {
		t.Errorf("read back = %q", got)
	}
}

func TestSinkCSVHeaderOnlyInEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.csv")
	enc := format.NewCSVEncoder(format.CSVConfig{})
	header := enc.Header(nil, schema)
	for i := range 2 {
		s, err := NewSink(SinkConfig{Path: path, Encoder: enc, Header: header})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Write(context.Background(), batchOf([]types.Datum{types.NewInt(int64(i)), types.NewText("x,y")})); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	data, _ := os.ReadFile(path)
	if want := "id,name\n0,\"x,y\"\n1,\"x,y\"\n"; string(data) != want {
		t.Errorf("file = %q, want %q", data, want)
	}
	src := openSource(t, path, sourceOpts{csv: true, header: true}, &badRecords{})
	if got := strings.Join(readAll(t, src), "|"); got != "0:x,y|1:x,y" {
		t.Errorf("read back = %q", got)
	}
}

func TestSinkOpenError(t *testing.T) {
	_, err := NewSink(SinkConfig{Path: filepath.Join(t.TempDir(), "missing", "out.jsonl"), Encoder: format.RawEncoder{}})
	if types.CodeOf(err) != codeUndefinedFile {
		t.Errorf("NewSink in a missing directory = %v, want 58P01", err)
	}
}

func TestSinkRewindCutsBackToPosition(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.csv")
	ctx := context.Background()
	open := func() *Sink {
		enc := format.NewCSVEncoder(format.CSVConfig{})
		s, err := NewSink(SinkConfig{Path: path, Encoder: enc, Header: enc.Header(nil, schema)})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	write := func(s *Sink, id int64) []byte {
		if err := s.Write(ctx, batchOf([]types.Datum{types.NewInt(id), types.NewText("x")})); err != nil {
			t.Fatal(err)
		}
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		pos, err := s.Position()
		if err != nil {
			t.Fatal(err)
		}
		return pos
	}
	s := open()
	empty, err := s.Position()
	if err != nil {
		t.Fatal(err)
	}
	first := write(s, 1)
	write(s, 2)
	s.Close()

	s = open()
	if err := s.Rewind(first); err != nil {
		t.Fatal(err)
	}
	write(s, 3)
	s.Close()
	if got, _ := os.ReadFile(path); string(got) != "id,name\n1,x\n3,x\n" {
		t.Fatalf("after rewinding to the first row: %q", got)
	}

	// Cut back to before the header: the header comes back once.
	s = open()
	if err := s.Rewind(empty); err != nil {
		t.Fatal(err)
	}
	write(s, 4)
	s.Close()
	if got, _ := os.ReadFile(path); string(got) != "id,name\n4,x\n" {
		t.Fatalf("after rewinding to the empty file: %q", got)
	}
	s = open()
	defer s.Close()
	if err := s.Rewind(first[:3]); err == nil {
		t.Fatal("a position of 3 bytes was accepted")
	}
	big := binary.BigEndian.AppendUint64(nil, 1<<40)
	if err := s.Rewind(big); err == nil {
		t.Fatal("a position beyond the file's end was accepted")
	}
}
