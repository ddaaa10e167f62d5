package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
	"github.com/fenyang/partyfee/ledger/bankrec"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/recon"
)

// The view of /batch: the month's state and the result of a run, every
// word in Chinese.

type batchLayout struct{ Name, Title, Description string }

// batchEvent is a close or re-open of the month.
type batchEvent struct {
	Action, Actor, Reason string
	At                    time.Time
}

type batchData struct {
	Period     string // YYYY-MM
	MonthLabel string // 2020年2月
	Prev, Next string
	WholeBook  bool // the user reads the book's reconciliation
	CanAct     bool // an admin of the whole book
	CanUpload  bool
	CanClose   bool
	CanReopen  bool
	Status     string // open, closed
	ClosedAt   *time.Time
	ClosedBy   string
	Seal       string
	Vouchers   int
	Latest     string // the book's latest closed month, "" when none
	Events     []batchEvent
	// The batch's records of the month (auditors and admins of the whole
	// book): the stored bank statement and the latest run.
	Records    *postgres.MonthEnd
	LastRunBy  string
	Layouts    []batchLayout
	WindowDays int
	Job        *jobState // a run of the page's, running or ended
	JobID      string
	JobPage    string       // the page of the run
	JobKind    string       // what the run does, in Chinese
	JobGone    bool         // the run asked for is no longer known
	Result     *batchResult // the ended run's result
}

// batchResult is an ended run as the page shows it.
type batchResult struct {
	Kind  string // what the run did, in Chinese
	Error string // the refusal, in Chinese ("" when the run completed)
	Code  string

	Clean         bool // every check passed
	BadCount      int  // the discrepancies of all checks, listed or not
	Vouchers      int
	Checks        []batchCheck
	Discrepancies []batchDiscrepancy
	HighOpen      []recon.ReconcileFinding
	Findings      int
	Voided        []string
	Bank          *batchBank
	Conservation  []recon.ConservationRow

	Closed, AlreadyClosed bool
	Refused               bool     // a close that did not close
	Reasons               []string // why, one line a failing check
	ClosedBy              string
	ClosedAt              *time.Time
	Seal                  string
	NoStatementReason     string
}

type batchCheck struct {
	Title   string
	Verdict string // 通过, 不符, 未执行
	Class   string // ok, bad, skip
	Count   int
	Note    string
}

type batchDiscrepancy struct {
	Check                        string
	Voucher                      string
	VoucherID                    int64
	Account, Org, Fund           string
	Expected, Actual, Difference string
}

type batchBank struct {
	Account, File, Layout string
	Lines, Matched        int
	Imported              bool
	Outstanding           int
	T                     bankrec.Table
	// The outstanding items with their amounts unsigned.
	BankIn, BankOut []batchStmtLine
	BookIn, BookOut []batchBookLine
}

type batchStmtLine struct {
	Date                             time.Time
	Amount                           ledger.Money
	Summary, Counterparty, Reference string
}

type batchBookLine struct {
	Date      time.Time
	Voucher   string
	VoucherID int64
	Amount    ledger.Money
	Summary   string
}

