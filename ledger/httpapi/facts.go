package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
	"github.com/fenyang/partyfee/ledger/csvimport"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// The facts the audit rules read besides the journal (the CLI's
// publicity, roster, member, meeting, payee and value-date commands):
// publications, the approved roster, members and
// cadres, payee accounts, meetings and bank value
// dates. Officers and admins record them, within their scope (the
// adapter decides, as for the CLI); everyone reads them within their
// scope. ID numbers are masked in every answer, as on T6.

func (s *Server) registerFacts() {
	get := func(pattern string, h readFunc) { s.handle(Route{Method: http.MethodGet, Pattern: pattern}, s.read(h)) }
	post := func(pattern string, h writeFunc) {
		s.handle(Route{Method: http.MethodPost, Pattern: pattern, Write: true}, s.write(h))
	}
	get("/api/v1/publicity", s.listPublicity)
	post("/api/v1/publicity", s.addPublicity)
	get("/api/v1/roster", s.listRoster)
	post("/api/v1/roster", s.addRoster)
	s.handle(Route{Method: http.MethodPost, Pattern: "/api/v1/roster/import", Write: true}, s.writeFile(s.importRoster))
	get("/api/v1/members", s.listMembers)
	post("/api/v1/members", s.addMember)
	get("/api/v1/meetings", s.listMeetings)
	post("/api/v1/meetings", s.addMeeting)
	get("/api/v1/payee-accounts", s.listPayeeAccounts)
	post("/api/v1/payee-accounts", s.setPayeeAccount)
	get("/api/v1/value-dates", s.listValueDates)
	post("/api/v1/vouchers/{id}/value-date", s.setValueDate)
}

// factPage reads the query of a fact list: org (within the scope), the
// page (after_id or after, limit) and the extra parameters known.
func (s *Server) factPage(c *call, keyedByID bool, known ...string) (postgres.FactFilter, url.Values, error) {
	params := append([]string{"limit"}, known...)
	if keyedByID {
		params = append(params, "after_id")
	} else {
		params = append(params, "after")
	}
	q, err := query(c.r, params...)
	if err != nil {
		return postgres.FactFilter{}, nil, err
	}
	f := postgres.FactFilter{Limit: postgres.FactListLimitMax, After: q.Get("after")}
	if a := q.Get("after_id"); a != "" {
		if f.AfterID, err = strconv.ParseInt(a, 10, 64); err != nil || f.AfterID < 0 {
			return f, nil, ledger.Errorf(ledger.EInvalid, "after_id", "after_id is the last id of the previous page")
		}
	}
	if l := q.Get("limit"); l != "" {
		if f.Limit, err = strconv.Atoi(l); err != nil || f.Limit < 1 {
			return f, nil, ledger.Errorf(ledger.EInvalid, "limit", "limit is a number from 1 to %d", postgres.FactListLimitMax)
		}
		f.Limit = min(f.Limit, postgres.FactListLimitMax)
	}
	if q.Has("org") || c.user.Scope != "" {
		b, err := s.loadBooks(c.r.Context(), c.user.Book)
		if err != nil {
			return f, nil, err
		}
		if f.Org, err = scopedOrg(c.user, b, q.Get("org"), "org"); err != nil {
			return f, nil, err
		}
		// Without org a scoped user also sees what was recorded for the
		// whole book, which applies to the scope too.
		f.BookWide = q.Get("org") == ""
	}
	return f, q, nil
}

// page is the answer of a fact list: the rows under name, the limit and,
// under nextKey, where the next page starts (null on the last page).
func page[T any](name, nextKey string, rows []T, limit int, next func(T) any) map[string]any {
	var after any
	if len(rows) == limit && len(rows) > 0 {
		after = next(rows[len(rows)-1])
	}
	return map[string]any{name: rows, "limit": limit, nextKey: after}
}

// publicityBody is a publication (公示), as `ledger publicity add`.
type publicityBody struct {
	Org         string `json:"org"`
	Date        string `json:"date"`
	Channel     string `json:"channel"`
	Through     string `json:"through"`
	Procurement string `json:"procurement"`
	Condolence  string `json:"condolence"`
	Relief      string `json:"relief"`
	Total       string `json:"total"`
}

