package web

import (
	"bufio"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/report"
	"github.com/fenyang/partyfee/reports"
)

// The audit workbook's tables T1…T9 as pages (/audit/tables/t1 …) and the
// workbook itself (/audit/workbook.xlsx, /audit/tables/t3.xlsx). A page
// reads the same read model as the workbook (postgres.AuditData, the
// report.AuditData `ledger report audit` writes) and takes its order,
// groups and totals from the same functions (report.BuildT1 …), so the
// page and the sheet show the same numbers. Like the API's
// /api/v1/reports/audit, any signed-in user reads them for their scope (or
// a part of it, ?org=).

// auditTables are the tables with a page: short name → sheet.
var auditTables = []struct{ name, sheet string }{
	{"t1", reports.SheetT1}, {"t2", reports.SheetT2}, {"t3", reports.SheetT3}, {"t4", reports.SheetT4}, {"t5", reports.SheetT5},
	{"t6", reports.SheetT6}, {"t7", reports.SheetT7}, {"t8", reports.SheetT8}, {"t9", reports.SheetT9},
}

// t3RowsShown bounds the rows of T3 on its page (the journal can hold a
// million); the 合计 counts every row, the download has them all.
const t3RowsShown = 1000

func tableSheet(name string) (string, bool) {
	for _, t := range auditTables {
		if t.name == name {
			return t.sheet, true
		}
	}
	return "", false
}

type tableCell struct {
	Text  string
	Class string // "num" an amount or a count (right-aligned), "date" a date
	Link  string // the vouchers behind it
}

type tableRow struct {
	Class string // "" a data row, "sub" a 小计, "total" the 合计
	Cells []tableCell
}

type tableLink struct {
	Name, Title, Href string
	Xlsx              string // the sheet alone
	Active            bool
}

type tableView struct {
	Name, Sheet, Title string
	Period, Org        string
	Info               string
	Heads              []string
	Rows               []tableRow
	Shown, Hidden      int // data rows of T3 shown and not shown
	Download, Workbook string
	Tabs               []tableLink
	Orgs               []*ledger.Organisation
}

type tablesIndex struct {
	Period, Org string
	Tabs        []tableLink
	Workbook    string
	Orgs        []*ledger.Organisation
}

// tableQuery reads ?period= (the current month by default) and ?org= (the
// user's scope by default, a part of it otherwise).
func (s *Server) tableQuery(r *http.Request) (string, ledger.PeriodRange, string, error) {
	rq := current(r)
	period, pr, err := s.overviewPeriod(r)
	if err != nil {
		return "", pr, "", err
	}
	org := r.FormValue("org")
	if org != "" && rq.books.Orgs[org] == nil {
		return "", pr, "", ledger.Errorf(ledger.ENotFound, "org", "organisation %s does not exist", org)
	}
	if org == "" {
		org = rq.user.Scope
	} else if !rq.books.InScope(rq.user.Scope, org) {
		return "", pr, "", ledger.Errorf(ledger.EForbidden, "org", "%s may act only within %s; %s is outside", rq.user.Name, rq.user.Scope, org)
	}
	return period, pr, org, nil
}

func tablesQuery(period, org string) url.Values {
	q := url.Values{"period": {period}}
	if org != "" {
		q.Set("org", org)
	}
	return q
}

func tableTabs(period, org, active string) []tableLink {
	var out []tableLink
	for _, t := range auditTables {
		out = append(out, tableLink{Name: strings.ToUpper(t.name), Title: reports.TableTitle(t.sheet),
			Href: withQuery("/audit/tables/"+t.name, tablesQuery(period, org)), Xlsx: withQuery("/audit/tables/"+t.name+".xlsx", tablesQuery(period, org)),
			Active: t.name == active})
	}
	return out
}

// scopeOrgs are the organisations the user may choose as ?org=.
func scopeOrgs(rq *request) []*ledger.Organisation {
	var out []*ledger.Organisation
	for _, o := range rq.books.Orgs {
		if rq.books.InScope(rq.user.Scope, o.Code) && o.Kind != ledger.OrgExternal {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b *ledger.Organisation) int { return strings.Compare(a.Code, b.Code) })
	return out
}

