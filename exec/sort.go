package exec

import (
	"context"
	"io"
	"slices"

	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// sorter orders a bounded input: it materialises everything on the first
// Next and then emits rows in key order (stable for equal keys).
type sorter struct {
	input Operator
	keys  []planner.SortKey
	width int
	rows  []types.Datum
	order []int
	next  int
	done  bool
}

var _ Operator = (*sorter)(nil)

func (s *sorter) Open(ctx context.Context) error {
	s.rows, s.order, s.next, s.done = nil, nil, 0, false
	return s.input.Open(ctx)
}

func (s *sorter) Next(ctx context.Context, b *types.Batch) error {
	if !s.done {
		rows, err := materialize(ctx, s.input, s.width)
		if err != nil {
			return err
		}
		s.rows, s.done = rows, true
		n := 0
		if s.width > 0 {
			n = len(rows) / s.width
		}
		s.order = make([]int, n)
		for i := range s.order {
			s.order[i] = i
		}
		slices.SortStableFunc(s.order, s.compare)
	}
	b.Reset(s.width)
	for s.next < len(s.order) && !b.Full() {
		i := s.order[s.next]
		b.Append(s.rows[i*s.width : (i+1)*s.width])
		s.next++
	}
	if b.Len == 0 {
		return io.EOF
	}
	return nil
}

func (s *sorter) compare(x, y int) int {
	for _, k := range s.keys {
		if c := compareSortKey(s.rows[x*s.width+k.Index], s.rows[y*s.width+k.Index], k.Desc, k.NullsFirst); c != 0 {
			return c
		}
	}
	return 0
}

// compareSortKey orders two values of one ORDER BY key. NULL placement is
// absolute: DESC does not reverse it.
func compareSortKey(a, b types.Datum, desc, nullsFirst bool) int {
	if an, bn := a.IsNull(), b.IsNull(); an != bn {
		if an == nullsFirst {
			return -1
		}
		return 1
	}
	c, _ := types.Compare(a, b)
	if desc {
		return -c
	}
	return c
}

func (s *sorter) Close(ctx context.Context) error {
	s.rows, s.order = nil, nil
	return s.input.Close(ctx)
}
