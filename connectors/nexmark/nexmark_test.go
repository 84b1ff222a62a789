package nexmark

import (
	"context"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/novelty-db/novelty/types"
)

func newTestSource(t testing.TB, cfg Config, offset []byte) *Source {
	t.Helper()
	s, err := NewSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Open(context.Background(), offset); err != nil {
		t.Fatal(err)
	}
	return s
}

// readAll reads until io.EOF or until at least limit rows.
func readAll(t testing.TB, s *Source, limit int) [][]types.Datum {
	t.Helper()
	var rows [][]types.Datum
	b := types.NewBatch(len(s.fields))
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

func TestDeterminismAndResume(t *testing.T) {
	for _, table := range []Table{TablePerson, TableAuction, TableBid} {
		t.Run(table.String(), func(t *testing.T) {
			cfg := Config{GeneratorConfig: GeneratorConfig{Seed: 7}, Table: table, Events: 200_000}
			all := readAll(t, newTestSource(t, cfg, nil), 1<<30)
			again := readAll(t, newTestSource(t, cfg, nil), 1<<30)
			if !reflect.DeepEqual(all, again) {
				t.Fatal("same seed gave different events")
			}
			other := cfg
			other.Seed = 8
			if reflect.DeepEqual(all[:10], readAll(t, newTestSource(t, other, nil), 10)[:10]) {
				t.Error("a different seed gave the same events")
			}

			first := newTestSource(t, cfg, nil)
			b := types.NewBatch(len(first.fields))
			if err := first.Read(context.Background(), b); err != nil {
				t.Fatal(err)
			}
			resumed := readAll(t, newTestSource(t, cfg, first.Offset()), 1<<30)
			if !reflect.DeepEqual(resumed, all[b.Len:]) {
				t.Errorf("resuming at offset %s: %d rows differ from the continuation (%d rows)",
					first.Offset(), len(resumed), len(all)-b.Len)
			}
		})
	}
}

func TestProportions(t *testing.T) {
	const events = 50 * 1000
	want := map[Table]int{TablePerson: 1000, TableAuction: 3000, TableBid: 46000}
	for table, n := range want {
		src := newTestSource(t, Config{Table: table, Events: events}, nil)
		if got := len(readAll(t, src, 1<<30)); got != n {
			t.Errorf("%s: %d events of %d, want %d", table, got, events, n)
		}
		if string(src.Offset()) != "50000" {
			t.Errorf("%s: offset at the end = %s, want 50000", table, src.Offset())
		}
	}
	for n := range int64(500) {
		if next := NextOf(TableOf(n), n); next != n {
			t.Errorf("NextOf(TableOf(%d)) = %d", n, next)
		}
		for _, table := range []Table{TablePerson, TableAuction, TableBid} {
			next := NextOf(table, n)
			if next < n || TableOf(next) != table {
				t.Fatalf("NextOf(%s, %d) = %d (a %s)", table, n, next, TableOf(next))
			}
			for m := n; m < next; m++ {
				if TableOf(m) == table {
					t.Fatalf("NextOf(%s, %d) = %d skips %d", table, n, next, m)
				}
			}
		}
	}
}

func TestBoundedEndsWithEOF(t *testing.T) {
	src := newTestSource(t, Config{Table: TableBid, Events: 100}, nil)
	if got := len(readAll(t, src, 1<<30)); got != 92 {
		t.Errorf("bids in 100 events = %d, want 92", got)
	}
	for range 2 {
		if err := src.Read(context.Background(), types.NewBatch(7)); !errors.Is(err, io.EOF) {
			t.Errorf("Read after the end = %v, want io.EOF", err)
		}
	}
	past := newTestSource(t, Config{Table: TablePerson, Events: 100}, []byte("51"))
	if err := past.Read(context.Background(), types.NewBatch(8)); !errors.Is(err, io.EOF) {
		t.Errorf("Read with no person left = %v, want io.EOF", err)
	}
}

func TestHotSkew(t *testing.T) {
	bids := readAll(t, newTestSource(t, Config{Table: TableBid, Events: 100_000}, nil), 1<<30)
	hotAuctions, hotBidders := 0, 0
	perAuction := map[int64]int{}
	for _, row := range bids {
		auction, bidder := row[0].I, row[1].I
		perAuction[auction]++
		if auction%hotIDSpacing == 0 {
			hotAuctions++
		}
		if bidder%hotIDSpacing == 1 {
			hotBidders++
		}
	}
	if f := float64(hotAuctions) / float64(len(bids)); f < 0.48 || f > 0.56 {
		t.Errorf("bids on hot auctions: %.3f, want about 1/2", f)
	}
	if f := float64(hotBidders) / float64(len(bids)); f < 0.73 || f > 0.80 {
		t.Errorf("bids by hot bidders: %.3f, want about 3/4", f)
	}
	top := 0
	for _, c := range perAuction {
		top = max(top, c)
	}
	if uniform := len(bids) / len(perAuction); top < 50*uniform {
		t.Errorf("busiest auction has %d bids, average %d: no hot auction", top, uniform)
	}

	auctions := readAll(t, newTestSource(t, Config{Table: TableAuction, Events: 100_000}, nil), 1<<30)
	hotSellers := 0
	for _, row := range auctions {
		if row[7].I%hotIDSpacing == 0 {
			hotSellers++
		}
	}
	if f := float64(hotSellers) / float64(len(auctions)); f < 0.72 || f > 0.80 {
		t.Errorf("auctions by hot sellers: %.3f, want about 3/4", f)
	}
}

func TestEventTimes(t *testing.T) {
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	const events = 20_000
	cfg := GeneratorConfig{Rate: 1000, BaseTime: base}
	g := NewGenerator(cfg)
	for n := range int64(events) {
		if got, want := g.EventTime(n), base.UnixMicro()+n*1000; got != want {
			t.Fatalf("rate 1000: event %d at %d, want %d", n, got, want)
		}
	}
	def := NewGenerator(GeneratorConfig{})
	if got := def.EventTime(0); got != DefaultBaseTime.UnixMicro() {
		t.Errorf("event 0 at %d, want the default base time", got)
	}
	last := int64(0)
	for n := range int64(events) {
		at := def.EventTime(n)
		if at < last {
			t.Fatalf("event %d at %d before event %d's %d", n, at, n-1, last)
		}
		last = at
	}
	if want := DefaultBaseTime.UnixMicro() + 2_000_000; last != want {
		t.Errorf("event %d at %d, want %d (10,000 events/s, rounded to the ms)", events-1, last, want)
	}

	cfg.MaxOutOfOrder = 50 * time.Millisecond
	jittered := NewGenerator(cfg)
	backwards := 0
	for n := range int64(events) {
		at, sched := jittered.EventTime(n), g.EventTime(n)
		if at > sched || at < sched-50_000 || at%1000 != 0 {
			t.Fatalf("event %d at %d, scheduled %d: outside [-50ms, 0] or not whole ms", n, at, sched)
		}
		if n > 0 && at < jittered.EventTime(n-1) {
			backwards++
		}
	}
	if backwards < events/4 {
		t.Errorf("only %d of %d events went back in time with 50ms jitter", backwards, events)
	}
}

func TestEventContents(t *testing.T) {
	g := NewGenerator(GeneratorConfig{Seed: 3})
	var (
		p    Person
		a    Auction
		b    Bid
		size [3]int
		cnt  [3]int
	)
	const events = 50 * 200
	for n := range int64(events) {
		switch TableOf(n) {
		case TablePerson:
			g.Person(n, &p)
			if want := n/50 + firstPersonID; p.ID != want {
				t.Fatalf("person %d has id %d, want %d", n, p.ID, want)
			}
			if len(p.CreditCard) != 19 || !strings.HasSuffix(p.EmailAddress, ".com") || !strings.Contains(p.Name, " ") || len(p.State) != 2 {
				t.Fatalf("malformed person %+v", p)
			}
			size[TablePerson] += 8 + len(p.Name) + len(p.EmailAddress) + len(p.CreditCard) + len(p.City) + len(p.State) + len(p.Extra)
			cnt[TablePerson]++
		case TableAuction:
			g.Auction(n, &a)
			if want := n/50*3 + n%50 - 1 + firstAuctionID; a.ID != want {
				t.Fatalf("auction event %d has id %d, want %d", n, a.ID, want)
			}
			if a.Expires <= a.DateTime || a.Reserve < a.InitialBid || a.Category < 10 || a.Category > 14 ||
				a.Seller < firstPersonID || a.Seller > n/50+firstPersonID+personIDLead {
				t.Fatalf("malformed auction %+v", a)
			}
			size[TableAuction] += 8 + len(a.ItemName) + len(a.Description) + 40 + len(a.Extra)
			cnt[TableAuction]++
		case TableBid:
			g.Bid(n, &b)
			if b.Price < 100 || b.Price > 100_000_000 || b.Channel == "" || !strings.HasPrefix(b.URL, "https://www.nexmark.com/") {
				t.Fatalf("malformed bid %+v", b)
			}
			if b.Auction < firstAuctionID || b.Auction > n/50*3+2+firstAuctionID+auctionIDLead {
				t.Fatalf("bid %d on auction %d, not yet possible", n, b.Auction)
			}
			size[TableBid] += 32 + len(b.Extra)
			cnt[TableBid]++
		}
	}
	for table, want := range [3]int{avgPersonBytes, avgAuctionBytes, avgBidBytes} {
		if avg := size[table] / cnt[table]; avg < want*95/100 || avg > want*105/100 {
			t.Errorf("%s: average size %d bytes, want about %d", Table(table), avg, want)
		}
	}
}

func TestDeclaredColumns(t *testing.T) {
	cols := types.Schema{{Name: "price", Type: types.Int8}, {Name: "channel", Type: types.Text}, {Name: "date_time", Type: types.TimestampTZ}}
	rows := readAll(t, newTestSource(t, Config{Table: TableBid, Columns: cols, Events: 50}, nil), 1<<30)
	full := readAll(t, newTestSource(t, Config{Table: TableBid, Events: 50}, nil), 1<<30)
	if len(rows) != 46 || len(rows[0]) != 3 {
		t.Fatalf("got %d rows of width %d", len(rows), len(rows[0]))
	}
	for i, row := range rows {
		want := []types.Datum{full[i][2], types.NewText(full[i][3].S), types.NewTimestampTZ(full[i][5].I)}
		if !reflect.DeepEqual(row, want) {
			t.Fatalf("row %d = %v, want %v", i, row, want)
		}
	}

	for _, tt := range []struct {
		cols types.Schema
		code string
		msg  string
	}{
		{types.Schema{{Name: "bidder", Type: types.Int8}, {Name: "colour", Type: types.Text}}, types.CodeUndefinedColumn, `nexmark table bid has no column "colour"`},
		{types.Schema{{Name: "price", Type: types.Int4}}, types.CodeDatatypeMismatch, `column "price" of nexmark table bid is bigint, not integer`},
		{types.Schema{{Name: "url", Type: types.Int8}}, types.CodeDatatypeMismatch, `column "url" of nexmark table bid is character varying, not bigint`},
		{types.Schema{{Name: "url", Type: types.Text}, {Name: "url", Type: types.Text}}, types.CodeDuplicateColumn, `column "url" specified more than once`},
	} {
		_, err := NewSource(Config{Table: TableBid, Columns: tt.cols})
		if e, ok := types.AsError(err); !ok || e.Code != tt.code || e.Message != tt.msg {
			t.Errorf("NewSource(%v) = %v, want %s %q", tt.cols, err, tt.code, tt.msg)
		}
	}
}

func TestSchema(t *testing.T) {
	for table, want := range map[string]string{
		"person":  "id bigint, name character varying, email_address character varying, credit_card character varying, city character varying, state character varying, date_time timestamp without time zone, extra character varying",
		"auction": "id bigint, item_name character varying, description character varying, initial_bid bigint, reserve bigint, date_time timestamp without time zone, expires timestamp without time zone, seller bigint, category bigint, extra character varying",
		"bid":     "auction bigint, bidder bigint, price bigint, channel character varying, url character varying, date_time timestamp without time zone, extra character varying",
	} {
		s, err := Schema(table)
		if err != nil || columnList(s) != want {
			t.Errorf("Schema(%s) = %s, %v", table, columnList(s), err)
		}
	}
	if _, err := Schema("bids"); err == nil || !strings.Contains(err.Error(), `invalid value "bids" for option "table"`) {
		t.Errorf("Schema(bids) = %v", err)
	}
}

// stepPacer lets step more events through per call.
type stepPacer struct{ step int64 }

func (p stepPacer) Due(_ context.Context, next int64) (int64, error) { return next + p.step, nil }

func TestPacerLimitsRead(t *testing.T) {
	src := newTestSource(t, Config{Table: TableBid, Pacer: stepPacer{step: 100}}, nil)
	b := types.NewBatch(7)
	for _, want := range []int{92, 92} {
		if err := src.Read(context.Background(), b); err != nil || b.Len != want {
			t.Fatalf("Read = %d rows, %v; want %d", b.Len, err, want)
		}
	}
	if got := string(src.Offset()); got != "200" {
		t.Errorf("offset = %s, want 200", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := src.Read(ctx, b); !errors.Is(err, context.Canceled) {
		t.Errorf("Read with a cancelled context = %v", err)
	}
}

func TestOpenRejectsBadOffset(t *testing.T) {
	s, err := NewSource(Config{Table: TableBid})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"x", "-1", ""} {
		if err := s.Open(context.Background(), []byte(bad)); types.CodeOf(err) != types.CodeInvalidParameterValue {
			t.Errorf("Open(%q) = %v", bad, err)
		}
	}
}

func BenchmarkBidSource(b *testing.B) {
	src := newTestSource(b, Config{Table: TableBid}, nil)
	batch := types.NewBatch(7)
	ctx := context.Background()
	rows := 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := src.Read(ctx, batch); err != nil {
			b.Fatal(err)
		}
		rows += batch.Len
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "bids/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(rows), "ns/bid")
}
