package web

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// The findings pages of the auditors' workbench (审计发现): the list of a
// period with its filters, one finding with its evidence, history and the
// ack and rectify forms, and the list's export. They read and move the
// stored findings by the same use cases and rules as the API's
// /api/v1/findings: anyone reads the findings of the scope, only an
// auditor or an admin acknowledges or rectifies.

// visibleFindings keeps the findings u may see: all of them for a user of
// the whole book, those about an organisation in the scope otherwise.
func visibleFindings(u *ledger.User, b *ledger.Books, fs []postgres.StoredFinding) []postgres.StoredFinding {
	out := []postgres.StoredFinding{}
	for _, f := range fs {
		if u.Scope == "" || f.Org != "" && b.InScope(u.Scope, f.Org) {
			out = append(out, f)
		}
	}
	return out
}

// findingRow is a finding with what the pages show about it.
type findingRow struct {
	postgres.StoredFinding
	SeverityName string
	StateName    string
	Overdue      bool // acknowledged, its deadline passed
}

type findingsData struct {
	Period, Rule, Severity, State, Org string
	Rows                               []findingRow
	Query                              string // the filters, for the export link
	CanAudit                           bool
}

// findingFilter reads the filters of /audit/findings.
func (s *Server) findingFilter(r *http.Request) (postgres.FindingFilter, findingsData, error) {
	rq := current(r)
	q := r.URL.Query()
	d := findingsData{Period: q.Get("period"), Rule: q.Get("rule"), Severity: q.Get("severity"), State: q.Get("state"), Org: q.Get("org")}
	f := postgres.FindingFilter{Rule: d.Rule, Severity: d.Severity, State: d.State}
	if d.Period != "" {
		p, err := ledger.ParsePeriod(d.Period)
		if err != nil {
			return f, d, err
		}
		f.Period = &p
	}
	if d.Org != "" {
		if rq.books.Orgs[d.Org] == nil {
			return f, d, ledger.Errorf(ledger.ENotFound, "org", "organisation %s does not exist", d.Org)
		}
		if rq.user.Scope != "" && !rq.books.InScope(rq.user.Scope, d.Org) {
			return f, d, ledger.Errorf(ledger.EForbidden, "org", "%s may act only within %s; %s is outside", rq.user.Name, rq.user.Scope, d.Org)
		}
		f.Org = d.Org
	}
	v := url.Values{}
	for k, x := range map[string]string{"period": d.Period, "rule": d.Rule, "severity": d.Severity, "state": d.State, "org": d.Org} {
		if x != "" {
			v.Set(k, x)
		}
	}
	d.Query = v.Encode()
	d.CanAudit = ledger.CanAudit(rq.user, "") == nil
	return f, d, nil
}

func (s *Server) findingRows(ctx context.Context, rq *request, f postgres.FindingFilter) ([]findingRow, error) {
	fs, err := s.reader(ctx).Findings(ctx, rq.user.Book, f)
	if err != nil {
		return nil, err
	}
	today := ledger.InZone(s.db.Now(), s.opt.TimeZone)
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	var out []findingRow
	for _, x := range visibleFindings(rq.user, rq.books, fs) {
		out = append(out, findingRow{StoredFinding: x, SeverityName: audit.SeverityName(x.Severity),
			StateName: audit.FindingStateName(x.State),
			Overdue:   x.State == audit.FindingAcknowledged && x.Deadline != nil && x.Deadline.Before(day)})
	}
	return out, nil
}

// auditFindings answers GET /audit/findings?period=&rule=&severity=&state=&org=.
func (s *Server) auditFindings(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	f, d, err := s.findingFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Rows, err = s.findingRows(r.Context(), rq, f); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "audit_findings", page{Title: "审计发现", Menu: "audit", Data: d})
}

