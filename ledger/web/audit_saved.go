package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// The auditors' saved queries (常用查询) on /audit/search?saved=…&period=:
// the people paid more than once (by several organisations, or twice
// within N days), the payments in cash of at least the large-cash
// threshold (A-09's), and the split payments (A-10's: two or more
// payments by one organisation to one payee, each below the approval
// threshold, within the window, together at least the threshold). The
// overview shows each one's count (savedCounts), linking to its result.

// Names of the saved queries, and N of "paid twice within N days" when
// ?days= is not given.
const (
	savedRepeat     = postgres.SavedRepeat
	savedCash       = postgres.SavedCash
	savedSplit      = postgres.SavedSplit
	savedRepeatDays = postgres.SavedRepeatDays
)

var savedQueryNames = map[string]string{savedRepeat: "重复领取", savedCash: "大额现金支付", savedSplit: "拆分支付"}

type savedQueryCount struct {
	Name, Title, Link string
	Count             int
}

// savedLink is the link of saved query name over period.
func savedLink(name, period string) string {
	q := url.Values{"saved": {name}, "period": {period}}
	if name == savedRepeat {
		q.Set("days", strconv.Itoa(savedRepeatDays))
	}
	return "/audit/search?" + q.Encode()
}

// savedQueryCounts counts each saved query's results over the period for
// the user.
func (s *Server) savedQueryCounts(ctx context.Context, db *postgres.DB, rq *request, period string, pr ledger.PeriodRange) ([]savedQueryCount, error) {
	reps, err := s.repeatedPayments(ctx, db, rq, pr, savedRepeatDays)
	if err != nil {
		return nil, err
	}
	cash, split, err := s.savedPayments(ctx, db, rq, pr)
	if err != nil {
		return nil, err
	}
	out := []savedQueryCount{{Name: savedRepeat, Count: len(reps)}, {Name: savedCash, Count: len(cash)}, {Name: savedSplit, Count: len(split)}}
	for i := range out {
		out[i].Title, out[i].Link = savedQueryNames[out[i].Name], savedLink(out[i].Name, period)
	}
	return out, nil
}

// repeatedPayments are the beneficiary rows of the people paid more than
// once in the period, within the user's scope.
func (s *Server) repeatedPayments(ctx context.Context, db *postgres.DB, rq *request, pr ledger.PeriodRange, days int) ([]postgres.BeneficiaryPayment, error) {
	ps, err := db.SearchBeneficiaries(ctx, postgres.BeneficiarySearch{Book: rq.user.Book, Repeated: true, From: pr.From, To: pr.To})
	if err != nil {
		return nil, err
	}
	return postgres.PaidMoreThanOnce(inScope(rq, ps), days), nil
}

func inScope(rq *request, ps []postgres.BeneficiaryPayment) []postgres.BeneficiaryPayment {
	var rows []postgres.BeneficiaryPayment
	for _, p := range ps {
		if rq.user.Scope == "" || p.Org != "" && rq.books.InScope(rq.user.Scope, p.Org) {
			rows = append(rows, p)
		}
	}
	return rows
}

// savedPayments are the period's cash payments over the threshold and its
// split payments, within the user's scope.
func (s *Server) savedPayments(ctx context.Context, db *postgres.DB, rq *request, pr ledger.PeriodRange) (cash, split []postgres.Payment, err error) {
	cash, split, err = db.SavedPayments(ctx, rq.books, pr, s.opt.AuditConfig)
	if err != nil {
		return nil, nil, err
	}
	out := func(p postgres.Payment) bool {
		return rq.user.Scope != "" && (p.Org == "" || !rq.books.InScope(rq.user.Scope, p.Org))
	}
	return slices.DeleteFunc(cash, out), slices.DeleteFunc(split, out), nil
}

// savedCounts answers GET /audit/saved-counts?period=: each saved query's
// count over the period for the user, as JSON ({"repeat": 0, "cash": 1,
// "split": 2}), which the overview's script writes beside its links.
func (s *Server) savedCounts(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	if err := ledger.CanAudit(rq.user, "open the audit overview"); err != nil {
		s.fail(w, r, err)
		return
	}
	period, pr, err := s.overviewPeriod(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cs, err := s.savedQueryCounts(r.Context(), s.reader(r.Context()), rq, period, pr)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := map[string]int{}
	for _, c := range cs {
		out[c.Name] = c.Count
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(out)
}
