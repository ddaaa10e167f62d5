package httpapi

import (
	"context"
	"net/http"

	"github.com/fenyang/partyfee/ledger"
)

// registerEdit adds the edit of a draft (its history is GET
// /api/v1/vouchers/{id}?history=true).
func (s *Server) registerEdit() {
	s.handle(Route{Method: http.MethodPost, Pattern: "/api/v1/vouchers/{id}/edit", Write: true}, s.write(s.editVoucher))
}

// editBody is the new content of a draft, as the body of POST
// /api/v1/vouchers (the file of `ledger voucher add`), and the version it
// changes.
type editBody struct {
	Version int `json:"version"`
	voucherBody
}

// editVoucher replaces a draft's header, lines and beneficiaries; its
// number, month, 凭证字 and flow stay. A stale version is invalid_state
// (field version), a checked voucher immutable.
func (s *Server) editVoucher(c *call) (execFunc, error) {
	if err := ledger.CanMakeVouchers(c.user); err != nil {
		return nil, err
	}
	id, err := pathID(c.r)
	if err != nil {
		return nil, err
	}
	var in editBody
	if err := decodeStrict(c.body, &in, "", false); err != nil {
		return nil, err
	}
	v, err := in.voucher(c)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, retry bool) (int, any, error) {
		out, err := s.db.EditVoucher(ctx, c.user.Name, id, in.Version, v)
		if err != nil && retry && ledger.ErrorCode(err) == ledger.EInvalidState {
			// An earlier attempt with this key may have made the edit and
			// lost its answer: answer as it would have.
			if cur, e := s.db.Voucher(ctx, c.user.Book, id); e == nil && cur.Version == in.Version+1 {
				if h, e := s.db.VoucherHistory(ctx, c.user.Book, id); e == nil && len(h) > 0 {
					if last := h[len(h)-1]; last.Action == ledger.ActEdit && last.Version == cur.Version && last.Actor == c.user.Name {
						out, err = cur, nil
					}
				}
			}
		}
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, ledger.View(out, s.chart(ctx, c.user.Book), false).In(s.opt.TimeZone), nil
	}, nil
}

// withHistory answers voucher view (GET /api/v1/vouchers/{id}?history=true)
// with what was done to it, oldest first: its making, each edit (the
// fields changed, the content before and after, ID numbers masked) and
// each workflow step, with the version.
func (s *Server) withHistory(c *call, view ledger.VoucherView) (int, any, error) {
	h, err := s.db.VoucherHistory(c.r.Context(), c.user.Book, view.ID)
	if err != nil {
		return 0, nil, err
	}
	for i := range h {
		h[i].At = ledger.InZone(h[i].At, s.opt.TimeZone)
	}
	if h == nil {
		h = []ledger.VersionEntry{}
	}
	return http.StatusOK, struct {
		ledger.VoucherView
		History []ledger.VersionEntry `json:"history"`
	}{view, h}, nil
}
