package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/internal/cli"
	"github.com/fenyang/partyfee/internal/exit"
	"github.com/fenyang/partyfee/internal/textout"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/embedded"
)

// app holds what one command line needs: configuration, output and the
// lazily opened database.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	configFile     string
	v              *viper.Viper   // the loaded configuration, for `config show`
	cfg            configs.Config // the same, resolved once
	log            *slog.Logger
	server         *embedded.Server // the embedded cluster, nil on an external database
	db             *postgres.DB
	sealer         *postgres.Sealer // seals what the command posts (startSealer)
	closers        []func(context.Context)
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *app {
	return &app{stdin: stdin, stdout: stdout, stderr: stderr, log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "ledger",
		Short: "The special Party-fee ledger (专项党费专账)",
		Long: `ledger keeps the books of earmarked special Party fees (专项党费): receipts from above,
local matching, allocations down the organisation tree, spending on the permitted purposes,
the 制单→审核→出纳签字→记账 voucher workflow, audit workbooks and the monthly reconciliation.

Without a database URL it runs on a private PostgreSQL cluster in the data directory.`,
		Example: `  ledger demo                       # the Fenyang 2020 reference case, end to end
  ledger daxie 320000               # 叁拾贰万元整
  ledger --as wangfang spend --org FY-CP-01 --fund FY-UP --purpose procurement --amount 1200.00 --payee 汾阳市医药公司
  ledger balance --org FY --json`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			v, err := configs.Load(a.configFile, cmd.Flags())
			if err != nil {
				return err
			}
			a.v, a.cfg = v, configs.From(v)
			a.log = slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: parseLevel(a.cfg.LogLevel)}))
			return nil
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.configFile, "config", "", "configuration file (YAML; see configs/ledger.yaml)")
	pf.String("database-url", "", "PostgreSQL URL (default: the embedded cluster)")
	pf.String("data-dir", "", "data directory (default ~/.local/share/ledger, /var/lib/ledger for root)")
	pf.String("book", "", "book code (default from configuration)")
	pf.String("as", "", "acting user for commands that change vouchers (or LEDGER_USER)")
	pf.Bool("json", false, "machine-readable output on stdout")
	pf.String("locale", "", "language: zh-CN (default) or en (or LEDGER_LOCALE)")
	root.AddCommand(a.versionCommand(), a.configCommand(), a.dbCommand(), a.migrateCommand(),
		a.setupCommand(), a.daxieCommand(), a.voucherCommand(), a.balanceCommand(), a.orgsCommand())
	for _, flow := range []string{ledger.FlowReceive, ledger.FlowMatch, ledger.FlowAllocate, ledger.FlowSpend, ledger.FlowReturn} {
		root.AddCommand(a.flowCommand(flow))
	}
	root.AddCommand(a.importCommand(), a.reconcileCommand(), a.periodCommand(), a.reportCommand(), a.verifyCommand(),
		a.serveCommand(), a.userCommand(), a.tokenCommand(), a.demoCommand(), a.benchCommand(),
		a.exportCommand(), a.templateCommand(), a.backupCommand(), a.restoreCommand(), a.openingCommand(), a.yearCommand(),
		cli.GrantCommand(a.cliEnv()))
	root.AddCommand(a.auditCommands()...)
	textout.RefuseUnknown(root)
	textout.LocalizeHelp(root, func(c *cobra.Command) i18n.Lang {
		if v, err := configs.Load(a.configFile, c.Flags()); err == nil {
			return configs.From(v).Locale
		}
		return a.lang()
	})
	return root
}

// lang is the configured locale; LEDGER_LOCALE before the configuration
// is read (a usage error, a broken file).
func (a *app) lang() i18n.Lang {
	if a.v != nil {
		return a.cfg.Locale
	}
	l, _ := i18n.Parse(os.Getenv("LEDGER_LOCALE"))
	return l
}

func parseLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelWarn
	}
	return l
}

func (a *app) jsonOut() bool { return a.cfg.JSON }

// printJSON writes v as indented JSON on stdout.
func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func (a *app) book() string { return a.cfg.Book }

// actor is the acting user of a command that changes vouchers.
func (a *app) actor() (string, error) {
	u := a.cfg.User
	if u == "" {
		return "", exit.Usagef("this command changes the ledger and needs an acting user: --as USER or LEDGER_USER")
	}
	return u, nil
}

func (a *app) dataDir() string {
	if d := a.cfg.DataDir; d != "" {
		return d
	}
	return embedded.DefaultDataDir()
}

