package kafka

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novelty-db/novelty/connectors/format"
	"github.com/novelty-db/novelty/types"
)

func newTxnSink(tb testing.TB, brokers []string, prefix string) *TransactionalSink {
	tb.Helper()
	s, err := NewTransactionalSink(
		SinkConfig{Brokers: brokers, Topic: "alerts", Encoder: format.NewJSONEncoder(testSchema), KeyColumn: -1},
		TransactionConfig{IDPrefix: prefix})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// writeRows writes rows with ids from..to-1 in one batch and flushes them.
func writeRows(tb testing.TB, s *TransactionalSink, from, to int) {
	tb.Helper()
	b := types.NewBatch(len(testSchema))
	for i := from; i < to; i++ {
		b.Append([]types.Datum{types.NewInt(int64(i)), types.NewText("user")})
	}
	ctx := context.Background()
	if err := s.Write(ctx, b); err != nil {
		tb.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		tb.Fatal(err)
	}
}

func prepare(tb testing.TB, s *TransactionalSink, epoch uint64) []byte {
	tb.Helper()
	state, err := s.Prepare(context.Background(), epoch)
	if err != nil {
		tb.Fatalf("Prepare(%d): %v", epoch, err)
	}
	return state
}

func commit(tb testing.TB, s *TransactionalSink, epoch uint64) {
	tb.Helper()
	if err := s.Commit(context.Background(), epoch); err != nil {
		tb.Fatalf("Commit(%d): %v", epoch, err)
	}
}

func recoverSink(tb testing.TB, s *TransactionalSink, state []byte) {
	tb.Helper()
	if err := s.Recover(context.Background(), state); err != nil {
		tb.Fatalf("Recover(%s): %v", state, err)
	}
}

// crash drops s as a killed process would: its clients go away and its
// transactions stay as they are on the brokers.
func crash(s *TransactionalSink) {
	if s.txns.cur != nil {
		s.txns.cur.cl.Close()
	}
	s.txns.admin.Close()
}

// ids returns, sorted, the ids of the rows in topic a consumer at isolation
// sees now.
func ids(tb testing.TB, brokers []string, isolation Isolation) []int64 {
	tb.Helper()
	var out []int64
	for _, v := range fetchValues(tb, brokers, "alerts", isolation) {
		var row struct{ ID int64 }
		if err := json.Unmarshal([]byte(v), &row); err != nil {
			tb.Fatalf("record %q: %v", v, err)
		}
		out = append(out, row.ID)
	}
	slices.Sort(out)
	return out
}

// fetchValues returns the values of the records of topic's partitions a
// consumer at isolation can read at this moment: under ReadCommitted those
// of committed transactions (and plain records) up to the last stable
// offset.
func fetchValues(tb testing.TB, brokers []string, topic string, isolation Isolation) []string {
	tb.Helper()
	var level int8
	if isolation == ReadCommitted {
		level = 1
	}
	resp := fetchPartitions(tb, brokers, topic, level)
	var values []string
	for _, rt := range resp.Topics {
		for i := range rt.Partitions {
			fp, _ := kgo.ProcessFetchPartition(kgo.ProcessFetchPartitionOpts{
				Topic: topic, Partition: rt.Partitions[i].Partition, IsolationLevel: isolation.level(),
			}, &rt.Partitions[i], kgo.DefaultDecompressor(), nil)
			if fp.Err != nil {
				tb.Fatalf("partition %d: %v", fp.Partition, fp.Err)
			}
			for _, r := range fp.Records {
				values = append(values, string(r.Value))
			}
		}
	}
	return values
}

// producePlain writes a plain (non-transactional) row with id 1000+p to
// each partition p of the test topic: a read_committed consumer reads it
// only once no transaction before it is open.
func producePlain(tb testing.TB, brokers []string) []int64 {
	tb.Helper()
	var want []int64
	for p := range int32(3) {
		id := 1000 + int64(p)
		produce(tb, brokers, "alerts", p, fmt.Sprintf(`{"id":%d,"name":"plain"}`, id))
		want = append(want, id)
	}
	return want
}

func span(from, to int) []int64 {
	out := make([]int64, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, int64(i))
	}
	return out
}

func wantIDs(tb testing.TB, brokers []string, isolation Isolation, want []int64, when string) {
	tb.Helper()
	if got := ids(tb, brokers, isolation); !slices.Equal(got, want) {
		tb.Errorf("%s: ids = %v, want %v", when, got, want)
	}
}

func TestTransactionalSinkCommitsWithCheckpoint(t *testing.T) {
	brokers := newCluster(t, "alerts")
	s := newTxnSink(t, brokers, "sink-a")
	defer s.Close()
	recoverSink(t, s, nil)

	writeRows(t, s, 0, 10)
	prepare(t, s, 1)
	wantIDs(t, brokers, ReadUncommitted, span(0, 10), "prepared, read uncommitted")
	wantIDs(t, brokers, ReadCommitted, nil, "prepared")
	commit(t, s, 1)
	wantIDs(t, brokers, ReadCommitted, span(0, 10), "committed")

	writeRows(t, s, 10, 20)
	prepare(t, s, 2)
	wantIDs(t, brokers, ReadCommitted, span(0, 10), "second checkpoint prepared")
	commit(t, s, 2)
	commit(t, s, 2)
	wantIDs(t, brokers, ReadCommitted, span(0, 20), "second checkpoint committed")

	state := prepare(t, s, 3)
	if got := decodeState(t, state); len(got.Transactions) != 0 {
		t.Errorf("Prepare after no write holds transactions %+v", got.Transactions)
	}
	commit(t, s, 3)
	wantIDs(t, brokers, ReadUncommitted, span(0, 20), "every record")
}

