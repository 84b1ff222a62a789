package novelty

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/novelty-db/novelty/types"
)

// referenceEncoding is MarshalBinary's layout computed the obvious way:
// the values listed from the value table and sorted with bytes.Compare,
// each node's children found by scanning every node.
func referenceEncoding(c *Context) []byte {
	values := c.values.appendIDs(nil)
	slices.SortFunc(values, func(a, b uint32) int { return bytes.Compare(c.values.bytes(a), c.values.bytes(b)) })
	rank := map[uint32]uint64{nullValue: 0}
	for i, id := range values {
		rank[id] = uint64(i + 1)
	}
	children := map[uint32][]uint32{}
	for id := uint32(1); id < c.nodes.len(); id++ {
		if c.isLive(id) {
			p := c.nodes.at(id).parent
			children[p] = append(children[p], id)
		}
	}
	for _, kids := range children {
		slices.SortFunc(kids, func(a, b uint32) int {
			return int(rank[c.nodes.at(a).value]) - int(rank[c.nodes.at(b).value])
		})
	}
	buf := []byte(magic)
	buf = binary.AppendVarint(buf, int64(c.opts.MaxNodes))
	buf = binary.AppendVarint(buf, c.opts.HalfLife)
	buf = binary.AppendVarint(buf, c.opts.MinSupport)
	buf = binary.AppendUvarint(buf, uint64(c.arity))
	buf = binary.AppendVarint(buf, c.seq)
	buf = binary.AppendUvarint(buf, uint64(len(values)))
	for _, id := range values {
		buf = binary.AppendUvarint(buf, uint64(len(c.values.bytes(id))))
		buf = append(buf, c.values.bytes(id)...)
	}
	buf = binary.AppendUvarint(buf, uint64(c.live))
	buf = binary.AppendUvarint(buf, uint64(c.nodes.at(rootNode).count))
	buf = binary.AppendUvarint(buf, uint64(len(children[rootNode])))
	var walk func(id uint32)
	walk = func(id uint32) {
		n := c.nodes.at(id)
		buf = binary.AppendUvarint(buf, rank[n.value])
		buf = binary.AppendUvarint(buf, uint64(n.count))
		buf = binary.AppendUvarint(buf, uint64(n.lastSeen))
		buf = binary.AppendUvarint(buf, uint64(len(children[id])))
		for _, kid := range children[id] {
			walk(kid)
		}
	}
	for _, kid := range children[rootNode] {
		walk(kid)
	}
	return buf
}

// prefixValues share prefixes shorter and longer than the 16-byte chunks
// the sort reads, end at and around chunk boundaries, hold zero bytes and
// include the empty string.
var prefixValues = []string{"", "a", "a\x00", "a\x00\x00", "ab", "b", "\x00", "\xff",
	"longprefix-1", "longprefix-2", "longprefix-10", "longpref", "longprefi", "longpre\x00x",
	strings.Repeat("p", 16), strings.Repeat("p", 16) + "\x00", strings.Repeat("p", 16) + "a",
	strings.Repeat("p", 15) + "\x00", strings.Repeat("p", 33), strings.Repeat("p", 32) + "\x00\x00",
	strings.Repeat("p", 40) + "x", strings.Repeat("p", 40) + "y", strings.Repeat("p", 48)}

func prefixStream(n int) [][]types.Datum {
	out := make([][]types.Datum, n)
	for i := range out {
		out[i] = []types.Datum{
			types.NewText(prefixValues[i%len(prefixValues)]),
			types.NewText(prefixValues[(i*7)%len(prefixValues)] + strconv.Itoa(i%5)),
		}
		if i%11 == 0 {
			out[i][i%2] = types.Null
		}
	}
	return out
}

