package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// Audit findings (rules A-01 … A-17): evaluated for a period and listed
// with their states; an auditor (or an admin) moves a finding open →
// acknowledged → rectified. These are the only writes an auditor makes.

func (s *Server) registerFindings() {
	get := func(pattern string, h readFunc) { s.handle(Route{Method: http.MethodGet, Pattern: pattern}, s.read(h)) }
	post := func(pattern string, h writeFunc) {
		s.handle(Route{Method: http.MethodPost, Pattern: pattern, Write: true}, s.write(h))
	}
	post("/api/v1/audit-runs", s.auditRun)
	get("/api/v1/findings", s.findings)
	get("/api/v1/findings/{id}/history", s.findingHistory)
	post("/api/v1/findings/{id}/ack", s.moveFinding(audit.FindingAcknowledged))
	post("/api/v1/findings/{id}/rectify", s.moveFinding(audit.FindingRectified))
}

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

type auditRunBody struct {
	Period string `json:"period"`
}

type auditRunAnswer struct {
	Period   string                   `json:"period"`
	From     string                   `json:"from"`
	AsOf     string                   `json:"as_of"`
	Status   string                   `json:"status"` // clean, or open_high when a HIGH finding is open
	Summary  map[string]int           `json:"summary"`
	Findings []postgres.StoredFinding `json:"findings"`
}

// auditRun evaluates the audit rules over a month as of its last day and
// records the findings (`ledger audit --period`); a finding found before
// keeps its state.
func (s *Server) auditRun(c *call) (execFunc, error) {
	if err := ledger.CanAudit(c.user, "run the audit rules"); err != nil {
		return nil, err
	}
	var in auditRunBody
	if err := decodeStrict(c.body, &in, "", false); err != nil {
		return nil, err
	}
	if in.Period == "" {
		return nil, ledger.Errorf(ledger.EInvalid, "period", "period is required (YYYY-MM)")
	}
	p, err := ledger.ParsePeriod(in.Period)
	if err != nil {
		return nil, ledger.Errorf(ledger.EInvalid, "period", "%s", ledger.ErrorMessage(err))
	}
	return func(ctx context.Context, retry bool) (int, any, error) {
		input, err := s.db.AuditInput(ctx, c.user.Book, p.From, p.To)
		if err != nil {
			return 0, nil, err
		}
		stored, err := s.db.RecordAuditRun(ctx, c.user.Book, p, s.opt.AuditConfig, audit.Evaluate(input, s.opt.AuditConfig), s.db.Now())
		if err != nil {
			return 0, nil, err
		}
		b, err := s.loadBooks(ctx, c.user.Book)
		if err != nil {
			return 0, nil, err
		}
		stored = visibleFindings(c.user, b, stored)
		ans := auditRunAnswer{Period: in.Period, From: p.From.Format(time.DateOnly), AsOf: p.To.Format(time.DateOnly), Status: "clean",
			Summary: map[string]int{"total": len(stored), "high": 0, "medium": 0, "low": 0, "open_high": 0}, Findings: stored}
		for _, f := range stored {
			ans.Summary[strings.ToLower(f.Severity)]++
			if f.Severity == audit.SeverityHigh && f.State == audit.FindingOpen {
				ans.Summary["open_high"]++
				ans.Status = "open_high"
			}
		}
		return http.StatusOK, ans, nil
	}, nil
}

// findings lists recorded findings without evaluating the rules again.
func (s *Server) findings(c *call) (int, any, error) {
	q, err := query(c.r, "period", "state", "severity", "rule", "org")
	if err != nil {
		return 0, nil, err
	}
	f := postgres.FindingFilter{State: q.Get("state"), Severity: q.Get("severity"), Rule: q.Get("rule")}
	if p := q.Get("period"); p != "" {
		pr, err := ledger.ParsePeriod(p)
		if err != nil {
			return 0, nil, ledger.Errorf(ledger.EInvalid, "period", "%s", ledger.ErrorMessage(err))
		}
		f.Period = &pr
	}
	b, err := s.loadBooks(c.r.Context(), c.user.Book)
	if err != nil {
		return 0, nil, err
	}
	if org := q.Get("org"); org != "" {
		if f.Org, err = scopedOrg(c.user, b, org, "org"); err != nil {
			return 0, nil, err
		}
	}
	fs, err := s.db.Findings(c.r.Context(), c.user.Book, f)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"findings": visibleFindings(c.user, b, fs)}, nil
}

