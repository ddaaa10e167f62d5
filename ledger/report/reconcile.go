package report

import (
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// ReconcileData is the input of the reconciliation workbook: the outcome of
// one run of the monthly batch. The writer does no I/O besides writing the
// workbook and never reads the clock.
type ReconcileData struct {
	BookCode, BookName string
	Period             string // 2020-02
	From, To           time.Time
	GeneratedAt        time.Time
	GeneratedBy        string
	Preparer, Reviewer string // 制表人, 审核人 for the footer
	// TimeZone is the book's zone for printed times; nil means
	// Asia/Shanghai.
	TimeZone   *time.Location
	Signatures Signatures

	Status       string // clean or discrepancies
	PeriodStatus string // open or closed, after the run
	ClosedAt     time.Time
	ClosedBy     string
	PeriodSeal   string // hex; "" while open
	// NoStatementReason is why the month closed without a reconciled bank
	// statement; "" when it had one.
	NoStatementReason string
	Vouchers          int // posted vouchers of the period

	Checks        []ReconcileCheck
	Discrepancies []ReconcileDiscrepancy
	Voided        []string // 字号 of the period's voided vouchers
	Funds         []ReconcileFund
	// Bank is the 银行存款余额调节表; nil when no statement was reconciled.
	Bank     *ReconcileBank
	Trial    []BalanceRow // the trial balance (year columns unused)
	Findings []T8Row
}

// ReconcileCheck is one check of the batch and its outcome.
type ReconcileCheck struct {
	Name, Title string
	Ran         bool
	Count       int
	Note        string
}

// ReconcileDiscrepancy is one failed check. Expected, Actual and
// Difference are decimal strings, "" when the check is not about an
// amount.
type ReconcileDiscrepancy struct {
	Check, CheckTitle              string
	Voucher, Account, Org, Fund    string
	Expected, Actual, Difference   string
	Message                        string
	OrgName, FundName, AccountName string
}

// ReconcileFund is the conservation of one special fund at the period end:
// Income = Bank + Pending + Spent + Grants.
type ReconcileFund struct {
	Fund, FundName                                string
	Income, Carried, Bank, Pending, Spent, Grants ledger.Money
}

// ReconcileBank is the bank reconciliation of the period.
type ReconcileBank struct {
	T9Table
	AccountCode, AccountName string
	WindowDays               int
	Matched                  int
	StatementFile            string
	StatementLayout          string
	StatementDigest          string
	StatementLines           int
}
