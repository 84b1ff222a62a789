package engine

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/types"
)

func TestParseByteSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"0", 0}, {"1048576", 1 << 20}, {"900B", 900}, {"64kB", 64 << 10}, {"64 KB", 64 << 10},
		{"512MB", 512 << 20}, {"512mib", 512 << 20}, {"1GiB", 1 << 30}, {" 2 GB ", 2 << 30}, {"1TB", 1 << 40},
	} {
		if got, err := parseByteSize("max_state", tc.in); err != nil || got != tc.want {
			t.Errorf("parseByteSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "lots", "MB", "-1MB", "1.5GB", "12 parsecs", "99999999999TB", "1e9"} {
		_, err := parseByteSize("max_state", bad)
		want := fmt.Sprintf(`invalid value %q for option "max_state": expected a size such as '512MB', '64kB', '1GiB' or '0' for no limit`, bad)
		if types.CodeOf(err) != types.CodeInvalidParameterValue || err.Error() != want {
			t.Errorf("parseByteSize(%q) = %v, want %s", bad, err, want)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0 bytes", 1023: "1023 bytes", 1024: "1 KiB", 64 << 10: "64 KiB", 1536: "1.5 KiB",
		612<<20 + 400<<10: "612.3 MiB", 1 << 30: "1 GiB", 3 << 40: "3 TiB",
	} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestStateLimitExceeded(t *testing.T) {
	err := stateLimitExceeded("clicks", 612<<20+400<<10, 512<<20)
	if err.Code != types.CodeProgramLimitExceeded ||
		err.Message != `stream "clicks" holds 612.3 MiB of state, over its max_state of 512 MiB` ||
		!strings.Contains(err.Hint, "larger max_state") || !strings.Contains(err.Hint, "WATERMARK") {
		t.Errorf("got %s %q (hint %q)", err.Code, err.Message, err.Hint)
	}
}

// TestStreamStateLimit: a stream whose open window holds more groups than
// its max_state allows stops with the limit's error, shown as failed with
// its last_error; streams with a larger limit or none, and the source, go
// on.
func TestStreamStateLimit(t *testing.T) {
	e, s := openMemoryEngine(t)
	run1(t, s, `CREATE SOURCE ev (ts TIMESTAMP, k TEXT, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)`)
	const perKey = `SELECT window_start, k, count(*) AS n FROM ev GROUP BY TUMBLE(ts, INTERVAL '1' HOUR), k`
	run1(t, s, `CREATE STREAM small WITH (max_state = '64kB') AS `+perKey)
	run1(t, s, `CREATE STREAM big WITH (max_state = '64MB') AS `+perKey)
	run1(t, s, `CREATE STREAM unlimited WITH (max_state = '0') AS `+perKey)
	run1(t, s, `CREATE STREAM passed AS SELECT k FROM ev`)
	// 5000 groups in one open window: well over 64 KiB of state.
	run1(t, s, `INSERT INTO ev SELECT '2024-01-01 00:00:00'::timestamp + n * INTERVAL '1 millisecond', 'key' || n FROM generate_series(1, 5000) AS g(n)`)

	small, _ := e.lookup("small")
	select {
	case <-small.done:
	case <-time.After(10 * time.Second):
		t.Fatal("stream small still runs over its max_state")
	}
	want := regexp.MustCompile(`^stream "small" holds [0-9.]+ (KiB|MiB) of state, over its max_state of 64 KiB \(hint: Recreate the stream with a larger max_state`)
	if got := small.stats.errorText(); !want.MatchString(got) {
		t.Fatalf("last error %q, want one matching %s", got, want)
	}

	// Closing the window: the other streams took every row.
	run1(t, s, `INSERT INTO ev VALUES ('2024-01-01 02:00:00', 'last')`)
	waitRows(t, s, `SELECT count(*) FROM big`, []string{"5000"})
	waitRows(t, s, `SELECT count(*) FROM unlimited`, []string{"5000"})
	waitRows(t, s, `SELECT count(*) FROM passed`, []string{"5001"})

	states := map[string]string{}
	for _, m := range e.Metrics().Objects {
		states[m.Name] = m.Pipeline
	}
	if states["small"] != PipelineFailed || states["big"] != PipelineRunning || states["unlimited"] != PipelineRunning {
		t.Errorf("pipeline states %v", states)
	}
	var shown []string
	for _, row := range run1(t, s, `SHOW STREAMS`) {
		if strings.HasPrefix(row, "small|") {
			shown = append(shown, row)
		}
	}
	if len(shown) != 1 || !strings.HasSuffix(shown[0], "|"+small.stats.errorText()) {
		t.Errorf("SHOW STREAMS shows %q", shown)
	}
}

func TestStreamMaxStateOption(t *testing.T) {
	e, s := openMemoryEngine(t)
	run1(t, s, `CREATE SOURCE ev (ts TIMESTAMP, k TEXT)`)
	for _, tc := range []struct {
		value string
		want  int64
	}{{"", 1 << 30}, {"'256MB'", 256 << 20}, {"'0'", 0}} {
		name := fmt.Sprintf("s%d", tc.want)
		with := ""
		if tc.value != "" {
			with = "WITH (max_state = " + tc.value + ") "
		}
		run1(t, s, `CREATE STREAM `+name+` `+with+`AS SELECT k FROM ev`)
		if o, _ := e.lookup(name); o.maxState != tc.want {
			t.Errorf("max_state %s: %d bytes, want %d", tc.value, o.maxState, tc.want)
		}
	}
	stmts, err := parser.Parse(`CREATE STREAM bad WITH (max_state = 'lots') AS SELECT k FROM ev`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Execute(context.Background(), stmts[0], &textRows{})
	want := `invalid value "lots" for option "max_state": expected a size such as '512MB', '64kB', '1GiB' or '0' for no limit`
	if types.CodeOf(err) != types.CodeInvalidParameterValue || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	if _, ok := e.lookup("bad"); ok {
		t.Error("stream bad was created")
	}
	if got := run1(t, s, `SHOW STREAMS`); len(got) != 3 {
		t.Errorf("streams %q, want the three created", got)
	}
}