func decodeState(tb testing.TB, state []byte) txnState {
	tb.Helper()
	st, err := decodeTxnState(state)
	if err != nil {
		tb.Fatal(err)
	}
	return st
}

func TestTransactionalSinkAbandonedCheckpointCommitsWithTheNext(t *testing.T) {
	brokers := newCluster(t, "alerts")
	s := newTxnSink(t, brokers, "sink-a")
	defer s.Close()
	recoverSink(t, s, nil)

	writeRows(t, s, 0, 10)
	prepare(t, s, 1)
	writeRows(t, s, 10, 20)
	st := decodeState(t, prepare(t, s, 2))
	if len(st.Transactions) != 2 || st.Transactions[0].ID == st.Transactions[1].ID {
		t.Fatalf("Prepare(2) = %+v, want two transactions under distinct ids", st.Transactions)
	}
	for _, p := range st.Transactions {
		if _, ok := poolIndex(p.ID, "sink-a"); !ok || st.Prefix != "sink-a" {
			t.Errorf("transaction %s is not under prefix sink-a (state prefix %q)", p.ID, st.Prefix)
		}
	}
	wantIDs(t, brokers, ReadCommitted, nil, "both prepared")
	commit(t, s, 2)
	wantIDs(t, brokers, ReadCommitted, span(0, 20), "committed through the second")

	// Both ids are free again: the pool does not grow.
	writeRows(t, s, 20, 30)
	st = decodeState(t, prepare(t, s, 3))
	if len(st.Transactions) != 1 || st.Transactions[0].ID != "sink-a-0" {
		t.Errorf("Prepare(3) = %+v, want one transaction under sink-a-0", st.Transactions)
	}
	commit(t, s, 3)
	wantIDs(t, brokers, ReadCommitted, span(0, 30), "third committed")
}

func TestTransactionalSinkRecoverCommitsPreparedOutput(t *testing.T) {
	brokers := newCluster(t, "alerts")
	first := newTxnSink(t, brokers, "sink-a")
	recoverSink(t, first, nil)
	writeRows(t, first, 0, 10)
	state := prepare(t, first, 1)
	writeRows(t, first, 10, 20) // after the barrier: the next checkpoint's
	crash(first)
	wantIDs(t, brokers, ReadCommitted, nil, "crashed before Commit")

	second := newTxnSink(t, brokers, "sink-a")
	defer second.Close()
	recoverSink(t, second, state)
	wantIDs(t, brokers, ReadCommitted, span(0, 10), "recovered")

	// The rows written after the barrier were aborted, which also lets
	// read_committed consumers past them.
	writeRows(t, second, 20, 30)
	prepare(t, second, 2)
	commit(t, second, 2)
	plain := producePlain(t, brokers)
	wantIDs(t, brokers, ReadCommitted, slices.Concat(span(0, 10), span(20, 30), plain), "after the restart")
}

func TestTransactionalSinkRecoverOlderStateAbortsLaterOutput(t *testing.T) {
	brokers := newCluster(t, "alerts")
	first := newTxnSink(t, brokers, "sink-a")
	recoverSink(t, first, nil)
	writeRows(t, first, 0, 10)
	older := prepare(t, first, 1)
	commit(t, first, 1)
	writeRows(t, first, 10, 20)
	prepare(t, first, 2) // its checkpoint never became durable
	writeRows(t, first, 20, 30)
	crash(first)

	second := newTxnSink(t, brokers, "sink-a")
	defer second.Close()
	recoverSink(t, second, older)
	writeRows(t, second, 30, 40)
	prepare(t, second, 2)
	commit(t, second, 2)
	plain := producePlain(t, brokers)
	wantIDs(t, brokers, ReadCommitted, slices.Concat(span(0, 10), span(30, 40), plain), "recovered from the older checkpoint")
}

func TestTransactionalSinkRecoverLeavesOtherPrefixesAlone(t *testing.T) {
	brokers := newCluster(t, "alerts")
	other := newTxnSink(t, brokers, "sink-a-other")
	defer other.Close()
	recoverSink(t, other, nil)
	writeRows(t, other, 0, 10)
	prepare(t, other, 1)

	s := newTxnSink(t, brokers, "sink-a")
	defer s.Close()
	recoverSink(t, s, nil)
	commit(t, other, 1)
	wantIDs(t, brokers, ReadCommitted, span(0, 10), "the other sink's transaction")
}

