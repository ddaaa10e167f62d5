package ledger

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Flows of the special vouchers of a book's year (see
// migrations/00010_opening_year_close.sql, which enforces their rules).
const (
	// FlowOpening holds the balances at the start of the year (年初余额)
	// of a book that starts mid-year or moves from another system.
	FlowOpening = "opening"
	// FlowOpeningYTD holds the year's movements before the book's first
	// month (本年累计借方/贷方), so that 本年累计 includes them.
	FlowOpeningYTD = "opening_ytd"
	// FlowYearClose moves the year's income and expense into 党费结余
	// (结转).
	FlowYearClose = "year_close"
)

// Accounts of 党费结余 the year-end close moves a fund's result into.
const (
	AcctSurplusGeneral = "300101" // 党费结余—一般党费
	AcctSurplusSpecial = "300102" // 党费结余—专项党费
)

// OpeningFlow reports whether flow is one of the opening vouchers (期初).
func OpeningFlow(flow string) bool { return flow == FlowOpening || flow == FlowOpeningYTD }

// OpeningRow is one balance of a book's opening (期初余额): the balance of
// an account, organisation and fund at the start of the first open month,
// in the account's normal direction (a negative balance lies on the other
// side), and the year's debits and credits before that month.
type OpeningRow struct {
	Account    string `json:"account" yaml:"account"`
	Org        string `json:"org" yaml:"org"`
	Fund       string `json:"fund" yaml:"fund"`
	Balance    Money  `json:"balance" yaml:"balance"`
	YearDebit  Money  `json:"year_debit" yaml:"year_debit"`
	YearCredit Money  `json:"year_credit" yaml:"year_credit"`
}

// OpeningRowsMax bounds the rows of one opening.
const OpeningRowsMax = 1000

// openingHeaders maps the accepted column names (English or Chinese) to the
// fields of OpeningRow.
var openingHeaders = map[string]string{
	"account": "account", "科目": "account", "科目编码": "account",
	"org": "org", "organisation": "org", "党组织": "org",
	"fund": "fund", "资金来源": "fund",
	"balance": "balance", "opening_balance": "balance", "期初余额": "balance",
	"year_debit": "year_debit", "本年累计借方": "year_debit",
	"year_credit": "year_credit", "本年累计贷方": "year_credit",
}

