package exec

import (
	"cmp"
	"math"
	"slices"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/types"
)

// sessionWindows holds the open SESSION windows per group. Two rows of a
// group are in one session when their event times are less than gap apart
// (transitively); a session [first, last+gap) closes when the watermark
// passes last+gap (plus the allowed lateness).
//
// Each session keeps one state per aggregate. A late row can bridge two or
// more open sessions: they are merged (AggState.Merge) in event-time
// order, then the row is added. So order-sensitive aggregates
// (first_value, last_value, string_agg) see a session's rows in
// session-merge order: arrival order within each merged part, the parts
// in event-time order. A DISTINCT aggregate keeps its distinct argument
// lists, merged the same way, until the session closes.
type sessionWindows struct {
	gap   int64
	eval  *rowEval
	env   *Env
	byKey map[string]*sessionGroup
	// groups lists the groups with open sessions, so closing scans them
	// without map iteration.
	groups []*sessionGroup
	// nextEnd is at most the earliest end of an open session: a watermark
	// below it closes nothing.
	nextEnd int64
	// seq numbers the rows in arrival order.
	seq uint64
	// bytes is the size of the open sessions and their groups
	// (statesize_window.go).
	bytes int64

	// Scratch, reused.
	closing []*session
	parts   [1]*distinctArgs
	seen    map[string]struct{}
	key     []byte
}

// sessionGroup is one group key's open sessions: disjoint, ordered by first
// (and so by end too).
type sessionGroup struct {
	mapKey   string
	key      []types.Datum
	sessions []*session
}

// session is one open session: a state per aggregate (nil for DISTINCT
// ones) and, when some aggregate is DISTINCT, distinctArgs per aggregate.
type session struct {
	group       *sessionGroup
	first, last int64
	// firstSeq is the arrival number of the session's first row.
	firstSeq uint64
	states   []functions.AggState
	distinct []distinctArgs
	// extra is what its DISTINCT lists and self-sizing states hold
	// (rowEval.extraBytes).
	extra int64
}

func newSessionWindows(gap int64, eval *rowEval, env *Env) *sessionWindows {
	return &sessionWindows{gap: gap, eval: eval, env: env, seen: make(map[string]struct{})}
}

func (s *sessionWindows) reset() {
	s.byKey, s.groups, s.closing = make(map[string]*sessionGroup), nil, nil
	s.nextEnd, s.seq, s.bytes = math.MaxInt64, 0, 0
}

