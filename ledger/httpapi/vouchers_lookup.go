package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/fenyang/partyfee/ledger"
)

// Reading vouchers: who sees which voucher, and the lookup by 字号.

func (s *Server) registerVoucherLookup() {
	s.handle(Route{Method: http.MethodGet, Pattern: "/api/v1/vouchers/by-number/{word}"}, s.read(s.voucherByNumber))
}

// mayRead decides whether u sees voucher v: a user of the whole book sees
// every voucher, a scoped user one with a line on an organisation of the
// scope — so a branch sees the allocation to it, whose other side is the
// book's bank line. Every write still needs all lines in the scope
// (ledger.Authorize, checked again by the adapter).
func mayRead(u *ledger.User, v *ledger.Voucher, b *ledger.Books) error {
	if u.Scope == "" {
		return nil
	}
	for _, l := range v.Lines {
		if b.InScope(u.Scope, l.Org) {
			return nil
		}
	}
	return ledger.Errorf(ledger.EForbidden, "id", "%s may read only vouchers touching %s; %s has no line there", u.Name, u.Scope, v.Word())
}

// parseWord reads a 字号 such as 记-12 or 记-0012.
func parseWord(s string) (string, int, error) {
	typ, num, ok := strings.Cut(strings.TrimSpace(s), "-")
	n, err := strconv.Atoi(num)
	if !ok || typ == "" || err != nil || n < 1 {
		return "", 0, ledger.Errorf(ledger.EInvalid, "word", "%q is not a voucher 字号 such as 记-12", s)
	}
	return typ, n, nil
}

// voucherByNumber finds a voucher by its 字号 in a month, as the CLI's
// `voucher show 2020-02:记-12`: GET /api/v1/vouchers/by-number/记-12?period=2020-02.
func (s *Server) voucherByNumber(c *call) (int, any, error) {
	q, err := query(c.r, "period")
	if err != nil {
		return 0, nil, err
	}
	typ, n, err := parseWord(c.r.PathValue("word"))
	if err != nil {
		return 0, nil, err
	}
	if q.Get("period") == "" {
		return 0, nil, ledger.Errorf(ledger.EInvalid, "period", "period is required: the month of the voucher, YYYY-MM (numbers restart every month)")
	}
	p, err := ledger.ParsePeriod(q.Get("period"))
	if err != nil {
		return 0, nil, ledger.Errorf(ledger.EInvalid, "period", "%s", ledger.ErrorMessage(err))
	}
	if len(p.Months()) != 1 {
		return 0, nil, ledger.Errorf(ledger.EInvalid, "period", "period names one month (YYYY-MM), not %s", q.Get("period"))
	}
	v, err := s.db.VoucherByNumber(c.r.Context(), c.user.Book, p.From.Year(), int(p.From.Month()), typ, n)
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
	return http.StatusOK, ledger.View(v, b.Chart, false).In(s.opt.TimeZone), nil
}
