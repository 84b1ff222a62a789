package engine

import (
	"math"
	"slices"
	"sync"
	"time"

	"github.com/novelty-db/novelty/types"
)

// idleTimeoutOption is the source option after which a quiet partition
// stops holding the source's watermark back.
const idleTimeoutOption = "idle_timeout"

// sourceIdleTimeout reads a source's idle_timeout option: a duration such
// as '30s' or '1m'; absent or '0', partitions never count as idle. Only a
// source with a WATERMARK clause has a watermark to advance.
func sourceIdleTimeout(opts map[string]string, hasWatermark bool) (time.Duration, error) {
	v, ok := opts[idleTimeoutOption]
	if !ok {
		return 0, nil
	}
	if !hasWatermark {
		return 0, types.Errorf(types.CodeInvalidParameterValue, "option %q needs a WATERMARK clause", idleTimeoutOption).
			WithHint("Declare the event time, e.g. WATERMARK FOR ts AS ts - INTERVAL '5' SECOND.")
	}
	return parseDurationOption(idleTimeoutOption, v)
}

// partitionWatermarks combines the watermarks of a source's partitions
// (Kafka partitions, Kinesis shards; a source without them is one
// partition). A partition's watermark is the largest candidate its rows
// gave; the source's is the smallest over its partitions, so a partition
// that lags holds the source back instead of having its rows dropped as
// late. The partitions are those the source reads (track), so one that
// has given no row yet holds it back too. A partition with no row for longer than idleTimeout (0: never) is
// idle: it is left out of the minimum until it produces rows again, and
// when every partition is idle the source's watermark is the largest. The
// watermark returned never goes back, not even when a partition is seen
// for the first time behind the others.
//
// Sessions inserting into one source stamp concurrently: callers of
// observe and advance hold mu, for a whole batch.
type partitionWatermarks struct {
	idleTimeout time.Duration

	mu    sync.Mutex
	parts []partitionMark
	// last is the index in parts of the partition observed last: rows come
	// in runs of one partition, so most lookups stop there.
	last int
	// emitted is the largest watermark advance returned.
	emitted int64
	// tracked is the partition list track saw last.
	tracked []int32
}

// partitionMark is the watermark of one partition.
type partitionMark struct {
	id int32
	// mark is the largest watermark candidate of the partition's rows.
	mark int64
	// lastRow is the engine time of the batch that held its latest row.
	lastRow time.Time
}

func newPartitionWatermarks(idleTimeout time.Duration) *partitionWatermarks {
	return &partitionWatermarks{idleTimeout: idleTimeout, emitted: types.NoWatermark}
}

// observe records, at now, a row of partition p whose watermark candidate
// is mark. Rows whose candidate is NULL are not observed: they say nothing
// about event time.
func (w *partitionWatermarks) observe(p int32, mark int64, now time.Time) {
	pm := &w.parts[w.find(p)]
	pm.mark = max(pm.mark, mark)
	pm.lastRow = now
}

// track makes live, the partitions the source reads now, the ones the
// watermark waits for: a partition not seen before joins without a
// watermark, so it holds the source back until its first row (or until
// it is idle, counted from now); one no longer read stops holding it.
func (w *partitionWatermarks) track(live []int32, now time.Time) {
	if slices.Equal(live, w.tracked) {
		return
	}
	w.tracked = append(w.tracked[:0], live...)
	kept := w.parts[:0]
	for _, pm := range w.parts {
		if slices.Contains(live, pm.id) {
			kept = append(kept, pm)
		}
	}
	w.parts, w.last = kept, 0
	for _, p := range live {
		if !slices.ContainsFunc(w.parts, func(pm partitionMark) bool { return pm.id == p }) {
			w.parts = append(w.parts, partitionMark{id: p, mark: types.NoWatermark, lastRow: now})
		}
	}
}

// find returns the index of partition p in parts, adding it when new.
func (w *partitionWatermarks) find(p int32) int {
	if w.last < len(w.parts) && w.parts[w.last].id == p {
		return w.last
	}
	for i := range w.parts {
		if w.parts[i].id == p {
			w.last = i
			return i
		}
	}
	w.parts = append(w.parts, partitionMark{id: p, mark: types.NoWatermark})
	w.last = len(w.parts) - 1
	return w.last
}

// advance returns the source's watermark at now: the minimum over the
// partitions that are not idle, the maximum when all are, never less than
// a watermark returned before; NoWatermark until a partition has one.
func (w *partitionWatermarks) advance(now time.Time) int64 {
	low, high, active := int64(math.MaxInt64), types.NoWatermark, false
	for i := range w.parts {
		pm := &w.parts[i]
		high = max(high, pm.mark)
		if w.idleTimeout > 0 && now.Sub(pm.lastRow) > w.idleTimeout {
			continue
		}
		low, active = min(low, pm.mark), true
	}
	if active {
		w.emitted = max(w.emitted, low)
	} else {
		w.emitted = max(w.emitted, high)
	}
	return w.emitted
}
