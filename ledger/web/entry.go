package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/i18n"
)

// entryFlows are the flows /vouchers/new offers, with their Chinese names.
var entryFlows = []struct{ Code, Name string }{
	{ledger.FlowReceive, "收到上级下拨"}, {ledger.FlowMatch, "本级配套"}, {ledger.FlowAllocate, "划拨到支部"},
	{ledger.FlowSpend, "支部报账使用"}, {ledger.FlowReturn, "结余退回"}, {"general", "通用凭证"},
}

// entryLinesMin is how many grid lines a new voucher shows.
const entryLinesMin = 4

// entryLine is one grid line as typed (amounts as text, so a refused form
// comes back exactly as it was sent).
type entryLine struct {
	Summary, Account, Org, Fund, Purpose, Debit, Credit string
	Error                                               string
}

// entryBeneficiary is one beneficiary row as typed. Kind and Phone are
// not in the grid: a draft's are carried through its edit unchanged.
type entryBeneficiary struct {
	Name, Category, IDNumber, Amount, Reason string
	Kind, Phone                              string
	Error                                    string
}

// entryItem is one item row (物品明细) as typed: Line is the number of the
// grid line it belongs to (a procurement or goods line's debit).
type entryItem struct {
	Line, Name, Spec, Unit, Quantity, UnitPrice, Amount string
	Error                                               string
	at                                                  string // its field prefix, lines[i].items[j], once placed
}

// option is a picker entry: a code and its name.
type option struct{ Code, Name string }

type entryData struct {
	Flow, FlowName                              string
	Flows                                       []struct{ Code, Name string }
	Type, Date, Attachments, Decision, Summary  string
	Payee, PayeeType, Method                    string
	Lines                                       []entryLine
	Beneficiaries                               []entryBeneficiary
	Items                                       []entryItem
	Accounts, Orgs, Funds, PayeeTypes, Purposes []option
	Available                                   []fundBalance     // the scope's available balance per branch and fund
	Errors                                      map[string]string // header field → message
	Error                                       string            // a message not bound to a field
	Summaries                                   []string          // the user's saved summaries (常用摘要)
	FilesMax                                    int               // files of one submit
	FileBytesMax                                int64             // bytes of one file

	// The draft being edited (/vouchers/{id}/edit): its id, word, the
	// version the form was read at, and its stored files.
	ID      int64
	Word    string
	Version int
	Files   []ledger.Attachment
}

// Action is where the form is sent.
func (d *entryData) Action() string {
	if d.ID != 0 {
		return fmt.Sprintf("/vouchers/%d/edit", d.ID)
	}
	return "/vouchers/new"
}

// entryOptions fills the pickers: leaf accounts, the organisations of the
// user's scope, the funds.
func entryOptions(d *entryData, u *ledger.User, b *ledger.Books) {
	for _, a := range b.Chart {
		if a.Leaf {
			d.Accounts = append(d.Accounts, option{a.Code, a.Name})
		}
	}
	for _, o := range b.Orgs {
		if o.Kind != ledger.OrgExternal && b.InScope(u.Scope, o.Code) {
			d.Orgs = append(d.Orgs, option{o.Code, o.Name})
		}
	}
	for _, f := range b.Funds {
		d.Funds = append(d.Funds, option{f.Code, f.Name})
	}
	for _, t := range ledger.PayeeTypes {
		d.PayeeTypes = append(d.PayeeTypes, option{t, payeeTypeName(t)})
	}
	for _, p := range ledger.Purposes {
		d.Purposes = append(d.Purposes, option{string(p), p.Name()})
	}
	byCode := func(a, b option) int { return strings.Compare(a.Code, b.Code) }
	slices.SortFunc(d.Accounts, byCode)
	slices.SortFunc(d.Orgs, byCode)
	slices.SortFunc(d.Funds, byCode)
}

