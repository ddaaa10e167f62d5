// Package postgres is the PostgreSQL adapter of the ledger (pgx/v5). Each
// exported method of *DB is one use case run in one transaction by runTx,
// which owns begin/commit/rollback and retries serialization failures and
// deadlocks a bounded number of times.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/fenyang/partyfee/migrations"
)

// retryCountMax bounds the retries of a transaction that failed with a
// serialization failure or a deadlock.
const retryCountMax = 5

// DB is the ledger's database.
type DB struct {
	Pool *pgxpool.Pool
	// Now is the clock of the use cases (the demo runs a simulated one).
	Now func() time.Time
	// Source names where actions come from in the action log (cli, http…).
	Source string
	// StatementTimeout bounds every statement (0: the server's default).
	StatementTimeout time.Duration
	// AfterPost is called after a transaction that posted vouchers commits
	// (the sealer hooks in here).
	AfterPost func()

	books    bookCache
	auth     authCache
	vouchers voucherCache

	searchChunk int64 // ids a search by lines tests at a time (0: searchChunk)

	sideOnce sync.Once
	side     *DB
	sideErr  error
}

// sideConnsMax bounds the side pool (see side).
const sideConnsMax = 4

// sideDB is a DB on a small pool of its own, for the work a use case does
// on other connections while its transaction holds a lock: the month close
// holds the period row while it seals, verifies the chain and evaluates the
// audit rules. Writers queued behind that row may hold every connection of
// the main pool; none of them ever takes one of these, so the close never
// waits for a connection that waits for it. The pool connects lazily.
func (db *DB) sideDB() (*DB, error) {
	db.sideOnce.Do(func() {
		cfg := db.Pool.Config()
		cfg.MaxConns, cfg.MinConns = sideConnsMax, 0
		pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
		if err != nil {
			db.sideErr = mapError(err)
			return
		}
		db.side = &DB{Pool: pool, Now: db.Now, Source: db.Source, StatementTimeout: db.StatementTimeout, AfterPost: db.AfterPost}
	})
	return db.side, db.sideErr
}

// Options configure Open.
type Options struct {
	MaxConns         int32
	StatementTimeout time.Duration
	ConnectTimeout   time.Duration
}

// Open connects a pool to url.
func Open(ctx context.Context, url string, opt Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, &ledgerErr{fmt.Errorf("database URL: %w", err)}
	}
	if opt.MaxConns > 0 {
		cfg.MaxConns = opt.MaxConns
	}
	if opt.ConnectTimeout > 0 {
		cfg.ConnConfig.ConnectTimeout = opt.ConnectTimeout
	} else if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	}
	if opt.StatementTimeout > 0 {
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = fmt.Sprint(opt.StatementTimeout.Milliseconds())
	}
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, mapError(err)
	}
	return &DB{Pool: pool, Now: func() time.Time { return time.Now().UTC() }, Source: "cli", StatementTimeout: opt.StatementTimeout}, nil
}

// Close closes the pool (and the side pool, if it was used).
func (db *DB) Close() {
	db.sideOnce.Do(func() {}) // no side pool is made after Close
	if db.side != nil {
		db.side.Pool.Close()
	}
	db.Pool.Close()
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return mapError(db.Pool.Ping(ctx)) }

type ledgerErr struct{ error }

// txOptions configure a transaction of runTx.
type txOptions struct {
	pgx.TxOptions
	preview bool // roll back instead of committing
	once    bool // never retried (fn consumes its input)
}

// txOption sets one of the txOptions.
type txOption func(*txOptions)

// snapshot reads one snapshot: REPEATABLE READ, read-only.
func snapshot(o *txOptions) { o.IsoLevel, o.AccessMode = pgx.RepeatableRead, pgx.ReadOnly }

// isolation sets the isolation level.
func isolation(l pgx.TxIsoLevel) txOption { return func(o *txOptions) { o.IsoLevel = l } }

// preview rolls the transaction back when fn returns, also when it
// succeeds: what fn wrote is seen by fn alone.
func preview(o *txOptions) { o.preview = true }

// once runs fn a single time, for a transaction whose input cannot be read
// twice (a stream).
func once(o *txOptions) { o.once = true }

