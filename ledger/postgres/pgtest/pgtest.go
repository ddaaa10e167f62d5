// Package pgtest gives each test its own PostgreSQL database, cloned from a
// migrated template, on a private cluster that the test process starts
// through the same embedded mechanism as the ledger binary (or on the server
// named by LEDGER_TEST_DATABASE_URL, which needs the CREATEDB privilege).
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// and in a test:
//
//	db := pgtest.New(t) // a *postgres.DB on a fresh database
//
// A database is dropped after a passing test and kept, with its name
// logged, after a failing one.
package pgtest

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/embedded"
)

// EnvURL names an existing server to use instead of a private cluster.
const EnvURL = "LEDGER_TEST_DATABASE_URL"

var (
	server   *embedded.Server
	superURL string // superuser connection to the "postgres" database
	template string
	counter  atomic.Int64
	mu       sync.Mutex
	started  bool
	failed   atomic.Bool
)

// Main starts the cluster, migrates the template, runs the tests and stops
// the cluster. It exits the process.
func Main(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	if !flag.Parsed() {
		flag.Parse()
	}
	// A fuzzing worker runs only a fuzz target's function, over and over,
	// and is restarted after every failure: it starts no cluster (a fuzz
	// target that needs a database gets none there).
	if f := flag.Lookup("test.fuzzworker"); f != nil && f.Value.String() == "true" {
		return m.Run(), nil
	}
	ctx := context.Background()
	if err := setup(ctx); err != nil {
		teardown(ctx, false)
		return 1, err
	}
	code := m.Run()
	teardown(ctx, code == 0 && !failed.Load())
	return code, nil
}

func setup(ctx context.Context) error {
	template = fmt.Sprintf("ledger_tmpl_%d", os.Getpid())
	if u := os.Getenv(EnvURL); u != "" {
		superURL = u
	} else {
		sweepOrphans()
		dir, err := os.MkdirTemp("", "ledger-test-")
		if err != nil {
			return err
		}
		// The owner file lets a later test process stop this cluster if
		// this one is killed before its teardown (go test -timeout, kill -9).
		if err := os.WriteFile(filepath.Join(dir, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
			return err
		}
		server, err = embedded.New(embedded.Options{DataDir: dir, NoSync: true, Settings: map[string]string{"max_connections": "300"}})
		if err != nil {
			return err
		}
		start := time.Now()
		if err := server.Acquire(ctx); err != nil {
			return err
		}
		if testing.Verbose() {
			fmt.Fprintf(os.Stderr, "pgtest: private cluster in %s ready in %v\n", dir, time.Since(start).Round(time.Millisecond))
		}
		superURL = server.URL("postgres", embedded.Superuser)
	}
	if err := postgres.Bootstrap(ctx, superURL, template); err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if _, err := postgres.Migrate(ctx, dbURL(superURL, template, "ledger_owner"), nil); err != nil {
		return err
	}
	started = true
	return nil
}

// sweepOrphans stops and removes the private clusters of test processes
// that died without tearing them down.
func sweepOrphans() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "ledger-test-*"))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "owner.pid"))
		if err != nil {
			continue
		}
		owner, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		if owner <= 0 || syscall.Kill(owner, 0) == nil {
			continue // still running (or unknown)
		}
		if pm, err := os.ReadFile(filepath.Join(d, "pg", "postmaster.pid")); err == nil {
			if pid, _ := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(pm), "\n", 2)[0])); pid > 0 {
				syscall.Kill(pid, syscall.SIGINT) // fast shutdown
				for i := 0; i < 500 && syscall.Kill(pid, 0) == nil; i++ {
					time.Sleep(10 * time.Millisecond)
				}
			}
		}
		os.RemoveAll(d)
	}
}

