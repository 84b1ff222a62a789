package format

import "hash/maphash"

// stringCacheSlots is the number of strings a stringCache holds (a power of
// two); maxCachedString is the longest string it keeps.
const (
	stringCacheSlots = 1024
	maxCachedString  = 32
)

// stringCache turns decoded text into strings, sharing one string between
// records that repeat a short value (an action, a country, a user name)
// instead of allocating it per record. It is direct-mapped: a hash of the
// bytes picks the one slot a value may live in, and a different value
// simply replaces it, so it never grows and a miss costs only the hash.
// Strings are immutable, so sharing them between rows is safe.
type stringCache struct {
	seed  maphash.Seed
	slots []string
}

func newStringCache() stringCache {
	return stringCache{seed: maphash.MakeSeed(), slots: make([]string, stringCacheSlots)}
}

// get returns b as a string, from the cache when it holds b.
func (c *stringCache) get(b []byte) string {
	if len(b) > maxCachedString || len(b) == 0 {
		return string(b)
	}
	slot := &c.slots[maphash.Bytes(c.seed, b)&(stringCacheSlots-1)]
	if *slot != string(b) {
		*slot = string(b)
	}
	return *slot
}
