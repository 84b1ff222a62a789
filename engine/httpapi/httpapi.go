// Package httpapi is the engine's operations endpoint over HTTP: Prometheus
// metrics, a health check, the pipelines as JSON and a web page drawing
// them.
package httpapi

import (
	_ "embed"
	"encoding/json"
	"net/http"

	"github.com/novelty-db/novelty/engine"
)

// Engine is what the endpoints read; *engine.Engine implements it.
type Engine interface {
	// Metrics reads the engine's counters.
	Metrics() engine.Snapshot
	// Running reports whether the engine runs (false once closed).
	Running() bool
}

var _ Engine = (*engine.Engine)(nil)

// New returns a mux serving
//
//	GET /metrics        Prometheus text exposition format 0.0.4
//	GET /healthz        200 "ok" while the engine runs, 503 once it closed
//	GET /api/pipelines  the objects and novelty contexts as JSON
//	GET /{$}            the web page
//
// Callers may register more routes on it; any other path is 404.
func New(e Engine) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(appendExposition(nil, e.Metrics()))
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if !e.Running() {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("stopped\n"))
			return
		}
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /api/pipelines", func(w http.ResponseWriter, r *http.Request) {
		body, err := json.Marshal(newPipelines(e.Metrics(), e.Running()))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(body)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(page)
	})
	return mux
}

// page is the web page: one file, its script and style inline.
//
//go:embed page.html
var page []byte
