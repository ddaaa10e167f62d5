package postgres

import (
	"bytes"
	"context"
	"fmt"
	"github.com/fenyang/partyfee/ledger/report"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/bankstmt"
)

// ReconcilePreview evaluates the monthly batch for one period exactly as
// a run without Close does — with opt.Statement, or the statement stored
// with the period — and gives its result without recording the run or
// storing the statement: the transaction is rolled back. As every
// evaluation of the audit rules, it records findings new to the period
// (known ones keep their states). It feeds the reconciliation workbook of
// the API, which a read must not turn into a run.
func (db *DB) ReconcilePreview(ctx context.Context, opt ReconcileOptions) (*ReconcileResult, error) {
	opt.Close = false
	months := opt.Period.Months()
	if len(months) != 1 {
		return nil, ledger.Errorf(ledger.EInvalid, "period", "the batch reconciles one month (YYYY-MM), not %s", opt.Period.Label())
	}
	if opt.WindowDays < 0 {
		return nil, ledger.Errorf(ledger.EInvalid, "window_days", "the outstanding-item window is a number of days ≥ 0")
	}
	var stmt *recStatement
	if opt.Statement != nil {
		lines, layout, err := bankstmt.Parse(bytes.NewReader(opt.Statement.Data), opt.Statement.Name, opt.Layouts)
		if err != nil {
			return nil, err
		}
		stmt = &recStatement{info: StatementInfo{Digest: bankstmt.Digest(opt.Statement.Data), Filename: recBaseFile(opt.Statement.Name),
			Layout: layout.Name, Lines: len(lines)}, lines: lines}
	}
	var err error
	for attempt := 0; attempt <= retryCountMax; attempt++ {
		r := &recRun{db: db, opt: opt, year: months[0][0], month: months[0][1], stmt: stmt}
		err = db.previewTx(ctx, func(tx pgx.Tx) error {
			r.tx = tx
			return r.execute(ctx)
		})
		if err == nil {
			r.res.Recorded = false
			return r.res, nil
		}
		if !retryable(err) {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 10 * time.Millisecond)
	}
	return nil, mapError(err)
}

// previewTx runs fn in a REPEATABLE READ transaction that is always rolled
// back.
func (db *DB) previewTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := db.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	return fn(tx)
}

// ReconcileWorkbookData is what reports.WriteReconcile prints for a run:
// its checks, discrepancies, conservation, trial balance, findings and
// bank reconciliation, with organisations named from b.
func ReconcileWorkbookData(res *ReconcileResult, b *ledger.Books, generatedAt time.Time, generatedBy, preparer, reviewer string) *report.ReconcileData {
	orgName := func(code string) string {
		if b != nil {
			if o := b.Orgs[code]; o != nil {
				return o.Name
			}
		}
		return code
	}
	d := &report.ReconcileData{BookCode: res.Book, BookName: res.BookName, Period: res.Period, From: res.From, To: res.To,
		GeneratedAt: generatedAt, GeneratedBy: generatedBy, Preparer: preparer, Reviewer: reviewer,
		Status: res.Status, PeriodStatus: res.PeriodStatus, ClosedBy: res.ClosedBy, PeriodSeal: res.Seal, Vouchers: res.Vouchers, Voided: res.Voided}
	if d.Preparer == "" {
		d.Preparer = generatedBy
	}
	if res.ClosedAt != nil {
		d.ClosedAt = *res.ClosedAt
	}
	for _, c := range res.Checks {
		d.Checks = append(d.Checks, report.ReconcileCheck{Name: c.Name, Title: c.Title, Ran: c.Ran, Count: c.Count, Note: c.Note})
	}
	for _, x := range res.Discrepancies {
		d.Discrepancies = append(d.Discrepancies, report.ReconcileDiscrepancy{Check: x.Check, CheckTitle: CheckTitle(x.Check),
			Voucher: x.Voucher, Account: x.Account, Org: x.Org, Fund: x.Fund, Expected: x.Expected, Actual: x.Actual, Difference: x.Difference,
			Message: x.Msg, OrgName: orgName(x.Org)})
	}
	for _, c := range res.Conservation {
		d.Funds = append(d.Funds, report.ReconcileFund{Fund: c.Fund, FundName: c.FundName, Income: c.Income, Bank: c.Bank, Pending: c.Pending,
			Spent: c.Spent, Grants: c.Grants})
	}
	for _, r := range res.Trial {
		d.Trial = append(d.Trial, report.BalanceRow{Account: r.Account, Name: r.Name, Parent: r.Parent,
			OpeningDebit: r.OpeningDebit, OpeningCredit: r.OpeningCredit, PeriodDebit: r.PeriodDebit, PeriodCredit: r.PeriodCredit,
			YearDebit: ledger.Zero, YearCredit: ledger.Zero, ClosingDebit: r.ClosingDebit, ClosingCredit: r.ClosingCredit})
	}
	for _, f := range res.Findings {
		row := report.T8Row{Rule: f.Rule, Type: f.Type, Severity: f.Severity, Voucher: f.Voucher, OrgName: orgName(f.Org), Note: f.Explanation,
			Responsible: f.Responsible, Status: f.State}
		row.Amount, _ = ledger.ParseMoney(f.Amount)
		row.Date, _ = time.Parse(time.DateOnly, f.Date)
		row.Deadline, _ = time.Parse(time.DateOnly, f.Deadline)
		d.Findings = append(d.Findings, row)
	}
	if bk := res.Bank; bk != nil {
		t := bk.Table
		rb := &report.ReconcileBank{AccountCode: bk.Account, AccountName: bk.AccountName, WindowDays: t.WindowDays, Matched: bk.Matched,
			StatementFile: bk.Statement.Filename, StatementLayout: bk.Statement.Layout, StatementDigest: bk.Statement.Digest, StatementLines: bk.Statement.Lines}
		rb.T9Table = report.T9Table{BankName: bk.BankName, Account: bk.BankAccount, AsOf: t.PeriodEnd, BookBalance: t.BookBalance, BankBalance: t.BankBalance}
		for _, s := range t.BankReceivedNotBooked {
			rb.BankReceived = append(rb.BankReceived, report.T9Item{Date: s.Date, Ref: fmt.Sprintf("对账单第%d行 %s", s.Row, s.Reference), Summary: s.Summary, Amount: s.Amount})
		}
		for _, s := range t.BankPaidNotBooked {
			rb.BankPaid = append(rb.BankPaid, report.T9Item{Date: s.Date, Ref: fmt.Sprintf("对账单第%d行 %s", s.Row, s.Reference), Summary: s.Summary, Amount: s.Amount.Neg()})
		}
		for _, e := range t.BookedReceivedNotInBank {
			rb.BookReceived = append(rb.BookReceived, report.T9Item{Date: e.Date, Ref: e.Voucher, Summary: e.Summary, Amount: e.Amount})
		}
		for _, e := range t.BookedPaidNotInBank {
			rb.BookPaid = append(rb.BookPaid, report.T9Item{Date: e.Date, Ref: e.Voucher, Summary: e.Summary, Amount: e.Amount.Neg()})
		}
		d.Bank = rb
	}
	return d
}
