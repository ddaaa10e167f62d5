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
	"github.com/fenyang/partyfee/ledger/i18n"
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
func Reconcile(w io.Writer, lang i18n.Lang, res *recon.ReconcileResult, out string, loc *time.Location) {
	T := func(format string, args ...any) string { return i18n.T(lang, format, args...) }
	verdict := T("clean")
	if res.Status != recon.StatusClean {
		verdict = T("%d discrepancies", len(res.Discrepancies))
	}
	fmt.Fprintln(w, T("reconciliation %s %s %s: %s (%d posted vouchers)", res.Book, res.BookName, res.Period, verdict, res.Vouchers))
	for _, c := range res.Checks {
		mark, detail := "✓", ""
		switch {
		case !c.Ran:
			mark, detail = "-", T(" — not run: %s", c.Note)
		case c.Count > 0:
			mark, detail = "✗", fmt.Sprintf(" — %d", c.Count)
			if c.Note != "" {
				detail += "; " + c.Note
			}
		}
		fmt.Fprintf(w, "  %s %s (%s)%s\n", mark, c.Title, c.Name, detail)
	}
	if len(res.Voided) > 0 {
		fmt.Fprintln(w, T("voided (numbers kept, not a discrepancy): %s", strings.Join(res.Voided, ", ")))
	}
	for _, c := range res.Conservation {
		fmt.Fprintln(w, T("conservation %s: income %s + carried forward %s = bank %s + pending %s + spent %s + grants %s", c.Fund, c.Income.Format(),
			c.Carried.Format(), c.Bank.Format(), c.Pending.Format(), c.Spent.Format(), c.Grants.Format()))
	}
	if b := res.Bank; b != nil {
		t := b.Table
		outstanding := len(t.BankReceivedNotBooked) + len(t.BankPaidNotBooked) + len(t.BookedReceivedNotInBank) + len(t.BookedPaidNotInBank)
		fmt.Fprintln(w, T("bank %s (statement %s, layout %s, %d lines, %d matched, %d outstanding):", b.Account, b.Statement.Filename, b.Statement.Layout,
			b.Statement.Lines, b.Matched, outstanding))
		fmt.Fprintln(w, T("  book %s + received by the bank, not booked %s − paid by the bank, not booked %s = %s", t.BookBalance.Format(),
			t.BankReceivedNotBookedTotal.Format(), t.BankPaidNotBookedTotal.Format(), t.AdjustedBook.Format()))
		fmt.Fprintln(w, T("  bank %s + booked, not received by the bank %s − booked, not paid by the bank %s = %s", t.BankBalance.Format(),
			t.BookedReceivedNotInBankTotal.Format(), t.BookedPaidNotInBankTotal.Format(), t.AdjustedBank.Format()))
	}
	high := 0
	for _, f := range res.Findings {
		if f.Severity == audit.SeverityHigh && f.State == audit.FindingOpen {
			high++
		}
	}
	fmt.Fprintln(w, T("audit findings: %d (%d HIGH open)", len(res.Findings), high))
	if len(res.Discrepancies) > 0 {
		fmt.Fprintln(w, T("discrepancies:"))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, T("  check\tvoucher\taccount\torg\tfund\texpected\tactual\tdifference"))
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
		fmt.Fprintln(w, T("period %s closed by %s at %s; period seal %s", res.Period, res.ClosedBy, Time(res.ClosedAt, loc), res.Seal))
	case res.PeriodStatus == "closed":
		fmt.Fprintln(w, T("period %s is closed (by %s at %s; period seal %s)", res.Period, res.ClosedBy, Time(res.ClosedAt, loc), res.Seal))
	default:
		fmt.Fprintln(w, T("period %s is open", res.Period))
	}
	if out != "" {
		fmt.Fprintln(w, T("workbook: %s", out))
	}
}

