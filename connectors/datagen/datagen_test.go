package datagen

import (
	"context"
	"errors"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/novelty-db/novelty/types"
)

var testNow = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func newTestSource(t testing.TB, cols types.Schema, options map[string]string, cfg Config, offset []byte) *Source {
	t.Helper()
	fields, err := ParseFields(cols, options)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Columns, cfg.Fields = cols, fields
	if cfg.Clock == nil {
		cfg.Clock = func() time.Time { return testNow }
	}
	s, err := NewSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Open(context.Background(), offset); err != nil {
		t.Fatal(err)
	}
	return s
}

func readAll(t testing.TB, s *Source, limit int) [][]types.Datum {
	t.Helper()
	var rows [][]types.Datum
	b := types.NewBatch(len(s.cfg.Columns))
	for len(rows) < limit {
		err := s.Read(context.Background(), b)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for i := range b.Len {
			rows = append(rows, types.CopyRow(b.Row(i)))
		}
	}
	return rows
}

var mixed = types.Schema{
	{Name: "id", Type: types.Int8},
	{Name: "score", Type: types.Int4},
	{Name: "name", Type: types.Varchar},
	{Name: "price", Type: types.Float8},
	{Name: "ok", Type: types.Bool},
	{Name: "key", Type: types.UUID},
	{Name: "ts", Type: types.Timestamp},
}

func TestDeterminismAndResume(t *testing.T) {
	opts := map[string]string{"fields.id.kind": "sequence"}
	all := readAll(t, newTestSource(t, mixed, opts, Config{Rows: 3000, Seed: 5}, nil), 1<<30)
	if len(all) != 3000 {
		t.Fatalf("rows = %d, want 3000", len(all))
	}
	if again := readAll(t, newTestSource(t, mixed, opts, Config{Rows: 3000, Seed: 5}, nil), 1<<30); !reflect.DeepEqual(all, again) {
		t.Fatal("same seed gave different rows")
	}
	if other := readAll(t, newTestSource(t, mixed, opts, Config{Rows: 10, Seed: 6}, nil), 10); reflect.DeepEqual(all[:10], other) {
		t.Error("a different seed gave the same rows")
	}
	// Resuming stamps the first row read with the clock, so compare the
	// columns that do not follow the clock.
	resumed := readAll(t, newTestSource(t, mixed, opts, Config{Rows: 3000, Seed: 5}, []byte("1500")), 1<<30)
	if len(resumed) != 1500 {
		t.Fatalf("resumed rows = %d, want 1500", len(resumed))
	}
	for i, row := range resumed {
		if !reflect.DeepEqual(row[:6], all[1500+i][:6]) {
			t.Fatalf("resumed row %d = %v, want %v", i, row, all[1500+i])
		}
	}
}

func TestColumnKinds(t *testing.T) {
	opts := map[string]string{
		"fields.id.kind": "sequence", "fields.id.min": "100",
		"fields.score.min": "-3", "fields.score.max": "3",
		"fields.name.length": "4",
		"fields.price.min":   "10", "fields.price.max": "20",
	}
	rows := readAll(t, newTestSource(t, mixed, opts, Config{Rows: 5000}, nil), 1<<30)
	scores := map[int64]int{}
	trues := 0
	for i, row := range rows {
		if row[0] != types.NewInt(100+int64(i)) {
			t.Fatalf("row %d: id %v, want %d", i, row[0], 100+i)
		}
		if s := row[1]; s.Typ != types.Int4 || s.I < -3 || s.I > 3 {
			t.Fatalf("row %d: score %v outside [-3, 3]", i, s)
		}
		scores[row[1].I]++
		if n := row[2].S; len(n) != 4 || strings.Trim(n, "abcdefghijklmnopqrstuvwxyz") != "" || row[2].Typ != types.Varchar {
			t.Fatalf("row %d: name %v", i, row[2])
		}
		if p := row[3].F; p < 10 || p >= 20 {
			t.Fatalf("row %d: price %v outside [10, 20)", i, p)
		}
		if row[4].Bool() {
			trues++
		}
		if d, err := types.ParseText(types.UUID, row[5].S, nil); err != nil || d.S != row[5].S || row[5].S[14] != '4' {
			t.Fatalf("row %d: key %q is not a canonical v4 uuid (%v)", i, row[5].S, err)
		}
		if want := testNow.UnixMicro() + int64(i)*1000; row[6] != types.NewTimestamp(want) {
			t.Fatalf("row %d: ts %v, want %d", i, row[6], want)
		}
	}
	if len(scores) != 7 {
		t.Errorf("scores seen: %v, want all 7 of -3..3", scores)
	}
	if trues < 2300 || trues > 2700 {
		t.Errorf("%d of 5000 booleans true", trues)
	}
}