func TestEncodingMatchesReference(t *testing.T) {
	for _, opts := range propertyOptions {
		for name, obs := range map[string][][]types.Datum{"stream": stream(4, 3000), "prefixes": prefixStream(500)} {
			t.Run(name+"/"+optionsName(opts), func(t *testing.T) {
				c := NewContext(opts)
				var r Result
				for i, o := range obs {
					if i%97 == 0 {
						if got, want := marshal(t, c), referenceEncoding(c); !bytes.Equal(got, want) {
							t.Fatalf("after %d observations:\n got %x\nwant %x", i, got, want)
						}
					}
					if err := c.Observe(o, &r); err != nil {
						t.Fatal(err)
					}
				}
			})
		}
	}
}

// TestSnapshotIsFrozen takes snapshots while a context keeps learning
// (across half-life, eviction, arena compaction and node chunks), and
// wants each to encode to the bytes the context had when it was taken.
// Half the snapshots are encoded on another goroutine while the context
// goes on, so that -race sees any write the snapshot shares.
func TestSnapshotIsFrozen(t *testing.T) {
	// wide spreads its leaves over several chunks, then sees them again,
	// last first: a repeat writes to a leaf whose chunk nothing else
	// wrote to since the last snapshot.
	wide := make([][]types.Datum, 4*chunkSize)
	for i := range wide {
		j := i
		if i >= 2*chunkSize {
			j = 4*chunkSize - 1 - i
		}
		wide[i] = []types.Datum{types.NewInt(int64(j % 7)), types.NewText(strconv.Itoa(j * 7919))}
	}
	for _, opts := range append(propertyOptions, Options{HalfLife: 20_000}, Options{MaxNodes: chunkSize}) {
		for name, obs := range map[string][][]types.Datum{"stream": stream(8, 4000), "wide": wide} {
			t.Run(name+"/"+optionsName(opts), func(t *testing.T) {
				c := NewContext(opts)
				var r Result
				var wg sync.WaitGroup
				type taken struct {
					snap *Snapshot
					want []byte
					got  []byte
				}
				var snaps []*taken
				for i, o := range obs {
					if i%(len(obs)/7) == 0 {
						s := &taken{snap: c.Snapshot(), want: marshal(t, c)}
						snaps = append(snaps, s)
						if len(snaps)%2 == 0 {
							wg.Go(func() { s.got = s.snap.Encode() })
						}
					}
					if err := c.Observe(o, &r); err != nil {
						t.Fatal(err)
					}
				}
				wg.Wait()
				for i, s := range snaps {
					if s.got == nil {
						s.got = s.snap.Encode()
					}
					if !bytes.Equal(s.got, s.want) {
						t.Errorf("snapshot %d: %d bytes, want the %d bytes of the context when it was taken", i, len(s.got), len(s.want))
					}
				}
				if !bytes.Equal(c.Snapshot().Encode(), marshal(t, c)) {
					t.Error("a snapshot of the final context differs from MarshalBinary")
				}
			})
		}
	}
}

// TestResetAfterSnapshot: a snapshot survives the context being reset.
func TestResetAfterSnapshot(t *testing.T) {
	c := NewContext(Options{})
	var r Result
	for _, o := range stream(9, 500) {
		_ = c.Observe(o, &r)
	}
	s, want := c.Snapshot(), marshal(t, c)
	c.Reset()
	for _, o := range stream(10, 500) {
		_ = c.Observe(o, &r)
	}
	if !bytes.Equal(s.Encode(), want) {
		t.Error("the snapshot changed with the context's reset")
	}
}

// TestLargeFamiliesMatchReference: families longer than insertionMax,
// whose values arrive out of order, with NULL among them, encode as the
// reference does.
func TestLargeFamiliesMatchReference(t *testing.T) {
	for _, width := range []int{insertionMax, insertionMax + 1, 500} {
		c := NewContext(Options{})
		var r Result
		for i := range 3 * width {
			v := types.NewText(strconv.Itoa((i * 7919) % width))
			if i%width == width/2 {
				v = types.Null
			}
			if err := c.Observe([]types.Datum{types.NewInt(int64(i % 3)), v}, &r); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := marshal(t, c), referenceEncoding(c); !bytes.Equal(got, want) {
			t.Fatalf("width %d:\n got %x\nwant %x", width, got, want)
		}
	}
}
