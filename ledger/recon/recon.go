package recon

import (
	"bytes"
	"cmp"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/bankrec"
)

// Checks of the monthly batch: the "check" of each discrepancy in SPEC §7's
// JSON. The bank checks are bankrec's (bankrec.CheckAdjustedBalances,
// bankrec.CheckOutstandingAge, bankrec.CheckAfterPeriodEnd,
// bankrec.CheckStatementBalance).
const (
	// CheckVoucherBalance: a voucher of the period whose debits and credits
	// differ for one fund (or that has fewer than two lines).
	CheckVoucherBalance = "voucher_balance"
	// CheckNumbering: a voucher number of the period missing from its
	// type's sequence (voided vouchers keep their numbers and are shown,
	// not reported).
	CheckNumbering = "voucher_numbering"
	// CheckStoredBalance: a stored balance that differs from the balance
	// recomputed from the journal.
	CheckStoredBalance = "stored_balance"
	// CheckConservation: a special fund's income differs from bank +
	// pending settlement + spending + grants out (SPEC §3), named by the
	// voucher that broke it, or carried in from before the period.
	CheckConservation = "conservation"
	// CheckNegativeBalance: a restricted balance below zero at some point
	// of the period, recomputed in date order.
	CheckNegativeBalance = "negative_balance"
	// Trial balance: Σ debits ≠ Σ credits of the opening balances, the
	// period's movements or the closing balances.
	CheckTrialOpening = "trial_balance_opening"
	CheckTrialPeriod  = "trial_balance_period"
	CheckTrialClosing = "trial_balance_closing"
	// CheckParentPosting: a line posted to a parent (non-leaf) account.
	CheckParentPosting = "parent_posting"
	// CheckGeneralLedger: 总账 ≠ Σ 明细 for a first-level account (the
	// general ledger by code disagrees with its leaves by the chart's tree).
	CheckGeneralLedger = "general_ledger"
	// CheckSealChain: the tamper-evidence chain does not verify.
	CheckSealChain = "seal_chain"
	// CheckAuditHigh: an audit finding of severity HIGH is open.
	CheckAuditHigh = "audit_high_open"
	// Close conditions, checked with --close only.
	CheckPreviousOpen = "previous_period_open"
	CheckUnposted     = "unposted_voucher"
)

// checkOrder lists every check in report order, with its Chinese title.
var checkOrder = []struct{ Name, Title string }{
	{CheckVoucherBalance, "凭证分资金来源借贷平衡"},
	{CheckNumbering, "凭证编号连续"},
	{CheckStoredBalance, "余额与明细账一致"},
	{CheckConservation, "专项党费资金守恒"},
	{CheckNegativeBalance, "受限余额不为负"},
	{CheckTrialOpening, "试算平衡（期初）"},
	{CheckTrialPeriod, "试算平衡（本期发生）"},
	{CheckTrialClosing, "试算平衡（期末）"},
	{CheckParentPosting, "非末级科目无记账"},
	{CheckGeneralLedger, "总账与明细账核对"},
	{bankrec.CheckAdjustedBalances, "银行存款余额调节表调节后余额相等"},
	{bankrec.CheckOutstandingAge, "未达账项在期限内"},
	{bankrec.CheckAfterPeriodEnd, "未达账项不晚于期末"},
	{bankrec.CheckStatementBalance, "对账单余额连续"},
	{CheckSealChain, "防篡改链校验"},
	{CheckAuditHigh, "无未整改的高风险异常"},
	{CheckPreviousOpen, "上月已结账"},
	{CheckUnposted, "本月凭证均已记账"},
}

// CheckTitle is the Chinese title of a check.
func CheckTitle(name string) string {
	for _, c := range checkOrder {
		if c.Name == name {
			return c.Title
		}
	}
	return name
}

// Statuses of a run (SPEC §7).
const (
	StatusClean         = "clean"
	StatusDiscrepancies = "discrepancies"
)

// DiscrepanciesPerCheckMax bounds the discrepancies listed for one check;
// the count of the check (CheckResult.Count) is always the full count.
const DiscrepanciesPerCheckMax = 1000

