package main

import (
	"context"
	"testing"
)

// TestPsqlDescribe runs psql 15's describe commands against the real
// server: \d of a table (defaults, NOT NULL), of a source (a foreign table
// whose server is its connector) and of a stream (a view), and \des.
func TestPsqlDescribe(t *testing.T) {
	srv := startLogicServer(t, t.TempDir())
	defer srv.stop()
	conn := srv.connect(context.Background())
	defer conn.Close(context.Background())
	mustExec(t, conn, "CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, score double precision DEFAULT 1.5)")
	mustExec(t, conn, "CREATE SOURCE logins (user_name text, ts timestamp, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)")
	mustExec(t, conn, "CREATE STREAM named AS SELECT user_name FROM logins WHERE user_name <> ''")
	tests := []struct{ command, want string }{
		{`\d users`, `Table "public.users"
Column|Type|Collation|Nullable|Default
id|integer||not null|nextval('users_id_seq'::regclass)
name|text||not null|
score|double precision|||1.5
`},
		{`\d logins`, `Foreign table "public.logins"
Column|Type|Collation|Nullable|Default|FDW options
user_name|text||||
ts|timestamp without time zone||||
Server: insert
`},
		{`\d named`, `View "public.named"
Column|Type|Collation|Nullable|Default
user_name|text|||
`},
		{`\des`, `List of foreign servers
Name|Owner|Foreign-data wrapper
insert|tester|novelty
(1 row)
`},
	}
	for _, tc := range tests {
		out, stderr, err := psql(t, srv, t.TempDir(), "-P", "tuples_only=off", "-c", tc.command)
		if err != nil || stderr != "" {
			t.Fatalf("%s: %v\n%s", tc.command, err, stderr)
		}
		if out != tc.want {
			t.Errorf("%s:\n got:\n%s\nwant:\n%s", tc.command, out, tc.want)
		}
	}
}
