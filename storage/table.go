package storage

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/novelty-db/novelty/types"
)

// Table is the rows of one table, keyed by caller-built keys (usually
// AppendKey of the primary key columns). Every write is synced; use a
// WriteBatch to apply several atomically and with one sync.
type Table struct {
	store  *Store
	id     uint64
	prefix []byte // nsTables + id
}

// Table returns the table with object id id. It is a cheap handle; the
// table exists as soon as a row is put into it.
func (s *Store) Table(id uint64) *Table {
	return &Table{store: s, id: id, prefix: idPrefix(nsTables, id)}
}

func (t *Table) key(key []byte) []byte {
	k := make([]byte, 0, len(t.prefix)+len(key))
	return append(append(k, t.prefix...), key...)
}

// Put stores row under key, replacing any previous row.
func (t *Table) Put(key []byte, row []types.Datum) error {
	if err := t.store.guard.admit(); err != nil {
		return fmt.Errorf("storage: table %d: put: %w", t.id, err)
	}
	if err := t.store.db.Set(t.key(key), AppendRow(nil, row), pebble.Sync); err != nil {
		return fmt.Errorf("storage: table %d: put: %w", t.id, err)
	}
	return nil
}

// Get decodes the row stored under key into row[:0] (see DecodeRow) and
// reports whether there is one. The returned row does not alias storage.
func (t *Table) Get(key []byte, row []types.Datum) ([]types.Datum, bool, error) {
	return t.GetIn(nil, key, row)
}

// GetIn is Get reading through w, a batch from NewTxnBatch (nil: the
// committed rows only).
func (t *Table) GetIn(w *WriteBatch, key []byte, row []types.Datum) ([]types.Datum, bool, error) {
	value, closer, err := t.reader(w).Get(t.key(key))
	if errors.Is(err, pebble.ErrNotFound) {
		return row[:0], false, nil
	}
	if err != nil {
		return row[:0], false, fmt.Errorf("storage: table %d: get: %w", t.id, err)
	}
	row, err = DecodeRow(value, row)
	if cerr := closer.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return row, false, fmt.Errorf("storage: table %d: get: %w", t.id, err)
	}
	return row, true, nil
}

// Delete removes the row under key; deleting a missing row is not an error.
func (t *Table) Delete(key []byte) error {
	if err := t.store.db.Delete(t.key(key), pebble.Sync); err != nil {
		return fmt.Errorf("storage: table %d: delete: %w", t.id, err)
	}
	return nil
}

// Scan calls fn for every row in key order. key aliases the iterator and
// row a buffer reused for the next row: both are valid only during fn
// (copy to keep; Datums themselves never alias storage). An error from fn
// stops the scan and is returned as is.
func (t *Table) Scan(fn func(key []byte, row []types.Datum) error) error {
	return t.ScanIn(nil, fn)
}

// reader is where reads go: w's indexed batch over the database, or the
// database alone.
func (t *Table) reader(w *WriteBatch) pebble.Reader {
	if w != nil && w.batch.Indexed() {
		return w.batch
	}
	return t.store.db
}

// ScanIn is Scan reading through w, a batch from NewTxnBatch (nil: the
// committed rows only).
func (t *Table) ScanIn(w *WriteBatch, fn func(key []byte, row []types.Datum) error) error {
	var row []types.Datum
	var fnErr error
	err := scanRange(t.reader(w), t.prefix, prefixEnd(t.prefix), func(key, value []byte) error {
		var err error
		row, err = DecodeRow(value, row)
		if err != nil {
			return err
		}
		if err := fn(key[len(t.prefix):], row); err != nil {
			fnErr = err
			return err
		}
		return nil
	})
	if err != nil && err != fnErr {
		return fmt.Errorf("storage: table %d: scan: %w", t.id, err)
	}
	return err
}

// Truncate removes every row of the table.
func (t *Table) Truncate() error {
	if err := t.store.db.DeleteRange(t.prefix, prefixEnd(t.prefix), pebble.Sync); err != nil {
		return fmt.Errorf("storage: table %d: truncate: %w", t.id, err)
	}
	return nil
}

// Drop removes the table's rows for good. The store keeps no other
// per-table data, so this is Truncate under the name callers mean; the
// catalog entry is the caller's to delete.
func (t *Table) Drop() error {
	if err := t.store.db.DeleteRange(t.prefix, prefixEnd(t.prefix), pebble.Sync); err != nil {
		return fmt.Errorf("storage: table %d: drop: %w", t.id, err)
	}
	return nil
}
