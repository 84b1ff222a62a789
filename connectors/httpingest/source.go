package httpingest

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/novelty-db/novelty/connectors/format"
	"github.com/novelty-db/novelty/types"
)

// DefaultQueueSize is how many records may wait for the engine when
// SourceConfig leaves QueueSize 0.
const DefaultQueueSize = 10_000

// maxRejections is how many rejected records a response explains.
const maxRejections = 10

// busyRetryAfter is the Retry-After of a 503: a full queue or a stopped
// source is worth trying again shortly.
const busyRetryAfter = "1"

// BadRecordHandler decides what a record that cannot be decoded does to the
// read: nil skips it (after reporting or counting it), an error ends the
// read with that error. connectors.BadRecordPolicy implements it.
type BadRecordHandler interface {
	HandleBadRecord(raw []byte, offset string, err error) error
}

// SourceConfig configures an HTTP ingest source.
type SourceConfig struct {
	// Name is the source's name: it receives POST PathPrefix+Name.
	Name string
	// Width is the number of columns of the rows Decoder fills.
	Width int
	// Decoder turns one JSON record into a row.
	Decoder format.Decoder
	// BadRecords handles records that do not decode. Their offset is
	// "<request>:<record>": the request's number since the source opened
	// and the record's position in it, both from 0.
	BadRecords BadRecordHandler
	// QueueSize bounds the records waiting for the engine; a request that
	// does not fit is answered 503, one larger than the whole queue 413.
	// 0 means DefaultQueueSize.
	QueueSize int
	// MaxRequestsPerSecond limits the requests accepted per second (with
	// bursts of as many), answering 429 beyond; 0 means no limit.
	MaxRequestsPerSecond float64
}

// state is where a source is in its life.
type state uint8

const (
	stateNew    state = iota // not opened yet
	stateOpen                // registered, taking requests
	stateFailed              // a bad record failed the read; waiting for Close
	stateClosed
)

// Source is the records POSTed to one name of a Hub. Its offset is the
// decimal count of records accepted so far; it cannot replay them, so
// resuming from an offset only continues the count.
type Source struct {
	hub     *Hub
	cfg     SourceConfig
	limiter *rateLimiter // nil without a rate limit
	wake    chan struct{}

	mu     sync.Mutex
	state  state
	queue  []*request // requests waiting for Read, oldest first
	queued int        // records not yet read: of queue and of current
	serial uint64     // requests enqueued so far

	// Owned by the reading goroutine (Read, and Close after it).
	current *request   // the request being read, when it spans batches
	taken   []*request // read requests with rows in the last batch: answered by the next Read
	reads   uint64     // Read calls so far
	count   uint64     // records accepted up to the last successful Read
}

// request is one POST waiting for the engine.
type request struct {
	serial  uint64
	records [][]byte
	next    int    // records read so far
	lastRow uint64 // the Read that took its last accepted row; 0 for none
	counts  counts
	done    chan result // receives the one answer
}

// NewSource returns an unopened source of hub.
func NewSource(hub *Hub, cfg SourceConfig) *Source {
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	s := &Source{hub: hub, cfg: cfg, wake: make(chan struct{}, 1)}
	if cfg.MaxRequestsPerSecond > 0 {
		s.limiter = newRateLimiter(cfg.MaxRequestsPerSecond, hub.cfg.Now)
	}
	return s
}