func TestSequencesBoundTheSource(t *testing.T) {
	cols := types.Schema{{Name: "n", Type: types.Int2}, {Name: "label", Type: types.Text}, {Name: "day", Type: types.Date}}
	opts := map[string]string{"fields.n.kind": "sequence", "fields.n.min": "32760", "fields.label.kind": "sequence"}
	rows := readAll(t, newTestSource(t, cols, opts, Config{TimeStep: 12 * time.Hour}, nil), 1<<30)
	if len(rows) != 8 {
		t.Fatalf("int2 sequence from 32760 gave %d rows, want 8", len(rows))
	}
	day := testNow.UnixMicro() / types.MicrosPerDay
	for i, row := range rows {
		want := []types.Datum{types.NewIntOf(types.Int2, 32760+int64(i)), types.NewText(string(rune('1' + i))), types.NewDate(day + int64(i+1)/2)}
		if !reflect.DeepEqual(row, want) {
			t.Errorf("row %d = %v, want %v", i, row, want)
		}
	}
	bounded := newTestSource(t, cols[:2], map[string]string{"fields.label.kind": "sequence", "fields.label.max": "3"}, Config{Rows: 10}, nil)
	if n := len(readAll(t, bounded, 1<<30)); n != 3 {
		t.Errorf("label sequence to 3 gave %d rows", n)
	}
	for range 2 {
		if err := bounded.Read(context.Background(), types.NewBatch(2)); !errors.Is(err, io.EOF) {
			t.Errorf("Read after the end = %v", err)
		}
	}
	if got := string(bounded.Offset()); got != "3" {
		t.Errorf("offset = %s, want 3", got)
	}
}

func TestValuesAndWeights(t *testing.T) {
	cols := types.Schema{{Name: "action", Type: types.Varchar}, {Name: "level", Type: types.Int4}, {Name: "tags", Type: types.JSONB}}
	opts := map[string]string{
		"fields.action.values": "login, logout,fail", "fields.action.weights": "90,9,1",
		"fields.level.values": "1,2",
		"fields.tags.values":  `{"a": 1}`,
	}
	rows := readAll(t, newTestSource(t, cols, opts, Config{Rows: 20000, Seed: 1}, nil), 1<<30)
	actions, levels := map[string]int{}, map[int64]int{}
	for _, row := range rows {
		actions[row[0].S]++
		levels[row[1].I]++
		if row[2] != types.NewJSONB(`{"a": 1}`) {
			t.Fatalf("tags = %v", row[2])
		}
	}
	if a := actions; len(a) != 3 || a["login"] < 17600 || a["login"] > 18400 || a["logout"] < 1600 || a["logout"] > 2000 || a["fail"] < 120 || a["fail"] > 280 {
		t.Errorf("actions %v, want about 18000/1800/200", a)
	}
	if l := levels; l[1] < 9600 || l[2] < 9600 {
		t.Errorf("levels %v, want about half each", l)
	}
}

func TestParseFieldsErrors(t *testing.T) {
	for _, tt := range []struct {
		opts map[string]string
		msg  string
	}{
		{map[string]string{"fields.id": "x"}, `option "fields.id": want fields.<column>.<attribute>`},
		{map[string]string{"fields.nope.kind": "random"}, `option "fields.nope.kind": the source has no column "nope"`},
		{map[string]string{"fields.id.colour": "red"}, `option "fields.id.colour": unknown attribute "colour"`},
		{map[string]string{"fields.id.kind": "gaussian"}, `invalid value "gaussian" for option "fields.id.kind": allowed values are random, sequence`},
		{map[string]string{"fields.score.max": "1e10"}, `invalid value "1e10" for option "fields.score.max": want a whole number from -2147483648 to 2147483647`},
		{map[string]string{"fields.score.min": "5", "fields.score.max": "4"}, `invalid value "4" for option "fields.score.max": less than the minimum 5`},
		{map[string]string{"fields.price.min": "cheap"}, `invalid value "cheap" for option "fields.price.min": want a finite number`},
		{map[string]string{"fields.id.length": "3"}, `option "fields.id.length": does not apply to column "id" of type bigint`},
		{map[string]string{"fields.name.min": "3"}, `option "fields.name.min": does not apply to random strings`},
		{map[string]string{"fields.name.length": "-1"}, `invalid value "-1" for option "fields.name.length"`},
		{map[string]string{"fields.ok.kind": "sequence"}, `invalid value "sequence" for option "fields.ok.kind": a boolean column can only be random`},
		{map[string]string{"fields.ts.kind": "random"}, `invalid value "random" for option "fields.ts.kind"`},
		{map[string]string{"fields.ts.min": "0"}, `option "fields.ts.min": does not apply to column "ts"`},
		{map[string]string{"fields.score.values": "1,x"}, `invalid value "1,x" for option "fields.score.values": item "x": invalid input syntax for type integer: "x"`},
		{map[string]string{"fields.score.values": "1,2", "fields.score.min": "0"}, `option "fields.score.min": cannot be combined with fields.score.values`},
		{map[string]string{"fields.score.weights": "1"}, `option "fields.score.weights": needs fields.score.values`},
		{map[string]string{"fields.score.values": "1,2", "fields.score.weights": "1"}, `invalid value "1" for option "fields.score.weights": 1 weights for 2 values`},
		{map[string]string{"fields.score.values": "1,2", "fields.score.weights": "0,0"}, `invalid value "0,0" for option "fields.score.weights": the weights add up to 0`},
		{map[string]string{"fields.score.values": "1,2", "fields.score.weights": "1,-1"}, `weight "-1" is not a whole number`},
	} {
		_, err := ParseFields(mixed, tt.opts)
		if err == nil || !strings.Contains(err.Error(), tt.msg) || types.CodeOf(err) != types.CodeInvalidParameterValue {
			t.Errorf("ParseFields(%v) = %v, want a 22023 error containing %q", tt.opts, err, tt.msg)
		}
	}
	_, err := ParseFields(types.Schema{{Name: "span", Type: types.Interval}}, nil)
	if e, ok := types.AsError(err); !ok || e.Code != types.CodeFeatureNotSupported || !strings.Contains(e.Hint, "fields.span.values") {
		t.Errorf("interval column without values: %v", err)
	}
	if _, err := ParseFields(types.Schema{{Name: "span", Type: types.Interval}}, map[string]string{"fields.span.values": "1 day, 2 hours"}); err != nil {
		t.Errorf("interval values: %v", err)
	}
}

