package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

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

// Names of the saved queries.
const (
	savedRepeat = "repeat"
	savedCash   = "cash"
	savedSplit  = "split"
)

// savedRepeatDays is N of "paid twice within N days" when ?days= is not
// given.
const savedRepeatDays = 30

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
	return paidMoreThanOnce(inScope(rq, ps), days), nil
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
	ps, err := db.Payments(ctx, rq.user.Book, pr.From, pr.To)
	if err != nil {
		return nil, nil, err
	}
	ps = slices.DeleteFunc(ps, func(p postgres.Payment) bool {
		return rq.user.Scope != "" && (p.Org == "" || !rq.books.InScope(rq.user.Scope, p.Org))
	})
	cfg := s.opt.AuditConfig
	return cashOver(ps, cfg.CashThreshold), splitPayments(ps, cfg.SplitWindowDays, func(org string) ledger.Money {
		return approvalThreshold(rq.books, org, cfg.SplitThreshold)
	}), nil
}

// cashOver keeps the payments in cash of at least t.
func cashOver(ps []postgres.Payment, t ledger.Money) []postgres.Payment {
	var out []postgres.Payment
	for _, p := range ps {
		if p.Cash && p.Amount.Cmp(t) >= 0 {
			out = append(out, p)
		}
	}
	return out
}

// splitPayments keeps the payments (ordered by organisation, payee and
// date) that make a split: two or more by one organisation to one payee,
// each below the organisation's threshold, the last at most days after the
// first, together at least the threshold.
func splitPayments(ps []postgres.Payment, days int, threshold func(org string) ledger.Money) []postgres.Payment {
	var out []postgres.Payment
	for i := 0; i < len(ps); {
		j := i
		for j < len(ps) && ps[j].Org == ps[i].Org && ps[j].Payee == ps[i].Payee {
			j++
		}
		g, t := ps[i:j], threshold(ps[i].Org)
		in := make([]bool, len(g))
		for a := range g {
			if ps[i].Payee == "" || g[a].Amount.Cmp(t) >= 0 {
				continue
			}
			sum, members := ledger.Zero, []int{}
			for b := a; b < len(g) && g[b].Date.Sub(g[a].Date) <= time.Duration(days)*24*time.Hour; b++ {
				if g[b].Amount.Cmp(t) < 0 {
					sum, members = sum.Add(g[b].Amount), append(members, b)
				}
			}
			if len(members) >= 2 && sum.Cmp(t) >= 0 {
				for _, m := range members {
					in[m] = true
				}
			}
		}
		for a := range g {
			if in[a] {
				out = append(out, g[a])
			}
		}
		i = j
	}
	return out
}

// approvalThreshold is the organisation's approval threshold, else its
// nearest ancestor's, else def (A-10's).
func approvalThreshold(b *ledger.Books, org string, def ledger.Money) ledger.Money {
	for o := b.Orgs[org]; o != nil; o = b.Orgs[o.Parent] {
		if o.ApprovalThreshold != nil {
			return *o.ApprovalThreshold
		}
		if o.Parent == "" || o.Parent == o.Code {
			break
		}
	}
	return def
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
