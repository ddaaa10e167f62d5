package httpapi

import (
	"context"
	"net/http"

	"github.com/fenyang/partyfee/ledger"
)

// Grants across books (SPEC §3): the upper book makes a grant voucher;
// posting it makes the lower book's receipt draft when that book is in
// this database, else the lower book takes the export (GET
// /api/v1/grants/{id}) with POST /api/v1/grants/receive, once.

func (s *Server) registerGrants() {
	get := func(pattern string, h readFunc) { s.handle(Route{Method: http.MethodGet, Pattern: pattern}, s.read(h)) }
	post := func(pattern string, h writeFunc) {
		s.handle(Route{Method: http.MethodPost, Pattern: pattern, Write: true}, s.write(h))
	}
	post("/api/v1/grants", s.makeGrant)
	get("/api/v1/grants", s.grants)
	get("/api/v1/grants/{id}", s.exportGrant)
	post("/api/v1/grants/receive", s.receiveGrant)
}

type grantBody struct {
	Fund        string   `json:"fund"`
	Org         string   `json:"org"`
	Amount      string   `json:"amount"`
	Date        string   `json:"date"`
	Summary     string   `json:"summary"`
	Decision    string   `json:"decision"`
	Attachments int      `json:"attachments"`
	DocTypes    []string `json:"doc_types"`
	Memo        string   `json:"memo"`
	ToBook      string   `json:"to_book"`
	ToOrg       string   `json:"to_org"`
	ToFund      string   `json:"to_fund"`
}

// makeGrant answers POST /api/v1/grants: the draft grant voucher.
func (s *Server) makeGrant(c *call) (execFunc, error) {
	if err := ledger.Authorize(c.user, ledger.ActMake, &ledger.Voucher{}, nil, false); err != nil {
		return nil, err
	}
	var in grantBody
	if err := decodeStrict(c.body, &in, "", false); err != nil {
		return nil, err
	}
	req := &ledger.GrantRequest{Fund: in.Fund, Org: in.Org, Summary: in.Summary, Decision: in.Decision, Attachments: in.Attachments,
		DocTypes: in.DocTypes, Memo: in.Memo, Key: c.key, ToBook: in.ToBook, ToOrg: in.ToOrg, ToFund: in.ToFund}
	var err error
	if req.Amount, err = amount(in.Amount, "amount"); err != nil {
		return nil, err
	}
	if req.Date, err = date(in.Date, "date", s.today()); err != nil {
		return nil, err
	}
	return func(ctx context.Context, retry bool) (int, any, error) {
		v, replayed, err := s.db.MakeGrant(ctx, c.user.Book, c.user.Name, req)
		if err != nil {
			return 0, nil, err
		}
		b, err := s.loadBooks(ctx, c.user.Book)
		if err != nil {
			return 0, nil, err
		}
		replayed = replayed && !retry
		status := http.StatusCreated
		if replayed {
			status = http.StatusOK
		}
		return status, voucherAnswer{ledger.View(v, b.Chart, false).In(s.opt.TimeZone), replayed}, nil
	}, nil
}

// grants answers GET /api/v1/grants: the grants the book made or
// received, with their 在途 state.
func (s *Server) grants(c *call) (int, any, error) {
	if err := wholeBook(c.user, "read the book's grants"); err != nil {
		return 0, nil, err
	}
	gs, err := s.db.Grants(c.r.Context(), c.user.Book)
	if err != nil {
		return 0, nil, err
	}
	type grantAnswer struct {
		ledger.Grant
		InTransit bool `json:"in_transit"`
	}
	out := make([]grantAnswer, len(gs))
	for i, g := range gs {
		out[i] = grantAnswer{g, g.InTransit()}
	}
	return http.StatusOK, map[string]any{"grants": out}, nil
}

// exportGrant answers GET /api/v1/grants/{id}: a posted grant of the book
// as the lower book in another database takes it.
func (s *Server) exportGrant(c *call) (int, any, error) {
	if err := wholeBook(c.user, "export a grant"); err != nil {
		return 0, nil, err
	}
	id, err := pathID(c.r)
	if err != nil {
		return 0, nil, err
	}
	g, err := s.db.ExportGrant(c.r.Context(), c.user.Book, id)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, g, nil
}

// receiveGrant answers POST /api/v1/grants/receive: the lower book's
// receipt draft of an exported grant; the same grant again answers the
// same voucher.
func (s *Server) receiveGrant(c *call) (execFunc, error) {
	if err := ledger.Authorize(c.user, ledger.ActMake, &ledger.Voucher{}, nil, false); err != nil {
		return nil, err
	}
	var g ledger.GrantReceipt
	if err := decodeStrict(c.body, &g, "", false); err != nil {
		return nil, err
	}
	if g.ToBook != c.user.Book {
		return nil, ledger.Errorf(ledger.EInvalid, "to_book", "the grant is for book %s, not %s", g.ToBook, c.user.Book)
	}
	return func(ctx context.Context, retry bool) (int, any, error) {
		v, replayed, err := s.db.ReceiveGrant(ctx, c.user.Name, &g)
		if err != nil {
			return 0, nil, err
		}
		b, err := s.loadBooks(ctx, c.user.Book)
		if err != nil {
			return 0, nil, err
		}
		status := http.StatusCreated
		if replayed {
			status = http.StatusOK
		}
		return status, voucherAnswer{ledger.View(v, b.Chart, false).In(s.opt.TimeZone), replayed && !retry}, nil
	}, nil
}

// wholeBook refuses a branch-scoped user: grants are the book's dealings
// with another book.
func wholeBook(u *ledger.User, what ledger.Phrase) error {
	if u.Scope != "" {
		return ledger.Errorf(ledger.EForbidden, "user", "%s may act only within %s; to %s is for a user of the whole book", u.Name, u.Scope, what)
	}
	return nil
}
