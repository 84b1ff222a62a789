package httpapi

import (
	"math"
	"strconv"

	"github.com/novelty-db/novelty/engine"
)

// appendExposition appends the snapshot in the Prometheus text exposition
// format 0.0.4: per family a HELP and a TYPE line, then its samples.
// Families whose objects do not keep a counter (a stream's rows in) leave
// those objects out rather than report a 0.
func appendExposition(buf []byte, s engine.Snapshot) []byte {
	type objectFamily struct {
		name, typ, help string
		// value reads the sample of o; ok is false when o has none.
		value func(o *engine.ObjectMetrics) (v float64, ok bool)
	}
	pipelineKinds := func(o *engine.ObjectMetrics) bool {
		return o.Kind == "source" || o.Kind == "stream" || o.Kind == "sink"
	}
	families := []objectFamily{
		{"novelty_rows_in_total", "counter", "Rows a source received or a stream's scans read.",
			func(o *engine.ObjectMetrics) (float64, bool) {
				return float64(o.RowsIn), o.Kind == "source" || o.Kind == "stream"
			}},
		{"novelty_rows_out_total", "counter", "Rows a stream produced or a sink delivered.",
			func(o *engine.ObjectMetrics) (float64, bool) {
				return float64(o.RowsOut), o.Kind == "stream" || o.Kind == "sink"
			}},
		{"novelty_errors_total", "counter",
			"Rows that failed (sent to novelty_errors); for a sink, failed delivery attempts, each retried; for novelty_errors, records dropped because it fell behind.",
			func(o *engine.ObjectMetrics) (float64, bool) { return float64(o.Errors), pipelineKinds(o) }},
		{"novelty_sink_retries_total", "counter", "Delivery steps a sink repeated after a failure.",
			func(o *engine.ObjectMetrics) (float64, bool) { return float64(o.SinkRetries), o.Kind == "sink" }},
		{"novelty_late_rows_total", "counter", "Rows a stream dropped for arriving behind its watermark.",
			func(o *engine.ObjectMetrics) (float64, bool) { return float64(o.LateRows), o.Kind == "stream" }},
		{"novelty_watermark_seconds", "gauge", "The latest watermark (event time, Unix seconds).",
			func(o *engine.ObjectMetrics) (float64, bool) {
				return float64(o.Watermark.UnixMicro()) / 1e6, !o.Watermark.IsZero()
			}},
		{"novelty_watermark_lag_seconds", "gauge", "How far the latest watermark is behind the engine clock.",
			func(o *engine.ObjectMetrics) (float64, bool) { return o.WatermarkLag.Seconds(), !o.Watermark.IsZero() }},
		{"novelty_state_bytes", "gauge",
			"Encoded size of a stream's operator state at its last checkpoint or restore (0 before the first).",
			func(o *engine.ObjectMetrics) (float64, bool) { return float64(o.StateBytes), o.Kind == "stream" }},
		{"novelty_pipeline_running", "gauge",
			"1 while the pipeline runs, 0 once it finished or failed (sources fed by INSERT have none).",
			func(o *engine.ObjectMetrics) (float64, bool) {
				if o.Pipeline == engine.PipelineNone {
					return 0, false
				}
				return boolValue(o.Pipeline == engine.PipelineRunning), true
			}},
	}
	for _, f := range families {
		buf = appendHeader(buf, f.name, f.typ, f.help)
		for i := range s.Objects {
			o := &s.Objects[i]
			if v, ok := f.value(o); ok {
				buf = appendSample(buf, f.name, v, "kind", o.Kind, "name", o.Name)
			}
		}
	}
	buf = appendOperatorFamilies(buf, s.Objects)

	paused := 0.0
	if s.Disk.Held {
		paused = 1
	}
	buf = appendHeader(buf, "novelty_disk_paused", "gauge", "1 while the data directory is short of space or its writes fail: sources pause, INSERT/COPY fail with SQLSTATE 53100 (58030 for disk errors).")
	buf = appendSample(buf, "novelty_disk_paused", paused)
	buf = appendHeader(buf, "novelty_disk_free_bytes", "gauge", "Free space of the data directory's volume at the last reading.")
	buf = appendSample(buf, "novelty_disk_free_bytes", float64(s.Disk.Space.AvailBytes))
	buf = appendHeader(buf, "novelty_disk_min_free_bytes", "gauge", "Free space the data directory must keep (--min-free-disk); 0 when not checked.")
	buf = appendSample(buf, "novelty_disk_min_free_bytes", float64(s.Disk.MinFreeBytes))

	c := s.Checkpoints
	buf = appendHeader(buf, "novelty_checkpoints_total", "counter", "Checkpoints taken since the server started, by result.")
	buf = appendSample(buf, "novelty_checkpoints_total", float64(c.Completed), "result", "completed")
	buf = appendSample(buf, "novelty_checkpoints_total", float64(c.Failed), "result", "failed")
	buf = appendHeader(buf, "novelty_checkpoint_last", "gauge", "Number of the last complete checkpoint.")
	buf = appendSample(buf, "novelty_checkpoint_last", float64(c.Last))
	buf = appendHeader(buf, "novelty_checkpoint_duration_seconds", "gauge", "How long the last complete checkpoint took.")
	buf = appendSample(buf, "novelty_checkpoint_duration_seconds", c.LastDuration.Seconds())
	buf = appendHeader(buf, "novelty_checkpoint_bytes", "gauge", "Bytes of state the last complete checkpoint wrote.")
	buf = appendSample(buf, "novelty_checkpoint_bytes", float64(c.LastBytes))

	buf = appendHeader(buf, "novelty_context_observations_total", "counter", "Observations a novelty context learnt (0 again after a reset).")
	for _, n := range s.Novelty {
		buf = appendSample(buf, "novelty_context_observations_total", float64(n.Observations), "context", n.Name)
	}
	buf = appendHeader(buf, "novelty_context_nodes", "gauge", "Nodes of a novelty context's trie.")
	for _, n := range s.Novelty {
		buf = appendSample(buf, "novelty_context_nodes", float64(n.Nodes), "context", n.Name)
	}
	buf = appendHeader(buf, "novelty_context_bytes", "gauge", "Estimated memory a novelty context holds.")
	for _, n := range s.Novelty {
		buf = appendSample(buf, "novelty_context_bytes", float64(n.Bytes), "context", n.Name)
	}
	buf = appendHeader(buf, "novelty_context_score", "histogram", "Scores a novelty context gave.")
	for _, n := range s.Novelty {
		var cumulative uint64
		for i, c := range n.Scores.Buckets {
			cumulative += c
			le := strconv.FormatFloat(engine.ScoreBucketBound(i), 'g', -1, 64)
			buf = appendSample(buf, "novelty_context_score_bucket", float64(cumulative), "context", n.Name, "le", le)
		}
		buf = appendSample(buf, "novelty_context_score_bucket", float64(n.Scores.Count), "context", n.Name, "le", "+Inf")
		buf = appendSample(buf, "novelty_context_score_sum", n.Scores.Sum, "context", n.Name)
		buf = appendSample(buf, "novelty_context_score_count", float64(n.Scores.Count), "context", n.Name)
	}
	return buf
}