// Open implements connectors.Source: it resumes the count of accepted
// records from offset and starts taking requests.
func (s *Source) Open(_ context.Context, offset []byte) error {
	if offset != nil {
		n, err := strconv.ParseUint(string(offset), 10, 64)
		if err != nil {
			return types.Errorf(types.CodeInvalidParameterValue, "http source %s: invalid offset %q", s.cfg.Name, offset)
		}
		s.count = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateNew {
		return fmt.Errorf("http source %s: opened twice", s.cfg.Name)
	}
	if err := s.hub.register(s); err != nil {
		return err
	}
	s.state = stateOpen
	return nil
}

// Offset implements connectors.Source.
func (s *Source) Offset() []byte { return strconv.AppendUint(nil, s.count, 10) }

// Read implements connectors.Source. It first answers 200 to the requests
// whose rows the previous Read returned, then returns the rows of the
// waiting requests, waiting for one when there is none. A request with
// more records than fit spans several batches. Read never returns io.EOF.
func (s *Source) Read(ctx context.Context, b *types.Batch) error {
	s.reads++
	for _, req := range s.taken {
		req.done <- result{status: http.StatusOK, counts: req.counts}
	}
	clear(s.taken)
	s.taken = s.taken[:0]
	b.Reset(s.cfg.Width)
	for !b.Full() {
		if s.current == nil {
			req, err := s.nextRequest(ctx, b.Len == 0)
			if err != nil {
				return err
			}
			if req == nil {
				break
			}
			s.current = req
		}
		if err := s.readCurrent(b); err != nil {
			s.fail(err)
			return err
		}
	}
	s.count += uint64(b.Len)
	return nil
}

// nextRequest takes the oldest waiting request. Without one it returns
// nil, or with wait set waits until there is one or ctx is done.
func (s *Source) nextRequest(ctx context.Context, wait bool) (*request, error) {
	for {
		s.mu.Lock()
		st := s.state
		var req *request
		if st == stateOpen && len(s.queue) > 0 {
			req = s.queue[0]
			s.queue[0] = nil
			s.queue = s.queue[1:]
		}
		s.mu.Unlock()
		switch {
		case st != stateOpen:
			return nil, fmt.Errorf("http source %s: read while not open", s.cfg.Name)
		case req != nil || !wait:
			return req, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-s.wake:
		}
	}
}

// readCurrent decodes records of the current request into b until the
// request or the batch is exhausted. A finished request with rows in b
// is answered by the next Read; one without is answered now.
func (s *Source) readCurrent(b *types.Batch) error {
	req := s.current
	start := req.next
	defer func() {
		s.mu.Lock()
		s.queued -= req.next - start
		s.mu.Unlock()
	}()
	for req.next < len(req.records) && !b.Full() {
		i := req.next
		req.next++
		raw := req.records[i]
		if err := s.cfg.Decoder.Decode(raw, b.AppendRow()); err != nil {
			b.Truncate(b.Len - 1)
			req.reject(i, err)
			offset := strconv.FormatUint(req.serial, 10) + ":" + strconv.Itoa(i)
			if err := s.cfg.BadRecords.HandleBadRecord(raw, offset, err); err != nil {
				return err
			}
			continue
		}
		req.counts.Accepted++
		req.lastRow = s.reads
	}
	if req.next < len(req.records) {
		return nil
	}
	s.current = nil
	if req.lastRow == s.reads {
		s.taken = append(s.taken, req)
	} else {
		req.done <- result{status: http.StatusOK, counts: req.counts}
	}
	return nil
}

func (r *request) reject(i int, err error) {
	r.counts.Rejected++
	if len(r.counts.Errors) < maxRejections {
		msg := err.Error()
		if e, ok := types.AsError(err); ok {
			msg = e.Message
		}
		r.counts.Errors = append(r.counts.Errors, rejection{Record: i, Error: msg})
	}
}

// fail ends the source after the on_error policy failed a record: the
// request holding it is answered 422 with the error, every other request
// not taken by the engine 503.
func (s *Source) fail(err error) {
	s.mu.Lock()
	s.state = stateFailed
	waiting := s.queue
	s.queue, s.queued = nil, 0
	s.mu.Unlock()
	s.current.done <- result{status: http.StatusUnprocessableEntity, message: err.Error()}
	s.current = nil
	stopped := fmt.Sprintf("source %s stopped: %v", s.cfg.Name, err)
	s.refuse(append(s.taken, waiting...), stopped)
	s.taken = s.taken[:0]
}

// refuse answers 503 to requests whose rows the engine has not taken.
func (s *Source) refuse(reqs []*request, message string) {
	for _, req := range reqs {
		req.done <- result{status: http.StatusServiceUnavailable, retryAfter: busyRetryAfter, message: message}
	}
}

// Close implements connectors.Source: it stops taking requests and
// answers 503 to every request not known to be taken, those whose rows the
// last Read returned included. It is idempotent.
func (s *Source) Close() error {
	s.mu.Lock()
	prev := s.state
	s.state = stateClosed
	waiting := s.queue
	s.queue, s.queued = nil, 0
	s.mu.Unlock()
	if prev != stateOpen && prev != stateFailed {
		return nil
	}
	s.hub.unregister(s)
	pending := append(s.taken, waiting...)
	if s.current != nil {
		pending = append(pending, s.current)
	}
	s.refuse(pending, fmt.Sprintf("source %s closed before the engine took the records", s.cfg.Name))
	s.current, s.taken = nil, nil
	return nil
}

// admit applies the request rate limit: false and how long until a
// request would be admitted when the limit is reached.
func (s *Source) admit() (wait time.Duration, ok bool) {
	if s.limiter == nil {
		return 0, true
	}
	return s.limiter.admit()
}

// ingest queues a request's records and waits for its answer. A client
// that goes away while its request still waits in the queue withdraws it.
func (s *Source) ingest(ctx context.Context, records [][]byte) result {
	if len(records) == 0 {
		return result{status: http.StatusOK}
	}
	if len(records) > s.cfg.QueueSize {
		return result{status: http.StatusRequestEntityTooLarge, message: fmt.Sprintf(
			"the request has %d records, more than source %s queues (%d): split it", len(records), s.cfg.Name, s.cfg.QueueSize)}
	}
	req := &request{records: records, done: make(chan result, 1)}
	if res, ok := s.enqueue(req); !ok {
		return res
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
	select {
	case res := <-req.done:
		return res
	case <-ctx.Done():
		s.withdraw(req)
		return result{status: http.StatusServiceUnavailable, message: "request canceled"}
	}
}

// enqueue adds req to the queue, or returns the answer refusing it.
func (s *Source) enqueue(req *request) (result, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.state != stateOpen:
		return result{status: http.StatusServiceUnavailable, retryAfter: busyRetryAfter,
			message: fmt.Sprintf("source %s is not running", s.cfg.Name)}, false
	case s.queued+len(req.records) > s.cfg.QueueSize:
		return result{status: http.StatusServiceUnavailable, retryAfter: busyRetryAfter,
			message: fmt.Sprintf("source %s is busy: its queue is full", s.cfg.Name)}, false
	}
	req.serial = s.serial
	s.serial++
	s.queue = append(s.queue, req)
	s.queued += len(req.records)
	return result{}, true
}

// withdraw removes req from the queue if Read has not started on it.
func (s *Source) withdraw(req *request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := slices.Index(s.queue, req); i >= 0 {
		s.queue = slices.Delete(s.queue, i, i+1)
		s.queued -= len(req.records)
	}
}
