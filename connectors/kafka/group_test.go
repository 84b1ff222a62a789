package kafka

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/novelty-db/novelty/connectors/format"
	"github.com/novelty-db/novelty/types"
)

// newGroupSource builds a group member of group on topic. Periodic commits
// are pushed out of the test's reach, so only revokes commit.
func newGroupSource(tb testing.TB, brokers []string, topic, group string, start Start, opts ...kgo.Opt) *Source {
	tb.Helper()
	dec, err := format.NewJSONDecoder(testSchema, format.JSONConfig{})
	if err != nil {
		tb.Fatal(err)
	}
	return mustSource(tb, SourceConfig{
		Brokers: brokers, Topic: topic, Start: start, GroupID: group, GroupAssign: true,
		CommitInterval: time.Hour, Width: len(testSchema), Decoder: dec,
		BadRecords: &recordedBadRecords{fail: true}, ClientOptions: opts,
	})
}

// readInto reads src until ctx is done or, when limit > 0, until it has
// returned at least limit rows; it sends each batch's ids to out and then
// reports how it ended on done.
func readInto(ctx context.Context, src *Source, limit int, out chan<- []int64, done chan<- error) {
	b := types.NewBatch(len(testSchema))
	n := 0
	for limit <= 0 || n < limit {
		if err := src.Read(ctx, b); err != nil {
			done <- err
			return
		}
		ids := make([]int64, b.Len)
		for i := range ids {
			ids[i] = b.Row(i)[0].I
		}
		n += len(ids)
		out <- ids
	}
	done <- nil
}

func TestKafkaGroupMembersSplitPartitionsWithoutLossOrDuplicates(t *testing.T) {
	const partitions, perPartition, later = 4, 3000, 500
	brokers := newClusterWith(t, kfake.SeedTopics(partitions, "logins"))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// Rows are produced only once both members hold partitions, so that
	// both read concurrently.
	aHook, aAssigned := onFirstAssignment("logins")
	bHook, bAssigned := onFirstAssignment("logins")
	a := newGroupSource(t, brokers, "logins", "novelty", StartEarliest, aHook)
	b := newGroupSource(t, brokers, "logins", "novelty", StartEarliest, bHook)
	openSource(t, a, nil)
	openSource(t, b, nil)
	rows := make(chan []int64, 64)
	aDone, bDone := make(chan error, 1), make(chan error, 1)
	// a stops part way through a partition, with records of it fetched
	// but not polled: its Close revokes them.
	go readInto(ctx, a, perPartition/2, rows, aDone)
	bCtx, stopB := context.WithCancel(ctx)
	defer stopB()
	go readInto(bCtx, b, 0, rows, bDone)
	for _, assigned := range []<-chan struct{}{aAssigned, bAssigned} {
		select {
		case <-assigned:
		case <-ctx.Done():
			t.Fatal("a member was never assigned partitions")
		}
	}

	for p := int32(0); p < partitions; p++ {
		produce(t, brokers, "logins", p, events(int(p)*perPartition, int(p+1)*perPartition)...)
	}
	seen := map[int64]int{}
	total := 0
	record := func(ids []int64) {
		for _, id := range ids {
			seen[id]++
		}
		total += len(ids)
	}
	for aEnded := false; !aEnded; {
		select {
		case ids := <-rows:
			record(ids)
		case err := <-aDone:
			if err != nil {
				t.Fatalf("first member: %v", err)
			}
			aEnded = true
		case <-ctx.Done():
			t.Fatalf("the first member did not reach its limit: %d rows read in all", total)
		}
	}
	aOffset := a.Offset()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	want, err := decodeOffset(aOffset)
	if err != nil {
		t.Fatal(err)
	}
	if got := groupOffsets(t, brokers, "novelty"); !maps.Equal(got, want) {
		t.Errorf("group offsets after the first member left = %v, want its returned positions %v", got, want)
	}

	produced := partitions*perPartition + partitions*later
	for p := int32(0); p < partitions; p++ {
		from := partitions*perPartition + int(p)*later
		produce(t, brokers, "logins", p, events(from, from+later)...)
	}
	for total < produced {
		select {
		case ids := <-rows:
			record(ids)
		case <-ctx.Done():
			t.Fatalf("read %d rows (%d distinct) of %d before the deadline", total, len(seen), produced)
		}
	}
	stopB()
	if err := <-bDone; !errors.Is(err, context.Canceled) {
		t.Errorf("second member ended with %v, want context.Canceled", err)
	}
	for len(rows) > 0 {
		record(<-rows)
	}
	var dups, missing []int64
	for id := range int64(produced) {
		switch seen[id] {
		case 0:
			missing = append(missing, id)
		case 1:
		default:
			dups = append(dups, id)
		}
	}
	if len(seen) != produced || len(dups) > 0 || len(missing) > 0 {
		t.Fatalf("read %d distinct ids of %d: %d missing (first %v), %d duplicated (first %v)",
			len(seen), produced, len(missing), first(missing), len(dups), first(dups))
	}
}

