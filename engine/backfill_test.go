package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/novelty-db/novelty/connectors"
	"github.com/novelty-db/novelty/types"
)

// partitionedStub makes an object's source look partitioned.
type partitionedStub struct{ connectors.Source }

func (partitionedStub) RowPartitions() []int32  { return nil }
func (partitionedStub) LivePartitions() []int32 { return nil }

// replayedBatch is one batch a backfilling log scan returned: the id
// column of its rows and its watermark.
type replayedBatch struct {
	ids  string
	mark string
}

// clockText is a watermark as the time of day, "none" without one.
func clockText(mark int64) string {
	if mark == types.NoWatermark {
		return "none"
	}
	return time.UnixMicro(mark).UTC().Format(time.TimeOnly)
}

// readReplay reads source o's log through a log scan replaying its
// watermarks, bounded by limit.
func readReplay(t *testing.T, o *object, limit int64) []replayedBatch {
	t.Helper()
	scan := &logScan{log: o.log, width: len(o.rel.Schema), upTo: o.log.LastSeq(), marks: newReplayMarks(o, limit)}
	if err := scan.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	var got []replayedBatch
	b := types.NewBatch(scan.width)
	for {
		err := scan.Next(context.Background(), b)
		if err == io.EOF {
			return got
		}
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]string, b.Len)
		for i := range ids {
			ids[i] = b.Row(i)[0].S
		}
		got = append(got, replayedBatch{ids: strings.Join(ids, " "), mark: clockText(b.Watermark)})
	}
}

