package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// 账簿: 科目余额表, 明细账 and the balances by the organisation tree: the
// balances from the stored ones (postgres.Balances), the debits and
// credits of a range summed in SQL (postgres.Turnover, postgres.Ledger),
// the 明细账 keyset-paged; a scoped user reads their subtree only.

// signed is a balance shown with its direction: 借, 贷 or 平, never a
// negative credit balance.
type signed struct {
	Dir    string
	Amount ledger.Money
}

func direction(m ledger.Money) signed {
	switch {
	case m.Sign() > 0:
		return signed{"借", m}
	case m.Sign() < 0:
		return signed{"贷", m.Neg()}
	}
	return signed{"平", m}
}

// booksPeriod reads ?period= (a month; this month by default).
func (s *Server) booksPeriod(r *http.Request) (string, ledger.PeriodRange, error) {
	p := r.URL.Query().Get("period")
	if p == "" {
		p = ledger.Today(s.db.Now(), s.opt.TimeZone).Format("2006-01")
	}
	pr, err := ledger.ParsePeriod(p)
	return p, pr, err
}

// booksOrg is ?org= checked against the user's scope (the scope, or the
// whole book, by default).
func booksOrg(r *http.Request) (string, error) {
	rq := current(r)
	org := r.URL.Query().Get("org")
	if org == "" {
		return rq.user.Scope, nil
	}
	if rq.books.Orgs[org] == nil {
		return "", ledger.Errorf(ledger.ENotFound, "org", "organisation %s does not exist", org)
	}
	if !rq.books.InScope(rq.user.Scope, org) {
		return "", ledger.Errorf(ledger.EForbidden, "org", "%s may read only the books of %s", rq.user.Name, rq.user.Scope)
	}
	return org, nil
}

// subtree lists org and the organisations below it; nil for "" (the
// whole book), which the reads take as every organisation.
func subtree(b *ledger.Books, org string) []string {
	if org == "" {
		return nil
	}
	var out []string
	for code := range b.Orgs {
		if slices.Contains(b.Ancestors(code), org) {
			out = append(out, code)
		}
	}
	slices.Sort(out)
	return out
}

// sumByAccount adds the own balances of rows by account.
func sumByAccount(rows []postgres.BalanceRow) map[string]ledger.Money {
	out := map[string]ledger.Money{}
	for _, r := range rows {
		out[r.Account] = out[r.Account].Add(r.Own)
	}
	return out
}

type trialRow struct {
	Account          string
	Opening, Closing signed
	Debit, Credit    ledger.Money
	LedgerURL        string
}

type trialData struct {
	Period, Org, Fund string
	Orgs              []option // the organisations of the user's scope, to choose one
	Rows              []trialRow
	Debit, Credit     ledger.Money
}

