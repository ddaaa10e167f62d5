// Package textout prints the results of the ledger's commands as text for
// a terminal: the monthly batch, the periods, the seal chain check, the
// audit findings and a written audit workbook. The command prints them for
// its subcommands and the demo for its timeline; --json output is the
// command's own.
package textout

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/fenyang/partyfee/internal/workbook"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
	"github.com/fenyang/partyfee/ledger/exchange"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/recon"
)

// OneLine folds whitespace (tabs and newlines included) to single spaces.
func OneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\t", " ")), " ")
}

// Safe shows the control characters, DEL, invalid bytes and direction
// overrides of s as escapes (\x1b, \u202e), so that text stored before the
// domain refused them cannot repaint or reorder a terminal.
func Safe(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			fmt.Fprintf(&b, "\\x%02x", r)
		case (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Dash is s, or "-" when it is empty.
func Dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Time is t in RFC 3339 in the book's zone loc (nil: ledger.DefaultTimeZone),
// or "-" when it is nil.
func Time(t *time.Time, loc *time.Location) string {
	if t == nil {
		return "-"
	}
	return ledger.InZone(*t, loc).Format(time.RFC3339)
}

// Reconcile prints the result of the monthly batch; out is the workbook
// written, if any.
func Reconcile(w io.Writer, res *recon.ReconcileResult, out string, loc *time.Location) {
	verdict := "clean"
	if res.Status != recon.StatusClean {
		verdict = fmt.Sprintf("%d discrepancies", len(res.Discrepancies))
	}
	fmt.Fprintf(w, "对账 %s %s %s: %s (%d posted vouchers)\n", res.Book, res.BookName, res.Period, verdict, res.Vouchers)
	for _, c := range res.Checks {
		mark, detail := "✓", ""
		switch {
		case !c.Ran:
			mark, detail = "-", " — not run: "+c.Note
		case c.Count > 0:
			mark, detail = "✗", fmt.Sprintf(" — %d", c.Count)
			if c.Note != "" {
				detail += "; " + c.Note
			}
		}
		fmt.Fprintf(w, "  %s %s (%s)%s\n", mark, c.Title, c.Name, detail)
	}
	if len(res.Voided) > 0 {
		fmt.Fprintf(w, "voided (numbers kept, not a discrepancy): %s\n", strings.Join(res.Voided, ", "))
	}
	for _, c := range res.Conservation {
		fmt.Fprintf(w, "conservation %s: income %s = bank %s + pending %s + spent %s + grants %s\n", c.Fund, c.Income.Format(), c.Bank.Format(),
			c.Pending.Format(), c.Spent.Format(), c.Grants.Format())
	}
	if b := res.Bank; b != nil {
		t := b.Table
		outstanding := len(t.BankReceivedNotBooked) + len(t.BankPaidNotBooked) + len(t.BookedReceivedNotInBank) + len(t.BookedPaidNotInBank)
		fmt.Fprintf(w, "bank %s (statement %s, layout %s, %d lines, %d matched, %d outstanding):\n", b.Account, b.Statement.Filename, b.Statement.Layout,
			b.Statement.Lines, b.Matched, outstanding)
		fmt.Fprintf(w, "  book %s + 银行已收企业未收 %s − 银行已付企业未付 %s = %s\n", t.BookBalance.Format(), t.BankReceivedNotBookedTotal.Format(),
			t.BankPaidNotBookedTotal.Format(), t.AdjustedBook.Format())
		fmt.Fprintf(w, "  bank %s + 企业已收银行未收 %s − 企业已付银行未付 %s = %s\n", t.BankBalance.Format(), t.BookedReceivedNotInBankTotal.Format(),
			t.BookedPaidNotInBankTotal.Format(), t.AdjustedBank.Format())
	}
	high := 0
	for _, f := range res.Findings {
		if f.Severity == audit.SeverityHigh && f.State == audit.FindingOpen {
			high++
		}
	}
	fmt.Fprintf(w, "audit findings: %d (%d HIGH open)\n", len(res.Findings), high)
	if len(res.Discrepancies) > 0 {
		fmt.Fprintln(w, "discrepancies:")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  check\tvoucher\taccount\torg\tfund\texpected\tactual\tdifference")
		for _, d := range res.Discrepancies {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.Check, Dash(d.Voucher), Dash(d.Account), Dash(d.Org), Dash(d.Fund),
				Dash(d.Expected), Dash(d.Actual), Dash(d.Difference))
		}
		tw.Flush()
		for _, d := range res.Discrepancies {
			fmt.Fprintf(w, "  - %s\n", d.Msg)
		}
	}
	switch {
	case res.Closed:
		fmt.Fprintf(w, "period %s closed by %s at %s; period seal %s\n", res.Period, res.ClosedBy, Time(res.ClosedAt, loc), res.Seal)
	case res.PeriodStatus == "closed":
		fmt.Fprintf(w, "period %s is closed (by %s at %s; period seal %s)\n", res.Period, res.ClosedBy, Time(res.ClosedAt, loc), res.Seal)
	default:
		fmt.Fprintf(w, "period %s is open\n", res.Period)
	}
	if out != "" {
		fmt.Fprintf(w, "workbook: %s\n", out)
	}
}

// Periods prints the months of a book and their closes and re-opens.
func Periods(w io.Writer, ps []postgres.PeriodInfo, evs []postgres.PeriodEvent, loc *time.Location) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "month\tstatus\tvouchers\tclosed at\tby\tperiod seal")
	for _, p := range ps {
		fmt.Fprintf(tw, "%04d-%02d\t%s\t%d\t%s\t%s\t%s\n", p.Year, p.Month, p.Status, p.Vouchers, Time(p.ClosedAt, loc), Dash(p.ClosedBy), Dash(p.Seal))
	}
	tw.Flush()
	if len(evs) > 0 {
		fmt.Fprintln(w, "events:")
		for _, e := range evs {
			fmt.Fprintf(w, "  %04d-%02d %-6s %s %s %s\n", e.Year, e.Month, e.Action, Time(&e.At, loc), e.Actor, e.Reason)
		}
	}
}

