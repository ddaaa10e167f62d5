package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// mayRead refuses a voucher with no line in u's scope (the API's rule: a
// scoped user sees the vouchers touching the scope).
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

// work sorts vouchers into what waits for the user: their own drafts and
// the vouchers each of their roles may act on now (ledger.Authorize
// decides, as for the act itself).
type work struct {
	Drafts, ToCheck, ToSign, ToPost, Checked []*ledger.Voucher
}

// workQueueMax bounds the vouchers read for the work queues.
const workQueueMax = 500

func (s *Server) work(r *http.Request) (work, error) {
	rq := current(r)
	u, b := rq.user, rq.books
	vs, err := s.db.SearchVouchers(r.Context(), postgres.VoucherSearch{Book: u.Book, Statuses: []string{"draft", "checked", "signed"},
		Org: u.Scope, Limit: workQueueMax})
	if err != nil {
		return work{}, err
	}
	var w work
	req := b.Book.RequireCashierSign
	for _, v := range vs {
		switch {
		case v.Status == ledger.StatusDraft && v.Maker == u.Name:
			w.Drafts = append(w.Drafts, v)
		case ledger.Authorize(u, ledger.ActCheck, v, b, req) == nil:
			w.ToCheck = append(w.ToCheck, v)
		case ledger.Authorize(u, ledger.ActSign, v, b, req) == nil && v.TouchesCash(b.Chart):
			w.ToSign = append(w.ToSign, v)
		case ledger.Authorize(u, ledger.ActPost, v, b, req) == nil:
			w.ToPost = append(w.ToPost, v)
		}
		if v.Status == ledger.StatusChecked && ledger.Authorize(u, ledger.ActUncheck, v, b, req) == nil {
			w.Checked = append(w.Checked, v)
		}
	}
	return w, nil
}

// fundBalance is a branch's available balance of one fund.
type fundBalance struct {
	Org, Fund string
	Amount    ledger.Money
}

type dashboardData struct {
	Work        work
	OpenPeriods []postgres.PeriodInfo
	Bank        *ledger.Money // the book's bank balance (whole-book users)
	Available   []fundBalance
	Today       time.Time
}

// dashboard answers GET /: 工作台.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	u, b := rq.user, rq.books
	d := dashboardData{Today: ledger.Today(s.db.Now(), s.opt.TimeZone)}
	var err error
	if d.Work, err = s.work(r); err != nil {
		s.fail(w, r, err)
		return
	}
	ps, err := s.db.Periods(r.Context(), u.Book)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, p := range ps {
		if p.Status == "open" {
			d.OpenPeriods = append(d.OpenPeriods, p)
		}
	}
	rows, err := s.db.Balances(r.Context(), u.Book, u.Scope, "", time.Time{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	root := b.Root()
	var bank ledger.Money
	for _, row := range rows {
		a := b.Chart[row.Account]
		if a == nil {
			continue
		}
		switch {
		case a.Cash && strings.HasPrefix(a.Code, "1002") && root != nil && row.Org == root.Code:
			bank = bank.Add(row.Total)
		case a.Restricted && !a.Cash && !row.Own.IsZero():
			d.Available = append(d.Available, fundBalance{Org: row.Org, Fund: row.Fund, Amount: row.Own})
		}
	}
	if u.Scope == "" {
		d.Bank = &bank
	}
	slices.SortFunc(d.Available, func(a, b fundBalance) int { return cmp.Or(cmp.Compare(a.Org, b.Org), cmp.Compare(a.Fund, b.Fund)) })
	s.render(w, r, http.StatusOK, "dashboard", page{Title: "工作台", Menu: "home", Data: d})
}

// voucherID reads the {id} of the path.
func voucherID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, ledger.Errorf(ledger.ENotFound, "id", "no voucher %q", r.PathValue("id"))
	}
	return id, nil
}

// readable reads voucher id as the request's user may see it.
func (s *Server) readable(r *http.Request, id int64) (*ledger.Voucher, error) {
	rq := current(r)
	v, err := s.db.Voucher(r.Context(), rq.user.Book, id)
	if err != nil {
		return nil, err
	}
	if err := mayRead(rq.user, v, rq.books); err != nil {
		return nil, err
	}
	return v, nil
}

type voucherData struct {
	V          *ledger.Voucher
	Total      ledger.Money
	History    []ledger.VersionEntry
	ReversedBy int64
	Can        map[string]bool // the acts the user may do now
	Today      string
	Files      []ledger.Attachment // the scanned originals, without their bytes
}

