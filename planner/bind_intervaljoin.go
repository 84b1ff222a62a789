package planner

import (
	"math"

	"github.com/novelty-db/novelty/types"
)

// intervalJoin plans an inner or LEFT join (kind) of two live inputs:
// equality keys plus bounds on the difference of their event times, from
// the ON conjuncts. Other conjuncts become the residual.
func (b *binder) intervalJoin(left, right Node, kind JoinKind, on Expr) (Node, error) {
	lw := len(left.Schema())
	lt, rt := EventTimeColumn(left), EventTimeColumn(right)
	if lt < 0 || rt < 0 {
		return nil, types.Errorf(types.CodeFeatureNotSupported,
			"a join of two streams needs event time (a watermark) on both sides")
	}
	if on == nil {
		return nil, types.Errorf(types.CodeFeatureNotSupported,
			"a join of two streams needs ON with bounds on their event times")
	}
	node := &IntervalJoin{Kind: kind, Left: left, Right: right, LeftTime: lt, RightTime: rt, Lower: math.MinInt64, Upper: math.MaxInt64}
	var rest []Expr
	for _, c := range conjuncts(on) {
		if b.timeBound(node, c, lw) {
			continue
		}
		if windowBound(node, c, lw) {
			// The bounds only narrow the search; equality of the windows
			// is checked exactly on each candidate pair.
			rest = append(rest, c)
			continue
		}
		if call, ok := c.(*Call); ok && call.Fn.Name == "=" {
			l, r := call.Args[0], call.Args[1]
			ls, rs := sideOf(l, lw), sideOf(r, lw)
			if ls == sideRight && rs == sideLeft {
				l, r, ls, rs = r, l, rs, ls
			}
			if ls == sideLeft && rs == sideRight {
				node.LeftKeys = append(node.LeftKeys, l)
				node.RightKeys = append(node.RightKeys, remapColumns(r, func(i int) int { return i - lw }))
				continue
			}
		}
		rest = append(rest, c)
	}
	if node.Lower == math.MinInt64 || node.Upper == math.MaxInt64 {
		return nil, types.Errorf(types.CodeFeatureNotSupported,
			"a join of two streams needs both a lower and an upper bound on the difference of their event times").
			WithHint("For example: ON b.id = a.id AND b.ts BETWEEN a.ts AND a.ts + INTERVAL '1' HOUR.")
	}
	if node.Lower > node.Upper {
		return nil, types.Errorf(types.CodeInvalidParameterValue, "the join's time bounds exclude every row")
	}
	switch len(rest) {
	case 0:
	case 1:
		node.Residual = rest[0]
	default:
		node.Residual = &And{Args: rest}
	}
	return node, nil
}

// timeBound records c in node if it compares the two sides' event times
// (each optionally plus or minus a constant interval), as a bound on
// right time - left time; an equality bounds it from both sides.
func (b *binder) timeBound(node *IntervalJoin, c Expr, lw int) bool {
	call, ok := c.(*Call)
	if !ok || len(call.Args) != 2 {
		return false
	}
	op := call.Fn.Name
	switch op {
	case "=", ">=", ">", "<=", "<":
	default:
		return false
	}
	ac, ao, aok := timeTerm(call.Args[0])
	bc, bo, bok := timeTerm(call.Args[1])
	if !aok || !bok {
		return false
	}
	lt, rt := node.LeftTime, lw+node.RightTime
	var bound int64
	switch {
	case ac == rt && bc == lt:
		// r + ao op l + bo  =>  r - l op bo - ao
		bound = bo - ao
	case ac == lt && bc == rt:
		// l + ao op r + bo  =>  r - l flipped-op ao - bo
		bound = ao - bo
		op = map[string]string{"=": "=", ">=": "<=", ">": "<", "<=": ">=", "<": ">"}[op]
	default:
		return false
	}
	switch op {
	case "=":
		node.Lower = max(node.Lower, bound)
		node.Upper = min(node.Upper, bound)
	case ">=":
		node.Lower = max(node.Lower, bound)
	case ">":
		node.Lower = max(node.Lower, bound+1)
	case "<=":
		node.Upper = min(node.Upper, bound)
	case "<":
		node.Upper = min(node.Upper, bound-1)
	}
	return true
}

// timeTerm matches col, col + interval or col - interval.
func timeTerm(e Expr) (col int, offset int64, ok bool) {
	switch e := e.(type) {
	case *ColRef:
		return e.Index, 0, e.Typ.Family() == types.FamilyTimestamp
	case *Call:
		if len(e.Args) != 2 || e.Fn.Name != "+" && e.Fn.Name != "-" {
			return 0, 0, false
		}
		c, isCol := e.Args[0].(*ColRef)
		k, isConst := e.Args[1].(*Const)
		if !isCol || !isConst || k.Typ != types.Interval || k.Value.IsNull() || c.Typ.Family() != types.FamilyTimestamp {
			return 0, 0, false
		}
		d := k.Value.IntervalMicros()
		if e.Fn.Name == "-" {
			d = -d
		}
		return c.Index, d, true
	}
	return 0, 0, false
}

// windowBound recognises a window join, TUMBLE(l.ts, s) = TUMBLE(r.ts, s)
// on the two sides' event times: matching rows are less than s apart.
func windowBound(node *IntervalJoin, c Expr, lw int) bool {
	call, ok := c.(*Call)
	if !ok || call.Fn.Name != "=" || len(call.Args) != 2 {
		return false
	}
	ac, as, aok := tumbleTerm(call.Args[0])
	bc, bs, bok := tumbleTerm(call.Args[1])
	if !aok || !bok || as != bs {
		return false
	}
	lt, rt := node.LeftTime, lw+node.RightTime
	if !(ac == lt && bc == rt || ac == rt && bc == lt) {
		return false
	}
	node.Lower = max(node.Lower, -(as - 1))
	node.Upper = min(node.Upper, as-1)
	return true
}

// tumbleTerm matches tumble(col, constant size).
func tumbleTerm(e Expr) (col int, size int64, ok bool) {
	call, isCall := e.(*Call)
	if !isCall || call.Fn.Name != "tumble" || len(call.Args) != 2 {
		return 0, 0, false
	}
	c, isCol := call.Args[0].(*ColRef)
	k, isConst := call.Args[1].(*Const)
	if !isCol || !isConst || k.Value.IsNull() || k.Value.IntervalMicros() <= 0 {
		return 0, 0, false
	}
	return c.Index, k.Value.IntervalMicros(), true
}