// onFirstAssignment returns a client option and a channel it closes the
// first time the member is assigned partitions of topic.
func onFirstAssignment(topic string) (kgo.Opt, <-chan struct{}) {
	assigned := make(chan struct{})
	var once sync.Once
	return kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
		if len(m[topic]) > 0 {
			once.Do(func() { close(assigned) })
		}
	}), assigned
}

func first(ids []int64) []int64 {
	slices.Sort(ids)
	return ids[:min(len(ids), 5)]
}

func TestKafkaGroupStartsAtTheNewerOfGroupAndEngineOffsets(t *testing.T) {
	brokers := newCluster(t, "logins")
	for p := int32(0); p < 3; p++ {
		produce(t, brokers, "logins", p, events(int(p)*10, int(p+1)*10)...)
	}
	commitAsStandalone(t, brokers, "novelty", "logins", map[int32]int64{0: 3, 1: 8})

	src := newGroupSource(t, brokers, "logins", "novelty", StartLatest)
	// Partition 0: the engine's 5 is newer than the group's 3; partition 1:
	// the group's 8 is newer than the engine's 2; partition 2: neither
	// names it, so it starts at the latest record as of Open.
	openSource(t, src, []byte(`{"0":5,"1":2}`))
	produce(t, brokers, "logins", 2, events(100, 101)...)
	ids := readIDs(t, src, 5+2+1)
	slices.Sort(ids)
	if want := []int64{5, 6, 7, 8, 9, 18, 19, 100}; !slices.Equal(ids, want) {
		t.Errorf("ids = %v, want %v", ids, want)
	}
	if got, want := string(src.Offset()), `{"0":10,"1":10,"2":11}`; got != want {
		t.Errorf("Offset = %s, want %s", got, want)
	}
}

func TestKafkaGroupAssignNeedsGroupID(t *testing.T) {
	_, err := NewSource(SourceConfig{Brokers: []string{"127.0.0.1:1"}, Topic: "t", GroupAssign: true})
	if types.CodeOf(err) != types.CodeInvalidParameterValue {
		t.Errorf("NewSource with GroupAssign and no group = %v, want 22023", err)
	}
}

// commitAsStandalone commits offsets for group as a client outside it
// would (generation -1).
func commitAsStandalone(tb testing.TB, brokers []string, group, topic string, offsets map[int32]int64) {
	tb.Helper()
	cl, meta := describedTopic(tb, brokers, topic)
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Group, req.Generation = group, -1
	rt := kmsg.NewOffsetCommitRequestTopic()
	rt.Topic, rt.TopicID = topic, meta.id
	for p, o := range offsets {
		rp := kmsg.NewOffsetCommitRequestTopicPartition()
		rp.Partition, rp.Offset = p, o
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(context.Background(), cl)
	if err != nil {
		tb.Fatal(err)
	}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if p.ErrorCode != 0 {
				tb.Fatalf("commit of partition %d: error code %d", p.Partition, p.ErrorCode)
			}
		}
	}
}