// newVoucherPage answers GET /vouchers/new: 凭证录入.
func (s *Server) newVoucherPage(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	if err := ledger.Authorize(rq.user, ledger.ActMake, &ledger.Voucher{}, nil, false); err != nil {
		s.fail(w, r, err)
		return
	}
	flow := r.URL.Query().Get("flow")
	if flow == "" {
		flow = "general"
	}
	d := entryData{Flow: flow, Type: "记", Date: ledger.Today(s.db.Now(), s.opt.TimeZone).Format(time.DateOnly),
		Attachments: "1", Method: ledger.MethodBank}
	if !slices.ContainsFunc(entryFlows, func(f struct{ Code, Name string }) bool { return f.Code == flow }) {
		s.fail(w, r, ledger.Errorf(ledger.EInvalid, "flow", "flow is receive, match, allocate, spend, return or general"))
		return
	}
	d.Lines = prefillLines(flow, rq.user, rq.books)
	s.renderEntry(w, r, http.StatusOK, &d)
}

func (s *Server) renderEntry(w http.ResponseWriter, r *http.Request, status int, d *entryData) {
	rq := current(r)
	d.Flows = entryFlows
	for _, f := range entryFlows {
		if f.Code == d.Flow {
			d.FlowName = f.Name
		}
	}
	for len(d.Lines) < entryLinesMin {
		d.Lines = append(d.Lines, entryLine{})
	}
	if len(d.Beneficiaries) == 0 {
		d.Beneficiaries = append(d.Beneficiaries, entryBeneficiary{})
	}
	if len(d.Items) == 0 {
		d.Items = append(d.Items, entryItem{Line: "1"})
	}
	d.FilesMax, d.FileBytesMax = entryFilesMax, s.opt.Attachments.MaxBytes
	entryOptions(d, rq.user, rq.books)
	var err error
	if d.Summaries, err = s.db.SavedSummaries(r.Context(), rq.user.Book, rq.user.Name); err != nil {
		s.fail(w, r, err)
		return
	}
	rows, err := s.db.Balances(r.Context(), rq.user.Book, rq.user.Scope, "", time.Time{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	root := ""
	if o := rq.books.Root(); o != nil {
		root = o.Code
	}
	for _, row := range rows {
		// a branch spends its pending-settlement balance; the book's own
		// organisation spends from the bank
		if a := rq.books.Chart[row.Account]; a != nil && a.Restricted && (!a.Cash || a.Code == ledger.AcctBank && row.Org == root) {
			d.Available = append(d.Available, fundBalance{Org: row.Org, Fund: row.Fund, Amount: row.Own})
		}
	}
	title := "凭证录入"
	if d.ID != 0 {
		title = "修改凭证 " + d.Word
	}
	s.render(w, r, status, "entry", page{Title: title, Menu: "new", Data: d})
}

// prefillLines gives a flow's lines their accounts (SPEC §3's table), the
// amounts left to the officer.
func prefillLines(flow string, u *ledger.User, b *ledger.Books) []entryLine {
	org := u.Scope
	if org == "" {
		if root := b.Root(); root != nil {
			org = root.Code
		}
	}
	root := ""
	if r := b.Root(); r != nil {
		root = r.Code
	}
	pair := func(dr, drOrg, cr, crOrg, summary string) []entryLine {
		return []entryLine{{Summary: summary, Account: dr, Org: drOrg}, {Summary: summary, Account: cr, Org: crOrg}}
	}
	switch flow {
	case ledger.FlowReceive:
		return pair(ledger.AcctBank, root, ledger.AcctUpperIncome, root, "收到上级下拨专项党费")
	case ledger.FlowMatch:
		return pair(ledger.AcctBank, root, ledger.AcctMatching, root, "本级配套专项党费")
	case ledger.FlowAllocate:
		return pair(ledger.AcctPending, "", ledger.AcctBank, root, "划拨专项党费")
	case ledger.FlowSpend:
		if org == root {
			return pair(ledger.AcctProcurement, org, ledger.AcctBank, org, "专项党费报账")
		}
		return pair(ledger.AcctProcurement, org, ledger.AcctPending, org, "专项党费报账")
	case ledger.FlowReturn:
		if org == root {
			org = "" // the branch returning money, named by the officer (as for an allocation)
		}
		return pair(ledger.AcctBank, root, ledger.AcctPending, org, "临时党支部结余专项党费退回")
	}
	return nil
}

// createVoucherForm answers POST /vouchers/new: the grid saved as a draft
// through the API's checks (ValidateVoucher, Authorize, CheckActive,
// CreateVoucher); a refused form comes back with the error at its field.
func (s *Server) createVoucherForm(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	u, b := rq.user, rq.books
	if err := ledger.Authorize(u, ledger.ActMake, &ledger.Voucher{}, nil, false); err != nil {
		s.fail(w, r, err)
		return
	}
	files, err := s.formFiles(r)
	d := readEntryForm(r)
	if err != nil {
		s.refuseEntry(w, r, &d, err)
		return
	}
	v, err := entryVoucher(&d, u)
	if err == nil {
		err = ledger.ValidateVoucher(v, b)
	}
	if err == nil {
		err = ledger.Authorize(u, ledger.ActMake, v, b, b.Book.RequireCashierSign)
	}
	if err == nil {
		err = ledger.CheckActive(v, b)
	}
	if err == nil {
		var out *ledger.Voucher
		out, _, err = s.db.CreateVoucher(r.Context(), u.Name, v)
		if err == nil {
			s.attachAfterSave(w, r, out.ID, files, "made")
			return
		}
	}
	s.refuseEntry(w, r, &d, err)
}

// refuseEntry answers a refused grid: the form again with the error at
// its field, or the error page for a refusal of the user or a fault.
func (s *Server) refuseEntry(w http.ResponseWriter, r *http.Request, d *entryData, err error) {
	code := ledger.ErrorCode(err)
	if code == "" || code == ledger.EInternal || code == ledger.EUnauthenticated || code == ledger.EForbidden || code == ledger.EUnavailable {
		s.fail(w, r, err)
		return
	}
	placeError(d, err)
	s.renderEntry(w, r, statusOf(code), d)
}

// readEntryForm reads the grid as typed; rows left empty are dropped, and
// an item's line number follows its line.
func readEntryForm(r *http.Request) entryData {
	f := r.PostForm
	d := entryData{Flow: f.Get("flow"), Type: f.Get("type"), Date: f.Get("date"), Attachments: f.Get("attachments"),
		Decision: f.Get("decision"), Summary: f.Get("summary"), Payee: f.Get("payee"), PayeeType: f.Get("payee_type"),
		Method: f.Get("method")}
	d.Version, _ = strconv.Atoi(f.Get("version"))
	at := func(k string, i int) string {
		if vs := f[k]; i < len(vs) {
			return strings.TrimSpace(vs[i])
		}
		return ""
	}
	renumber := map[string]string{} // the grid's line number → the voucher's
	for i := range f["line_account"] {
		l := entryLine{Summary: at("line_summary", i), Account: at("line_account", i), Org: at("line_org", i), Fund: at("line_fund", i),
			Purpose: at("line_purpose", i), Debit: at("line_debit", i), Credit: at("line_credit", i)}
		if l.Account == "" && l.Debit == "" && l.Credit == "" && l.Summary == "" {
			continue
		}
		d.Lines = append(d.Lines, l)
		renumber[strconv.Itoa(i+1)] = strconv.Itoa(len(d.Lines))
	}
	for i := range f["ben_name"] {
		x := entryBeneficiary{Name: at("ben_name", i), Category: at("ben_category", i), IDNumber: at("ben_id", i),
			Amount: at("ben_amount", i), Reason: at("ben_reason", i), Kind: at("ben_kind", i), Phone: at("ben_phone", i)}
		if x.Name == "" && x.IDNumber == "" && x.Amount == "" {
			continue
		}
		d.Beneficiaries = append(d.Beneficiaries, x)
	}
	for i := range f["item_name"] {
		x := entryItem{Line: at("item_line", i), Name: at("item_name", i), Spec: at("item_spec", i), Unit: at("item_unit", i),
			Quantity: at("item_qty", i), UnitPrice: at("item_price", i), Amount: at("item_amount", i)}
		if x.Name == "" && x.Spec == "" && x.Quantity == "" && x.UnitPrice == "" && x.Amount == "" {
			continue
		}
		if n, ok := renumber[x.Line]; ok {
			x.Line = n
		} else {
			x.Line = "" // an empty or missing line: refused by entryVoucher
		}
		d.Items = append(d.Items, x)
	}
	return d
}

// entryVoucher makes the voucher of a typed form.
func entryVoucher(d *entryData, u *ledger.User) (*ledger.Voucher, error) {
	date, err := time.Parse(time.DateOnly, d.Date)
	if err != nil {
		return nil, ledger.Errorf(ledger.EInvalid, "date", "date %q is not a date like 2020-02-05", d.Date)
	}
	n := 0
	if d.Attachments != "" {
		if n, err = strconv.Atoi(d.Attachments); err != nil || n < 0 {
			return nil, ledger.Errorf(ledger.EInvalid, "attachments", "attachments is a count of documents, not %q", d.Attachments)
		}
	}
	flow := d.Flow
	if flow == "" {
		flow = "general"
	}
	v := &ledger.Voucher{Book: u.Book, Type: d.Type, Date: date, Summary: d.Summary, Attachments: n, Decision: d.Decision,
		Payee: d.Payee, PayeeType: d.PayeeType, Method: d.Method, Flow: flow}
	if v.Summary == "" && len(d.Lines) > 0 {
		v.Summary = d.Lines[0].Summary
	}
	money := func(s, field string) (ledger.Money, error) {
		if s == "" {
			return ledger.Money{}, nil
		}
		m, err := ledger.ParseMoney(s)
		if le, ok := err.(*ledger.Error); ok {
			// ParseMoney's refusal, translated as it is, at this field
			c := *le
			c.Field = field
			return m, &c
		}
		return m, err
	}
	for i, l := range d.Lines {
		p := fmt.Sprintf("lines[%d].", i+1)
		line := ledger.Line{Summary: l.Summary, Account: l.Account, Org: l.Org, Fund: l.Fund, Purpose: ledger.Purpose(l.Purpose)}
		if line.Debit, err = money(l.Debit, p+"debit"); err != nil {
			return nil, err
		}
		if line.Credit, err = money(l.Credit, p+"credit"); err != nil {
			return nil, err
		}
		v.Lines = append(v.Lines, line)
	}
	for i, x := range d.Beneficiaries {
		p := fmt.Sprintf("beneficiaries[%d].", i+1)
		bn := ledger.Beneficiary{Name: x.Name, Category: x.Category, IDNumber: x.IDNumber, Reason: x.Reason,
			IDKind: ledger.IDKind(x.Kind), Phone: x.Phone}
		if bn.Amount, err = money(x.Amount, p+"amount"); err != nil {
			return nil, err
		}
		v.Beneficiaries = append(v.Beneficiaries, bn)
	}
	for i := range d.Items {
		x := &d.Items[i]
		n, _ := strconv.Atoi(x.Line)
		if n < 1 || n > len(v.Lines) {
			x.at = fmt.Sprintf("items[%d]", i+1)
			return nil, ledger.Errorf(ledger.EInvalid, x.at+".line", "item %d names line %q; give the number of a line with its amount", i+1, x.Line)
		}
		l := &v.Lines[n-1]
		x.at = fmt.Sprintf("lines[%d].items[%d]", n, len(l.Items)+1)
		it, err := ledger.ParseItemFields(x.at+".", x.Name, x.Spec, x.Unit, x.Quantity, x.UnitPrice, x.Amount)
		if err != nil {
			return nil, err
		}
		l.Items = append(l.Items, it)
	}
	return v, nil
}

// placeError puts err's Chinese message at its field: a line's, a
// beneficiary's, the header's, or above the form.
func placeError(d *entryData, err error) {
	msg := i18n.Message(i18n.ZhCN, err)
	field := ""
	if le, ok := err.(*ledger.Error); ok {
		field = le.Field
	}
	d.Errors = map[string]string{}
	for i := range d.Items {
		if at := d.Items[i].at; at != "" && (field == at || strings.HasPrefix(field, at+".")) {
			d.Items[i].Error = msg
			return
		}
	}
	for i := range d.Lines {
		if strings.HasPrefix(field, fmt.Sprintf("lines[%d]", i+1)) {
			d.Lines[i].Error = msg
			return
		}
	}
	for i := range d.Beneficiaries {
		if strings.HasPrefix(field, fmt.Sprintf("beneficiaries[%d]", i+1)) {
			d.Beneficiaries[i].Error = msg
			return
		}
	}
	switch field {
	case "date", "type", "attachments", "decision", "payee", "payee_type", "method", "summary", "version", "file", "file_name":
		d.Errors[field] = msg
		return
	}
	d.Error = msg
}