// Verify prints the result of a seal chain check; printed says a seal
// printed on a report was checked too.
func Verify(w io.Writer, res *postgres.VerifyResult, printed bool) {
	switch {
	case res.Period != "" && res.Clean():
		fmt.Fprintf(w, "book %s, period %s: the recorded seal %s (position %d) matches the chain; %d seals recomputed\n",
			res.Book, res.Period, res.PeriodSeal, res.PeriodSeq, res.Checked)
		if printed {
			fmt.Fprintln(w, "the printed seal is the recorded one")
		}
	case res.Clean() && res.Checked == 0:
		fmt.Fprintf(w, "book %s: no sealed vouchers from position %d on; nothing to recompute\n", res.Book, res.FromSeq)
	case res.Clean():
		fmt.Fprintf(w, "book %s: chain intact, %d seals recomputed (positions %d to %d)\nhead (position %d): %s\n",
			res.Book, res.Checked, res.FromSeq, res.LastSeq, res.LastSeq, res.Head)
	default:
		fmt.Fprintf(w, "book %s: CHAIN BROKEN, %d problems (%d seals recomputed)\n", res.Book, res.ProblemCount, res.Checked)
		for _, p := range res.Problems {
			at := "unsealed"
			if p.Seq > 0 {
				at = fmt.Sprintf("position %d", p.Seq)
			}
			fmt.Fprintf(w, "  %-14s %-22s %s\n", at, p.Kind, p.Message)
		}
		if n := res.ProblemCount - int64(len(res.Problems)); n > 0 {
			fmt.Fprintf(w, "  … and %d more\n", n)
		}
	}
	if len(res.Pending) > 0 {
		names := make([]string, len(res.Pending))
		for i, p := range res.Pending {
			names[i] = p.Voucher
		}
		fmt.Fprintf(w, "waiting for the sealer (posted moments ago, not yet sealed): %s\n", strings.Join(names, ", "))
	}
}

// Findings prints findings one a line with their states.
func Findings(w io.Writer, fs []postgres.StoredFinding) {
	for _, f := range fs {
		fmt.Fprintf(w, "  #%d %s %s %s %s %s — %s\n", f.ID, f.Rule, f.Severity, f.Voucher, f.Org, audit.FindingStateName(f.State), OneLine(f.Explanation))
	}
}

