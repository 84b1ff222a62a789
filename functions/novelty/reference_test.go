package novelty

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/novelty-db/novelty/types"
)

// refModel is NOVELTY.md computed the slow, obvious way: prefix counts in a
// map and tails by scanning every child. It has no node budget.
type refModel struct {
	opts     Options
	seq      int64
	arity    int
	counts   map[string]int64           // prefix key -> count; "" is the root
	children map[string]map[string]bool // prefix key -> child keys
}

func newRefModel(opts Options) *refModel {
	return &refModel{opts: opts, counts: map[string]int64{}, children: map[string]map[string]bool{}}
}

// refKeys returns the keys of every prefix of ds, and their texts.
func refKeys(ds []types.Datum) (keys, values []string, nulls []bool) {
	var b strings.Builder
	for _, d := range ds {
		if d.IsNull() {
			b.WriteString("N;")
			values, nulls = append(values, ""), append(nulls, true)
		} else {
			s := string(types.AppendText(nil, d, nil))
			b.WriteString("V" + strconv.Itoa(len(s)) + ":" + s + ";")
			values, nulls = append(values, s), append(nulls, false)
		}
		keys = append(keys, b.String())
	}
	return keys, values, nulls
}

func (m *refModel) greater(parent string, c int64) int64 {
	var sum int64
	for k := range m.children[parent] {
		if m.counts[k] > c {
			sum += m.counts[k]
		}
	}
	return sum
}

// score computes the result with the counts already including ds.
func (m *refModel) score(ds []types.Datum) Result {
	keys, values, nulls := refKeys(ds)
	r := Result{Observation: values, Nulls: nulls, Sequence: m.seq, Warm: true}
	bestScore, bestBits := -1.0, -1.0
	parent := ""
	for i, k := range keys {
		n, c := m.counts[parent], m.counts[k]
		var s, bits float64
		if n < m.opts.MinSupport {
			r.Warm = false
		} else {
			s = float64(m.greater(parent, c)) / float64(n)
			bits = math.Log2(float64(n)) - math.Log2(float64(c))
		}
		if s > bestScore || (s == bestScore && bits > bestBits) {
			r.MostNovel, bestScore, bestBits = MostNovelComponent{Index: i, Value: values[i], Novelty: bits}, s, bits
		}
		parent = k
	}
	r.Score = bestScore
	total, complete := m.counts[""], m.counts[keys[len(keys)-1]]
	var more int64
	for k, v := range m.counts {
		if strings.Count(k, ";") == m.arity && v > complete {
			more += v
		}
	}
	r.TotalObsScore = float64(more) / float64(total)
	r.Probability = float64(complete) / float64(total)
	r.InfoContent = math.Log2(float64(total)) - math.Log2(float64(complete))
	r.Uniqueness = 1
	if total > 1 {
		r.Uniqueness = float64(total-complete) / float64(total-1)
	}
	return r
}

func (m *refModel) learn(ds []types.Datum) {
	keys, _, _ := refKeys(ds)
	m.arity = len(ds)
	m.seq++
	m.counts[""]++
	parent := ""
	for _, k := range keys {
		m.counts[k]++
		if m.children[parent] == nil {
			m.children[parent] = map[string]bool{}
		}
		m.children[parent][k] = true
		parent = k
	}
}

func (m *refModel) observe(ds []types.Datum) Result {
	m.learn(ds)
	r := m.score(ds)
	if h := m.opts.HalfLife; h > 0 && m.seq%h == 0 {
		for k := range m.counts {
			m.counts[k] /= 2
		}
		for parent, kids := range m.children {
			for k := range kids {
				if m.counts[k] == 0 {
					delete(kids, k)
					delete(m.counts, k)
				}
			}
			if len(kids) == 0 {
				delete(m.children, parent)
			}
		}
	}
	return r
}

// read scores ds as observe would, on a copy of the counts.
func (m *refModel) read(ds []types.Datum) Result {
	cp := &refModel{opts: m.opts, seq: m.seq, arity: m.arity, counts: map[string]int64{}, children: map[string]map[string]bool{}}
	for k, v := range m.counts {
		cp.counts[k] = v
	}
	for p, kids := range m.children {
		cp.children[p] = map[string]bool{}
		for k := range kids {
			cp.children[p][k] = true
		}
	}
	cp.learn(ds)
	return cp.score(ds)
}

// stream returns n observations of 3 skewed components of mixed types,
// with some NULLs, from a fixed seed.
func stream(seed uint64, n int) [][]types.Datum {
	rng := rand.New(rand.NewPCG(seed, 7))
	skewed := func(k int) int { // roughly Zipf: small values are common
		return int(math.Floor(math.Pow(float64(k), rng.Float64()))) - 1
	}
	out := make([][]types.Datum, n)
	for i := range out {
		obs := []types.Datum{
			types.NewText([]string{"GET", "PUT", "POST", "DELETE", "HEAD"}[skewed(6)]),
			types.NewInt(int64(200 + skewed(40))),
			types.NewText("/p/" + strconv.Itoa(skewed(300))),
		}
		if rng.IntN(40) == 0 {
			obs[rng.IntN(3)] = types.Null
		}
		out[i] = obs
	}
	return out
}

func TestMatchesReference(t *testing.T) {
	for _, opts := range []Options{{}, {HalfLife: 37}, {MinSupport: 5}, {HalfLife: 200, MinSupport: 3}} {
		t.Run(optionsName(opts), func(t *testing.T) {
			c, m := NewContext(opts), newRefModel(opts)
			var got Result
			for i, obs := range stream(1, 3000) {
				if err := c.Read(obs, &got); err != nil {
					t.Fatal(err)
				}
				if g, w := string(got.AppendJSON(nil)), string(refJSON(m.read(obs))); g != w {
					t.Fatalf("Read %d %v:\n got %s\nwant %s", i, obs, g, w)
				}
				if err := c.Observe(obs, &got); err != nil {
					t.Fatal(err)
				}
				if g, w := string(got.AppendJSON(nil)), string(refJSON(m.observe(obs))); g != w {
					t.Fatalf("Observe %d %v:\n got %s\nwant %s", i, obs, g, w)
				}
			}
			if s := c.Stats(); s.Nodes != len(m.counts)-1 {
				t.Errorf("nodes %d, reference %d", s.Nodes, len(m.counts)-1)
			}
		})
	}
}

func refJSON(r Result) []byte { return r.AppendJSON(nil) }

func optionsName(o Options) string {
	return "max=" + strconv.Itoa(o.MaxNodes) + ",half=" + strconv.FormatInt(o.HalfLife, 10) +
		",support=" + strconv.FormatInt(o.MinSupport, 10)
}