// appendOperatorFamilies appends the per-operator families of the
// streams, labelled by stream name and operator ID ("2:Filter").
func appendOperatorFamilies(buf []byte, objects []engine.ObjectMetrics) []byte {
	families := []struct {
		name, typ, help string
		value           func(op *engine.OperatorMetrics) (v float64, ok bool)
	}{
		{"novelty_operator_rows_in_total", "counter", "Rows an operator's inputs produced (scans have none).",
			func(op *engine.OperatorMetrics) (float64, bool) { return float64(op.RowsIn), len(op.Inputs) > 0 }},
		{"novelty_operator_rows_out_total", "counter", "Rows an operator produced.",
			func(op *engine.OperatorMetrics) (float64, bool) { return float64(op.RowsOut), true }},
		{"novelty_operator_batches_total", "counter", "Non-empty batches an operator produced.",
			func(op *engine.OperatorMetrics) (float64, bool) { return float64(op.Batches), true }},
		{"novelty_operator_state_bytes", "gauge",
			"Encoded size of a stateful operator's state at its stream's last checkpoint or restore.",
			func(op *engine.OperatorMetrics) (float64, bool) { return float64(op.StateBytes), op.Stateful }},
	}
	for _, f := range families {
		buf = appendHeader(buf, f.name, f.typ, f.help)
		for i := range objects {
			o := &objects[i]
			for j := range o.Operators {
				op := &o.Operators[j]
				if v, ok := f.value(op); ok {
					buf = appendSample(buf, f.name, v, "stream", o.Name, "operator", op.ID)
				}
			}
		}
	}
	return buf
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// appendHeader appends a family's HELP and TYPE lines.
func appendHeader(buf []byte, name, typ, help string) []byte {
	buf = append(buf, "# HELP "...)
	buf = append(buf, name...)
	buf = append(buf, ' ')
	buf = appendEscaped(buf, help, false)
	buf = append(buf, "\n# TYPE "...)
	buf = append(buf, name...)
	buf = append(buf, ' ')
	buf = append(buf, typ...)
	return append(buf, '\n')
}

// appendSample appends one sample line; labels are name, value pairs.
func appendSample(buf []byte, name string, v float64, labels ...string) []byte {
	buf = append(buf, name...)
	for i := 0; i+1 < len(labels); i += 2 {
		if i == 0 {
			buf = append(buf, '{')
		} else {
			buf = append(buf, ',')
		}
		buf = append(buf, labels[i]...)
		buf = append(buf, `="`...)
		buf = appendEscaped(buf, labels[i+1], true)
		buf = append(buf, '"')
	}
	if len(labels) > 0 {
		buf = append(buf, '}')
	}
	buf = append(buf, ' ')
	buf = appendValue(buf, v)
	return append(buf, '\n')
}

// appendEscaped escapes a HELP text (backslash, newline) or a label value
// (also the double quote), as the format requires.
func appendEscaped(buf []byte, s string, quote bool) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			buf = append(buf, `\\`...)
		case c == '\n':
			buf = append(buf, `\n`...)
		case c == '"' && quote:
			buf = append(buf, `\"`...)
		default:
			buf = append(buf, c)
		}
	}
	return buf
}

// appendValue writes whole numbers without an exponent and the special
// values as Prometheus spells them.
func appendValue(buf []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(buf, "NaN"...)
	case math.IsInf(v, 1):
		return append(buf, "+Inf"...)
	case math.IsInf(v, -1):
		return append(buf, "-Inf"...)
	case v == math.Trunc(v) && math.Abs(v) < 1<<53:
		return strconv.AppendInt(buf, int64(v), 10)
	}
	return strconv.AppendFloat(buf, v, 'g', -1, 64)
}