// publishedAmount parses a published total: a decimal string ≥ 0.
func publishedAmount(s, field string) (ledger.Money, error) {
	m, err := ledger.ParseMoney(s)
	if err != nil {
		return ledger.Money{}, ledger.Errorf(ledger.EInvalidAmount, field, "%s", ledger.ErrorMessage(err))
	}
	if m.Sign() < 0 {
		return ledger.Money{}, ledger.Errorf(ledger.EInvalidAmount, field, "a published amount is not negative")
	}
	return m, nil
}

func (s *Server) addPublicity(c *call) (execFunc, error) {
	if err := ledger.CanRecordFacts(c.user, "publications"); err != nil {
		return nil, err
	}
	var in publicityBody
	if err := decodeStrict(c.body, &in, "", false); err != nil {
		return nil, err
	}
	p := audit.PublicityRecord{Org: in.Org, Channel: in.Channel, Totals: map[ledger.Purpose]ledger.Money{}}
	if in.Date == "" {
		return nil, ledger.Errorf(ledger.EInvalid, "date", "date is required: the day of publication, YYYY-MM-DD")
	}
	var err error
	if p.Date, err = date(in.Date, "date", time.Time{}); err != nil {
		return nil, err
	}
	if p.Through, err = date(in.Through, "through", time.Time{}); err != nil {
		return nil, err
	}
	for _, x := range []struct {
		p ledger.Purpose
		s string
	}{{ledger.Procurement, in.Procurement}, {ledger.Condolence, in.Condolence}, {ledger.Relief, in.Relief}} {
		if x.s == "" {
			continue
		}
		if p.Totals[x.p], err = publishedAmount(x.s, string(x.p)); err != nil {
			return nil, err
		}
	}
	if in.Total == "" {
		return nil, ledger.Errorf(ledger.EInvalidAmount, "total", "total is required: the published grand total, a decimal string such as \"260000.00\"")
	}
	if p.ReportedTotal, err = publishedAmount(in.Total, "total"); err != nil {
		return nil, err
	}
	return func(ctx context.Context, retry bool) (int, any, error) {
		id, err := s.db.AddPublicity(ctx, c.user.Book, c.user.Name, p)
		if err != nil {
			return 0, nil, err
		}
		row, err := s.db.PublicityByID(ctx, c.user.Book, id)
		return http.StatusCreated, row, err
	}, nil
}

func (s *Server) listPublicity(c *call) (int, any, error) {
	f, _, err := s.factPage(c, true, "org")
	if err != nil {
		return 0, nil, err
	}
	rows, err := s.db.Publicity(c.r.Context(), c.user.Book, f)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, page("publicity", "next_after_id", rows, f.Limit, func(r postgres.PublicityRow) any { return r.ID }), nil
}

// rosterBody is a person on the roster, as `ledger roster add`.
type rosterBody struct {
	Org      string `json:"org"`
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	IDKind   string `json:"id_kind"` // "" is a resident identity card
	Category string `json:"category"`
	Phone    string `json:"phone"`
}

type rosterAnswer struct {
	Org      string `json:"org"`
	Name     string `json:"name"`
	IDNumber string `json:"id_number"` // masked
	Category string `json:"category"`
	Phone    string `json:"phone"`
	Created  bool   `json:"created"` // false: the person was on the roster and is updated
}

func (s *Server) addRoster(c *call) (execFunc, error) {
	if err := ledger.CanRecordFacts(c.user, "the roster"); err != nil {
		return nil, err
	}
	var in rosterBody
	if err := decodeStrict(c.body, &in, "", false); err != nil {
		return nil, err
	}
	e := audit.RosterEntry{Org: in.Org, Name: in.Name, IDNumber: in.IDNumber, IDKind: ledger.IDKind(in.IDKind), Category: in.Category, Phone: in.Phone}
	return func(ctx context.Context, retry bool) (int, any, error) {
		n, err := s.db.AddRosterEntries(ctx, c.user.Book, c.user.Name, []audit.RosterEntry{e})
		if err != nil {
			return 0, nil, err
		}
		status := http.StatusOK
		if n > 0 {
			status = http.StatusCreated
		}
		return status, rosterAnswer{Org: e.Org, Name: strings.TrimSpace(e.Name), IDNumber: ledger.MaskID(strings.TrimSpace(e.IDNumber)),
			Category: strings.TrimSpace(e.Category), Phone: strings.TrimSpace(e.Phone), Created: n > 0}, nil
	}, nil
}

