package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novelty-db/novelty/types"
)

// DefaultTransactionTimeout is how long a transaction may stay open before
// the broker aborts it, unless TransactionConfig says otherwise: Kafka's
// default ceiling (transaction.max.timeout.ms), as a prepared transaction
// must survive until its checkpoint commits it, across a restart.
const DefaultTransactionTimeout = 15 * time.Minute

// TransactionConfig configures the transactions of an exactly-once sink.
type TransactionConfig struct {
	// IDPrefix names the sink's transactional ids, <IDPrefix>-<n> for a
	// small pool of n. No other producer may use them: the sink aborts
	// every transaction open under the prefix when it recovers.
	IDPrefix string
	// Timeout is the transaction timeout; 0 means
	// DefaultTransactionTimeout. The broker aborts a transaction open
	// longer, and a prepared one aborted that way loses its rows.
	Timeout time.Duration
}

// TransactionalSink is a Sink whose rows become visible to read_committed
// consumers only with the checkpoint that covers them, as in Flink's
// two-phase-commit Kafka sink: exactly once across crashes. It implements
// connectors.TransactionalSink.
//
// Rows are produced in a Kafka transaction. Prepare ends the transaction's
// writes without committing it and records its transactional id, producer
// id and epoch; the rows written after it go to a new transaction under
// another transactional id of the pool (one transaction per id at a time).
// Commit ends the prepared transactions with EndTxn requests carrying the
// recorded ids and epochs, which any client may send, so Recover can
// commit them after a restart the same way.
//
// Each transaction has a client of its own, made for it and closed once it
// is prepared: a new client fences its transactional id with a new epoch,
// so a recorded producer id and epoch name one transaction only, even on
// brokers that keep the epoch between transactions.
type TransactionalSink struct {
	*Sink
}

// transactions is the transactional state of a sink.
type transactions struct {
	topic   string // for messages
	prefix  string
	timeout time.Duration
	opts    []kgo.Opt   // the producing clients' options
	admin   *kgo.Client // sends EndTxn, InitProducerID and ListTransactions

	// cur is the transaction the rows written since the last Prepare go
	// to; nil until the first of them. The sink's goroutine only.
	cur *openTxn

	commitMu sync.Mutex // one Commit at a time

	mu       sync.Mutex // guards prepared and closed, which Commit shares
	prepared []preparedTxn
	closed   bool
}

// openTxn is a transaction rows are being written to.
type openTxn struct {
	index int
	id    string
	cl    *kgo.Client
}

// NewTransactionalSink builds an exactly-once sink. Brokers are contacted
// lazily; Recover should run before the first Write.
func NewTransactionalSink(cfg SinkConfig, tc TransactionConfig) (*TransactionalSink, error) {
	if tc.IDPrefix == "" {
		return nil, types.Errorf(types.CodeInvalidParameterValue, "kafka sink %s: option %q must not be empty", cfg.Topic, "transactional_id_prefix")
	}
	if tc.Timeout == 0 {
		tc.Timeout = DefaultTransactionTimeout
	}
	if tc.Timeout < time.Millisecond || tc.Timeout.Milliseconds() > 1<<31-1 {
		return nil, types.Errorf(types.CodeInvalidParameterValue, "kafka sink %s: option %q: %v is not between 1ms and 596h", cfg.Topic, "transaction_timeout", tc.Timeout)
	}
	s, err := newSink(cfg)
	if err != nil {
		return nil, err
	}
	admin, err := kgo.NewClient(s.opts...)
	if err != nil {
		return nil, types.Errorf(types.CodeInvalidParameterValue, "kafka sink %s: %v", cfg.Topic, err)
	}
	s.txns = &transactions{topic: cfg.Topic, prefix: tc.IDPrefix, timeout: tc.Timeout, opts: s.opts, admin: admin}
	return &TransactionalSink{Sink: s}, nil
}

// Prepare implements connectors.TransactionalSink: it waits until every row
// written is acknowledged, ends the current transaction's writes without
// committing it, and returns the transactions Commit or Recover must
// commit for checkpoint epoch: this one and those prepared earlier and not
// committed yet (abandoned checkpoints).
func (s *TransactionalSink) Prepare(ctx context.Context, epoch uint64) ([]byte, error) {
	if err := s.Flush(ctx); err != nil {
		return nil, err
	}
	return s.txns.prepare(ctx, epoch)
}

// Commit implements connectors.TransactionalSink: it commits every
// transaction prepared for checkpoint epoch or an earlier one. It may run
// concurrently with Write, Flush and Prepare. A transaction the broker
// ended before (its timeout passed) is an error: its rows are lost.
func (s *TransactionalSink) Commit(ctx context.Context, epoch uint64) error {
	return s.txns.commit(ctx, epoch)
}

// Recover implements connectors.TransactionalSink: it commits the
// transactions prepared (a Prepare result; nil for none) that are still
// open, then aborts every other transaction open under the sink's prefix:
// the rows written or prepared after that Prepare. It must run before the
// first Write.
func (s *TransactionalSink) Recover(ctx context.Context, prepared []byte) error {
	if s.closed {
		return fmt.Errorf("kafka sink %s: recover after close", s.cfg.Topic)
	}
	return s.txns.recover(ctx, prepared)
}

// current returns the client of the transaction rows go to, beginning one
// under the lowest free transactional id of the pool when there is none.
func (t *transactions) current() (*kgo.Client, error) {
	if t.cur != nil {
		return t.cur.cl, nil
	}
	index := t.freeIndex()
	id := t.prefix + "-" + strconv.Itoa(index)
	opts := append(slices.Clip(t.opts), kgo.TransactionalID(id), kgo.TransactionTimeout(t.timeout))
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, types.Errorf(types.CodeInvalidParameterValue, "kafka sink %s: transactional id %s: %v", t.topic, id, err)
	}
	if err := cl.BeginTransaction(); err != nil {
		cl.Close()
		return nil, types.Errorf(codeConnectionFailure, "kafka sink %s: transactional id %s: begin: %v", t.topic, id, err)
	}
	t.cur = &openTxn{index: index, id: id, cl: cl}
	return cl, nil
}

