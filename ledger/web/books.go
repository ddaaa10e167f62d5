package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// 账簿: 科目余额表, 明细账 and the balances by the organisation tree, read
// from the stored balances (postgres.Balances) and the posted vouchers
// (postgres.SearchVouchers); a scoped user reads their subtree only.

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

// postedVouchers reads every posted voucher f selects, page by page.
func (s *Server) postedVouchers(ctx context.Context, f postgres.VoucherSearch) ([]*ledger.Voucher, error) {
	f.Statuses, f.Limit = []string{"posted"}, postgres.ListLimitMax
	var out []*ledger.Voucher
	for {
		vs, err := s.db.SearchVouchers(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
		if len(vs) < f.Limit {
			return out, nil
		}
		f.AfterID = vs[len(vs)-1].ID
	}
}

// inSubtree reports whether org is org root or below it ("" is the book).
func inSubtree(b *ledger.Books, root, org string) bool {
	return root == "" || slices.Contains(b.Ancestors(org), root)
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
	opening, err := s.db.Balances(r.Context(), rq.user.Book, org, fund, pr.From.AddDate(0, 0, -1))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	closing, err := s.db.Balances(r.Context(), rq.user.Book, org, fund, pr.To)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	vs, err := s.postedVouchers(r.Context(), postgres.VoucherSearch{Book: rq.user.Book, From: pr.From, To: pr.To, Org: org, Fund: fund})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	open, shut := sumByAccount(opening), sumByAccount(closing)
	dr, cr := map[string]ledger.Money{}, map[string]ledger.Money{}
	for _, v := range vs {
		for _, l := range v.Lines {
			if inSubtree(rq.books, org, l.Org) && (fund == "" || l.Fund == fund) {
				dr[l.Account] = dr[l.Account].Add(l.Debit)
				cr[l.Account] = cr[l.Account].Add(l.Credit)
			}
		}
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
	Rows                       []ledgerRow
	MonthDebit, MonthCredit    ledger.Money
	YearDebit, YearCredit      ledger.Money
	Closing                    signed
}

// ledgerPage answers GET /books/ledger?account=&org=&fund=&period=: 明细账
// with the running balance, 本月合计 and 本年累计.
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
	yearStart := time.Date(pr.From.Year(), 1, 1, 0, 0, 0, 0, pr.From.Location())
	before, err := s.db.Balances(r.Context(), rq.user.Book, org, fund, yearStart.AddDate(0, 0, -1))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	vs, err := s.postedVouchers(r.Context(), postgres.VoucherSearch{Book: rq.user.Book, From: yearStart, To: pr.To, Org: org, Fund: fund})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	slices.SortStableFunc(vs, func(a, b *ledger.Voucher) int {
		if c := a.Date.Compare(b.Date); c != 0 {
			return c
		}
		return a.Number - b.Number
	})
	bal := sumByAccount(before)[account]
	d := ledgerData{Period: p, Account: account, Org: org, Fund: fund}
	for _, v := range vs {
		for _, l := range v.Lines {
			if l.Account != account || !inSubtree(rq.books, org, l.Org) || (fund != "" && l.Fund != fund) {
				continue
			}
			if v.Date.Before(pr.From) {
				bal = bal.Add(l.Debit).Sub(l.Credit)
				d.YearDebit, d.YearCredit = d.YearDebit.Add(l.Debit), d.YearCredit.Add(l.Credit)
				continue
			}
			if len(d.Rows) == 0 && d.Opening.Dir == "" {
				d.Opening = direction(bal)
			}
			bal = bal.Add(l.Debit).Sub(l.Credit)
			d.MonthDebit, d.MonthCredit = d.MonthDebit.Add(l.Debit), d.MonthCredit.Add(l.Credit)
			summary := l.Summary
			if summary == "" {
				summary = v.Summary
			}
			d.Rows = append(d.Rows, ledgerRow{Date: v.Date, VoucherID: v.ID, Word: v.Word(), Summary: summary, Debit: l.Debit, Credit: l.Credit,
				Balance: direction(bal)})
		}
	}
	if d.Opening.Dir == "" {
		d.Opening = direction(bal.Sub(d.MonthDebit).Add(d.MonthCredit))
	}
	d.YearDebit, d.YearCredit = d.YearDebit.Add(d.MonthDebit), d.YearCredit.Add(d.MonthCredit)
	d.Closing = direction(bal)
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