// TestBackfillReplaysWatermarks replays a source's log (one INSERT per
// row, ts on 2024-01-01) and checks the batches and their watermarks.
func TestBackfillReplaysWatermarks(t *testing.T) {
	for _, tt := range []struct {
		name string
		// rows are (id, partition, shard, ts time of day or NULL).
		rows []string
		// connector and metadata, when set, make the source look like a
		// partitioned connector's whose column of that metadata key holds
		// the partition.
		connector, metadata, column string
		limit                       string // the source's watermark at the switch; "" for none
		want                        []replayedBatch
	}{
		{name: "rows in event-time order make one batch with the largest candidate",
			rows: []string{"a 0 s0 10:00:01", "b 0 s0 10:00:03", "c 0 s0 10:00:02"},
			want: []replayedBatch{{"a b c", "09:59:58"}}},
		{name: "a row behind the watermark its batch raised begins the next batch",
			rows: []string{"a 0 s0 10:00:10", "b 0 s0 10:00:00", "c 0 s0 10:00:20", "d 0 s0 10:00:12"},
			want: []replayedBatch{{"a", "10:00:05"}, {"b c", "10:00:15"}, {"d", "10:00:15"}}},
		{name: "a row behind the watermark of earlier batches stays in its batch",
			rows: []string{"a 0 s0 10:00:10", "b 0 s0 10:00:00", "c 0 s0 10:00:01"},
			want: []replayedBatch{{"a", "10:00:05"}, {"b c", "10:00:05"}}},
		{name: "rows with NULL event time say nothing",
			rows: []string{"a 0 s0 NULL", "b 0 s0 10:00:01", "c 0 s0 NULL"},
			want: []replayedBatch{{"a b c", "09:59:56"}}},
		{name: "no watermark past the source's at the switch",
			rows: []string{"a 0 s0 10:00:20", "b 0 s0 10:00:08"}, limit: "10:00:07",
			want: []replayedBatch{{"a b", "10:00:07"}}},
		{name: "a partitioned source without partition column counts as one partition",
			rows:      []string{"a 0 s0 10:00:01", "b 1 s1 10:00:02", "c 0 s0 10:00:30", "d 1 s1 10:00:05"},
			connector: connectors.KafkaConnector,
			want:      []replayedBatch{{"a b c", "10:00:25"}, {"d", "10:00:25"}}},
		{name: "a Kafka partition column: a lagging partition holds the watermark",
			rows:      []string{"a 0 s0 10:00:01", "b 1 s1 10:00:02", "c 0 s0 10:00:30", "d 1 s1 10:00:05"},
			connector: connectors.KafkaConnector, metadata: "partition", column: "p",
			want: []replayedBatch{{"a b c d", "10:00:00"}}},
		{name: "a Kinesis shard column: a lagging shard holds the watermark",
			rows:      []string{"a 0 s0 10:00:01", "b 0 s1 10:00:02", "c 0 s0 10:00:30", "d 0 s1 10:00:05"},
			connector: connectors.KinesisConnector, metadata: "shard_id", column: "shard",
			want: []replayedBatch{{"a b c d", "10:00:00"}}},
		{name: "a partition column of another connector is not one",
			rows:      []string{"a 0 s0 10:00:01", "b 0 s1 10:00:02", "c 0 s0 10:00:30", "d 0 s1 10:00:05"},
			connector: connectors.KafkaConnector, metadata: "shard_id", column: "shard",
			want: []replayedBatch{{"a b c", "10:00:25"}, {"d", "10:00:25"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, s := openMemoryEngine(t)
			run1(t, s, `CREATE SOURCE src (id TEXT, p INT, shard TEXT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)`)
			for _, r := range tt.rows {
				f := strings.Fields(r)
				ts := "NULL"
				if f[3] != "NULL" {
					ts = "'2024-01-01 " + f[3] + "'"
				}
				run1(t, s, fmt.Sprintf(`INSERT INTO src VALUES ('%s', %s, '%s', %s)`, f[0], f[1], f[2], ts))
			}
			o, ok := e.lookup("src")
			if !ok {
				t.Fatal("source src not found")
			}
			if tt.connector != "" {
				columns := slices.Clone(o.columns)
				for i := range columns {
					if columns[i].Name == tt.column {
						columns[i].Metadata = tt.metadata
					}
				}
				o = &object{rel: o.rel, log: o.log, watermark: o.watermark, marks: o.marks,
					source: partitionedStub{}, connector: tt.connector, columns: columns}
			}
			limit := types.NoWatermark
			if tt.limit != "" {
				at, err := time.Parse(time.DateTime, "2024-01-01 "+tt.limit)
				if err != nil {
					t.Fatal(err)
				}
				limit = at.UnixMicro()
			}
			if got := readReplay(t, o, limit); !slices.Equal(got, tt.want) {
				t.Errorf("batches = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestBackfillWithDoneContextReadsNothing: a sink probes its input with a
// done context (nextForSink); the backfill returns the context's error
// without losing a batch, in the log scan and at the watermark batch.
func TestBackfillWithDoneContextReadsNothing(t *testing.T) {
	e, s := openMemoryEngine(t)
	run1(t, s, `CREATE SOURCE src (id TEXT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)`)
	run1(t, s, `INSERT INTO src VALUES ('a', '2024-01-01 10:00:00'), ('b', '2024-01-01 10:00:10')`)
	o, ok := e.lookup("src")
	if !ok {
		t.Fatal("source src not found")
	}
	in := follow(o, true)
	// Past the backfill Next waits for live rows: a missing batch fails.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := in.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer in.Close(ctx)
	var got []replayedBatch
	b := types.NewBatch(len(o.rel.Schema))
	for len(got) < 2 {
		if err := in.Next(noWait, b); !errors.Is(err, context.Canceled) {
			t.Fatalf("Next with a done context = %v, want context.Canceled", err)
		}
		if err := in.Next(ctx, b); err != nil {
			t.Fatal(err)
		}
		ids := make([]string, b.Len)
		for i := range ids {
			ids[i] = b.Row(i)[0].S
		}
		got = append(got, replayedBatch{ids: strings.Join(ids, " "), mark: clockText(b.Watermark)})
	}
	want := []replayedBatch{{"a b", "10:00:05"}, {"", "10:00:05"}}
	if !slices.Equal(got, want) {
		t.Errorf("batches = %v, want %v", got, want)
	}
}

// TestBackfillMatchesStreamCreatedFirst is the oracle's case: a stream
// created after its source took a late row agrees with one created first,
// in rows and in late rows, and emits the window the retained rows closed
// before any new row arrives. A stream over a stream (whose log keeps no
// watermarks) takes every retained row and closes its windows at the
// upstream's watermark.
func TestBackfillMatchesStreamCreatedFirst(t *testing.T) {
	e, s := openMemoryEngine(t)
	const windows = `SELECT window_start, count(*) AS n FROM %s GROUP BY TUMBLE(ts, INTERVAL '10' SECOND)`
	run1(t, s, `CREATE SOURCE lt (user_id TEXT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)`)
	run1(t, s, `CREATE STREAM before_rows AS `+fmt.Sprintf(windows, "lt"))
	run1(t, s, `CREATE STREAM passed AS SELECT user_id, ts FROM lt`)
	run1(t, s, `INSERT INTO lt VALUES ('a', '2024-01-01 00:01:00')`)
	run1(t, s, `INSERT INTO lt VALUES ('late', '2024-01-01 00:00:00')`)
	run1(t, s, `INSERT INTO lt VALUES ('c', '2024-01-01 00:01:20')`)
	// passed runs on its own: its rows are retained once it took them.
	waitRows(t, s, `SELECT user_id FROM passed`, []string{"a", "late", "c"})
	run1(t, s, `CREATE STREAM after_rows AS `+fmt.Sprintf(windows, "lt"))
	run1(t, s, `CREATE STREAM after_passed AS `+fmt.Sprintf(windows, "passed"))

	closed := []string{"2024-01-01 00:01:00|1"}
	waitStreamRows(t, s, "before_rows", closed)
	waitStreamRows(t, s, "after_rows", closed)
	waitStreamRows(t, s, "after_passed", []string{"2024-01-01 00:00:00|1", "2024-01-01 00:01:00|1"})
	for _, name := range []string{"after_rows", "after_passed"} {
		o, _ := e.lookup(name)
		if got, want := watermarkText(o), "2024-01-01 00:01:15"; got != want {
			t.Errorf("%s: watermark = %s, want %s", name, got, want)
		}
	}

	run1(t, s, `INSERT INTO lt VALUES ('b', '2024-01-01 01:00:00')`)
	all := []string{"2024-01-01 00:01:00|1", "2024-01-01 00:01:20|1"}
	waitStreamRows(t, s, "before_rows", all)
	waitStreamRows(t, s, "after_rows", all)
	for name, want := range map[string]int64{"before_rows": 1, "after_rows": 1, "after_passed": 0} {
		o, _ := e.lookup(name)
		if got := o.stats.late.Load(); got != want {
			t.Errorf("%s: late rows = %d, want %d", name, got, want)
		}
	}
}

// waitStreamRows waits until stream name's retained rows, in window
// order, are want.
func waitStreamRows(t *testing.T, s *Session, name string, want []string) {
	t.Helper()
	waitRows(t, s, `SELECT * FROM `+name+` ORDER BY window_start`, want)
}

// waitRows waits until query returns want.
func waitRows(t *testing.T, s *Session, query string, want []string) {
	t.Helper()
	got := run1(t, s, query)
	for deadline := time.Now().Add(10 * time.Second); !slices.Equal(got, want) && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
		got = run1(t, s, query)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%s: %q, want %q", query, got, want)
	}
}
