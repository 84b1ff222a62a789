// Command novelty is the Novelty streaming SQL server.
package main

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
	// SET TIME ZONE resolves IANA names from the embedded database, so the
	// server behaves the same on machines without /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/novelty-db/novelty/connectors"
	"github.com/novelty-db/novelty/connectors/httpingest"
	"github.com/novelty-db/novelty/engine"
	"github.com/novelty-db/novelty/storage"
	"github.com/novelty-db/novelty/wire"
	"github.com/novelty-db/novelty/wire/pgcatalog"
)

const usage = `Novelty is a streaming SQL engine that speaks the Postgres wire protocol.

Usage:
  novelty serve [flags]   run the server (novelty serve --help for flags)
  novelty bench ...       run a benchmark (novelty bench --help)
  novelty --help          show this help

Connect with any Postgres client, e.g.:
  psql "host=127.0.0.1 port=5433 user=novelty dbname=novelty"
`

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "novelty:", err)
		}
		os.Exit(2)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return errors.New("missing command")
		}
		return nil
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stdout, stderr)
	case "bench":
		return bench(args[1:], stdout, stderr)
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// serveConfig holds the flags of `novelty serve`.
type serveConfig struct {
	listen   string
	dataDir  string
	logLevel string
	logJSON  bool
	// tlsCert and tlsKey are PEM files; both or neither.
	tlsCert, tlsKey string
	// auth is "trust" (the default when empty) or "scram".
	auth      string
	usersFile string
	// users are --user entries "name:password"; they hold secrets and are
	// never logged.
	users []string
	// http is the address of the HTTP operations endpoint ("" is off);
	// httpReady, when set, receives its bound address (tests listen on port 0).
	http      string
	httpReady chan<- net.Addr
	// checkpointInterval is how often the engine takes a checkpoint.
	checkpointInterval time.Duration
	// minFreeDisk is the free space the data directory must keep (0: not checked).
	minFreeDisk uint64
}

