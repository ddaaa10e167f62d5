package web

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/recon"
)

// The overview of the auditors' workbench (审计总览): over a month, a range
// or a year, for the whole book or a subtree in the user's scope (?org=),
// the special funds' control totals as the reconciliation defines them
// (received 上级下拨 and matching 本级配套 with their 大写, allocated,
// returned, spent per purpose), per organisation what was allocated,
// spent, returned and is unspent with its 滞留 days, the conservation per
// fund at the period's end, the findings by severity and state, the
// saved queries' counts, the last recorded verify and audit runs and the
// period seal. Every figure links to /vouchers with the filter that yields
// exactly its vouchers (穿透查询, audit_drill.go), where they are counted.
// The figures come from the turnover by day (TotalsByDay, BranchFigures,
// ConservationAt): a view costs the book's keys and days, not its lines.
// The page reads what is stored; re-running the rules or the chain check
// is a POST.

// Measures of a figure: how the lines of its vouchers add up to it.
const (
	measureDebit       = "debit"
	measureCredit      = "credit"
	measureDebitNet    = "debit-credit"
	measureCreditNet   = "credit-debit"
	overviewSpentAccts = "5001" // the purpose accounts 5001xx
)

// figure is an amount of the overview with the vouchers behind it.
type figure struct {
	Label   string
	Money   ledger.Money
	Link    string // /vouchers?… yielding exactly its vouchers
	Measure string // how the linked lines add up to Money
}

type findingCount struct {
	Severity, SeverityName string
	ByState                map[string]int
	Links                  map[string]string
}

// branchRow is one organisation's special money.
type branchRow struct {
	Org, Name                           string
	Allocated, Spent, Returned, Unspent figure
	Days                                int // 滞留: days the unspent money has waited
	Since                               time.Time
	DaysLink                            string // the organisation's allocations
}

// fundRow is the conservation of one special fund at the period's end.
type fundRow struct {
	Fund, Name                                    string
	Income, Bank, Pending, Spent, Grants, Carried figure
	Holds                                         bool
}

type overviewData struct {
	Period, Org, OrgName string
	Range                ledger.PeriodRange
	BookWide             bool          // the book's own totals are shown
	Totals               *recon.Totals // nil unless BookWide
	Income               []figure      // 上级下拨, 本级配套, 合计
	Flows                []figure      // allocated, returned, spent per purpose and in all, at the end
	VouchersLink         string
	Branches             []branchRow
	BranchTotal          *branchRow // the subtree's sum
	Funds                []fundRow
	Findings             []findingCount
	States               []string
	Queries              []savedQueryCount
	CountsAt             time.Time // the audit run that counted Queries
	CountsURL            string    // the counts, as JSON, when no audit run of the period counted them
	Run                  postgres.AuditRun
	HasRun               bool
	Verify               postgres.VerifyRun
	HasVerify, CanVerify bool
	Seal                 string // the seal recorded when the month was closed, "" while open or not one month
	CanRun               bool
	Orgs                 []*ledger.Organisation
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

// overviewOrg is ?org= within the user's scope, or the scope.
func overviewOrg(r *http.Request, rq *request) (string, error) {
	org := r.FormValue("org")
	if org == "" {
		return rq.user.Scope, nil
	}
	if rq.books.Orgs[org] == nil {
		return "", ledger.Errorf(ledger.ENotFound, "org", "organisation %s does not exist", org)
	}
	if !rq.books.InScope(rq.user.Scope, org) {
		return "", ledger.Errorf(ledger.EForbidden, "org", "%s may act only within %s; %s is outside", rq.user.Name, rq.user.Scope, org)
	}
	return org, nil
}

func vouchersLink(q url.Values) string { return "/vouchers?" + q.Encode() }

// drillLink is the link of a figure: posted vouchers of the period (or,
// with atEnd, up to its last day) with the line filters of extra.
func drillLink(period string, pr ledger.PeriodRange, atEnd bool, extra url.Values) string {
	q := url.Values{"status": {string(ledger.StatusPosted)}}
	if atEnd {
		q.Set("to", pr.To.Format(time.DateOnly))
	} else {
		q.Set("period", period)
	}
	for k, v := range extra {
		q[k] = v
	}
	return vouchersLink(q)
}

// auditOverview answers GET /audit?period=&org= for an auditor or an admin.
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
	org, err := overviewOrg(r, rq)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rdb := s.reader(r.Context()) // one choice of database (and one wait for the replica) per page
	d, err := s.overview(r.Context(), rdb, rq, period, pr, org)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	notice := map[string]string{"run": "已重新执行审计规则", "verify": "已重新校验防篡改链"}[r.URL.Query().Get("done")]
	s.render(w, r, http.StatusOK, "audit_overview", page{Title: "审计总览", Menu: "audit", Notice: notice, Data: d})
}