// add adds the row with event time t to its group's session, starting,
// extending or merging sessions. The row is late when a session of just
// this row would already have been emitted (t+gap <= closedBelow). A row
// within gap of an emitted session cannot join it and starts a new one.
// An error is from an aggregate that rejected the row or a merge; the
// other aggregates are unaffected.
func (s *sessionWindows) add(row []types.Datum, t, closedBelow int64) (late bool, err error) {
	if t+s.gap <= closedBelow {
		return true, nil
	}
	if err := s.eval.eval(row); err != nil {
		return false, err
	}
	g, ok := s.byKey[string(s.eval.key)]
	if !ok {
		g = &sessionGroup{mapKey: string(s.eval.key), key: types.CopyRow(s.eval.keyVals)}
		s.byKey[g.mapKey] = g
		s.groups = append(s.groups, g)
		s.bytes += s.groupBytes(g)
	}
	// The sessions within gap of t: [lo, hi) of those with end > t and
	// first < t+gap.
	ss := g.sessions
	lo, hi := 0, len(ss)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if ss[mid].last+s.gap > t {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	hi = lo
	for hi < len(ss) && ss[hi].first < t+s.gap {
		hi++
	}
	var target *session
	if hi == lo {
		target = &session{group: g, first: t, last: t, firstSeq: s.seq, states: s.eval.newStates(nil)}
		if s.eval.hasDistinct {
			target.distinct = make([]distinctArgs, len(s.eval.aggs))
		}
		g.sessions = slices.Insert(g.sessions, lo, target)
		s.nextEnd = min(s.nextEnd, t+s.gap)
		s.bytes += s.sessionBytes()
	} else {
		target = ss[lo]
		for _, p := range ss[lo+1 : hi] {
			if mergeErr := s.merge(target, p); err == nil {
				err = mergeErr
			}
			s.bytes -= s.sessionBytes() + p.extra
		}
		g.sessions = slices.Delete(g.sessions, lo+1, hi)
	}
	target.first, target.last = min(target.first, t), max(target.last, t)
	if addErr := s.eval.addRow(target.states, target.distinct); err == nil {
		err = addErr
	}
	extra := s.eval.extraBytes(target.states, target.distinct)
	s.bytes += extra - target.extra
	target.extra = extra
	s.seq++
	return false, err
}

// merge folds session p, which comes after m in event time, into m. An
// aggregate whose merge fails (a sum leaving its type's range) keeps m's
// state; the first such error is returned.
func (s *sessionWindows) merge(m, p *session) error {
	m.first, m.last = min(m.first, p.first), max(m.last, p.last)
	m.firstSeq = min(m.firstSeq, p.firstSeq)
	var first error
	for i, spec := range s.eval.aggs {
		if spec.distinct {
			s.key = m.distinct[i].merge(&p.distinct[i], s.key)
			continue
		}
		if err := m.states[i].Merge(p.states[i]); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// closeUntil emits every session ending at or before bound, ordered by
// end, start, then arrival of the session's first row, and frees them.
func (s *sessionWindows) closeUntil(bound int64, out *windowOutput, timeType types.Type) error {
	if bound < s.nextEnd {
		return nil
	}
	s.nextEnd = math.MaxInt64
	kept := s.groups[:0]
	for _, g := range s.groups {
		open := g.sessions[:0]
		for _, ss := range g.sessions {
			if end := ss.last + s.gap; end > bound {
				open = append(open, ss)
				s.nextEnd = min(s.nextEnd, end)
			} else {
				s.closing = append(s.closing, ss)
				s.bytes -= s.sessionBytes() + ss.extra
			}
		}
		clear(g.sessions[len(open):])
		g.sessions = open
		if len(open) == 0 {
			delete(s.byKey, g.mapKey)
			s.bytes -= s.groupBytes(g)
			continue
		}
		kept = append(kept, g)
	}
	clear(s.groups[len(kept):])
	s.groups = kept
	slices.SortFunc(s.closing, func(a, b *session) int {
		if c := cmp.Compare(a.last, b.last); c != 0 {
			return c
		}
		if c := cmp.Compare(a.first, b.first); c != 0 {
			return c
		}
		return cmp.Compare(a.firstSeq, b.firstSeq)
	})
	var err error
	for _, ss := range s.closing {
		if err = s.emit(ss, out, timeType); err != nil {
			break
		}
	}
	clear(s.closing)
	s.closing = s.closing[:0]
	return err
}

// emit appends a closed session's output row. A DISTINCT aggregate's
// state is built here; an argument list it rejects (an overflowing sum)
// is reported through the Env's RowErrors and left out.
func (s *sessionWindows) emit(ss *session, out *windowOutput, timeType types.Type) error {
	row := out.appendRow()
	row[0] = types.Datum{Typ: timeType, I: ss.first}
	row[1] = types.Datum{Typ: timeType, I: ss.last + s.gap}
	copy(row[2:], ss.group.key)
	results := row[2+len(ss.group.key):]
	for i, spec := range s.eval.aggs {
		if !spec.distinct {
			results[i] = ss.states[i].Result()
			continue
		}
		s.parts[0] = &ss.distinct[i]
		d, key, err := distinctResult(spec.fn, s.parts[:], s.seen, s.key, s.env)
		s.key, s.parts[0] = key, nil
		if err != nil {
			return err
		}
		results[i] = d
	}
	return nil
}