// Discrepancy is one failed check, with the exact voucher, account,
// organisation, fund and amounts where they apply. Expected, Actual and
// Difference (= Actual − Expected) are decimal strings, "" for a check that
// is not about an amount (a missing voucher number, an open period).
type Discrepancy struct {
	Check      string `json:"check"`
	Voucher    string `json:"voucher"`
	Account    string `json:"account"`
	Org        string `json:"org"`
	Fund       string `json:"fund"`
	Expected   string `json:"expected"`
	Actual     string `json:"actual"`
	Difference string `json:"difference"`
	// VoucherID is the voucher's id (0 when none); Msg explains the
	// discrepancy to people. Neither is part of the JSON summary.
	VoucherID int64  `json:"-"`
	Msg       string `json:"-"`
}

// ReconcileFinding is an audit finding listed by the batch (T8).
type ReconcileFinding struct {
	ID          int64  `json:"id,omitempty"`
	Rule        string `json:"rule"`
	Type        string `json:"type"`
	Severity    string `json:"severity"`
	Voucher     string `json:"voucher,omitempty"`
	Date        string `json:"date,omitempty"`
	Org         string `json:"org,omitempty"`
	Amount      string `json:"amount"`
	Explanation string `json:"explanation"`
	Responsible string `json:"responsible,omitempty"`
	State       string `json:"state"`
	Deadline    string `json:"deadline,omitempty"`
}

// ReconcileSummary is the JSON summary of SPEC §7, exactly:
//
//	{"period", "status": "clean"|"discrepancies", "discrepancies": [{"check",
//	 "voucher", "account", "org", "fund", "expected", "actual",
//	 "difference"}], "findings": [...]}
//
// It is what `ledger reconcile --json` prints and what a closed period
// records in periods.summary.
type ReconcileSummary struct {
	Period        string             `json:"period"`
	Status        string             `json:"status"`
	Discrepancies []Discrepancy      `json:"discrepancies"`
	Findings      []ReconcileFinding `json:"findings"`
}

// CheckResult is the outcome of one check.
type CheckResult struct {
	Name  string
	Title string
	// Ran is false for a check that did not apply (the bank checks without
	// a statement, the close conditions without --close) or whose
	// implementation is not available.
	Ran   bool
	Count int // discrepancies found (all of them, listed or not)
	Note  string
}

// Passed reports whether the check ran and found nothing.
func (c CheckResult) Passed() bool { return c.Ran && c.Count == 0 }

// TrialRow is a row of the trial balance (试算平衡表) at the period end:
// one account, leaves and their parents, debit-positive nets split into
// their debit and credit sides.
type TrialRow struct {
	Account, Name, Parent       string
	Leaf                        bool
	OpeningDebit, OpeningCredit ledger.Money
	PeriodDebit, PeriodCredit   ledger.Money
	ClosingDebit, ClosingCredit ledger.Money
}

// ConservationRow shows SPEC §3's conservation for one special fund at the
// period end: Income + Carried = Bank + Pending + Spent + Granted, where
// Carried is 党费结余 (3001, credit-positive): what earlier years' closes
// (年结) moved out of income and spending.
type ConservationRow struct {
	Fund, FundName                                string
	Income, Carried, Bank, Pending, Spent, Grants ledger.Money
}

// StatementInfo describes the bank statement a run used.
type StatementInfo struct {
	Digest   string
	Filename string
	Layout   string
	Lines    int
	// Imported: this run stored the statement; false when it was stored
	// before (re-importing the same file is a no-op).
	Imported bool
}

// BankReconciliation is the bank part of a run: the 银行存款余额调节表 of the
// book's bank account at the period end.
type BankReconciliation struct {
	Account     string // the reconciled account (100201)
	AccountName string
	BankName    string
	BankAccount string
	Statement   StatementInfo
	Matched     int // matched groups
	Table       bankrec.Table
}