// AuditWorkbook prints what an audit workbook holds: its sheets, the
// income and use of the period and the cross-sheet checks; a failed check
// is also warned of on warn.
func AuditWorkbook(w, warn io.Writer, res *workbook.AuditResult) {
	fmt.Fprintf(w, "wrote %s (%s", res.File, res.Period)
	if res.Org != "" {
		fmt.Fprintf(w, ", %s", res.Org)
	}
	fmt.Fprintln(w, ")")
	if res.Sheet != "" {
		return
	}
	for _, s := range res.Sheets {
		fmt.Fprintf(w, "  %-16s %8d rows\n", s.Name, s.Rows)
	}
	T := res.Summary.Totals
	dx := func(m ledger.Money) string {
		s, err := ledger.ToDaXie(m.Abs())
		if err != nil {
			return ""
		}
		if m.Sign() < 0 {
			return "负" + s
		}
		return s
	}
	fmt.Fprintf(w, "  本期收入 %s（上级下拨 %s，本级配套 %s）%s\n", T.Income.Format(), T.Upper.Format(), T.Matching.Format(), dx(T.Income))
	fmt.Fprintf(w, "  本期使用 %s %s\n", T.Used.Format(), dx(T.Used))
	for _, c := range res.Checks {
		mark := "相符"
		if !c.OK {
			mark = "不符"
		}
		fmt.Fprintf(w, "  %s: %s / %s %s\n", c.Name, c.Left.Format(), c.Right.Format(), mark)
	}
	for _, c := range res.Checks {
		if !c.OK {
			fmt.Fprintf(warn, "warning: cross-sheet check failed: %s (%s ≠ %s)\n", c.Name, c.Left.Format(), c.Right.Format())
		}
	}
}

// Voucher prints a voucher with its lines, beneficiaries and people;
// replayed says an idempotency key returned it.
func Voucher(w io.Writer, v *ledger.Voucher, chart ledger.Chart, replayed bool) {
	if replayed {
		fmt.Fprintln(w, "(idempotency key seen before: the first voucher is shown, nothing new was made)")
	}
	fmt.Fprintf(w, "记账凭证 %s  id %d  %s  %s  第%d版\n", Safe(v.Word()), v.ID, v.Date.Format(time.DateOnly), v.Status.Name(), v.Version)
	fmt.Fprintf(w, "摘要: %s   附单据 %d 张", Safe(v.Summary), v.Attachments)
	if v.Decision != "" {
		fmt.Fprintf(w, "   决策依据: %s", Safe(v.Decision))
	}
	if v.Payee != "" {
		fmt.Fprintf(w, "   收款人: %s", Safe(v.Payee))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "行\t科目\t\t党组织\t资金\t用途\t借方\t贷方\t")
	for _, l := range v.Lines {
		name := ""
		if ac := chart[l.Account]; ac != nil {
			name = ac.Name
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", l.No, Safe(l.Account), Safe(name), Safe(l.Org), Safe(l.Fund), Safe(l.Purpose.Name()), blankZero(l.Debit), blankZero(l.Credit))
	}
	fmt.Fprintf(tw, "\t合计\t\t\t\t\t%s\t%s\t\n", v.Total().Format(), v.Total().Format())
	tw.Flush()
	for _, p := range v.Beneficiaries {
		fmt.Fprintf(w, "受助对象: %s（%s，%s）%s\n", Safe(p.Name), Safe(p.Category), Safe(ledger.MaskID(p.IDNumber)), p.Amount.Format())
	}
	people := "制单 " + Safe(v.Maker)
	if v.Checker != "" {
		people += "  审核 " + Safe(v.Checker)
	}
	if v.Cashier != "" {
		people += "  出纳 " + Safe(v.Cashier)
	}
	if v.Poster != "" {
		people += "  记账 " + Safe(v.Poster)
	}
	fmt.Fprintln(w, people)
}

func blankZero(m ledger.Money) string {
	if m.IsZero() {
		return ""
	}
	return m.Format()
}

// FindingTable prints findings as the columns of T8.
func FindingTable(w io.Writer, fs []postgres.StoredFinding) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "编号\t规则编号\t问题类型\t严重程度\t凭证字号\t日期\t党组织\t金额\t说明\t整改状态")
	for _, f := range fs {
		date := ""
		if !f.Date.IsZero() {
			date = f.Date.Format(time.DateOnly)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f.ID, f.Rule, f.Type, audit.SeverityName(f.Severity), f.Voucher, date,
			f.Org, f.Amount.Format(), OneLine(f.Explanation), FindingState(&f))
	}
	return tw.Flush()
}

