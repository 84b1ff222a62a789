package kafka

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/novelty-db/novelty/types"
)

func TestKafkaSourceReadsEveryPartitionAndReportsBadRecords(t *testing.T) {
	brokers := newCluster(t, "logins")
	produce(t, brokers, "logins", 0, events(0, 10)...)
	produce(t, brokers, "logins", 1, append(events(10, 14), `{"id":"not a number"}`)...)
	produce(t, brokers, "logins", 1, events(14, 20)...)
	produce(t, brokers, "logins", 2, events(20, 30)...)

	bad := &recordedBadRecords{}
	src := newTestSource(t, brokers, "logins", StartEarliest, bad)
	openSource(t, src, nil)
	ids := readIDs(t, src, 30)
	slices.Sort(ids)
	for i, id := range ids {
		if id != int64(i) {
			t.Fatalf("ids = %v, want 0..29 once each", ids)
		}
	}
	if want := []string{"1:4"}; !slices.Equal(bad.offsets, want) {
		t.Errorf("bad record offsets = %v, want %v", bad.offsets, want)
	}
	if want := `{"id":"not a number"}`; len(bad.raws) != 1 || bad.raws[0] != want {
		t.Errorf("bad record raw = %q, want %q", bad.raws, want)
	}
	if got, want := string(src.Offset()), `{"0":10,"1":11,"2":10}`; got != want {
		t.Errorf("Offset = %s, want %s", got, want)
	}
}

func TestKafkaSourceResumesExactlyAtOffset(t *testing.T) {
	brokers := newCluster(t, "logins")
	const perPartition = 1500 // more than a batch, so the first session stops part way
	for p := int32(0); p < 3; p++ {
		produce(t, brokers, "logins", p, events(int(p)*perPartition, int(p+1)*perPartition)...)
	}
	first := newTestSource(t, brokers, "logins", StartEarliest, &recordedBadRecords{})
	openSource(t, first, nil)
	seen := readIDs(t, first, 1)
	offset := first.Offset()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	produce(t, brokers, "logins", 1, events(3*perPartition, 3*perPartition+5)...)

	second := newTestSource(t, brokers, "logins", StartEarliest, &recordedBadRecords{})
	openSource(t, second, offset)
	total := 3*perPartition + 5
	seen = append(seen, readIDs(t, second, total-len(seen))...)
	slices.Sort(seen)
	for i, id := range seen {
		if id != int64(i) {
			t.Fatalf("after resume at %s: id %d at position %d: duplicates or gaps", offset, id, i)
		}
	}
	if len(seen) != total {
		t.Fatalf("read %d rows, want %d", len(seen), total)
	}
}

func TestKafkaSourceStartLatestSkipsExistingRecords(t *testing.T) {
	brokers := newCluster(t, "logins")
	produce(t, brokers, "logins", 0, events(0, 5)...)
	produce(t, brokers, "logins", 2, events(5, 7)...)
	src := newTestSource(t, brokers, "logins", StartLatest, &recordedBadRecords{})
	openSource(t, src, nil)
	if got, want := string(src.Offset()), `{"0":5,"1":0,"2":2}`; got != want {
		t.Errorf("Offset after Open = %s, want %s", got, want)
	}
	produce(t, brokers, "logins", 1, events(100, 103)...)
	ids := readIDs(t, src, 3)
	if want := []int64{100, 101, 102}; !slices.Equal(ids, want) {
		t.Errorf("ids = %v, want %v", ids, want)
	}
}

func TestKafkaSourceFailPolicyKeepsOffset(t *testing.T) {
	brokers := newCluster(t, "logins")
	produce(t, brokers, "logins", 0, `{"id":1}`, `not json`)
	src := newTestSource(t, brokers, "logins", StartEarliest, &recordedBadRecords{fail: true})
	openSource(t, src, nil)
	before := string(src.Offset())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := src.Read(ctx, types.NewBatch(len(testSchema)))
	if err == nil {
		t.Fatal("Read succeeded past a bad record under a failing policy")
	}
	if got := string(src.Offset()); got != before {
		t.Errorf("Offset moved on a failed Read: %s, want %s", got, before)
	}
}

func TestKafkaSourceReadEndsWhenContextIsDone(t *testing.T) {
	brokers := newCluster(t, "logins")
	src := newTestSource(t, brokers, "logins", StartEarliest, &recordedBadRecords{})
	openSource(t, src, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := src.Read(ctx, types.NewBatch(len(testSchema))); !errors.Is(err, context.Canceled) {
		t.Errorf("Read on a done context = %v, want context.Canceled", err)
	}
}

func TestKafkaSourceOpenUnknownTopic(t *testing.T) {
	brokers := newCluster(t, "logins")
	src := newTestSource(t, brokers, "nope", StartEarliest, &recordedBadRecords{})
	defer src.Close()
	err := src.Open(context.Background(), nil)
	if types.CodeOf(err) != types.CodeUndefinedObject {
		t.Errorf("Open of a missing topic = %v (%s), want SQLSTATE %s", err, types.CodeOf(err), types.CodeUndefinedObject)
	}
}

func TestKafkaSourceCommitsToGroup(t *testing.T) {
	brokers := newCluster(t, "logins")
	produce(t, brokers, "logins", 2, events(0, 4)...)
	src := newTestSource(t, brokers, "logins", StartEarliest, &recordedBadRecords{})
	src.cfg.GroupID = "novelty"
	openSource(t, src, nil)
	readIDs(t, src, 4)
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}

	got := groupOffsets(t, brokers, "novelty")
	if want := map[int32]int64{0: 0, 1: 0, 2: 4}; !maps.Equal(got, want) {
		t.Errorf("group offsets = %v, want %v", got, want)
	}
}

func TestKafkaOffsetEncoding(t *testing.T) {
	if got, want := string(encodeOffset([]int64{123, 45})), `{"0":123,"1":45}`; got != want {
		t.Errorf("encodeOffset = %s, want %s", got, want)
	}
	tests := []struct {
		in      string
		want    map[int32]int64
		wantErr bool
	}{
		{in: `{"0":123,"1":45}`, want: map[int32]int64{0: 123, 1: 45}},
		{in: `{}`, want: map[int32]int64{}},
		{in: `{"x":1}`, wantErr: true},
		{in: `{"-1":1}`, wantErr: true},
		{in: `{"0":-5}`, wantErr: true},
		{in: `12`, wantErr: true},
	}
	for _, tt := range tests {
		got, err := decodeOffset([]byte(tt.in))
		if (err != nil) != tt.wantErr {
			t.Errorf("decodeOffset(%s) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && !maps.Equal(got, tt.want) {
			t.Errorf("decodeOffset(%s) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if got, err := decodeOffset(nil); got != nil || err != nil {
		t.Errorf("decodeOffset(nil) = %v, %v; want nil, nil", got, err)
	}
}