func serve(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("novelty serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg serveConfig
	fs.StringVar(&cfg.listen, "listen", "127.0.0.1:5433", "address the Postgres endpoint listens on")
	fs.StringVar(&cfg.dataDir, "data-dir", "./novelty-data", "directory of the Pebble store (catalog, tables, state, retained rows)")
	fs.StringVar(&cfg.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.BoolVar(&cfg.logJSON, "log-json", false, "write logs as JSON instead of text")
	fs.StringVar(&cfg.tlsCert, "tls-cert", "", "PEM certificate (chain) for TLS; needs --tls-key. Without it clients connect in plain text")
	fs.StringVar(&cfg.tlsKey, "tls-key", "", "PEM private key for TLS; needs --tls-cert")
	fs.StringVar(&cfg.auth, "auth", "trust", "authentication: trust (any user, meant for loopback) or scram (SCRAM-SHA-256 with --users-file or --user)")
	fs.StringVar(&cfg.http, "http", "", "address of the HTTP endpoint serving Prometheus /metrics, /healthz and a web page of the pipelines, e.g. 127.0.0.1:9464 and HTTP ingest at /ingest/<source> (no authentication: keep it on loopback); empty is off")
	fs.DurationVar(&cfg.checkpointInterval, "checkpoint-interval", engine.DefaultCheckpointInterval, "how often a checkpoint saves every stream's state, source offsets and sink positions; 0 takes one only at shutdown")
	cfg.minFreeDisk = storage.DefaultMinFreeBytes
	fs.Func("min-free-disk", "free space the data directory's volume must keep, e.g. 256MiB or 1GiB (default 256MiB; 0 is no check): below it sources pause and writes fail with SQLSTATE 53100 until a quarter more is free", func(v string) (err error) {
		cfg.minFreeDisk, err = storage.ParseSize(v)
		return err
	})
	fs.StringVar(&cfg.usersFile, "users-file", "", "file of users for --auth scram: one user:password or user:SCRAM-SHA-256$... verifier per line, # comments")
	fs.Func("user", "a user for --auth scram as name:password (repeatable; visible in the process list, prefer --users-file)", func(entry string) error {
		cfg.users = append(cfg.users, entry)
		return nil
	})
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: novelty serve [flags]\n\nRuns the server on an embedded Pebble store; no external services are needed.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	logger, err := newLogger(cfg, stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runServer(ctx, cfg, logger, nil)
}

func newLogger(cfg serveConfig, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.logLevel)); err != nil {
		return nil, fmt.Errorf("invalid --log-level %q: use debug, info, warn or error", cfg.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.logJSON {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

// runServer serves until ctx is done. ready, when set, receives the bound
// address once the server accepts connections (tests listen on port 0).
func runServer(ctx context.Context, cfg serveConfig, logger *slog.Logger, ready chan<- net.Addr) error {
	opts, err := serverOptions(cfg)
	if err != nil {
		return err
	}
	dir, err := filepath.Abs(cfg.dataDir)
	if err != nil {
		return err
	}
	store, err := storage.OpenWith(dir, storage.Options{Logger: logger, MinFreeBytes: cfg.minFreeDisk})
	if err != nil {
		return fmt.Errorf("opening data directory %s: %w", dir, err)
	}
	defer store.Close()
	// HTTP ingest sources receive events on the --http endpoint; without it
	// creating one fails with a hint (a nil hub).
	var hub *httpingest.Hub
	if cfg.http != "" {
		hub = httpingest.NewHub(httpingest.HubConfig{})
	}
	registry := connectors.Default()
	registry.RegisterSource(connectors.HTTPSource(hub))
	eng, err := engine.Open(engine.Config{
		Store: store, Connectors: registry, Logger: logger, BaseDir: dir, Virtual: pgcatalog.New(),
		CheckpointInterval: cfg.checkpointInterval,
	})
	if err != nil {
		return err
	}
	defer eng.Close()
	stopHTTP, err := startHTTP(cfg, eng, hub, logger)
	if err != nil {
		return err
	}
	defer stopHTTP()
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return err
	}
	logger.Info("novelty is ready", "listen", ln.Addr().String(), "data_dir", dir,
		"tls", cfg.tlsCert != "", "auth", cmp.Or(cfg.auth, "trust"))
	if ready != nil {
		ready <- ln.Addr()
	}
	srv := wire.NewServer(backend{eng}, logger, opts...)
	err = srv.Serve(ctx, ln)
	logger.Info("novelty stopped")
	return err
}

// serverOptions turns the TLS and authentication flags into wire options.
// Errors never quote a password.
func serverOptions(cfg serveConfig) ([]wire.Option, error) {
	var opts []wire.Option
	switch {
	case (cfg.tlsCert == "") != (cfg.tlsKey == ""):
		return nil, errors.New("--tls-cert and --tls-key must be given together")
	case cfg.tlsCert != "":
		cert, err := tls.LoadX509KeyPair(cfg.tlsCert, cfg.tlsKey)
		if err != nil {
			return nil, fmt.Errorf("loading --tls-cert %s and --tls-key %s: %w", cfg.tlsCert, cfg.tlsKey, err)
		}
		opts = append(opts, wire.WithTLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}))
	}
	switch cfg.auth {
	case "", "trust":
		if cfg.usersFile != "" || len(cfg.users) > 0 {
			return nil, errors.New("--users-file and --user need --auth scram")
		}
		return opts, nil
	case "scram":
	default:
		return nil, fmt.Errorf("invalid --auth %q: use trust or scram", cfg.auth)
	}
	users := wire.Credentials{}
	if cfg.usersFile != "" {
		f, err := os.Open(cfg.usersFile)
		if err != nil {
			return nil, fmt.Errorf("--users-file: %w", err)
		}
		err = users.Load(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("--users-file %s: %w", cfg.usersFile, err)
		}
	}
	for _, entry := range cfg.users {
		if err := users.Add(entry); err != nil {
			return nil, fmt.Errorf("--user: %w", err)
		}
	}
	if len(users) == 0 {
		return nil, errors.New("--auth scram needs users: give --users-file or --user")
	}
	return append(opts, wire.WithSCRAM(users)), nil
}

// backend adapts the engine to the wire layer.
type backend struct{ e *engine.Engine }

func (b backend) NewSession(_ context.Context, user, database string) (wire.Session, error) {
	return b.e.NewSession(user, database), nil
}
