package storage

import (
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// CatalogEntry is one named catalog object as stored.
type CatalogEntry struct {
	Name  string
	Value []byte
}

// PutCatalog stores value under name, replacing any previous value.
func (s *Store) PutCatalog(name string, value []byte) error {
	if err := s.guard.admit(); err != nil {
		return fmt.Errorf("storage: put catalog entry %q: %w", name, err)
	}
	if err := s.db.Set(stringKey(nsCatalog, name), value, pebble.Sync); err != nil {
		return fmt.Errorf("storage: put catalog entry %q: %w", name, err)
	}
	return nil
}

// DeleteCatalog removes the entry name; removing a missing entry is not an
// error.
func (s *Store) DeleteCatalog(name string) error {
	if err := s.db.Delete(stringKey(nsCatalog, name), pebble.Sync); err != nil {
		return fmt.Errorf("storage: delete catalog entry %q: %w", name, err)
	}
	return nil
}

// Catalog returns every catalog entry in name order (byte order). The
// returned slices are the caller's.
func (s *Store) Catalog() ([]CatalogEntry, error) {
	var entries []CatalogEntry
	err := s.scanPrefix([]byte{nsCatalog}, func(key, value []byte) error {
		entries = append(entries, CatalogEntry{Name: string(key[1:]), Value: append([]byte(nil), value...)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("storage: read catalog: %w", err)
	}
	return entries, nil
}

// scanPrefix calls fn for every key starting with prefix, in key order.
// key and value alias the iterator's memory and are valid only during fn.
// An error from fn stops the scan and is returned as is.
func (s *Store) scanPrefix(prefix []byte, fn func(key, value []byte) error) error {
	return scanRange(s.db, prefix, prefixEnd(prefix), fn)
}

// scanRange calls fn for every key in [lower, upper), in key order, with
// scanPrefix's aliasing and error contract.
func (s *Store) scanRange(lower, upper []byte, fn func(key, value []byte) error) error {
	return scanRange(s.db, lower, upper, fn)
}

// scanRange reads [lower, upper) from r: the database, or an indexed batch
// (the batch's writes over the database).
func scanRange(r pebble.Reader, lower, upper []byte, fn func(key, value []byte) error) (err error) {
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := it.Close(); err == nil {
			err = cerr
		}
	}()
	for valid := it.First(); valid; valid = it.Next() {
		value, err := it.ValueAndErr()
		if err != nil {
			return err
		}
		if err := fn(it.Key(), value); err != nil {
			return err
		}
	}
	return it.Error()
}
