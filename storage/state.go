package storage

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// PutState stores an operator or connector state value under key.
func (s *Store) PutState(key string, value []byte) error {
	if err := s.guard.admit(); err != nil {
		return fmt.Errorf("storage: put state %q: %w", key, err)
	}
	if err := s.db.Set(stringKey(nsState, key), value, pebble.Sync); err != nil {
		return fmt.Errorf("storage: put state %q: %w", key, err)
	}
	return nil
}

// GetState returns a copy of the state value stored under key, and whether
// there is one.
func (s *Store) GetState(key string) ([]byte, bool, error) {
	value, closer, err := s.db.Get(stringKey(nsState, key))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("storage: get state %q: %w", key, err)
	}
	out := append([]byte(nil), value...)
	if err := closer.Close(); err != nil {
		return nil, false, fmt.Errorf("storage: get state %q: %w", key, err)
	}
	return out, true, nil
}

// DeleteStatePrefix removes every state value whose key starts with
// prefix; the empty prefix removes all state.
func (s *Store) DeleteStatePrefix(prefix string) error {
	start := stringKey(nsState, prefix)
	if err := s.db.DeleteRange(start, prefixEnd(start), pebble.Sync); err != nil {
		return fmt.Errorf("storage: delete state prefix %q: %w", prefix, err)
	}
	return nil
}
