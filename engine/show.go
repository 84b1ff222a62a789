package engine

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// writeRows sends a small result of text-like rows.
func writeRows(w RowWriter, cols types.Schema, rows [][]types.Datum) (string, error) {
	if err := w.Columns(cols); err != nil {
		return "", err
	}
	for _, r := range rows {
		if err := w.Row(r); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("SHOW %d", len(rows)), nil
}

func textCols(names ...string) types.Schema {
	cols := make(types.Schema, len(names))
	for i, n := range names {
		cols[i] = types.Column{Name: n, Type: types.Text, Nullable: true}
	}
	return cols
}

func textOrNull(s string) types.Datum {
	if s == "" {
		return types.Null
	}
	return types.NewText(s)
}

// sourceConnector names a source's connector as SHOW SOURCES and the
// catalog show it: "insert" for a user source fed by INSERT and COPY, ""
// for the system source novelty_errors.
func sourceConnector(e *Engine, o *object) string {
	if o.connector == "" && o != e.errors {
		return "insert"
	}
	return o.connector
}

func (s *Session) show(st *parser.Show, w RowWriter) (string, error) {
	e := s.e
	switch st.What {
	case "sources":
		cols := types.Schema{
			{Name: "name", Type: types.Text}, {Name: "connector", Type: types.Text, Nullable: true},
			{Name: "rows_in", Type: types.Int8}, {Name: "errors", Type: types.Int8},
			{Name: "watermark", Type: types.Timestamp, Nullable: true}, {Name: "retention", Type: types.Interval},
			{Name: "last_error", Type: types.Text, Nullable: true},
		}
		var rows [][]types.Datum
		for _, o := range e.sortedObjects(parser.KindSource) {
			rows = append(rows, []types.Datum{
				types.NewText(o.name), textOrNull(sourceConnector(e, o)), types.NewInt(o.stats.rowsIn.Load()),
				types.NewInt(o.stats.errors.Load()), watermarkDatum(&o.stats), retentionDatum(o.retention),
				textOrNull(o.stats.errorText()),
			})
		}
		return writeRows(w, cols, rows)
	case "streams":
		cols := types.Schema{
			{Name: "name", Type: types.Text}, {Name: "rows_out", Type: types.Int8}, {Name: "late_rows", Type: types.Int8},
			{Name: "errors", Type: types.Int8}, {Name: "rows_in", Type: types.Int8}, {Name: "state_bytes", Type: types.Int8},
			{Name: "watermark", Type: types.Timestamp, Nullable: true}, {Name: "retention", Type: types.Interval},
			{Name: "query", Type: types.Text}, {Name: "last_error", Type: types.Text, Nullable: true},
		}
		var rows [][]types.Datum
		for _, o := range e.sortedObjects(parser.KindStream) {
			_, rowsIn, stateBytes := streamFigures(o)
			rows = append(rows, []types.Datum{
				types.NewText(o.name), types.NewInt(o.stats.rowsOut.Load()), types.NewInt(o.stats.late.Load()),
				types.NewInt(o.stats.errors.Load()), types.NewInt(rowsIn), types.NewInt(stateBytes),
				watermarkDatum(&o.stats), retentionDatum(o.retention), types.NewText(o.query), textOrNull(o.stats.errorText()),
			})
		}
		return writeRows(w, cols, rows)
	case "sinks":
		cols := types.Schema{
			{Name: "name", Type: types.Text}, {Name: "from", Type: types.Text}, {Name: "connector", Type: types.Text},
			{Name: "rows_out", Type: types.Int8}, {Name: "errors", Type: types.Int8}, {Name: "retries", Type: types.Int8},
			{Name: "last_error", Type: types.Text, Nullable: true},
		}
		var rows [][]types.Datum
		for _, o := range e.sortedObjects(parser.KindSink) {
			rows = append(rows, []types.Datum{
				types.NewText(o.name), types.NewText(o.deps[0]), types.NewText(o.connector),
				types.NewInt(o.stats.rowsOut.Load()), types.NewInt(o.stats.errors.Load()),
				types.NewInt(o.stats.retries.Load()), textOrNull(o.stats.errorText()),
			})
		}
		return writeRows(w, cols, rows)
	case "tables":
		cols := types.Schema{{Name: "name", Type: types.Text}, {Name: "columns", Type: types.Int8}, {Name: "primary_key", Type: types.Text, Nullable: true}}
		var rows [][]types.Datum
		for _, o := range e.sortedObjects(parser.KindTable) {
			pk := make([]string, len(o.rel.PrimaryKey))
			for i, c := range o.rel.PrimaryKey {
				pk[i] = o.rel.Schema[c].Name
			}
			rows = append(rows, []types.Datum{types.NewText(o.name), types.NewInt(int64(len(o.rel.Schema))), textOrNull(strings.Join(pk, ", "))})
		}
		return writeRows(w, cols, rows)
	case "all":
		names := make([]string, 0, len(s.params))
		for k := range s.params {
			names = append(names, k)
		}
		slices.Sort(names)
		rows := make([][]types.Datum, len(names))
		for i, n := range names {
			rows[i] = []types.Datum{types.NewText(n), types.NewText(s.params[n])}
		}
		return writeRows(w, textCols("name", "setting"), rows)
	case "novelty contexts":
		cols := types.Schema{{Name: "name", Type: types.Text}, {Name: "observations", Type: types.Int8},
			{Name: "nodes", Type: types.Int8}, {Name: "bytes", Type: types.Int8}}
		return writeRows(w, cols, s.e.noveltyRows())
	}
	v, ok := s.params[st.What]
	if !ok {
		return "", types.Errorf(types.CodeUndefinedObject, "unrecognized configuration parameter %q", st.What)
	}
	return writeRows(w, textCols(st.What), [][]types.Datum{{types.NewText(v)}})
}

func watermarkDatum(st *stats) types.Datum {
	mark := st.watermark.Load()
	if mark == 0 || mark == types.NoWatermark {
		return types.Null
	}
	return types.NewTimestamp(mark)
}

func (s *Session) describe(st *parser.Describe, w RowWriter) (string, error) {
	o, ok := s.e.lookup(st.Name)
	if !ok {
		return "", types.Errorf(types.CodeUndefinedTable, "relation %q does not exist", st.Name)
	}
	cols := textCols("column", "type", "nullable", "extra")
	var rows [][]types.Datum
	if o.rel == nil {
		from, _ := s.e.lookup(o.deps[0])
		rows = append(rows, []types.Datum{types.NewText("(sink)"), types.NewText(o.connector), types.Null,
			types.NewText("from " + from.name)})
		return writeRows(w, cols, rows)
	}
	for i, c := range o.rel.Schema {
		var extra []string
		if slices.Contains(o.rel.PrimaryKey, i) {
			extra = append(extra, "primary key")
		}
		if i == o.rel.EventTime {
			extra = append(extra, "event time (watermark)")
		}
		if o.rel.Defaults != nil && o.rel.Defaults[i] != nil {
			extra = append(extra, "default "+o.rel.Defaults[i].String())
		}
		nullable := "YES"
		if !c.Nullable {
			nullable = "NO"
		}
		rows = append(rows, []types.Datum{types.NewText(c.Name), types.NewText(c.Type.String()),
			types.NewText(nullable), textOrNull(strings.Join(extra, ", "))})
	}
	return writeRows(w, cols, rows)
}

func (s *Session) explain(st *parser.Explain, w RowWriter) (string, error) {
	if st.Analyze {
		return s.explainAnalyze(st, w)
	}
	var lines []string
	switch inner := st.Stmt.(type) {
	case *parser.Query:
		plan, err := planner.PlanQuery(s.e, inner, s.planOptions())
		if err != nil {
			return "", err
		}
		lines = planner.Explain(plan.Root)
	case *parser.CreateStream:
		plan, err := planner.PlanContinuous(s.e, inner.Query, inner.Text, inner.Positions,
			planner.Options{NoveltyContext: streamNoveltyContext(inner)})
		if err != nil {
			return "", err
		}
		lines = append([]string{"Stream " + inner.Name}, indent(planner.Explain(plan.Root))...)
	case *parser.Subscribe:
		if inner.Query == nil {
			return "", types.Errorf(types.CodeFeatureNotSupported, "EXPLAIN SUBSCRIBE needs a query")
		}
		plan, err := planner.PlanContinuous(s.e, inner.Query, inner.Text, inner.Positions, s.planOptions())
		if err != nil {
			return "", err
		}
		lines = append([]string{"Subscribe"}, indent(planner.Explain(plan.Root))...)
	case *parser.DML:
		plan, err := planner.PlanDML(s.e, inner)
		if err != nil {
			return "", err
		}
		switch p := plan.(type) {
		case *planner.Insert:
			lines = append([]string{"Insert into " + p.Target.Name}, indent(planner.Explain(p.Input))...)
		case *planner.Update:
			lines = append([]string{"Update " + p.Target.Name}, indent(planner.Explain(p.Input))...)
		case *planner.Delete:
			lines = append([]string{"Delete from " + p.Target.Name}, indent(planner.Explain(p.Input))...)
		}
	default:
		return "", types.Errorf(types.CodeFeatureNotSupported, "EXPLAIN supports queries, CREATE STREAM, SUBSCRIBE and DML")
	}
	return writePlan(w, lines)
}

// writePlan sends EXPLAIN's lines as its one-column result.
func writePlan(w RowWriter, lines []string) (string, error) {
	rows := make([][]types.Datum, len(lines))
	for i, l := range lines {
		rows[i] = []types.Datum{types.NewText(l)}
	}
	_, err := writeRows(w, textCols("QUERY PLAN"), rows)
	return "EXPLAIN", err
}

// indent puts an operator tree under a header line.
func indent(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = "└─ " + l
		if i > 0 {
			out[i] = "   " + l
		}
	}
	return out
}

// retentionDatum shows a retention as Postgres prints an interval.
func retentionDatum(d time.Duration) types.Datum {
	return types.NewInterval(0, 0, d.Microseconds())
}
