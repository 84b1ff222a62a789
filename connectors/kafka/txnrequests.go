package kafka

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/novelty-db/novelty/connectors/internal/wait"
	"github.com/novelty-db/novelty/types"
)

// The backoff between attempts of a transaction request the coordinator
// answered with a transient error: it doubles from the first to the last.
const (
	txnRetryFirst = 50 * time.Millisecond
	txnRetryLast  = 5 * time.Second
)

// endOutcome is what committing a prepared transaction found.
type endOutcome uint8

const (
	// endCommitted: this request committed it, or it had been committed
	// with this producer id and epoch before (a retry).
	endCommitted endOutcome = iota
	// endNotOngoing: the transactional id has moved on from the producer
	// id and epoch (fenced, expired, or another transaction ended at the
	// same epoch): the transaction was ended earlier, committed or
	// aborted.
	endNotOngoing
)

// commitPrepared sends EndTxn(commit) for p with its stored producer id and
// epoch through admin, retrying transient errors until ctx is done.
func commitPrepared(ctx context.Context, admin *kgo.Client, p preparedTxn) (endOutcome, error) {
	req := kmsg.NewPtrEndTxnRequest()
	req.TransactionalID, req.ProducerID, req.ProducerEpoch, req.Commit = p.ID, p.ProducerID, p.ProducerEpoch, true
	for backoff := txnRetryFirst; ; backoff = min(2*backoff, txnRetryLast) {
		resp, err := req.RequestWith(ctx, admin)
		if err == nil {
			err = kerr.ErrorForCode(resp.ErrorCode)
		}
		switch {
		case err == nil:
			return endCommitted, nil
		case errors.Is(err, kerr.ProducerFenced), errors.Is(err, kerr.InvalidProducerEpoch),
			errors.Is(err, kerr.InvalidProducerIDMapping), errors.Is(err, kerr.InvalidTxnState),
			errors.Is(err, kerr.TransactionalIDNotFound):
			return endNotOngoing, nil
		case !transient(err):
			return 0, types.Errorf(codeConnectionFailure, "kafka transaction %s of checkpoint %d: commit: %v", p.ID, p.Checkpoint, err)
		}
		if err := wait.Sleep(ctx, backoff); err != nil {
			return 0, fmt.Errorf("kafka transaction %s of checkpoint %d: commit: %w", p.ID, p.Checkpoint, err)
		}
	}
}

// fence initialises a producer for the transactional id, which aborts the
// transaction open under it, if any, and bumps its epoch so that its
// earlier producer can no longer write.
func fence(ctx context.Context, admin *kgo.Client, id string, timeout time.Duration) error {
	req := kmsg.NewPtrInitProducerIDRequest()
	req.TransactionalID = &id
	req.TransactionTimeoutMillis = int32(timeout.Milliseconds())
	req.ProducerID, req.ProducerEpoch = -1, -1
	for backoff := txnRetryFirst; ; backoff = min(2*backoff, txnRetryLast) {
		resp, err := req.RequestWith(ctx, admin)
		if err == nil {
			err = kerr.ErrorForCode(resp.ErrorCode)
		}
		switch {
		case err == nil:
			return nil
		case !transient(err):
			return types.Errorf(codeConnectionFailure, "kafka transaction %s: abort: %v", id, err)
		}
		if err := wait.Sleep(ctx, backoff); err != nil {
			return fmt.Errorf("kafka transaction %s: abort: %w", id, err)
		}
	}
}

// openTransactions returns the transactional ids of every transaction open
// in the cluster (asked of every broker) that keep says are the sink's.
func openTransactions(ctx context.Context, admin *kgo.Client, keep func(id string) bool) ([]string, error) {
	req := kmsg.NewPtrListTransactionsRequest()
	req.StateFilters = []string{"Ongoing"}
	var ids []string
	for _, shard := range admin.RequestSharded(ctx, req) {
		err := shard.Err
		if err == nil {
			err = kerr.ErrorForCode(shard.Resp.(*kmsg.ListTransactionsResponse).ErrorCode)
		}
		if err != nil {
			return nil, types.Errorf(codeConnectionFailure,
				"kafka: listing open transactions on broker %d (exactly_once needs Kafka 3.0 or newer): %v", shard.Meta.NodeID, err)
		}
		for _, ts := range shard.Resp.(*kmsg.ListTransactionsResponse).TransactionStates {
			if keep(ts.TransactionalID) {
				ids = append(ids, ts.TransactionalID)
			}
		}
	}
	return ids, nil
}

// transient reports whether a transaction request may succeed when sent
// again: the coordinator is moving or busy ending the transaction, or the
// connection failed.
func transient(err error) bool {
	return kerr.IsRetriable(err) || errors.Is(err, kerr.ConcurrentTransactions) || kgo.IsRetryableBrokerErr(err)
}
