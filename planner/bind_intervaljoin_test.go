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