// Periods prints the months of a book and their closes and re-opens.
func Periods(w io.Writer, lang i18n.Lang, ps []postgres.PeriodInfo, evs []postgres.PeriodEvent, loc *time.Location) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, i18n.T(lang, "month\tstatus\tvouchers\tclosed at\tby\tperiod seal"))
	for _, p := range ps {
		fmt.Fprintf(tw, "%04d-%02d\t%s\t%d\t%s\t%s\t%s\n", p.Year, p.Month, PeriodStatus(lang, p.Status), p.Vouchers, Time(p.ClosedAt, loc), Dash(p.ClosedBy), Dash(p.Seal))
	}
	tw.Flush()
	if len(evs) > 0 {
		fmt.Fprintln(w, i18n.T(lang, "events:"))
		for _, e := range evs {
			fmt.Fprintf(w, "  %04d-%02d %-6s %s %s %s\n", e.Year, e.Month, PeriodAction(lang, e.Action), Time(&e.At, loc), e.Actor, e.Reason)
		}
	}
}

// PeriodStatus names a month's status (open, closed) for a person; the
// status itself stays the word scripts read in --json.
func PeriodStatus(lang i18n.Lang, s string) string {
	switch s {
	case "open":
		return i18n.T(lang, "open")
	case "closed":
		return i18n.T(lang, "closed")
	}
	return s
}

// PeriodAction names a close or re-open event for a person.
func PeriodAction(lang i18n.Lang, a string) string {
	switch a {
	case "close":
		return i18n.T(lang, "close")
	case "reopen":
		return i18n.T(lang, "reopen")
	}
	return a
}

// Verify prints the result of a seal chain check; printed says a seal
// printed on a report was checked too.
func Verify(w io.Writer, lang i18n.Lang, res *postgres.VerifyResult, printed bool) {
	T := func(format string, args ...any) string { return i18n.T(lang, format, args...) }
	switch {
	case res.Period != "" && res.Clean():
		fmt.Fprintln(w, T("book %s, period %s: the recorded seal %s (position %d) matches the chain; %d seals recomputed",
			res.Book, res.Period, res.PeriodSeal, res.PeriodSeq, res.Checked))
		if printed {
			fmt.Fprintln(w, T("the printed seal is the recorded one"))
		}
	case res.Clean() && res.Checked == 0:
		fmt.Fprintln(w, T("book %s: no sealed vouchers from position %d on; nothing to recompute", res.Book, res.FromSeq))
	case res.Clean():
		fmt.Fprintln(w, T("book %s: chain intact, %d seals recomputed (positions %d to %d)", res.Book, res.Checked, res.FromSeq, res.LastSeq))
		fmt.Fprintln(w, T("head (position %d): %s", res.LastSeq, res.Head))
	default:
		fmt.Fprintln(w, T("book %s: CHAIN BROKEN, %d problems (%d seals recomputed)", res.Book, res.ProblemCount, res.Checked))
		for _, p := range res.Problems {
			at := T("unsealed")
			if p.Seq > 0 {
				at = T("position %d", p.Seq)
			}
			fmt.Fprintf(w, "  %-14s %-22s %s\n", at, p.Kind, ProblemText(lang, p))
		}
		if n := res.ProblemCount - int64(len(res.Problems)); n > 0 {
			fmt.Fprintln(w, T("  … and %d more", n))
		}
	}
	if len(res.Pending) > 0 {
		names := make([]string, len(res.Pending))
		for i, p := range res.Pending {
			names[i] = p.Voucher
		}
		fmt.Fprintln(w, T("waiting for the sealer (posted moments ago, not yet sealed): %s", strings.Join(names, ", ")))
	}
}

// Findings prints findings one a line with their states.
func Findings(w io.Writer, fs []postgres.StoredFinding) {
	for _, f := range fs {
		fmt.Fprintf(w, "  #%d %s %s %s %s %s — %s\n", f.ID, f.Rule, audit.SeverityName(f.Severity), f.Voucher, f.Org, audit.FindingStateName(f.State), OneLine(f.Explanation))
	}
}

