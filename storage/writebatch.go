package storage

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/novelty-db/novelty/types"
)

// errBatchClosed is recorded when a WriteBatch is used after Close.
var errBatchClosed = errors.New("storage: write batch used after Close")

// WriteBatch collects table, state and catalog mutations and applies them
// atomically with one synced write. It is not safe for concurrent use.
// Mutations encode their arguments immediately: the caller may reuse keys,
// rows and values as soon as a call returns. The first failed mutation is
// remembered and returned by Commit, which then writes nothing.
// Close must be called once the batch is done, committed or not. A batch
// that puts anything is refused while the store holds writes (Commit
// returns an error wrapping ErrDiskHeld); one that only deletes is not.
type WriteBatch struct {
	batch     *pebble.Batch
	guard     *diskGuard
	grows     bool   // a row, state or catalog entry was put: Commit asks the guard
	key       []byte // scratch for keys
	value     []byte // scratch for encoded rows
	err       error  // the first failed mutation, returned by Commit
	committed bool   // Commit succeeded; a batch commits once
}

// NewWriteBatch returns an empty write batch.
func (s *Store) NewWriteBatch() *WriteBatch {
	return &WriteBatch{batch: s.db.NewBatch(), guard: s.guard}
}

// NewTxnBatch returns an empty write batch that tables can also be read
// through (Table.ScanIn, Table.GetIn): reads see the committed rows with
// the batch's own writes applied, as a transaction sees its own writes.
func (s *Store) NewTxnBatch() *WriteBatch {
	return &WriteBatch{batch: s.db.NewIndexedBatch(), guard: s.guard}
}

// TruncateTable removes every row of table tableID, including rows put
// earlier in this batch.
func (w *WriteBatch) TruncateTable(tableID uint64) {
	if !w.usable() {
		return
	}
	prefix := idPrefix(nsTables, tableID)
	w.record(w.batch.DeleteRange(prefix, prefixEnd(prefix), nil), "truncate table")
}

// PutRow stores row under key in table tableID.
func (w *WriteBatch) PutRow(tableID uint64, key []byte, row []types.Datum) {
	if !w.usable() {
		return
	}
	w.grows = true
	w.key = w.tableKey(tableID, key)
	w.value = AppendRow(w.value[:0], row)
	w.record(w.batch.Set(w.key, w.value, nil), "put row")
}

// DeleteRow removes the row under key from table tableID.
func (w *WriteBatch) DeleteRow(tableID uint64, key []byte) {
	if !w.usable() {
		return
	}
	w.key = w.tableKey(tableID, key)
	w.record(w.batch.Delete(w.key, nil), "delete row")
}

// PutState stores an operator or connector state value under key.
func (w *WriteBatch) PutState(key string, value []byte) {
	if !w.usable() {
		return
	}
	w.grows = true
	w.key = append(append(w.key[:0], nsState), key...)
	w.record(w.batch.Set(w.key, value, nil), "put state")
}

// DeleteState removes the state value under key.
func (w *WriteBatch) DeleteState(key string) {
	if !w.usable() {
		return
	}
	w.key = append(append(w.key[:0], nsState), key...)
	w.record(w.batch.Delete(w.key, nil), "delete state")
}

// PutCatalog stores a catalog entry, so that a catalog change can commit
// together with the rows or state it describes.
func (w *WriteBatch) PutCatalog(name string, value []byte) {
	if !w.usable() {
		return
	}
	w.grows = true
	w.key = append(append(w.key[:0], nsCatalog), name...)
	w.record(w.batch.Set(w.key, value, nil), "put catalog entry")
}

// DeleteCatalog removes a catalog entry.
func (w *WriteBatch) DeleteCatalog(name string) {
	if !w.usable() {
		return
	}
	w.key = append(append(w.key[:0], nsCatalog), name...)
	w.record(w.batch.Delete(w.key, nil), "delete catalog entry")
}

// Len returns the number of mutations in the batch.
func (w *WriteBatch) Len() int {
	if w.batch == nil {
		return 0
	}
	return int(w.batch.Count())
}

// Commit applies every mutation atomically and syncs. A batch commits at
// most once: a second Commit, or one after Close, returns an error.
func (w *WriteBatch) Commit() error {
	if w.err != nil {
		return w.err
	}
	if w.batch == nil {
		return errBatchClosed
	}
	if w.committed {
		return errors.New("storage: write batch already committed")
	}
	if w.grows {
		if err := w.guard.admit(); err != nil {
			return fmt.Errorf("storage: commit write batch: %w", err)
		}
	}
	if err := w.batch.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("storage: commit write batch: %w", err)
	}
	w.committed = true
	return nil
}

// Close releases the batch; mutations not committed are discarded. A
// second Close does nothing.
func (w *WriteBatch) Close() {
	if w.batch == nil {
		return
	}
	// A pebble Batch's Close only fails when the batch is already closed,
	// which w.batch == nil rules out.
	_ = w.batch.Close()
	w.batch = nil
}

func (w *WriteBatch) tableKey(tableID uint64, key []byte) []byte {
	k := binary.BigEndian.AppendUint64(append(w.key[:0], nsTables), tableID)
	return append(k, key...)
}

// usable reports whether a mutation may be added, recording errBatchClosed
// when the batch was closed.
func (w *WriteBatch) usable() bool {
	if w.batch == nil {
		if w.err == nil {
			w.err = errBatchClosed
		}
		return false
	}
	return w.err == nil
}

func (w *WriteBatch) record(err error, what string) {
	if err != nil && w.err == nil {
		w.err = fmt.Errorf("storage: write batch: %s: %w", what, err)
	}
}
