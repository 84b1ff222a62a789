package parser

import (
	"strings"

	tparser "github.com/pingcap/tidb/pkg/parser"
)

// kwClass says how the rewriter treats an unquoted word. Words not listed
// are plain identifiers: operands, function names when followed by "(",
// type names when followed by a string literal (PG's `type 'literal'`).
type kwClass uint8

const (
	kwNone   kwClass = iota
	kwSyntax         // part of the grammar: never an operand
	kwFunc           // a keyword that is a function when followed by "(" (coalesce, left, ...)
	kwValue          // a keyword that is a value on its own (true, null, current_date, ...)
	kwType           // a type name that may start a typed literal (timestamp '...')
)

// keywords lists Postgres' reserved, type_func_name and col_name keywords,
// plus the unreserved keywords that carry meaning inside SELECT, INSERT,
// UPDATE and DELETE (the words a string literal or "(" may follow without
// making a typed literal or a function call).
var keywords = func() map[string]kwClass {
	m := map[string]kwClass{}
	add := func(c kwClass, words string) {
		for _, w := range strings.Fields(words) {
			m[w] = c
		}
	}
	add(kwSyntax, `all analyse analyze and any array as asc asymmetric both case cast check collate column
		constraint create default deferrable desc distinct do else end except fetch for foreign from
		grant group having in initially intersect into lateral leading limit not offset on only or order
		placing primary references returning select some symmetric table then to trailing union unique
		using variadic when where window with
		authorization binary collation concurrently cross freeze full ilike inner is isnull join like
		natural notnull outer overlaps similar tablesample verbose
		between exists inout none out setof values
		at by escape uescape zone over filter within partition rows range groups nulls
		preceding following unbounded set update delete insert conflict recursive materialized`)
	add(kwFunc, `coalesce greatest least nullif extract position substring trim overlay grouping
		normalize treat left right row values`)
	add(kwValue, `true false null current_catalog current_date current_role current_time
		current_timestamp current_user localtime localtimestamp session_user system_user user
		current_schema`)
	add(kwType, `bigint bit boolean char character dec decimal float int integer interval json
		national nchar numeric precision real smallint time timestamp varchar double`)
	return m
}()

// tidbReserved are the words TiDB's grammar reserves. An identifier Postgres
// accepts that TiDB reserves (key, index, rank, read, ...) is sent quoted.
var tidbReserved = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range tparser.Keywords {
		if k.Reserved {
			m[strings.ToLower(k.Word)] = true
		}
	}
	return m
}()

// tidbWindowAggregates are Novelty aggregates whose names TiDB's grammar
// reserves for its window functions: TiDB reads first_value(x) only with
// OVER, while Novelty also has it as an aggregate (in arrival order).
var tidbWindowAggregates = map[string]bool{"first_value": true, "last_value": true}

// needsTiDBQuote reports whether the identifier word, which Postgres reads
// as a plain identifier (or a type name used as a column name), must be
// quoted for TiDB to read it as one.
func needsTiDBQuote(word string) bool {
	c := keywords[word]
	return tidbReserved[word] && (c == kwNone || c == kwType)
}