// AuditWorkbook prints what an audit workbook holds: its sheets, the
// income and use of the period and the cross-sheet checks; a failed check
// is also warned of on warn.
func AuditWorkbook(w, warn io.Writer, lang i18n.Lang, res *workbook.AuditResult) {
	scope := res.Period
	if res.Org != "" {
		scope += ", " + res.Org
	}
	fmt.Fprintln(w, i18n.T(lang, "wrote %s (%s)", res.File, scope))
	if res.Sheet != "" {
		return
	}
	for _, s := range res.Sheets {
		fmt.Fprintf(w, "  %-16s %s\n", s.Name, i18n.T(lang, "%8d rows", s.Rows))
	}
	T := res.Summary.Totals
	fmt.Fprintf(w, "  本期收入 %s（上级下拨 %s，本级配套 %s）%s\n", T.Income.Format(), T.Upper.Format(), T.Matching.Format(), Capitals(T.Income))
	fmt.Fprintf(w, "  本期使用 %s %s\n", T.Used.Format(), Capitals(T.Used))
	for _, c := range res.Checks {
		mark := "相符"
		if !c.OK {
			mark = "不符"
		}
		fmt.Fprintf(w, "  %s: %s / %s %s\n", c.Name, c.Left.Format(), c.Right.Format(), mark)
	}
	for _, c := range res.Checks {
		if !c.OK {
			fmt.Fprintln(warn, i18n.T(lang, "warning: cross-sheet check failed: %s (%s ≠ %s)", c.Name, c.Left.Format(), c.Right.Format()))
		}
	}
}

// Capitals is an amount in capitals with the 人民币 prefix, as a form
// writes it (人民币叁拾贰万元整; 负 before a negative amount); "" when it
// is out of the capitals' range.
func Capitals(m ledger.Money) string {
	s, err := ledger.ToDaXie(m.Abs())
	if err != nil {
		return ""
	}
	if m.Sign() < 0 {
		return "人民币负" + s
	}
	return "人民币" + s
}

// Voucher prints a voucher with its lines, beneficiaries and people (by
// full name from people, login → name; the login when it has none);
// replayed says an idempotency key returned it.
func Voucher(w io.Writer, lang i18n.Lang, v *ledger.Voucher, chart ledger.Chart, people map[string]string, replayed bool) {
	if replayed {
		fmt.Fprintln(w, i18n.T(lang, "(idempotency key seen before: the first voucher is shown, nothing new was made)"))
	}
	fmt.Fprintf(w, "记账凭证 %s  id %d  %s  %s  第%d版\n", Safe(v.Word()), v.ID, v.Date.Format(time.DateOnly), v.Status.Name(), v.Version)
	fmt.Fprintf(w, "摘要: %s   附单据 %d 张（附件 %d 个）", Safe(v.Summary), v.Attachments, v.Files)
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
	if dx := Capitals(v.Total()); dx != "" {
		fmt.Fprintf(w, "合计（大写）：%s\n", dx)
	}
	itemTable(w, v)
	for _, p := range v.Beneficiaries {
		fmt.Fprintf(w, "受助对象: %s（%s，%s）%s\n", Safe(p.Name), Safe(p.Category), Safe(ledger.MaskID(p.IDNumber)), p.Amount.Format())
	}
	person := func(login string) string {
		if n := people[login]; n != "" {
			return Safe(n)
		}
		return Safe(login)
	}
	signed := "制单 " + person(v.Maker)
	if v.Checker != "" {
		signed += "  审核 " + person(v.Checker)
	}
	if v.Cashier != "" {
		signed += "  出纳 " + person(v.Cashier)
	}
	if v.Poster != "" {
		signed += "  记账 " + person(v.Poster)
	}
	fmt.Fprintln(w, signed)
}

