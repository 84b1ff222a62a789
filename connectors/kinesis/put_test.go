package kinesis

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"

	"github.com/novelty-db/novelty/types"
)

// fakePut is a PutRecordsFunc answering from a script: call i fails the
// entries whose data is in fail[i], or the whole request with errs[i].
type fakePut struct {
	fail     [][]string
	errs     []error
	requests [][]string // the data of every request's entries
	keys     [][]string // their partition keys
}

func (f *fakePut) put(_ context.Context, in *kinesis.PutRecordsInput, _ ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error) {
	call := len(f.requests)
	var data, keys []string
	for _, e := range in.Records {
		data = append(data, string(e.Data))
		keys = append(keys, aws.ToString(e.PartitionKey))
	}
	f.requests, f.keys = append(f.requests, data), append(f.keys, keys)
	if call < len(f.errs) && f.errs[call] != nil {
		return nil, f.errs[call]
	}
	out := &kinesis.PutRecordsOutput{}
	failed := int32(0)
	for _, d := range data {
		r := ktypes.PutRecordsResultEntry{SequenceNumber: aws.String("1"), ShardId: aws.String("shardId-000000000000")}
		if call < len(f.fail) && slices.Contains(f.fail[call], d) {
			r = ktypes.PutRecordsResultEntry{ErrorCode: aws.String("ProvisionedThroughputExceededException"), ErrorMessage: aws.String("slow down")}
			failed++
		}
		out.Records = append(out.Records, r)
	}
	out.FailedRecordCount = aws.Int32(failed)
	return out, nil
}

// recordedSleeps is a Sleeper that records the waits and returns at once.
type recordedSleeps struct{ waits []time.Duration }

func (r *recordedSleeps) sleep(ctx context.Context, d time.Duration) error {
	r.waits = append(r.waits, d)
	return ctx.Err()
}

var testBackoff = Backoff{Base: 100 * time.Millisecond, Max: time.Second, Rand: func() float64 { return 0.5 }}

func entries(data ...string) []ktypes.PutRecordsRequestEntry {
	out := make([]ktypes.PutRecordsRequestEntry, len(data))
	for i, d := range data {
		out[i] = ktypes.PutRecordsRequestEntry{Data: []byte(d), PartitionKey: aws.String("k" + d)}
	}
	return out
}

func TestKinesisPutAllResendsOnlyFailedRecords(t *testing.T) {
	throttled := &smithy.GenericAPIError{Code: "ProvisionedThroughputExceededException", Message: "slow down"}
	f := &fakePut{
		fail: [][]string{{"b", "d"}, nil, {"d"}},
		errs: []error{nil, throttled},
	}
	sleeps := &recordedSleeps{}
	if err := putAll(context.Background(), f.put, "s", entries("a", "b", "c", "d", "e"), sleeps.sleep, testBackoff); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"a", "b", "c", "d", "e"}, {"b", "d"}, {"b", "d"}, {"d"}}
	if !slices.EqualFunc(f.requests, want, slices.Equal) {
		t.Errorf("requests = %q, want %q", f.requests, want)
	}
	if got := f.keys[3]; !slices.Equal(got, []string{"kd"}) {
		t.Errorf("resent partition keys = %q, want [kd]", got)
	}
	// Delays in [d/2, d] for d = 100ms, 200ms, 400ms; Rand 0.5 puts them at 3/4.
	wantWaits := []time.Duration{75 * time.Millisecond, 150 * time.Millisecond, 300 * time.Millisecond}
	if !slices.Equal(sleeps.waits, wantWaits) {
		t.Errorf("waits = %v, want %v", sleeps.waits, wantWaits)
	}
}

func TestKinesisPutAllErrors(t *testing.T) {
	missing := &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "Stream s not found"}
	f := &fakePut{errs: []error{missing}}
	err := putAll(context.Background(), f.put, "s", entries("a"), (&recordedSleeps{}).sleep, testBackoff)
	if types.CodeOf(err) != types.CodeUndefinedObject || len(f.requests) != 1 {
		t.Errorf("missing stream: %v (%s) after %d requests, want one request and SQLSTATE 42704", err, types.CodeOf(err), len(f.requests))
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f = &fakePut{fail: [][]string{{"a"}}}
	if err := putAll(ctx, f.put, "s", entries("a"), (&recordedSleeps{}).sleep, testBackoff); !errors.Is(err, context.Canceled) {
		t.Errorf("failing record on a done context = %v, want context.Canceled", err)
	}
}

func TestKinesisBackoffDelay(t *testing.T) {
	b := Backoff{Base: 100 * time.Millisecond, Max: 350 * time.Millisecond}
	caps := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 350 * time.Millisecond, 350 * time.Millisecond}
	for n, want := range caps {
		for range 20 {
			if d := b.Delay(n + 1); d < want/2 || d > want {
				t.Fatalf("Delay(%d) = %v, want within [%v, %v]", n+1, d, want/2, want)
			}
		}
	}
}

