package storage

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

func TestOpenCreatesDirectory(t *testing.T) {
	dir := t.TempDir() + "/nested/db"
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	closeStore(t, s)
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestCatalogAcrossReopen(t *testing.T) {
	fs := vfs.NewMem()
	s := openFS(t, fs)
	for _, name := range []string{"b", "a", "c", "a.b"} {
		if err := s.PutCatalog(name, []byte("v-"+name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutCatalog("c", []byte("v-c2")); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteCatalog("b"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteCatalog("missing"); err != nil {
		t.Fatal(err)
	}
	closeStore(t, s)

	s = openFS(t, fs)
	defer closeStore(t, s)
	entries, err := s.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name+"="+string(e.Value))
	}
	want := "a=v-a a.b=v-a.b c=v-c2"
	if strings.Join(got, " ") != want {
		t.Fatalf("catalog %q, want %q", strings.Join(got, " "), want)
	}
}

func TestNextIDAcrossReopen(t *testing.T) {
	fs := vfs.NewMem()
	s := openFS(t, fs)
	for want := uint64(1); want <= 3; want++ {
		id, err := s.NextID()
		if err != nil || id != want {
			t.Fatalf("NextID = %d, %v; want %d", id, err, want)
		}
	}
	closeStore(t, s)
	s = openFS(t, fs)
	defer closeStore(t, s)
	if id, err := s.NextID(); err != nil || id != 4 {
		t.Fatalf("NextID after reopen = %d, %v; want 4", id, err)
	}
}

func TestStateKV(t *testing.T) {
	fs := vfs.NewMem()
	s := openFS(t, fs)
	keys := []string{"op/1/a", "op/1/b", "op/10", "op/2/a", "\xff\xff"}
	for _, k := range keys {
		if err := s.PutState(k, []byte("v"+k)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Table(1).Put([]byte("k"), sampleRow()); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteStatePrefix("op/1/"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteStatePrefix("\xff"); err != nil {
		t.Fatal(err)
	}
	closeStore(t, s)
	s = openFS(t, fs)
	defer closeStore(t, s)
	for _, tc := range []struct {
		key  string
		want bool
	}{{"op/1/a", false}, {"op/1/b", false}, {"op/10", true}, {"op/2/a", true}, {"\xff\xff", false}, {"nope", false}} {
		v, ok, err := s.GetState(tc.key)
		if err != nil || ok != tc.want || (ok && string(v) != "v"+tc.key) {
			t.Fatalf("GetState(%q) = %q, %v, %v; want present=%v", tc.key, v, ok, err, tc.want)
		}
	}
	// The 0xFF prefix ends just below the tables namespace: tables survive.
	if _, ok, err := s.Table(1).Get([]byte("k"), nil); err != nil || !ok {
		t.Fatalf("table row after DeleteStatePrefix: ok=%v err=%v", ok, err)
	}
	if err := s.DeleteStatePrefix(""); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.GetState("op/10"); ok {
		t.Fatal("empty prefix left state behind")
	}
}

func TestPebbleLoggerRoutesToSlog(t *testing.T) {
	var out bytes.Buffer
	log := pebbleLogger{log: slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	log.Infof("flushed %d", 7)
	log.Errorf("broke %s", "x")
	text := out.String()
	if !strings.Contains(text, "level=DEBUG msg=\"flushed 7\" component=pebble") ||
		!strings.Contains(text, "level=ERROR msg=\"broke x\" component=pebble") {
		t.Fatalf("unexpected log output:\n%s", text)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Fatalf returned")
		}
	}()
	log.Fatalf("invariant %d", 1)
}

// TestOpenIsQuietByDefault opens with a logger that only records: Open with
// no logger must not reach the process-wide default slog logger either.
func TestOpenIsQuietByDefault(t *testing.T) {
	var out bytes.Buffer
	previous := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug})))
	defer slog.SetDefault(previous)
	s := openFS(t, vfs.NewMem())
	if _, err := s.Log(1).Append(sampleRow(), 5, testTime(0), Synced); err != nil {
		t.Fatal(err)
	}
	closeStore(t, s)
	if out.Len() != 0 {
		t.Fatalf("default logger received:\n%s", out.String())
	}
	if !slog.Default().Enabled(context.Background(), slog.LevelDebug) {
		t.Fatal("test logger not installed")
	}
}
