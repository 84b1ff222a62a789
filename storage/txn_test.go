package storage

import (
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/novelty-db/novelty/types"
)

// TestTxnBatchReads checks that reads through a transaction batch see the
// committed rows with the batch's writes applied, and nothing leaks out
// before Commit.
func TestTxnBatchReads(t *testing.T) {
	s := openFS(t, vfs.NewMem())
	defer closeStore(t, s)
	tbl := s.Table(7)
	row := func(v int64) []types.Datum { return []types.Datum{types.NewInt(v)} }
	if err := tbl.Put([]byte("a"), row(1)); err != nil {
		t.Fatal(err)
	}
	w := s.NewTxnBatch()
	defer w.Close()
	w.PutRow(7, []byte("b"), row(2))
	w.DeleteRow(7, []byte("a"))
	scan := func(w *WriteBatch) []int64 {
		var got []int64
		if err := tbl.ScanIn(w, func(_ []byte, r []types.Datum) error { got = append(got, r[0].I); return nil }); err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := scan(w); len(got) != 1 || got[0] != 2 {
		t.Fatalf("through the batch: %v, want [2]", got)
	}
	if got := scan(nil); len(got) != 1 || got[0] != 1 {
		t.Fatalf("committed only: %v, want [1]", got)
	}
	if _, found, err := tbl.GetIn(w, []byte("a"), nil); err != nil || found {
		t.Fatalf("deleted row visible through the batch: %v %v", found, err)
	}
	w.TruncateTable(7)
	if got := scan(w); len(got) != 0 {
		t.Fatalf("after truncate: %v", got)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := scan(nil); len(got) != 0 {
		t.Fatalf("after commit: %v, want none", got)
	}
}
