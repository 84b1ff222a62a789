package httpapi

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/novelty-db/novelty/engine"
	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/storage"
	"github.com/novelty-db/novelty/types"
)

// discardRows drops a statement's result.
type discardRows struct{}

func (discardRows) Columns(types.Schema) error { return nil }
func (discardRows) Row([]types.Datum) error    { return nil }

// TestOperatorMetricsOfRunningStream feeds rows to a running stream and
// scrapes /metrics from the real engine: every operator's series counts
// the rows fed and the rows its filter kept.
func TestOperatorMetricsOfRunningStream(t *testing.T) {
	store, err := storage.OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.Open(engine.Config{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s := e.NewSession("tester", "novelty")
	exec := func(sql string) {
		t.Helper()
		stmts, err := parser.Parse(sql)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range stmts {
			if _, err := s.Execute(context.Background(), st, discardRows{}); err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
		}
	}
	exec(`CREATE SOURCE src (k TEXT, v INT)`)
	exec(`CREATE STREAM odd AS SELECT k, v FROM src WHERE v % 2 = 1`)
	const inserts, perInsert = 4, 25
	for i := range inserts {
		var values []string
		for j := range perInsert {
			values = append(values, fmt.Sprintf("('k%d', %d)", j%3, i*perInsert+j))
		}
		exec("INSERT INTO src VALUES " + strings.Join(values, ", "))
	}
	const fed, kept = inserts * perInsert, inserts * perInsert / 2

	h := New(e)
	want := []struct {
		metric, operator string
		value            float64
	}{
		{"novelty_operator_rows_out_total", "2:Scan", fed},
		{"novelty_operator_rows_in_total", "1:Filter", fed},
		{"novelty_operator_rows_out_total", "1:Filter", kept},
		{"novelty_operator_rows_in_total", "0:Project", kept},
		{"novelty_operator_rows_out_total", "0:Project", kept},
		{"novelty_operator_batches_total", "2:Scan", inserts},
	}
	var families map[string]*family
	settled := func() bool {
		for _, w := range want {
			if got, ok := find(families, w.metric, map[string]string{"stream": "odd", "operator": w.operator}); !ok || got != w.value {
				return false
			}
		}
		return true
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if families = scrape(t, h); settled() {
			break
		}
	}
	for _, w := range want {
		got, ok := find(families, w.metric, map[string]string{"stream": "odd", "operator": w.operator})
		if !ok || got != w.value {
			t.Errorf("%s{stream=odd,operator=%s} = %v (found %v), want %v", w.metric, w.operator, got, ok, w.value)
		}
	}
	if got, _ := find(families, "novelty_rows_in_total", map[string]string{"kind": "stream", "name": "odd"}); got != fed {
		t.Errorf("stream odd rows in = %v, want %d", got, fed)
	}
	if _, ok := find(families, "novelty_operator_rows_in_total", map[string]string{"operator": "2:Scan"}); ok {
		t.Error("a scan has a rows-in series")
	}
}
