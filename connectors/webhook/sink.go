// Package webhook delivers rows to an HTTP endpoint: batches of rows POSTed
// as one JSON array or as JSON lines, optionally signed with HMAC-SHA256,
// retried with exponential backoff and full jitter until the endpoint
// acknowledges them with a 2xx status.
//
// The package depends only on types, connectors/format and the standard
// library: Sink satisfies the connectors.Sink contract structurally, and
// package connectors adapts WITH options to the Config here.
package webhook

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/novelty-db/novelty/connectors/format"
	"github.com/novelty-db/novelty/connectors/internal/wait"
	"github.com/novelty-db/novelty/types"
)

// Defaults of the Config fields left zero.
const (
	DefaultBatchSize  = 100
	DefaultTimeout    = 10 * time.Second
	DefaultMaxBackoff = 30 * time.Second
	// InitialBackoff is the cap of the first retry's random wait; the cap
	// doubles with every further attempt up to MaxBackoff.
	InitialBackoff = 100 * time.Millisecond
)

// SignatureHeader carries "sha256=" and the hex HMAC-SHA256 of the exact
// request body keyed with the signing secret.
const SignatureHeader = "X-Novelty-Signature"

// IdempotencyKeyHeader carries a key naming one batch of rows: every retry
// of a batch sends the same key, different batches send different keys, so
// a receiver can drop the duplicate of a request that timed out after it
// was processed.
const IdempotencyKeyHeader = "Idempotency-Key"

// Format is how a request body holds its rows.
type Format uint8

// The body formats.
const (
	// FormatJSON sends one JSON array of row objects per request.
	FormatJSON Format = iota
	// FormatJSONLines sends one row object per line, each ending in "\n".
	FormatJSONLines
)

// Config configures a webhook sink.
type Config struct {
	// Name is the sink's name, for errors.
	Name string
	// URL receives a POST per batch of rows.
	URL string
	// Format chooses the body layout.
	Format Format
	// Encoder writes one row as a JSON object.
	Encoder format.Encoder
	// BatchSize is the most rows one request carries; 0 means
	// DefaultBatchSize.
	BatchSize int
	// Timeout bounds one request, response included; 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// MaxBackoff bounds the wait between attempts, a Retry-After included;
	// 0 means DefaultMaxBackoff.
	MaxBackoff time.Duration
	// SigningSecret, when not empty, signs every body (SignatureHeader).
	SigningSecret []byte
	// Headers are added to every request (ParseHeaders).
	Headers http.Header
	// Client sends the requests; nil means a client that does not follow
	// redirects (a redirect is a permanent failure naming its Location).
	Client *http.Client
	// Sleep waits d or until ctx is done (then it returns ctx.Err()); nil
	// means a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a uniformly random duration in [0, limit]; nil means
	// math/rand/v2.
	Jitter func(limit time.Duration) time.Duration
	// Now reads the clock for Retry-After dates; nil means time.Now.
	Now func() time.Time
}

// Sink POSTs the rows written to it in requests of up to BatchSize rows,
// in the order written. Write encodes the rows into the sink's own queue
// and first delivers the full requests already queued by earlier writes,
// never rows of the batch it is given: a Write that fails has not taken
// its batch, so writing it again does not duplicate rows. Flush delivers
// everything queued, the last partial request included.
//
// Delivery blocks, retrying with backoff, while the endpoint is down (a
// network error, a timeout, 408, 429 or 5xx), until it answers 2xx or ctx
// is done. Any other status is a permanent failure of that request: it is
// returned as an error and the request stays queued, first in line for the
// next Write or Flush. Delivery is at least once: a request that timed out
// may have been processed, and its retry carries the same
// IdempotencyKeyHeader for the receiver to recognise it.
type Sink struct {
	cfg    Config
	target string // cfg.URL without credentials or query, for errors
	closed bool

	rows []byte // encoded rows waiting for delivery, back to back
	ends []int  // per waiting row: its end in rows
	body []byte // the request body being delivered, reused

	// attempted is the row count of the first queued request once it was
	// sent without being acknowledged: its retries carry the same rows, as
	// they carry the same idempotency key.
	attempted int
	instance  string // random per sink, prefix of the idempotency keys
	requests  uint64 // requests acknowledged so far, suffix of the idempotency keys
}

