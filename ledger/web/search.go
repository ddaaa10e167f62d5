package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/reports"
)

// searchPageSize is the vouchers of one page of 凭证查询.
const searchPageSize = 50

// exportRowsMax bounds an export of a search.
const exportRowsMax = 20000

// searchForm is the filter of 凭证查询 as the form holds it.
type searchForm struct {
	Period, From, To, Number, Summary, Payee, AmountMin, AmountMax, Org, Fund, Purpose, Status, Maker string
	Drill                                                                                             drillForm
}

type searchData struct {
	Form     searchForm
	Rows     []*ledger.Voucher
	Next     string // the next page's URL, "" on the last
	Export   string
	Print    string
	Orgs     []*ledger.Organisation
	Funds    []*ledger.Fund
	Purposes []ledger.Purpose
	Makers   []string
}

var statuses = []string{"draft", "checked", "signed", "posted", "void"}

// searchFlows are the flows ?flow= selects (the drill-down of the audit
// tables' totals); a red reversal counts as the flow it cancels.
var searchFlows = []string{ledger.FlowReceive, ledger.FlowMatch, ledger.FlowAllocate, ledger.FlowSpend, ledger.FlowReturn, ledger.FlowGrant}

// parseSearch reads the filter of r's query into a search for the user;
// a scoped user's organisation filter stays within the scope.
func (s *Server) parseSearch(r *http.Request) (searchForm, postgres.VoucherSearch, error) {
	return parseSearchQuery(current(r), r.URL.Query())
}

// parseSearchQuery reads the filter of q for the user of rq.
func parseSearchQuery(rq *request, q url.Values) (searchForm, postgres.VoucherSearch, error) {
	f := searchForm{Period: q.Get("period"), From: q.Get("from"), To: q.Get("to"), Number: q.Get("number"), Summary: strings.TrimSpace(q.Get("summary")),
		Payee: strings.TrimSpace(q.Get("payee")), AmountMin: q.Get("amount_min"), AmountMax: q.Get("amount_max"), Org: q.Get("org"),
		Fund: q.Get("fund"), Purpose: q.Get("purpose"), Status: q.Get("status"), Maker: q.Get("maker")}
	vs := postgres.VoucherSearch{Book: rq.user.Book, Summary: f.Summary, Payee: f.Payee, Fund: f.Fund, Maker: f.Maker, Limit: searchPageSize}
	var err error
	if f.Period != "" {
		p, err := ledger.ParsePeriod(f.Period)
		if err != nil {
			return f, vs, err
		}
		vs.From, vs.To = p.From, p.To
	}
	if f.From != "" {
		if vs.From, err = ledger.ParseDate(f.From); err != nil {
			return f, vs, err
		}
	}
	if f.To != "" {
		if vs.To, err = ledger.ParseDate(f.To); err != nil {
			return f, vs, err
		}
	}
	if f.Number != "" {
		n, err := strconv.Atoi(strings.TrimLeft(strings.TrimSpace(f.Number), "0"))
		if err != nil || n < 1 {
			return f, vs, ledger.Errorf(ledger.EInvalid, "number", "%q is not a voucher number", f.Number)
		}
		vs.Number = n
	}
	for _, a := range []struct {
		text  string
		field string
		into  *int64
	}{{f.AmountMin, "amount_min", &vs.AmountMin}, {f.AmountMax, "amount_max", &vs.AmountMax}} {
		if strings.TrimSpace(a.text) == "" {
			continue
		}
		m, err := ledger.ParseMoney(strings.ReplaceAll(strings.TrimSpace(a.text), ",", ""))
		if err != nil {
			return f, vs, err
		}
		*a.into = m.Fen()
	}
	if f.Purpose != "" {
		p, err := ledger.ParsePurpose(f.Purpose)
		if err != nil {
			return f, vs, err
		}
		vs.Purpose = string(p)
	}
	if f.Status != "" {
		if !slices.Contains(statuses, f.Status) {
			return f, vs, ledger.Errorf(ledger.EInvalid, "status", "status is draft, checked, signed, posted or void")
		}
		vs.Statuses = []string{f.Status}
	}
	vs.Org = rq.user.Scope
	if f.Org != "" {
		if rq.books.Orgs[f.Org] == nil {
			return f, vs, ledger.Errorf(ledger.ENotFound, "org", "organisation %s does not exist", f.Org)
		}
		if !rq.books.InScope(rq.user.Scope, f.Org) {
			return f, vs, ledger.Errorf(ledger.EForbidden, "org", "%s may act only within %s; %s is outside", rq.user.Name, rq.user.Scope, f.Org)
		}
		vs.Org = f.Org
	}
	for _, fl := range q["flow"] {
		if !slices.Contains(searchFlows, fl) {
			return f, vs, ledger.Errorf(ledger.EInvalid, "flow", "flow is receive, match, allocate, spend, return or grant")
		}
		vs.Flows = append(vs.Flows, fl)
	}
	if err := parseDrill(q, rq.books, &f.Drill, &vs); err != nil {
		return f, vs, err
	}
	if err := parseHas(q, &vs); err != nil {
		return f, vs, err
	}
	if a := q.Get("after"); a != "" {
		if vs.AfterID, err = strconv.ParseInt(a, 10, 64); err != nil || vs.AfterID < 0 {
			return f, vs, ledger.Errorf(ledger.EInvalid, "after", "after is the last id of the previous page")
		}
	}
	return f, vs, nil
}

