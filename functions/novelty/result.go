package novelty

import (
	"math"
)

// Result is the score of one observation. Its slices are reused by the
// next Observe or Read given the same Result; the strings are immutable and
// may be kept.
type Result struct {
	// Observation holds the components' text; "" for NULL (see Nulls).
	Observation []string
	// Nulls[i] reports that component i was NULL.
	Nulls []bool
	// Score is the novelty of the most novel component: the share of the
	// history at its prefix that was more common than it, in [0, 1].
	Score float64
	// TotalObsScore is the share of observations whose complete value was
	// more common than this one's.
	TotalObsScore float64
	// Probability is the observation's count over all observations.
	Probability float64
	// Uniqueness is 1 for an observation never seen before, falling to 0
	// for one that is every observation.
	Uniqueness float64
	// InfoContent is the observation's surprisal in bits.
	InfoContent float64
	// Sequence is the observation's number in its context, from 1.
	Sequence int64
	// MostNovel is the component that decided Score.
	MostNovel MostNovelComponent
	// Warm is false when novelty_min_support zeroed some component.
	Warm bool
}

// MostNovelComponent names the component with the largest novelty share
// (ties: larger surprisal, then lower index) and its surprisal in bits.
type MostNovelComponent struct {
	Index   int
	Value   string
	Novelty float64
}

// fill computes r from the parts (counts already including the
// observation), the context's total, the complete observation's count and
// the mass of complete observations more common than it.
func (c *Context) fill(r *Result, seq, total, complete, moreCommon int64) {
	parts := c.scratch.parts
	r.Observation = r.Observation[:0]
	r.Nulls = r.Nulls[:0]
	r.Warm = true
	best, bestScore, bestBits := 0, -1.0, -1.0
	logTotal := log2(total)
	logs := log2Memo{n: total, log: logTotal}
	for i := range parts {
		p := &parts[i]
		r.Observation = append(r.Observation, c.componentText(p))
		r.Nulls = append(r.Nulls, p.null)
		var s, bits float64
		if p.n < c.opts.MinSupport {
			r.Warm = false
		} else {
			s = float64(p.greater) / float64(p.n)
			bits = logs.of(p.n) - logs.of(p.c)
		}
		if s > bestScore || (s == bestScore && bits > bestBits) {
			best, bestScore, bestBits = i, s, bits
		}
	}
	r.Score = bestScore
	r.MostNovel = MostNovelComponent{Index: best, Value: r.Observation[best], Novelty: bestBits}
	r.Sequence = seq
	r.TotalObsScore = float64(moreCommon) / float64(total)
	r.Probability = float64(complete) / float64(total)
	r.InfoContent = logTotal - logs.of(complete)
	r.Uniqueness = 1
	if total > 1 {
		r.Uniqueness = float64(total-complete) / float64(total-1)
	}
}

// componentText returns a component's text, without copying when the value
// is interned.
func (c *Context) componentText(p *part) string {
	switch {
	case p.null:
		return ""
	case p.known:
		return c.values.str(p.value)
	}
	return string(p.text)
}

// log2Small holds math.Log2 of the counts below its length, the same bits
// math.Log2 returns, to spare the hot path most logarithms.
var log2Small = func() (t [1 << 12]float64) {
	for i := range t {
		t[i] = math.Log2(float64(i))
	}
	return t
}()

// log2Memo is log2 remembering its latest count. Along an observation each
// component's prefix count is the previous component's count, and the
// complete observation's count is the last component's, so half the
// logarithms of a result repeat the one before. Reusing them gives the
// same bits: math.Log2 is a function of its argument.
type log2Memo struct {
	n   int64
	log float64
}

func (m *log2Memo) of(n int64) float64 {
	if n != m.n {
		m.n, m.log = n, log2(n)
	}
	return m.log
}

// log2 is math.Log2(float64(n)) for a count n >= 1.
func log2(n int64) float64 {
	if n < int64(len(log2Small)) {
		return log2Small[n]
	}
	return math.Log2(float64(n))
}