// NewSink returns a sink; the endpoint is first contacted by a Write or
// Flush.
func NewSink(cfg Config) (*Sink, error) {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if cfg.Sleep == nil {
		cfg.Sleep = wait.Sleep
	}
	if cfg.Jitter == nil {
		cfg.Jitter = jitter
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	target, err := redactURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, fmt.Errorf("webhook sink %s: %w", cfg.Name, err)
	}
	return &Sink{cfg: cfg, target: target, instance: hex.EncodeToString(id[:])}, nil
}

// Write implements connectors.Sink: it delivers the full requests queued
// by earlier writes, then encodes the rows of b into the queue. It does
// not keep b. On error b has not been taken.
func (s *Sink) Write(ctx context.Context, b *types.Batch) error {
	if s.closed {
		return fmt.Errorf("webhook sink %s: write after close", s.cfg.Name)
	}
	if err := s.deliverQueued(ctx, false); err != nil {
		return err
	}
	for i := 0; i < b.Len; i++ {
		s.rows = s.cfg.Encoder.Encode(s.rows, b.Row(i))
		s.ends = append(s.ends, len(s.rows))
	}
	return nil
}

// Flush implements connectors.Sink: it returns once every row written so
// far was acknowledged with a 2xx status.
func (s *Sink) Flush(ctx context.Context) error {
	if s.closed {
		return fmt.Errorf("webhook sink %s: flush after close", s.cfg.Name)
	}
	return s.deliverQueued(ctx, true)
}

// Close implements connectors.Sink: it makes one attempt at each queued
// request, without retries, stopping at the first failure, and drops what
// is left. It is idempotent.
func (s *Sink) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	defer func() { s.rows, s.ends, s.body = nil, nil, nil }()
	for len(s.ends) > 0 {
		n := s.nextRequest()
		if out := s.attempt(context.Background(), s.requests); out.err != nil {
			return out.err
		}
		s.dequeue(n)
	}
	return nil
}

// deliverQueued delivers the queued rows in requests of BatchSize rows:
// all of them when partial is set, else only full requests.
func (s *Sink) deliverQueued(ctx context.Context, partial bool) error {
	for len(s.ends) >= s.cfg.BatchSize || partial && len(s.ends) > 0 {
		n := s.nextRequest()
		if err := s.deliver(ctx, s.requests); err != nil {
			return err
		}
		s.dequeue(n)
	}
	return ctx.Err()
}

// nextRequest builds the body of the first queued rows, up to BatchSize,
// into s.body and returns how many rows it holds. A request built again
// after a failure holds the same rows and gets the same idempotency key:
// s.requests only moves on in dequeue.
func (s *Sink) nextRequest() int {
	n := min(len(s.ends), s.cfg.BatchSize)
	if s.attempted > 0 {
		n = s.attempted
	}
	s.attempted = n
	s.body = s.body[:0]
	if s.cfg.Format == FormatJSON {
		s.body = append(s.body, '[')
	}
	start := 0
	for i, end := range s.ends[:n] {
		if i > 0 && s.cfg.Format == FormatJSON {
			s.body = append(s.body, ',')
		}
		s.body = append(s.body, s.rows[start:end]...)
		if s.cfg.Format == FormatJSONLines {
			s.body = append(s.body, '\n')
		}
		start = end
	}
	if s.cfg.Format == FormatJSON {
		s.body = append(s.body, ']')
	}
	return n
}

// dequeue drops the first n queued rows, acknowledged by the endpoint.
func (s *Sink) dequeue(n int) {
	s.requests++
	s.attempted = 0
	cut := s.ends[n-1]
	s.rows = s.rows[:copy(s.rows, s.rows[cut:])]
	rest := s.ends[:copy(s.ends, s.ends[n:])]
	for i := range rest {
		rest[i] -= cut
	}
	s.ends = rest
}

func (s *Sink) contentType() string {
	if s.cfg.Format == FormatJSONLines {
		return "application/x-ndjson"
	}
	return "application/json"
}
