package planner

import (
	"strings"
	"testing"
)

// TestIntervalJoinTimeBounds checks which ON conjuncts become the bounds on
// right time - left time of a join of two live inputs.
func TestIntervalJoinTimeBounds(t *testing.T) {
	tests := []struct {
		on     string
		bounds string // the IntervalJoin line of EXPLAIN, or the error
	}{
		{"a.k = b.k AND b.ts BETWEEN a.ts AND a.ts + INTERVAL '1' HOUR",
			"IntervalJoin on k = k, right time - left time in [00:00:00, 01:00:00]"},
		// An equality of event times fixes the difference exactly.
		{"a.k = b.k AND b.ts = a.ts + INTERVAL '2' SECOND",
			"IntervalJoin on k = k, right time - left time in [00:00:02, 00:00:02]"},
		{"a.k = b.k AND a.ts = b.ts",
			"IntervalJoin on k = k, right time - left time in [00:00:00, 00:00:00]"},
		{"a.k = b.k AND a.ts - INTERVAL '3' SECOND = b.ts",
			"IntervalJoin on k = k, right time - left time in [-00:00:03, -00:00:03]"},
		{"a.k = b.k AND b.ts >= a.ts AND b.ts = a.ts - INTERVAL '1' SECOND",
			"the join's time bounds exclude every row"},
		{"a.k = b.k AND b.ts >= a.ts",
			"a join of two streams needs both a lower and an upper bound on the difference of their event times"},
	}
	for _, tt := range tests {
		plan, err := planWindowQuery(t, "CREATE STREAM x AS SELECT a.k FROM s a JOIN s b ON "+tt.on)
		if err != nil {
			if !strings.Contains(err.Error(), tt.bounds) {
				t.Errorf("%s: error %v, want %q", tt.on, err, tt.bounds)
			}
			continue
		}
		var line string
		for _, l := range Explain(plan.Root) {
			if i := strings.Index(l, "IntervalJoin"); i >= 0 {
				line = l[i:]
			}
		}
		if line != tt.bounds {
			t.Errorf("%s:\ngot  %q\nwant %q", tt.on, line, tt.bounds)
		}
	}
}

// TestLeftIntervalJoin: a LEFT join of two streams is an interval join
// whose right columns are nullable; RIGHT is refused with a hint.
func TestLeftIntervalJoin(t *testing.T) {
	plan, err := planWindowQuery(t, "CREATE STREAM x AS SELECT a.k, b.k AS bk FROM s a LEFT JOIN s b ON a.k = b.k AND b.ts BETWEEN a.ts AND a.ts + INTERVAL '1' HOUR")
	if err != nil {
		t.Fatal(err)
	}
	var join *IntervalJoin
	Walk(plan.Root, func(n Node) {
		if j, ok := n.(*IntervalJoin); ok {
			join = j
		}
	})
	if join == nil || join.Kind != LeftJoin {
		t.Fatalf("plan has no LEFT interval join: %v", Explain(plan.Root))
	}
	schema, lw := join.Schema(), len(join.Left.Schema())
	if schema[lw].Nullable != true {
		t.Errorf("right column %s is not nullable", schema[lw].Name)
	}
	if explain := strings.Join(Explain(plan.Root), "\n"); !strings.Contains(explain, "IntervalJoin left on k = k") {
		t.Errorf("EXPLAIN does not show the LEFT join:\n%s", explain)
	}
	_, err = planWindowQuery(t, "CREATE STREAM x AS SELECT a.k FROM s a RIGHT JOIN s b ON a.k = b.k AND b.ts BETWEEN a.ts AND a.ts + INTERVAL '1' HOUR")
	if err == nil || !strings.Contains(err.Error(), "a RIGHT JOIN of two streams is not supported") {
		t.Errorf("RIGHT JOIN: err = %v", err)
	}
}