// overview reads the page's figures.
func (s *Server) overview(ctx context.Context, rdb *postgres.DB, rq *request, period string, pr ledger.PeriodRange, org string) (*overviewData, error) {
	root := rq.books.Root()
	d := &overviewData{Period: period, Range: pr, Org: org, CanRun: true,
		BookWide:  rq.user.Scope == "" && (org == "" || root != nil && org == root.Code),
		CanVerify: rq.user.Scope == "",
		States:    []string{audit.FindingOpen, audit.FindingAcknowledged, audit.FindingRectified}}
	if org != "" {
		d.OrgName = rq.view.OrgName(org)
	}
	for _, o := range rq.view.ScopeOrgs() {
		if rq.books.InScope(rq.user.Scope, o.Code) && o.Kind != ledger.OrgExternal {
			d.Orgs = append(d.Orgs, o)
		}
	}
	special := url.Values{"kind": {"special"}}
	with := func(a, b url.Values) url.Values {
		q := url.Values{}
		for _, m := range []url.Values{a, b} {
			for k, v := range m {
				q[k] = v
			}
		}
		return q
	}
	if d.BookWide {
		t, err := rdb.TotalsByDay(ctx, rq.user.Book, pr.From, pr.To)
		if err != nil {
			return nil, err
		}
		d.Totals = t
		d.VouchersLink = drillLink(period, pr, false, nil)
		income := url.Values{"account_type": {"income"}}
		d.Income = []figure{
			{Label: ledger.FundUpper.Name(), Money: orZero(t.IncomeByKind[ledger.FundUpper]), Measure: measureCreditNet,
				Link: drillLink(period, pr, false, with(income, url.Values{"kind": {"upper"}}))},
			{Label: ledger.FundMatching.Name(), Money: orZero(t.IncomeByKind[ledger.FundMatching]), Measure: measureCreditNet,
				Link: drillLink(period, pr, false, with(income, url.Values{"kind": {"matching"}}))},
			{Label: "合计", Money: t.Income, Measure: measureCreditNet, Link: drillLink(period, pr, false, with(income, special))},
		}
		pending := with(special, url.Values{"account": {ledger.AcctPending}})
		spent := with(special, url.Values{"account": {overviewSpentAccts}})
		d.Flows = []figure{
			{Label: "下拨基层", Money: t.Allocated, Measure: measureDebit, Link: drillLink(period, pr, false, with(pending, url.Values{"side": {"debit"}}))},
			{Label: "结余退回", Money: t.Returned, Measure: measureCredit,
				Link: drillLink(period, pr, false, with(pending, url.Values{"side": {"credit"}, "flow": {ledger.FlowReturn}}))},
		}
		for _, p := range ledger.Purposes {
			d.Flows = append(d.Flows, figure{Label: "本期使用 · " + p.Name(), Money: orZero(t.SpentByPurpose[p]), Measure: measureDebitNet,
				Link: drillLink(period, pr, false, with(spent, url.Values{"purpose": {string(p)}}))})
		}
		d.Flows = append(d.Flows,
			figure{Label: "本期使用合计", Money: t.Spent, Measure: measureDebitNet, Link: drillLink(period, pr, false, spent)},
			figure{Label: "期末银行存款（专项）", Money: t.Bank, Measure: measureDebitNet, Link: drillLink(period, pr, true, with(special, url.Values{"account": {ledger.AcctBank}}))},
			figure{Label: "期末已拨未用", Money: t.Pending, Measure: measureDebitNet, Link: drillLink(period, pr, true, pending)})
		cons, err := rdb.ConservationAt(ctx, rq.user.Book, pr.To)
		if err != nil {
			return nil, err
		}
		for _, c := range cons {
			fund := url.Values{"fund": {c.Fund}}
			part := func(label string, m ledger.Money, measure string, accounts ...string) figure {
				return figure{Label: label, Money: m, Measure: measure,
					Link: drillLink(period, pr, true, with(fund, url.Values{"account": accounts}))}
			}
			d.Funds = append(d.Funds, fundRow{Fund: c.Fund, Name: c.FundName, Holds: c.Holds(),
				Income:  part("收入", c.Income, measureCreditNet, ledger.AcctUpperIncome, ledger.AcctMatching),
				Bank:    part("银行存款", c.Bank, measureDebitNet, ledger.AcctBank),
				Pending: part("已拨未用", c.Pending, measureDebitNet, ledger.AcctPending),
				Spent:   part("已使用", c.Spent, measureDebitNet, overviewSpentAccts),
				Grants:  part("下拨下级账套", c.Grants, measureDebitNet, ledger.AcctGrantOut),
				Carried: part("党费结余", c.Carried, measureCreditNet, "3001")})
		}
	}
	bs, err := rdb.BranchFigures(ctx, rq.user.Book, org, pr.From, pr.To)
	if err != nil {
		return nil, err
	}
	total := branchRow{Name: "合计", Allocated: figure{Money: ledger.Zero}, Spent: figure{Money: ledger.Zero},
		Returned: figure{Money: ledger.Zero}, Unspent: figure{Money: ledger.Zero}}
	for _, b := range bs {
		if !rq.books.InScope(rq.user.Scope, b.Org) {
			continue
		}
		own := url.Values{"org": {b.Org}, "own": {"1"}, "kind": {"special"}}
		pending := with(own, url.Values{"account": {ledger.AcctPending}})
		ret := recon.Retention(b.Moves, pr.To)
		row := branchRow{Org: b.Org, Name: rq.view.OrgName(b.Org), Days: ret.Days, Since: ret.Since,
			Allocated: figure{Money: b.Allocated, Measure: measureDebit, Link: drillLink(period, pr, false, with(pending, url.Values{"side": {"debit"}}))},
			Spent:     figure{Money: b.Spent, Measure: measureDebitNet, Link: drillLink(period, pr, false, with(own, url.Values{"account": {overviewSpentAccts}}))},
			Returned: figure{Money: b.Returned, Measure: measureCredit,
				Link: drillLink(period, pr, false, with(pending, url.Values{"side": {"credit"}, "flow": {ledger.FlowReturn}}))},
			Unspent:  figure{Money: b.Unspent, Measure: measureDebitNet, Link: drillLink(period, pr, true, pending)},
			DaysLink: drillLink(period, pr, true, with(pending, url.Values{"side": {"debit"}})),
		}
		d.Branches = append(d.Branches, row)
		total.Allocated.Money = total.Allocated.Money.Add(b.Allocated)
		total.Spent.Money = total.Spent.Money.Add(b.Spent)
		total.Returned.Money = total.Returned.Money.Add(b.Returned)
		total.Unspent.Money = total.Unspent.Money.Add(b.Unspent)
	}
	if len(d.Branches) > 0 {
		sub := url.Values{"kind": {"special"}}
		if org != "" {
			sub.Set("org", org)
		}
		pending := with(sub, url.Values{"account": {ledger.AcctPending}})
		total.Allocated.Measure, total.Allocated.Link = measureDebit, drillLink(period, pr, false, with(pending, url.Values{"side": {"debit"}}))
		total.Spent.Measure, total.Spent.Link = measureDebitNet, drillLink(period, pr, false, with(sub, url.Values{"account": {overviewSpentAccts}}))
		total.Returned.Measure, total.Returned.Link = measureCredit, drillLink(period, pr, false, with(pending, url.Values{"side": {"credit"}, "flow": {ledger.FlowReturn}}))
		total.Unspent.Measure, total.Unspent.Link = measureDebitNet, drillLink(period, pr, true, pending)
		d.BranchTotal = &total
	}
	fs, err := s.findingRows(ctx, rq, postgres.FindingFilter{Period: &pr, Org: org})
	if err != nil {
		return nil, err
	}
	for _, sev := range []string{audit.SeverityHigh, audit.SeverityMedium, audit.SeverityLow} {
		c := findingCount{Severity: sev, SeverityName: audit.SeverityName(sev), ByState: map[string]int{}, Links: map[string]string{}}
		for _, st := range d.States {
			q := url.Values{"period": {period}, "severity": {sev}, "state": {st}}
			if org != "" {
				q.Set("org", org)
			}
			c.Links[st] = "/audit/findings?" + q.Encode()
		}
		for _, f := range fs {
			if f.Severity == sev {
				c.ByState[f.State]++
			}
		}
		d.Findings = append(d.Findings, c)
	}
	if err := s.overviewSavedCounts(ctx, rdb, rq, d); err != nil {
		return nil, err
	}
	if d.Run, d.HasRun, err = rdb.LastAuditRun(ctx, rq.user.Book, pr); err != nil {
		return nil, err
	}
	if d.Verify, d.HasVerify, err = rdb.LastVerifyRun(ctx, rq.user.Book); err != nil {
		return nil, err
	}
	if pr.From.Year() == pr.To.Year() && pr.From.Month() == pr.To.Month() {
		if d.Seal, err = rdb.ClosedPeriodSeal(ctx, rq.user.Book, pr.From.Year(), int(pr.From.Month())); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// auditRun answers POST /audit/run (period): evaluates the audit rules
// over the period as of its last day and records the findings and the
// saved queries' counts (RecordAuditRun), as the API's POST
// /api/v1/audit-runs does; then back to the overview.
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
		_, err = s.db.RecordAuditRun(r.Context(), rq.user.Book, pr, s.opt.AuditConfig, audit.Evaluate(in, s.opt.AuditConfig), s.db.Now())
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/audit?"+url.Values{"period": {period}, "done": {"run"}}.Encode(), http.StatusSeeOther)
}

// auditVerify answers POST /audit/verify (period): recomputes the book's
// hash chain as `ledger verify` does and records the run; an auditor or an
// admin of the whole book (the API's rule); then back to the overview.
func (s *Server) auditVerify(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	what := ledger.Phrase("verify the chain")
	if err := ledger.CanAudit(rq.user, what); err != nil {
		s.fail(w, r, err)
		return
	}
	if rq.user.Scope != "" {
		s.fail(w, r, ledger.Errorf(ledger.EForbidden, "user", "%s may act only within %s; %s covers the whole book", rq.user.Name, rq.user.Scope, what))
		return
	}
	period, _, err := s.overviewPeriod(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.reader(r.Context()).Verify(r.Context(), rq.user.Book, 1)
	if err == nil {
		_, err = s.db.RecordVerify(r.Context(), rq.user.Book, rq.user.Name, "web", &res, s.db.Now())
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/audit?"+url.Values{"period": {period}, "done": {"verify"}}.Encode(), http.StatusSeeOther)
}

func orZero(m ledger.Money) ledger.Money {
	if m.Decimal().IsZero() {
		return ledger.Zero
	}
	return m
}

// overviewSavedCounts sets the saved queries of the overview: their counts
// as the last audit run of the period recorded them (the whole book's, or
// the scope's organisations' added up; the people paid more than once,
// which cross organisations, counted afresh for a scoped user), else none,
// and the page's script asks /audit/saved-counts for them: reading every
// payment of the period, they are not the page's to wait for.
func (s *Server) overviewSavedCounts(ctx context.Context, rdb *postgres.DB, rq *request, d *overviewData) error {
	for _, name := range []string{savedRepeat, savedCash, savedSplit} {
		d.Queries = append(d.Queries, savedQueryCount{Name: name, Title: savedQueryNames[name], Link: savedLink(name, d.Period), Count: -1})
	}
	c, ok, err := rdb.LastSavedCounts(ctx, rq.user.Book, d.Range)
	if err != nil {
		return err
	}
	if !ok {
		d.CountsURL = "/audit/saved-counts?" + url.Values{"period": {d.Period}}.Encode()
		return nil
	}
	d.CountsAt = c.At
	for i := range d.Queries {
		q := &d.Queries[i]
		switch {
		case rq.user.Scope == "":
			q.Count = c.Whole[q.Name]
		case q.Name == savedRepeat:
			reps, err := s.repeatedPayments(ctx, rdb, rq, d.Range, savedRepeatDays)
			if err != nil {
				return err
			}
			q.Count = len(reps)
		default:
			q.Count = 0
			for org, n := range c.ByOrg[q.Name] {
				if rq.books.InScope(rq.user.Scope, org) {
					q.Count += n
				}
			}
		}
	}
	return nil
}
