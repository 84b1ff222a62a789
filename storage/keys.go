package storage

import "encoding/binary"

// Namespace bytes: the first byte of every key (see doc.go).
const (
	nsCatalog byte = 'c'
	nsIDs     byte = 'i'
	nsLogs    byte = 'l'
	nsTables  byte = 't'
	nsState   byte = 's'
)

// idPrefix returns ns followed by id in big-endian: the prefix of every key
// of one log or table.
func idPrefix(ns byte, id uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{ns}, id)
}

// stringKey returns ns followed by the bytes of s.
func stringKey(ns byte, s string) []byte {
	key := make([]byte, 0, 1+len(s))
	return append(append(key, ns), s...)
}

// prefixEnd returns the smallest key greater than every key that starts
// with prefix, for use as an exclusive upper bound. A prefix of only 0xFF
// bytes has no such key; namespaced keys never are one, because the
// namespace byte is below 0xFF.
func prefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] != 0xFF {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
