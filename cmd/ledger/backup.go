package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/fenyang/partyfee/internal/exit"
	"github.com/fenyang/partyfee/internal/textout"
	"github.com/fenyang/partyfee/internal/workbook"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/exchange"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/postgres/backup"
	"github.com/fenyang/partyfee/ledger/postgres/embedded"
)

// clientBinDir is where pg_dump, pg_dumpall and pg_restore are: the
// embedded cluster's binaries (postgres.bin_dir or the newest installed).
func (a *app) clientBinDir() string {
	b, err := embedded.FindBinaries(a.cfg.Postgres.BinDir, nil, 0)
	if err != nil {
		return "" // then PATH
	}
	return b.Dir
}

// superURLs are a superuser's URLs of the server and of the ledger
// database: the embedded cluster's, or database_url itself (which must then
// be allowed to read every table and the roles).
func (a *app) superURLs(ctx context.Context) (server, db string, err error) {
	if u := a.cfg.DatabaseURL; u != "" {
		return u, u, nil
	}
	if _, _, err := a.urls(ctx); err != nil {
		return "", "", err
	}
	return a.server.URL("postgres", embedded.Superuser), a.server.URL("ledger", embedded.Superuser), nil
}

func (a *app) backupCommand() *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "backup --out FILE",
		Short: "Write a consistent backup of the whole database with a manifest that proves the restore",
		Long: `backup writes one file (a tar archive): a pg_dump custom-format dump of the whole ledger database,
the ledger's roles (ledger_owner, ledger_app, ledger_auditor) and manifest.json — every table's row
count and SHA-256 checksum, and per book the voucher counts, the seal chain's head and every period's
status and seal — computed in the same snapshot as the dump, so the dump is exactly what the manifest
describes. The file is written whole or not at all. Restore it with ledger restore FILE --data-dir DIR.`,
		Example: `  ledger backup --out /var/backups/ledger/ledger-$(date +%F).backup
  ledger backup --out ledger.backup --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return exit.Usagef("--out FILE is required")
			}
			if _, err := a.openDB(cmd.Context()); err != nil { // migrated, so the manifest has the schema
				return err
			}
			server, dbURL, err := a.superURLs(cmd.Context())
			if err != nil {
				return err
			}
			var m *backup.Manifest
			err = workbook.WriteFile(out, func(w io.Writer) error {
				m, err = backup.Create(cmd.Context(), backup.Options{SuperURL: server, DBURL: dbURL, BinDir: a.clientBinDir(), Now: a.db.Now}, w)
				return err
			})
			if err != nil {
				return err
			}
			if a.jsonOut() {
				return a.printJSON(map[string]any{"file": out, "manifest": m})
			}
			fmt.Fprintln(a.stdout, i18n.T(a.lang(), "backup %s: %d tables, dump %d bytes sha256 %s", out, len(m.Tables), m.Dump.Size, m.Dump.SHA256))
			for _, b := range m.Books {
				fmt.Fprintln(a.stdout, i18n.T(a.lang(), "  book %s: %d vouchers (%d posted, %d lines), chain head %d %s, %d periods", b.Book, b.Vouchers, b.Posted, b.Lines, b.ChainSeq, textout.ShortHex(b.ChainHead), len(b.Periods)))
			}
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "the backup file to write (required)")
	return c
}

func (a *app) restoreCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "restore FILE --data-dir DIR",
		Short: "Restore a backup into a fresh data directory and prove it equals its manifest",
		Long: `restore starts a new private cluster in --data-dir (which must hold no ledger yet, or names an empty
database with --database-url), recreates the ledger's roles, restores the dump and then proves the
result: every table's row count and checksum, the voucher counts, the seal chain's head and the period
seals equal the manifest's; ledger verify recomputes every book's seal chain; and the monthly batch's
integrity checks (voucher balance, numbering, stored balances, conservation, restricted balances, trial
balance, general ledger, seal chain) pass for every month with vouchers. Exit 0 when all of it holds,
3 when anything differs.`,
		Example: `  ledger restore /var/backups/ledger/ledger-2020-03-31.backup --data-dir /srv/ledger-restored
  ledger --data-dir /tmp/check restore ledger.backup --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if a.cfg.DatabaseURL == "" && a.cfg.DataDir == "" {
				return exit.Usagef("--data-dir DIR is required: restore into a fresh data directory, never over the default one")
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			server, dbURL, err := a.superURLs(ctx)
			if err != nil {
				return err
			}
			want, got, err := backup.Restore(ctx, backup.Options{SuperURL: server, DBURL: dbURL, BinDir: a.clientBinDir()}, f)
			if err != nil {
				return err
			}
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			rep, err := exchange.ProveRestore(ctx, db, want, got)
			if err != nil {
				return err
			}
			rep.File = args[0]
			if a.cfg.DatabaseURL == "" {
				rep.DataDir = a.dataDir()
			}
			if a.jsonOut() {
				if err := a.printJSON(rep); err != nil {
					return err
				}
			} else {
				textout.Restore(a.stdout, a.lang(), rep)
			}
			if !rep.Equal {
				return ledger.Errorf(ledger.EInvalid, "backup", "the restored ledger does not equal the backup's manifest")
			}
			return nil
		},
	}
	return c
}
