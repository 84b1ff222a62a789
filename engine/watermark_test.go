package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/novelty-db/novelty/types"
)

// markRow is one observed row: its partition and watermark candidate (s).
type markRow struct {
	partition int32
	mark      int64
}

// markStep observes rows at engine time at (s), then advances. live, when
// not nil, are the partitions the source reads at that step (track).
type markStep struct {
	at   int64
	live []int32
	rows []markRow
	want int64
}

func TestPartitionWatermarks(t *testing.T) {
	for _, tt := range []struct {
		name  string
		idle  time.Duration
		steps []markStep
	}{
		{name: "one partition keeps its largest candidate", steps: []markStep{
			{at: 0, rows: []markRow{{0, 10}, {0, 30}, {0, 20}}, want: 30},
			{at: 1, rows: []markRow{{0, 25}}, want: 30},
			{at: 2, rows: []markRow{{0, 40}}, want: 40},
		}},
		{name: "partitions combine by minimum", steps: []markStep{
			{at: 0, rows: []markRow{{0, 10}, {1, 5}}, want: 5},
			{at: 1, rows: []markRow{{0, 20}}, want: 5},
			{at: 2, rows: []markRow{{1, 30}}, want: 20},
			{at: 3, rows: []markRow{{0, 50}, {1, 40}, {0, 60}}, want: 40},
		}},
		{name: "a partition seen late does not move the watermark back", steps: []markStep{
			{at: 0, rows: []markRow{{0, 50}}, want: 50},
			{at: 1, rows: []markRow{{1, 10}}, want: 50},
			{at: 2, rows: []markRow{{1, 60}}, want: 50},
			{at: 3, rows: []markRow{{0, 70}}, want: 60},
		}},
		{name: "without idle_timeout a quiet partition holds the watermark", steps: []markStep{
			{at: 0, rows: []markRow{{0, 10}, {1, 5}}, want: 5},
			{at: 3600, rows: []markRow{{0, 100}}, want: 5},
			{at: 7200, want: 5},
		}},
		{name: "an idle partition is left out until it has rows again", idle: 30 * time.Second, steps: []markStep{
			{at: 0, rows: []markRow{{0, 10}, {1, 5}}, want: 5},
			{at: 20, rows: []markRow{{0, 40}}, want: 5},
			// Exactly idle_timeout after its last row, partition 1 still counts.
			{at: 30, rows: []markRow{{0, 45}}, want: 5},
			{at: 31, rows: []markRow{{0, 50}}, want: 50},
			// Back with rows: it counts again, and cannot pull the watermark back.
			{at: 40, rows: []markRow{{1, 45}}, want: 50},
			{at: 41, rows: []markRow{{0, 60}}, want: 50},
			{at: 42, rows: []markRow{{1, 70}}, want: 60},
		}},
		{name: "when every partition is idle the watermark is the largest", idle: 30 * time.Second, steps: []markStep{
			{at: 0, rows: []markRow{{0, 10}, {1, 20}, {2, 15}}, want: 10},
			{at: 31, want: 20},
			{at: 32, rows: []markRow{{2, 17}}, want: 20},
		}},
		{name: "a partition the source reads holds the watermark before its first row", steps: []markStep{
			{at: 0, live: []int32{0, 1}, rows: []markRow{{0, 10}, {0, 30}}, want: types.NoWatermark},
			{at: 1, live: []int32{0, 1}, rows: []markRow{{1, 20}}, want: 20},
		}},
		{name: "an unseen partition is idle idle_timeout after it was first listed", idle: 30 * time.Second, steps: []markStep{
			{at: 0, live: []int32{0, 1}, rows: []markRow{{0, 10}}, want: types.NoWatermark},
			{at: 31, live: []int32{0, 1}, rows: []markRow{{0, 40}}, want: 40},
		}},
		{name: "a partition no longer read stops holding the watermark", steps: []markStep{
			{at: 0, live: []int32{0, 1}, rows: []markRow{{0, 50}, {1, 10}}, want: 10},
			{at: 1, live: []int32{0}, rows: []markRow{{0, 60}}, want: 60},
			// Listed again (a rebalance gave it back): it holds the
			// watermark until it has rows, never pulling it back.
			{at: 2, live: []int32{0, 1}, rows: []markRow{{0, 70}}, want: 60},
			{at: 3, live: []int32{0, 1}, rows: []markRow{{1, 65}}, want: 65},
		}},
		{name: "no rows, no watermark", idle: time.Second, steps: []markStep{
			{at: 0, want: types.NoWatermark},
			{at: 5, want: types.NoWatermark},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newPartitionWatermarks(tt.idle)
			start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
			for i, st := range tt.steps {
				now := start.Add(time.Duration(st.at) * time.Second)
				w.mu.Lock()
				if st.live != nil {
					w.track(st.live, now)
				}
				for _, r := range st.rows {
					w.observe(r.partition, r.mark, now)
				}
				got := w.advance(now)
				w.mu.Unlock()
				if got != st.want {
					t.Fatalf("step %d (t=%ds): watermark %d, want %d", i, st.at, got, st.want)
				}
			}
		})
	}
}

