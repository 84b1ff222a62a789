package exec

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/novelty-db/novelty/types"
)

// TestRowBufferMatchesModel buffers and expires rows of many keys, some
// long-lived and many used once (so groups come and go, the index grows
// and shifts entries back, and the key arena and slots are compacted),
// and checks every key's chain against a plain model after each step.
func TestRowBufferMatchesModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	rb := rowBuffer{width: 1}
	model := map[string][]int64{} // times per key in arrival order
	keyOf := func(i int) []byte {
		// Long keys fill the arena quickly; the prefix spreads them.
		return fmt.Appendf(nil, "%d-%0100d", i%7, i)
	}
	now := int64(0)
	check := func(step int) {
		t.Helper()
		rows := 0
		for k, times := range model {
			var got []int64
			for s := rb.first([]byte(k), hashJoinKey([]byte(k))); s >= 0; s = rb.slots[s].next {
				got = append(got, rb.slots[s].t)
			}
			if !slices.Equal(got, times) {
				t.Fatalf("step %d, key %.8s: chain %v, want %v", step, k, got, times)
			}
			rows += len(times)
		}
		if rb.len() != rows || rb.keys != len(model) {
			t.Fatalf("step %d: %d rows of %d keys, want %d of %d", step, rb.len(), rb.keys, rows, len(model))
		}
	}
	compactedKeys := false
	for step := range 20000 {
		now++
		key := keyOf(step)
		if rng.IntN(4) == 0 {
			key = keyOf(rng.IntN(50))
		}
		t0 := now - rng.Int64N(20)
		rb.insert(key, hashJoinKey(key), []types.Datum{types.NewInt(t0)}, t0, false)
		model[string(key)] = append(model[string(key)], t0)
		if step%10 == 0 {
			cut := now - 200 - rng.Int64N(100)
			deadBefore := rb.dead
			rb.expireBefore(cut, nil)
			compactedKeys = compactedKeys || rb.dead < deadBefore
			for k, times := range model {
				times = slices.DeleteFunc(times, func(x int64) bool { return x < cut })
				if len(times) == 0 {
					delete(model, k)
				} else {
					model[k] = times
				}
			}
		}
		if step%97 == 0 {
			check(step)
		}
	}
	check(-1)
	if !compactedKeys {
		t.Error("the key arena was never compacted")
	}
	// A key that is not buffered is not found, even where others cluster.
	for i := range 100 {
		if k := keyOf(1_000_000 + i); rb.first(k, hashJoinKey(k)) >= 0 {
			t.Fatalf("found key %s that was never buffered", k)
		}
	}
}