// embeddedServer returns the handle on the data directory's cluster.
func (a *app) embeddedServer() (*embedded.Server, error) {
	if a.server != nil {
		return a.server, nil
	}
	s, err := embedded.New(clusterOptions(&a.cfg, a.dataDir(), a.log))
	if err != nil {
		return nil, err
	}
	a.server = s
	return s, nil
}

// urls returns the application and the schema-owner URLs, starting (or
// joining) the embedded cluster when no database URL is configured.
func (a *app) urls(ctx context.Context) (appURL, ownerURL string, err error) {
	if u := a.cfg.DatabaseURL; u != "" {
		return u, u, nil
	}
	s, err := a.embeddedServer()
	if err != nil {
		return "", "", err
	}
	if err := s.Acquire(ctx); err != nil {
		return "", "", err
	}
	a.closers = append(a.closers, func(ctx context.Context) {
		if err := s.Release(ctx); err != nil {
			a.log.Warn("stopping the embedded PostgreSQL", "err", err)
		}
	})
	if err := postgres.Bootstrap(ctx, s.URL("postgres", embedded.Superuser), "ledger"); err != nil {
		return "", "", err
	}
	return s.URL("ledger", "ledger_app"), s.URL("ledger", "ledger_owner"), nil
}

// openDB opens the ledger database, migrating it first.
func (a *app) openDB(ctx context.Context) (*postgres.DB, error) {
	if a.db != nil {
		return a.db, nil
	}
	appURL, ownerURL, err := a.urls(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := postgres.Migrate(ctx, ownerURL, a.log); err != nil {
		return nil, err
	}
	db, err := postgres.Open(ctx, appURL, poolOptions(&a.cfg))
	if err != nil {
		return nil, err
	}
	a.db = db
	a.closers = append(a.closers, func(context.Context) { db.Close() })
	a.startSealer(db)
	return db, nil
}

// closeAll releases what the command opened, last opened first.
func (a *app) closeAll(ctx context.Context) {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i](ctx)
	}
	a.closers = nil
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version and commit",
		Example: "  ledger version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c := commit
			if c == "" {
				c = vcsRevision()
			}
			if a.jsonOut() {
				return a.printJSON(map[string]string{"version": version, "commit": c})
			}
			fmt.Fprintf(a.stdout, "ledger %s (commit %s)\n", version, c)
			return nil
		},
	}
}

func (a *app) configCommand() *cobra.Command {
	c := &cobra.Command{Use: "config", Short: "Show the effective configuration", Example: "  ledger config show\n  ledger --config my.yaml config show --json"}
	c.AddCommand(&cobra.Command{
		Use:     "show",
		Short:   "Print the effective configuration with secrets masked",
		Example: "  LEDGER_SERVE_ADDR=127.0.0.1:9090 ledger config show",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			eff := configs.Effective(a.v)
			if a.jsonOut() {
				return a.printJSON(eff)
			}
			for _, k := range configs.SortedKeys(eff) {
				fmt.Fprintf(a.stdout, "%s = %v\n", k, eff[k])
			}
			return nil
		},
	})
	return c
}

func (a *app) migrateCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "migrate",
		Short:   "Apply the embedded schema migrations",
		Example: "  ledger migrate\n  ledger --database-url postgres://ledger@db/ledger migrate",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, ownerURL, err := a.urls(cmd.Context())
			if err != nil {
				return err
			}
			v, err := postgres.Migrate(cmd.Context(), ownerURL, a.log)
			if err != nil {
				return err
			}
			if a.jsonOut() {
				return a.printJSON(map[string]int64{"schema_version": v})
			}
			fmt.Fprintln(a.stdout, i18n.T(a.lang(), "schema version %d", v))
			return nil
		},
	}
}

