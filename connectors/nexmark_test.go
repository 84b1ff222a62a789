package connectors

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/novelty-db/novelty/types"
)

func newGeneratorSource(t *testing.T, connector string, schema types.Schema, extra map[string]string, kv ...string) (Source, error) {
	t.Helper()
	f, err := Default().Source(connector)
	if err != nil {
		t.Fatal(err)
	}
	resolved, err := Validate(f.Name, f.Options, opts(kv...))
	if err != nil {
		return nil, err
	}
	for k, v := range extra {
		resolved[k] = v
	}
	src, err := f.New(SourceConfig{Name: "gen", Schema: schema, Options: resolved, Clock: func() time.Time { return fixedTime }})
	if err != nil {
		return nil, err
	}
	if err := src.Open(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	return src, nil
}

func TestNexmarkFactory(t *testing.T) {
	src, err := newGeneratorSource(t, NexmarkConnector, nil, nil,
		"connector", "nexmark", "table", "BID", "events", "100", "seed", "3",
		"base_time", "2020-01-01 00:00:00", "max_out_of_order", "0")
	if err != nil {
		t.Fatal(err)
	}
	b := types.NewBatch(7)
	if err := src.Read(context.Background(), b); err != nil || b.Len != 92 || b.Width != 7 {
		t.Fatalf("Read = %d rows of width %d, %v; want 92 bids of 7 columns", b.Len, b.Width, err)
	}
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	if first := b.Row(0)[5]; first.Typ != types.Timestamp || first.I != base {
		t.Errorf("first bid at %v, want %d", first, base)
	}
	if err := src.Read(context.Background(), b); !errors.Is(err, io.EOF) {
		t.Errorf("second Read = %v, want io.EOF", err)
	}

	declared := types.Schema{{Name: "price", Type: types.Int8}, {Name: "auction", Type: types.Int8}}
	src, err = newGeneratorSource(t, NexmarkConnector, declared, nil, "table", "bid", "events", "50")
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Read(context.Background(), b); err != nil || b.Width != 2 || b.Row(0)[1].I < 1000 {
		t.Errorf("declared columns: width %d, first row %v, %v", b.Width, b.Row(0), err)
	}
}

func TestNexmarkFactoryErrors(t *testing.T) {
	for _, tt := range []struct {
		kv  []string
		msg string
	}{
		{[]string{"events", "5"}, `option "table" is required for connector nexmark`},
		{[]string{"table", "bids"}, `invalid value "bids" for option "table"`},
		{[]string{"table", "bid", "events", "-1"}, `invalid value "-1" for option "events": want a whole number, 0 or more`},
		{[]string{"table", "bid", "rate", "fast"}, `invalid value "fast" for option "rate"`},
		{[]string{"table", "bid", "rate", "2000000000"}, `invalid value "2000000000" for option "rate": at most 1000000000 per second`},
		{[]string{"table", "bid", "seed", "1.5"}, `invalid value "1.5" for option "seed": want a whole number`},
		{[]string{"table", "bid", "max_out_of_order", "soon"}, `invalid value "soon" for option "max_out_of_order"`},
		{[]string{"table", "bid", "base_time", "yesterday"}, `invalid value "yesterday" for option "base_time"`},
	} {
		_, err := newGeneratorSource(t, NexmarkConnector, nil, nil, tt.kv...)
		if err == nil || !strings.Contains(err.Error(), tt.msg) || types.CodeOf(err) != types.CodeInvalidParameterValue {
			t.Errorf("%v: %v, want a 22023 error containing %q", tt.kv, err, tt.msg)
		}
	}
	for _, v := range []string{"250", "5s", "1m30s"} {
		if _, err := newGeneratorSource(t, NexmarkConnector, nil, nil, "table", "person", "max_out_of_order", v); err != nil {
			t.Errorf("max_out_of_order = %q: %v", v, err)
		}
	}
	_, err := newGeneratorSource(t, NexmarkConnector, types.Schema{{Name: "colour", Type: types.Text}}, nil, "table", "bid")
	if types.CodeOf(err) != types.CodeUndefinedColumn {
		t.Errorf("undeclared column: %v", err)
	}
}

// fakeTime is a clock that sleeping advances, when advancing is set.
type fakeTime struct {
	now       time.Time
	advancing bool
	slept     []time.Duration
}

func (f *fakeTime) clock() time.Time { return f.now }

func (f *fakeTime) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.slept = append(f.slept, d)
	if f.advancing {
		f.now = f.now.Add(d)
	}
	return nil
}

func TestRatePacer(t *testing.T) {
	for _, advancing := range []bool{true, false} {
		ft := &fakeTime{now: fixedTime, advancing: advancing}
		p := &ratePacer{rate: 10, clock: ft.clock, sleep: ft.sleep}
		ctx := context.Background()
		steps := []struct {
			next, bound int64
			advance     time.Duration
		}{
			{next: 50, bound: 51},                            // the first position is due at once
			{next: 51, bound: 52},                            // then one per 100ms: sleeps 100ms
			{next: 52, bound: 53},                            // sleeps another 100ms
			{next: 53, bound: 53 + 10, advance: time.Second}, // a second later: 10 more due
		}
		for i, s := range steps {
			if advancing {
				ft.now = ft.now.Add(s.advance)
			} else if s.advance > 0 {
				continue
			}
			bound, err := p.Due(ctx, s.next)
			if err != nil || bound != s.bound {
				t.Errorf("advancing=%v step %d: Due(%d) = %d, %v; want %d", advancing, i, s.next, bound, err, s.bound)
			}
		}
		if want := []time.Duration{100 * time.Millisecond, 100 * time.Millisecond}; len(ft.slept) != 2 || ft.slept[0] != want[0] || ft.slept[1] != want[1] {
			t.Errorf("advancing=%v: slept %v, want %v", advancing, ft.slept, want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ft := &fakeTime{now: fixedTime}
	p := &ratePacer{rate: 1, clock: ft.clock, sleep: ft.sleep}
	if _, err := p.Due(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Due(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("Due with a cancelled context = %v", err)
	}
	if d := (&ratePacer{rate: 3}).durationOf(4); d != time.Second+333_333_334 {
		t.Errorf("durationOf(4) at rate 3 = %v", d)
	}
}
