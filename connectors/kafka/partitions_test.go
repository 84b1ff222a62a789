package kafka

import (
	"context"
	"testing"
	"time"

	"github.com/novelty-db/novelty/types"
)

// TestRowPartitionsMatchRows checks that every row read is paired with the
// partition its record came from, bad records (skipped) included.
func TestRowPartitionsMatchRows(t *testing.T) {
	brokers := newCluster(t, "logins")
	produce(t, brokers, "logins", 0, events(0, 10)...)
	produce(t, brokers, "logins", 1, append(events(100, 104), `{"id":"bad"}`)...)
	produce(t, brokers, "logins", 1, events(104, 110)...)
	produce(t, brokers, "logins", 2, events(200, 210)...)
	src := newTestSource(t, brokers, "logins", StartEarliest, &recordedBadRecords{})
	openSource(t, src, nil)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	b := types.NewBatch(len(testSchema))
	for read := 0; read < 30; {
		if err := src.Read(ctx, b); err != nil {
			t.Fatalf("read after %d rows: %v", read, err)
		}
		parts := src.RowPartitions()
		if len(parts) != b.Len {
			t.Fatalf("RowPartitions has %d entries for a batch of %d rows", len(parts), b.Len)
		}
		for i := 0; i < b.Len; i++ {
			// Partition p holds the ids 100p to 100p+9.
			if id := b.Row(i)[0].I; int32(id/100) != parts[i] {
				t.Errorf("row with id %d paired with partition %d", id, parts[i])
			}
		}
		read += b.Len
	}
}