func TestTransactionalSinkCloseAbortsTheOpenTransaction(t *testing.T) {
	brokers := newCluster(t, "alerts")
	s := newTxnSink(t, brokers, "sink-a")
	recoverSink(t, s, nil)
	writeRows(t, s, 0, 10)
	prepare(t, s, 1)
	commit(t, s, 1)
	writeRows(t, s, 10, 20)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := s.Commit(context.Background(), 2); err == nil {
		t.Error("Commit after Close succeeded")
	}
	// Aborted, not left open: plain records after it are readable.
	plain := producePlain(t, brokers)
	wantIDs(t, brokers, ReadCommitted, append(span(0, 10), plain...), "after Close")
}

func TestTransactionalSinkRejectsBadState(t *testing.T) {
	brokers := newCluster(t, "alerts")
	s := newTxnSink(t, brokers, "sink-a")
	defer s.Close()
	err := s.Recover(context.Background(), []byte("{not json"))
	if err == nil || types.CodeOf(err) != types.CodeDataCorrupted {
		t.Errorf("Recover(garbage) = %v, want a %s error", err, types.CodeDataCorrupted)
	}
}

func TestNewTransactionalSinkOptionErrors(t *testing.T) {
	cfg := SinkConfig{Brokers: []string{"127.0.0.1:1"}, Topic: "t", KeyColumn: -1}
	for _, tc := range []struct {
		txn  TransactionConfig
		want string
	}{
		{TransactionConfig{}, `"transactional_id_prefix"`},
		{TransactionConfig{IDPrefix: "p", Timeout: -1}, `"transaction_timeout"`},
	} {
		_, err := NewTransactionalSink(cfg, tc.txn)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewTransactionalSink(%+v) = %v, want an error naming %s", tc.txn, err, tc.want)
		}
	}
}

func TestPoolIndex(t *testing.T) {
	for _, tc := range []struct {
		id   string
		n    int
		want bool
	}{
		{"novelty-a-0", 0, true},
		{"novelty-a-12", 12, true},
		{"novelty-a-", 0, false},
		{"novelty-a-b-0", 0, false},
		{"novelty-ab-0", 0, false},
		{"novelty-a-1x", 0, false},
	} {
		n, ok := poolIndex(tc.id, "novelty-a")
		if ok != tc.want || ok && n != tc.n {
			t.Errorf("poolIndex(%q) = %d, %v; want %d, %v", tc.id, n, ok, tc.n, tc.want)
		}
	}
}

func TestTransactionalSinkRecoverUnderAChangedPrefix(t *testing.T) {
	brokers := newCluster(t, "alerts")
	first := newTxnSink(t, brokers, "old")
	recoverSink(t, first, nil)
	writeRows(t, first, 0, 10)
	state := prepare(t, first, 1)
	writeRows(t, first, 10, 20)
	crash(first)

	second := newTxnSink(t, brokers, "new")
	defer second.Close()
	recoverSink(t, second, state)
	plain := producePlain(t, brokers)
	wantIDs(t, brokers, ReadCommitted, append(span(0, 10), plain...), "recovered under the new prefix")
}

func TestTransactionalSinkCommitsWhileWriting(t *testing.T) {
	brokers := newCluster(t, "alerts")
	s := newTxnSink(t, brokers, "sink-a")
	defer s.Close()
	recoverSink(t, s, nil)
	const checkpoints = 5
	committed := make(chan error, 1)
	prepared := make(chan uint64, checkpoints)
	go func() {
		for epoch := range prepared {
			if err := s.Commit(context.Background(), epoch); err != nil {
				committed <- err
				return
			}
		}
		committed <- nil
	}()
	for epoch := range uint64(checkpoints) {
		writeRows(t, s, int(epoch)*10, int(epoch)*10+10)
		prepare(t, s, epoch+1)
		prepared <- epoch + 1
	}
	close(prepared)
	if err := <-committed; err != nil {
		t.Fatal(err)
	}
	wantIDs(t, brokers, ReadCommitted, span(0, 10*checkpoints), "every checkpoint committed")
}

// TestTransactionalSinkCommitReportsLostTransaction fences a prepared
// transaction's id, as a broker timing it out would: Commit must say its
// rows are lost rather than succeed, and still commit the later one.
func TestTransactionalSinkCommitReportsLostTransaction(t *testing.T) {
	brokers := newCluster(t, "alerts")
	s := newTxnSink(t, brokers, "sink-a")
	defer s.Close()
	recoverSink(t, s, nil)
	writeRows(t, s, 0, 10)
	st := decodeState(t, prepare(t, s, 1))
	writeRows(t, s, 10, 20)
	prepare(t, s, 2)
	if err := fence(context.Background(), s.txns.admin, st.Transactions[0].ID, time.Minute); err != nil {
		t.Fatal(err)
	}
	err := s.Commit(context.Background(), 2)
	if err == nil || types.CodeOf(err) != types.CodeInvalidTransactionState || !strings.Contains(err.Error(), "rows are lost") {
		t.Fatalf("Commit = %v, want a %s error saying rows are lost", err, types.CodeInvalidTransactionState)
	}
	wantIDs(t, brokers, ReadCommitted, span(10, 20), "the later transaction")
	commit(t, s, 2)
}