// auditTablesIndex answers GET /audit/tables: the nine tables.
func (s *Server) auditTablesIndex(w http.ResponseWriter, r *http.Request) {
	period, _, org, err := s.tableQuery(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := tablesIndex{Period: period, Org: org, Tabs: tableTabs(period, org, ""),
		Workbook: withQuery("/audit/workbook.xlsx", tablesQuery(period, org)), Orgs: scopeOrgs(current(r))}
	s.render(w, r, http.StatusOK, "audit_tables", page{Title: "审计报表", Menu: "audit", Data: d})
}

// auditTable answers GET /audit/tables/{name}: t1 … t9 as a page, or
// t1.xlsx … t9.xlsx, the sheet alone as `ledger report t1` writes it.
func (s *Server) auditTable(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	base, xlsx := strings.CutSuffix(name, ".xlsx")
	sheet, ok := tableSheet(base)
	if !ok {
		s.fail(w, r, ledger.Errorf(ledger.ENotFound, "table", "no audit table %s (t1 … t9)", name))
		return
	}
	if xlsx {
		s.auditWorkbook(w, r, sheet, base)
		return
	}
	rq := current(r)
	period, pr, org, err := s.tableQuery(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, closeData, err := s.reader(r.Context()).AuditData(r.Context(), rq.user.Book, pr, org)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer closeData()
	v := &tableView{Name: base, Sheet: sheet, Title: reports.TableTitle(sheet), Period: period, Org: org,
		Info: reports.InfoLine(d), Heads: reports.TableHeads(sheet), Tabs: tableTabs(period, org, base),
		Download: withQuery("/audit/tables/"+base+".xlsx", tablesQuery(period, org)),
		Workbook: withQuery("/audit/workbook.xlsx", tablesQuery(period, org)), Orgs: scopeOrgs(rq)}
	b := tableBuilder{v: v, period: period, scope: org}
	if err := tableBuilders[sheet](&b, d); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := closeData(); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "audit_table", page{Title: base + " " + v.Title, Menu: "audit", Data: v})
}

// auditWorkbookAll answers GET /audit/workbook.xlsx?period=&org=.
func (s *Server) auditWorkbookAll(w http.ResponseWriter, r *http.Request) {
	s.auditWorkbook(w, r, "", "")
}

// auditWorkbook streams the audit workbook (sheet "") or one sheet of it
// for the period and scope, written by the renderer of `ledger report
// audit`. A failure before the first bytes leave answers the error page;
// a later one ends the response early (a truncated zip no reader opens).
func (s *Server) auditWorkbook(w http.ResponseWriter, r *http.Request, sheet, base string) {
	rq := current(r)
	period, pr, org, err := s.tableQuery(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The cover names the replica the workbook was read from, as the API's.
	rdb, src := s.db, (*report.ReadSource)(nil)
	if s.opt.Reads != nil && s.opt.Reads.Replica != nil {
		rdb, src = s.opt.Reads.For(r.Context(), postgres.ReadLatest)
	}
	d, closeData, err := rdb.AuditData(r.Context(), rq.user.Book, pr, org)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer closeData()
	d.GeneratedAt, d.GeneratedBy, d.Source = s.db.Now(), rq.user.Name, src
	d.Preparer = s.opt.ReportPreparer
	if d.Preparer == "" {
		d.Preparer = rq.user.FullName
	}
	if d.Preparer == "" {
		d.Preparer = rq.user.Name
	}
	if s.opt.ReportReviewer != "" {
		d.Reviewer = s.opt.ReportReviewer
	}
	name := "审计报表-" + strings.ReplaceAll(period, "..", "_")
	if base != "" {
		name = base + "-" + strings.ReplaceAll(period, "..", "_")
	}
	if org != "" {
		name += "-" + org
	}
	sw := &sentCounter{w: w}
	bw := bufio.NewWriterSize(sw, 1<<16)
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name+".xlsx"))
	if sheet == "" {
		_, err = reports.WriteAudit(bw, d, reports.Options{})
	} else {
		err = reports.WriteSheet(bw, d, sheet, reports.Options{})
	}
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = closeData()
	}
	if err != nil && sw.n == 0 {
		w.Header().Del("Content-Type")
		w.Header().Del("Content-Disposition")
		s.fail(w, r, err)
		return
	}
	if err != nil {
		s.log.Error("audit workbook aborted", "path", r.URL.Path, "err", err.Error(), "sent", sw.n)
		panic(http.ErrAbortHandler)
	}
}

// sentCounter counts the bytes written to the client.
type sentCounter struct {
	w http.ResponseWriter
	n int64
}