// batchResult makes the view of an ended run and the page's status: the
// refusal's status for an error, 409 for a close refused because a check
// failed, else 200.
func (s *Server) batchResult(rq *request, j *batchJob) (*batchResult, int) {
	res, err := j.outcome()
	out := &batchResult{Kind: jobKindName(j.kind)}
	if err != nil {
		out.Code = ledger.ErrorCode(err)
		status := statusOf(out.Code)
		if status == http.StatusInternalServerError {
			out.Error = "运行未能完成，请稍后再试或联系系统管理员。"
		} else {
			out.Error = i18n.Message(i18n.ZhCN, err)
		}
		return out, status
	}
	v := rq.view
	out.Clean, out.Vouchers, out.Voided, out.Conservation = res.Status == recon.StatusClean, res.Vouchers, res.Voided, res.Conservation
	out.Closed, out.AlreadyClosed = res.Closed, res.AlreadyClosed
	out.ClosedBy, out.ClosedAt, out.Seal, out.NoStatementReason = batchPerson(v, res.ClosedBy), res.ClosedAt, res.Seal, res.NoStatementReason
	out.Findings = len(res.Findings)
	for _, c := range res.Checks {
		bc := batchCheck{Title: c.Title, Count: c.Count, Note: checkNote(c.Note)}
		switch {
		case !c.Ran && c.Count == 0:
			bc.Verdict, bc.Class = "未执行", "skip"
		case c.Count > 0:
			bc.Verdict, bc.Class = "不符", "bad"
			out.BadCount += c.Count
			out.Reasons = append(out.Reasons, fmt.Sprintf("%s：不符 %d 项", c.Title, c.Count))
		default:
			bc.Verdict, bc.Class = "通过", "ok"
		}
		out.Checks = append(out.Checks, bc)
	}
	for _, d := range res.Discrepancies {
		bd := batchDiscrepancy{Check: recon.CheckTitle(d.Check), Voucher: d.Voucher, VoucherID: d.VoucherID,
			Expected: moneyText(d.Expected), Actual: moneyText(d.Actual), Difference: moneyText(d.Difference)}
		if d.Account != "" {
			bd.Account = v.Account(d.Account)
		}
		if d.Org != "" {
			bd.Org = v.OrgName(d.Org)
		}
		if d.Fund != "" {
			bd.Fund = v.Fund(d.Fund)
		}
		out.Discrepancies = append(out.Discrepancies, bd)
	}
	for _, f := range res.Findings {
		if f.Severity == audit.SeverityHigh && f.State == audit.FindingOpen {
			out.HighOpen = append(out.HighOpen, f)
		}
	}
	// A check may count problems it does not list (the chain's beyond the
	// first ones): the page calls the run clean only when none counted any.
	out.Clean = out.Clean && out.BadCount == 0
	if b := res.Bank; b != nil {
		t := b.Table
		bb := &batchBank{Account: v.Account(b.Account), File: b.Statement.Filename, Layout: b.Statement.Layout, Lines: b.Statement.Lines,
			Matched: b.Matched, Imported: b.Statement.Imported, T: t,
			Outstanding: len(t.BankReceivedNotBooked) + len(t.BankPaidNotBooked) + len(t.BookedReceivedNotInBank) + len(t.BookedPaidNotInBank)}
		stmt := func(ls []bankrec.StatementLine) []batchStmtLine {
			var out []batchStmtLine
			for _, l := range ls {
				out = append(out, batchStmtLine{Date: l.Date, Amount: l.Amount.Abs(), Summary: l.Summary, Counterparty: l.Counterparty, Reference: l.Reference})
			}
			return out
		}
		book := func(es []bankrec.BookEntry) []batchBookLine {
			var out []batchBookLine
			for _, e := range es {
				out = append(out, batchBookLine{Date: e.Date, Voucher: e.Voucher, VoucherID: e.VoucherID, Amount: e.Amount.Abs(), Summary: e.Summary})
			}
			return out
		}
		bb.BankIn, bb.BankOut = stmt(t.BankReceivedNotBooked), stmt(t.BankPaidNotBooked)
		bb.BookIn, bb.BookOut = book(t.BookedReceivedNotInBank), book(t.BookedPaidNotInBank)
		out.Bank = bb
	}
	if j.kind == jobClose && !res.Closed && !res.AlreadyClosed {
		out.Refused = true
		return out, http.StatusConflict
	}
	return out, http.StatusOK
}

func jobKindName(kind string) string {
	switch kind {
	case jobStatement:
		return "上传银行对账单并对账"
	case jobPreview:
		return "预览对账"
	case jobClose:
		return "结账"
	}
	return kind
}

// checkNote is the note of a check in Chinese.
func checkNote(note string) string {
	switch {
	case note == "":
		return ""
	case note == "checked when closing":
		return "结账时检查"
	case note == "the period is closed":
		return "本月已结账"
	case note == "no bank statement for the period":
		return "本月没有银行对账单"
	case strings.HasSuffix(note, "more chain problems not listed; run ledger verify"):
		return "另有防篡改链问题未列出，请运行 ledger verify"
	}
	return note
}

// moneyText formats a decimal string of a discrepancy as an amount.
func moneyText(s string) string {
	if s == "" {
		return ""
	}
	m, err := ledger.ParseMoney(s)
	if err != nil {
		return s
	}
	return m.Format()
}

// batchPerson names who closed or re-opened a month: a person by full
// name, the scheduled batch as such.
func batchPerson(v *viewer, name string) string {
	if name == ledger.SystemUser {
		return "系统（定时批处理）"
	}
	return v.Person(name)
}

// periodAction is a close or re-open in Chinese.
func periodAction(a string) string {
	switch a {
	case "close":
		return "结账"
	case "reopen":
		return "反结账"
	}
	return a
}