// itemTable prints the item lines (物品明细) of v's lines, if any.
func itemTable(w io.Writer, v *ledger.Voucher) {
	n := 0
	for _, l := range v.Lines {
		n += len(l.Items)
	}
	if n == 0 {
		return
	}
	fmt.Fprintln(w, "物品明细:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "行\t品名\t规格\t单位\t数量\t单价\t金额\t")
	for _, l := range v.Lines {
		for _, it := range l.Items {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", l.No, Safe(it.Name), Safe(it.Spec), Safe(it.Unit),
				it.Quantity.String(), it.UnitPrice.String(), it.Amount.Format())
		}
	}
	tw.Flush()
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
func Restore(w io.Writer, lang i18n.Lang, rep *exchange.RestoreReport) {
	T := func(format string, args ...any) string { return i18n.T(lang, format, args...) }
	m := rep.Manifest
	fmt.Fprintln(w, T("restored %s (backup of %s, schema %d) into %s", rep.File, m.CreatedAt.Format("2006-01-02 15:04:05Z"), m.SchemaVersion, rep.DataDir))
	if len(rep.Differences) == 0 {
		fmt.Fprintln(w, T("  tables: all %d equal the manifest (rows and checksums)", len(m.Tables)))
	} else {
		fmt.Fprintln(w, T("  tables: %d differences:", len(rep.Differences)))
		fmt.Fprintf(w, "    %s\n", strings.Join(rep.Differences, "\n    "))
	}
	for i, b := range m.Books {
		vr := rep.Verify[i]
		state := T("clean")
		if !vr.Clean() {
			state = T("%d problems", vr.ProblemCount)
		}
		fmt.Fprintln(w, T("  book %s: %d vouchers, %d posted, chain head %d %s; verify %s (%d seals recomputed)",
			b.Book, b.Vouchers, b.Posted, b.ChainSeq, ShortHex(b.ChainHead), state, vr.Checked))
	}
	if len(rep.Checks) == 0 {
		fmt.Fprintln(w, T("  reconciliation checks: all pass"))
	} else {
		fmt.Fprintln(w, T("  reconciliation checks failed:"))
		fmt.Fprintf(w, "    %s\n", strings.Join(rep.Checks, "\n    "))
	}
	if rep.Equal {
		fmt.Fprintln(w, T("the restored ledger equals the backup's manifest"))
	} else {
		fmt.Fprintln(w, T("the restored ledger does NOT equal the backup's manifest"))
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
func VerifyBroken(lang i18n.Lang, res *postgres.VerifyResult) string {
	p := res.First()
	what := p.Kind
	if p.Seq > 0 {
		what += i18n.T(lang, " at position %d", p.Seq)
	}
	if p.Voucher != "" {
		what += i18n.T(lang, ": voucher %s", p.Voucher)
	} else if p.VoucherID != 0 {
		what += i18n.T(lang, ": voucher id %d", p.VoucherID)
	}
	return i18n.T(lang, "verify: the chain of book %s is broken (%d problems; first %s)", res.Book, res.ProblemCount, what)
}

// problemTexts are the Chinese descriptions of verify's problem kinds; the
// voucher (when it still exists) is named before them. English keeps the
// problem's own message, which carries every figure.
var problemTexts = map[string]string{
	postgres.ProblemContent:        "内容与其封印不符：金额、科目、党组织、收款人、日期等封存字段被改动",
	postgres.ProblemLink:           "封印与前一位置的封印不衔接：凭证被重排、插入或删除",
	postgres.ProblemGap:            "封存链在此缺位：该位置的凭证及其封印被删除",
	postgres.ProblemVoucherMissing: "已封存的凭证不复存在：被删除",
	postgres.ProblemNotPosted:      "已封存，但状态不是已记账",
	postgres.ProblemUnsealed:       "已记账但没有封印，也不在等待封存：绕过应用写入，或封存程序未运行",
	postgres.ProblemHead:           "链头记录与封存链不一致：链尾被截去，或封印被绕过封存程序追加",
	postgres.ProblemPeriodSeal:     "期间封存值与封存链在记录位置的封印不一致",
	postgres.ProblemVersion:        "封印的编码版本不为本程序所知",
	postgres.ProblemAttachment:     "原始凭证附件被改动：文件内容与记录的哈希不符，或附件被替换、增删",
}

// ProblemText describes a problem of verify in lang.
func ProblemText(lang i18n.Lang, p postgres.ChainProblem) string {
	zh, ok := problemTexts[p.Kind]
	if lang == i18n.En || !ok {
		return OneLine(p.Message)
	}
	if p.Voucher != "" {
		return "凭证 " + p.Voucher + "：" + zh
	}
	return zh
}
