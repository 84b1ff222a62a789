package exec

import (
	"unsafe"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/types"
)

// The window aggregate's size is kept as it changes: the group dictionary
// counts its keys' bytes, each pane or session what its DISTINCT lists
// and self-sizing states hold (extra), and fixedWindows.paneBytes and
// sessionWindows.bytes the totals, adjusted where panes, sessions and
// groups come and go. Publishing it is O(1); a row adds nothing to it
// unless it starts a group or window entry, or the plan has a DISTINCT or
// self-sizing aggregate (then O(aggregates), without allocating).
const (
	// paneBytes is a pane, its slice headers and its pointer in open.
	paneBytes = int64(unsafe.Sizeof(pane{})) + 8
	// paneEntryBytes is a group's id and first arrival in a pane.
	paneEntryBytes = 4 + 8
	// sessionBytes is a session, its slice headers and its pointer in
	// its group.
	sessionBytes = int64(unsafe.Sizeof(session{})) + 8
	// sessionGroupBytes is a session group, its pointer in groups and its
	// byKey entry.
	sessionGroupBytes = int64(unsafe.Sizeof(sessionGroup{})) + 8 + mapEntryBytes
	// distinctArgsBytes is a DISTINCT aggregate's distinctArgs, empty.
	distinctArgsBytes = int64(unsafe.Sizeof(distinctArgs{}))
)

// sizeStates sets entryBytes, sized and growing from the plan's aggregates.
func (e *rowEval) sizeStates() {
	e.sized = make([]bool, len(e.aggs))
	e.entryBytes = 0
	for i, spec := range e.aggs {
		e.entryBytes += interfaceBytes
		if e.hasDistinct {
			e.entryBytes += distinctArgsBytes
		}
		switch _, sized := spec.fn.New().(sizedAggState); {
		case spec.distinct:
			e.growing = true
		case sized:
			e.sized[i], e.growing = true, true
		default:
			e.entryBytes += aggStateBytes
		}
	}
}

// extraBytes is what one (window, group)'s DISTINCT lists and
// self-sizing states hold: 0 unless growing. states and distinct are as
// addRow takes them.
func (e *rowEval) extraBytes(states []functions.AggState, distinct []distinctArgs) int64 {
	if !e.growing {
		return 0
	}
	var n int64
	for i := range e.aggs {
		switch {
		case e.aggs[i].distinct:
			n += distinct[i].bytes
		case e.sized[i]:
			n += states[i].(sizedAggState).StateBytes()
		}
	}
	return n
}

// distinctListBytes is one distinct argument list kept with its key.
func distinctListBytes(key []byte, args []types.Datum) int64 {
	return int64(len(key)) + mapEntryBytes + int64(len(args))*datumBytes + textBytes(args)
}

// publishSize publishes the window aggregate's current size.
func (w *windowAggregate) publishSize() {
	n := w.out.size()
	if w.fixed != nil {
		n += w.fixed.stateSize()
	} else {
		n += w.sessions.bytes
	}
	w.publish(n)
}

// size is the emitted rows not yet handed out.
func (o *windowOutput) size() int64 { return int64(len(o.rows)-o.next*o.width) * datumBytes }

func (f *fixedWindows) stateSize() int64 { return f.groups.size() + f.paneBytes }

// size is the dictionary's groups: keys, values and bookkeeping, live or
// released for reuse.
func (d *groupDict) size() int64 {
	return d.bytes + int64(len(d.ids))*mapEntryBytes + int64(len(d.keys))*(stringHeaderBytes+8) +
		int64(len(d.vals))*datumBytes + int64(len(d.free))*4
}

// size is the pane with its groups' states.
func (p *pane) size(e *rowEval) int64 {
	return paneBytes + int64(len(p.slot))*4 + int64(len(p.ids))*(paneEntryBytes+e.entryBytes) + p.extra
}

// recount sets the panes' extra and paneBytes after a restore built the
// panes directly.
func (f *fixedWindows) recount() {
	n := len(f.eval.aggs)
	f.paneBytes = 0
	for _, p := range f.open {
		p.extra = 0
		for pos := range p.ids {
			var distinct []distinctArgs
			if f.eval.hasDistinct {
				distinct = p.distinct[pos*n : (pos+1)*n]
			}
			p.extra += f.eval.extraBytes(p.states[pos*n:(pos+1)*n], distinct)
		}
		f.paneBytes += p.size(f.eval)
	}
}

// sessionBytes is an open session before its extra.
func (s *sessionWindows) sessionBytes() int64 { return sessionBytes + s.eval.entryBytes }

// groupBytes is a group with open sessions, without them.
func (s *sessionWindows) groupBytes(g *sessionGroup) int64 {
	return sessionGroupBytes + int64(len(g.mapKey)) + int64(len(g.key))*datumBytes + textBytes(g.key)
}

// recount sets the sessions' extra and bytes after a restore built the
// sessions directly.
func (s *sessionWindows) recount() {
	s.bytes = 0
	for _, g := range s.groups {
		s.bytes += s.groupBytes(g)
		for _, ss := range g.sessions {
			ss.extra = s.eval.extraBytes(ss.states, ss.distinct)
			s.bytes += s.sessionBytes() + ss.extra
		}
	}
}
