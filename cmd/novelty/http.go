package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/novelty-db/novelty/connectors/httpingest"
	"github.com/novelty-db/novelty/engine"
	"github.com/novelty-db/novelty/engine/httpapi"
)

// httpShutdownTimeout bounds how long stopping the HTTP endpoint waits for
// requests in flight.
const httpShutdownTimeout = 5 * time.Second

// startHTTP serves the operations endpoint (metrics, health, web page) and
// HTTP ingest (hub) on cfg.http, when set, and returns the function that
// stops it. It listens before returning, so a bad address fails the start.
func startHTTP(cfg serveConfig, eng *engine.Engine, hub *httpingest.Hub, logger *slog.Logger) (stop func(), err error) {
	if cfg.http == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", cfg.http)
	if err != nil {
		return nil, fmt.Errorf("--http: %w", err)
	}
	mux := httpapi.New(eng)
	mux.Handle(httpingest.PathPrefix, hub)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			logger.Error("HTTP endpoint stopped", "err", err)
		}
	}()
	logger.Info("HTTP endpoint is ready", "http", ln.Addr().String(), "page", "http://"+ln.Addr().String()+"/")
	if cfg.httpReady != nil {
		cfg.httpReady <- ln.Addr()
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), httpShutdownTimeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
		}
		<-done
	}, nil
}