func TestFullRangeRandomInts(t *testing.T) {
	cols := types.Schema{{Name: "v", Type: types.Int8}}
	opts := map[string]string{"fields.v.min": "-9223372036854775808", "fields.v.max": "9223372036854775807"}
	negative := 0
	for _, row := range readAll(t, newTestSource(t, cols, opts, Config{Rows: 1000}, nil), 1<<30) {
		if row[0].I < 0 {
			negative++
		}
	}
	if negative < 400 || negative > 600 {
		t.Errorf("%d of 1000 full-range values negative", negative)
	}
}

// stepPacer lets step more rows through per call.
type stepPacer struct{ step int64 }

func (p stepPacer) Due(_ context.Context, next int64) (int64, error) { return next + p.step, nil }

func TestPacerAndOffsets(t *testing.T) {
	src := newTestSource(t, mixed[:1], nil, Config{Pacer: stepPacer{step: 10}}, nil)
	b := types.NewBatch(1)
	for range 3 {
		if err := src.Read(context.Background(), b); err != nil || b.Len != 10 {
			t.Fatalf("Read = %d rows, %v; want 10", b.Len, err)
		}
	}
	if got := string(src.Offset()); got != "30" {
		t.Errorf("offset = %s, want 30", got)
	}
	for _, bad := range []string{"x", "-2"} {
		if err := src.Open(context.Background(), []byte(bad)); types.CodeOf(err) != types.CodeInvalidParameterValue {
			t.Errorf("Open(%q) = %v", bad, err)
		}
	}
	if _, err := NewSource(Config{}); err == nil || !strings.Contains(err.Error(), "needs a column list") {
		t.Errorf("NewSource without columns = %v", err)
	}
}

func TestFloat4Rounded(t *testing.T) {
	cols := types.Schema{{Name: "r", Type: types.Float4}}
	for _, row := range readAll(t, newTestSource(t, cols, nil, Config{Rows: 100}, nil), 1<<30) {
		if f := row[0].F; f != float64(float32(f)) || math.IsNaN(f) {
			t.Fatalf("real value %v is not a float32", f)
		}
	}
}

func BenchmarkRows(b *testing.B) {
	cols := types.Schema{
		{Name: "id", Type: types.Int8},
		{Name: "user_name", Type: types.Varchar},
		{Name: "amount", Type: types.Float8},
		{Name: "action", Type: types.Varchar},
		{Name: "ts", Type: types.Timestamp},
	}
	opts := map[string]string{"fields.id.kind": "sequence", "fields.action.values": "login,logout,fail", "fields.action.weights": "90,9,1"}
	src := newTestSource(b, cols, opts, Config{}, nil)
	batch := types.NewBatch(len(cols))
	ctx := context.Background()
	rows := 0
	b.ReportAllocs()
	for b.Loop() {
		if err := src.Read(ctx, batch); err != nil {
			b.Fatal(err)
		}
		rows += batch.Len
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(rows), "ns/row")
}
