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
// A late row can bridge two open sessions, which must then be merged. As
// AggState cannot merge, a session keeps its rows' aggregate arguments
// (not states) and aggregates them once, when it closes: merging is then
// a merge of two argument lists by arrival order, every row is added to a
// state exactly once, and order-sensitive aggregates (first_value,
// string_agg) see the rows in arrival order. The cost is memory: an open
// session holds all its rows' arguments until it closes.
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

	closing []*session
	states  []functions.AggState
	seen    []map[string]struct{}
	key     []byte
}

// sessionGroup is one group key's open sessions: disjoint, ordered by first
// (and so by end too).
type sessionGroup struct {
	mapKey   string
	key      []types.Datum
	sessions []*session
}

// session is one open session and its rows: seqs in ascending arrival
// order and, per row, the aggregate arguments (eval.args' width each).
type session struct {
	group       *sessionGroup
	first, last int64
	seqs        []uint64
	args        []types.Datum
}

func newSessionWindows(gap int64, eval *rowEval, env *Env) *sessionWindows {
	s := &sessionWindows{gap: gap, eval: eval, env: env}
	s.seen = make([]map[string]struct{}, len(eval.aggs))
	for i, spec := range eval.aggs {
		if spec.distinct {
			s.seen[i] = make(map[string]struct{})
		}
	}
	return s
}

func (s *sessionWindows) reset() {
	s.byKey, s.groups, s.closing = make(map[string]*sessionGroup), nil, nil
	s.nextEnd, s.seq = math.MaxInt64, 0
}

// add adds the row with event time t to its group's session, starting,
// extending or merging sessions. The row is late when a session of just
// this row would already have been emitted (t+gap <= closedBelow). A row
// within gap of an emitted session cannot join it and starts a new one.
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
	switch hi - lo {
	case 0:
		target = &session{group: g, first: t, last: t}
		g.sessions = slices.Insert(g.sessions, lo, target)
		s.nextEnd = min(s.nextEnd, t+s.gap)
	case 1:
		target = ss[lo]
	default:
		target = s.merge(ss[lo:hi])
		g.sessions = slices.Delete(g.sessions, lo+1, hi)
		g.sessions[lo] = target
	}
	target.first, target.last = min(target.first, t), max(target.last, t)
	target.seqs = append(target.seqs, s.seq)
	target.args = append(target.args, s.eval.args...)
	s.seq++
	return false, nil
}

// merge combines sessions into one, keeping the rows in arrival order.
func (s *sessionWindows) merge(parts []*session) *session {
	width := len(s.eval.args)
	m := parts[0]
	for _, p := range parts[1:] {
		seqs := make([]uint64, 0, len(m.seqs)+len(p.seqs)+1)
		args := make([]types.Datum, 0, len(m.args)+len(p.args)+width)
		i, j := 0, 0
		for i < len(m.seqs) || j < len(p.seqs) {
			if j == len(p.seqs) || (i < len(m.seqs) && m.seqs[i] < p.seqs[j]) {
				seqs = append(seqs, m.seqs[i])
				args = append(args, m.args[i*width:(i+1)*width]...)
				i++
			} else {
				seqs = append(seqs, p.seqs[j])
				args = append(args, p.args[j*width:(j+1)*width]...)
				j++
			}
		}
		m = &session{group: m.group, first: min(m.first, p.first), last: max(m.last, p.last), seqs: seqs, args: args}
	}
	return m
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
			}
		}
		clear(g.sessions[len(open):])
		g.sessions = open
		if len(open) == 0 {
			delete(s.byKey, g.mapKey)
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
		return cmp.Compare(a.seqs[0], b.seqs[0])
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

// emit aggregates a closed session's rows and appends its output row. A
// row an aggregate rejects (an overflowing sum) is reported through the
// Env's RowErrors and left out of that aggregate, as in a TUMBLE window.
func (s *sessionWindows) emit(ss *session, out *windowOutput, timeType types.Type) error {
	e := s.eval
	width := len(e.args)
	s.states = e.newStates(s.states[:0])
	for r := range ss.seqs {
		rowArgs := ss.args[r*width : (r+1)*width]
		for i, spec := range e.aggs {
			args := rowArgs[e.argOff[i]:e.argOff[i+1]:e.argOff[i+1]]
			if spec.distinct {
				s.key = appendArgsKey(s.key[:0], args)
				if _, dup := s.seen[i][string(s.key)]; dup {
					continue
				}
				s.seen[i][string(s.key)] = struct{}{}
			}
			if err := s.states[i].Add(args); err != nil {
				if err = s.env.rowError(err); err != nil {
					return err
				}
			}
		}
	}
	for _, seen := range s.seen {
		clear(seen)
	}
	row := out.appendRow()
	row[0] = types.Datum{Typ: timeType, I: ss.first}
	row[1] = types.Datum{Typ: timeType, I: ss.last + s.gap}
	copy(row[2:], ss.group.key)
	for i, st := range s.states {
		row[2+len(ss.group.key)+i] = st.Result()
	}
	return nil
}