// voucher answers GET /vouchers/{id}: the voucher with its lines,
// beneficiaries, history and the red voucher that reverses it (or the one
// it reverses); buttons for the acts the user may do now.
func (s *Server) voucher(w http.ResponseWriter, r *http.Request) {
	id, err := voucherID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.readable(r, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rq := current(r)
	d := voucherData{V: v, Total: v.Total(), Can: map[string]bool{}, Today: ledger.Today(s.db.Now(), s.opt.TimeZone).Format(time.DateOnly)}
	if d.History, err = s.db.VoucherHistory(r.Context(), rq.user.Book, id); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.ReversedBy, err = s.db.ReversedBy(r.Context(), rq.user.Book, id); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Files, err = s.db.Attachments(r.Context(), rq.user.Book, id); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, a := range []ledger.Action{ledger.ActCheck, ledger.ActUncheck, ledger.ActSign, ledger.ActPost, ledger.ActVoid, ledger.ActReverse} {
		ok := ledger.Authorize(rq.user, a, v, rq.books, rq.books.Book.RequireCashierSign) == nil
		if a == ledger.ActSign {
			ok = ok && v.TouchesCash(rq.books.Chart)
		}
		if a == ledger.ActReverse {
			ok = ok && d.ReversedBy == 0 && v.ReversalOf == 0
		}
		d.Can[string(a)] = ok
	}
	s.render(w, r, http.StatusOK, "voucher", page{Title: "凭证 " + v.Word(), Menu: "vouchers", Notice: doneNotice(r), Data: d})
}

// printData is a print view's: one voucher or a month's.
type printData struct {
	Vouchers []printVoucher
	Layout   string // "paper" 凭证纸 240×140 mm, "a4" two per A4 page
	Back     string
	Switch   string // the same vouchers in the other layout
}

type printVoucher struct {
	V     *ledger.Voucher
	Total ledger.Money
	Rows  int // blank lines to fill the form to its ruled lines
}

// printLinesMin is the number of ruled lines of the printed form.
const printLinesMin = 5

func newPrintVoucher(v *ledger.Voucher) printVoucher {
	return printVoucher{V: v, Total: v.Total(), Rows: max(0, printLinesMin-len(v.Lines))}
}

// printLayout reads ?layout= and gives the URL of the other layout.
func printLayout(r *http.Request) (layout, other string) {
	q := r.URL.Query()
	layout = "paper"
	if q.Get("layout") == "a4" {
		layout = "a4"
		q.Del("layout")
	} else {
		q.Set("layout", "a4")
	}
	return layout, withQuery(r.URL.Path, q)
}

// printVoucher answers GET /vouchers/{id}/print: the 记账凭证 as it
// prints (?layout=a4 for two per A4 page).
func (s *Server) printVoucher(w http.ResponseWriter, r *http.Request) {
	id, err := voucherID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.readable(r, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := printData{Vouchers: []printVoucher{newPrintVoucher(v)}, Back: "/vouchers/" + strconv.FormatInt(id, 10)}
	d.Layout, d.Switch = printLayout(r)
	s.render(w, r, http.StatusOK, "print", page{Title: "打印凭证 " + v.Word(), Printed: true, Data: d})
}

// printMonthMax bounds the vouchers of one print run.
const printMonthMax = 5000

// printMonth answers GET /vouchers/print?period=2020-02 (or ?id=1&id=2…):
// the month's vouchers (void ones aside) or a selection, in number order.
func (s *Server) printMonth(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	q := r.URL.Query()
	var vs []*ledger.Voucher
	if ids := q["id"]; len(ids) > 0 {
		for _, a := range ids {
			id, err := strconv.ParseInt(a, 10, 64)
			if err != nil || id <= 0 {
				s.fail(w, r, ledger.Errorf(ledger.EInvalid, "id", "%q is not a voucher id", a))
				return
			}
			v, err := s.readable(r, id)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			vs = append(vs, v)
		}
	} else {
		p, err := ledger.ParsePeriod(q.Get("period"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f := postgres.VoucherSearch{Book: rq.user.Book, From: p.From, To: p.To, Org: rq.user.Scope,
			Statuses: []string{"draft", "checked", "signed", "posted"}, Limit: postgres.ListLimitMax}
		for {
			page, err := s.db.SearchVouchers(r.Context(), f)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			for _, v := range page {
				if mayRead(rq.user, v, rq.books) == nil {
					vs = append(vs, v)
				}
			}
			if len(page) < f.Limit || len(vs) >= printMonthMax {
				break
			}
			f.AfterID = page[len(page)-1].ID
		}
	}
	slices.SortFunc(vs, func(a, b *ledger.Voucher) int {
		return cmp.Or(cmp.Compare(a.Year, b.Year), cmp.Compare(a.Month, b.Month), cmp.Compare(a.Type, b.Type), cmp.Compare(a.Number, b.Number))
	})
	d := printData{Back: "/vouchers"}
	d.Layout, d.Switch = printLayout(r)
	for _, v := range vs {
		d.Vouchers = append(d.Vouchers, newPrintVoucher(v))
	}
	s.render(w, r, http.StatusOK, "print", page{Title: "打印凭证", Printed: true, Data: d})
}

// doneNotice is the notice of a redirect after an act (?done=check&n=2).
func doneNotice(r *http.Request) string {
	q := r.URL.Query()
	name := map[string]string{"check": "审核", "uncheck": "取消审核", "sign": "出纳签字", "post": "记账", "void": "作废", "reverse": "红字冲销"}[q.Get("done")]
	if name == "" {
		return ""
	}
	if n, err := strconv.Atoi(q.Get("n")); err == nil && n > 1 {
		return "已" + name + " " + strconv.Itoa(n) + " 张凭证。"
	}
	return "已" + name + "。"
}

// withQuery is path with q.
func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}
