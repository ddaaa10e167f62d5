package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// flowNames are the five flows of SPEC §3, each POST /api/v1/flows/{flow}.
var flowNames = []string{ledger.FlowReceive, ledger.FlowMatch, ledger.FlowAllocate, ledger.FlowSpend, ledger.FlowReturn}

// steps are the workflow steps, each POST /api/v1/vouchers/{id}/{step}.
var steps = []ledger.Action{ledger.ActCheck, ledger.ActUncheck, ledger.ActSign, ledger.ActPost, ledger.ActVoid}

func (s *Server) register() {
	public := func(method, pattern string, h http.HandlerFunc) {
		s.handle(Route{Method: method, Pattern: pattern, Public: true}, h)
	}
	get := func(pattern string, h readFunc) { s.handle(Route{Method: http.MethodGet, Pattern: pattern}, s.read(h)) }
	post := func(pattern string, h writeFunc) {
		s.handle(Route{Method: http.MethodPost, Pattern: pattern, Write: true}, s.write(h))
	}
	public(http.MethodGet, "/healthz", s.healthz)
	public(http.MethodGet, "/readyz", s.readyz)
	public(http.MethodGet, "/api/v1/openapi.json", s.openapi)
	public(http.MethodPost, "/api/v1/tokens", s.login)

	get("/api/v1/me", s.me)
	post("/api/v1/tokens/{id}/revoke", s.revokeToken)
	get("/api/v1/organisations", s.organisations)
	get("/api/v1/organisations/{code}", s.organisation)
	get("/api/v1/funds", s.funds)
	get("/api/v1/accounts", s.accounts)
	for _, f := range flowNames {
		post("/api/v1/flows/"+f, s.flow(f))
	}
	post("/api/v1/vouchers", s.createVoucher)
	get("/api/v1/vouchers", s.listVouchers)
	get("/api/v1/vouchers/{id}", s.getVoucher)
	for _, a := range steps {
		post("/api/v1/vouchers/{id}/"+string(a), s.transition(a))
	}
	post("/api/v1/vouchers/{id}/reverse", s.reverse)
	s.registerEdit()
	get("/api/v1/balances", s.balances)
	s.registerVoucherLookup()
	s.registerFindings()
	s.registerBatch()
	s.registerYear()
	s.registerFacts()
	s.registerUsers()
	s.registerReconcileFiles()
	s.registerVerify()
	s.registerImports()
	s.registerGrants()
	s.registerAttachments()
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when the database answers within two seconds and,
// when the server knows the database's directory, its disk has at least
// DiskFreeMinBytes free; otherwise 503 with the reason.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		s.writeError(w, r, &ledger.Error{Code: ledger.EUnavailable, Msg: "database unreachable", Err: err})
		return
	}
	if s.opt.DataDir != "" {
		free, ok, err := s.freeSpace(s.opt.DataDir)
		if err != nil {
			s.log.Warn("disk space unknown", "dir", s.opt.DataDir, "err", err.Error())
		}
		if ok && free < uint64(s.opt.DiskFreeMinBytes) {
			s.log.Warn("disk nearly full", "dir", s.opt.DataDir, "free_bytes", free, "min_bytes", s.opt.DiskFreeMinBytes)
			ri := info(r)
			ri.code = ledger.EUnavailable
			w.Header().Set("Retry-After", "60")
			writeJSON(w, http.StatusServiceUnavailable, ErrorBody{Code: ledger.EUnavailable, RequestID: ri.id,
				Message: i18n.T(ri.lang, "the database's disk has %d MiB free, below the minimum of %d MiB", free>>20, s.opt.DiskFreeMinBytes>>20)})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeRaw(w, http.StatusOK, openapiJSON)
}

// query reads the query parameters of a list, rejecting unknown ones.
func query(r *http.Request, known ...string) (url.Values, error) {
	q := r.URL.Query()
	for k, v := range q {
		if !slices.Contains(known, k) {
			return nil, ledger.Errorf(ledger.EInvalid, k, "unknown query parameter %q (known: %v)", k, known)
		}
		if len(v) > 1 {
			return nil, ledger.Errorf(ledger.EInvalid, k, "query parameter %q is given %d times", k, len(v))
		}
	}
	return q, nil
}

// scopedOrg checks an organisation named by a request against the user's
// scope: unknown is not_found, outside the scope forbidden, none means the
// user's scope.
func scopedOrg(u *ledger.User, b *ledger.Books, org, field string) (string, error) {
	if org != "" && b.Orgs[org] == nil {
		return "", ledger.Errorf(ledger.ENotFound, field, "organisation %s does not exist", org)
	}
	if u.Scope == "" {
		return org, nil
	}
	if org == "" {
		return u.Scope, nil
	}
	if !b.InScope(u.Scope, org) {
		return "", ledger.Errorf(ledger.EForbidden, field, "%s may act only within %s; %s is outside", u.Name, u.Scope, org)
	}
	return org, nil
}

type meAnswer struct {
	User           string        `json:"user"`
	FullName       string        `json:"full_name"`
	Roles          []ledger.Role `json:"roles"`
	Scope          string        `json:"scope"`
	Book           string        `json:"book"`
	TokenID        int64         `json:"token_id"`
	TokenExpiresAt time.Time     `json:"token_expires_at"`
}

func (s *Server) me(c *call) (int, any, error) {
	u, tok := c.user, info(c.r).token
	roles := u.Roles
	if roles == nil {
		roles = []ledger.Role{}
	}
	return http.StatusOK, meAnswer{User: u.Name, FullName: u.FullName, Roles: roles, Scope: u.Scope, Book: u.Book, TokenID: tok.ID, TokenExpiresAt: tok.ExpiresAt}, nil
}

// revokeToken revokes a token: one's own, or one of a user the caller
// manages as an admin (within the admin's scope). Any other id is
// not_found, as one that does not exist.
func (s *Server) revokeToken(c *call) (execFunc, error) {
	id, err := pathID(c.r)
	if err != nil {
		return nil, err
	}
	if err := decodeStrict(c.body, &struct{}{}, "", true); err != nil {
		return nil, err
	}
	return func(ctx context.Context, retry bool) (int, any, error) {
		t, err := s.db.RevokeTokenAs(ctx, c.user.Book, c.user.Name, id)
		return http.StatusOK, t, err
	}, nil
}

// orgView is the JSON form of an organisation.
type orgView struct {
	Code      string  `json:"code"`
	Name      string  `json:"name"`
	Kind      string  `json:"kind"`
	Parent    string  `json:"parent,omitempty"`
	Depth     int     `json:"depth"`
	Category  string  `json:"category,omitempty"`
	HostUnit  string  `json:"host_unit,omitempty"`
	Secretary string  `json:"secretary,omitempty"`
	SetUp     string  `json:"set_up,omitempty"`
	Dissolved *string `json:"dissolved,omitempty"`
}

func viewOrg(o *ledger.Organisation, b *ledger.Books) orgView {
	v := orgView{Code: o.Code, Name: o.Name, Kind: string(o.Kind), Parent: o.Parent, Depth: ledger.Depth(b.Orgs, o.Code),
		Category: o.Category, HostUnit: o.HostUnit, Secretary: o.Secretary}
	if !o.SetUp.IsZero() {
		v.SetUp = o.SetUp.Format(time.DateOnly)
	}
	if o.Dissolved != nil {
		d := o.Dissolved.Format(time.DateOnly)
		v.Dissolved = &d
	}
	return v
}

// organisations lists the organisations in the user's scope in tree order.
func (s *Server) organisations(c *call) (int, any, error) {
	if _, err := query(c.r); err != nil {
		return 0, nil, err
	}
	b, err := s.loadBooks(c.r.Context(), c.user.Book)
	if err != nil {
		return 0, nil, err
	}
	orgs, err := s.db.Organisations(c.r.Context(), c.user.Book)
	if err != nil {
		return 0, nil, err
	}
	out := []orgView{}
	for _, o := range orgs {
		if b.Orgs[o.Code] != nil && b.InScope(c.user.Scope, o.Code) {
			out = append(out, viewOrg(o, b))
		}
	}
	return http.StatusOK, map[string]any{"organisations": out}, nil
}

func (s *Server) organisation(c *call) (int, any, error) {
	b, err := s.loadBooks(c.r.Context(), c.user.Book)
	if err != nil {
		return 0, nil, err
	}
	code, err := scopedOrg(c.user, b, c.r.PathValue("code"), "code")
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, viewOrg(b.Orgs[code], b), nil
}

type fundView struct {
	Code     string           `json:"code"`
	Name     string           `json:"name"`
	Kind     ledger.FundKind  `json:"kind"`
	Project  string           `json:"project,omitempty"`
	Purposes []ledger.Purpose `json:"purposes"`
}

func (s *Server) funds(c *call) (int, any, error) {
	if _, err := query(c.r); err != nil {
		return 0, nil, err
	}
	b, err := s.loadBooks(c.r.Context(), c.user.Book)
	if err != nil {
		return 0, nil, err
	}
	out := []fundView{}
	for _, f := range b.Funds {
		p := f.Purposes
		if p == nil {
			p = []ledger.Purpose{}
		}
		out = append(out, fundView{Code: f.Code, Name: f.Name, Kind: f.Kind, Project: f.Project, Purposes: p})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return http.StatusOK, map[string]any{"funds": out}, nil
}

type accountView struct {
	Code       string             `json:"code"`
	Name       string             `json:"name"`
	Type       ledger.AccountType `json:"type"`
	Side       ledger.Side        `json:"side"`
	Parent     string             `json:"parent,omitempty"`
	Leaf       bool               `json:"leaf"`
	Purpose    ledger.Purpose     `json:"purpose,omitempty"`
	Restricted bool               `json:"restricted"`
	Cash       bool               `json:"cash"`
}

func (s *Server) accounts(c *call) (int, any, error) {
	if _, err := query(c.r); err != nil {
		return 0, nil, err
	}
	b, err := s.loadBooks(c.r.Context(), c.user.Book)
	if err != nil {
		return 0, nil, err
	}
	out := []accountView{}
	for _, a := range b.Chart {
		out = append(out, accountView{Code: a.Code, Name: a.Name, Type: a.Type, Side: a.Side, Parent: a.Parent, Leaf: a.Leaf,
			Purpose: a.Purpose, Restricted: a.Restricted, Cash: a.Cash})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return http.StatusOK, map[string]any{"accounts": out}, nil
}

// flowCommon are the fields of every flow, named as the CLI's flags. The
// CLI's --key is the Idempotency-Key header.
type flowCommon struct {
	Fund        string   `json:"fund"`
	Amount      string   `json:"amount"`
	Date        string   `json:"date"`
	Summary     string   `json:"summary"`
	Payee       string   `json:"payee"`
	PayeeType   string   `json:"payee_type"`
	Method      string   `json:"method"`
	Attachments int      `json:"attachments"`
	DocTypes    []string `json:"doc_types"`
	Decision    string   `json:"decision"`
	Memo        string   `json:"memo"`
}

type receiveBody struct{ flowCommon }

type matchBody struct {
	flowCommon
	FromGeneral string `json:"from_general"`
}

type allocateBody struct {
	flowCommon
	To string `json:"to"`
}

type spendBody struct {
	flowCommon
	Org           string            `json:"org"`
	Purpose       string            `json:"purpose"`
	Beneficiaries []json.RawMessage `json:"beneficiaries"`
	Items         []json.RawMessage `json:"items"`
}

type returnBody struct {
	flowCommon
	Org string `json:"org"`
}

// voucherAnswer is a voucher; Replayed marks a voucher made earlier by a
// request with the same idempotency key (the CLI's --key semantics).
type voucherAnswer struct {
	ledger.VoucherView
	Replayed bool `json:"replayed,omitempty"`
}

// today is the date a request that names none takes: today in the book's
// time zone, not in UTC (before 08:00 Beijing time UTC is still on yesterday).
func (s *Server) today() time.Time { return ledger.Today(s.db.Now(), s.opt.TimeZone) }

// flow makes a draft voucher of one of the five flows.
func (s *Server) flow(flow string) writeFunc {
	return func(c *call) (execFunc, error) {
		// The role first: an auditor is refused whatever the body says.
		if err := ledger.Authorize(c.user, ledger.ActMake, &ledger.Voucher{}, nil, false); err != nil {
			return nil, err
		}
		req := &ledger.FlowRequest{Flow: flow}
		var common *flowCommon
		var err error
		switch flow {
		case ledger.FlowReceive:
			var in receiveBody
			common = &in.flowCommon
			err = decodeStrict(c.body, &in, "", false)
		case ledger.FlowMatch:
			var in matchBody
			common = &in.flowCommon
			err = decodeStrict(c.body, &in, "", false)
			req.FromGeneral = in.FromGeneral
		case ledger.FlowAllocate:
			var in allocateBody
			common = &in.flowCommon
			err = decodeStrict(c.body, &in, "", false)
			req.Org = in.To
			if err == nil && in.To == "" {
				err = ledger.Errorf(ledger.EInvalid, "to", "to names the organisation the money is allocated to")
			}
		case ledger.FlowSpend:
			var in spendBody
			common = &in.flowCommon
			err = decodeStrict(c.body, &in, "", false)
			req.Org = in.Org
			if err == nil && in.Purpose != "" {
				req.Purpose, err = ledger.ParsePurpose(in.Purpose)
			}
			if err == nil {
				req.Beneficiaries, err = beneficiaries(in.Beneficiaries)
			}
			if err == nil {
				req.Items, err = items(in.Items, "items")
			}
		case ledger.FlowReturn:
			var in returnBody
			common = &in.flowCommon
			err = decodeStrict(c.body, &in, "", false)
			req.Org = in.Org
			if err == nil && in.Org == "" {
				err = ledger.Errorf(ledger.EInvalid, "org", "org names the organisation returning money")
			}
		}
		if err != nil {
			return nil, err
		}
		if req.Amount, err = amount(common.Amount, "amount"); err != nil {
			return nil, err
		}
		if req.Date, err = date(common.Date, "date", s.today()); err != nil {
			return nil, err
		}
		req.Fund, req.Summary, req.Payee, req.PayeeType, req.Method = common.Fund, common.Summary, common.Payee, common.PayeeType, common.Method
		req.Attachments, req.DocTypes, req.Decision, req.Memo, req.Key = common.Attachments, common.DocTypes, common.Decision, common.Memo, c.key
		b, err := s.loadBooks(c.r.Context(), c.user.Book)
		if err != nil {
			return nil, err
		}
		v, err := ledger.BuildFlow(req, b)
		if err != nil {
			return nil, err
		}
		return s.makeVoucher(c, v, b)
	}
}

// makeVoucher checks the scope of a new voucher and returns the write
// that stores it.
func (s *Server) makeVoucher(c *call, v *ledger.Voucher, b *ledger.Books) (execFunc, error) {
	if err := ledger.Authorize(c.user, ledger.ActMake, v, b, b.Book.RequireCashierSign); err != nil {
		return nil, err
	}
	if err := ledger.CheckActive(v, b); err != nil {
		return nil, err
	}
	c.inline = true // CreateVoucher claims the key in the draft's own batch
	return func(ctx context.Context, retry bool) (int, any, error) {
		out, replayed, err := s.db.CreateVoucher(ctx, c.user.Name, v)
		if err != nil {
			return 0, nil, err
		}
		// A voucher made by an earlier attempt of this very request (a
		// retry that took over its claim) is answered as the first answer
		// would have been.
		replayed = replayed && !retry
		status := http.StatusCreated
		if replayed {
			status = http.StatusOK
		}
		return status, voucherAnswer{ledger.View(out, b.Chart, false).In(s.opt.TimeZone), replayed}, nil
	}, nil
}

// voucherBody is a general voucher, as the file of `ledger voucher add`.
type voucherBody struct {
	Date          string            `json:"date"`
	Type          string            `json:"type"`
	Summary       string            `json:"summary"`
	Attachments   int               `json:"attachments"`
	DocTypes      []string          `json:"doc_types"`
	Decision      string            `json:"decision"`
	Payee         string            `json:"payee"`
	PayeeType     string            `json:"payee_type"`
	Method        string            `json:"method"`
	Memo          string            `json:"memo"`
	Correcting    bool              `json:"correcting"`
	Closing       bool              `json:"closing"`
	Lines         []json.RawMessage `json:"lines"`
	Beneficiaries []json.RawMessage `json:"beneficiaries"`
}

type lineBody struct {
	Summary string            `json:"summary"`
	Account string            `json:"account"`
	Org     string            `json:"org"`
	Fund    string            `json:"fund"`
	Purpose string            `json:"purpose"`
	Debit   string            `json:"debit"`
	Credit  string            `json:"credit"`
	Items   []json.RawMessage `json:"items"`
}

// createVoucher makes a general draft voucher from its lines.
func (s *Server) createVoucher(c *call) (execFunc, error) {
	if err := ledger.Authorize(c.user, ledger.ActMake, &ledger.Voucher{}, nil, false); err != nil {
		return nil, err
	}
	var in voucherBody
	if err := decodeStrict(c.body, &in, "", false); err != nil {
		return nil, err
	}
	v, err := in.voucher(c)
	if err != nil {
		return nil, err
	}
	b, err := s.loadBooks(c.r.Context(), c.user.Book)
	if err != nil {
		return nil, err
	}
	if err := ledger.ValidateVoucher(v, b); err != nil {
		return nil, err
	}
	return s.makeVoucher(c, v, b)
}

// voucher is the general voucher the body describes, made (or edited) by
// c's user with c's idempotency key.
func (in *voucherBody) voucher(c *call) (*ledger.Voucher, error) {
	if len(in.Lines) > ledger.LinesMax {
		return nil, ledger.Errorf(ledger.EInvalid, "lines", "a voucher has at most %d lines", ledger.LinesMax)
	}
	d, err := date(in.Date, "date", time.Time{})
	if err != nil {
		return nil, err
	}
	v := &ledger.Voucher{Book: c.user.Book, Type: in.Type, Date: d, Summary: in.Summary, Attachments: in.Attachments,
		DocTypes: in.DocTypes, Decision: in.Decision, Payee: in.Payee, PayeeType: in.PayeeType, Method: in.Method,
		Memo: in.Memo, Key: c.key, Correcting: in.Correcting, Closing: in.Closing, Flow: "general"}
	for i, raw := range in.Lines {
		prefix := fmt.Sprintf("lines[%d].", i+1)
		var lb lineBody
		if err := decodeStrict(raw, &lb, prefix, false); err != nil {
			return nil, err
		}
		l := ledger.Line{Summary: lb.Summary, Account: lb.Account, Org: lb.Org, Fund: lb.Fund, Purpose: ledger.Purpose(lb.Purpose)}
		if l.Debit, err = optionalAmount(lb.Debit, prefix+"debit"); err != nil {
			return nil, err
		}
		if l.Credit, err = optionalAmount(lb.Credit, prefix+"credit"); err != nil {
			return nil, err
		}
		if l.Items, err = items(lb.Items, prefix+"items"); err != nil {
			return nil, err
		}
		v.Lines = append(v.Lines, l)
	}
	if v.Beneficiaries, err = beneficiaries(in.Beneficiaries); err != nil {
		return nil, err
	}
	return v, nil
}

// listVouchers pages through vouchers by id (creation order, stable):
// ?after_id= the last id of the previous page, limit at most
// postgres.ListLimitMax (default 100). A scoped user sees the vouchers
// with a line in the scope (mayRead).
func (s *Server) listVouchers(c *call) (int, any, error) {
	q, err := query(c.r, "period", "status", "org", "flow", "after_id", "limit")
	if err != nil {
		return 0, nil, err
	}
	f := postgres.VoucherFilter{Book: c.user.Book, Status: q.Get("status"), Flow: q.Get("flow"), Limit: 100, WithLines: true}
	if p := q.Get("period"); p != "" {
		pr, err := ledger.ParsePeriod(p)
		if err != nil {
			return 0, nil, ledger.Errorf(ledger.EInvalid, "period", "%s", ledger.ErrorMessage(err))
		}
		f.From, f.To = pr.From, pr.To
	}
	if f.Status != "" && !slices.Contains([]string{"draft", "checked", "signed", "posted", "void"}, f.Status) {
		return 0, nil, ledger.Errorf(ledger.EInvalid, "status", "status is draft, checked, signed, posted or void")
	}
	if f.Flow != "" && !slices.Contains([]string{"receive", "match", "allocate", "spend", "return", "general", "reversal", "correction", "import", "donation", "remit", ledger.FlowOpening, ledger.FlowOpeningYTD, ledger.FlowYearClose}, f.Flow) {
		return 0, nil, ledger.Errorf(ledger.EInvalid, "flow", "unknown flow %q", f.Flow)
	}
	if a := q.Get("after_id"); a != "" {
		if f.AfterID, err = strconv.ParseInt(a, 10, 64); err != nil || f.AfterID < 0 {
			return 0, nil, ledger.Errorf(ledger.EInvalid, "after_id", "after_id is the last id of the previous page")
		}
	}
	if l := q.Get("limit"); l != "" {
		if f.Limit, err = strconv.Atoi(l); err != nil || f.Limit < 1 {
			return 0, nil, ledger.Errorf(ledger.EInvalid, "limit", "limit is a number from 1 to %d", postgres.ListLimitMax)
		}
		f.Limit = min(f.Limit, postgres.ListLimitMax)
	}
	b, err := s.loadBooks(c.r.Context(), c.user.Book)
	if err != nil {
		return 0, nil, err
	}
	if f.Org, err = scopedOrg(c.user, b, q.Get("org"), "org"); err != nil {
		return 0, nil, err
	}
	vs, err := s.db.Vouchers(c.r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	out := []ledger.VoucherView{}
	for _, v := range vs {
		if mayRead(c.user, v, b) == nil {
			out = append(out, ledger.View(v, b.Chart, false).In(s.opt.TimeZone))
		}
	}
	// The next page starts after the last voucher read, shown or not.
	var next *int64
	if len(vs) == f.Limit {
		id := vs[len(vs)-1].ID
		next = &id
	}
	return http.StatusOK, map[string]any{"vouchers": out, "limit": f.Limit, "next_after_id": next}, nil
}

func (s *Server) getVoucher(c *call) (int, any, error) {
	q, err := query(c.r, "history")
	if err != nil {
		return 0, nil, err
	}
	id, err := pathID(c.r)
	if err != nil {
		return 0, nil, err
	}
	v, err := s.db.Voucher(c.r.Context(), c.user.Book, id)
	if err != nil {
		return 0, nil, err
	}
	b, err := s.loadBooks(c.r.Context(), c.user.Book)
	if err != nil {
		return 0, nil, err
	}
	if err := mayRead(c.user, v, b); err != nil {
		return 0, nil, err
	}
	view := ledger.View(v, b.Chart, false).In(s.opt.TimeZone)
	if q.Get("history") == "true" {
		return s.withHistory(c, view)
	}
	return http.StatusOK, view, nil
}

// transition moves a voucher one step of the workflow.
func (s *Server) transition(act ledger.Action) writeFunc {
	return func(c *call) (execFunc, error) {
		// The role first (the voucher's state and people are checked by
		// the adapter under lock); only a missing role is decided here.
		if err := ledger.Authorize(c.user, act, &ledger.Voucher{}, nil, false); ledger.ErrorCode(err) == ledger.EForbidden {
			return nil, err
		}
		id, err := pathID(c.r)
		if err != nil {
			return nil, err
		}
		if err := decodeStrict(c.body, &struct{}{}, "", true); err != nil {
			return nil, err
		}
		// Transition records the key with the step itself.
		c.inline = true
		return func(ctx context.Context, retry bool) (int, any, error) {
			v, err := s.db.Transition(ctx, c.user.Book, c.user.Name, id, act)
			if err != nil && retry && ledger.ErrorCode(err) == ledger.EInvalidState {
				// An earlier attempt with this key may have done the step
				// and lost its answer: answer as it would have.
				if cur, e := s.db.Voucher(ctx, c.user.Book, id); e == nil && doneBy(cur, act, c.user.Name) {
					v, err = cur, nil
				}
			}
			if err != nil {
				return 0, nil, err
			}
			return http.StatusOK, ledger.View(v, s.chart(ctx, c.user.Book), false).In(s.opt.TimeZone), nil
		}, nil
	}
}

// doneBy reports whether v shows step act done by actor.
func doneBy(v *ledger.Voucher, act ledger.Action, actor string) bool {
	switch act {
	case ledger.ActCheck:
		return v.Checker == actor && v.Status != ledger.StatusDraft && v.Status != ledger.StatusVoid
	case ledger.ActSign:
		return v.Cashier == actor && (v.Status == ledger.StatusSigned || v.Status == ledger.StatusPosted)
	case ledger.ActPost:
		return v.Poster == actor && v.Status == ledger.StatusPosted
	case ledger.ActVoid:
		return v.Status == ledger.StatusVoid
	case ledger.ActUncheck:
		return v.Status == ledger.StatusDraft && v.Checker == ""
	}
	return false
}

// chart names accounts in answers; without it they carry codes only.
func (s *Server) chart(ctx context.Context, book string) ledger.Chart {
	b, err := s.loadBooks(ctx, book)
	if err != nil {
		return nil
	}
	return b.Chart
}

type reverseBody struct {
	Date string `json:"date"`
}

// reverse makes the red voucher cancelling a posted one, as a draft.
func (s *Server) reverse(c *call) (execFunc, error) {
	if err := ledger.Authorize(c.user, ledger.ActReverse, &ledger.Voucher{}, nil, false); ledger.ErrorCode(err) == ledger.EForbidden {
		return nil, err
	}
	id, err := pathID(c.r)
	if err != nil {
		return nil, err
	}
	var in reverseBody
	if err := decodeStrict(c.body, &in, "", true); err != nil {
		return nil, err
	}
	d, err := date(in.Date, "date", time.Time{})
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, retry bool) (int, any, error) {
		v, err := s.db.Reverse(ctx, c.user.Book, c.user.Name, id, d)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, ledger.View(v, s.chart(ctx, c.user.Book), false).In(s.opt.TimeZone), nil
	}, nil
}

// balances answers balances rolled up the organisation tree, for the
// user's scope unless org names a part of it.
func (s *Server) balances(c *call) (int, any, error) {
	q, err := query(c.r, "org", "fund", "as_of")
	if err != nil {
		return 0, nil, err
	}
	var asOf time.Time
	if a := q.Get("as_of"); a != "" {
		if asOf, err = date(a, "as_of", time.Time{}); err != nil {
			return 0, nil, err
		}
	}
	b, err := s.loadBooks(c.r.Context(), c.user.Book)
	if err != nil {
		return 0, nil, err
	}
	org, err := scopedOrg(c.user, b, q.Get("org"), "org")
	if err != nil {
		return 0, nil, err
	}
	fund := q.Get("fund")
	if fund != "" && b.Funds[fund] == nil {
		return 0, nil, ledger.Errorf(ledger.ENotFound, "fund", "fund %s does not exist", fund)
	}
	rows, err := s.db.Balances(c.r.Context(), c.user.Book, org, fund, asOf)
	if err != nil {
		return 0, nil, err
	}
	if rows == nil {
		rows = []postgres.BalanceRow{}
	}
	return http.StatusOK, map[string]any{"org": org, "fund": fund, "as_of": q.Get("as_of"), "balances": rows}, nil
}
