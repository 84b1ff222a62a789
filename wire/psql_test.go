package wire

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// psqlPath finds psql. CI installs it (the variable CI is set there), so a
// missing psql fails the test in CI and skips it elsewhere.
func psqlPath(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("psql")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("psql is required in CI: %v", err)
		}
		t.Skip("psql is not installed")
	}
	return path
}

// runPsql runs psql against the test server with unaligned, tuples-only
// output and returns its stdout, stderr and error.
func runPsql(t *testing.T, ts *testServer, stdin string, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	host, port, _ := strings.Cut(ts.addr, ":")
	conninfo := "host=" + host + " port=" + port + " user=alice dbname=appdb sslmode=prefer connect_timeout=10"
	cmd := exec.CommandContext(ctx, psqlPath(t), append([]string{"-X", "-A", "-t", "-d", conninfo}, args...)...)
	cmd.Env = append(os.Environ(), "PGTZ=", "PGOPTIONS=", "PGCLIENTENCODING=")
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

func TestPsql(t *testing.T) {
	ts := startServer(t)
	tests := []struct {
		name       string
		stdin      string
		args       []string
		wantOut    string
		wantErr    string // substring of stderr
		wantFailed bool
	}{
		{name: "select", args: []string{"-c", "select 1"}, wantOut: "1\n"},
		{name: "types", args: []string{"-F", "|", "-c", "select types"},
			wantOut: `t|-2|4|8000000000|1.5|0.1|12.25|héllo|v|\xcafe|2024-01-31|2024-01-31 12:34:56.789|` +
				`2024-01-31 12:34:56.789+00|1 year 2 mons 3 days 00:05:00|{"k":[1,2]}|{"k": [1, 2]}|` +
				`a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11|{a,"b c"}|` + "\n"},
		{name: "error", args: []string{"-c", "fail"}, wantFailed: true,
			wantErr: "ERROR:  relation \"nope\" does not exist\nLINE 1: fail\n         ^\nDETAIL:  it never existed\nHINT:  create it first"},
		{name: "script from stdin", stdin: "select 1;\nset timezone kolkata;\nselect tz;\n", args: []string{"-f", "-"},
			wantOut: "1\nSET\n2024-01-31 18:04:56.789+05:30\n"},
		{name: "transaction", stdin: "begin;\nselect 1;\ncommit;\n", args: []string{"-f", "-"},
			wantOut: "BEGIN\n1\nCOMMIT\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, err := runPsql(t, ts, tt.stdin, tt.args...)
			if failed := err != nil; failed != tt.wantFailed {
				t.Fatalf("psql error %v (want failure: %v); stderr:\n%s", err, tt.wantFailed, stderr)
			}
			if out != tt.wantOut {
				t.Errorf("stdout = %q, want %q", out, tt.wantOut)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.wantErr)
			}
		})
	}
}