// freeIndex returns the lowest pool slot no prepared transaction holds.
func (t *transactions) freeIndex() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	for n := 0; ; n++ {
		if !slices.ContainsFunc(t.prepared, func(p preparedTxn) bool { return p.index == n }) {
			return n
		}
	}
}

// prepare moves the current transaction, whose records are all
// acknowledged, to the prepared ones and returns them all.
func (t *transactions) prepare(ctx context.Context, epoch uint64) ([]byte, error) {
	if cur := t.cur; cur != nil {
		id, producerEpoch, err := cur.cl.ProducerID(ctx)
		if err != nil {
			return nil, types.Errorf(codeConnectionFailure, "kafka sink %s: transaction %s: producer id: %v", t.topic, cur.id, err)
		}
		// Closing the client leaves its transaction open on the broker.
		cur.cl.Close()
		t.cur = nil
		t.mu.Lock()
		t.prepared = append(t.prepared, preparedTxn{
			Checkpoint: epoch, ID: cur.id, ProducerID: id, ProducerEpoch: producerEpoch, index: cur.index,
		})
		t.mu.Unlock()
	}
	t.mu.Lock()
	st := txnState{Prefix: t.prefix, Transactions: slices.Clone(t.prepared)}
	t.mu.Unlock()
	data, err := st.encode()
	if err != nil {
		return nil, fmt.Errorf("kafka sink %s: encoding prepared transactions: %w", t.topic, err)
	}
	return data, nil
}

// commit commits the prepared transactions up to checkpoint epoch, oldest
// first. Each stays prepared (and in later Prepare results) until its
// commit is confirmed. One found ended already is dropped, the others
// committed, and the loss reported after.
func (t *transactions) commit(ctx context.Context, epoch uint64) error {
	t.commitMu.Lock()
	defer t.commitMu.Unlock()
	var lost error
	for {
		t.mu.Lock()
		if t.closed {
			t.mu.Unlock()
			return fmt.Errorf("kafka sink %s: commit after close", t.topic)
		}
		if len(t.prepared) == 0 || t.prepared[0].Checkpoint > epoch {
			t.mu.Unlock()
			return lost
		}
		p := t.prepared[0]
		t.mu.Unlock()
		outcome, err := commitPrepared(ctx, t.admin, p)
		if err != nil {
			return fmt.Errorf("kafka sink %s: %w", t.topic, err)
		}
		t.mu.Lock()
		t.prepared = slices.Delete(t.prepared, 0, 1)
		t.mu.Unlock()
		if outcome == endNotOngoing && lost == nil {
			lost = types.Errorf(types.CodeInvalidTransactionState,
				"kafka sink %s: transaction %s of checkpoint %d was ended before its commit, so its rows are lost: "+
					"the broker aborted it after option %q, or another producer uses option %q's transactional ids",
				t.topic, p.ID, p.Checkpoint, "transaction_timeout", "transactional_id_prefix")
		}
	}
}

// recover commits the transactions of a Prepare result that are still
// open, then fences every transactional id with an open transaction under
// the sink's prefix, or the one the result was written under.
func (t *transactions) recover(ctx context.Context, data []byte) error {
	if t.cur != nil {
		return fmt.Errorf("kafka sink %s: recover after write", t.topic)
	}
	st, err := decodeTxnState(data)
	if err != nil {
		return types.Errorf(types.CodeDataCorrupted, "kafka sink %s: invalid prepared transactions %q: %v", t.topic, data, err)
	}
	for _, p := range st.Transactions {
		if _, err := commitPrepared(ctx, t.admin, p); err != nil {
			return fmt.Errorf("kafka sink %s: recovering: %w", t.topic, err)
		}
	}
	own := func(id string) bool {
		_, ok := poolIndex(id, t.prefix)
		if !ok && st.Prefix != "" {
			_, ok = poolIndex(id, st.Prefix)
		}
		return ok
	}
	open, err := openTransactions(ctx, t.admin, own)
	if err != nil {
		return fmt.Errorf("kafka sink %s: recovering: %w", t.topic, err)
	}
	for _, id := range open {
		if err := fence(ctx, t.admin, id, t.timeout); err != nil {
			return fmt.Errorf("kafka sink %s: recovering: %w", t.topic, err)
		}
	}
	t.mu.Lock()
	t.prepared = nil
	t.mu.Unlock()
	return nil
}

// close aborts the current transaction, whose rows no checkpoint covers,
// and releases the clients. Prepared transactions stay open. A Commit in
// flight (the engine commits outside the DDL lock, so a DROP can come
// meanwhile) finishes first: it uses the admin client.
func (t *transactions) close() error {
	t.commitMu.Lock()
	defer t.commitMu.Unlock()
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	var err error
	if cur := t.cur; cur != nil {
		ctx, cancel := context.WithTimeout(context.Background(), closeFlushTimeout)
		err = errors.Join(cur.cl.AbortBufferedRecords(ctx), cur.cl.EndTransaction(ctx, kgo.TryAbort))
		cancel()
		cur.cl.Close()
		t.cur = nil
	}
	t.admin.Close()
	if err != nil {
		return types.Errorf(codeConnectionFailure, "kafka sink %s: close: aborting the open transaction: %v", t.topic, err)
	}
	return nil
}
