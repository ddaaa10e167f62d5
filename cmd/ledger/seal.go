package main

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fenyang/partyfee/internal/exit"
	"github.com/fenyang/partyfee/internal/textout"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// sealFinalTimeout bounds the last sealing pass before a command exits.
const sealFinalTimeout = 30 * time.Second

// startSealer gives the command's database a background sealer (SPEC §8):
// every committed posting nudges it, and before the command exits it seals
// whatever is still pending. It starts on the first posting, whose pass
// seals the whole backlog (also what a crashed process left), so commands
// that post nothing (verify among them) never seal; serve starts it at once
// (httpapi.Options.Sealer).
func (a *app) startSealer(db *postgres.DB) {
	s := postgres.NewSealer(db, postgres.SealerOptions{Log: a.log})
	a.sealer = s
	prev := db.AfterPost
	db.AfterPost = func() {
		if prev != nil {
			prev()
		}
		s.Nudge()
	}
	a.closers = append(a.closers, func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, sealFinalTimeout)
		defer cancel()
		if _, err := s.Close(ctx); err != nil {
			a.log.Warn("sealing the posted vouchers failed; the next command that posts seals them", "err", err)
		}
	})
}

func (a *app) verifyCommand() *cobra.Command {
	var from int64
	var period, seal string
	c := &cobra.Command{
		Use:   "verify",
		Short: "Recompute the tamper-evidence chain of posted vouchers (exit 4 when broken)",
		Long: `verify recomputes the book's hash chain: every posted voucher is sealed, in the order its posting
committed, with SHA-256 over its canonical encoding and the previous seal. It names the first voucher whose
stored content no longer matches its seal (an amount, account, payee … changed directly in PostgreSQL), a seal
that breaks the chain (vouchers deleted, inserted or reordered), and posted vouchers without a seal. It never
seals anything itself; vouchers posted moments ago and still waiting for the sealer are listed as pending.

With --period it checks the seal recorded when that month was closed, recomputing the chain up to the
recorded position; with --seal it also checks a seal printed on a report (the audit workbook's cover).
Exit status 0: the chain is intact; 4: it is broken (the problems are printed).`,
		Example: "  ledger verify\n  ledger verify --from 1200 --json\n  ledger verify --period 2020-02 --seal 3f5c…e0a1",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var year, month int
			switch {
			case seal != "" && period == "":
				return exit.Usagef("--seal needs --period: a printed seal is the seal of a closed period")
			case period != "" && from != 0:
				return exit.Usagef("--from and --period do not go together: a period's seal is checked from the start of the chain")
			case from < 0:
				return exit.Usagef("--from is a chain position, 1 or more")
			case period != "":
				p, err := ledger.ParsePeriod(period)
				if err != nil {
					return err
				}
				if p.From.Year() != p.To.Year() || p.From.Month() != p.To.Month() {
					return ledger.Errorf(ledger.EInvalid, "period", "--period names one month (YYYY-MM), not %s", period)
				}
				year, month = p.From.Year(), int(p.From.Month())
			}
			if seal != "" {
				if _, err := ledger.ParseSealHex(strings.TrimSpace(seal)); err != nil {
					return err
				}
			}
			db, _, err := a.readDB(cmd.Context(), postgres.ReadLatest)
			if err != nil {
				return err
			}
			var res postgres.VerifyResult
			if period != "" {
				res, err = db.VerifyPeriod(cmd.Context(), a.book(), year, month, seal)
			} else {
				res, err = db.Verify(cmd.Context(), a.book(), from)
			}
			if err != nil {
				return err
			}
			if err := a.recordVerify(cmd.Context(), &res); err != nil {
				return err
			}
			if err := a.printVerify(&res, seal != ""); err != nil {
				return err
			}
			if res.Clean() && len(res.Pending) > 0 {
				a.log.Warn("verify: posted vouchers are waiting for the sealer (not a broken chain); run verify again shortly", "pending", len(res.Pending))
			}
			if !res.Clean() {
				return &exit.DiscrepancyError{Msg: textout.VerifyBroken(a.lang(), &res)}
			}
			return nil
		},
	}
	f := c.Flags()
	f.Int64Var(&from, "from", 0, "recompute from this chain position on (linking to the stored seal before it)")
	f.StringVar(&period, "period", "", "check the seal recorded when this month (YYYY-MM) was closed")
	f.StringVar(&seal, "seal", "", "with --period: a seal printed on a report (64 hex digits) to check against the database")
	return c
}

// recordVerify stores the run on the primary, for the auditors' overview.
func (a *app) recordVerify(ctx context.Context, res *postgres.VerifyResult) error {
	db, err := a.openDB(ctx)
	if err != nil {
		return err
	}
	_, err = db.RecordVerify(ctx, a.book(), a.cfg.User, "cli", res, db.Now())
	return err
}

func (a *app) printVerify(res *postgres.VerifyResult, printed bool) error {
	if a.jsonOut() {
		status := "clean"
		if !res.Clean() {
			status = "broken"
		}
		return a.printJSON(struct {
			Status string `json:"status"`
			*postgres.VerifyResult
		}{status, res})
	}
	textout.Verify(a.stdout, a.lang(), res, printed)
	return nil
}
