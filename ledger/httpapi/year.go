package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// The book's year: opening balances (期初余额), the year-end close (结转)
// and re-opening a closed year.

func (s *Server) registerYear() {
	post := func(pattern string, h writeFunc) {
		s.handle(Route{Method: http.MethodPost, Pattern: pattern, Write: true}, s.write(h))
	}
	post("/api/v1/openings", s.opening)
	post("/api/v1/years/{year}/close", s.closeYear)
	post("/api/v1/years/{year}/reopen", s.reopenYear)
	s.handle(Route{Method: http.MethodGet, Pattern: "/api/v1/years"}, s.read(s.years))
}

type openingBody struct {
	Month string            `json:"month"`
	Rows  []json.RawMessage `json:"rows"`
}

func init() {
	for _, f := range []string{"balance", "year_debit", "year_credit"} {
		amountFields[f] = true
	}
}

type openingRowBody struct {
	Account    string `json:"account"`
	Org        string `json:"org"`
	Fund       string `json:"fund"`
	Balance    string `json:"balance"`
	YearDebit  string `json:"year_debit"`
	YearCredit string `json:"year_credit"`
}

// vouchersAnswer is the vouchers a year act made.
type vouchersAnswer struct {
	Vouchers []ledger.VoucherView `json:"vouchers"`
	Replayed bool                 `json:"replayed,omitempty"`
}

func (s *Server) vouchersAnswer(ctx context.Context, book string, vs []*ledger.Voucher, replayed bool) vouchersAnswer {
	out := vouchersAnswer{Vouchers: []ledger.VoucherView{}, Replayed: replayed}
	chart := s.chart(ctx, book)
	for _, v := range vs {
		out.Vouchers = append(out.Vouchers, ledger.View(v, chart, false).In(s.opt.TimeZone))
	}
	return out
}

// opening makes the opening vouchers (期初) as drafts: an admin of the
// whole book.
func (s *Server) opening(c *call) (execFunc, error) {
	if err := ledger.CanOpenBook(c.user); err != nil {
		return nil, err
	}
	var in openingBody
	if err := decodeStrict(c.body, &in, "", false); err != nil {
		return nil, err
	}
	if len(in.Rows) > ledger.OpeningRowsMax {
		return nil, ledger.Errorf(ledger.EInvalid, "rows", "an opening has at most %d rows", ledger.OpeningRowsMax)
	}
	var month time.Time
	if in.Month != "" {
		p, err := ledger.ParsePeriod(in.Month)
		if err != nil || len(p.Months()) != 1 {
			return nil, ledger.Errorf(ledger.EInvalid, "month", "month %q is not YYYY-MM", in.Month)
		}
		month = p.From
	}
	rows := make([]ledger.OpeningRow, len(in.Rows))
	for i, raw := range in.Rows {
		f := fmt.Sprintf("rows[%d].", i+1)
		var r openingRowBody
		if err := decodeStrict(raw, &r, f, false); err != nil {
			return nil, err
		}
		rows[i] = ledger.OpeningRow{Account: r.Account, Org: r.Org, Fund: r.Fund}
		var err error
		if rows[i].Balance, err = optionalAmount(r.Balance, f+"balance"); err != nil {
			return nil, err
		}
		if rows[i].YearDebit, err = optionalAmount(r.YearDebit, f+"year_debit"); err != nil {
			return nil, err
		}
		if rows[i].YearCredit, err = optionalAmount(r.YearCredit, f+"year_credit"); err != nil {
			return nil, err
		}
	}
	return func(ctx context.Context, retry bool) (int, any, error) {
		vs, replayed, err := s.db.Opening(ctx, c.user.Book, c.user.Name, month, rows, c.key)
		if err != nil {
			return 0, nil, err
		}
		status := http.StatusCreated
		if replayed {
			status = http.StatusOK
		}
		return status, s.vouchersAnswer(ctx, c.user.Book, vs, replayed), nil
	}, nil
}

func pathYear(c *call) (int, error) {
	y, err := strconv.Atoi(c.r.PathValue("year"))
	if err != nil || y < 1900 || y > 9999 {
		return 0, ledger.Errorf(ledger.EInvalid, "year", "name a year (YYYY), not %s", c.r.PathValue("year"))
	}
	return y, nil
}

// closeYear makes the year-end close's vouchers (结转) as drafts of the
// batch identity: an admin of the whole book.
func (s *Server) closeYear(c *call) (execFunc, error) {
	if err := ledger.CanCloseYear(c.user); err != nil {
		return nil, err
	}
	y, err := pathYear(c)
	if err != nil {
		return nil, err
	}
	if err := decodeStrict(c.body, &struct{}{}, "", true); err != nil {
		return nil, err
	}
	return func(ctx context.Context, retry bool) (int, any, error) {
		vs, err := s.db.YearClose(ctx, c.user.Book, c.user.Name, y)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, s.vouchersAnswer(ctx, c.user.Book, vs, false), nil
	}, nil
}

// reopenYear re-opens the latest closed year: an admin of the whole book,
// with a reason.
func (s *Server) reopenYear(c *call) (execFunc, error) {
	if err := ledger.CanReopenYear(c.user); err != nil {
		return nil, err
	}
	y, err := pathYear(c)
	if err != nil {
		return nil, err
	}
	var in reopenBody
	if err := decodeStrict(c.body, &in, "", false); err != nil {
		return nil, err
	}
	return func(ctx context.Context, retry bool) (int, any, error) {
		if err := s.db.ReopenYear(ctx, c.user.Book, c.user.Name, y, in.Reason); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, map[string]any{"year": y, "status": "open"}, nil
	}, nil
}

func (s *Server) years(c *call) (int, any, error) {
	if _, err := query(c.r); err != nil {
		return 0, nil, err
	}
	ys, err := s.db.Years(c.r.Context(), c.user.Book)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"years": ys}, nil
}