func teardown(ctx context.Context, passed bool) {
	if started {
		exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{template}.Sanitize()+" WITH (FORCE)")
	}
	if server != nil {
		server.Release(ctx)
		if passed {
			os.RemoveAll(server.DataDir())
		} else {
			fmt.Fprintf(os.Stderr, "pgtest: cluster kept in %s\n", server.DataDir())
		}
	}
}

func exec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, superURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// dbURL points u at database db as role user (empty: keep the user).
func dbURL(u, db, user string) string {
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" {
		// keyword/value form
		s := u + " dbname=" + db
		if user != "" {
			s += " user=" + user
		}
		return s
	}
	p.Path = "/" + db
	q := p.Query()
	if user != "" {
		if q.Get("user") != "" || p.User == nil {
			q.Set("user", user)
		} else {
			p.User = url.User(user)
		}
	}
	p.RawQuery = q.Encode()
	return p.String()
}

// TestDB is one test's database.
type TestDB struct {
	Name     string
	AppURL   string // as ledger_app, the application role
	OwnerURL string // as ledger_owner, the schema owner
	SuperURL string // as the superuser (raw tampering in tests)
	AuditURL string // as ledger_auditor, read-only
}

// NewDatabase clones the template into a fresh database for t.
func NewDatabase(t testing.TB) *TestDB {
	t.Helper()
	name := newName(t, "t")
	ctx := context.Background()
	mu.Lock() // concurrent clones of one template are refused by PostgreSQL
	err := exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s OWNER ledger_owner STRATEGY FILE_COPY",
		pgx.Identifier{name}.Sanitize(), pgx.Identifier{template}.Sanitize()))
	mu.Unlock()
	if err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	return cleanedUp(t, name)
}

// newName names a new database of t's, unique in the cluster.
func newName(t testing.TB, prefix string) string {
	if !started {
		t.Fatal("pgtest: call pgtest.Main(m) from TestMain (fuzz targets get no database)")
	}
	name := fmt.Sprintf("%s_%d_%d_%s", prefix, os.Getpid(), counter.Add(1), sanitize(t.Name()))
	if len(name) > 63 {
		name = name[:63]
	}
	return name
}

// cleanedUp drops database name when t ends, or keeps it for inspection
// if t failed.
func cleanedUp(t testing.TB, name string) *TestDB {
	t.Cleanup(func() {
		if t.Failed() {
			failed.Store(true)
			t.Logf("pgtest: database %s kept for inspection", name)
			return
		}
		exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
	return &TestDB{
		Name:     name,
		AppURL:   dbURL(superURL, name, "ledger_app"),
		OwnerURL: dbURL(superURL, name, "ledger_owner"),
		SuperURL: dbURL(superURL, name, ""),
		AuditURL: dbURL(superURL, name, "ledger_auditor"),
	}
}

// NewEmptyDatabase makes an empty database for t, not migrated (tests of
// a migration's effect on the rows before it).
func NewEmptyDatabase(t testing.TB) *TestDB {
	t.Helper()
	name := newName(t, "e")
	if err := exec(context.Background(), "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" OWNER ledger_owner"); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	return cleanedUp(t, name)
}

// New returns a *postgres.DB connected as the application role to a fresh
// database; it is closed when the test ends.
func New(t testing.TB) *postgres.DB {
	t.Helper()
	tdb := NewDatabase(t)
	return tdb.Open(t, tdb.AppURL)
}

// Open opens a pool on url, closed when the test ends.
func (tdb *TestDB) Open(t testing.TB, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), url, postgres.Options{MaxConns: 20})
	if err != nil {
		t.Fatalf("pgtest: open: %v", err)
	}
	t.Cleanup(db.Close)
	return db
}

// Exec runs raw SQL on url (tests that tamper with the database).
func Exec(t testing.TB, url, sql string, args ...any) error {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql, args...)
	return err
}

// ServerDataDir is the private cluster's data directory ("" on an external server).
func ServerDataDir() string {
	if server == nil {
		return ""
	}
	return server.DataDir()
}

func sanitize(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return filepath.Base(b.String())
}
