// Package httpingest receives rows POSTed over HTTP: a Hub serves
// POST /ingest/<source name> and hands each request's records to the
// Source of that name, which the engine reads like any other source.
//
// A request is answered 200 only once the engine has taken its rows: the
// Read that returned them was followed by another Read, which the engine
// makes only after publishing the previous batch durably. HTTP ingest
// cannot replay: a client that gets any other status (or no answer)
// retries the request, so delivery is at least once.
//
// The package depends only on types, connectors/format and the standard
// library: Source satisfies the connectors.Source contract structurally.
package httpingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/novelty-db/novelty/types"
)

// PathPrefix is where a Hub serves: POST PathPrefix+"<source name>". Mount
// the hub on it (mux.Handle(PathPrefix, hub)).
const PathPrefix = "/ingest/"

// DefaultMaxBodyBytes bounds a request body when HubConfig leaves it 0.
const DefaultMaxBodyBytes = 16 << 20

// HubConfig configures a Hub.
type HubConfig struct {
	// MaxBodyBytes bounds a request body; a longer one is answered 413.
	// 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Now reads the clock for rate limits; nil means time.Now.
	Now func() time.Time
}

// Hub routes ingest requests to the open sources by name. It is safe for
// concurrent use.
type Hub struct {
	cfg     HubConfig
	mu      sync.Mutex
	sources map[string]*Source
}

// NewHub returns a hub with no sources.
func NewHub(cfg HubConfig) *Hub {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Hub{cfg: cfg, sources: map[string]*Source{}}
}

// register makes s receive the requests for its name.
func (h *Hub) register(s *Source) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, taken := h.sources[s.cfg.Name]; taken {
		return types.Errorf(types.CodeObjectInUse, "http source %s: another source already receives on %s%s",
			s.cfg.Name, PathPrefix, s.cfg.Name)
	}
	h.sources[s.cfg.Name] = s
	return nil
}

// unregister stops routing requests to s.
func (h *Hub) unregister(s *Source) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.sources[s.cfg.Name] == s {
		delete(h.sources, s.cfg.Name)
	}
}

// lookup finds the source for a path's name: exactly, else lower-cased as
// an unquoted SQL name is.
func (h *Hub) lookup(name string) *Source {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s, ok := h.sources[name]; ok {
		return s
	}
	return h.sources[strings.ToLower(name)]
}

// ServeHTTP implements http.Handler. Every answer has a JSON body: the
// counts of accepted and rejected records for 200, {"error": "..."}
// otherwise.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, PathPrefix)
	if !ok || name == "" || strings.Contains(name, "/") {
		writeError(w, http.StatusNotFound, "", "not found: POST records to "+PathPrefix+"<source name>")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "", fmt.Sprintf("method %s not allowed: POST records to %s%s", r.Method, PathPrefix, name))
		return
	}
	src := h.lookup(name)
	if src == nil {
		writeError(w, http.StatusNotFound, "", fmt.Sprintf("no http source named %q is running", name))
		return
	}
	if wait, ok := src.admit(); !ok {
		writeError(w, http.StatusTooManyRequests, retryAfterSeconds(wait),
			fmt.Sprintf("source %s takes at most %g requests per second", src.cfg.Name, src.cfg.MaxRequestsPerSecond))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, "", fmt.Sprintf("body larger than %d bytes: split the request", tooLarge.Limit))
			return
		}
		writeError(w, http.StatusBadRequest, "", "reading the body: "+err.Error())
		return
	}
	records, err := splitRecords(r.Header.Get("Content-Type"), body)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, errUnsupportedMediaType) {
			status = http.StatusUnsupportedMediaType
		}
		writeError(w, status, "", err.Error())
		return
	}
	src.ingest(r.Context(), records).write(w)
}

// retryAfterSeconds is d as a Retry-After value: whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) string {
	secs := int64((d + time.Second - 1) / time.Second)
	return strconv.FormatInt(max(secs, 1), 10)
}

// counts is the body of a 200: how many records of the request the engine
// took and how many it rejected, with the first rejections' reasons.
type counts struct {
	Accepted int         `json:"accepted"`
	Rejected int         `json:"rejected"`
	Errors   []rejection `json:"errors,omitempty"`
}

// rejection says why one record was rejected.
type rejection struct {
	Record int    `json:"record"` // its position in the request, from 0
	Error  string `json:"error"`
}

// result is the answer to one ingest request.
type result struct {
	status     int
	retryAfter string // the Retry-After header; "" for none
	counts     counts // the body of a 200
	message    string // the error of any other status
}

func (res result) write(w http.ResponseWriter) {
	if res.status != http.StatusOK {
		writeError(w, res.status, res.retryAfter, res.message)
		return
	}
	writeJSON(w, http.StatusOK, res.counts)
}

func writeError(w http.ResponseWriter, status int, retryAfter, message string) {
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	writeJSON(w, status, struct {
		Error string `json:"error"`
	}{message})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(body)
}