func (c *sentCounter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// ---- the tables as rows of cells ----

// tableBuilder builds the rows of a page; period and scope make the links
// of totals to their vouchers.
type tableBuilder struct {
	v      *tableView
	period string
	scope  string
}

// vouchers is the /vouchers link of the posted vouchers of the period of
// the flows, within org (the scope when ""), restricted further by extra.
func (b *tableBuilder) vouchers(org string, flows []string, extra url.Values) string {
	q := url.Values{"period": {b.period}, "status": {string(ledger.StatusPosted)}}
	if org == "" {
		org = b.scope
	}
	if org != "" {
		q.Set("org", org)
	}
	for _, f := range flows {
		q.Add("flow", f)
	}
	for k, v := range extra {
		q[k] = v
	}
	return vouchersLink(q)
}

func (b *tableBuilder) add(class string, cells ...tableCell) {
	b.v.Rows = append(b.v.Rows, tableRow{Class: class, Cells: cells})
}

func txt(s string) tableCell { return tableCell{Text: s} }

func money(m ledger.Money) tableCell { return tableCell{Text: m.Format(), Class: "num"} }

func moneyOrBlank(m ledger.Money) tableCell {
	if m.IsZero() {
		return tableCell{Class: "num"}
	}
	return money(m)
}

func linked(c tableCell, href string) tableCell {
	c.Link = href
	return c
}

func count(n int) tableCell { return tableCell{Text: strconv.Itoa(n), Class: "num"} }

func countOrBlank(n int) tableCell {
	if n == 0 {
		return tableCell{Class: "num"}
	}
	return count(n)
}

func day(t time.Time) tableCell {
	if t.IsZero() {
		return tableCell{}
	}
	return tableCell{Text: t.Format(time.DateOnly), Class: "date"}
}

func voucherCell(id int64, word string) tableCell {
	if word == "" || id == 0 {
		return txt(word)
	}
	return tableCell{Text: word, Link: fmt.Sprintf("/vouchers/%d", id)}
}

// ratio is num/den as a percentage with two decimals, as the sheet's
// 0.00% format shows it; blank when den is zero.
func ratio(num, den ledger.Money) tableCell {
	if den.IsZero() {
		return tableCell{Class: "num"}
	}
	r := num.Decimal().DivRound(den.Decimal(), 6).Shift(2).StringFixed(2)
	return tableCell{Text: r + "%", Class: "num"}
}

// blanks is n empty cells.
func blanks(n int) []tableCell { return make([]tableCell, n) }

var tableBuilders = map[string]func(*tableBuilder, *report.AuditData) error{
	reports.SheetT1: (*tableBuilder).t1, reports.SheetT2: (*tableBuilder).t2, reports.SheetT3: (*tableBuilder).t3,
	reports.SheetT4: (*tableBuilder).t4, reports.SheetT5: (*tableBuilder).t5, reports.SheetT6: (*tableBuilder).t6,
	reports.SheetT7: (*tableBuilder).t7, reports.SheetT8: (*tableBuilder).t8, reports.SheetT9: (*tableBuilder).t9,
}

// t1Flows are the flows behind T1's amount columns (期初结余 and 期末结余
// are balances: no link).
// 本期拨出 counts the grants to other books as well.
var t1Flows = [8][]string{nil, {ledger.FlowReceive, ledger.FlowMatch}, {ledger.FlowAllocate}, {ledger.FlowReturn},
	{ledger.FlowAllocate, ledger.FlowGrant}, {ledger.FlowSpend}, {ledger.FlowReturn}, nil}

func (b *tableBuilder) t1(d *report.AuditData) error {
	t, err := report.BuildT1(d.T1)
	if err != nil {
		return err
	}
	amounts := func(a report.T1Amounts, org string, extra url.Values) []tableCell {
		var out []tableCell
		for k, m := range a {
			c := money(m)
			if t1Flows[k] != nil {
				c.Link = b.vouchers(org, t1Flows[k], extra)
			}
			out = append(out, c)
		}
		return out
	}
	for _, g := range t.Groups {
		for _, i := range g.Rows {
			r := &d.T1[i]
			cells := []tableCell{txt(r.OrgName), txt(r.FundName)}
			for _, m := range r.Amounts() {
				cells = append(cells, money(m))
			}
			b.add("", cells...)
		}
		b.add("sub", append([]tableCell{txt("小计"), txt(reports.T1GroupLabel(g))}, amounts(g.Sub, "", url.Values{"fund": {g.Fund}})...)...)
	}
	b.add("total", append([]tableCell{txt("合计"), {}}, amounts(t.Total, "", nil)...)...)
	return nil
}

func (b *tableBuilder) t2(d *report.AuditData) error {
	received, allocated := ledger.Zero, ledger.Zero
	for i := range d.T2 {
		r := &d.T2[i]
		b.add("", count(i+1), txt(r.DocRef), txt(r.Decision), txt(r.FundName), day(r.ReceivedOn), moneyOrBlank(r.Received),
			txt(r.OrgName), txt(r.HostUnit), day(r.Date), moneyOrBlank(r.Amount), voucherCell(r.VoucherID, r.Voucher),
			txt(reports.MethodName(r.Method)), money(r.Unallocated), countOrBlank(r.DaysHeld), txt(r.Memo))
		received = received.Add(r.Received)
		allocated = allocated.Add(r.Amount)
	}
	row := blanks(15)
	row[0] = txt("合计")
	row[5] = linked(money(received), b.vouchers("", []string{ledger.FlowReceive, ledger.FlowMatch}, nil))
	row[9] = linked(money(allocated), b.vouchers("", []string{ledger.FlowAllocate}, nil))
	b.add("total", row...)
	return nil
}

func (b *tableBuilder) t3(d *report.AuditData) error {
	total := ledger.Zero
	n := 0
	if d.T3 != nil {
		for r, err := range d.T3 {
			if err != nil {
				return err
			}
			n++
			total = total.Add(r.Amount)
			if n > t3RowsShown {
				b.v.Hidden++
				continue
			}
			b.v.Shown = n
			qty, price := tableCell{Class: "num"}, tableCell{Class: "num"}
			if !r.Quantity.IsZero() {
				qty.Text = r.Quantity.String()
			}
			if !r.UnitPrice.IsZero() {
				price.Text = r.UnitPrice.StringFixed(2)
				if !r.UnitPrice.Equal(r.UnitPrice.Round(2)) {
					price.Text = r.UnitPrice.String()
				}
			}
			b.add("", count(n), txt(r.OrgName), day(r.Date), voucherCell(r.VoucherID, r.Voucher), txt(r.Summary),
				txt(reports.PurposeName(r.Purpose)), txt(r.FundName), txt(reports.T3Item(&r)), qty, price, money(r.Amount),
				txt(reports.MethodName(r.Method)), txt(r.Payee), txt(reports.PayeeTypeName(r.PayeeType)), txt(strings.Join(r.DocTypes, "、")),
				count(r.Attachments), txt(r.Decision), txt(r.Handler), txt(r.Checker), day(r.PublishedOn), txt(strings.Join(r.Flags, "、")))
		}
	}
	row := blanks(21)
	row[0] = txt("合计")
	row[10] = linked(money(total), b.vouchers("", []string{ledger.FlowSpend}, nil))
	b.add("total", row...)
	return nil
}

func (b *tableBuilder) t4(d *report.AuditData) error {
	rows, tot := report.BuildT4(d.T4)
	for _, r := range rows {
		b.add("", txt(reports.PurposeName(r.Purpose)), count(r.Count),
			linked(money(r.Amount), b.vouchers("", []string{ledger.FlowSpend}, url.Values{"purpose": {string(r.Purpose)}})),
			ratio(r.Amount, tot.Amount), money(r.Cash), count(r.NoReceipt), count(r.Persons))
	}
	// The 合计 of 占比% adds up the rows' ratios, as the sheet's SUM does.
	pct := tableCell{Class: "num"}
	if !tot.Amount.IsZero() {
		sum := decimal.Zero
		for _, r := range rows {
			sum = sum.Add(r.Amount.Decimal().DivRound(tot.Amount.Decimal(), 6))
		}
		pct.Text = sum.Shift(2).StringFixed(2) + "%"
	}
	b.add("total", txt("合计"), count(tot.Count), linked(money(tot.Amount), b.vouchers("", []string{ledger.FlowSpend}, nil)),
		pct, money(tot.Cash), count(tot.NoReceipt), count(tot.Persons))
	return nil
}

func (b *tableBuilder) t5(d *report.AuditData) error {
	t, err := report.BuildT5(d.T5)
	if err != nil {
		return err
	}
	sums := func(v report.T5Amounts, org string) []tableCell {
		return []tableCell{money(v[0]), linked(money(v[1]), b.vouchers(org, []string{ledger.FlowAllocate}, nil)),
			linked(money(v[2]), b.vouchers(org, []string{ledger.FlowSpend}, nil)),
			linked(money(v[3]), b.vouchers(org, []string{ledger.FlowReturn}, nil)), money(v[4]), ratio(v[2], v[0].Add(v[1]))}
	}
	for _, e := range t.Entries {
		r := &d.T5[e.Row]
		indent := strings.Repeat("　", e.Level)
		if !e.Subtotal {
			b.add("", count(e.Level+1), txt(r.Org), txt(indent+r.Name), txt(reports.T5Kind(r)), txt(r.Secretary), txt(r.HostUnit),
				money(r.Opening), money(r.In), money(r.Used), money(r.Returned), money(r.Closing), ratio(r.Used, r.Opening.Add(r.In)),
				day(r.LastUsed), countOrBlank(r.DaysIdle), day(r.Dissolved))
			continue
		}
		row := append([]tableCell{count(e.Level + 1), {}, txt(indent + reports.T5Subtotal(r.Name)), {}, {}, {}}, sums(e.Sums, r.Org)...)
		b.add("sub", append(row, blanks(3)...)...)
	}
	row := append([]tableCell{txt("合计"), {}, {}, {}, {}, {}}, sums(t.Total, "")...)
	b.add("total", append(row, blanks(3)...)...)
	return nil
}

func (b *tableBuilder) t6(d *report.AuditData) error {
	total := ledger.Zero
	for i := range d.T6 {
		r := &d.T6[i]
		dup := ""
		if r.Duplicate {
			dup = "重复"
		}
		b.add("", count(i+1), txt(r.Name), txt(r.Category), txt(ledger.MaskID(r.IDNumber)), txt(r.OrgName), txt(r.Reason),
			txt(reports.PurposeName(r.Purpose)), moneyOrBlank(r.Amount), txt(r.Goods), day(r.Date), txt(reports.MethodName(r.Method)),
			voucherCell(r.VoucherID, r.Voucher), txt(r.Receipt), txt(dup))
		total = total.Add(r.Amount)
	}
	row := blanks(14)
	row[0] = txt("合计")
	row[7] = linked(money(total), b.vouchers("", nil, url.Values{"has": {hasBeneficiaries}}))
	b.add("total", row...)
	return nil
}

func (b *tableBuilder) t7(d *report.AuditData) error {
	groups, tot := report.BuildT7(d.T7)
	for _, g := range groups {
		for _, i := range g.Rows {
			r := &d.T7[i]
			b.add("", txt(r.OrgName), txt(reports.PurposeName(r.Purpose)), count(r.Count), money(r.Amount), count(r.Persons),
				txt(reports.T7Uses(r)), day(r.PublishedOn))
		}
		b.add("sub", txt("小计："+g.OrgName), tableCell{}, count(g.Count),
			linked(money(g.Amount), b.vouchers(g.Org, []string{ledger.FlowSpend}, nil)), count(g.Persons), tableCell{}, tableCell{})
	}
	b.add("total", txt("合计"), tableCell{}, count(tot.Count), linked(money(tot.Amount), b.vouchers("", []string{ledger.FlowSpend}, nil)),
		count(tot.Persons), tableCell{}, tableCell{})
	return nil
}

func (b *tableBuilder) t8(d *report.AuditData) error {
	for i := range d.T8 {
		r := &d.T8[i]
		b.add("", txt(r.Rule), txt(r.Type), txt(audit.SeverityName(r.Severity)), voucherCell(r.VoucherID, r.Voucher), day(r.Date),
			txt(r.OrgName), moneyOrBlank(r.Amount), txt(r.Note), txt(r.Responsible), day(r.Deadline), txt(audit.FindingStateName(r.Status)))
	}
	return nil
}

func (b *tableBuilder) t9(d *report.AuditData) error {
	x := d.T9
	if x == nil {
		b.v.Info += "　本期未编制银行存款余额调节表"
		return nil
	}
	label := func(s string, c tableCell, class string) {
		b.add(class, txt(s), tableCell{}, tableCell{}, tableCell{}, c)
	}
	sides := x.Sides()
	for k, sd := range sides {
		label(sd.BaseLabel, money(sd.Base), "")
		for _, sc := range []report.T9Section{sd.Plus, sd.Minus} {
			label(sc.Label, tableCell{}, "")
			for _, it := range sc.Items {
				b.add("", tableCell{}, day(it.Date), txt(it.Ref), txt(it.Summary), money(it.Amount))
			}
			label("　　小计", money(sc.Sum), "sub")
		}
		label("调节后的存款余额", money(sd.Adjusted), "total")
		if k == 0 {
			b.add("", blanks(5)...)
		}
	}
	label("差额（应为零）", money(sides[0].Adjusted.Sub(sides[1].Adjusted)), "total")
	return nil
}