// ParseOpeningCSV reads opening balances from CSV (UTF-8, a header row of
// account, org, fund, balance and optionally year_debit, year_credit — or
// 科目, 党组织, 资金来源, 期初余额, 本年累计借方, 本年累计贷方). Errors name
// the row (rows[N], counting data rows from 1) and the column.
func ParseOpeningCSV(r io.Reader) ([]OpeningRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, Errorf(EInvalid, "file", "the opening file has no header row")
	}
	cols := map[string]int{}
	for i, h := range head {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		f, ok := openingHeaders[strings.ToLower(h)]
		if !ok {
			return nil, Errorf(EInvalid, "file", "unknown column %q in the opening file", h)
		}
		cols[f] = i
	}
	for _, f := range []string{"account", "org", "fund", "balance"} {
		if _, ok := cols[f]; !ok {
			return nil, Errorf(EInvalid, "file", "the opening file lacks the column %s", f)
		}
	}
	var rows []OpeningRow
	for n := 1; ; n++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, Errorf(EInvalid, fmt.Sprintf("rows[%d]", n), "the opening file cannot be read: %v", err)
		}
		if n > OpeningRowsMax {
			return nil, Errorf(EInvalid, "rows", "an opening has at most %d rows", OpeningRowsMax)
		}
		get := func(f string) string {
			if i, ok := cols[f]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		row := OpeningRow{Account: get("account"), Org: get("org"), Fund: get("fund")}
		for _, m := range []struct {
			f   string
			dst *Money
		}{{"balance", &row.Balance}, {"year_debit", &row.YearDebit}, {"year_credit", &row.YearCredit}} {
			s := get(m.f)
			if s == "" {
				*m.dst = Zero
				continue
			}
			v, err := ParseMoney(s)
			if err != nil {
				return nil, Errorf(EInvalidAmount, fmt.Sprintf("rows[%d].%s", n, m.f), "%q is not an amount", s)
			}
			*m.dst = v
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// Summaries of the opening vouchers' lines.
const (
	OpeningSummary    = "期初余额（年初）"
	OpeningYTDSummary = "期初本年累计发生额"
)

// BuildOpening checks the opening balances rows of book b for its first
// open month, whose first day is date, and makes the two opening vouchers
// (drafts): the balances at the start of the year (FlowOpening) and, when
// the month is not January, the year's movements before it
// (FlowOpeningYTD; nil when there are none). The balances must balance per
// fund (the trial balance, unbalanced), the year's debits and credits too,
// and no restricted balance may be below zero at the month's start or the
// year's (insufficient_funds); each error names the row.
func BuildOpening(rows []OpeningRow, b *Books, date time.Time) (opening, ytd *Voucher, err error) {
	if len(rows) == 0 {
		return nil, nil, Errorf(EInvalid, "rows", "the opening has no rows")
	}
	if len(rows) > OpeningRowsMax {
		return nil, nil, Errorf(EInvalid, "rows", "an opening has at most %d rows", OpeningRowsMax)
	}
	if date.Day() != 1 {
		return nil, nil, Errorf(EInvalid, "date", "opening balances are dated the first day of the first open month")
	}
	type sums struct{ bal, yd, yc int64 }
	perFund := map[string]*sums{}
	var funds []string
	seen := map[BalanceKey]int{}
	opening = &Voucher{Book: b.Book.Code, Date: date, Flow: FlowOpening, Summary: OpeningSummary,
		Memo: fmt.Sprintf("期初余额：%d年年初", date.Year())}
	ytd = &Voucher{Book: b.Book.Code, Date: date, Flow: FlowOpeningYTD, Summary: OpeningYTDSummary,
		Memo: fmt.Sprintf("期初本年累计：%d年1月至%d月", date.Year(), int(date.Month())-1)}
	for i, r := range rows {
		f := fmt.Sprintf("rows[%d]", i+1)
		a := b.Chart[r.Account]
		if a == nil {
			return nil, nil, Errorf(ENotFound, f+".account", "account %s is not in the chart", r.Account)
		}
		if !a.Leaf {
			return nil, nil, Errorf(EInvalid, f+".account", "account %s (%s) is not a leaf account; post to one of its sub-accounts", a.Code, a.Name)
		}
		if b.Orgs[r.Org] == nil {
			return nil, nil, Errorf(ENotFound, f+".org", "organisation %s does not exist", r.Org)
		}
		if b.Funds[r.Fund] == nil {
			return nil, nil, Errorf(ENotFound, f+".fund", "fund %s does not exist", r.Fund)
		}
		k := BalanceKey{Account: r.Account, Org: r.Org, Fund: r.Fund}
		if j, dup := seen[k]; dup {
			return nil, nil, Errorf(EInvalid, f, "rows %d and %d are both for account %s, organisation %s, fund %s", j, i+1, r.Account, r.Org, r.Fund)
		}
		seen[k] = i + 1
		for name, m := range map[string]Money{"balance": r.Balance, "year_debit": r.YearDebit, "year_credit": r.YearCredit} {
			if !m.Equal(FromFen(m.Fen())) || m.Abs().Cmp(AmountMax) > 0 {
				return nil, nil, Errorf(EInvalidAmount, f+"."+name, "amount %s has more than 2 decimal places or exceeds 999,999,999,999.99", m)
			}
		}
		if r.YearDebit.Sign() < 0 || r.YearCredit.Sign() < 0 {
			return nil, nil, Errorf(EInvalidAmount, f+".year_debit", "the year's debits and credits are not negative")
		}
		if date.Month() == time.January && !(r.YearDebit.IsZero() && r.YearCredit.IsZero()) {
			return nil, nil, Errorf(EInvalid, f+".year_debit", "a book opened in January has no movements of the year before it")
		}
		// Debit positive: the balance now, and at the start of the year.
		bal := r.Balance.Fen()
		if a.Side == Credit {
			bal = -bal
		}
		yd, yc := r.YearDebit.Fen(), r.YearCredit.Fen()
		start := bal - yd + yc
		if a.Restricted && (bal < 0 || start < 0) {
			when := fmt.Sprintf("%04d-%02d-01", date.Year(), int(date.Month()))
			n := bal
			if bal >= 0 {
				when, n = fmt.Sprintf("%04d-01-01", date.Year()), start
			}
			return nil, nil, Errorf(EInsufficientFunds, f+".balance", "account %s (%s) of %s, fund %s, may not be below zero; it would be %s on %s",
				a.Code, a.Name, r.Org, r.Fund, FromFen(n).Format(), when)
		}
		s := perFund[r.Fund]
		if s == nil {
			s = &sums{}
			perFund[r.Fund] = s
			funds = append(funds, r.Fund)
		}
		s.bal, s.yd, s.yc = s.bal+bal, s.yd+yd, s.yc+yc
		line := Line{Account: r.Account, Org: r.Org, Fund: r.Fund, Purpose: a.Purpose}
		if start != 0 {
			l := line
			l.Summary = "年初余额"
			if start > 0 {
				l.Debit, l.Credit = FromFen(start), Zero
			} else {
				l.Debit, l.Credit = Zero, FromFen(-start)
			}
			opening.Lines = append(opening.Lines, l)
		}
		if yd != 0 {
			l := line
			l.Summary, l.Debit, l.Credit = "本年累计借方发生额", FromFen(yd), Zero
			ytd.Lines = append(ytd.Lines, l)
		}
		if yc != 0 {
			l := line
			l.Summary, l.Debit, l.Credit = "本年累计贷方发生额", Zero, FromFen(yc)
			ytd.Lines = append(ytd.Lines, l)
		}
	}
	for _, fc := range funds {
		s := perFund[fc]
		if s.bal != 0 {
			return nil, nil, Errorf(EUnbalanced, "rows", "the opening balances of fund %s do not balance: debit minus credit is %s", fc, FromFen(s.bal).Format())
		}
		if s.yd != s.yc {
			return nil, nil, Errorf(EUnbalanced, "rows", "the year's movements of fund %s do not balance: debit %s, credit %s", fc, FromFen(s.yd).Format(), FromFen(s.yc).Format())
		}
	}
	if len(opening.Lines) == 0 && len(ytd.Lines) == 0 {
		return nil, nil, Errorf(EInvalid, "rows", "every opening balance is zero")
	}
	for _, v := range []*Voucher{opening, ytd} {
		if len(v.Lines) > LinesMax {
			return nil, nil, Errorf(EInvalid, "rows", "an opening voucher has at most %d lines; this opening needs %d", LinesMax, len(v.Lines))
		}
	}
	if len(opening.Lines) == 0 {
		opening = nil
	}
	if len(ytd.Lines) == 0 {
		ytd = nil
	}
	return opening, ytd, nil
}

// KeyBalance is a stored balance, in fen, debit positive.
type KeyBalance struct {
	Key BalanceKey
	Fen int64
}

// SurplusAccount is the account of 党费结余 a fund's result is closed into:
// 300102 for special (earmarked) funds, 300101 otherwise.
func SurplusAccount(f *Fund) string {
	if f.Kind.Special() {
		return AcctSurplusSpecial
	}
	return AcctSurplusGeneral
}

// BuildYearClose makes the closing vouchers (结转) of year: given the
// income and expense balances up to 31 December (bal), a voucher per fund
// dated 31 December that brings each of them to zero against 党费结余 of
// the same organisation and fund, so that special funds' unspent balances
// stay earmarked. A fund with more lines than a voucher holds is split
// between organisations. Balances of other accounts are ignored; no
// voucher is made when every balance is zero.
func BuildYearClose(year int, bal []KeyBalance, b *Books) []*Voucher {
	type orgFund struct{ fund, org string }
	byOrg := map[orgFund][]KeyBalance{}
	var keys []orgFund
	for _, kb := range bal {
		a := b.Chart[kb.Key.Account]
		if kb.Fen == 0 || a == nil || a.Type != Income && a.Type != Expense || b.Funds[kb.Key.Fund] == nil {
			continue
		}
		k := orgFund{kb.Key.Fund, kb.Key.Org}
		if _, ok := byOrg[k]; !ok {
			keys = append(keys, k)
		}
		byOrg[k] = append(byOrg[k], kb)
	}
	slices.SortFunc(keys, func(x, y orgFund) int {
		if c := strings.Compare(x.fund, y.fund); c != 0 {
			return c
		}
		return strings.Compare(x.org, y.org)
	})
	date := time.Date(year, time.December, 31, 0, 0, 0, 0, time.UTC)
	var out []*Voucher
	var cur *Voucher
	for _, k := range keys {
		f := b.Funds[k.fund]
		kbs := byOrg[k]
		slices.SortFunc(kbs, func(x, y KeyBalance) int { return strings.Compare(x.Key.Account, y.Key.Account) })
		var lines []Line
		var net int64
		for _, kb := range kbs {
			a := b.Chart[kb.Key.Account]
			l := Line{Summary: fmt.Sprintf("结转%d年%s", year, a.Name), Account: kb.Key.Account, Org: k.org, Fund: k.fund, Purpose: a.Purpose}
			// The line brings the balance to zero.
			if kb.Fen > 0 {
				l.Debit, l.Credit = Zero, FromFen(kb.Fen)
			} else {
				l.Debit, l.Credit = FromFen(-kb.Fen), Zero
			}
			lines = append(lines, l)
			net += kb.Fen
		}
		if net != 0 {
			s := Line{Summary: fmt.Sprintf("%d年收支结余转入党费结余", year), Account: SurplusAccount(f), Org: k.org, Fund: k.fund}
			if net > 0 {
				s.Debit, s.Credit = FromFen(net), Zero
			} else {
				s.Debit, s.Credit = Zero, FromFen(-net)
			}
			lines = append(lines, s)
		}
		if cur == nil || cur.Lines[0].Fund != k.fund || len(cur.Lines)+len(lines) > LinesMax {
			cur = &Voucher{Book: b.Book.Code, Date: date, Flow: FlowYearClose, Closing: true,
				Summary: fmt.Sprintf("结转%d年度%s收入、支出", year, f.Name), Memo: fmt.Sprintf("年结：%d", year)}
			out = append(out, cur)
		}
		cur.Lines = append(cur.Lines, lines...)
	}
	return out
}

// CanOpenBook refuses a user who is not an admin of the whole book: the
// opening balances reach every branch.
func CanOpenBook(u *User) error {
	return CanActBookWide(u, "enter opening balances (期初余额)")
}

// CanCloseYear refuses u unless u is the batch identity or an admin of the
// whole book: the year-end close (结转) reaches every branch.
func CanCloseYear(u *User) error {
	if u == nil || u.Name == SystemUser {
		return nil
	}
	return CanActBookWide(u, "close the year (年结)")
}

// CanReopenYear refuses a user who is not an admin of the whole book; the
// batch identity closes years but never re-opens one.
func CanReopenYear(u *User) error {
	if u == nil || u.Name == SystemUser {
		return Errorf(EForbidden, "user", "the batch identity %s closes years but never re-opens one", SystemUser)
	}
	return CanActBookWide(u, "re-open a closed year")
}
