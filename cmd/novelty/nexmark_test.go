package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/novelty-db/novelty/engine"
	"github.com/novelty-db/novelty/parser"
)

// TestNexmarkQueriesInLogicTest checks that testdata/logic/nexmark.slt runs
// the embedded queries' statements verbatim, so its expected rows test the
// files the benchmark runs.
func TestNexmarkQueriesInLogicTest(t *testing.T) {
	slt, err := os.ReadFile("../../testdata/logic/nexmark.slt")
	if err != nil {
		t.Fatal(err)
	}
	names := nexmarkQueryNames()
	if want := "q0 q1 q2 q3 q4 q5 q7 q8"; strings.Join(names, " ") != want {
		t.Fatalf("queries %v, want %s", names, want)
	}
	for _, name := range names {
		streams, err := nexmarkQuery(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, cs := range streams {
			if text := statementText(cs.Origin().Text); !strings.Contains(string(slt), "\n"+text+"\n\n") {
				t.Errorf("%s: nexmark.slt does not run\n%s", name, text)
			}
		}
	}
}

// statementText is a statement of a script without its comment lines and
// final semicolon.
func statementText(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			lines = append(lines, l)
		}
	}
	return strings.TrimSuffix(strings.TrimSpace(strings.Join(lines, "\n")), ";")
}

func TestNexmarkSetup(t *testing.T) {
	tests := []struct {
		query   string
		events  int64
		sources string // the sources created, in order
		stream  string
		counted int64 // events of the tables read, whole epochs
	}{
		{"q0", 1000, "bid", "q0", 1012},
		{"q3", 1000, "auction person", "q3", 1000},
		{"q4", 49, "auction bid", "q4", 49},
		{"q5", 46, "bid", "q5", 46},
		{"q8", 5, "auction person", "q8", 8},
	}
	for _, tt := range tests {
		run, err := nexmarkSetup(tt.query, tt.events)
		if err != nil {
			t.Fatalf("%s: %v", tt.query, err)
		}
		var sources []string
		for _, st := range run.stmts {
			if cs, ok := st.(*parser.CreateSource); ok {
				sources = append(sources, cs.Name)
			}
		}
		if got := strings.Join(sources, " "); got != tt.sources || run.stream != tt.stream || run.events != tt.counted {
			t.Errorf("%s: sources %q, stream %s, events %d; want %q, %s, %d",
				tt.query, got, run.stream, run.events, tt.sources, tt.stream, tt.counted)
		}
	}
	if _, err := nexmarkSetup("q6", 10); err == nil || !strings.Contains(err.Error(), "known: q0, q1, q2, q3, q4, q5, q7, q8") {
		t.Errorf("q6: %v", err)
	}
	if _, err := nexmarkSetup("sources", 10); err == nil {
		t.Error("sources is not a query")
	}
}

// TestNexmarkBenchRuns runs every query's benchmark on a few thousand events.
func TestNexmarkBenchRuns(t *testing.T) {
	for _, name := range nexmarkQueryNames() {
		t.Run(name, func(t *testing.T) {
			res, err := benchNexmark(context.Background(), t.TempDir(), engine.DefaultCheckpointInterval, name, 20_000)
			if err != nil {
				t.Fatal(err)
			}
			if res.Events < 20_000 || res.Events >= 20_050 {
				t.Errorf("events %d", res.Events)
			}
		})
	}
}