// ReconcileResult is everything a run found.
type ReconcileResult struct {
	ReconcileSummary
	Book, BookName string
	From, To       time.Time
	Checks         []CheckResult
	// Voided lists the 字号 of the period's voided vouchers (their numbers
	// stay taken; shown, not a discrepancy).
	Voided       []string
	Vouchers     int // posted vouchers dated in the period
	Trial        []TrialRow
	Conservation []ConservationRow
	Bank         *BankReconciliation // nil without a statement
	// The period after the run.
	PeriodStatus string // open or closed
	ClosedAt     *time.Time
	ClosedBy     string
	Seal         string
	// NoStatementReason is why the month was closed without a reconciled
	// bank statement ("" when it had one or its bank did not move).
	NoStatementReason string
	// Closed: this run closed the period. AlreadyClosed: the period was
	// closed before the run.
	Closed, AlreadyClosed bool
	// Recorded: this run's outcome was new and recorded in reconcile_runs
	// (false on an identical re-run).
	Recorded bool

	summaryJSON []byte // encoded once the summary is final
}

// Tally collects the outcome of the checks of one run: which checks ran,
// how many discrepancies each found, the listed discrepancies (at most
// DiscrepanciesPerCheckMax per check) and a note per check.
type Tally struct {
	counts map[string]int
	ran    map[string]bool
	notes  map[string]string
	discs  []Discrepancy
}

// NewTally returns an empty tally.
func NewTally() *Tally {
	return &Tally{counts: map[string]int{}, ran: map[string]bool{}, notes: map[string]string{}}
}

// Add records discrepancies of a check that ran.
func (t *Tally) Add(check string, ds ...Discrepancy) {
	t.ran[check] = true
	for _, d := range ds {
		t.counts[d.Check]++
		t.ran[d.Check] = true
		if t.counts[d.Check] <= DiscrepanciesPerCheckMax {
			t.discs = append(t.discs, d)
		}
	}
}

// AddCount counts n discrepancies of a check that are not listed.
func (t *Tally) AddCount(check string, n int) { t.counts[check] += n }

// Ran marks a check as run.
func (t *Tally) Ran(check string) { t.ran[check] = true }

// Note sets the note shown with a check.
func (t *Tally) Note(check, note string) { t.notes[check] = note }

// Finish orders the discrepancies and fills the summary's status and the
// check list of res.
func (t *Tally) Finish(res *ReconcileResult) {
	rank := map[string]int{}
	for i, c := range checkOrder {
		rank[c.Name] = i
	}
	slices.SortStableFunc(t.discs, func(a, b Discrepancy) int {
		return cmp.Compare(rank[a.Check], rank[b.Check])
	})
	res.Discrepancies = t.discs
	if res.Discrepancies == nil {
		res.Discrepancies = []Discrepancy{}
	}
	if res.Findings == nil {
		res.Findings = []ReconcileFinding{}
	}
	// A check may count more than it lists (the lists are bounded): any
	// count makes the run one with discrepancies.
	res.Status = StatusClean
	if len(res.Discrepancies) > 0 {
		res.Status = StatusDiscrepancies
	}
	for _, n := range t.counts {
		if n > 0 {
			res.Status = StatusDiscrepancies
		}
	}
	for _, c := range checkOrder {
		cr := CheckResult{Name: c.Name, Title: c.Title, Ran: t.ran[c.Name], Count: t.counts[c.Name], Note: t.notes[c.Name]}
		if !cr.Ran && cr.Note == "" {
			if c.Name == CheckPreviousOpen || c.Name == CheckUnposted {
				cr.Note = "checked when closing"
				if res.AlreadyClosed {
					cr.Note = "the period is closed"
				}
			} else if res.Bank == nil && strings.HasPrefix(c.Name, "bank_") {
				cr.Note = "no bank statement for the period"
			}
		}
		res.Checks = append(res.Checks, cr)
	}
}

// SummaryJSON is the SPEC §7 JSON of the run.
func (res *ReconcileResult) SummaryJSON() []byte {
	if res.summaryJSON != nil {
		return res.summaryJSON
	}
	return res.encodeSummary()
}

// FreezeSummary encodes the summary once it is final; SummaryJSON returns
// that encoding from then on.
func (res *ReconcileResult) FreezeSummary() { res.summaryJSON = res.encodeSummary() }

func (res *ReconcileResult) encodeSummary() []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(res.ReconcileSummary)
	return bytes.TrimSpace(buf.Bytes())
}
