package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/recon"
)

// The overview of the auditors' workbench (审计总览): the period's control
// totals of the special funds (posted vouchers, as the reconciliation
// reads them), the recorded findings by severity and state, the last
// recorded run of the audit rules and the period seal. The page reads
// what is stored; re-running the rules is a POST.

// figure is an amount of the overview with the vouchers behind it.
type figure struct {
	Label string
	Money ledger.Money
	Link  string // /vouchers?… ("" when no filter yields exactly them)
}

type findingCount struct {
	Severity, SeverityName string
	ByState                map[string]int
	Links                  map[string]string
}

type overviewData struct {
	Period   string
	Range    ledger.PeriodRange
	Totals   *recon.Totals // nil for a user of one branch (the totals are the book's)
	Income   []figure
	Spent    []figure
	Unspent  []figure // 已拨未用 (121801) per organisation at the period's end
	Findings []findingCount
	States   []string
	Run      postgres.AuditRun
	HasRun   bool
	Seal     string // the month's seal head, "" when not sealed or not one month
	CanRun   bool
}

// overviewPeriod is ?period= or the current month.
func (s *Server) overviewPeriod(r *http.Request) (string, ledger.PeriodRange, error) {
	p := r.FormValue("period")
	if p == "" {
		p = ledger.InZone(s.db.Now(), s.opt.TimeZone).Format("2006-01")
	}
	pr, err := ledger.ParsePeriod(p)
	return p, pr, err
}

func vouchersLink(q url.Values) string { return "/vouchers?" + q.Encode() }

// auditOverview answers GET /audit?period= for an auditor or an admin.
func (s *Server) auditOverview(w http.ResponseWriter, r *http.Request) {
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
	ctx := r.Context()
	rdb := s.reader(ctx) // one choice of database (and one wait for the replica) per page
	d := overviewData{Period: period, Range: pr, CanRun: true,
		States: []string{audit.FindingOpen, audit.FindingAcknowledged, audit.FindingRectified}}
	posted := func(extra url.Values) string {
		q := url.Values{"period": {period}, "status": {string(ledger.StatusPosted)}}
		for k, v := range extra {
			q[k] = v
		}
		return vouchersLink(q)
	}
	if rq.user.Scope == "" {
		if d.Totals, err = rdb.Totals(ctx, rq.user.Book, pr.From, pr.To); err != nil {
			s.fail(w, r, err)
			return
		}
		t := d.Totals
		d.Income = []figure{
			{Label: ledger.FundUpper.Name(), Money: orZero(t.IncomeByKind[ledger.FundUpper])},
			{Label: ledger.FundMatching.Name(), Money: orZero(t.IncomeByKind[ledger.FundMatching])},
			{Label: "合计", Money: t.Income},
		}
		for _, p := range ledger.Purposes {
			d.Spent = append(d.Spent, figure{Label: p.Name(), Money: orZero(t.SpentByPurpose[p]), Link: posted(url.Values{"purpose": {string(p)}})})
		}
	}
	bals, err := rdb.Balances(ctx, rq.user.Book, rq.user.Scope, "", pr.To)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	unspent := map[string]ledger.Money{}
	var orgs []string
	for _, b := range bals {
		if b.Account != ledger.AcctPending || b.Own.IsZero() {
			continue
		}
		if f := rq.books.Funds[b.Fund]; f == nil || !f.Kind.Special() {
			continue
		}
		if _, ok := unspent[b.Org]; !ok {
			orgs = append(orgs, b.Org)
			unspent[b.Org] = ledger.Zero
		}
		unspent[b.Org] = unspent[b.Org].Add(b.Own)
	}
	for _, o := range orgs {
		d.Unspent = append(d.Unspent, figure{Label: rq.view.OrgName(o), Money: unspent[o],
			Link: vouchersLink(url.Values{"org": {o}, "to": {pr.To.Format(time.DateOnly)}, "status": {string(ledger.StatusPosted)}})})
	}
	fs, err := s.findingRows(ctx, rq, postgres.FindingFilter{Period: &pr})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, sev := range []string{audit.SeverityHigh, audit.SeverityMedium, audit.SeverityLow} {
		c := findingCount{Severity: sev, SeverityName: audit.SeverityName(sev), ByState: map[string]int{}, Links: map[string]string{}}
		for _, st := range d.States {
			c.Links[st] = "/audit/findings?" + url.Values{"period": {period}, "severity": {sev}, "state": {st}}.Encode()
		}
		for _, f := range fs {
			if f.Severity == sev {
				c.ByState[f.State]++
			}
		}
		d.Findings = append(d.Findings, c)
	}
	if d.Run, d.HasRun, err = rdb.LastAuditRun(ctx, rq.user.Book, pr); err != nil {
		s.fail(w, r, err)
		return
	}
	if pr.From.Year() == pr.To.Year() && pr.From.Month() == pr.To.Month() {
		if _, head, err := rdb.PeriodSeal(ctx, rq.user.Book, pr.From.Year(), int(pr.From.Month())); err == nil {
			d.Seal = head
		}
	}
	notice := ""
	if r.URL.Query().Get("done") == "run" {
		notice = "已重新执行审计规则"
	}
	s.render(w, r, http.StatusOK, "audit_overview", page{Title: "审计总览", Menu: "audit", Notice: notice, Data: d})
}

// auditRun answers POST /audit/run (period): evaluates the audit rules
// over the period as of its last day and records the findings, as the
// API's POST /api/v1/audit-runs does; then back to the overview.
func (s *Server) auditRun(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	if err := ledger.CanAudit(rq.user, "run the audit rules"); err != nil {
		s.fail(w, r, err)
		return
	}
	period, pr, err := s.overviewPeriod(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in, err := s.db.AuditInput(r.Context(), rq.user.Book, pr.From, pr.To)
	if err == nil {
		_, err = s.db.RecordFindings(r.Context(), rq.user.Book, pr, audit.Evaluate(in, s.opt.AuditConfig), s.db.Now())
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/audit?"+url.Values{"period": {period}, "done": {"run"}}.Encode(), http.StatusSeeOther)
}

func orZero(m ledger.Money) ledger.Money {
	if m.Decimal().IsZero() {
		return ledger.Zero
	}
	return m
}
