// Package journal writes the ledger as a plain-text journal that hledger
// and ledger-cli read: one transaction per posted voucher, accounts named
// by their Chinese names as colon-separated paths under their type
// (资产:银行存款:党费专户), the voucher's number as the transaction code, the
// organisation and fund as tags, red (reversal) vouchers as the negative
// postings they are. Pure: domain values in, text out.
package journal

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// Format is a journal dialect.
type Format string

const (
	Ledger  Format = "ledger"  // ledger-cli
	HLedger Format = "hledger" // hledger
)

// ParseFormat accepts "ledger" or "hledger".
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case Ledger, HLedger:
		return f, nil
	}
	return "", ledger.Errorf(ledger.EInvalid, "format", "unknown journal format %q (ledger or hledger)", s)
}

// Commodity is the commodity symbol of every amount.
const Commodity = "CNY"

// typeNames are the top-level account names, one per account type.
var typeNames = map[ledger.AccountType]string{
	ledger.Asset: "资产", ledger.Liability: "负债", ledger.NetAssets: "净资产", ledger.Income: "收入", ledger.Expense: "费用",
}

// hledgerTypes are hledger's account type letters.
var hledgerTypes = map[ledger.AccountType]string{
	ledger.Asset: "A", ledger.Liability: "L", ledger.NetAssets: "E", ledger.Income: "R", ledger.Expense: "X",
}

// clean makes s safe inside an account name or a description: both tools
// end an account name at two spaces or a tab and split paths at ':', and a
// name starting with '(' or '[' is a virtual posting.
func clean(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.NewReplacer(":", "：", ";", "；", "(", "（", ")", "）", "[", "［", "]", "］").Replace(s)
	if s == "" {
		return "-"
	}
	return s
}

// AccountNames maps every account code of the chart to its journal path,
// 资产:银行存款:党费专户. Two accounts whose paths would be the same (equal
// names under one parent) get their codes appended, so each path is one
// account.
func AccountNames(chart ledger.Chart) map[string]string {
	codes := make([]string, 0, len(chart))
	for c := range chart {
		codes = append(codes, c)
	}
	sort.Strings(codes) // parents first (4-2-2 codes)
	out := make(map[string]string, len(codes))
	used := map[string]bool{}
	for _, c := range codes {
		a := chart[c]
		prefix, own := typeNames[a.Type], a.Name
		if p := chart[a.Parent]; p != nil && out[a.Parent] != "" {
			prefix = out[a.Parent]
			// 银行存款—党费专户 under 银行存款 is 资产:银行存款:党费专户.
			// 党费支出—专项—物资采购 under 党费支出（本级直接使用） is …:专项—物资采购.
			base, _, _ := strings.Cut(p.Name, "（")
		strip:
			for _, pn := range []string{p.Name, base} {
				for _, sep := range []string{"—", "-", "－"} {
					if rest, ok := strings.CutPrefix(own, pn+sep); ok && strings.TrimSpace(rest) != "" {
						own = rest
						break strip
					}
				}
			}
		}
		name := prefix + ":" + clean(own)
		if used[name] {
			name += " " + c
		}
		used[name] = true
		out[c] = name
	}
	return out
}

// Writer writes one journal.
type Writer struct {
	w     *bufio.Writer
	f     Format
	books *ledger.Books
	names map[string]string
	// summary is the current transaction's description: a line's own
	// summary is written only when it says something else.
	summary string
	err     error
}

// NewWriter starts a journal of books in format f on w.
func NewWriter(w io.Writer, f Format, books *ledger.Books) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 1<<16), f: f, books: books, names: AccountNames(books.Chart)}
}

func (j *Writer) printf(format string, args ...any) {
	if j.err == nil {
		_, j.err = fmt.Fprintf(j.w, format, args...)
	}
}

