package format

import (
	"encoding/binary"
	"math/bits"
)

// stringCacheBits sets the number of strings a stringCache holds
// (1<<stringCacheBits); maxCachedString is the longest string it keeps.
const (
	stringCacheBits  = 12
	stringCacheSlots = 1 << stringCacheBits
	maxCachedString  = 32
)

// stringCache turns decoded text into strings, sharing one string between
// records that repeat a short value (an action, a country, a user name)
// instead of allocating it per record. It is direct-mapped: a hash of the
// bytes picks the one slot a value may live in, and a different value
// simply replaces it, so it never grows and a miss costs only the hash.
// Strings are immutable, so sharing them between rows is safe.
type stringCache struct {
	slots []string
}

func newStringCache() stringCache {
	return stringCache{slots: make([]string, stringCacheSlots)}
}

// get returns b as a string, from the cache when it holds b.
func (c *stringCache) get(b []byte) string {
	if len(b) > maxCachedString || len(b) == 0 {
		return string(b)
	}
	slot := &c.slots[shortHash(b)]
	if *slot != string(b) {
		*slot = string(b)
	}
	return *slot
}

// shortHash picks the slot of b, 1 to maxCachedString bytes long. Every
// byte counts: up to four overlapping 8-byte words cover b, mixed by one
// multiplication. It is not a keyed hash: inputs made to collide only cost
// the cache its hits, never a wrong string.
func shortHash(b []byte) uint64 {
	var h uint64
	if n := len(b); n >= 8 {
		h = binary.LittleEndian.Uint64(b) ^ bits.RotateLeft64(binary.LittleEndian.Uint64(b[n-8:]), 23)
		if n > 16 {
			h ^= bits.RotateLeft64(binary.LittleEndian.Uint64(b[8:]), 41) ^
				bits.RotateLeft64(binary.LittleEndian.Uint64(b[n-16:]), 11)
		}
	} else {
		for _, c := range b {
			h = h<<8 | uint64(c)
		}
	}
	h ^= uint64(len(b)) << 58
	return (h * 0x9e3779b97f4a7c15) >> (64 - stringCacheBits)
}
