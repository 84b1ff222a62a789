// Package parser is Novelty's SQL front end: a PostgreSQL-aware tokenizer
// and statement parser in front of TiDB's parser.
//
// # Scripts
//
// Parse takes a whole script. Statements end at ";" outside strings,
// quoted identifiers, comments and dollar quotes. A syntax error anywhere
// fails the whole script, as in Postgres; errors carry SQLSTATE 42601 and
// the 1-based character position in the script, with Postgres' wording
// (`syntax error at or near "FRM"`, `syntax error at end of input`; an
// error at the end of a statement followed by ";" is reported at or near
// ";"). A ";" with nothing (or only comments) before it is an empty
// statement; so is a script with no statement at all.
//
// # Lexical rules (Postgres')
//
//   - Unquoted identifiers and keywords fold to lower case (ASCII only);
//     "Quoted" identifiers keep their case, "" is a quote.
//   - 'strings' with ” for a quote; backslashes are ordinary characters.
//     Two strings separated by whitespace containing a newline are one
//     string; on one line they are a syntax error.
//   - E'...' strings decode \n \t \b \f \r \\ \' \xHH \uXXXX \UXXXXXXXX and
//     octal \ooo. $$...$$ and $tag$...$tag$ are strings taken literally.
//   - Comments: -- to end of line, and /* nested */ block comments.
//   - Numbers: 0x1F, 0o17, 0b101 and 1_000 are integers (TiDB would read
//     0x1F as a binary string). B'...', X'...' and U&'...' are refused.
//   - $1, $2 ... are parameters. TiDB numbers "?" markers by position, so
//     Query.ParamOrder[i] is the n-1 of the i-th marker; Params is the
//     largest n. Statements that take no parameters (CREATE STREAM,
//     SUBSCRIBE, DEFAULT and WATERMARK expressions) refuse $n with 42P02.
//
// # Statements parsed here
//
//	CREATE SOURCE [IF NOT EXISTS] name [( col type [NOT NULL] [PATH '$.a.b'], ...,
//	    WATERMARK FOR col AS expr )] [WITH (key = value, ...)]
//	CREATE STREAM [IF NOT EXISTS] name [WITH (...)] AS query
//	CREATE SINK [IF NOT EXISTS] name FROM relation WITH (...)
//	CREATE TABLE [IF NOT EXISTS] name ( col type [NOT NULL|NULL] [PRIMARY KEY]
//	    [DEFAULT expr] [GENERATED {ALWAYS|BY DEFAULT} AS IDENTITY], ...,
//	    [[CONSTRAINT c] PRIMARY KEY (a, ...)] )
//	DROP {SOURCE|STREAM|SINK|TABLE} [IF EXISTS] name [, ...] [CASCADE|RESTRICT]
//	SHOW {SOURCES|STREAMS|SINKS|TABLES|NOVELTY CONTEXTS|ALL|variable}
//	DESCRIBE name | DESC name       EXPLAIN statement       TRUNCATE [TABLE] name
//	SUBSCRIBE [TO] name [LIMIT n] | SUBSCRIBE (query) [LIMIT n]
//	SET [SESSION|LOCAL] name {=|TO} {value[, ...]|DEFAULT}    RESET name | RESET ALL
//	SET TIME ZONE value | SET NAMES value | SET SCHEMA value
//	SET [SESSION CHARACTERISTICS AS] TRANSACTION modes
//	BEGIN [WORK|TRANSACTION] [modes] | START TRANSACTION [modes]
//	COMMIT | END | ROLLBACK | ABORT [WORK|TRANSACTION] [AND NO CHAIN]
//	DISCARD ALL         RESET NOVELTY CONTEXT 'name'
//	DECLARE name [BINARY] [NO SCROLL] CURSOR [WITH HOLD|WITHOUT HOLD] FOR {query|SUBSCRIBE ...}
//	{FETCH|MOVE} [NEXT|FORWARD [n|ALL]|n|ALL] [FROM|IN] name [WITH (timeout = 'interval')]
//	CLOSE name | CLOSE ALL
//	COPY name [(col, ...)] FROM STDIN [options] | COPY {name [(col, ...)]|(query)} TO STDOUT [options]
//
// Object names may be qualified with public. (the only schema). Option keys
// fold to lower case and may be dotted (properties.bootstrap.server); values
// are 'strings', numbers or bare words (folded). A duplicate key is an
// error. Type names may have several words (double precision, character
// varying(20), timestamp with time zone) and array brackets (text[]); an
// unknown type is 42704 `type "foo" does not exist`. serial types and
// GENERATED ... AS IDENTITY mark a column Serial. UNIQUE, CHECK, FOREIGN KEY
// and REFERENCES are refused (0A000) rather than accepted unenforced.
// Primary key columns are NOT NULL. RESET x means SET x TO DEFAULT.
// Transaction modes are validated and dropped. Savepoints are refused.
//
// # Queries and DML
//
// SELECT (also WITH, UNION/INTERSECT/EXCEPT, TABLE t), INSERT, UPDATE and
// DELETE are rewritten token by token into text TiDB reads with Postgres'
// meaning, then parsed by TiDB (ANSI_QUOTES, PIPES_AS_CONCAT,
// NO_BACKSLASH_ESCAPES). The rewrites:
//
//   - x::type and CAST(x AS type) become pg_cast(x, 'type'), the type name
//     normalised as written ('bigint', 'timestamp with time zone',
//     'varchar(20)', 'pg_catalog.text', 'regclass'). :: binds tightest: its
//     operand is the preceding name, literal, parameter, call, parenthesised
//     expression, ARRAY[...], CASE ... END or cast. Typed literals
//     (DATE '2024-01-01', jsonb '{}', any `name 'string'`) are pg_cast too:
//     TiDB would read `name 'string'` as a column alias.
//   - INTERVAL '5 minutes' becomes pg_interval('5 minutes'); INTERVAL '5'
//     MINUTE becomes pg_interval('5 minute'); with X TO Y a plain number
//     counts the last field; a non-numeric string is passed as it is (the
//     field then does not mask lower fields). INTERVAL 5 MINUTE (Flink and
//     MySQL style) is accepted.
//   - Operators. Postgres' precedence is kept: :: ; unary + - ; COLLATE and
//     AT TIME ZONE ; ^ ; * / % ; + - ; all other operators, one level,
//     left-associative ; comparison ; IS ; NOT ; AND ; OR. So the left
//     operand of an "other" operator extends back over * / % + - and unary
//     signs, and its right operand over the following arithmetic:
//     1 + d -> 'x' is pg_json_get(1 + d, 'x') and d -> i + 1 is
//     pg_json_get(d, i + 1), while d ->> 'a' = 'b' compares the result.
//     a ~ b is pg_regex_match(a, b), a !~ b is (NOT pg_regex_match(a, b)),
//     ~* and !~* use pg_regex_imatch; a -> b is pg_json_get(a, b), a ->> b
//     pg_json_get_text(a, b). ||, &, |, <<, >> stay operators inside explicit
//     parentheses (TiDB binds || tighter than *). a ^ b is power(a, b) (TiDB
//     reads ^ as XOR; -2 ^ 2 is 4 as in Postgres). OPERATOR(schema.op) is op.
//     Operators Postgres has and TiDB would misread or lacks (# @ ? && @>
//     <@ #> ...) are refused with 0A000.
//   - a IS [NOT] DISTINCT FROM b becomes (NOT (a <=> b)) / (a <=> b),
//     operands extending to the nearest AND, OR, NOT, comma or clause word.
//   - x = ANY (ARRAY[...]) becomes x IN (...), x <> ALL (ARRAY[...]) becomes
//     x NOT IN (...); ANY/ALL over a subquery pass through; other array
//     forms are refused.
//   - ARRAY[a, b] becomes pg_array(a, b); EXTRACT(f FROM x) becomes
//     date_part('f', x); x AT TIME ZONE z becomes timezone(z, x);
//     SESSION(ts, gap) becomes session_window(ts, gap) (TiDB reserves
//     SESSION; TUMBLE and HOP parse as ordinary calls).
//   - COLLATE "default", "C" and "POSIX" (also pg_catalog.-qualified) are
//     dropped: strings compare by bytes. Other collations are refused.
//   - LIMIT ALL, OFFSET without LIMIT, OFFSET n ROWS and FETCH {FIRST|NEXT}
//     n ROWS ONLY, in any order, become TiDB's LIMIT n OFFSET m (no limit is
//     LIMIT 18446744073709551615). MySQL's LIMIT a, b is refused.
//   - Identifiers TiDB reserves but Postgres does not (key, index, rank,
//     read, and type words used as column names: real, int, ...) are sent
//     quoted, so they stay identifiers.
//   - first_value(x) and last_value(x) without OVER are sent with their names
//     quoted ("first_value"(x)): TiDB reserves the names for its window
//     functions and accepts them only with OVER, while Novelty also has
//     them as aggregates. TiDB then reads an ordinary call under the name
//     written, which the planner binds as the aggregate. With OVER (also
//     RESPECT or IGNORE NULLS OVER) they stay TiDB's window functions.
//   - A string directly after an operand or after AS is a syntax error
//     (TiDB would take it as an alias).
//   - TRUE and FALSE are left to TiDB: they parse as 1 and 0 whose type
//     carries IsBooleanFlag; BoolLiteral tells them from numbers.
//
// Not rewritten (TiDB reports a syntax error, nothing is misread): array
// subscripts a[1], ANY/ALL over array values other than ARRAY[...],
// NULLS FIRST/LAST, FILTER (WHERE ...), DISTINCT ON, VALUES as a table,
// BETWEEN SYMMETRIC, ON CONFLICT, RETURNING.
//
// # Positions
//
// Source.Offset and Source.Text locate each statement in the script, as
// written. TiDB's nodes are built from rewritten text; the parser moves the
// OriginTextPosition of every expression node back to the source: it is
// the byte offset, inside the Text of the Statement that holds the node, of
// the token the expression starts at (for a rewritten operator, the
// operator). This holds for every AST the parser returns, including DEFAULT
// and WATERMARK expressions and ParseExpr. The Positions of a Query, DML,
// CreateStream or Subscribe turns such an offset into the 0-based character
// offset in the script, so Positions(n.OriginTextPosition())+1 is the
// Postgres error position. TiDB's own Text() of a node is the rewritten
// text.
package parser
