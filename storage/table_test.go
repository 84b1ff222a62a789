package storage

import (
	"errors"
	"slices"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/novelty-db/novelty/types"
)

func intKey(v int64) []byte { return AppendKey(nil, types.NewInt(v)) }

func tableValues(t *testing.T, tb *Table) []int64 {
	t.Helper()
	var got []int64
	err := tb.Scan(func(key []byte, row []types.Datum) error {
		if string(key) != string(intKey(row[0].I)) {
			t.Fatalf("key % x does not match row %+v", key, row)
		}
		got = append(got, row[0].I)
		return nil
	})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return got
}

func putInts(t *testing.T, tb *Table, vs ...int64) {
	t.Helper()
	for _, v := range vs {
		if err := tb.Put(intKey(v), []types.Datum{types.NewInt(v), types.NewText("x")}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTableAcrossReopen(t *testing.T) {
	fs := vfs.NewMem()
	s := openFS(t, fs)
	putInts(t, s.Table(1), 5, -3, 100, 0, -1000)
	putInts(t, s.Table(2), 7)
	if err := s.Table(1).Delete(intKey(0)); err != nil {
		t.Fatal(err)
	}
	if err := s.Table(1).Delete(intKey(12345)); err != nil {
		t.Fatal(err)
	}
	closeStore(t, s)

	s = openFS(t, fs)
	defer closeStore(t, s)
	if got := tableValues(t, s.Table(1)); !slices.Equal(got, []int64{-1000, -3, 5, 100}) {
		t.Fatalf("table 1 scan %v", got)
	}
	row, ok, err := s.Table(1).Get(intKey(5), nil)
	if err != nil || !ok || !sameRow(row, []types.Datum{types.NewInt(5), types.NewText("x")}) {
		t.Fatalf("Get(5) = %+v, %v, %v", row, ok, err)
	}
	if _, ok, err := s.Table(1).Get(intKey(0), nil); ok || err != nil {
		t.Fatalf("Get of a deleted row = %v, %v", ok, err)
	}

	if err := s.Table(1).Truncate(); err != nil {
		t.Fatal(err)
	}
	if got := tableValues(t, s.Table(1)); len(got) != 0 {
		t.Fatalf("after Truncate: %v", got)
	}
	if got := tableValues(t, s.Table(2)); !slices.Equal(got, []int64{7}) {
		t.Fatalf("Truncate of table 1 touched table 2: %v", got)
	}
	if err := s.Table(2).Drop(); err != nil {
		t.Fatal(err)
	}
	if got := tableValues(t, s.Table(2)); len(got) != 0 {
		t.Fatalf("after Drop: %v", got)
	}
}

func TestTableCorruptRow(t *testing.T) {
	s, err := OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore(t, s)
	tb := s.Table(3)
	if err := s.db.Set(tb.key([]byte("k")), []byte{byte(types.Text), 9, 'a'}, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tb.Get([]byte("k"), nil); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Get = %v, want ErrCorrupt", err)
	}
	if err := tb.Scan(func([]byte, []types.Datum) error { return nil }); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Scan = %v, want ErrCorrupt", err)
	}
}

func TestWriteBatchIsAtomic(t *testing.T) {
	fs := vfs.NewMem()
	s := openFS(t, fs)
	putInts(t, s.Table(1), 1)

	wb := s.NewWriteBatch()
	key := intKey(2)
	wb.PutRow(1, key, []types.Datum{types.NewInt(2), types.NewText("x")})
	key[len(key)-1] = 0xEE // the batch copied the key already
	wb.DeleteRow(1, intKey(1))
	wb.PutRow(2, intKey(3), []types.Datum{types.NewInt(3), types.NewText("x")})
	wb.PutState("offsets/src", []byte("42"))
	wb.PutCatalog("t2", []byte("def"))
	if wb.Len() != 5 {
		t.Fatalf("Len = %d, want 5", wb.Len())
	}

	discarded := s.NewWriteBatch()
	discarded.PutRow(1, intKey(9), []types.Datum{types.NewInt(9)})
	discarded.PutState("offsets/src", []byte("99"))
	discarded.Close()

	// Nothing is visible before Commit.
	if got := tableValues(t, s.Table(1)); !slices.Equal(got, []int64{1}) {
		t.Fatalf("before commit: %v", got)
	}
	if err := wb.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := wb.Commit(); err == nil {
		t.Fatal("second Commit succeeded")
	}
	wb.Close()
	wb.Close()
	closeStore(t, s)

	s = openFS(t, fs)
	defer closeStore(t, s)
	if got := tableValues(t, s.Table(1)); !slices.Equal(got, []int64{2}) {
		t.Fatalf("table 1 after commit: %v", got)
	}
	if got := tableValues(t, s.Table(2)); !slices.Equal(got, []int64{3}) {
		t.Fatalf("table 2 after commit: %v", got)
	}
	if v, ok, err := s.GetState("offsets/src"); err != nil || !ok || string(v) != "42" {
		t.Fatalf("state = %q, %v, %v", v, ok, err)
	}
	if entries, err := s.Catalog(); err != nil || len(entries) != 1 || entries[0].Name != "t2" {
		t.Fatalf("catalog = %+v, %v", entries, err)
	}

	wb = s.NewWriteBatch()
	wb.DeleteState("offsets/src")
	wb.DeleteCatalog("t2")
	if err := wb.Commit(); err != nil {
		t.Fatal(err)
	}
	wb.Close()
	if _, ok, _ := s.GetState("offsets/src"); ok {
		t.Fatal("DeleteState did not apply")
	}
	if entries, _ := s.Catalog(); len(entries) != 0 {
		t.Fatalf("DeleteCatalog did not apply: %+v", entries)
	}
}

func TestWriteBatchUseAfterClose(t *testing.T) {
	s, err := OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore(t, s)
	wb := s.NewWriteBatch()
	wb.Close()
	wb.PutState("k", nil)
	if err := wb.Commit(); !errors.Is(err, errBatchClosed) {
		t.Fatalf("Commit after Close = %v, want errBatchClosed", err)
	}
	if wb.Len() != 0 {
		t.Fatalf("Len after Close = %d", wb.Len())
	}
}