// importRoster loads a roster CSV (the body, or the part "file" of a
// multipart form), all rows or none, as `ledger roster import FILE.csv`.
func (s *Server) importRoster(c *call, f upload) (execFunc, error) {
	if err := ledger.CanRecordFacts(c.user, "the roster"); err != nil {
		return nil, err
	}
	q, err := query(c.r, "org", "filename")
	if err != nil {
		return nil, err
	}
	es, err := csvimport.ParseRoster(f.data, f.name, q.Get("org"))
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, retry bool) (int, any, error) {
		n, err := s.db.AddRosterEntries(ctx, c.user.Book, c.user.Name, es)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, map[string]int{"rows": len(es), "new": n}, nil
	}, nil
}

func (s *Server) listRoster(c *call) (int, any, error) {
	f, _, err := s.factPage(c, true, "org")
	if err != nil {
		return 0, nil, err
	}
	rows, err := s.db.Roster(c.r.Context(), c.user.Book, f)
	if err != nil {
		return 0, nil, err
	}
	for i := range rows {
		rows[i].IDNumber = ledger.MaskID(rows[i].IDNumber)
	}
	return http.StatusOK, page("roster", "next_after_id", rows, f.Limit, func(r postgres.RosterRow) any { return r.ID }), nil
}

// memberBody is a member or cadre, as `ledger member add`.
type memberBody struct {
	Org      string `json:"org"`
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	IDKind   string `json:"id_kind,omitempty"` // "" is a resident identity card
	Cadre    bool   `json:"cadre"`
}

func (s *Server) addMember(c *call) (execFunc, error) {
	if err := ledger.CanRecordFacts(c.user, "members"); err != nil {
		return nil, err
	}
	var in memberBody
	if err := decodeStrict(c.body, &in, "", false); err != nil {
		return nil, err
	}
	if in.Org == "" {
		return nil, ledger.Errorf(ledger.EInvalid, "org", "org is required: the organisation of the member")
	}
	m := audit.Member{Org: in.Org, Name: in.Name, IDNumber: in.IDNumber, IDKind: ledger.IDKind(in.IDKind), Cadre: in.Cadre}
	return func(ctx context.Context, retry bool) (int, any, error) {
		if err := s.db.AddMember(ctx, c.user.Book, c.user.Name, m); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, memberBody{Org: m.Org, Name: strings.TrimSpace(m.Name), IDNumber: ledger.MaskID(strings.TrimSpace(m.IDNumber)), Cadre: m.Cadre}, nil
	}, nil
}

func (s *Server) listMembers(c *call) (int, any, error) {
	f, _, err := s.factPage(c, true, "org")
	if err != nil {
		return 0, nil, err
	}
	rows, err := s.db.Members(c.r.Context(), c.user.Book, f)
	if err != nil {
		return 0, nil, err
	}
	for i := range rows {
		rows[i].IDNumber = ledger.MaskID(rows[i].IDNumber)
	}
	return http.StatusOK, page("members", "next_after_id", rows, f.Limit, func(r postgres.MemberRow) any { return r.ID }), nil
}

// meetingBody is a collective decision, as `ledger meeting add`; the same
// decision again replaces the attendees.
type meetingBody struct {
	Decision  string   `json:"decision"`
	Attendees []string `json:"attendees"`
}

func (s *Server) addMeeting(c *call) (execFunc, error) {
	if err := ledger.CanRecordFacts(c.user, "meetings"); err != nil {
		return nil, err
	}
	if err := ledger.CanRecordFor(c.user, nil, "org", ""); err != nil { // a fact of the whole book
		return nil, err
	}
	var in meetingBody
	if err := decodeStrict(c.body, &in, "", false); err != nil {
		return nil, err
	}
	m := audit.Meeting{Decision: in.Decision, Attendees: in.Attendees}
	return func(ctx context.Context, retry bool) (int, any, error) {
		if err := s.db.AddMeeting(ctx, c.user.Book, c.user.Name, m); err != nil {
			return 0, nil, err
		}
		row, err := s.db.Meeting(ctx, c.user.Book, strings.TrimSpace(m.Decision))
		return http.StatusOK, row, err
	}, nil
}