func (a *app) dbCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "db",
		Short: "Manage the embedded PostgreSQL server",
		Long: `The embedded server is a private PostgreSQL cluster in <data-dir>/pg listening on a Unix
socket only. Commands start it on demand and the last one using it stops it; "db start"
keeps it running until "db stop".`,
		Example: "  ledger db start\n  psql \"$(ledger db url)\"\n  ledger db stop",
	}
	c.AddCommand(&cobra.Command{
		Use: "start", Short: "Start the server and keep it running until db stop", Args: cobra.NoArgs,
		Example: "  ledger db start",
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.embeddedServer()
			if err != nil {
				return err
			}
			t := time.Now()
			if err := a.startPrimary(cmd.Context(), s); err != nil {
				return err
			}
			if a.jsonOut() {
				return a.printJSON(s.Status())
			}
			fmt.Fprintln(a.stdout, i18n.T(a.lang(), "PostgreSQL running (pid %d, socket %s), ready in %v", s.PID(), s.SocketDir(), time.Since(t).Round(time.Millisecond)))
			return nil
		},
	}, &cobra.Command{
		Use: "stop", Short: "Stop the server", Args: cobra.NoArgs, Example: "  ledger db stop",
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.embeddedServer()
			if err != nil {
				return err
			}
			if err := s.Stop(cmd.Context()); err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, i18n.T(a.lang(), "PostgreSQL stopped"))
			return nil
		},
	}, &cobra.Command{
		Use: "status", Short: "Show whether the server runs", Args: cobra.NoArgs, Example: "  ledger db status --json",
		RunE: func(cmd *cobra.Command, args []string) error {
			if u := a.cfg.DatabaseURL; u != "" {
				st := postgres.Probe(cmd.Context(), u, configs.Redact(u))
				if a.jsonOut() {
					return a.printJSON(st)
				}
				fmt.Fprintln(a.stdout, i18n.T(a.lang(), "external database %s: reachable=%v", st["database_url"], st["reachable"]))
				return nil
			}
			s, err := a.embeddedServer()
			if err != nil {
				return err
			}
			st := s.Status()
			if a.jsonOut() {
				return a.printJSON(st)
			}
			textout.DBStatus(a.stdout, a.lang(), &st)
			return nil
		},
	})
	url := &cobra.Command{
		Use: "url", Short: "Print a libpq URL of the ledger database that psql accepts", Args: cobra.NoArgs,
		Example: "  psql \"$(ledger db url)\"\n  psql \"$(ledger db url --superuser)\"",
		RunE: func(cmd *cobra.Command, args []string) error {
			if u := a.cfg.DatabaseURL; u != "" {
				if rep, _ := cmd.Flags().GetBool("replica"); rep {
					u = a.cfg.Database.ReplicaURL
				}
				fmt.Fprintln(a.stdout, u)
				return nil
			}
			s, err := a.embeddedServer()
			if err != nil {
				return err
			}
			if rep, _ := cmd.Flags().GetBool("replica"); rep {
				if s, err = s.Replica(); err != nil {
					return err
				}
			}
			role := "ledger_app"
			if super, _ := cmd.Flags().GetBool("superuser"); super {
				role = embedded.Superuser
			} else if aud, _ := cmd.Flags().GetBool("auditor"); aud {
				role = "ledger_auditor"
			}
			fmt.Fprintln(a.stdout, s.URL("ledger", role))
			return nil
		},
	}
	shell := &cobra.Command{
		Use:     "shell [-- PSQL-ARGS...]",
		Short:   "Run psql on the ledger database, keeping the server up while it runs",
		Example: "  ledger db shell\n  ledger db shell -- -c 'select status, count(*) from vouchers group by 1'",
		RunE: func(cmd *cobra.Command, args []string) error {
			appURL, _, err := a.urls(cmd.Context())
			if err != nil {
				return err
			}
			psql := "psql"
			if a.server != nil {
				if b, err := embedded.FindBinaries(a.cfg.Postgres.BinDir, nil, a.server.Status().Version); err == nil {
					if _, err := os.Stat(b.Dir + "/psql"); err == nil {
						psql = b.Dir + "/psql"
					}
				}
			}
			if super, _ := cmd.Flags().GetBool("superuser"); super && a.server != nil {
				appURL = a.server.URL("ledger", embedded.Superuser)
			}
			c := exec.CommandContext(cmd.Context(), psql, append([]string{appURL}, args...)...)
			c.Stdin, c.Stdout, c.Stderr = a.stdin, a.stdout, a.stderr
			return c.Run()
		},
	}
	shell.Flags().Bool("superuser", false, "connect as the cluster's superuser")
	c.AddCommand(shell)
	url.Flags().Bool("superuser", false, "connect as the cluster's superuser")
	url.Flags().Bool("auditor", false, "connect as the read-only auditor role")
	url.Flags().Bool("replica", false, "the streaming replica's database (db replica start, database.replica_url)")
	c.AddCommand(url, a.replicaCommand())
	return c
}

// startPrimary starts the embedded server, pinned, with the ledger
// database made and migrated, then the replicas given.
func (a *app) startPrimary(ctx context.Context, s *embedded.Server, replicas ...*embedded.Server) error {
	if err := s.Start(ctx); err != nil {
		return err
	}
	if err := postgres.Bootstrap(ctx, s.URL("postgres", embedded.Superuser), "ledger"); err != nil {
		return err
	}
	if _, err := postgres.Migrate(ctx, s.URL("ledger", "ledger_owner"), a.log); err != nil {
		return err
	}
	for _, r := range replicas {
		if err := r.Start(ctx); err != nil {
			return err
		}
	}
	return nil
}

func vcsRevision() string {
	if info, ok := readBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return "unknown"
}