// FindingState is a finding's state, with its deadline while acknowledged.
func FindingState(f *postgres.StoredFinding) string {
	s := f.StateName()
	if f.Deadline != nil && f.State == audit.FindingAcknowledged {
		s += "（期限 " + f.Deadline.Format(time.DateOnly) + "）"
	}
	return s
}

// ShortHex clips a long hex digest for a line of text.
func ShortHex(s string) string {
	if len(s) > 16 {
		return s[:16] + "…"
	}
	return s
}

// Restore prints what a restore proved.
func Restore(w io.Writer, rep *exchange.RestoreReport) {
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
			b.Book, b.Vouchers, b.Posted, b.ChainSeq, ShortHex(b.ChainHead), state, vr.Checked)
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

// FindingsReport is what one evaluation of the audit rules found, as
// `ledger audit` prints it.
type FindingsReport struct {
	Period   string                   `json:"period"`
	From     string                   `json:"from"`
	AsOf     string                   `json:"as_of"`
	Status   string                   `json:"status"` // clean, or open_high while a HIGH finding is open
	Summary  FindingCounts            `json:"summary"`
	Findings []postgres.StoredFinding `json:"findings"` // those of severity minSev and above
}

// FindingCounts counts findings by severity.
type FindingCounts struct {
	Total    int `json:"total"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	OpenHigh int `json:"open_high"`
}

// NewFindingsReport summarises stored, the findings of period p, showing
// those of severity minSev and above (all when empty).
func NewFindingsReport(period string, p ledger.PeriodRange, stored []postgres.StoredFinding, minSev string) *FindingsReport {
	r := &FindingsReport{Period: period, From: p.From.Format(time.DateOnly), AsOf: p.To.Format(time.DateOnly), Status: "clean",
		Findings: []postgres.StoredFinding{}}
	for _, f := range stored {
		r.Summary.Total++
		switch f.Severity {
		case audit.SeverityHigh:
			r.Summary.High++
			if f.State == audit.FindingOpen {
				r.Summary.OpenHigh++
			}
		case audit.SeverityMedium:
			r.Summary.Medium++
		case audit.SeverityLow:
			r.Summary.Low++
		}
		if minSev == "" || audit.SeverityRank(f.Severity) >= audit.SeverityRank(minSev) {
			r.Findings = append(r.Findings, f)
		}
	}
	if r.Summary.OpenHigh > 0 {
		r.Status = "open_high"
	}
	return r
}

// Print writes the report as a table.
func (r *FindingsReport) Print(w io.Writer) error {
	fmt.Fprintf(w, "审计规则检查 %s（截至 %s）\n", r.Period, r.AsOf)
	if err := FindingTable(w, r.Findings); err != nil {
		return err
	}
	c := r.Summary
	fmt.Fprintf(w, "共 %d 条问题（高 %d / 中 %d / 低 %d），未整改的高风险问题 %d 条\n", c.Total, c.High, c.Medium, c.Low, c.OpenHigh)
	return nil
}

// VerifyBroken says in one line that res found the chain broken, naming
// the first problem.
func VerifyBroken(res *postgres.VerifyResult) string {
	p := res.First()
	what := p.Kind
	if p.Seq > 0 {
		what += fmt.Sprintf(" at position %d", p.Seq)
	}
	if p.Voucher != "" {
		what += ": voucher " + p.Voucher
	} else if p.VoucherID != 0 {
		what += fmt.Sprintf(": voucher id %d", p.VoucherID)
	}
	return fmt.Sprintf("verify: the chain of book %s is broken (%d problems; first %s)", res.Book, res.ProblemCount, what)
}