// Header writes the title comment, the commodity and one account
// declaration per account of the chart (in code order), so the journal
// declares every account and its code.
func (j *Writer) Header(period ledger.PeriodRange, generatedAt time.Time) error {
	j.printf("; %s（%s）专项党费专账 %s\n", clean(j.books.Book.Name), j.books.Book.Code, period.Label())
	j.printf("; 期间 %s 至 %s，生成于 %s；金额单位：元\n\n", period.From.Format(time.DateOnly), period.To.Format(time.DateOnly), generatedAt.UTC().Format(time.RFC3339))
	switch j.f {
	case HLedger:
		j.printf("commodity 1000.00 %s\n\n", Commodity)
	default:
		j.printf("commodity %s\n    format 1000.00 %s\n\n", Commodity, Commodity)
	}
	codes := make([]string, 0, len(j.names))
	for c := range j.names {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		a := j.books.Chart[c]
		switch j.f {
		case HLedger:
			j.printf("account %s  ; code: %s, type: %s\n", j.names[c], c, hledgerTypes[a.Type])
		default:
			j.printf("account %s\n    note 科目代码 %s\n", j.names[c], c)
		}
	}
	j.printf("\n")
	return j.err
}

// Name is the journal path of an account code.
func (j *Writer) Name(code string) string {
	if n, ok := j.names[code]; ok {
		return n
	}
	return "未知科目:" + clean(code)
}

// Opening writes the balances brought forward at date as one transaction
// (期初余额), one posting per (account, organisation, fund), debit-positive.
// Nothing is written when every balance is zero.
func (j *Writer) Opening(date time.Time, lines []ledger.Line) error {
	var nonzero []ledger.Line
	for _, l := range lines {
		if !l.Amount().IsZero() {
			nonzero = append(nonzero, l)
		}
	}
	if len(nonzero) == 0 {
		return j.err
	}
	j.summary = "期初余额"
	j.printf("%s * (期初) 期初余额\n", date.Format(time.DateOnly))
	for i := range nonzero {
		j.posting(&nonzero[i])
	}
	j.printf("\n")
	return j.err
}

// Voucher writes one posted voucher: its date, number as the code, summary
// as the description, and one posting per line.
func (j *Writer) Voucher(v *ledger.Voucher) error {
	j.summary = clean(v.Summary)
	j.printf("%s * (%04d-%02d:%s) %s\n", v.Date.Format(time.DateOnly), v.Year, v.Month, v.Word(), j.summary)
	if v.Flow != "" {
		j.tag("flow", v.Flow)
	}
	for i := range v.Lines {
		j.posting(&v.Lines[i])
	}
	j.printf("\n")
	return j.err
}

func (j *Writer) tag(name, value string) {
	j.printf("    ; %s: %s\n", name, clean(value))
}

func (j *Writer) posting(l *ledger.Line) {
	summary := clean(l.Summary)
	if l.Summary == "" || summary == j.summary {
		summary = ""
	}
	if j.f == HLedger {
		// hledger reads comma-separated tags on the posting's own line.
		j.printf("    %s  %s %s  ; org: %s, fund: %s", j.Name(l.Account), l.Amount().String(), Commodity, clean(l.Org), clean(l.Fund))
		if l.Purpose != "" {
			j.printf(", purpose: %s", l.Purpose)
		}
		if summary != "" {
			j.printf(", note: %s", strings.ReplaceAll(summary, ",", "，"))
		}
		j.printf("\n")
		return
	}
	// ledger-cli takes one "key: value" per comment line.
	j.printf("    %s  %s %s\n", j.Name(l.Account), l.Amount().String(), Commodity)
	j.tag("org", l.Org)
	j.tag("fund", l.Fund)
	if l.Purpose != "" {
		j.tag("purpose", string(l.Purpose))
	}
	if summary != "" {
		j.printf("    ; %s\n", summary)
	}
}

// Flush writes out what is buffered.
func (j *Writer) Flush() error {
	if j.err != nil {
		return j.err
	}
	return j.w.Flush()
}