func (s *Server) listMeetings(c *call) (int, any, error) {
	f, _, err := s.factPage(c, false)
	if err != nil {
		return 0, nil, err
	}
	rows, err := s.db.Meetings(c.r.Context(), c.user.Book, f)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, page("meetings", "next_after", rows, f.Limit, func(r postgres.MeetingRow) any { return r.Decision }), nil
}

// payeeBody says whether a payee is paid into a personal account, as
// `ledger payee set NAME --personal`; personal is required.
type payeeBody struct {
	Payee    string `json:"payee"`
	Personal *bool  `json:"personal"`
}

func (s *Server) setPayeeAccount(c *call) (execFunc, error) {
	if err := ledger.CanRecordFacts(c.user, "payee accounts"); err != nil {
		return nil, err
	}
	if err := ledger.CanRecordFor(c.user, nil, "org", ""); err != nil { // a fact of the whole book
		return nil, err
	}
	var in payeeBody
	if err := decodeStrict(c.body, &in, "", false); err != nil {
		return nil, err
	}
	if in.Personal == nil {
		return nil, ledger.Errorf(ledger.EInvalid, "personal", "personal is required: true for a personal account (个人账户), false for a unit's")
	}
	a := audit.PayeeAccount{Payee: in.Payee, Personal: *in.Personal}
	return func(ctx context.Context, retry bool) (int, any, error) {
		if err := s.db.SetPayeeAccount(ctx, c.user.Book, c.user.Name, a); err != nil {
			return 0, nil, err
		}
		row, err := s.db.PayeeAccount(ctx, c.user.Book, strings.TrimSpace(a.Payee))
		return http.StatusOK, row, err
	}, nil
}

func (s *Server) listPayeeAccounts(c *call) (int, any, error) {
	f, _, err := s.factPage(c, false)
	if err != nil {
		return 0, nil, err
	}
	rows, err := s.db.PayeeAccounts(c.r.Context(), c.user.Book, f)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, page("payee_accounts", "next_after", rows, f.Limit, func(r postgres.PayeeAccountRow) any { return r.Payee }), nil
}

type valueDateBody struct {
	Date string `json:"date"`
}

// setValueDate records the bank value date of a voucher, as `ledger
// value-date set VOUCHER`: an officer or admin whose scope holds every
// line of the voucher.
func (s *Server) setValueDate(c *call) (execFunc, error) {
	if err := ledger.CanRecordFacts(c.user, "value dates"); err != nil {
		return nil, err
	}
	id, err := pathID(c.r)
	if err != nil {
		return nil, err
	}
	var in valueDateBody
	if err := decodeStrict(c.body, &in, "", false); err != nil {
		return nil, err
	}
	if in.Date == "" {
		return nil, ledger.Errorf(ledger.EInvalid, "date", "date is required: the value date on the bank statement, YYYY-MM-DD")
	}
	d, err := date(in.Date, "date", time.Time{})
	if err != nil {
		return nil, err
	}
	v, err := s.db.Voucher(c.r.Context(), c.user.Book, id)
	if err != nil {
		return nil, err
	}
	b, err := s.loadBooks(c.r.Context(), c.user.Book)
	if err != nil {
		return nil, err
	}
	if err := ledger.Authorize(c.user, ledger.ActMake, v, b, false); err != nil {
		return nil, err
	}
	return func(ctx context.Context, retry bool) (int, any, error) {
		if err := s.db.SetValueDate(ctx, c.user.Book, c.user.Name, id, d); err != nil {
			return 0, nil, err
		}
		row, err := s.db.ValueDate(ctx, c.user.Book, id)
		return http.StatusOK, row, err
	}, nil
}

func (s *Server) listValueDates(c *call) (int, any, error) {
	f, q, err := s.factPage(c, true, "org", "period")
	if err != nil {
		return 0, nil, err
	}
	if p := q.Get("period"); p != "" {
		pr, err := ledger.ParsePeriod(p)
		if err != nil {
			return 0, nil, ledger.Errorf(ledger.EInvalid, "period", "%s", ledger.ErrorMessage(err))
		}
		f.From, f.To = pr.From, pr.To
	}
	rows, err := s.db.ValueDates(c.r.Context(), c.user.Book, f)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, page("value_dates", "next_after_id", rows, f.Limit, func(r postgres.ValueDateRow) any { return r.VoucherID }), nil
}