// runTx runs fn in a transaction, committing when it returns nil (or
// rolling back, with preview). A serialization failure or deadlock is
// retried up to retryCountMax times (unless once), fn running again from
// the start. Every error leaves through mapError, so callers see
// *ledger.Error codes. It begins every transaction of the use cases but
// two: AuditData's, which outlives the call (through begin), and verify's
// parallel snapshot reads (beginSnapshot).
func (db *DB) runTx(ctx context.Context, fn func(tx pgx.Tx) error, opts ...txOption) error {
	var o txOptions
	for _, f := range opts {
		f(&o)
	}
	if o.once {
		return mapError(db.tryTx(ctx, o, fn))
	}
	return mapError(retry(func() error { return db.tryTx(ctx, o, fn) }))
}

// retry runs fn again after a serialization failure or deadlock, up to
// retryCountMax times, with a growing pause. CreateVoucher and Transition,
// whose one round trip is an implicit transaction, use it directly.
func retry(fn func() error) error {
	var err error
	for attempt := 0; attempt <= retryCountMax; attempt++ {
		if err = fn(); !retryable(err) {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
	return err
}

// begin begins a transaction with options o on the pool.
func (db *DB) begin(ctx context.Context, o pgx.TxOptions) (pgx.Tx, error) {
	return db.Pool.BeginTx(ctx, o)
}

func (db *DB) tryTx(ctx context.Context, o txOptions, fn func(tx pgx.Tx) error) (err error) {
	tx, err := db.begin(ctx, o.TxOptions)
	if err != nil {
		return err
	}
	committed := false
	defer func() {
		// Also when fn panics: the transaction is rolled back and its
		// connection goes back to the pool before the panic goes on.
		if !committed {
			tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if err = fn(tx); err != nil || o.preview {
		return err
	}
	committed = true
	return tx.Commit(ctx)
}

func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return false
}

// Migrate applies the embedded migrations to the database at url (run as
// the schema owner). It is idempotent and safe to run from several
// processes at once (a PostgreSQL advisory lock serialises them). It
// returns the schema version.
func Migrate(ctx context.Context, url string, log *slog.Logger) (int64, error) {
	return migrateURL(ctx, url, migrations.FS, log)
}

// migrateURL applies the migrations of fsys to the database at url.
func migrateURL(ctx context.Context, url string, fsys fs.FS, log *slog.Logger) (int64, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return 0, fmt.Errorf("database URL: %w", err)
	}
	sqlDB := stdlib.OpenDB(*cfg)
	defer sqlDB.Close()
	return migrateDB(ctx, sqlDB, fsys, log)
}

func migrateDB(ctx context.Context, sqlDB *sql.DB, fsys fs.FS, log *slog.Logger) (int64, error) {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return 0, err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, fsys, goose.WithSessionLocker(locker))
	if err != nil {
		return 0, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return 0, mapError(fmt.Errorf("migrate: %w", err))
	}
	for _, r := range res {
		if log != nil {
			log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
		}
	}
	return p.GetDBVersion(ctx)
}

// SchemaVersion returns the applied schema version (0 for an empty database).
func SchemaVersion(ctx context.Context, url string) (int64, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return 0, err
	}
	sqlDB := stdlib.OpenDB(*cfg)
	defer sqlDB.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS)
	if err != nil {
		return 0, err
	}
	return p.GetDBVersion(ctx)
}

// Bootstrap makes the schema owner role and the database on a server where
// superURL is a superuser connection (the embedded cluster). Idempotent.
func Bootstrap(ctx context.Context, superURL, dbName string) error {
	conn, err := pgx.Connect(ctx, superURL)
	if err != nil {
		return mapError(err)
	}
	defer conn.Close(ctx)
	// Serialise concurrent first starts.
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(4097083627)"); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(4097083627)")
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_roles WHERE rolname = 'ledger_owner'").Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		if _, err := conn.Exec(ctx, "CREATE ROLE ledger_owner LOGIN CREATEROLE"); err != nil {
			return err
		}
	}
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", dbName).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{dbName}.Sanitize()+" OWNER ledger_owner"); err != nil {
			return err
		}
	}
	return nil
}
