package parser

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/novelty-db/novelty/types"
)

// Statement is one parsed statement of a script. Text is the statement's own
// source text as the user wrote it (no trailing semicolon), Offset its byte
// offset in the script: errors found later (binding, planning) report
// positions as Offset + the offset inside Text.
type Statement interface {
	// Origin returns the statement's text and its offset in the script.
	Origin() Source
}

// Source locates a statement in the script it came from.
type Source struct {
	Text   string
	Offset int
}

// Origin implements Statement.
func (s Source) Origin() Source { return s }

// ObjectKind is the kind of a catalog object.
type ObjectKind uint8

// The catalog object kinds.
const (
	KindSource ObjectKind = iota + 1
	KindStream
	KindSink
	KindTable
)

func (k ObjectKind) String() string {
	switch k {
	case KindSource:
		return "source"
	case KindStream:
		return "stream"
	case KindSink:
		return "sink"
	case KindTable:
		return "table"
	}
	return "object"
}

// Option is one `key = 'value'` of a WITH clause. Keys are lower-cased.
type Option struct {
	Key   string
	Value string
	Pos   int // 1-based position of the key in the script
}

// Options is a WITH clause in the order written.
type Options []Option

// Get returns the value of key and whether it was given.
func (o Options) Get(key string) (string, bool) {
	for _, opt := range o {
		if opt.Key == key {
			return opt.Value, true
		}
	}
	return "", false
}

// String renders the options as a WITH clause body: k = 'v', ...
func (o Options) String() string {
	parts := make([]string, len(o))
	for i, opt := range o {
		parts[i] = opt.Key + " = " + QuoteString(opt.Value)
	}
	return strings.Join(parts, ", ")
}

// ColumnDef is a column of CREATE SOURCE or CREATE TABLE.
type ColumnDef struct {
	Name       string
	TypeName   string // as written, normalised to lower case
	Type       types.Type
	NotNull    bool
	PrimaryKey bool
	Serial     bool         // serial/bigserial or GENERATED ... AS IDENTITY
	Default    ast.ExprNode // DEFAULT expression, or nil
	Path       string       // PATH '$.a.b': where a json-format source finds the value
	Metadata   string       // METADATA [FROM 'key']: the record metadata (Kafka key, partition...) it holds
	Pos        int          // 1-based position of the column name
}

// WatermarkDef is `WATERMARK FOR col AS expr` of CREATE SOURCE.
type WatermarkDef struct {
	Column string
	Expr   ast.ExprNode // e.g. ts - INTERVAL '5' SECOND, rewritten for TiDB
}

// CreateSource is CREATE SOURCE name (columns, WATERMARK ...) [WITH (...)].
type CreateSource struct {
	Source
	Name        string
	IfNotExists bool
	Columns     []ColumnDef
	Watermark   *WatermarkDef
	Options     Options
}

// CreateStream is CREATE STREAM name [WITH (...)] AS SELECT ...
type CreateStream struct {
	Source
	Name        string
	IfNotExists bool
	Options     Options
	Query       ast.StmtNode // *ast.SelectStmt or *ast.SetOprStmt
	Positions   Positions
	QueryText   string // the query's original text (for SHOW and EXPLAIN)
	QueryOffset int    // offset of QueryText in the script
}

// CreateSink is CREATE SINK name FROM relation WITH (...).
type CreateSink struct {
	Source
	Name        string
	IfNotExists bool
	From        string
	Options     Options
}

// CreateTable is CREATE TABLE [IF NOT EXISTS] name (columns, PRIMARY KEY (...)).
type CreateTable struct {
	Source
	Name        string
	IfNotExists bool
	Columns     []ColumnDef
	PrimaryKey  []string // from column options or a table constraint
}

// Drop is DROP SOURCE|STREAM|SINK|TABLE [IF EXISTS] name [, ...] [CASCADE|RESTRICT].
type Drop struct {
	Source
	Kind     ObjectKind
	Names    []string
	IfExists bool
	Cascade  bool
}

// Show is SHOW SOURCES|STREAMS|SINKS|TABLES|NOVELTY CONTEXTS, or SHOW <variable>.
type Show struct {
	Source
	// What is "sources", "streams", "sinks", "tables", "novelty contexts",
	// or the lower-cased name of a session variable ("all" for SHOW ALL).
	What string
}

// Describe is DESCRIBE name.
type Describe struct {
	Source
	Name string
}

// Explain is EXPLAIN [ANALYZE] <statement>. ANALYZE runs the statement
// (a bounded query) and reports rows and time per operator.
type Explain struct {
	Source
	Stmt    Statement
	Analyze bool
}

// Subscribe is SUBSCRIBE name | SUBSCRIBE (SELECT ...) [LIMIT n].
type Subscribe struct {
	Source
	Name      string       // set for SUBSCRIBE name
	Query     ast.StmtNode // set for SUBSCRIBE (SELECT ...)
	Positions Positions
	Limit     int64 // -1 for no limit
}

// Positions maps an offset in the text handed to TiDB (what
// ast.Node.OriginTextPosition returns) back to a 0-based offset in the
// original script, so errors found while binding point at what the user wrote.
type Positions func(rewritten int) int

// Query is a SELECT (or a set operation of SELECTs) handed to TiDB's parser.
type Query struct {
	Source
	Stmt      ast.StmtNode // *ast.SelectStmt or *ast.SetOprStmt
	Positions Positions
	// Params is the number of $n placeholders; TiDB's markers are numbered in
	// order of appearance, ParamOrder[i] is the $n of the i-th marker (0-based n-1).
	Params     int
	ParamOrder []int
}

// DML is INSERT, UPDATE or DELETE, handed to TiDB's parser.
type DML struct {
	Source
	Stmt       ast.StmtNode // *ast.InsertStmt, *ast.UpdateStmt or *ast.DeleteStmt
	Positions  Positions
	Params     int
	ParamOrder []int
}

// Truncate is TRUNCATE [TABLE] name.
type Truncate struct {
	Source
	Name string
}

// Copy is COPY name [(columns)] FROM STDIN [WITH] [(options)] or the old
// option forms (CSV, HEADER, DELIMITER 'x', NULL 'y'). The parser fills
// in the format's defaults: Delimiter is tab for text and "," for CSV, Null
// is \N for text and "" for CSV.
type Copy struct {
	Source
	Table     string
	Columns   []string // target columns; nil for all, in table order
	Format    string   // "text" or "csv"
	Header    bool     // the first line is a header and is skipped
	Delimiter string   // one single-byte character
	Null      string   // the unquoted text that stands for NULL
}

// Set is SET [SESSION|LOCAL] name {=|TO} value, SET TIME ZONE value, or
// SET SESSION CHARACTERISTICS AS TRANSACTION ...
type Set struct {
	Source
	Name  string // lower-cased; "timezone" for SET TIME ZONE
	Value string // unquoted; "default" for DEFAULT
	Local bool
}

// TxnKind is the kind of a transaction control statement.
type TxnKind uint8

// The transaction control statements.
const (
	TxnBegin TxnKind = iota + 1
	TxnCommit
	TxnRollback
)

// Transaction is BEGIN / START TRANSACTION / COMMIT / END / ROLLBACK / ABORT.
type Transaction struct {
	Source
	Kind TxnKind
}

// Discard is DISCARD ALL.
type Discard struct {
	Source
}

// ResetNovelty is RESET NOVELTY CONTEXT 'name'.
type ResetNovelty struct {
	Source
	Context string
}

// Empty is a statement with no content (";" or a comment).
type Empty struct {
	Source
}

// QuoteString quotes s as a standard SQL string literal.
func QuoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
