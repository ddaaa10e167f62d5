package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fenyang/partyfee/internal/exit"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/backup"
	"github.com/fenyang/partyfee/ledger/postgres/embedded"
	"github.com/fenyang/partyfee/ledger/recon"
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
			err = writeFileAtomic(out, func(w io.Writer) error {
				m, err = backup.Create(cmd.Context(), backup.Options{SuperURL: server, DBURL: dbURL, BinDir: a.clientBinDir(), Now: a.db.Now}, w)
				return err
			})
			if err != nil {
				return err
			}
			if a.jsonOut() {
				return a.printJSON(map[string]any{"file": out, "manifest": m})
			}
			fmt.Fprintf(a.stdout, "backup %s: %d tables, dump %d bytes sha256 %s\n", out, len(m.Tables), m.Dump.Size, m.Dump.SHA256)
			for _, b := range m.Books {
				fmt.Fprintf(a.stdout, "  book %s: %d vouchers (%d posted, %d lines), chain head %d %s, %d periods\n", b.Book, b.Vouchers, b.Posted, b.Lines, b.ChainSeq, shortHex(b.ChainHead), len(b.Periods))
			}
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "the backup file to write (required)")
	return c
}

func shortHex(s string) string {
	if len(s) > 16 {
		return s[:16] + "…"
	}
	return s
}

// restoreReport is what a restore proved.
type restoreReport struct {
	File        string                  `json:"file"`
	DataDir     string                  `json:"data_dir,omitempty"`
	Equal       bool                    `json:"equal"`
	Differences []string                `json:"differences"`
	Verify      []postgres.VerifyResult `json:"verify"`
	Checks      []string                `json:"failed_checks"`
	Manifest    *backup.Manifest        `json:"manifest"`
	Restored    *backup.Manifest        `json:"restored"`
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
			rep := restoreReport{File: args[0], Manifest: want, Restored: got, Differences: backup.Differences(want, got), Verify: []postgres.VerifyResult{}, Checks: []string{}}
			if a.cfg.DatabaseURL == "" {
				rep.DataDir = a.dataDir()
			}
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			for _, b := range want.Books {
				vr, err := db.Verify(ctx, b.Book, 0)
				if err != nil {
					return err
				}
				rep.Verify = append(rep.Verify, vr)
				failed, err := integrityChecks(ctx, db, b.Book)
				if err != nil {
					return err
				}
				rep.Checks = append(rep.Checks, failed...)
			}
			rep.Equal = len(rep.Differences) == 0 && len(rep.Checks) == 0
			for _, vr := range rep.Verify {
				rep.Equal = rep.Equal && vr.Clean()
			}
			if a.jsonOut() {
				if err := a.printJSON(rep); err != nil {
					return err
				}
			} else {
				printRestore(a.stdout, &rep)
			}
			if !rep.Equal {
				return ledger.Errorf(ledger.EInvalid, "backup", "the restored ledger does not equal the backup's manifest")
			}
			return nil
		},
	}
	return c
}

// restoreChecks are the monthly batch's integrity checks; the bank
// statement, audit findings and close conditions are not a backup's
// business.
var restoreChecks = map[string]bool{
	recon.CheckVoucherBalance: true, recon.CheckNumbering: true, recon.CheckStoredBalance: true,
	recon.CheckConservation: true, recon.CheckNegativeBalance: true, recon.CheckTrialOpening: true,
	recon.CheckTrialPeriod: true, recon.CheckTrialClosing: true, recon.CheckParentPosting: true,
	recon.CheckGeneralLedger: true, recon.CheckSealChain: true,
}

// integrityChecks runs the batch's checks (as a preview, recording
// nothing) for every month of book that has vouchers and lists the ones
// that failed.
func integrityChecks(ctx context.Context, db *postgres.DB, book string) ([]string, error) {
	rows, err := db.Pool.Query(ctx, `SELECT DISTINCT year, month FROM vouchers WHERE book = $1 ORDER BY 1, 2`, book)
	if err != nil {
		return nil, err
	}
	var months [][2]int
	for rows.Next() {
		var ym [2]int
		if err := rows.Scan(&ym[0], &ym[1]); err != nil {
			rows.Close()
			return nil, err
		}
		months = append(months, ym)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var failed []string
	for _, ym := range months {
		p, err := ledger.ParsePeriod(fmt.Sprintf("%04d-%02d", ym[0], ym[1]))
		if err != nil {
			return nil, err
		}
		res, err := db.ReconcilePreview(ctx, postgres.ReconcileOptions{Book: book, Period: p})
		if err != nil {
			return nil, err
		}
		for _, c := range res.Checks {
			if restoreChecks[c.Name] && c.Ran && !c.Passed() {
				failed = append(failed, fmt.Sprintf("%s %s: %s (%d)", book, p.Label(), c.Title, c.Count))
			}
		}
	}
	return failed, nil
}

func printRestore(w io.Writer, rep *restoreReport) {
	m := rep.Manifest
	fmt.Fprintf(w, "restored %s (backup of %s, schema %d) into %s\n", rep.File, m.CreatedAt.Format("2006-01-02 15:04:05Z"), m.SchemaVersion, rep.DataDir)
	if len(rep.Differences) == 0 {
		fmt.Fprintf(w, "  tables: all %d equal the manifest (rows and checksums)\n", len(m.Tables))
	} else {
		fmt.Fprintf(w, "  tables: %d differences:\n    %s\n", len(rep.Differences), strings.Join(rep.Differences, "\n    "))
	}
	for i, b := range m.Books {
		vr := rep.Verify[i]
		state := "clean"
		if !vr.Clean() {
			state = fmt.Sprintf("%d problems", vr.ProblemCount)
		}
		fmt.Fprintf(w, "  book %s: %d vouchers, %d posted, chain head %d %s; verify %s (%d seals recomputed)\n",
			b.Book, b.Vouchers, b.Posted, b.ChainSeq, shortHex(b.ChainHead), state, vr.Checked)
	}
	if len(rep.Checks) == 0 {
		fmt.Fprintln(w, "  reconciliation checks: all pass")
	} else {
		fmt.Fprintf(w, "  reconciliation checks failed:\n    %s\n", strings.Join(rep.Checks, "\n    "))
	}
	if rep.Equal {
		fmt.Fprintln(w, "the restored ledger equals the backup's manifest")
	} else {
		fmt.Fprintln(w, "the restored ledger does NOT equal the backup's manifest")
	}
}