func TestKinesisSinkBatchesWithinLimits(t *testing.T) {
	f := &fakePut{}
	schema := types.Schema{{Name: "id", Type: types.Int8}, {Name: "body", Type: types.Text}}
	sink := NewSink(SinkConfig{Stream: "s", Put: f.put, Encoder: rawTextEncoder{}, PartitionKeyColumn: -1, Sleep: (&recordedSleeps{}).sleep})
	ctx := context.Background()
	b := types.NewBatch(len(schema))
	for i := range 1200 {
		b.Append([]types.Datum{types.NewInt(int64(i)), types.NewText("r")})
		if b.Full() || i == 1199 {
			if err := sink.Write(ctx, b); err != nil {
				t.Fatal(err)
			}
			b.Reset(len(schema))
		}
	}
	if got := requestSizes(f); !slices.Equal(got, []int{500, 500}) {
		t.Errorf("requests before Flush = %v, want [500 500]", got)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := requestSizes(f); !slices.Equal(got, []int{500, 500, 200}) {
		t.Errorf("requests after Flush = %v, want [500 500 200]", got)
	}
	if k := f.keys[0][0]; k != f.keys[0][1] || len(k) == 0 || len(k) > 16 {
		t.Errorf("hashed partition keys of equal records = %q, %q: want equal and short", k, f.keys[0][1])
	}

	// Records of 900 KB: five fit in 5 MiB with their keys, six do not.
	f.requests, f.keys = nil, nil
	big := strings.Repeat("x", 900_000)
	b.Reset(len(schema))
	for i := range 12 {
		b.Append([]types.Datum{types.NewInt(int64(i)), types.NewText(big)})
	}
	if err := sink.Write(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := requestSizes(f); !slices.Equal(got, []int{5, 5, 2}) {
		t.Errorf("requests of 900 KB records = %v, want [5 5 2]", got)
	}
	for _, req := range f.requests {
		for _, d := range req {
			if len(d) != len(big) {
				t.Fatalf("record of %d bytes, want %d", len(d), len(big))
			}
		}
	}

	// A record over 1 MiB is refused, never cut.
	f.requests = nil
	b.Reset(len(schema))
	b.Append([]types.Datum{types.NewInt(1), types.NewText("ok")})
	b.Append([]types.Datum{types.NewInt(2), types.NewText(strings.Repeat("y", MaxRecordBytes))})
	err := sink.Write(ctx, b)
	if types.CodeOf(err) != codeProgramLimitExceeded || !strings.Contains(err.Error(), "1 MiB") {
		t.Errorf("Write of a 1 MiB row = %v (%s), want SQLSTATE 54000 naming the 1 MiB limit", err, types.CodeOf(err))
	}
	if err := sink.Close(); err != nil {
		t.Fatal(err)
	}
	if want := [][]string{{"ok"}}; !slices.EqualFunc(f.requests, want, slices.Equal) {
		t.Errorf("Close sent %q, want the row before the oversized one", f.requests)
	}
	if err := sink.Write(ctx, b); err == nil {
		t.Error("Write after Close succeeded")
	}
}

func TestKinesisSinkPartitionKeyColumn(t *testing.T) {
	f := &fakePut{}
	sink := NewSink(SinkConfig{Stream: "s", Put: f.put, Encoder: rawTextEncoder{}, PartitionKeyColumn: 0})
	b := types.NewBatch(2)
	long := strings.Repeat("é", MaxPartitionKeyChars+1)
	for _, key := range []types.Datum{types.NewText("alice"), types.Null, types.NewText(""), types.NewText(long), types.NewText(strings.Repeat("é", MaxPartitionKeyChars))} {
		b.Append([]types.Datum{key, types.NewText("data")})
	}
	if err := sink.Write(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	keys := f.keys[0]
	if keys[0] != "alice" || keys[4] != strings.Repeat("é", MaxPartitionKeyChars) {
		t.Errorf("keys = %q, want the column's text when it fits", keys)
	}
	for _, i := range []int{1, 2, 3} {
		if keys[i] == "" || len(keys[i]) > 16 {
			t.Errorf("key of row %d = %q, want a hash", i, keys[i])
		}
	}
}

// rawTextEncoder writes a row's last column as the record.
type rawTextEncoder struct{}

func (rawTextEncoder) Encode(buf []byte, row []types.Datum) []byte {
	return append(buf, row[len(row)-1].S...)
}

func requestSizes(f *fakePut) []int {
	var out []int
	for _, r := range f.requests {
		out = append(out, len(r))
	}
	return out
}
