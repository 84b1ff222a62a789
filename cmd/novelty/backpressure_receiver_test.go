package main

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/novelty-db/novelty/connectors/webhook"
)

// stallingReceiver is a webhook endpoint that accepts requests until it
// has taken warmupRows rows, then answers 503 to every request for stall,
// then accepts again. It records which ids of 1..len(seen)-1 arrived.
//
// The webhook sink is at least once: a request whose answer was lost is
// sent again with the same Idempotency-Key. The receiver drops such a
// repeat, as the sink's contract asks receivers to, so after that every id
// must have arrived exactly once.
type stallingReceiver struct {
	warmupRows int
	stall      time.Duration

	mu         sync.Mutex
	stallStart time.Time // zero until the stall began
	stallEnd   time.Time
	refused    int             // requests answered 503
	repeats    int             // requests dropped as repeats of an accepted one
	keys       map[string]bool // Idempotency-Keys of accepted requests
	seen       []uint8         // per id, how often it arrived (saturating)
	rows       int             // rows accepted
	distinct   int             // ids that arrived at least once
	outOfRange int             // rows whose id is not in 1..len(seen)-1
	badBody    error           // the first body that was not a JSON array of rows

	stalled  chan struct{} // closed when the stall begins
	complete chan struct{} // closed when every id arrived
}

func newStallingReceiver(ids, warmupRows int, stall time.Duration) *stallingReceiver {
	return &stallingReceiver{warmupRows: warmupRows, stall: stall, keys: map[string]bool{},
		seen: make([]uint8, ids+1), stalled: make(chan struct{}), complete: make(chan struct{})}
}

func (r *stallingReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	if r.stallStart.IsZero() && r.rows >= r.warmupRows {
		r.stallStart, r.stallEnd = now, now.Add(r.stall)
		close(r.stalled)
	}
	if !r.stallStart.IsZero() && now.Before(r.stallEnd) {
		r.refused++
		http.Error(w, "stalled", http.StatusServiceUnavailable)
		return
	}
	key := req.Header.Get(webhook.IdempotencyKeyHeader)
	if r.keys[key] {
		r.repeats++
		return
	}
	var rows []struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(body, &rows); err != nil {
		if r.badBody == nil {
			r.badBody = err
		}
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.keys[key] = true
	r.rows += len(rows)
	for _, row := range rows {
		if row.ID < 1 || row.ID >= int64(len(r.seen)) {
			r.outOfRange++
			continue
		}
		if r.seen[row.ID] == 0 {
			r.distinct++
		}
		if r.seen[row.ID] < 255 {
			r.seen[row.ID]++
		}
	}
	if r.distinct == len(r.seen)-1 {
		select {
		case <-r.complete:
		default:
			close(r.complete)
		}
	}
}

// stallWindow returns when the stall began and ended (zero before it
// began).
func (r *stallingReceiver) stallWindow() (start, end time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stallStart, r.stallEnd
}

// receipt summarises what arrived.
type receipt struct {
	rows, distinct, refused, repeats, outOfRange int
	missing, duplicated                          []int64 // the first few ids of each
	missingCount, duplicatedCount                int
	badBody                                      error
}

func (r *stallingReceiver) receipt() receipt {
	r.mu.Lock()
	defer r.mu.Unlock()
	const shown = 5
	rc := receipt{rows: r.rows, distinct: r.distinct, refused: r.refused, repeats: r.repeats,
		outOfRange: r.outOfRange, badBody: r.badBody}
	for id := 1; id < len(r.seen); id++ {
		switch r.seen[id] {
		case 1:
		case 0:
			rc.missingCount++
			if len(rc.missing) < shown {
				rc.missing = append(rc.missing, int64(id))
			}
		default:
			rc.duplicatedCount++
			if len(rc.duplicated) < shown {
				rc.duplicated = append(rc.duplicated, int64(id))
			}
		}
	}
	return rc
}
