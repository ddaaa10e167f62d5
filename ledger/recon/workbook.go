package recon

import (
	"fmt"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/bankrec"
	"github.com/fenyang/partyfee/ledger/report"
)

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
		Status: res.Status, PeriodStatus: res.PeriodStatus, ClosedBy: res.ClosedBy, PeriodSeal: res.Seal, NoStatementReason: res.NoStatementReason, Vouchers: res.Vouchers, Voided: res.Voided}
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
		d.Funds = append(d.Funds, report.ReconcileFund{Fund: c.Fund, FundName: c.FundName, Income: c.Income, Carried: c.Carried, Bank: c.Bank, Pending: c.Pending,
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

// T9FromBankrec turns a bank reconciliation table into the workbook's T9
// (outstanding items as positive magnitudes, as printed), for
// the stored reconciliation of a period and the audit workbook.
func T9FromBankrec(t *bankrec.Table, bankName, account string) *report.T9Table {
	if t == nil {
		return nil
	}
	stmt := func(ls []bankrec.StatementLine) []report.T9Item {
		var out []report.T9Item
		for _, l := range ls {
			ref := l.Reference
			if ref == "" && l.Row > 0 {
				ref = fmt.Sprintf("对账单第%d行", l.Row)
			}
			out = append(out, report.T9Item{Date: l.Date, Ref: ref, Summary: strings.TrimSpace(l.Summary + " " + l.Counterparty), Amount: l.Amount.Abs()})
		}
		return out
	}
	book := func(es []bankrec.BookEntry) []report.T9Item {
		var out []report.T9Item
		for _, e := range es {
			out = append(out, report.T9Item{Date: e.Date, Ref: e.Voucher, Summary: e.Summary, Amount: e.Amount.Abs()})
		}
		return out
	}
	return &report.T9Table{BankName: bankName, Account: account, AsOf: t.PeriodEnd,
		BookBalance: t.BookBalance, BankBalance: t.BankBalance,
		BankReceived: stmt(t.BankReceivedNotBooked), BankPaid: stmt(t.BankPaidNotBooked),
		BookReceived: book(t.BookedReceivedNotInBank), BookPaid: book(t.BookedPaidNotInBank)}
}
