package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/embedded"
)

// benchBook is the book of the demo setup every bench database holds.
const benchBook = "FY-DFZH"

// Machine describes where the figures were measured.
type Machine struct {
	CPUs       int     `json:"cpus"`
	MemoryGiB  float64 `json:"memory_gib"`
	PostgreSQL string  `json:"postgresql"`
	GoVersion  string  `json:"go"`
}

// benchEnv is the private cluster of one run.
type benchEnv struct {
	opt      *Options
	server   *embedded.Server
	temp     bool // the data directory is the run's own, removed at the end
	template bool // the template database is made
	machine  Machine
	closers  []func(context.Context)
}

// startBenchEnv starts the run's own cluster: in opt.DataDir, or in a fresh
// directory under the system temporary directory (which the postgres user
// can enter when running as root).
func startEnv(ctx context.Context, opt *Options) (*benchEnv, error) {
	if opt.Log == nil {
		opt.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e := &benchEnv{opt: opt}
	if opt.DataDir == "" {
		d, err := os.MkdirTemp("", "ledger-bench-")
		if err != nil {
			return nil, err
		}
		opt.DataDir, e.temp = d, true
	}
	cluster := opt.Cluster
	cluster.DataDir, cluster.NoSync = opt.DataDir, opt.NoSync
	s, err := embedded.New(cluster)
	if err != nil {
		e.removeTemp()
		return nil, err
	}
	e.server = s
	opt.logf("starting PostgreSQL in %s", opt.DataDir)
	if err := s.Acquire(ctx); err != nil {
		e.removeTemp()
		return nil, err
	}
	e.machine = benchMachineInfo()
	conn, err := pgx.Connect(ctx, s.URL("postgres", embedded.Superuser))
	if err == nil {
		_ = conn.QueryRow(ctx, `SHOW server_version`).Scan(&e.machine.PostgreSQL)
		conn.Close(ctx)
	}
	return e, nil
}

func (e *benchEnv) removeTemp() {
	if e.temp && !e.opt.Keep {
		os.RemoveAll(e.opt.DataDir)
	}
}

func (e *benchEnv) close(ctx context.Context) {
	for i := len(e.closers) - 1; i >= 0; i-- {
		e.closers[i](ctx)
	}
	if e.server != nil {
		if err := e.server.Release(ctx); err != nil {
			e.opt.Log.Warn("stopping the bench PostgreSQL", "err", err)
		}
	}
	e.removeTemp()
}

func benchMachineInfo() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.ParseFloat(f[1], 64)
				m.MemoryGiB = round4(kb / (1 << 20))
			}
		}
		f.Close()
	}
	return m
}

// benchDatabase is one migrated database of the cluster with the demo
// setup: the application's pool (as `ledger serve` opens it) and a
// superuser URL for the bulk loads and the bare baselines.
type benchDatabase struct {
	env      *benchEnv
	name     string
	db       *postgres.DB
	appURL   string
	superURL string
	books    *ledger.Books
}

// benchTemplate is the migrated database with the demo setup that the
// workloads' databases are cloned from.
const benchTemplate = "bench_template"

// database makes a fresh database name (dropping a leftover of an earlier
// run in the same data directory) as a copy of the migrated template with
// the demo setup, and opens the application's pool on it as `ledger serve`
// would.
func (e *benchEnv) database(ctx context.Context, name string) (*benchDatabase, error) {
	super := e.server.URL("postgres", embedded.Superuser)
	if !e.template {
		if err := e.makeTemplate(ctx, super); err != nil {
			return nil, err
		}
		e.template = true
	}
	conn, err := pgx.Connect(ctx, super)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	id := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+id+` WITH (FORCE)`); err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+id+` TEMPLATE `+benchTemplate+` OWNER ledger_owner`); err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, `GRANT CONNECT ON DATABASE `+id+` TO ledger_app, ledger_auditor`); err != nil {
		return nil, err
	}
	d := &benchDatabase{env: e, name: name, appURL: e.server.URL(name, "ledger_app"), superURL: e.server.URL(name, embedded.Superuser)}
	d.db, err = postgres.Open(ctx, d.appURL, postgres.Options{MaxConns: e.opt.Pool.MaxConns, ConnectTimeout: e.opt.Pool.ConnectTimeout})
	if err != nil {
		return nil, err
	}
	e.closers = append(e.closers, func(context.Context) { d.db.Close() })
	if d.books, err = d.db.LoadBooks(ctx, benchBook); err != nil {
		return nil, err
	}
	return d, nil
}

// makeTemplate migrates the template database and loads the demo setup.
func (e *benchEnv) makeTemplate(ctx context.Context, super string) error {
	conn, err := pgx.Connect(ctx, super)
	if err != nil {
		return err
	}
	_, err = conn.Exec(ctx, `DROP DATABASE IF EXISTS `+benchTemplate+` WITH (FORCE)`)
	conn.Close(ctx)
	if err != nil {
		return err
	}
	e.opt.logf("migrating the template database")
	if err := postgres.Bootstrap(ctx, super, benchTemplate); err != nil {
		return err
	}
	if _, err := postgres.Migrate(ctx, e.server.URL(benchTemplate, "ledger_owner"), nil); err != nil {
		return err
	}
	db, err := postgres.Open(ctx, e.server.URL(benchTemplate, "ledger_app"), postgres.Options{MaxConns: 2})
	if err != nil {
		return err
	}
	defer db.Close()
	return applyDemoSetup(ctx, db, true)
}

// applyDemoSetup loads the demo setup (configs/demo/fenyang.yaml) into db;
// without passwords its users log in with tokens only, and it loads
// faster (no argon2id hashing).
func applyDemoSetup(ctx context.Context, db *postgres.DB, passwords bool) error {
	setup, err := configs.ParseSetup(configs.Demo(), "demo/fenyang.yaml", nil)
	if err != nil {
		return err
	}
	// The harness seeds balances of billions in one receipt: its book
	// takes the largest ceiling for one voucher.
	setup.Books[0].Book.VoucherAmountMax = ledger.AmountMax
	if !passwords {
		for i := range setup.Books[0].Users {
			setup.Books[0].Users[i].Password = ""
		}
	}
	return db.ApplySetup(ctx, setup)
}

// super runs statements as the superuser, in one session.
func (d *benchDatabase) super(ctx context.Context, stmts ...string) error {
	conn, err := pgx.Connect(ctx, d.superURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("%.70s…: %w", strings.TrimSpace(s), err)
		}
	}
	return nil
}

// flow makes, checks, signs when needed and posts one voucher of a flow.
func (d *benchDatabase) flow(ctx context.Context, r ledger.FlowRequest) (*ledger.Voucher, error) {
	v, err := ledger.BuildFlow(&r, d.books)
	if err != nil {
		return nil, err
	}
	v, _, err = d.db.CreateVoucher(ctx, "wangfang", v)
	if err != nil {
		return nil, err
	}
	steps := []struct {
		actor string
		act   ledger.Action
	}{{"liqiang", ledger.ActCheck}, {"zhaomin", ledger.ActSign}, {"liqiang", ledger.ActPost}}
	for _, s := range steps {
		if s.act == ledger.ActSign && !v.TouchesCash(d.books.Chart) {
			continue
		}
		if v, err = d.db.Transition(ctx, benchBook, s.actor, v.ID, s.act); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// timeIt runs fn and returns how long it took.
func timeIt(fn func() error) (time.Duration, error) {
	t := time.Now()
	err := fn()
	return time.Since(t), err
}