// balancesPage answers GET /books/balances?period=&org=&fund=: 科目余额表.
func (s *Server) balancesPage(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	p, pr, err := s.booksPeriod(r)
	if err == nil {
		_, err = booksOrg(r)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	org, _ := booksOrg(r)
	fund := r.URL.Query().Get("fund")
	// The closing balances from the stored ones; the month's debits and
	// credits summed in SQL; the opening balances are the closing ones
	// less the month's movement.
	closing, err := s.db.Balances(r.Context(), rq.user.Book, org, fund, pr.To)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	turnover, err := s.db.Turnover(r.Context(), rq.user.Book, subtree(rq.books, org), fund, pr.From, pr.To)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	shut := sumByAccount(closing)
	dr, cr := map[string]ledger.Money{}, map[string]ledger.Money{}
	for _, t := range turnover {
		dr[t.Account], cr[t.Account] = t.Debit, t.Credit
	}
	open := map[string]ledger.Money{}
	for c, m := range shut {
		open[c] = m
	}
	for c := range dr {
		open[c] = open[c].Sub(dr[c]).Add(cr[c])
	}
	codes := map[string]bool{}
	for _, m := range []map[string]ledger.Money{open, shut, dr, cr} {
		for c, a := range m {
			if !a.IsZero() {
				codes[c] = true
			}
		}
	}
	d := trialData{Period: p, Org: org, Fund: fund}
	for _, o := range rq.books.Orgs {
		if o.Kind != ledger.OrgExternal && rq.books.InScope(rq.user.Scope, o.Code) {
			d.Orgs = append(d.Orgs, option{o.Code, o.Name})
		}
	}
	slices.SortFunc(d.Orgs, func(a, b option) int { return strings.Compare(a.Code, b.Code) })
	for c := range codes {
		q := url.Values{"account": {c}, "period": {p}}
		if org != "" {
			q.Set("org", org)
		}
		if fund != "" {
			q.Set("fund", fund)
		}
		d.Rows = append(d.Rows, trialRow{Account: c, Opening: direction(open[c]), Closing: direction(shut[c]), Debit: dr[c], Credit: cr[c],
			LedgerURL: "/books/ledger?" + q.Encode()})
		d.Debit, d.Credit = d.Debit.Add(dr[c]), d.Credit.Add(cr[c])
	}
	slices.SortFunc(d.Rows, func(a, b trialRow) int { return strings.Compare(a.Account, b.Account) })
	s.render(w, r, http.StatusOK, "books_balances", page{Title: "科目余额表", Menu: "books", Data: d})
}

// ledgerPageSize is the lines of one page of a 明细账.
const ledgerPageSize = 200

type ledgerRow struct {
	Date      time.Time
	VoucherID int64
	Word      string
	Summary   string
	Debit     ledger.Money
	Credit    ledger.Money
	Balance   signed
}

type ledgerData struct {
	Period, Account, Org, Fund string
	Opening                    signed
	Carried                    bool // a later page: the first row is the balance carried from the page before
	Rows                       []ledgerRow
	MonthDebit, MonthCredit    ledger.Money
	YearDebit, YearCredit      ledger.Money
	Closing                    signed
	Next                       string // the next page's URL, "" on the last
}

// parseLedgerCursor reads ?after= of a 明细账: the date, voucher number,
// voucher id and line number of the previous page's last line.
func parseLedgerCursor(a string) (*postgres.LedgerCursor, error) {
	if a == "" {
		return nil, nil
	}
	bad := ledger.Errorf(ledger.EInvalid, "after", "after is the last line of the previous page")
	f := strings.Split(a, "_")
	if len(f) != 4 {
		return nil, bad
	}
	d, err := ledger.ParseDate(f[0])
	if err != nil {
		return nil, bad
	}
	c := &postgres.LedgerCursor{Date: d}
	if c.Number, err = strconv.Atoi(f[1]); err != nil {
		return nil, bad
	}
	if c.VoucherID, err = strconv.ParseInt(f[2], 10, 64); err != nil {
		return nil, bad
	}
	if c.LineNo, err = strconv.Atoi(f[3]); err != nil {
		return nil, bad
	}
	return c, nil
}

func formatLedgerCursor(c postgres.LedgerCursor) string {
	return fmt.Sprintf("%s_%d_%d_%d", c.Date.Format(time.DateOnly), c.Number, c.VoucherID, c.LineNo)
}

// ledgerPage answers GET /books/ledger?account=&org=&fund=&period=&after=:
// 明细账 with the running balance, 本月合计 and 本年累计, keyset-paged
// (下一页 carries the last line's place).
func (s *Server) ledgerPage(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	q := r.URL.Query()
	p, pr, err := s.booksPeriod(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	org, err := booksOrg(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	account, fund := q.Get("account"), q.Get("fund")
	if rq.books.Chart[account] == nil {
		s.fail(w, r, ledger.Errorf(ledger.ENotFound, "account", "account %s does not exist", account))
		return
	}
	after, err := parseLedgerCursor(q.Get("after"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if fund != "" && rq.books.Funds[fund] == nil {
		s.fail(w, r, ledger.Errorf(ledger.ENotFound, "fund", "fund %s does not exist", fund))
		return
	}
	// The balance at the month's end is the key's stored balances less
	// its later lines; the rest is the month's and the year's lines of
	// the key, summed in SQL.
	yearStart := time.Date(pr.From.Year(), 1, 1, 0, 0, 0, 0, pr.From.Location())
	lp, err := s.db.Ledger(r.Context(), postgres.LedgerQuery{Book: rq.user.Book, Account: account, Fund: fund, Orgs: subtree(rq.books, org),
		YearStart: yearStart, From: pr.From, To: pr.To, After: after, Limit: ledgerPageSize})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	end := lp.Closing
	opening := end.Sub(lp.MonthDebit).Add(lp.MonthCredit)
	d := ledgerData{Period: p, Account: account, Org: org, Fund: fund, Opening: direction(opening), Carried: after != nil,
		MonthDebit: lp.MonthDebit, MonthCredit: lp.MonthCredit, YearDebit: lp.YearDebit, YearCredit: lp.YearCredit, Closing: direction(end)}
	bal := opening.Add(lp.BeforePage)
	if after != nil {
		d.Opening = direction(bal)
	}
	for _, l := range lp.Lines {
		bal = bal.Add(l.Debit).Sub(l.Credit)
		d.Rows = append(d.Rows, ledgerRow{Date: l.Date, VoucherID: l.VoucherID, Word: l.Word(), Summary: l.Summary, Debit: l.Debit, Credit: l.Credit,
			Balance: direction(bal)})
	}
	if lp.More {
		next := r.URL.Query()
		next.Set("after", formatLedgerCursor(lp.Lines[len(lp.Lines)-1].LedgerCursor))
		d.Next = withQuery("/books/ledger", next)
	}
	s.render(w, r, http.StatusOK, "books_ledger", page{Title: "明细账", Menu: "books", Data: d})
}

type orgBalanceRow struct {
	Org     string
	Depth   int
	Account string
	Fund    string
	Balance signed
}

type orgBalancesData struct {
	AsOf time.Time
	Rows []orgBalanceRow
}

// orgBalancesPage answers GET /books/orgs?as_of=: the balances by the
// organisation tree, each organisation's rolled up over its subtree.
func (s *Server) orgBalancesPage(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	asOf := ledger.Today(s.db.Now(), s.opt.TimeZone)
	if a := r.URL.Query().Get("as_of"); a != "" {
		t, err := time.Parse(time.DateOnly, a)
		if err != nil {
			s.fail(w, r, ledger.Errorf(ledger.EInvalid, "as_of", "date %q is not a date like 2020-02-05", a))
			return
		}
		asOf = t
	}
	rows, err := s.db.Balances(r.Context(), rq.user.Book, rq.user.Scope, "", asOf)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := orgBalancesData{AsOf: asOf}
	for _, row := range rows {
		if row.Total.IsZero() {
			continue
		}
		d.Rows = append(d.Rows, orgBalanceRow{Org: row.Org, Depth: row.Depth, Account: row.Account, Fund: row.Fund, Balance: direction(row.Total)})
	}
	s.render(w, r, http.StatusOK, "books_orgs", page{Title: "组织余额", Menu: "books", Data: d})
}