func TestSourceIdleTimeoutOption(t *testing.T) {
	for _, tt := range []struct {
		opts         map[string]string
		hasWatermark bool
		want         time.Duration
		err          string
	}{
		{opts: map[string]string{}, want: 0},
		{opts: map[string]string{}, hasWatermark: true, want: 0},
		{opts: map[string]string{"idle_timeout": "30s"}, hasWatermark: true, want: 30 * time.Second},
		{opts: map[string]string{"idle_timeout": "1m"}, hasWatermark: true, want: time.Minute},
		{opts: map[string]string{"idle_timeout": "2 minutes"}, hasWatermark: true, want: 2 * time.Minute},
		{opts: map[string]string{"idle_timeout": "0"}, hasWatermark: true, want: 0},
		{opts: map[string]string{"idle_timeout": "soon"}, hasWatermark: true,
			err: `invalid value "soon" for option "idle_timeout": expected a duration such as '10s'`},
		{opts: map[string]string{"idle_timeout": "-5s"}, hasWatermark: true, err: `option "idle_timeout"`},
		{opts: map[string]string{"idle_timeout": "30s"}, err: `option "idle_timeout" needs a WATERMARK clause`},
	} {
		got, err := sourceIdleTimeout(tt.opts, tt.hasWatermark)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || types.CodeOf(err) != types.CodeInvalidParameterValue {
				t.Errorf("sourceIdleTimeout(%v, %v) = %v, %v; want a 22023 error containing %q", tt.opts, tt.hasWatermark, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("sourceIdleTimeout(%v, %v) = %v, %v; want %v", tt.opts, tt.hasWatermark, got, err, tt.want)
		}
	}
}

// TestIdleTimeoutInCreateSource checks where CREATE SOURCE accepts
// idle_timeout: on any source with a WATERMARK clause, connector or not.
func TestIdleTimeoutInCreateSource(t *testing.T) {
	s := newCopyEngine(t)
	for _, tt := range []struct {
		sql string
		err string
	}{
		{sql: `CREATE SOURCE a (ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (idle_timeout = '30s')`},
		{sql: `CREATE SOURCE b (ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'datagen', rows = '1', idle_timeout = '1m')`},
		{sql: `CREATE SOURCE c (ts TIMESTAMP) WITH (idle_timeout = '30s')`, err: "needs a WATERMARK clause"},
		{sql: `CREATE SOURCE d (ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (idle_timeout = 'later')`,
			err: `invalid value "later" for option "idle_timeout"`},
	} {
		_, _, err := step(context.Background(), s, tt.sql)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("%s: %v", tt.sql, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%s: error %v, want one containing %q", tt.sql, err, tt.err)
		}
	}
}