// vouchers answers GET /vouchers: 凭证查询, keyset-paged by id.
func (s *Server) vouchers(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	form, f, err := s.parseSearch(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	vs, err := s.db.SearchVouchers(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if form.Drill.active() {
		// The sums from the turnover by day when the filters allow it; the
		// vouchers are counted when they fit on this first page, or on
		// request (?count=1: every matching voucher read).
		sum, ok, err := s.db.SumVouchersByDay(r.Context(), f)
		switch {
		case err != nil:
		case !ok || r.URL.Query().Get("count") == "1":
			sum, err = s.db.SumVouchers(r.Context(), f)
		case f.AfterID == 0 && len(vs) < f.Limit:
			sum.Vouchers = len(vs)
		default:
			q := r.URL.Query()
			q.Set("count", "1")
			form.Drill.CountLink = withQuery("/vouchers", q)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		form.Drill.setSum(sum)
	}
	d := searchData{Form: form, Purposes: []ledger.Purpose{ledger.Procurement, ledger.Condolence, ledger.Relief}}
	for _, v := range vs {
		if mayRead(rq.user, v, rq.books) == nil {
			d.Rows = append(d.Rows, v)
		}
	}
	q := r.URL.Query()
	q.Del("after")
	d.Export = withQuery("/vouchers/export", q)
	if form.Period != "" {
		d.Print = withQuery("/vouchers/print", url.Values{"period": {form.Period}})
	}
	if len(vs) == f.Limit {
		q.Set("after", strconv.FormatInt(vs[len(vs)-1].ID, 10))
		d.Next = withQuery("/vouchers", q)
	}
	for _, o := range rq.books.Orgs {
		if rq.books.InScope(rq.user.Scope, o.Code) && o.Kind != ledger.OrgExternal {
			d.Orgs = append(d.Orgs, o)
		}
	}
	slices.SortFunc(d.Orgs, func(a, b *ledger.Organisation) int { return strings.Compare(a.Code, b.Code) })
	for _, fd := range rq.books.Funds {
		d.Funds = append(d.Funds, fd)
	}
	slices.SortFunc(d.Funds, func(a, b *ledger.Fund) int { return strings.Compare(a.Code, b.Code) })
	for name := range rq.view.people {
		d.Makers = append(d.Makers, name)
	}
	slices.Sort(d.Makers)
	s.render(w, r, http.StatusOK, "vouchers", page{Title: "凭证查询", Menu: "vouchers", Data: d})
}

// exportVouchers answers GET /vouchers/export: the search's vouchers (every
// page, up to exportRowsMax) as an Excel workbook.
func (s *Server) exportVouchers(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	_, f, err := s.parseSearch(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.Limit, f.AfterID = postgres.ListLimitMax, 0
	var rows []reports.VoucherListRow
	for len(rows) < exportRowsMax {
		vs, err := s.db.SearchVouchers(r.Context(), f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, v := range vs {
			if mayRead(rq.user, v, rq.books) != nil {
				continue
			}
			var orgs []string
			for _, l := range v.Lines {
				if n := rq.view.OrgName(l.Org); !slices.Contains(orgs, n) {
					orgs = append(orgs, n)
				}
			}
			rows = append(rows, reports.VoucherListRow{Date: v.Date, Word: v.Word(), Summary: v.Summary, Payee: v.Payee,
				Orgs: strings.Join(orgs, "、"), Amount: v.Total(), Status: v.Status.Name(), Maker: rq.view.Person(v.Maker),
				Checker: rq.view.Person(v.Checker), Cashier: rq.view.Person(v.Cashier), Poster: rq.view.Person(v.Poster)})
		}
		if len(vs) < f.Limit {
			break
		}
		f.AfterID = vs[len(vs)-1].ID
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="vouchers.xlsx"; filename*=UTF-8''`+url.PathEscape("凭证查询.xlsx"))
	if err := reports.WriteVoucherList(w, rows); err != nil {
		s.log.Error("export", "err", err.Error())
	}
}
