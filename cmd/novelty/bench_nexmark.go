package main

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/novelty-db/novelty/parser"
)

// nexmarkSQL holds the Nexmark queries (nexmark/qN.sql: the CREATE STREAM
// statements of query qN, the last one its result) and the sources they
// read (nexmark/sources.sql). testdata/logic/nexmark.slt runs the same
// statements on hand-written rows.
//
//go:embed nexmark/*.sql
var nexmarkSQL embed.FS

// nexmarkSourcesFile declares the sources; every other file is a query.
const nexmarkSourcesFile = "sources.sql"

// nexmarkShare is each table's share of every nexmarkEpoch generated
// events (Nexmark's proportions 1:3:46).
var nexmarkShare = map[string]int64{"person": 1, "auction": 3, "bid": 46}

const nexmarkEpoch = 50

// nexmarkRun is what benchNexmark executes for one query.
type nexmarkRun struct {
	stmts []parser.Statement
	// stream is the query's result: the last stream it creates.
	stream string
	// events counts the events of the tables the query reads.
	events int64
}

// nexmarkQueryNames lists the queries of the embedded files, sorted.
func nexmarkQueryNames() []string {
	files, err := fs.Glob(nexmarkSQL, "nexmark/*.sql")
	if err != nil {
		return nil
	}
	var names []string
	for _, f := range files {
		if name := strings.TrimSuffix(strings.TrimPrefix(f, "nexmark/"), ".sql"); name+".sql" != nexmarkSourcesFile {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// nexmarkQuery parses the statements of query name.
func nexmarkQuery(name string) ([]*parser.CreateStream, error) {
	script, err := nexmarkSQL.ReadFile("nexmark/" + name + ".sql")
	if err != nil || name+".sql" == nexmarkSourcesFile {
		return nil, fmt.Errorf("unknown nexmark query %q (known: %s)", name, strings.Join(nexmarkQueryNames(), ", "))
	}
	stmts, err := parser.Parse(string(script))
	if err != nil {
		return nil, fmt.Errorf("nexmark query %s: %w", name, err)
	}
	var streams []*parser.CreateStream
	for _, st := range stmts {
		cs, ok := st.(*parser.CreateStream)
		if !ok {
			return nil, fmt.Errorf("nexmark query %s: %T is not CREATE STREAM", name, st)
		}
		streams = append(streams, cs)
	}
	if len(streams) == 0 {
		return nil, fmt.Errorf("nexmark query %s creates no stream", name)
	}
	return streams, nil
}

// nexmarkSources parses the source declarations, by name.
func nexmarkSources() (map[string]*parser.CreateSource, error) {
	script, err := nexmarkSQL.ReadFile("nexmark/" + nexmarkSourcesFile)
	if err != nil {
		return nil, err
	}
	stmts, err := parser.Parse(string(script))
	if err != nil {
		return nil, fmt.Errorf("nexmark sources: %w", err)
	}
	sources := map[string]*parser.CreateSource{}
	for _, st := range stmts {
		cs, ok := st.(*parser.CreateSource)
		if !ok {
			return nil, fmt.Errorf("nexmark sources: %T is not CREATE SOURCE", st)
		}
		sources[cs.Name] = cs
	}
	return sources, nil
}

// nexmarkSetup plans the benchmark of query name over events events of the
// tables it reads: those sources on the nexmark connector, bounded to just
// enough whole epochs of the generator, then the query's streams. Nothing
// is retained (retention '0') unless a statement says otherwise. The
// options are added to the parsed statements, so the catalog keeps the
// files' text; a benchmark's data directory is never reopened.
func nexmarkSetup(name string, events int64) (nexmarkRun, error) {
	streams, err := nexmarkQuery(name)
	if err != nil {
		return nexmarkRun{}, err
	}
	sources, err := nexmarkSources()
	if err != nil {
		return nexmarkRun{}, err
	}
	read := map[string]bool{}
	for _, cs := range streams {
		cs.Query.Accept(relationNames(read))
	}
	var tables []string
	var share int64
	for table := range sources {
		if read[table] {
			tables = append(tables, table)
			share += nexmarkShare[table]
		}
	}
	if share == 0 {
		return nexmarkRun{}, fmt.Errorf("nexmark query %s reads none of the sources person, auction, bid", name)
	}
	sort.Strings(tables)
	epochs := (events + share - 1) / share
	run := nexmarkRun{stream: streams[len(streams)-1].Name, events: epochs * share}
	for _, table := range tables {
		src := sources[table]
		src.Options = append(src.Options,
			parser.Option{Key: "connector", Value: "nexmark"},
			parser.Option{Key: "table", Value: table},
			parser.Option{Key: "events", Value: strconv.FormatInt(epochs*nexmarkEpoch, 10)},
			parser.Option{Key: "retention", Value: "0"})
		run.stmts = append(run.stmts, src)
	}
	for _, cs := range streams {
		if _, ok := cs.Options.Get("retention"); !ok {
			cs.Options = append(cs.Options, parser.Option{Key: "retention", Value: "0"})
		}
		run.stmts = append(run.stmts, cs)
	}
	return run, nil
}

// relationNames collects the relation names a query reads.
type relationNames map[string]bool

func (r relationNames) Enter(n ast.Node) (ast.Node, bool) {
	if t, ok := n.(*ast.TableName); ok {
		r[t.Name.L] = true
	}
	return n, false
}

func (r relationNames) Leave(n ast.Node) (ast.Node, bool) { return n, true }
