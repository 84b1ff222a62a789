package parser

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/novelty-db/novelty/types"
)

// FuzzParse feeds arbitrary scripts to Parse. Whatever the input, Parse
// must not panic, and an error must be a *types.Error with a SQLSTATE and a
// position inside the script (1-based; one past the end for an error at
// the end of the input).
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"SELECT 1",
		"SELECT a, b FROM t WHERE x = $1 AND y LIKE 'a%' ORDER BY a LIMIT 3;",
		"CREATE SOURCE logins (user_name VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH (connector = 'file', path = 'a.jsonl')",
		"CREATE STREAM s WITH (retention = '1h') AS SELECT window_start, count(*) FROM logins GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE)",
		"INSERT INTO t (a, b) VALUES (1, E'x\\ny'), (2, $$dollar$$); UPDATE t SET b = 'z' WHERE a = 1",
		"SELECT d->'a'->>'b', '{}'::jsonb, x::text[] FROM t -- comment\n/* block */;",
		"SUBSCRIBE (SELECT * FROM s) LIMIT 10; SET search_path = public; BEGIN; COMMIT",
		"SELECT 'unterminated",
		"SELECT \"quoted id\", U&'\\0041' FROM \"t\"",
		"INSERT " + strings.Repeat("0", 62) + "2" + strings.Repeat("0", 18),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, script string) {
		_, err := Parse(script)
		if err == nil {
			return
		}
		var uerr *types.Error
		if !errors.As(err, &uerr) {
			t.Fatalf("Parse(%q) returned %T, want *types.Error: %v", script, err, err)
		}
		if uerr.Code == "" {
			t.Errorf("Parse(%q): error without a SQLSTATE: %v", script, err)
		}
		if chars := utf8.RuneCountInString(script); uerr.Position < 1 || uerr.Position > chars+1 {
			t.Errorf("Parse(%q): error position %d outside 1..%d: %v", script, uerr.Position, chars+1, err)
		}
	})
}
