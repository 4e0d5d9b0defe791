// Command ferretdb runs FerretDB v1 (a MongoDB wire-protocol server) for local
// development and tests, on its PostgreSQL backend (the default: filters, sorts and
// limits reach PostgreSQL, and createIndexes makes real PostgreSQL indexes) or on its
// pure-Go SQLite backend (no PostgreSQL needed, but only _id is indexed).
//
// Why our own main package instead of `go install .../cmd/ferretdb`: the
// upstream command reads build/version/version.txt, a generated file that is
// not part of the module zip, and panics at start. The embeddable package
// github.com/FerretDB/FerretDB/ferretdb skips that check, so we wrap it.
//
// Usage:
//
//	ferretdb -listen-addr 127.0.0.1:27017 -postgresql-url postgres://postgres@127.0.0.1:5432/ferretdb
//	ferretdb -listen-addr 127.0.0.1:27017 -handler sqlite -data-dir /path/to/dir
//	ferretdb -probe 127.0.0.1:27017                                # health check
//
// The -probe mode speaks the real wire protocol through the official MongoDB
// Go driver (already in FerretDB's dependency graph): it sends `hello` and
// `ping` and exits 0 when both answer, 1 otherwise.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

func main() {
	listenAddr := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on (keep it on loopback)")
	handler := flag.String("handler", "postgresql", "backend: postgresql or sqlite")
	postgresqlURL := flag.String("postgresql-url", "", "PostgreSQL connection string (postgresql handler)")
	dataDir := flag.String("data-dir", "data", "directory for the SQLite database files, created if missing (sqlite handler)")
	logLevel := flag.String("log-level", "info", "log level: debug, info, warn, error")
	probe := flag.String("probe", "", "instead of serving, send hello+ping to this host:port and exit 0 (ok) or 1")
	probeTimeout := flag.Duration("probe-timeout", 3*time.Second, "time limit for -probe")
	// Not used by the program: infra.sh passes a marker here so that it can tell,
	// from the command line alone, which checkout a running server belongs to.
	_ = flag.String("tag", "", "free-form label, shown by ps (ignored)")
	flag.Parse()

	if *probe != "" {
		if err := runProbe(*probe, *probeTimeout); err != nil {
			fmt.Fprintf(os.Stderr, "probe %s: %v\n", *probe, err)
			os.Exit(1)
		}
		return
	}

	if err := serve(*listenAddr, *handler, *postgresqlURL, *dataDir, *logLevel); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: %v\n", err)
		os.Exit(1)
	}
}

func serve(listenAddr, handler, postgresqlURL, dataDir, logLevel string) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("bad -log-level %q: %w", logLevel, err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	config := &ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: listenAddr},
		Logger:   logger,
		Handler:  handler,
	}
	backend := ""
	switch handler {
	case "postgresql":
		if postgresqlURL == "" {
			return errors.New("-handler postgresql needs -postgresql-url")
		}
		config.PostgreSQLURL = postgresqlURL
		backend = postgresqlURL
	case "sqlite":
		// The SQLite handler wants an existing directory, as a URI ending in "/".
		abs, err := filepath.Abs(dataDir)
		if err != nil {
			return err
		}
		if err = os.MkdirAll(abs, 0o755); err != nil {
			return err
		}
		config.SQLiteURL = "file:" + strings.TrimSuffix(abs, "/") + "/"
		backend = config.SQLiteURL
	default:
		return fmt.Errorf("bad -handler %q: postgresql or sqlite", handler)
	}

	f, err := ferretdb.New(config)
	if err != nil {
		return err
	}

	// SIGTERM (infra.sh stop) and SIGINT (Ctrl-C) cancel the context; Run then
	// closes the listener, the client connections and the backend's connections.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	logger.Info("starting FerretDB (embedded)", "listen", listenAddr, "handler", handler, "backend", backend, "pid", os.Getpid())
	if err = f.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	logger.Info("FerretDB stopped")
	return nil
}

func runProbe(addr string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	opts := options.Client().
		ApplyURI("mongodb://" + addr + "/?directConnection=true").
		SetServerSelectionTimeout(timeout).
		SetConnectTimeout(timeout)
	client, err := mongo.Connect(ctx, opts)
	if err != nil {
		return err
	}
	// No Disconnect: it would send endSessions, which FerretDB v1 does not know
	// and logs as a warning on every probe; the process exits right after anyway.

	var hello bson.M
	if err = client.Database("admin").RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Decode(&hello); err != nil {
		return fmt.Errorf("hello: %w", err)
	}
	if hello["isWritablePrimary"] != true {
		return fmt.Errorf("hello: not a writable primary: %v", hello)
	}
	if err = client.Database("admin").RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err(); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	return nil
}
