package planner

import (
	"fmt"
	"strings"
)

// Explain renders a plan as an indented operator tree, the way EXPLAIN
// prints it: one line per node, in Walk's (pre-)order, so lines[i]
// describes the i-th node Walk visits.
func Explain(n Node) []string {
	var lines []string
	explain(n, "", "", &lines)
	return lines
}

func explain(n Node, first, rest string, lines *[]string) {
	*lines = append(*lines, first+describe(n))
	inputs := n.Inputs()
	for i, in := range inputs {
		if i == len(inputs)-1 {
			explain(in, rest+"└─ ", rest+"   ", lines)
		} else {
			explain(in, rest+"├─ ", rest+"│  ", lines)
		}
	}
}

// OperatorName is the kind of operator n runs, as its EXPLAIN line starts:
// "Scan", "Filter", "WindowAggregate", "Window" (window functions), ...
func OperatorName(n Node) string {
	name, _, _ := strings.Cut(describe(n), " ")
	return name
}

// describe is one operator's line.
func describe(n Node) string {
	switch n := n.(type) {
	case *Scan:
		name := n.Rel.Name
		if n.Alias != "" && n.Alias != name {
			name += " AS " + n.Alias
		}
		return fmt.Sprintf("Scan %s %s (%s)", n.Rel.Kind, name, n.Mode)
	case *Values:
		return fmt.Sprintf("Values (%d rows)", len(n.Rows))
	case *Filter:
		return "Filter " + n.Pred.String()
	case *Project:
		parts := make([]string, len(n.Exprs))
		for i, e := range n.Exprs {
			parts[i] = e.String()
			if n.Cols[i].Name != e.String() {
				parts[i] += " AS " + n.Cols[i].Name
			}
		}
		return "Project " + strings.Join(parts, ", ")
	case *Limit:
		s := "Limit"
		if n.Count >= 0 {
			s += fmt.Sprintf(" %d", n.Count)
		}
		if n.Offset > 0 {
			s += fmt.Sprintf(" offset %d", n.Offset)
		}
		return s
	case *UnionAll:
		return "UnionAll"
	case *HashJoin:
		keys := make([]string, len(n.LeftKeys))
		for i := range n.LeftKeys {
			keys[i] = n.LeftKeys[i].String() + " = " + n.RightKeys[i].String()
		}
		s := fmt.Sprintf("HashJoin %s on %s", n.Kind, strings.Join(keys, " AND "))
		if n.Residual != nil {
			s += " filter " + n.Residual.String()
		}
		return s
	case *NestedLoopJoin:
		s := "NestedLoopJoin " + n.Kind.String()
		if n.On != nil {
			s += " on " + n.On.String()
		}
		return s
	case *Aggregate:
		var parts []string
		for _, g := range n.Groups {
			parts = append(parts, g.String())
		}
		s := "Aggregate"
		if len(parts) > 0 {
			s += " group by " + strings.Join(parts, ", ")
		}
		if len(n.Aggs) > 0 {
			s += " compute " + aggList(n.Aggs)
		}
		return s
	case *WindowAggregate:
		return describeWindow(n)
	case *WindowFunctions:
		return describeWindowFunctions(n)
	case *IntervalJoin:
		keys := make([]string, len(n.LeftKeys))
		for i := range n.LeftKeys {
			keys[i] = n.LeftKeys[i].String() + " = " + n.RightKeys[i].String()
		}
		name := "IntervalJoin"
		if n.Kind == LeftJoin {
			name += " left"
		}
		s := fmt.Sprintf("%s on %s, right time - left time in [%s, %s]",
			name, strings.Join(keys, " AND "), micros(n.Lower), micros(n.Upper))
		if n.Residual != nil {
			s += " filter " + n.Residual.String()
		}
		return s
	case *Novelty:
		parts := make([]string, len(n.Calls))
		for i, c := range n.Calls {
			verb := "observe"
			if !c.Learn {
				verb = "read"
			}
			parts[i] = verb + "(" + joinExprs(c.Args, ", ") + ")"
		}
		return "Novelty context " + n.Context + ": " + strings.Join(parts, ", ")
	case *Sort:
		cols := n.Schema()
		parts := make([]string, len(n.Keys))
		for i, k := range n.Keys {
			parts[i] = cols[k.Index].Name
			if k.Desc {
				parts[i] += " DESC"
			}
		}
		return "Sort " + strings.Join(parts, ", ")
	case *TableFunction:
		return fmt.Sprintf("TableFunction %s(%s)", n.Func.Name, joinExprs(n.Args, ", "))
	}
	return fmt.Sprintf("%T", n)
}

// aggList renders aggregate calls: count(*), sum(DISTINCT x).
func aggList(aggs []AggCall) string {
	parts := make([]string, len(aggs))
	for i, a := range aggs {
		arg := "*"
		if len(a.Args) > 0 {
			arg = joinExprs(a.Args, ", ")
		}
		if a.Distinct {
			arg = "DISTINCT " + arg
		}
		parts[i] = a.Name + "(" + arg + ")"
	}
	return strings.Join(parts, ", ")
}