// exportFindings answers GET /audit/findings/export: the filtered list as
// CSV (UTF-8 with a byte order mark, which spreadsheet programs read).
func (s *Server) exportFindings(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	f, _, err := s.findingFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows, err := s.findingRows(r.Context(), rq, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="findings.csv"; filename*=UTF-8''`+url.PathEscape("审计发现.csv"))
	w.Write([]byte("\ufeff"))
	c := csv.NewWriter(w)
	c.Write([]string{"编号", "规则", "问题类型", "严重程度", "凭证", "日期", "组织", "金额", "说明", "责任人", "状态", "整改期限", "备注"})
	for _, x := range rows {
		dl := ""
		if x.Deadline != nil {
			dl = x.Deadline.Format(time.DateOnly)
		}
		date := ""
		if !x.Date.IsZero() {
			date = x.Date.Format(time.DateOnly)
		}
		state := x.StateName
		if x.Overdue {
			state += "（已逾期）"
		}
		c.Write([]string{strconv.FormatInt(x.ID, 10), x.Rule, cell(x.Type), x.SeverityName, x.Voucher, date, cell(rq.view.OrgName(x.Org)),
			x.Amount.Format(), cell(x.Explanation), cell(x.Responsible), state, dl, cell(x.Note)})
	}
	c.Flush()
}

// cell keeps a text a spreadsheet would read as a formula (=, +, -, @ or
// a tab first) a text by a leading apostrophe.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

type findingData struct {
	F        findingRow
	Events   []postgres.FindingEvent
	Evidence *ledger.Voucher
	CanAudit bool
	Today    string
}

// findingPage finds finding id among those the user may see.
func (s *Server) findingPage(ctx context.Context, rq *request, id int64) (*findingRow, error) {
	rows, err := s.findingRows(ctx, rq, postgres.FindingFilter{})
	if err != nil {
		return nil, err
	}
	for i := range rows {
		if rows[i].ID == id {
			return &rows[i], nil
		}
	}
	return nil, ledger.Errorf(ledger.ENotFound, "id", "no finding %d in book %s", id, rq.user.Book)
}

func findingID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, ledger.Errorf(ledger.ENotFound, "id", "no finding %d in book %s", int64(0), current(r).user.Book)
	}
	return id, nil
}

// auditFinding answers GET /audit/findings/{id}.
func (s *Server) auditFinding(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	id, err := findingID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := s.findingPage(r.Context(), rq, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := findingData{F: *f, CanAudit: ledger.CanAudit(rq.user, "") == nil,
		Today: ledger.InZone(s.db.Now(), s.opt.TimeZone).Format(time.DateOnly)}
	if d.Events, err = s.db.FindingEvents(r.Context(), rq.user.Book, strconv.FormatInt(id, 10)); err != nil {
		s.fail(w, r, err)
		return
	}
	if f.VoucherID != 0 {
		if v, err := s.db.Voucher(r.Context(), rq.user.Book, f.VoucherID); err == nil && mayRead(rq.user, v, rq.books) == nil {
			d.Evidence = v
		}
	}
	notice := map[string]string{"ack": "已认定该问题", "rectify": "已登记整改"}[r.URL.Query().Get("done")]
	s.render(w, r, http.StatusOK, "audit_finding", page{Title: "审计发现 " + strconv.FormatInt(id, 10), Menu: "audit", Notice: notice, Data: d})
}

// moveFinding answers POST /audit/findings/{id}/ack (note, deadline) and
// /audit/findings/{id}/rectify (note): an auditor's or an admin's act,
// refused to anyone else by the same rule as the API's.
func (s *Server) moveFinding(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	act := r.PathValue("act")
	verb := map[string]string{"ack": "acknowledge", "rectify": "rectify"}[act]
	if verb == "" {
		s.fail(w, r, ledger.Errorf(ledger.ENotFound, "act", "no act %q", act))
		return
	}
	if err := ledger.CanAudit(rq.user, ledger.Phrase(verb+" a finding")); err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := findingID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.findingPage(r.Context(), rq, id); err != nil {
		s.fail(w, r, err)
		return
	}
	ref := strconv.FormatInt(id, 10)
	note := r.PostFormValue("note")
	if act == "ack" {
		var deadline time.Time
		if ds := r.PostFormValue("deadline"); ds != "" {
			if deadline, err = ledger.ParseDate(ds); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		_, err = s.db.AckFinding(r.Context(), rq.user.Book, rq.user.Name, ref, note, deadline)
	} else {
		_, err = s.db.RectifyFinding(r.Context(), rq.user.Book, rq.user.Name, ref, note)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, withQuery("/audit/findings/"+ref, url.Values{"done": {act}}), http.StatusSeeOther)
}

// At is a timestamp in the book's zone, 2020-02-05 14:03.
func (v *viewer) At(t time.Time) string { return v.Time(&t) }

// FindingState is the Chinese name of a finding's state (empty stays
// empty: the state before a finding's first event).
func (v *viewer) FindingState(s string) string {
	if s == "" {
		return ""
	}
	return audit.FindingStateName(s)
}

// ScopeOrgs are the organisations of the book in code order.
func (v *viewer) ScopeOrgs() []*ledger.Organisation {
	out := make([]*ledger.Organisation, 0, len(v.books.Orgs))
	for _, o := range v.books.Orgs {
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b *ledger.Organisation) int { return strings.Compare(a.Code, b.Code) })
	return out
}
