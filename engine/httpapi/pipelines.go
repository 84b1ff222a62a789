package httpapi

import (
	"time"

	"github.com/novelty-db/novelty/engine"
)

// pipelines is the JSON of GET /api/pipelines.
type pipelines struct {
	// Time is the engine clock's reading, RFC 3339; rates are computed
	// between two readings of it.
	Time    time.Time     `json:"time"`
	Running bool          `json:"running"`
	Objects []objectJSON  `json:"objects"`
	Novelty []noveltyJSON `json:"novelty"`
}

type objectJSON struct {
	Kind      string   `json:"kind"`
	Name      string   `json:"name"`
	Connector string   `json:"connector,omitempty"`
	Inputs    []string `json:"inputs"`
	Pipeline  string   `json:"pipeline"`
	RowsIn    int64    `json:"rows_in"`
	RowsOut   int64    `json:"rows_out"`
	Errors    int64    `json:"errors"`
	LateRows  int64    `json:"late_rows"`
	// Watermark and WatermarkLagSeconds are null before the first watermark.
	Watermark           *time.Time `json:"watermark"`
	WatermarkLagSeconds *float64   `json:"watermark_lag_seconds"`
	LastError           string     `json:"last_error,omitempty"`
	// StateBytes and Operators are a stream's (see engine.ObjectMetrics).
	StateBytes int64          `json:"state_bytes"`
	Operators  []operatorJSON `json:"operators,omitempty"`
}

type operatorJSON struct {
	ID         string   `json:"id"`
	Inputs     []string `json:"inputs"`
	RowsIn     int64    `json:"rows_in"`
	RowsOut    int64    `json:"rows_out"`
	Batches    int64    `json:"batches"`
	Stateful   bool     `json:"stateful"`
	StateBytes int64    `json:"state_bytes"`
}

type noveltyJSON struct {
	Name         string     `json:"name"`
	Observations int64      `json:"observations"`
	Nodes        int64      `json:"nodes"`
	Bytes        int64      `json:"bytes"`
	Scores       scoresJSON `json:"scores"`
}

// scoresJSON is a score histogram: Counts[i] scores were above
// Bounds[i-1] (0 included for the first) and at most Bounds[i].
type scoresJSON struct {
	Bounds []float64 `json:"bounds"`
	Counts []uint64  `json:"counts"`
	Count  uint64    `json:"count"`
	Sum    float64   `json:"sum"`
}

func newPipelines(s engine.Snapshot, running bool) pipelines {
	p := pipelines{Time: s.Time, Running: running, Objects: make([]objectJSON, len(s.Objects)),
		Novelty: make([]noveltyJSON, len(s.Novelty))}
	for i, o := range s.Objects {
		j := objectJSON{Kind: o.Kind, Name: o.Name, Connector: o.Connector, Inputs: o.Inputs, Pipeline: o.Pipeline,
			RowsIn: o.RowsIn, RowsOut: o.RowsOut, Errors: o.Errors, LateRows: o.LateRows, LastError: o.LastError,
			StateBytes: o.StateBytes}
		if j.Inputs == nil {
			j.Inputs = []string{}
		}
		for _, op := range o.Operators {
			inputs := op.Inputs
			if inputs == nil {
				inputs = []string{}
			}
			j.Operators = append(j.Operators, operatorJSON{ID: op.ID, Inputs: inputs, RowsIn: op.RowsIn,
				RowsOut: op.RowsOut, Batches: op.Batches, Stateful: op.Stateful, StateBytes: op.StateBytes})
		}
		if !o.Watermark.IsZero() {
			mark, lag := o.Watermark, o.WatermarkLag.Seconds()
			j.Watermark, j.WatermarkLagSeconds = &mark, &lag
		}
		p.Objects[i] = j
	}
	for i, n := range s.Novelty {
		sc := scoresJSON{Bounds: make([]float64, engine.ScoreBuckets), Counts: n.Scores.Buckets[:],
			Count: n.Scores.Count, Sum: n.Scores.Sum}
		for b := range sc.Bounds {
			sc.Bounds[b] = engine.ScoreBucketBound(b)
		}
		p.Novelty[i] = noveltyJSON{Name: n.Name, Observations: n.Observations, Nodes: n.Nodes, Bytes: n.Bytes, Scores: sc}
	}
	return p
}