// findingByID returns finding id if u may see it.
func (s *Server) findingByID(ctx context.Context, u *ledger.User, id int64) (*postgres.StoredFinding, error) {
	fs, err := s.db.Findings(ctx, u.Book, postgres.FindingFilter{})
	if err != nil {
		return nil, err
	}
	for i := range fs {
		if fs[i].ID != id {
			continue
		}
		b, err := s.loadBooks(ctx, u.Book)
		if err != nil {
			return nil, err
		}
		if len(visibleFindings(u, b, fs[i:i+1])) == 0 {
			return nil, ledger.Errorf(ledger.EForbidden, "id", "%s may act only within %s; finding %d is about %s", u.Name, u.Scope, id, orBook(fs[i].Org))
		}
		return &fs[i], nil
	}
	return nil, ledger.Errorf(ledger.ENotFound, "id", "no finding %d in book %s", id, u.Book)
}

func orBook(org string) string {
	if org == "" {
		return "the whole book"
	}
	return org
}

func (s *Server) findingHistory(c *call) (int, any, error) {
	id, err := pathID(c.r)
	if err != nil {
		return 0, nil, err
	}
	if _, err := s.findingByID(c.r.Context(), c.user, id); err != nil {
		return 0, nil, err
	}
	es, err := s.db.FindingEvents(c.r.Context(), c.user.Book, strconv.FormatInt(id, 10))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"events": es}, nil
}

type findingBody struct {
	Note     string `json:"note"`
	Deadline string `json:"deadline"`
}

type rectifyBody struct {
	Note string `json:"note"`
}

// moveFinding acknowledges (with a note and a deadline) or rectifies (with
// a note) a finding.
func (s *Server) moveFinding(to string) writeFunc {
	return func(c *call) (execFunc, error) {
		verb := map[string]string{audit.FindingAcknowledged: "acknowledge", audit.FindingRectified: "rectify"}[to]
		if err := ledger.CanAudit(c.user, ledger.Phrase(verb+" a finding")); err != nil {
			return nil, err
		}
		id, err := pathID(c.r)
		if err != nil {
			return nil, err
		}
		var in findingBody
		if to == audit.FindingAcknowledged {
			err = decodeStrict(c.body, &in, "", false)
		} else {
			var r rectifyBody
			err = decodeStrict(c.body, &r, "", false)
			in.Note = r.Note
		}
		if err != nil {
			return nil, err
		}
		deadline, err := date(in.Deadline, "deadline", time.Time{})
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, retry bool) (int, any, error) {
			ref := strconv.FormatInt(id, 10)
			var f *postgres.StoredFinding
			var err error
			if to == audit.FindingAcknowledged {
				f, err = s.db.AckFinding(ctx, c.user.Book, c.user.Name, ref, in.Note, deadline)
			} else {
				f, err = s.db.RectifyFinding(ctx, c.user.Book, c.user.Name, ref, in.Note)
			}
			if err != nil && retry && ledger.ErrorCode(err) == ledger.EInvalidState {
				// An earlier attempt may have made the change and lost
				// its answer.
				if cur, e := s.findingByID(ctx, c.user, id); e == nil && cur.State == to && cur.UpdatedBy == c.user.Name {
					f, err = cur, nil
				}
			}
			if err != nil {
				return 0, nil, err
			}
			return http.StatusOK, f, nil
		}, nil
	}
}
