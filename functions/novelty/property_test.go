package novelty

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/novelty-db/novelty/types"
)

var propertyOptions = []Options{
	{},
	{MaxNodes: 60},
	{HalfLife: 41},
	{MinSupport: 4},
	{MaxNodes: 300, HalfLife: 500, MinSupport: 2},
	{MaxNodes: 1},
}

func marshal(t *testing.T, c *Context) []byte {
	t.Helper()
	b, err := c.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCheckpointDeterminism replays a stream straight through and through
// checkpoints (MarshalBinary into a fresh context) and wants the same
// results byte for byte, and the same final state.
func TestCheckpointDeterminism(t *testing.T) {
	obs := stream(2, 2500)
	for _, opts := range propertyOptions {
		t.Run(optionsName(opts), func(t *testing.T) {
			straight, resumed := NewContext(opts), NewContext(Options{})
			if err := resumed.UnmarshalBinary(marshal(t, NewContext(opts))); err != nil {
				t.Fatal(err)
			}
			var a, b Result
			for i, o := range obs {
				if i%613 == 0 {
					state := marshal(t, resumed)
					resumed = NewContext(Options{MaxNodes: 5})
					if err := resumed.UnmarshalBinary(state); err != nil {
						t.Fatalf("restore at %d: %v", i, err)
					}
					if again := marshal(t, resumed); !bytes.Equal(again, state) {
						t.Fatalf("restore at %d: state bytes changed", i)
					}
				}
				if err := straight.Observe(o, &a); err != nil {
					t.Fatal(err)
				}
				if err := resumed.Observe(o, &b); err != nil {
					t.Fatal(err)
				}
				if ja, jb := a.AppendJSON(nil), b.AppendJSON(nil); !bytes.Equal(ja, jb) {
					t.Fatalf("observation %d:\nstraight %s\n resumed %s", i, ja, jb)
				}
			}
			if !bytes.Equal(marshal(t, straight), marshal(t, resumed)) {
				t.Error("final states differ")
			}
		})
	}
}

// TestReadIsObserveWithoutLearning checks Read gives Observe's result and
// leaves the state's bytes as they were.
func TestReadIsObserveWithoutLearning(t *testing.T) {
	obs := stream(3, 1500)
	for _, opts := range propertyOptions {
		t.Run(optionsName(opts), func(t *testing.T) {
			c := NewContext(opts)
			var r, o Result
			for i, ob := range obs {
				var before []byte
				if i%25 == 0 {
					before = marshal(t, c)
				}
				if err := c.Read(ob, &r); err != nil {
					t.Fatal(err)
				}
				if before != nil && !bytes.Equal(before, marshal(t, c)) {
					t.Fatalf("Read %d changed the state", i)
				}
				if err := c.Observe(ob, &o); err != nil {
					t.Fatal(err)
				}
				if jr, jo := r.AppendJSON(nil), o.AppendJSON(nil); !bytes.Equal(jr, jo) {
					t.Fatalf("observation %d:\n   read %s\nobserve %s", i, jr, jo)
				}
			}
		})
	}
}

// TestBounds checks every result's ranges and the node budget after every
// observation.
func TestBounds(t *testing.T) {
	in01 := func(f float64) bool { return f >= 0 && f <= 1 && !math.IsNaN(f) }
	for _, opts := range propertyOptions {
		t.Run(optionsName(opts), func(t *testing.T) {
			c := NewContext(opts)
			var r Result
			for i, ob := range stream(4, 3000) {
				if err := c.Observe(ob, &r); err != nil {
					t.Fatal(err)
				}
				if !in01(r.Score) || !in01(r.TotalObsScore) || !in01(r.Uniqueness) || !in01(r.Probability) ||
					r.Probability == 0 || r.InfoContent < 0 || r.MostNovel.Novelty < 0 || r.Sequence != int64(i+1) {
					t.Fatalf("observation %d out of range: %s", i, r.AppendJSON(nil))
				}
				if s := c.Stats(); opts.MaxNodes > 0 && s.Nodes > opts.MaxNodes {
					t.Fatalf("observation %d: %d nodes over the budget of %d", i, s.Nodes, opts.MaxNodes)
				}
			}
		})
	}
}

// TestHalfLifeBoundsNodes: with half-life, counts stay below 2H, so nodes
// stay below arity × 2H whatever the stream's cardinality.
func TestHalfLifeBoundsNodes(t *testing.T) {
	const h = 100
	c := NewContext(Options{HalfLife: h})
	var r Result
	for i := range 10_000 {
		if err := c.Observe([]types.Datum{types.NewInt(int64(i % 7)), types.NewInt(int64(i))}, &r); err != nil {
			t.Fatal(err)
		}
		if n := c.Stats().Nodes; n > 2*2*h {
			t.Fatalf("observation %d: %d nodes", i, n)
		}
	}
}

// TestSameStateSameBytes: two histories that end in the same state give
// the same bytes, whatever ids and freed values they went through.
func TestSameStateSameBytes(t *testing.T) {
	a, b := NewContext(Options{HalfLife: 2}), NewContext(Options{HalfLife: 2})
	var r Result
	for _, v := range []string{"x", "y", "k", "k"} {
		_ = a.Observe(texts(v), &r)
	}
	for _, v := range []string{"p", "q", "k", "k"} {
		_ = b.Observe(texts(v), &r)
	}
	if ba, bb := marshal(t, a), marshal(t, b); !bytes.Equal(ba, bb) {
		t.Errorf("same state, different bytes:\n%x\n%x", ba, bb)
	}
}

func TestUnmarshalRejectsCorruptState(t *testing.T) {
	c := NewContext(Options{MaxNodes: 40, HalfLife: 90})
	var r Result
	for _, o := range stream(5, 300) {
		_ = c.Observe(o, &r)
	}
	state := marshal(t, c)
	for n := range len(state) {
		if err := NewContext(Options{}).UnmarshalBinary(state[:n]); err == nil {
			t.Fatalf("truncated to %d bytes: no error", n)
		}
	}
	if err := NewContext(Options{}).UnmarshalBinary(append(state, 0)); err == nil {
		t.Fatal("trailing byte: no error")
	}
	for i := range state {
		for _, flip := range []byte{1, 0x80, 0xff} {
			bad := bytes.Clone(state)
			bad[i] ^= flip
			d := NewContext(Options{})
			if err := d.UnmarshalBinary(bad); err != nil {
				continue
			}
			// A change that still decodes must be a consistent state.
			if again := marshal(t, d); !bytes.Equal(again, bad) {
				t.Fatalf("byte %d ^ %#x decodes to a state that marshals differently", i, flip)
			}
			for _, o := range stream(6, 20) {
				_ = d.Observe(o, &r)
			}
		}
	}
	d := NewContext(Options{MinSupport: 3})
	if err := d.UnmarshalBinary([]byte("nope")); err == nil || d.Options().MinSupport != 3 {
		t.Errorf("bad magic: %v, options %+v", err, d.Options())
	}
}

// TestArenaCompaction forgets many long values so the value arena is
// compacted and renumbered, and wants the reference's results throughout
// and earlier results' strings unchanged.
func TestArenaCompaction(t *testing.T) {
	opts := Options{HalfLife: 50}
	c, m := NewContext(opts), newRefModel(opts)
	long := func(i int) string { return strings.Repeat(strconv.Itoa(i%700), 100) }
	var r Result
	var kept []string
	for i := range 4000 {
		obs := []types.Datum{types.NewInt(int64(i % 3)), types.NewText(long(i * 7919))}
		if err := c.Observe(obs, &r); err != nil {
			t.Fatal(err)
		}
		if g, w := r.AppendJSON(nil), refJSON(m.observe(obs)); !bytes.Equal(g, w) {
			t.Fatalf("observation %d:\n got %s\nwant %s", i, g, w)
		}
		if i%500 == 0 {
			kept = append(kept, r.Observation[1], strings.Clone(r.Observation[1]))
		}
	}
	for i := 0; i < len(kept); i += 2 {
		if kept[i] != kept[i+1] {
			t.Fatalf("a result string changed after compaction")
		}
	}
	if arena := len(c.values.arena); arena > 200*150*4 {
		t.Errorf("arena holds %d bytes: not compacted", arena)
	}
}
